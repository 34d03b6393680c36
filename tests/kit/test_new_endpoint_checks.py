"""The checks of send, one conversation, PATCH, DELETE, delete messages and numbers: each fails a target that
breaks its rule, passes a benign difference, and keeps a live account safe.

Targets are the real mock behind a small WSGI layer (`mutants.Mutant`), judged by the one check meant to
catch them (the catalogue entries for these rules come later).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from bland_sms_mock.contracts.kit.runner import KitOptions, KitReport, run_kit
from bland_sms_mock.contracts.kit.selection import select
from bland_sms_mock.contracts.models.api import TIMEOUT_SETTINGS, Level
from bland_sms_mock.mock_server.app import create_app
from bland_sms_mock.mock_server.config import DEMO_AGENT_NUMBER, DEMO_API_KEY
from bland_sms_mock.mock_server.request_io import EXTENSION
from bland_sms_mock.mock_server.serving import BackgroundServer
from click.testing import CliRunner
from kit_support import judge
from mutants import Call, Mutant, control_call, is_create, is_list, refusal

from bland_sms_mock.cli import main

pytestmark = pytest.mark.e2e

NEW = ("send", "conversation", "update", "delete", "messages", "numbers")
"""Selectors of every check of the new endpoints."""
ONE = re.compile(r"/v1/sms/conversations/([^/]+)")


def failed(report: KitReport) -> set[str]:
    """The names of the checks that failed."""
    return {outcome.name for outcome in report.failed}


def is_send(call: Call) -> bool:
    return call["method"] == "POST" and call["path"] == "/v1/sms/send" and isinstance(call["body"], dict)


def one(call: Call, method: str) -> str | None:
    """The conversation id of a call to one conversation with `method`, else None."""
    match = ONE.fullmatch(call["path"])
    return match[1] if match and call["method"] == method else None


def conversations_in(body: Any) -> list[dict[str, Any]]:
    """The conversations an answer shows: list items, or the one conversation."""
    data = body.get("data") if isinstance(body, dict) else None
    found = data if isinstance(data, list) else [data]
    return [c for c in found if isinstance(c, dict) and "is_active" in c]


def key_of(call: Call) -> str:
    """The call's authorization header, whatever its case."""
    return next((v for k, v in call["headers"].items() if k.lower() == "authorization"), "")


def with_key(call: Call, key: str) -> Call:
    """The call with another authorization header."""
    headers = {k: v for k, v in call["headers"].items() if k.lower() != "authorization"}
    return {**call, "headers": {**headers, "authorization": key}}


# ------------------------------------------------------------------------------------------ targets


def delete_keeps_the_conversation() -> Mutant:
    """DELETE answers 200 and its confirmation but deletes nothing."""

    def answer(call: Call, send: Callable) -> tuple[int, Any] | None:
        if one(call, "DELETE") is None:
            return None
        status, body = send({**call, "method": "GET", "body": None})
        message = "Conversation and all associated messages deleted successfully"
        return (200, {"data": {"message": message}, "errors": None}) if status == 200 else (status, body)

    return Mutant(answer=answer)


def patch_says_ended(rewrite_items: bool) -> Mutant:
    """PATCH is_active false answers as the reference shows but ends nothing; the timer runs on.

    With `rewrite_items`, every answer shows the conversation ended all the same (only its timer gives it away).
    """
    ended: set[str] = set()

    def answer(call: Call, send: Callable) -> tuple[int, Any] | None:
        conversation = one(call, "PATCH")
        if conversation is None or not isinstance(call["body"], dict) or call["body"].get("is_active") is not False:
            return None
        status, body = send({**call, "method": "GET", "body": None})
        if status != 200:
            return status, body
        ended.add(conversation)
        shown = {"id": conversation, "is_active": False, "updated_at": body["data"]["updated_at"]}
        return 200, {"message": "Conversation updated successfully", "conversation": shown}

    def on_response(call: Call, status: int, body: Any) -> tuple[int, Any]:
        for item in conversations_in(body) if rewrite_items and status == 200 else []:
            item["is_active"] = False if item.get("id") in ended else item["is_active"]
        return status, body

    return Mutant(answer=answer, on_response=on_response)


def patch_answer_wrapped() -> Mutant:
    """PATCH answers {data: {...}, errors: null} instead of the reference's unwrapped shape."""

    def on_response(call: Call, status: int, body: Any) -> tuple[int, Any]:
        if one(call, "PATCH") and status == 200:
            return status, {"data": body, "errors": None}
        return status, body

    return Mutant(on_response=on_response)


def send_answers_workflow_id() -> Mutant:
    """Benign: send answers `workflow_id` (as the reference's example does) instead of `message_id`."""

    def on_response(call: Call, status: int, body: Any) -> tuple[int, Any]:
        if is_send(call) and status == 200:
            data = dict(body["data"])
            data["workflow_id"] = f"workflow_{data.pop('message_id')}"
            body = {**body, "data": data}
        return status, body

    return Mutant(on_response=on_response)


def send_refuses_the_older_names() -> Mutant:
    """Benign: a send with `phone_number`, `from` or `message` (the older names) is 400."""

    def answer(call: Call, send: Callable) -> tuple[int, Any] | None:
        if is_send(call) and {"phone_number", "from", "message"} & set(call["body"]):
            return refusal(400, "INVALID_FIELD", "phone_number: unknown field")
        return None

    return Mutant(answer=answer)


def without_key(call: Call) -> Call:
    """The call with its idempotency-key dropped."""
    return {**call, "headers": {k: v for k, v in call["headers"].items() if k.lower() != "idempotency-key"}}


def send_ignores_its_key() -> Mutant:
    """A send's idempotency-key is ignored: a repeat stores a second message."""
    return Mutant(on_request=lambda call: without_key(call) if is_send(call) else call)


def send_takes_a_reused_key_as_a_new_send() -> Mutant:
    """Benign: a known idempotency-key with another body is a new send, not 409."""

    def answer(call: Call, send: Callable) -> tuple[int, Any] | None:
        if not is_send(call):
            return None
        status, body = send(call)
        return send(without_key(call)) if status == 409 else (status, body)

    return Mutant(answer=answer)


def send_always_new() -> Mutant:
    """A send never joins the pair's active conversation."""

    def on_request(call: Call) -> Call:
        return {**call, "body": {**call["body"], "new_conversation": True}} if is_send(call) else call

    return Mutant(on_request=on_request)


def send_stores_a_user_message() -> Mutant:
    """A send is stored as a USER create: the right answer, the wrong sender."""

    def answer(call: Call, send: Callable) -> tuple[int, Any] | None:
        if not is_send(call):
            return None
        body = call["body"]
        create = {"user_number": body.get("user_number"), "agent_number": body.get("agent_number")}
        create |= {"message": body.get("agent_message") or "hello", "request_data": body.get("request_data")}
        status, answer = send({**call, "path": "/v1/sms/create", "body": create})
        if status != 200:
            return status, answer
        data = {"message": "SMS sent successfully", "conversation_id": answer["data"]["conversation_id"]}
        return 200, {"data": {**data, "message_id": "1"}, "errors": None}

    return Mutant(answer=answer)


def read_newest_first() -> Mutant:
    """One conversation's messages come newest first."""

    def on_response(call: Call, status: int, body: Any) -> tuple[int, Any]:
        if one(call, "GET") and status == 200:
            body["data"]["messages"].reverse()
        return status, body

    return Mutant(on_response=on_response)


def read_any_account() -> Mutant:
    """One conversation is shown to any account that knows its id."""
    owners: dict[str, str] = {}

    def on_response(call: Call, status: int, body: Any) -> tuple[int, Any]:
        if (is_create(call) or is_send(call)) and status == 200:
            owners[body["data"]["conversation_id"]] = key_of(call)
        return status, body

    def on_request(call: Call) -> Call:
        conversation = one(call, "GET")
        return with_key(call, owners[conversation]) if conversation in owners else call

    return Mutant(on_request=on_request, on_response=on_response)


def delete_messages_acknowledged_only() -> Mutant:
    """DELETE .../messages counts the ids it was given and deletes none."""

    def answer(call: Call, send: Callable) -> tuple[int, Any] | None:
        if call["method"] != "DELETE" or not call["path"].endswith("/messages") or not isinstance(call["body"], dict):
            return None
        count = len(call["body"].get("message_ids") or [])
        if not count:
            return None
        return 200, {"data": {"message": f"{count} messages marked as deleted", "deleted_count": count}, "errors": None}

    return Mutant(answer=answer)


def delete_messages_takes_an_empty_list() -> Mutant:
    """DELETE .../messages with `message_ids: []` is accepted (200, deleted_count 0)."""

    def answer(call: Call, send: Callable) -> tuple[int, Any] | None:
        body = call["body"]
        if call["method"] == "DELETE" and isinstance(body, dict) and body.get("message_ids") == []:
            return 200, {"data": {"message": "0 messages marked as deleted", "deleted_count": 0}, "errors": None}
        return None

    return Mutant(answer=answer)


def numbers_of_every_account() -> Mutant:
    """The numbers list shows every account's numbers."""

    def on_response(call: Call, status: int, body: Any) -> tuple[int, Any]:
        if call["method"] != "GET" or call["path"] != "/v1/sms/numbers" or status != 200:
            return status, body
        _, accounts = mutant.send(control_call("/_mock/accounts"))
        listed = {n["phone_number"] for n in body["data"]}
        for account in accounts["accounts"]:
            for number in account["agent_numbers"]:
                if number["number"] not in listed:
                    body["data"].append({"phone_number": number["number"], "sms_config": {}, "conversation_count": 0})
        return status, body

    mutant = Mutant(on_response=on_response)
    return mutant


def number_update_replaces_the_config() -> Mutant:
    """A number update clears the timer settings it does not name."""

    def on_request(call: Call) -> Call:
        if call["method"] == "POST" and call["path"] == "/v1/sms/number/update" and isinstance(call["body"], dict):
            return {**call, "body": {**dict.fromkeys(TIMEOUT_SETTINGS), **call["body"]}}
        return call

    return Mutant(on_request=on_request)


def new_routes_unimplemented() -> Mutant:
    """Create and list work; every new route is 404, `CONVERSATION_NOT_FOUND` under a conversation's path."""

    def answer(call: Call, send: Callable) -> tuple[int, Any] | None:
        if is_create(call) or is_list(call) or call["path"] in ("/v1/sms/create", "/v1/sms/conversations"):
            return None
        if ONE.match(call["path"]):
            return refusal(404, "CONVERSATION_NOT_FOUND", "id: conversation not found in this account")
        return refusal(404, "NOT_FOUND", f"no such route: {call['path']}")

    return Mutant(answer=answer)


# -------------------------------------------------------------------------------------------- tests

BROKEN: dict[str, tuple[Callable[[], Mutant], str]] = {
    "delete answers 200 and keeps the conversation": (delete_keeps_the_conversation, "delete.removes"),
    "PATCH leaves the timer running": (lambda: patch_says_ended(rewrite_items=True), "update.end_cancels_timer"),
    "PATCH acknowledged but not applied": (lambda: patch_says_ended(rewrite_items=False), "update.end"),
    "PATCH answer wrapped in data": (patch_answer_wrapped, "update.end"),
    "send never joins the active conversation": (send_always_new, "send.appends"),
    "send stores a USER message": (send_stores_a_user_message, "send.stores"),
    "send ignores its idempotency-key": (send_ignores_its_key, "send.idempotency"),
    "one conversation's messages newest first": (read_newest_first, "conversation.read"),
    "one conversation shown to another account": (read_any_account, "conversation.not_found"),
    "delete messages counts but deletes nothing": (delete_messages_acknowledged_only, "messages.delete"),
    "delete messages takes an empty list": (delete_messages_takes_an_empty_list, "messages.delete"),
    "numbers of every account listed": (numbers_of_every_account, "numbers.list"),
    "a number update replaces the whole config": (number_update_replaces_the_config, "numbers.update"),
}


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_a_broken_target_fails_its_check(name: str) -> None:
    factory, expected = BROKEN[name]
    report = judge(factory(), only=(expected,))
    assert report.is_mock and expected in failed(report), [(o.name, o.status, o.message[:300]) for o in report.outcomes]


STATEFUL: dict[str, Callable[[], Mutant]] = {
    "a delete that keeps the conversation": delete_keeps_the_conversation,
    "an end that ends nothing": lambda: patch_says_ended(rewrite_items=False),
    "a send that never joins": send_always_new,
    "message deletes that delete nothing": delete_messages_acknowledged_only,
    "messages newest first": read_newest_first,
}


@pytest.mark.parametrize("name", sorted(STATEFUL))
def test_the_state_machine_fails_a_broken_target_of_the_new_endpoints(name: str) -> None:
    report = judge(STATEFUL[name](), only=("behaviour.stateful",), max_examples=50)  # the default run's budget
    assert failed(report) == {"behaviour.stateful"}, [(o.name, o.message[:300]) for o in report.outcomes]


def test_a_target_without_the_new_routes_fails_every_new_check() -> None:
    report = judge(new_routes_unimplemented(), only=NEW)
    statuses = {o.name: o.status for o in report.outcomes}
    assert statuses == dict.fromkeys(statuses, "failed") and len(statuses) == len(select(NEW)), statuses
    not_found = next(o for o in report.outcomes if o.name == "conversation.not_found")
    assert "does not implement GET /v1/sms/conversations/{id}" in not_found.message


def test_send_answering_workflow_id_is_benign() -> None:
    report = judge(send_answers_workflow_id(), only=NEW)
    assert not report.failed, [(o.name, o.message[:300]) for o in report.failed]
    assert {o.name: o.status for o in report.outcomes if o.name.startswith("send.")} == {
        spec.name: "passed" for spec in select(("send",))
    }


@pytest.mark.parametrize(
    ("factory", "name"),
    [(send_refuses_the_older_names, "send.stores"), (send_takes_a_reused_key_as_a_new_send, "send.idempotency")],
)
def test_a_mock_level_difference_of_send_is_information_unless_asked(factory: Callable, name: str) -> None:
    (default,) = judge(factory(), only=(name,)).outcomes
    (strict,) = judge(factory(), only=(name,), level=Level.MOCK).outcomes
    assert (default.status, default.violation_level, strict.status) == ("info", Level.MOCK, "failed"), default.message


def test_the_real_mock_passes_the_new_checks_even_at_mock_level() -> None:
    report = judge(create_app(), only=NEW, level=Level.MOCK)
    assert [(o.name, o.status, o.message[:200]) for o in report.outcomes if o.status != "passed"] == []


# ------------------------------------------------------------------------------------------ live safety

LIVE_CONFIG = {
    "accounts": [
        {
            "name": "demo",
            "api_key": DEMO_API_KEY,
            "agent_numbers": [{"number": DEMO_AGENT_NUMBER, "sms_config": {"time_out": 900, "timeout_message": "bye"}}],
        },
        {"name": "second", "api_key": "sk-second", "agent_numbers": [{"number": "+15552229999"}]},
    ]
}


def live_run(**options: Any) -> tuple[KitReport, Any, list[str]]:
    """The new checks against a mock without its control API (a live account), with someone else's data on it.

    Returns the report, the mock's store, and the ids of the two conversations that were there before.
    """
    app = create_app(LIVE_CONFIG, control=False, journal_size=100_000)
    store = app.extensions[EXTENSION]
    server = BackgroundServer(app).start()
    try:
        theirs = []
        for user in ("+15550007001", "+15550007002"):
            body = {"user_number": user, "agent_number": DEMO_AGENT_NUMBER, "message": "not the kit's"}
            created = httpx.post(f"{server.url}/v1/sms/create", headers={"authorization": DEMO_API_KEY}, json=body)
            theirs.append(created.json()["data"]["conversation_id"])
        kit = {"api_key": DEMO_API_KEY, "agent_number": DEMO_AGENT_NUMBER, "timeout_checks": "skip", "max_examples": 5}
        kit |= {"second_api_key": "sk-second", "second_agent_number": "+15552229999"}
        report = run_kit(KitOptions(base_url=server.url, only=(*NEW, "behaviour"), **{**kit, **options}))
    finally:
        server.stop()
    return report, store, theirs


def kit_made(variables: dict[str, Any], report: KitReport) -> bool:
    """Whether a conversation carries this run's tag (the state machine's cases add `-<n>` to the run id)."""
    return str(variables.get("kit_run", "")).split("-")[0] == report.run_id


def demo_config(store: Any) -> dict[str, Any]:
    """The demo number's settings as the mock holds them."""
    return store.account_for_key(DEMO_API_KEY).numbers[DEMO_AGENT_NUMBER].model_dump()


def test_on_a_live_account_the_kit_deletes_and_ends_only_its_own_and_leaves_the_number_alone() -> None:
    report, store, theirs = live_run()
    assert not report.failed and not report.is_mock, [(o.name, o.message[:300]) for o in report.failed]
    skipped = {o.name: o.message for o in report.outcomes if o.status == "skipped"}
    assert "--allow-number-updates" in skipped.pop("numbers.update")
    assert skipped == dict.fromkeys(("send.timer", "update.end_cancels_timer"), "--timeout-checks skip"), skipped
    assert demo_config(store) == {**dict.fromkeys(demo_config(store)), "time_out": 900, "timeout_message": "bye"}
    deleted = store.deleted(None)
    assert deleted and all(kit_made(item["variables"], report) for item in deleted)
    for conversation in theirs:
        kept = store.conversations[conversation]
        assert kept.is_active and [m.text for m in kept.messages] == ["not the kit's"]
    patched = [e for e in store.journal.entries() if e["method"] in ("PATCH", "DELETE")]
    made = {c.id for c in store.conversations.values() if kit_made(c.variables, report)}
    made |= {item["id"] for item in deleted}
    assert patched and all(ONE.match(e["path"])[1] in made for e in patched)


def test_allow_number_updates_changes_the_number_and_puts_it_back() -> None:
    report, store, _ = live_run(allow_number_updates=True)
    outcome = next(o for o in report.outcomes if o.name == "numbers.update")
    assert outcome.status == "passed", outcome.message
    assert demo_config(store) == {**dict.fromkeys(demo_config(store)), "time_out": 900, "timeout_message": "bye"}
    assert any(e["path"] == "/v1/sms/number/update" for e in store.journal.entries())


def test_read_only_sends_patches_and_deletes_nothing() -> None:
    report, store, theirs = live_run(read_only=True, allow_number_updates=True)
    assert not report.failed, [(o.name, o.message[:300]) for o in report.failed]
    ran = {o.name for o in report.outcomes if o.status == "passed"}
    assert ran == {"conversation.not_found", "numbers.list"}, ran
    writes = [e for e in store.journal.entries() if e["method"] != "GET"]
    assert len(writes) == 2 and all(e["path"] == "/v1/sms/create" for e in writes)  # the two of the test itself
    assert set(store.conversations) == set(theirs)


def test_every_send_counts_against_max_creates() -> None:
    report, store, theirs = live_run(max_creates=5)
    messages = sum(len(c.messages) for c in store.conversations.values() if c.id not in theirs)
    assert messages <= 5 and report.creates <= 5
    assert any("--max-creates 5 reached" in o.message for o in report.outcomes if o.status == "skipped")


@pytest.mark.parametrize("allowed", [False, True])
def test_the_check_command_changes_a_number_only_when_allowed(allowed: bool) -> None:
    app = create_app(LIVE_CONFIG, control=False)
    store = app.extensions[EXTENSION]
    found = demo_config(store)
    server = BackgroundServer(app).start()
    try:
        args = ["check", "--base-url", server.url, "--api-key", DEMO_API_KEY, "--agent-number", DEMO_AGENT_NUMBER]
        flag = ["--allow-number-updates"] if allowed else []
        result = CliRunner().invoke(main, [*args, "--only", "numbers.update", *flag])
    finally:
        server.stop()
    updates = [e for e in store.journal.entries() if e["path"] == "/v1/sms/number/update"]
    assert demo_config(store) == found
    if allowed:
        assert result.exit_code == 0 and "PASS numbers.update" in result.output and updates, result.output
    else:
        assert result.exit_code == 1 and "SKIP numbers.update" in result.output and not updates, result.output
        assert "give --allow-number-updates to run it" in result.output
