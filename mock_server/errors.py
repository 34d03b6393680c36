"""One error type for the whole mock, rendered once as the contract's error envelope."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from bland_sms_mock.contracts.models.api import ErrorCode, status_of
from pydantic import ValidationError


@dataclass
class ApiError(Exception):
    """A request the mock refuses: one or more (code, message) problems and the HTTP status.

    The status defaults to the status of the first code.
    """

    problems: list[tuple[ErrorCode, str]]
    status: int = 0
    headers: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.status:
            self.status = status_of(self.problems[0][0])

    @classmethod
    def one(cls, code: ErrorCode, message: str) -> ApiError:
        """Build an error with a single problem."""
        return cls([(code, message)])

    def envelope(self) -> dict:
        """The response body: `{"data": null, "errors": [...]}`."""
        return {"data": None, "errors": [{"error": code.value, "message": msg} for code, msg in self.problems]}


_PHONE_FIELDS = frozenset({"user_number", "agent_number", "number", "phone_number", "from"})
"""Fields holding a phone number, by any name a request may give them (send's older names too)."""

_FRIENDLY = {
    "missing": "is required",
    "string_type": "must be a string",
    "bool_type": "must be true or false (a JSON boolean)",
    "int_type": "must be an integer",
    "dict_type": "must be a JSON object",
    "list_type": "must be a JSON array",
    "model_type": "must be a JSON object",
    "literal_error": None,
    "enum": None,
    "greater_than": None,
    "less_than_equal": None,
    "string_too_long": None,
}


def _field_name(loc: Iterable[str | int], prefix: str = "") -> str:
    name = prefix
    for part in loc:
        name += f"[{part}]" if isinstance(part, int) else (f".{part}" if name else str(part))
    return name or "body"


def problems_from_validation(
    exc: ValidationError, default_code: ErrorCode = ErrorCode.INVALID_FIELD, prefix: str = ""
) -> list[tuple[ErrorCode, str]]:
    """Translate pydantic's errors into (code, "field: what is wrong") pairs, one per problem.

    `prefix` names the parameter the validated value came from (e.g. `filters`).
    """
    problems: list[tuple[ErrorCode, str]] = []
    for err in exc.errors(include_url=False):
        kind, loc = err["type"], err["loc"]
        name = _field_name(loc, prefix)
        last = next((p for p in reversed(loc) if isinstance(p, str)), "")
        if err.get("input", ...) is None and kind.endswith("_type"):
            kind = "missing"  # null where a value is required reads as "not given"
        if kind == "missing":
            code = ErrorCode.MISSING_REQUIRED_FIELDS if default_code is ErrorCode.INVALID_FIELD else default_code
        elif last in _PHONE_FIELDS and kind in {"invalid_phone_number", "string_pattern_mismatch"}:
            code = ErrorCode.INVALID_PHONE_NUMBER
        elif kind == "invalid_timeout_config":
            code = ErrorCode.INVALID_TIMEOUT_CONFIG
        else:
            code = default_code
        text = _FRIENDLY.get(kind) or err["msg"]
        if kind == "string_pattern_mismatch" and code is ErrorCode.INVALID_PHONE_NUMBER:
            text = "must be an E.164 phone number such as +15550001111 (a +, the country code, digits only)"
        elif kind == "string_pattern_mismatch" and last in ("message", "agent_message"):
            text = "must not be empty or only whitespace"
        problems.append((code, f"{name}: {text}"))
    return problems
