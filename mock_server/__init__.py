"""The fake: a stateful in-memory server of the Bland SMS API (installed as `bland_sms_mock.mock_server`).

It imports the contract's models (`bland_sms_mock.contracts.models`); nothing in the contract imports it.
"""
