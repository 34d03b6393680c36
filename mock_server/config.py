"""The mock's accounts: the demo account, or those of a YAML/JSON config file."""

from __future__ import annotations

from pathlib import Path

from bland_sms_mock.contracts.models.control import MockConfig
from bland_sms_mock.contracts.yamltext import read_document
from bland_sms_mock.mock_server.errors import problems_from_validation
from bland_sms_mock.mock_server.state import Account
from pydantic import ValidationError

DEMO_API_KEY = "sk-demo-bland-sms-mock"
DEMO_AGENT_NUMBER = "+15552223333"
DEMO_CONFIG: dict = {
    "accounts": [
        {
            "name": "demo",
            "api_key": DEMO_API_KEY,
            "agent_numbers": [
                {
                    "number": DEMO_AGENT_NUMBER,
                    "sms_config": {
                        "time_out": 900,
                        "timeout_message": "We haven't heard back, so we're closing this chat. Text us anytime.",
                        "warning_time": 600,
                        "warning_message": "Are you still there? This chat closes in 5 minutes.",
                    },
                }
            ],
        }
    ]
}


class ConfigError(Exception):
    """The config file cannot be read or does not describe valid accounts."""


def load_config(path: str | Path | None) -> MockConfig:
    """Read a config file (YAML or JSON by content), or return the demo config when `path` is None.

    Raises:
        ConfigError: unreadable file, bad syntax, or invalid accounts (the message names the field).
    """
    if path is None:
        return MockConfig.model_validate(DEMO_CONFIG)
    try:
        raw = read_document(path)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    try:
        config = MockConfig.model_validate(raw)
    except ValidationError as exc:
        details = "; ".join(message for _, message in problems_from_validation(exc))
        raise ConfigError(f"{path}: {details}") from None
    _check_unique(config, str(path))
    return config


def _check_unique(config: MockConfig, where: str) -> None:
    keys: set[str] = set()
    numbers: set[str] = set()
    for i, account in enumerate(config.accounts):
        for key in [account.api_key, *account.api_keys]:
            if key in keys:
                raise ConfigError(f"{where}: accounts[{i}]: api key {key!r} is used twice")
            keys.add(key)
        for number in account.agent_numbers:
            if number.number in numbers:
                raise ConfigError(f"{where}: accounts[{i}]: agent number {number.number} belongs to two accounts")
            numbers.add(number.number)


def accounts_from(config: MockConfig) -> list[Account]:
    """Build the store's accounts from a config."""
    return [
        Account(
            name=spec.name or spec.api_key,
            api_keys=[spec.api_key, *(k for k in spec.api_keys if k != spec.api_key)],
            numbers={n.number: n.sms_config for n in spec.agent_numbers},
            webhook_secret=spec.webhook_secret,
        )
        for spec in config.accounts
    ]
