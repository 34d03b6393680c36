"""The mock's own control API under `/_mock`: health, reset, clock, accounts, conversation state."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app

from contracts.models import (
    AccountSpec,
    ClockCommand,
    ResetCommand,
    format_timestamp,
    parse_timestamp,
    to_epoch_ms,
)
from mock_server import __version__
from mock_server.snapshot import export_state, parse_snapshot, restore, seed
from mock_server.web import authenticate, json_response, ok, read_object, store, validate

control = Blueprint("control", __name__, url_prefix="/_mock")

CAPABILITIES_KEY = "MOCK_CAPABILITIES"
"""App config key listing the capabilities `/_mock/health` reports; features append to it in `init_app`."""


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
    set_ms = to_epoch_ms(parse_timestamp(command.set)) if command.set is not None else None
    fired = store().move_clock(freeze=command.freeze, set_ms=set_ms, advance=command.advance)
    return json_response(_clock_state(fired))


@control.get("/accounts")
def list_accounts() -> Any:
    """Every account the mock knows, with its keys and agent numbers."""
    with store().lock:
        return json_response({"accounts": [a.spec() for a in store().accounts.values()]})


@control.post("/accounts")
def add_account() -> Any:
    """Add an account with its API key and agent numbers."""
    spec = validate(AccountSpec, read_object(), strict_numbers=store().strict_numbers)
    store().add_account(spec)
    return json_response(
        {
            "api_key": spec.api_key,
            "agent_numbers": [
                {"number": n.number, "sms_config": n.sms_config.model_dump(exclude_none=True)}
                for n in spec.agent_numbers
            ],
        },
        201,
    )


@control.get("/conversations/<conversation_id>")
def conversation_detail(conversation_id: str) -> Any:
    """A conversation with its hidden fields, effective timeout settings and next timer."""
    return ok(store().detail(authenticate(), conversation_id))


@control.get("/conversations/<conversation_id>/messages")
def conversation_messages(conversation_id: str) -> Any:
    """A conversation's whole history, oldest first."""
    return ok(store().messages(authenticate(), conversation_id))


@control.post("/seed")
def load_seed() -> Any:
    """Add the accounts and conversations of a seed document (the snapshot format, fields optional)."""
    added = seed(store(), parse_snapshot(read_object()))
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
