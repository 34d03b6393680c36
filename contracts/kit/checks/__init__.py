"""The named checks of the contract, one module per suite; `kit.selection` loads them in run order.

Checks never import the mock: they see the target only through `bland_sms_mock.contracts.client`, and
judge it with `bland_sms_mock.contracts.kit.oracle`.
"""
