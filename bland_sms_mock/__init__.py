"""bland-sms-mock from Python: a mock you drive directly, and interception of `requests`/`httpx` calls.

    from bland_sms_mock import BlandMock, intercept

    with intercept() as mock:          # calls to https://api.bland.ai go to `mock`, no socket
        my_app.send_sms(...)
        mock.assert_request_made("POST", "/v1/sms/create", body={"message": "hi"})

The pytest fixtures (`bland_mock`, `bland_mock_shared`, `bland_mock_intercept`) come with the package.

`bland_sms_mock.mock_server` is the fake (its own folder `mock_server/` in the repository) and
`bland_sms_mock.contracts` the contract and its kit (`contracts/`). The names below load on first use,
so `import bland_sms_mock` (and the console script's `serve`) stays fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from bland_sms_mock.version import __version__

_PUBLIC: dict[str, str] = {
    "BlandMock": "bland_sms_mock.mock_server.bland_mock",
    "MockClock": "bland_sms_mock.mock_server.bland_mock",
    "MockError": "bland_sms_mock.mock_server.bland_mock",
    "MockFaults": "bland_sms_mock.mock_server.bland_mock",
    "MockWebhookFaults": "bland_sms_mock.mock_server.bland_mock",
    "WebhookReceiver": "bland_sms_mock.mock_server.receiver",
    "BlockedHostError": "bland_sms_mock.mock_server.intercept",
    "intercept": "bland_sms_mock.mock_server.intercept",
}
"""Each public name and the module that defines it."""

__all__ = [
    "BlandMock",
    "BlockedHostError",
    "MockClock",
    "MockError",
    "MockFaults",
    "MockWebhookFaults",
    "WebhookReceiver",
    "__version__",
    "intercept",
]

if TYPE_CHECKING:
    from bland_sms_mock.mock_server.bland_mock import BlandMock, MockClock, MockError, MockFaults, MockWebhookFaults
    from bland_sms_mock.mock_server.intercept import BlockedHostError, intercept
    from bland_sms_mock.mock_server.receiver import WebhookReceiver


def __getattr__(name: str) -> Any:
    """Load a public name from its module the first time it is asked for (PEP 562)."""
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'bland_sms_mock' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
