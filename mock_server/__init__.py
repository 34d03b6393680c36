"""bland-sms-mock: a stateful in-memory mock of the Bland SMS conversations API."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("bland-sms-mock")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0.0.0"
