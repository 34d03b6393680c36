"""Turn a mock's request journal into a scenario skeleton, in the format of `fixtures/scenarios`.

Each `/v1` SMS request becomes the step of its endpoint (`create`, `send`, `list`, `get`, `update`,
`delete`, `delete_messages`, `numbers`, `update_number`) expecting the status (and error code) it got.
Ids the mock handed out become templates: the step that first answered a conversation id (a create or
a send) is saved as `cN` and later uses become `{{ cN.conversation_id }}`; a message id used later (in a
`delete_messages`, or answered again by an idempotent send) becomes `{{ name.message_id }}` of the send
that answered it or `{{ name.messages.K.id }}` of the get that showed it, that step being saved for it.
Accounts added at run time become the setup; with `keep_time`, the clock is set where the journal starts
and moved between requests as it moved when they were made, so timers fire at the same points on replay,
and each clock move during which a conversation timed out expects its `timeout` status webhook (from the
mock's delivery log).
"""

from __future__ import annotations

import contextlib
import json
import re
from typing import Any

from bland_sms_mock.contracts.models.api import timestamp_ms
from bland_sms_mock.contracts.models.control import format_duration
from bland_sms_mock.contracts.models.scenario import Scenario
from bland_sms_mock.contracts.scenarios.report import counted

ROUTES = {
    ("POST", "/v1/sms/create"): "create",
    ("POST", "/v1/sms/send"): "send",
    ("GET", "/v1/sms/conversations"): "list",
    ("GET", "/v1/sms/numbers"): "numbers",
    ("POST", "/v1/sms/number/update"): "update_number",
}
"""The endpoints without an id in their path, by method and path, and the step each becomes."""
_ONE = re.compile(r"/v1/sms/conversations/([^/]+)")
_MESSAGES = re.compile(r"/v1/sms/conversations/([^/]+)/messages")
_ONE_ACTIONS = {"GET": "get", "PATCH": "update", "DELETE": "delete"}
WRONG_KEY = "sk-recorded-unknown-key"
"""The key a recorded request with a missing or unknown key is replayed with (the journal masks keys)."""


class NothingToRecord(ValueError):
    """The journal holds no `/v1` request that could become a step; the message says what it holds."""


def route(entry: dict[str, Any]) -> tuple[str, str | None] | None:
    """The step a journal entry becomes and the conversation id in its path, or None for no SMS endpoint."""
    method, path = entry.get("method"), str(entry.get("path") or "")
    if (method, path) in ROUTES:
        return ROUTES[(method, path)], None
    if (found := _MESSAGES.fullmatch(path)) and method == "DELETE":
        return "delete_messages", found[1]
    if (found := _ONE.fullmatch(path)) and method in _ONE_ACTIONS:
        return _ONE_ACTIONS[method], found[1]
    return None


def scenario_from_journal(
    entries: list[dict[str, Any]],
    accounts: list[dict[str, Any]],
    *,
    name: str,
    source: str,
    keep_time: bool = False,
    notes: list[str] | None = None,
    deliveries: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """A scenario document (valid against `Scenario`) from journal entries and the mock's accounts.

    With `keep_time`, the timeouts' status webhooks among `deliveries` (the mock's webhook log) become
    `expect.webhook` of the clock move during which each fell due. What the skeleton could not get right
    from the journal is also appended to `notes`, when given.

    Raises:
        NothingToRecord: no entry is a request to an SMS endpoint answered by the mock itself.
    """
    calls = [e for e in entries if route(e) is not None]
    faulted = [e for e in calls if e.get("fault")]
    calls = [e for e in calls if not e.get("fault")]
    if not calls:
        held = counted(len(entries), "entry", "entries")
        raise NothingToRecord(
            f"the journal holds no SMS API request to record ({held}, {len(faulted)} answered by fault rules)"
        )
    keys = {a.get("name"): a.get("api_key") for a in accounts}
    default_account = next((e.get("account") for e in calls if e.get("account")), None)
    runtime = [a for a in accounts if not a.get("from_config", True)]
    setup: dict[str, Any] = {}
    unknown: list[str] = []
    if runtime:
        setup["accounts"] = [
            {"api_key": a["api_key"], "agent_numbers": _numbers_at_start(a, calls, unknown)} for a in runtime
        ]
    if default_account in keys and any(a.get("name") == default_account for a in runtime):
        setup["api_key"] = keys[default_account]
    if keep_time and calls:
        setup["clock"] = calls[0]["time"]
    ids = _Ids()
    steps: list[dict[str, Any]] = []
    previous_ms: int | None = None
    timeouts = _timeouts(deliveries or [])
    for entry in calls:
        moment = timestamp_ms(entry["time"])
        if keep_time and previous_ms is not None and moment - previous_ms >= 1000:
            advance: dict[str, Any] = {"advance": format_duration((moment - previous_ms) // 1000)}
            if hooks := _timed_out(timeouts, previous_ms, moment, ids):
                advance["expect"] = {"webhook": hooks if len(hooks) > 1 else hooks[0]}
            steps.append(advance)
        previous_ms = moment
        steps.append(_step(entry, keys, default_account, ids))
    for step in steps:  # a step saved for a later use of its ids got save_as after its expect
        if "save_as" in step:
            step["expect"] = step.pop("expect")
    skipped = f"; {len(faulted)} answered by fault rules left out" if faulted else ""
    document: dict[str, Any] = {
        "name": name,
        "description": (
            f"Recorded from {source}: {counted(len(calls), 'request')}{skipped}. A skeleton: review each expectation, "
            "give the steps titles, and add state checks (expect: conversation/fields/messages) where they matter."
            + (f" {_unknown_settings(unknown)}" if unknown else "")
        ),
        "tags": ["recorded"],
    }
    if setup:
        document["setup"] = setup
    document["steps"] = steps
    if unknown and notes is not None:
        notes.append(_unknown_settings(unknown))
    if timeouts and not keep_time and notes is not None:
        notes.append(
            f"{counted(len(timeouts), 'timeout status webhook')} in the mock's log are not expected: without"
            " --keep-time the replay does not move the clock, so no timeout fires"
        )
    Scenario.model_validate(document)
    return document


def _timeouts(deliveries: list[dict[str, Any]]) -> list[tuple[int, str]]:
    """The instant and conversation of each `timeout` status webhook in the log (copies a duplicate fault
    made left out), oldest first."""
    found = []
    for delivery in deliveries:
        payload = delivery.get("payload")
        if (
            delivery.get("event") == "status"
            and isinstance(payload, dict)
            and payload.get("status") == "timeout"
            and delivery.get("duplicate_of") is None
        ):
            found.append((timestamp_ms(str(delivery.get("created_at"))), str(delivery.get("conversation_id"))))
    return sorted(found)


def _timed_out(timeouts: list[tuple[int, str]], after_ms: int, until_ms: int, ids: _Ids) -> list[dict[str, Any]]:
    """The webhook expectations of a clock move from `after_ms` to `until_ms`: for each recorded conversation
    that timed out during it, its `timeout` status webhooks so far (a conversation made active again may
    time out twice)."""
    hooks = []
    for conversation in dict.fromkeys(c for at, c in timeouts if after_ms < at <= until_ms):
        if conversation not in ids.conversations:
            continue
        so_far = sum(1 for at, c in timeouts if c == conversation and at <= until_ms)
        hooks.append({"conversation": ids.conversation(conversation), "status": "timeout", "count": so_far})
    return hooks


def _numbers_at_start(account: dict[str, Any], calls: list[dict[str, Any]], unknown: list[str]) -> list[dict]:
    """An account's numbers with the settings they had when the journal starts.

    The mock's accounts show the settings as they are now; a number updated during the session had other
    settings before: those of the last `numbers` answer before its first update. When no such answer is
    in the journal, its settings stay as they are now and the number is added to `unknown`.
    """
    numbers = []
    for spec in account.get("agent_numbers", []):
        number = spec.get("number")
        first = next((i for i, e in enumerate(calls) if _updates(e, account.get("name"), number)), None)
        if first is None:
            numbers.append(spec)
            continue
        shown = [_settings_shown(e, account.get("name"), number) for e in calls[:first]]
        before = next((settings for settings in reversed(shown) if settings is not None), None)
        if before is None:
            unknown.append(number)
            numbers.append(spec)
        else:
            numbers.append({**spec, "sms_config": {k: v for k, v in before.items() if v is not None}})
    return numbers


def _updates(entry: dict[str, Any], account: str | None, number: str | None) -> bool:
    """Whether `entry` is a number update of `account` that changed `number`'s settings."""
    body = entry.get("body")
    return (
        (route(entry) or ("",))[0] == "update_number"
        and entry.get("account") == account
        and entry.get("status") == 200
        and isinstance(body, dict)
        and body.get("phone_number") == number
    )


def _settings_shown(entry: dict[str, Any], account: str | None, number: str | None) -> dict[str, Any] | None:
    """`number`'s settings as a `numbers` answer of `account` showed them, or None."""
    if (route(entry) or ("",))[0] != "numbers" or entry.get("account") != account or entry.get("status") != 200:
        return None
    response = entry.get("response")
    items = response.get("data") if isinstance(response, dict) else None
    for item in items if isinstance(items, list) else []:
        if isinstance(item, dict) and item.get("phone_number") == number and isinstance(item.get("sms_config"), dict):
            return item["sms_config"]
    return None


def _unknown_settings(numbers: list[str]) -> str:
    listed = ", ".join(numbers)
    return (
        f"{listed} had {'its' if len(numbers) == 1 else 'their'} settings updated during the session, and no earlier"
        " numbers answer shows them as they were: the setup gives them as they are now; set them as they were"
        " when the session started."
    )


class _Ids:
    """The ids the recorded answers handed out, and the template each later use of one becomes."""

    def __init__(self) -> None:
        self.conversations: dict[str, str] = {}
        """Conversation id -> the name of the step that first answered it (`c1`, ...)."""
        self.messages: dict[str, tuple[dict[str, Any], str, str]] = {}
        """Message id -> (the step that answered it, the kind of name it gets if saved, its path in the answer)."""
        self.named: dict[str, int] = {}
        """How many steps were saved for their message ids, by kind (`s` a send, `g` a get)."""

    def conversation(self, value: Any) -> Any:
        """`value` with every known conversation id in it replaced by its template."""
        if isinstance(value, str):
            for conversation_id, name in self.conversations.items():
                value = value.replace(conversation_id, f"{{{{ {name}.conversation_id }}}}")
            return value
        if isinstance(value, dict):
            return {k: self.conversation(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.conversation(v) for v in value]
        return value

    def message(self, value: Any) -> Any:
        """A message id's template when an earlier answer handed it out (saving that step), else `value`."""
        if isinstance(value, bool) or not isinstance(value, str | int) or str(value) not in self.messages:
            return value
        step, kind, path = self.messages[str(value)]
        if "save_as" not in step:
            self.named[kind] = self.named.get(kind, 0) + 1
            step["save_as"] = f"{kind}{self.named[kind]}"
        return f"{{{{ {step['save_as']}.{path} }}}}"

    def new_conversation(self, step: dict[str, Any], conversation_id: str) -> bool:
        """Note a conversation id a create or send answered; True (and `step` saved) when it is new."""
        if conversation_id in self.conversations:
            return False
        name = f"c{len(self.conversations) + 1}"
        self.conversations[conversation_id] = step["save_as"] = name
        return True

    def answered_message(self, step: dict[str, Any], kind: str, message_id: Any, path: str) -> None:
        """Note a message id an answer showed (the first answer that shows an id is the one templates name)."""
        if isinstance(message_id, str | int) and not isinstance(message_id, bool):
            self.messages.setdefault(str(message_id), (step, kind, path))


def _step(entry: dict[str, Any], keys: dict[str, str], default_account: str | None, ids: _Ids) -> dict:
    action, conversation_id = route(entry) or ("", None)
    step: dict[str, Any] = {}
    body = entry.get("body")
    raw = body if body is not None else ""
    target = ids.conversation(conversation_id) if conversation_id is not None else None
    if action in ("create", "send", "update_number"):
        step[action] = ids.conversation(raw)
        if action == "send" and (key := (entry.get("headers") or {}).get("idempotency-key")) is not None:
            step["idempotency_key"] = key
    elif action in ("list", "numbers"):
        query = dict(entry.get("query") or {})
        if action == "list" and "filters" in query:
            with contextlib.suppress(ValueError):
                query["filters"] = json.loads(query["filters"])
        step[action] = ids.conversation(query)
    elif action in ("get", "delete"):
        step[action] = target
    elif action == "update":
        plain = isinstance(body, dict) and set(body) == {"is_active"} and isinstance(body["is_active"], bool)
        step["update"] = {
            "id": target,
            **({"is_active": body["is_active"]} if plain else {"body": ids.conversation(raw)}),
        }
    elif action == "delete_messages":
        listed = isinstance(body, dict) and set(body) == {"message_ids"} and isinstance(body["message_ids"], list)
        step["delete_messages"] = {"id": target} | (
            {"message_ids": [ids.message(m) for m in body["message_ids"]]}
            if listed
            else {"body": ids.conversation(raw)}
        )
    account = entry.get("account")
    if account is None:
        step["api_key"] = "" if "authorization" not in (entry.get("headers") or {}) else WRONG_KEY
    elif account != default_account and account in keys:
        step["api_key"] = keys[account]
    step["expect"] = _expect(action, entry, step, ids, target)
    return step


def _expect(action: str, entry: dict[str, Any], step: dict[str, Any], ids: _Ids, target: str | None) -> dict:
    """What the recorded answer showed, as expectations; notes the ids it handed out."""
    response = entry.get("response") if isinstance(entry.get("response"), dict) else {}
    expect: dict[str, Any] = {"status": entry.get("status")}
    errors = response.get("errors")
    if isinstance(errors, list) and errors and isinstance(errors[0], dict) and errors[0].get("error"):
        expect["error"] = errors[0]["error"]
    data = response.get("data")
    if action in ("create", "send") and isinstance(data, dict) and data.get("conversation_id"):
        seen: dict[str, Any] = {}
        if not ids.new_conversation(step, data["conversation_id"]):
            seen["conversation_id"] = ids.conversation(data["conversation_id"])
        if action == "send" and "message_id" in data:
            if str(data["message_id"]) in ids.messages:  # answered again: an idempotent repeat
                seen["message_id"] = ids.message(data["message_id"])
            ids.answered_message(step, "s", data["message_id"], "message_id")
        if seen:
            expect["data"] = seen
    if action == "get" and isinstance(data, dict):
        expect["data"] = {k: data[k] for k in ("is_active", "message_count") if k in data}
        for index, message in enumerate(data.get("messages") or []):
            if isinstance(message, dict):
                ids.answered_message(step, "g", message.get("id"), f"messages.{index}.id")
    if action == "update" and isinstance(response.get("conversation"), dict):
        expect["response"] = {"conversation": {"id": target, "is_active": response["conversation"].get("is_active")}}
    if action == "delete_messages" and isinstance(data, dict) and "deleted_count" in data:
        expect["data"] = {"deleted_count": data["deleted_count"]}
    if action == "numbers" and isinstance(data, list):
        expect["count"] = len(data)
    pagination = (response.get("extra") or {}).get("pagination") if isinstance(response.get("extra"), dict) else None
    if action == "list" and isinstance(pagination, dict):
        expect["pagination"] = {k: pagination[k] for k in ("totalItems", "totalPages") if k in pagination}
    known = ids.conversations
    if action == "list" and isinstance(data, list) and all(isinstance(i, dict) and i.get("id") in known for i in data):
        expect["ids"] = [f"{{{{ {known[i['id']]}.conversation_id }}}}" for i in data]
    return expect
