"""The mock's own control API under `/_mock`: health, reset, clock, accounts, conversations, journal, faults."""

from __future__ import annotations

import hmac
from typing import Any

from bland_sms_mock.contracts.models.api import ErrorCode, format_timestamp, timestamp_ms
from bland_sms_mock.contracts.models.control import (
    AccountSpec,
    ClockCommand,
    FaultSpec,
    JournalQuery,
    ResetCommand,
    WebhookFaultSpec,
    WebhookQuery,
)
from bland_sms_mock.contracts.yamltext import load_yaml
from bland_sms_mock.mock_server import views
from bland_sms_mock.mock_server.errors import ApiError, problems_from_validation
from bland_sms_mock.mock_server.request_io import (
    api_key,
    authenticate,
    json_response,
    key_from_header,
    read_object,
    store,
    success,
    validate,
)
from bland_sms_mock.mock_server.snapshot import export_state, parse_snapshot, restore, seed
from bland_sms_mock.mock_server.state import Account
from flask import Blueprint, current_app, request
from pydantic import ValidationError

from bland_sms_mock.version import __version__

control = Blueprint("control", __name__, url_prefix="/_mock")

CAPABILITIES_KEY = "MOCK_CAPABILITIES"
"""App config key listing the capabilities `/_mock/health` reports; features append to it in `init_app`."""

TOKEN_KEY = "MOCK_CONTROL_TOKEN"
"""App config key of the control token; when set, every `/_mock` request must present it."""

OPEN_PATHS = ("/_mock/ui/", "/_mock/ui/static/")
"""The inspector's page and files: they hold no data, so a browser can load them and then ask for the token."""


MAX_CONTROL_BODY_BYTES = 256 * 1024 * 1024
"""Seeds and snapshots may be far larger than an API request (a busy account's seed is several MiB) [mock]."""


@control.before_request
def allow_large_documents() -> None:
    """Let control calls carry documents up to 256 MiB (the `/v1` limit stays 1 MiB)."""
    request.max_content_length = MAX_CONTROL_BODY_BYTES


def presented_token() -> str | None:
    """The control token a request carries: `authorization: Bearer T` or `x-mock-token: T`."""
    header = request.headers.get("authorization", "")
    if header[:7].lower() == "bearer ":
        return key_from_header(header)
    return request.headers.get("x-mock-token") or None


def _token_ok() -> bool:
    token = current_app.config.get(TOKEN_KEY)
    presented = presented_token()
    return bool(token) and presented is not None and hmac.compare_digest(presented.encode(), token.encode())


@control.before_app_request
def guard() -> None:
    """Refuse `/_mock` requests without the control token, when the server has one."""
    if not current_app.config.get(TOKEN_KEY) or not request.path.startswith("/_mock"):
        return
    if request.path == OPEN_PATHS[0] or request.path.startswith(OPEN_PATHS[1]):
        return
    if not _token_ok():
        raise ApiError.one(
            ErrorCode.CONTROL_TOKEN_REQUIRED, "authorization: this mock's control API needs `Bearer <control token>`"
        )


@control.get("/health")
def health() -> Any:
    """Say this is the mock, its version and what it can do."""
    return json_response(
        {
            "status": "ok",
            "service": "bland-sms-mock",
            "version": __version__,
            "capabilities": current_app.config[CAPABILITIES_KEY],
        }
    )


@control.post("/reset")
def reset() -> Any:
    """Drop all conversations (and run-time accounts if asked); back to real time."""
    command = validate(ResetCommand, read_object(required=False))
    store().reset(drop_runtime_accounts=command.accounts)
    return json_response({"status": "ok"})


def _clock_state(fired: list | None = None) -> dict[str, Any]:

    clock = store().clock
    state: dict[str, Any] = {"now": format_timestamp(clock.now_ms()), "frozen": clock.frozen}
    if fired is not None:
        state["fired"] = [event.to_dict() for event in fired]
    return state


@control.get("/clock")
def read_clock() -> Any:
    """The mock's time and whether it is frozen."""
    store().fire_due()
    return json_response(_clock_state())


@control.post("/clock")
def move_clock() -> Any:
    """Freeze, resume, set or advance the clock; timers due on the way fire in order."""
    command = validate(ClockCommand, read_object())
    set_ms = timestamp_ms(command.set) if command.set is not None else None
    fired = store().move_clock(freeze=command.freeze, set_ms=set_ms, advance=command.advance)
    return json_response(_clock_state(fired))


@control.get("/accounts")
def list_accounts() -> Any:
    """Every account the mock knows, with its keys and agent numbers."""
    with store().lock:
        return json_response({"accounts": [views.account_record(a) for a in store().accounts.values()]})


@control.post("/accounts")
def add_account() -> Any:
    """Add an account with its API key and agent numbers."""
    spec = validate(AccountSpec, read_object(), strict_numbers=store().strict_numbers)
    account = store().add_account(spec)
    return json_response(views.account_record(account), 201)


@control.delete("/accounts/<path:key>")
def remove_account(key: str) -> Any:
    """Remove an account added at run time, with its conversations; a configured account is refused."""
    removed = store().remove_account(key)
    return json_response({"status": "ok", "conversations": removed})


def _owner(conversation_id: str) -> Account:
    """The account to look in: the API key's; with a valid control token and no key, the conversation's own."""
    if _token_ok() and store().account_for_key(api_key() or "") is None:
        owner = store().owner_of(conversation_id)
        if owner is None:
            raise ApiError.one(ErrorCode.CONVERSATION_NOT_FOUND, f"id: conversation {conversation_id} not found")
        return owner
    return authenticate()


@control.get("/deleted")
def deleted_conversations() -> Any:
    """Conversations deleted since the last reset, newest first: the key's account's, or every account's."""
    key = api_key()
    return success(store().deleted(authenticate() if key else None))


@control.get("/conversations/<conversation_id>")
def conversation_detail(conversation_id: str) -> Any:
    """A conversation with its hidden fields, effective timeout settings and next timer."""
    return success(store().detail(_owner(conversation_id), conversation_id))


@control.get("/conversations/<conversation_id>/messages")
def conversation_messages(conversation_id: str) -> Any:
    """A conversation's whole history, oldest first."""
    return success(store().messages(_owner(conversation_id), conversation_id))


YAML_TYPES = frozenset({"application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml"})
"""Content types read as YAML by `POST /_mock/seed` (the shipped seed files are YAML) [mock]."""


def read_document_body() -> dict[str, Any]:
    """The body as a JSON object, or as a YAML mapping when its content type is a YAML one.

    Raises:
        ApiError: INVALID_JSON for YAML that does not parse or is not a mapping; otherwise as `read_object`.
    """
    if request.mimetype not in YAML_TYPES:
        return read_object()
    import yaml  # lazy, for start-up speed: only a YAML body needs PyYAML

    try:
        document = load_yaml(request.get_data(cache=True).decode("utf-8-sig"))
    except (UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ApiError.one(ErrorCode.INVALID_JSON, f"body: is not valid YAML ({exc})") from None
    if not isinstance(document, dict):
        raise ApiError.one(ErrorCode.INVALID_JSON, "body: must be a YAML mapping")
    return document


@control.post("/seed")
def load_seed() -> Any:
    """Add the accounts and conversations of a seed document (JSON, or YAML by its content type)."""
    added = seed(store(), parse_snapshot(read_document_body()))
    return json_response({"status": "ok", "conversations": added})


@control.get("/snapshot")
def take_snapshot() -> Any:
    """The whole state as versioned JSON: accounts, conversations, messages, clock, pending timers."""
    return json_response(export_state(store()))


@control.put("/snapshot")
def restore_snapshot() -> Any:
    """Replace the whole state with a snapshot taken earlier."""
    restore(store(), parse_snapshot(read_object()))
    return json_response({"status": "ok"})


@control.get("/requests")
def journal() -> Any:
    """The request journal, oldest first, narrowed by method, path (glob), account, status and limit."""
    try:
        query = JournalQuery.model_validate(request.args.to_dict(flat=True))
    except ValidationError as exc:
        raise ApiError(problems_from_validation(exc, ErrorCode.INVALID_QUERY)) from None
    return json_response({"requests": store().journal.entries(query)})


@control.delete("/requests")
def clear_journal() -> Any:
    """Forget every journalled request."""
    return json_response({"status": "ok", "cleared": store().journal.clear()})


@control.post("/faults")
def add_fault() -> Any:
    """Add a fault rule for `/v1` requests; answers the rule with its id (and `shadowed_by`, if pre-empted)."""
    return json_response(store().faults.add(validate(FaultSpec, read_object())), 201)


@control.get("/faults")
def list_faults() -> Any:
    """Every fault rule with how often it matched and applied."""
    return json_response({"faults": store().faults.listing()})


@control.delete("/faults")
def clear_faults() -> Any:
    """Remove every fault rule."""
    return json_response({"status": "ok", "cleared": store().faults.clear()})


@control.delete("/faults/<fault_id>")
def remove_fault(fault_id: str) -> Any:
    """Remove one fault rule."""
    if not store().faults.remove(fault_id):
        raise ApiError.one(ErrorCode.NOT_FOUND, f"fault {fault_id} not found")
    return json_response({"status": "ok"})


@control.get("/webhooks")
def webhook_deliveries() -> Any:
    """Every webhook delivery, oldest event first, narrowed by conversation, account, status, event and limit."""
    try:
        query = WebhookQuery.model_validate(request.args.to_dict(flat=True))
    except ValidationError as exc:
        raise ApiError(problems_from_validation(exc, ErrorCode.INVALID_QUERY)) from None
    hooks = store().webhooks
    return json_response(
        {
            "deliveries": [views.delivery(d) for d in hooks.deliveries(query)],
            "pending": hooks.pending,
            "dropped_over_cap": hooks.dropped,
            "any_host": hooks.any_host,
        }
    )


@control.delete("/webhooks")
def clear_webhooks() -> Any:
    """Forget every webhook delivery, pending ones and their retries included."""
    return json_response({"status": "ok", "cleared": store().webhooks.clear()})


@control.post("/webhooks/faults")
def add_webhook_fault() -> Any:
    """Add a webhook fault rule (drop, delay or duplicate); answers the rule with its id."""
    return json_response(store().webhooks.faults.add(validate(WebhookFaultSpec, read_object())), 201)


@control.get("/webhooks/faults")
def list_webhook_faults() -> Any:
    """Every webhook fault rule with how often it matched and applied."""
    return json_response({"faults": store().webhooks.faults.listing()})


@control.delete("/webhooks/faults")
def clear_webhook_faults() -> Any:
    """Remove every webhook fault rule."""
    return json_response({"status": "ok", "cleared": store().webhooks.faults.clear()})


@control.delete("/webhooks/faults/<fault_id>")
def remove_webhook_fault(fault_id: str) -> Any:
    """Remove one webhook fault rule."""
    if not store().webhooks.faults.remove(fault_id):
        raise ApiError.one(ErrorCode.NOT_FOUND, f"webhook fault {fault_id} not found")
    return json_response({"status": "ok"})
