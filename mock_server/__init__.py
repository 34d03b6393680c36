"""bland-sms-mock: a stateful in-memory mock of the Bland SMS conversations API."""

__version__ = "0.1.0"
"""The package version (pyproject.toml reads it from here)."""
