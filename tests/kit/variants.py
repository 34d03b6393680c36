"""More targets for the catalogue: rule by rule, one broken or benignly different behaviour each.

Each factory returns a `Mutant` (the real mock behind a small WSGI rewrite); `catalog.py` says which
rule each stands for and which check must catch the broken ones.
"""

from __future__ import annotations

import hashlib
import itertools
import random
import re
import secrets
import threading
import time
from collections.abc import Callable
from typing import Any

from bland_sms_mock.contracts.kit.checks.timeouts import KIT_SMS_CONFIG
from bland_sms_mock.contracts.models.api import E164_PATTERN, CreateRequest, SortField, timestamp_ms
from mutants import (
    Call,
    Mutant,
    control_call,
    conversation_of,
    filters_of,
    full_listing,
    is_create,
    is_delete,
    is_delete_messages,
    is_list,
    is_number_update,
    is_numbers,
    is_read,
    is_send,
    is_update,
    list_call,
    paged,
    read_call,
    refusal,
    rewrite_answer,
    rewrite_body,
    rewrite_create,
    rewrite_filters,
    rewrite_items,
    with_filters,
)
from webhook_targets import encode, relayed

Send = Callable[[Call], tuple[int, Any]]
HIDDEN_SORTS = {"curr_pathway_version", "timed_out_at"}
"""Sort keys the items do not show: a wrapper cannot reorder by them."""


def _key(call: Call) -> str:
    return next((v for k, v in call["headers"].items() if k.lower() == "authorization"), "")


def _regrouped(order: Callable[[Call, list[dict[str, Any]]], list[dict[str, Any]] | None]) -> Callable:
    """A list answer rebuilt from the mock's full listing in another order (None: leave the call alone)."""

    def answer(call: Call, send: Send) -> tuple[int, Any] | None:
        if not is_list(call) or call["query"].get("sortBy", "created_at") in HIDDEN_SORTS:
            return None
        status, body, items = full_listing(call, send)
        if status != 200:
            return status, body
        reordered = order(call, items)
        return (status, paged(call, body, reordered)) if reordered is not None else send(call)

    return answer


def _tie_groups(call: Call, items: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    key = call["query"].get("sortBy", "created_at")
    return [list(group) for _, group in itertools.groupby(items, key=lambda i: i.get(key))]


# ------------------------------------------------------------------------------------------ ordering


def ties_random_per_request() -> Mutant:
    """Ties come back in a fresh random order on every request (pages then repeat and skip)."""

    def order(call: Call, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        rng = random.Random(secrets.randbits(64))
        out: list[dict[str, Any]] = []
        for group in _tie_groups(call, items):
            rng.shuffle(group)
            out += group
        return out

    return Mutant(answer=_regrouped(order))


def ties_by_hash() -> Mutant:
    """Ties in a fixed order of their own (a hash of the id): stable, so walks stay exact."""

    def order(call: Call, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        digest = lambda i: hashlib.sha256(i["id"].encode()).hexdigest()  # noqa: E731
        return [i for group in _tie_groups(call, items) for i in sorted(group, key=digest)]

    return Mutant(answer=_regrouped(order))


def is_active_true_first() -> Mutant:
    """is_active sorts true before false in asc."""

    def order(call: Call, items: list[dict[str, Any]]) -> list[dict[str, Any]] | None:
        if call["query"].get("sortBy") != "is_active":
            return None
        return sorted(items, key=lambda i: i["is_active"], reverse=call["query"].get("sortDir", "desc") == "asc")

    return Mutant(answer=_regrouped(order))


def nulls_first_in_asc() -> Mutant:
    """Nulls sort before every value in asc (and after in desc)."""

    def order(call: Call, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        key = call["query"].get("sortBy", "created_at")
        present = [i for i in items if i.get(key) is not None]
        absent = [i for i in items if i.get(key) is None]
        return absent + present if call["query"].get("sortDir", "desc") == "asc" else present + absent

    return Mutant(answer=_regrouped(order))


def message_count_as_text() -> Mutant:
    """message_count compared and sorted as text ("10" < "9")."""
    tests = {"gt": str.__gt__, "gte": str.__ge__, "lt": str.__lt__, "lte": str.__le__}

    def answer(call: Call, send: Send) -> tuple[int, Any] | None:
        if not is_list(call):
            return None
        counted = [
            f
            for f in filters_of(call)
            if isinstance(f, dict) and f.get("field") == "message_count" and f.get("operator") in tests
        ]
        by_count = call["query"].get("sortBy") == "message_count"
        if not counted and not by_count:
            return None
        rest = [f for f in filters_of(call) if f not in counted]
        status, body, items = full_listing(with_filters(call, rest), send)
        if status != 200:
            return status, body
        kept = [
            i for i in items if all(tests[f["operator"]](str(i["message_count"]), str(f["value"])) for f in counted)
        ]
        if by_count:
            kept.sort(key=lambda i: str(i["message_count"]), reverse=call["query"].get("sortDir", "desc") == "desc")
        return status, paged(call, body, kept)

    return Mutant(answer=answer)


# --------------------------------------------------------------------------------------- pagination


def page_size_max_100() -> Mutant:
    """pageSize above 100 is refused with 400."""

    def answer(call: Call, send: Send) -> tuple[int, Any] | None:
        size = str(call["query"].get("pageSize", ""))
        if is_list(call) and size.isdigit() and int(size) > 100:
            return refusal(400, "INVALID_QUERY", "pageSize must be between 1 and 100")
        return None

    return Mutant(answer=answer)


def page_size_clamped_to_100() -> Mutant:
    """pageSize above 100 is served as 100 (and pagination says 100)."""

    def on_request(call: Call) -> Call:
        size = str(call["query"].get("pageSize", ""))
        if is_list(call) and size.isdigit() and int(size) > 100:
            return {**call, "query": {**call["query"], "pageSize": "100"}}
        return call

    return Mutant(on_request=on_request)


def page_past_end_404() -> Mutant:
    """A page past the end is 404 in the error envelope."""

    def on_response(call: Call, status: int, body: Any) -> tuple[int, Any]:
        if is_list(call) and status == 200 and body["data"] == []:
            pagination = body["extra"]["pagination"]
            if pagination["currentPage"] > max(1, pagination["totalPages"]):
                return refusal(404, "NOT_FOUND", "page past the end")
        return status, body

    return Mutant(on_response=on_response)


def current_page_off_by_one() -> Mutant:
    def on_response(call: Call, status: int, body: Any) -> tuple[int, Any]:
        if is_list(call) and status == 200:
            body["extra"]["pagination"]["currentPage"] -= 1
        return status, body

    return Mutant(on_response=on_response)


def no_pagination_block() -> Mutant:
    def on_response(call: Call, status: int, body: Any) -> tuple[int, Any]:
        if is_list(call) and status == 200:
            body.pop("extra", None)
        return status, body

    return Mutant(on_response=on_response)


def _query_rewrite(change: Callable[[dict[str, str]], dict[str, str]]) -> Mutant:
    return Mutant(on_request=lambda c: {**c, "query": change(dict(c["query"]))} if is_list(c) else c)


def default_sort_ascending() -> Mutant:
    return _query_rewrite(lambda q: {"sortDir": "asc", **q})


def unknown_sort_accepted(name: str, allowed: set[str]) -> Mutant:
    """An unknown sortBy (or sortDir) is ignored instead of refused."""
    return _query_rewrite(lambda q: {k: v for k, v in q.items() if k != name or v in allowed})


def page_zero_is_first() -> Mutant:
    return _query_rewrite(lambda q: {**q, "page": "1"} if q.get("page") == "0" else q)


def lenient_query_integers() -> Mutant:
    """page and pageSize such as ' 2', '+2' or '2.0' are read as numbers."""

    def change(query: dict[str, str]) -> dict[str, str]:
        for name in ("page", "pageSize"):
            match = re.fullmatch(r"\s*\+?(\d+)(\.0+)?\s*", str(query.get(name, "")))
            if match:
                query[name] = match.group(1)
        return query

    return _query_rewrite(change)


# ------------------------------------------------------------------------------------------ filters


def archived_hidden() -> Mutant:
    """The list shows active conversations only."""

    def on_request(call: Call) -> Call:
        filters = filters_of(call)
        if not is_list(call) or any(isinstance(f, dict) and f.get("field") == "is_active" for f in filters):
            return call
        return with_filters(call, [*filters, {"field": "is_active", "operator": "eq", "value": True}])

    return Mutant(on_request=on_request)


def only_first_filter_applied() -> Mutant:
    def on_request(call: Call) -> Call:
        filters = filters_of(call)
        return with_filters(call, filters[:1]) if is_list(call) and len(filters) > 1 else call

    return Mutant(on_request=on_request)


def timestamps_eq_as_text() -> Mutant:
    """eq on created_at compares the text (an instant written with an offset matches nothing)."""

    def change(spec: dict[str, Any]) -> dict[str, Any]:
        text = spec.get("value")
        offset = isinstance(text, str) and not text.endswith("Z")
        if spec.get("field") == "created_at" and spec.get("operator") == "eq" and offset:
            spec["value"] = "1970-01-01T00:00:00.000Z"  # what a text comparison of another spelling finds
        return spec

    return Mutant(on_request=rewrite_filters(change))


def _refuse_filters(test: Callable[[dict[str, Any]], bool], message: str) -> Mutant:
    def answer(call: Call, send: Send) -> tuple[int, Any] | None:
        if is_list(call) and any(isinstance(f, dict) and test(f) for f in filters_of(call)):
            return refusal(400, "INVALID_FILTERS", message)
        return None

    return Mutant(answer=answer)


def null_eq_refused() -> Mutant:
    return _refuse_filters(lambda f: f.get("value") is None, "filters: a null value is not supported")


def timestamp_substring_refused() -> Mutant:
    return _refuse_filters(
        lambda f: (
            f.get("field") in ("created_at", "updated_at", "timed_out_at")
            and f.get("operator") in ("contains", "startsWith", "endsWith")
        ),
        "filters: timestamps take eq, gt, gte, lt, lte",
    )


def strict_filter_values() -> Mutant:
    return _refuse_filters(
        lambda f: (
            (f.get("field") == "is_active" and not isinstance(f.get("value"), bool))
            or (f.get("field") == "message_count" and not isinstance(f.get("value"), int))
        ),
        "filters: value of the wrong type",
    )


def variables_eq_as_subset() -> Mutant:
    def change(spec: dict[str, Any]) -> dict[str, Any]:
        if spec.get("field") == "variables" and spec.get("operator") == "eq":
            spec["operator"] = "contains"
        return spec

    return Mutant(on_request=rewrite_filters(change))


def bad_filters_ignored() -> Mutant:
    """Filters that do not parse are ignored instead of refused."""

    def answer(call: Call, send: Send) -> tuple[int, Any] | None:
        if not is_list(call) or "filters" not in call["query"]:
            return None
        status, body = send(call)
        if status == 400 and "INVALID_FILTERS" in [e.get("error") for e in body.get("errors") or []]:
            return send({**call, "query": {k: v for k, v in call["query"].items() if k != "filters"}})
        return status, body

    return Mutant(answer=answer)


# ------------------------------------------------------------------------------------------- create


def creates_race() -> Mutant:
    """Check-then-insert without a lock: creates sent at once for one pair each start a conversation."""
    lock = threading.Lock()
    inserted: dict[tuple[str, Any, Any], list[str]] = {}

    def answer(call: Call, send: Send) -> tuple[int, Any] | None:
        if not is_create(call):
            return None
        body = call["body"]
        pair = (_key(call), body.get("user_number"), body.get("agent_number"))
        if body.get("new_conversation") is True:
            with lock:
                inserted.pop(pair, None)
            return None
        active = [
            {"field": "user_number", "operator": "eq", "value": body.get("user_number")},
            {"field": "agent_number", "operator": "eq", "value": body.get("agent_number")},
            {"field": "is_active", "operator": "eq", "value": True},
        ]
        status, found = send(list_call(call, active, pageSize="1"))
        if status != 200 or found["data"]:
            return None
        time.sleep(0.05)  # the gap between the check and the insert
        status, created = send({**call, "body": {**body, "new_conversation": True}})
        if status == 200:
            with lock:
                inserted.setdefault(pair, []).append(created["data"]["conversation_id"])
        return status, created

    def on_response(call: Call, status: int, body: Any) -> tuple[int, Any]:
        if is_list(call) and status == 200:
            with lock:
                shown = {i for ids in inserted.values() for i in ids}
            for item in body["data"]:
                item["is_active"] = item["is_active"] or item["id"] in shown
        return status, body

    return Mutant(answer=answer, on_response=on_response)


def _answer_create(change: Callable[[dict[str, Any], Call, Send], tuple[int, Any] | None]) -> Mutant:
    return Mutant(answer=lambda call, send: change(call["body"], call, send) if is_create(call) else None)


def _fake_created() -> tuple[int, Any]:
    data = {
        "message": "SMS conversation created successfully",
        "conversation_id": f"convo_{secrets.token_hex(16)}",
        "workflow_id": f"workflow_{secrets.token_hex(16)}",
    }
    return 200, {"data": data, "errors": None}


def broken_json_accepted() -> Mutant:
    def answer(call: Call, send: Send) -> tuple[int, Any] | None:
        if call["method"] == "POST" and call["path"] == "/v1/sms/create" and isinstance(call["body"], str):
            return _fake_created()
        return None

    return Mutant(answer=answer)


def accepts_foreign_agent_number() -> Mutant:
    """A number of another account is swapped for one of the caller's own."""

    def change(body: dict[str, Any], call: Call, send: Send) -> tuple[int, Any] | None:
        status, answer = send(call)
        if status != 400 or "AGENT_NUMBER_NOT_FOUND" not in [e.get("error") for e in answer.get("errors") or []]:
            return status, answer
        _, accounts = send(control_call("/_mock/accounts"))
        for account in accounts["accounts"]:
            keys = account.get("api_keys") or [account.get("api_key")]
            if _key(call) in keys and account.get("agent_numbers"):
                return send({**call, "body": {**body, "agent_number": account["agent_numbers"][0]["number"]}})
        return status, answer

    return _answer_create(change)


def refused_create_still_stored() -> Mutant:
    """A create refused for its sender is stored anyway (as USER) behind the refusal."""

    def change(body: dict[str, Any], call: Call, send: Send) -> tuple[int, Any] | None:
        status, answer = send(call)
        if status == 400 and body.get("sender") not in (None, "USER", "AGENT"):
            send({**call, "body": {**body, "sender": "USER"}})
        return status, answer

    return _answer_create(change)


def impossible_numbers_accepted() -> Mutant:
    """Any E.164-shaped number is accepted (no check that it is possible for its region)."""
    shape = re.compile(E164_PATTERN)

    def change(body: dict[str, Any], call: Call, send: Send) -> tuple[int, Any] | None:
        status, answer = send(call)
        numbers = [body.get("user_number"), body.get("agent_number")]
        codes = [e.get("error") for e in (answer.get("errors") or [])] if isinstance(answer, dict) else []
        if codes == ["INVALID_PHONE_NUMBER"] and all(isinstance(n, str) and shape.fullmatch(n) for n in numbers):
            return _fake_created()
        return status, answer

    return _answer_create(change)


def _refuse_create(test: Callable[[dict[str, Any]], bool], code: str, message: str, status: int = 400) -> Mutant:
    return _answer_create(lambda body, call, send: refusal(status, code, message) if test(body) else None)


def _depth(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + max((_depth(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return max((_depth(v) for v in value), default=0)
    return 0


def unknown_body_fields_refused() -> Mutant:
    known = set(CreateRequest.model_fields)
    return _refuse_create(lambda b: bool(set(b) - known), "INVALID_FIELD", "unknown field")


def null_optional_refused() -> Mutant:
    return _refuse_create(lambda b: any(v is None for v in b.values()), "INVALID_FIELD", "null is not a value")


def message_cap_160() -> Mutant:
    return _refuse_create(
        lambda b: isinstance(b.get("message"), str) and len(b["message"]) > 160, "INVALID_FIELD", "message: too long"
    )


def time_out_cap_one_day() -> Mutant:
    return _refuse_create(
        lambda b: any(isinstance(b.get(n), int) and b[n] > 86_400 for n in ("time_out", "warning_time")),
        "INVALID_FIELD",
        "time_out: at most one day",
    )


def nesting_cap_8() -> Mutant:
    return _refuse_create(lambda b: _depth(b.get("request_data")) > 8, "INVALID_FIELD", "request_data: too deep")


def blank_message_accepted() -> Mutant:
    def change(body: dict[str, Any]) -> dict[str, Any]:
        if isinstance(body.get("message"), str) and body["message"] and not body["message"].strip():
            body["message"] = "\u200b"  # stored as a zero-width space the mock does not trim
        return body

    return Mutant(on_request=rewrite_create(change))


def _retry_without(field: str, unless: str) -> Mutant:
    """A refused INVALID_TIMEOUT_CONFIG for a body without `unless` is accepted, dropping `field`."""

    def change(body: dict[str, Any], call: Call, send: Send) -> tuple[int, Any] | None:
        status, answer = send(call)
        codes = [e.get("error") for e in answer.get("errors") or []] if isinstance(answer, dict) else []
        if codes == ["INVALID_TIMEOUT_CONFIG"] and unless not in body:
            return send({**call, "body": {k: v for k, v in body.items() if k != field}})
        return status, answer

    return _answer_create(change)


def coerces_strings() -> Mutant:
    """'true'/'false' and numeric strings are read as the boolean or integer they spell."""

    def change(body: dict[str, Any]) -> dict[str, Any]:
        if body.get("new_conversation") in ("true", "false"):
            body["new_conversation"] = body["new_conversation"] == "true"
        for name in ("time_out", "warning_time"):
            if isinstance(body.get(name), str) and body[name].isdigit():
                body[name] = int(body[name])
        return body

    return Mutant(on_request=rewrite_create(change))


def messages_capped_at_50() -> Mutant:
    """A conversation takes at most 50 messages; past that a create is 409."""
    return messages_capped(50, 409, "LIMIT_EXCEEDED")


def _created(change: Callable[[dict[str, Any]], None]) -> Mutant:
    def on_response(call: Call, status: int, body: Any) -> tuple[int, Any]:
        if is_create(call) and status == 200:
            change(body["data"])
        return status, body

    return Mutant(on_response=on_response)


def workflow_id_per_conversation() -> Mutant:
    return _created(lambda d: d.update(workflow_id="workflow_" + d["conversation_id"].removeprefix("convo_")))


def no_workflow_id() -> Mutant:
    return _created(lambda d: d.pop("workflow_id"))


def other_id_format() -> Mutant:
    """Ids of another shape (`cv-<hex>`), in every answer and webhook, in the API's and the control API's paths."""

    def outward(value: Any) -> Any:
        if isinstance(value, str) and value.startswith("convo_"):
            return "cv-" + value.removeprefix("convo_")
        if isinstance(value, dict):
            return {key: outward(inner) for key, inner in value.items()}
        if isinstance(value, list):
            return [outward(inner) for inner in value]
        return value

    def on_request(call: Call) -> Call:
        return {**call, "path": call["path"].replace("/cv-", "/convo_")}

    ids = Mutant(  # only its rewrites are used, around the relayed mock
        on_request=on_request,
        on_response=lambda call, status, body: (status, outward(body)),
        control_path=lambda p: p.replace("/cv-", "/convo_"),
    )
    return relayed(lambda hook: hook.forward(encode(outward(hook.payload))), outer=ids)


# ---------------------------------------------------------------------------------------- list items


def items_carry_hidden_fields() -> Mutant:
    """Items also show curr_pathway_version and timed_out_at (true values, from the control API)."""
    mutant = Mutant()

    def on_response(call: Call, status: int, body: Any) -> tuple[int, Any]:
        if is_list(call) and status == 200:
            for item in body["data"]:
                _, detail = mutant.send(control_call(f"/_mock/conversations/{item['id']}", call["headers"]))
                item["curr_pathway_version"] = detail["data"]["curr_pathway_version"]
                item["timed_out_at"] = detail["data"]["timed_out_at"]
        return status, body

    mutant.on_response = on_response
    return mutant


def archive_leaves_updated_at() -> Mutant:
    """Archiving leaves updated_at at the last message (its filters and sort agree with what items show)."""
    tests = {"eq": int.__eq__, "gt": int.__gt__, "gte": int.__ge__, "lt": int.__lt__, "lte": int.__le__}

    def answer(call: Call, send: Send) -> tuple[int, Any] | None:
        if not is_list(call):
            return None
        mine = [f for f in filters_of(call) if isinstance(f, dict) and f.get("field") == "updated_at"]
        rest = [f for f in filters_of(call) if f not in mine]
        status, body, items = full_listing(with_filters(call, rest), send)
        if status != 200 or any(f.get("operator") not in tests or not isinstance(f.get("value"), str) for f in mine):
            return (status, body) if status != 200 else send(call)
        for item in items:
            if not item["is_active"]:
                item["updated_at"] = item["last_message_at"]
        kept = [
            i
            for i in items
            if all(tests[f["operator"]](timestamp_ms(i["updated_at"]), timestamp_ms(f["value"])) for f in mine)
        ]
        if call["query"].get("sortBy") == "updated_at":
            kept.sort(
                key=lambda i: (timestamp_ms(i["updated_at"]), i["id"]),
                reverse=call["query"].get("sortDir", "desc") == "desc",
            )
        return status, paged(call, body, kept)

    return Mutant(answer=answer)


def updated_at_stuck_when_active() -> Mutant:
    def change(item: dict[str, Any]) -> None:
        if item["is_active"]:
            item["updated_at"] = item["created_at"]

    return Mutant(on_response=rewrite_items(change))


def items_changed(change: Callable[[dict[str, Any]], None]) -> Mutant:
    return Mutant(on_response=rewrite_items(change))


def _when_last(text: str, change: Callable[[dict[str, Any]], None]) -> Mutant:
    return items_changed(lambda item: change(item) if item.get("last_message") == text else None)


def warning_ends_conversation() -> Mutant:
    return _when_last(KIT_SMS_CONFIG["warning_message"], lambda i: i.update(is_active=False))


def warning_not_counted() -> Mutant:
    return _when_last(KIT_SMS_CONFIG["warning_message"], lambda i: i.update(message_count=i["message_count"] - 1))


def timeout_leaves_active() -> Mutant:
    return _when_last(KIT_SMS_CONFIG["timeout_message"], lambda i: i.update(is_active=True))


# ------------------------------------------------------------------------------------------ timeouts


def warning_after_user_reply() -> Mutant:
    """A USER reply cancels the timeout but not the warning: it is appended after the reply anyway."""
    mutant = Mutant()
    agent_at: dict[str, int] = {}
    replied: set[str] = set()

    def now() -> int:
        return timestamp_ms(mutant.send(control_call("/_mock/clock"))[1]["now"])

    def on_response(call: Call, status: int, body: Any) -> tuple[int, Any]:
        if is_create(call) and status == 200:
            conversation = body["data"]["conversation_id"]
            if call["body"].get("sender") == "AGENT":
                agent_at[conversation] = now()
                replied.discard(conversation)
            elif conversation in agent_at:
                replied.add(conversation)
        if is_list(call) and status == 200:
            for item in body["data"]:
                if item["id"] not in replied:
                    continue
                _, detail = mutant.send(control_call(f"/_mock/conversations/{item['id']}", call["headers"]))
                warning_time, text = detail["data"]["warning_time"], detail["data"]["warning_message"]
                if warning_time and text and now() >= agent_at[item["id"]] + warning_time * 1000:
                    item.update(message_count=item["message_count"] + 1, last_message=text)
        return status, body

    mutant.on_response = on_response
    return mutant


def default_sender_agent() -> Mutant:
    return Mutant(on_request=rewrite_create(lambda b: {"sender": "AGENT", **b}))


def agent_messages_start_no_timer() -> Mutant:
    return Mutant(on_request=rewrite_create(lambda b: {**b, "sender": "USER"} if b.get("sender") == "AGENT" else b))


def time_out_override_dropped() -> Mutant:
    return Mutant(on_request=rewrite_create(lambda b: {k: v for k, v in b.items() if k != "time_out"}))


# -------------------------------------------------------------------------------------- auth, errors


def bearer_refused() -> Mutant:
    def answer(call: Call, send: Send) -> tuple[int, Any] | None:
        if _key(call).startswith("Bearer "):
            return refusal(401, "AUTH_FAILURE", "send the key without a prefix")
        return None

    return Mutant(answer=answer)


def unknown_key_gets_empty_list() -> Mutant:
    def on_response(call: Call, status: int, body: Any) -> tuple[int, Any]:
        if is_list(call) and status == 401 and _key(call):
            pagination = {"totalItems": 0, "totalPages": 0, "currentPage": 1, "pageSize": 25}
            return 200, {"data": [], "errors": None, "extra": {"pagination": pagination}}
        return status, body

    return Mutant(on_response=on_response)


def wrong_method_404() -> Mutant:
    """A known route with the wrong method is 404 NOT_FOUND instead of 405."""

    def on_response(call: Call, status: int, body: Any) -> tuple[int, Any]:
        return (404, refusal(404, "NOT_FOUND", "no such route")[1]) if status == 405 else (status, body)

    return Mutant(on_response=on_response)


def media_type_not_checked() -> Mutant:
    """Any content-type is read as JSON."""

    def on_request(call: Call) -> Call:
        headers = {k: v for k, v in call["headers"].items() if k.lower() != "content-type"}
        return {**call, "headers": {**headers, "Content-Type": "application/json"}} if call["body"] else call

    return Mutant(on_request=on_request)


def one_error_without_field_names() -> Mutant:
    def on_response(call: Call, status: int, body: Any) -> tuple[int, Any]:
        if status >= 400 and isinstance(body, dict) and body.get("errors"):
            body["errors"] = [{"error": body["errors"][0].get("error"), "message": "the request is invalid"}]
        return status, body

    return Mutant(on_response=on_response)


def body_checked_before_key() -> Mutant:
    """A body that is not a JSON object is refused as such before the key is looked at."""

    def answer(call: Call, send: Send) -> tuple[int, Any] | None:
        if call["method"] == "POST" and call["path"] == "/v1/sms/create" and not isinstance(call["body"], dict):
            return refusal(400, "INVALID_JSON", "the body must be a JSON object")
        return None

    return Mutant(answer=answer)


def status_for_code(code: str, new: int) -> Mutant:
    def on_response(call: Call, status: int, body: Any) -> tuple[int, Any]:
        if status >= 400 and isinstance(body, dict) and code in [e.get("error") for e in body.get("errors") or []]:
            return new, body
        return status, body

    return Mutant(on_response=on_response)


def pathway_tags_filled() -> Mutant:
    return items_changed(lambda i: i.update(pathway_tags=[{"name": "kit", "color": "#00aa00"}]))


def message_text_uppercased() -> Mutant:
    return items_changed(
        lambda i: i.update(last_message=i["last_message"].upper()) if isinstance(i.get("last_message"), str) else None
    )


def node_id_never_updates() -> Mutant:
    first: dict[str, Any] = {}

    def on_response(call: Call, status: int, body: Any) -> tuple[int, Any]:
        if is_create(call) and status == 200:
            first.setdefault(body["data"]["conversation_id"], call["body"].get("current_node_id"))
        if is_list(call) and status == 200:
            for item in body["data"]:
                if item["id"] in first:
                    item["current_node_id"] = first[item["id"]]
        return status, body

    return Mutant(on_response=on_response)


SORT_KEYS = {f.value for f in SortField}


# ------------------------------------------------------------------------------ more, rule by rule


def _account_of(call: Call, send: Send) -> dict[str, Any] | None:
    """The mock's account of the call's key, as `GET /_mock/accounts` shows it (None: no such key)."""
    _, accounts = send(control_call("/_mock/accounts"))
    return next(
        (a for a in accounts["accounts"] if _key(call) in (a.get("api_keys") or [a.get("api_key")])),
        None,
    )


def api_elsewhere() -> Mutant:
    """The two endpoints live under another base path (`/api/v1`): every `/v1` route is 404."""
    return Mutant(answer=lambda call, send: refusal(404, "NOT_FOUND", f"{call['path']}: the API is under /api/v1"))


def create_answers_201() -> Mutant:
    """A successful create answers 201 Created instead of 200."""

    def on_response(call: Call, status: int, body: Any) -> tuple[int, Any]:
        return (201, body) if is_create(call) and status == 200 else (status, body)

    return Mutant(on_response=on_response)


def missing_field_filled(name: str, value: str) -> Mutant:
    """A required field left out is filled in with `value` instead of refused."""
    return Mutant(on_request=rewrite_create(lambda b: b if name in b else {**b, name: value}))


def field_dropped(name: str) -> Mutant:
    """A create field the target never reads: it is dropped before the create is stored."""
    return Mutant(on_request=rewrite_create(lambda b: {k: v for k, v in b.items() if k != name}))


def nonpositive_seconds_ignored() -> Mutant:
    """A `time_out` or `warning_time` of 0, below 0 or with a fraction is ignored instead of refused."""

    def change(body: dict[str, Any]) -> dict[str, Any]:
        for name in ("time_out", "warning_time"):
            value = body.get(name)
            if isinstance(value, int | float) and not isinstance(value, bool) and (value <= 0 or value != int(value)):
                body.pop(name)
        return body

    return Mutant(on_request=rewrite_create(change))


def shared_conversation_across_accounts() -> Mutant:
    """A create for a customer number that another account already writes to joins that conversation."""
    first: dict[Any, tuple[str, str]] = {}

    def on_response(call: Call, status: int, body: Any) -> tuple[int, Any]:
        if is_create(call) and status == 200:
            user, key = call["body"].get("user_number"), _key(call)
            owner, conversation = first.setdefault(user, (key, body["data"]["conversation_id"]))
            if owner != key:
                body["data"]["conversation_id"] = conversation
        return status, body

    return Mutant(on_response=on_response)


def ended_pair_needs_new_conversation() -> Mutant:
    """After a pair's conversation ended, a create without `new_conversation` is refused instead of starting one."""

    def change(body: dict[str, Any], call: Call, send: Send) -> tuple[int, Any] | None:
        if body.get("new_conversation") is True:
            return None
        pair = [
            {"field": "user_number", "operator": "eq", "value": body.get("user_number")},
            {"field": "agent_number", "operator": "eq", "value": body.get("agent_number")},
        ]
        status, every = send(list_call(call, pair, pageSize="1"))
        if status != 200 or not every["data"]:
            return None
        _, active = send(list_call(call, [*pair, {"field": "is_active", "operator": "eq", "value": True}]))
        if active["data"]:
            return None
        return refusal(409, "CONVERSATION_ENDED", "the conversation has ended; send new_conversation: true")

    return _answer_create(change)


def sort_drops_nulls() -> Mutant:
    """Sorting by a key leaves out the conversations whose key is null (an inner join on the sort column)."""

    def order(call: Call, items: list[dict[str, Any]]) -> list[dict[str, Any]] | None:
        key = call["query"].get("sortBy")
        return None if key is None else [i for i in items if i.get(key) is not None]

    return Mutant(answer=_regrouped(order))


def pages_one_short() -> Mutant:
    """Every full page holds one item fewer than pageSize (the last item of each page is lost)."""

    def answer(call: Call, send: Send) -> tuple[int, Any] | None:
        if not is_list(call):
            return None
        status, body, items = full_listing(call, send)
        if status != 200:
            return status, body
        answer = paged(call, body, items)
        size = int(call["query"].get("pageSize", 25))
        if size > 1 and len(answer["data"]) == size:
            answer["data"] = answer["data"][:-1]
        return status, answer

    return Mutant(answer=answer)


def filters_ignored() -> Mutant:
    """The `filters` parameter is not read (the target expects another form of it): every list is unfiltered."""
    return _query_rewrite(lambda q: {k: v for k, v in q.items() if k != "filters"})


def timed_out_at_not_filterable() -> Mutant:
    """`timed_out_at` is refused as a filter field and as a sort key."""

    def answer(call: Call, send: Send) -> tuple[int, Any] | None:
        if not is_list(call):
            return None
        if call["query"].get("sortBy") == "timed_out_at":
            return refusal(400, "INVALID_QUERY", "sortBy: timed_out_at is not a sort key")
        if any(isinstance(f, dict) and f.get("field") == "timed_out_at" for f in filters_of(call)):
            return refusal(400, "INVALID_FILTERS", "filters: timed_out_at is not a filter field")
        return None

    return Mutant(answer=answer)


# ------------------------------------------------------------------------------ timers, through the control API

TIMEOUT_SETTINGS = ("time_out", "timeout_message", "warning_time", "warning_message")


def _history(mutant: Mutant, call: Call, conversation: str) -> list[dict[str, Any]]:
    return mutant.send(control_call(f"/_mock/conversations/{conversation}/messages", call["headers"]))[1]["data"]


def timeout_without_message() -> Mutant:
    """A timed-out conversation ends, but the timeout message is never appended."""
    mutant = Mutant()

    def change(call: Call, item: dict[str, Any]) -> None:
        history = _history(mutant, call, item["id"])
        if history and history[-1]["kind"] == "timeout" and len(history) > 1:
            before = history[-2]
            item.update(
                message_count=item["message_count"] - 1,
                last_message=before["message"],
                last_message_at=before["created_at"],
            )

    def on_response(call: Call, status: int, body: Any) -> tuple[int, Any]:
        if is_list(call) and status == 200:
            for item in body["data"]:
                if not item["is_active"] and item.get("last_message") == KIT_SMS_CONFIG["timeout_message"]:
                    change(call, item)
        return status, body

    mutant.on_response = on_response
    return mutant


def warning_restarts_timer() -> Mutant:
    """The warning message starts the silence timer again: the timeout falls due time_out after the warning."""
    mutant = Mutant()

    def on_response(call: Call, status: int, body: Any) -> tuple[int, Any]:
        if not (is_list(call) and status == 200):
            return status, body
        now = timestamp_ms(mutant.send(control_call("/_mock/clock"))[1]["now"])
        for item in body["data"]:
            if item["is_active"] or item.get("last_message") != KIT_SMS_CONFIG["timeout_message"]:
                continue
            history = _history(mutant, call, item["id"])
            warnings = [m for m in history if m["kind"] == "warning"]
            _, detail = mutant.send(control_call(f"/_mock/conversations/{item['id']}", call["headers"]))
            time_out = detail["data"]["time_out"]
            if warnings and time_out and now < timestamp_ms(warnings[-1]["created_at"]) + time_out * 1000:
                warned = warnings[-1]["created_at"]
                item.update(
                    is_active=True,
                    message_count=item["message_count"] - 1,
                    last_message=warnings[-1]["message"],
                    last_message_at=warned,
                    updated_at=warned,
                )
        return status, body

    mutant.on_response = on_response
    return mutant


def agent_follow_up_stops_timer() -> Mutant:
    """A second AGENT message in a row stops the silence timer instead of starting it again (stored as USER)."""
    last_sender: dict[tuple[str, Any, Any], str] = {}

    def pair(call: Call) -> tuple[str, Any, Any]:
        return _key(call), call["body"].get("user_number"), call["body"].get("agent_number")

    def on_request(call: Call) -> Call:
        if not is_create(call):
            return call
        body = call["body"]
        follow_up = body.get("sender") == "AGENT" and body.get("new_conversation") is not True
        if follow_up and last_sender.get(pair(call)) == "AGENT":
            return {**call, "body": {**body, "sender": "USER"}}
        return call

    def on_response(call: Call, status: int, body: Any) -> tuple[int, Any]:
        if is_create(call) and status == 200:
            last_sender[pair(call)] = call["body"].get("sender") or "USER"
        return status, body

    return Mutant(on_request=on_request, on_response=on_response)


def overrides_replace_all_settings() -> Mutant:
    """Overriding one timeout setting drops the number's others: the target's own texts stand in for them."""
    defaults = {"timeout_message": "This conversation has ended.", "warning_message": "Are you still there?"}

    def change(body: dict[str, Any]) -> dict[str, Any]:
        if any(body.get(name) is not None for name in TIMEOUT_SETTINGS):
            return {**defaults, **{k: v for k, v in body.items() if v is not None}}
        return body

    return Mutant(on_request=rewrite_create(change))


def overrides_not_kept() -> Mutant:
    """Overrides hold for the create that carries them only: a create without any puts back the number's own."""

    def change(body: dict[str, Any], call: Call, send: Send) -> tuple[int, Any] | None:
        if any(body.get(name) is not None for name in TIMEOUT_SETTINGS):
            return None
        account = _account_of(call, send) or {}
        config = next(
            (n["sms_config"] for n in account.get("agent_numbers", []) if n["number"] == body.get("agent_number")), {}
        )
        return send({**call, "body": {**body, **config}}) if config else None

    return _answer_create(change)


# ------------------------------------------------------------------------------ more benign choices


def recoded(old: str, new: str) -> Mutant:
    """The error code `old` is called `new` (same status, same message)."""

    def on_response(call: Call, status: int, body: Any) -> tuple[int, Any]:
        if status >= 400 and isinstance(body, dict) and isinstance(body.get("errors"), list):
            body["errors"] = [{**e, "error": new} if e.get("error") == old else e for e in body["errors"]]
        return status, body

    return Mutant(on_response=on_response)


def huge_page_past_end() -> Mutant:
    """A page number of more than 18 digits is read as a page past the end (200, data []), not refused."""
    return _query_rewrite(
        lambda q: {**q, "page": "999999999"} if str(q.get("page", "")).isdigit() and len(q["page"]) > 18 else q
    )


def unknown_query_parameters_refused() -> Mutant:
    """A list query parameter the API does not define is refused with 400 INVALID_QUERY."""
    known = {"page", "pageSize", "sortBy", "sortDir", "filters"}

    def answer(call: Call, send: Send) -> tuple[int, Any] | None:
        unknown = sorted(set(call["query"]) - known) if is_list(call) else []
        return refusal(400, "INVALID_QUERY", f"{unknown[0]}: unknown query parameter") if unknown else None

    return Mutant(answer=answer)


def filters_max_10() -> Mutant:
    """More than 10 filters are refused (the mock takes 50)."""

    def answer(call: Call, send: Send) -> tuple[int, Any] | None:
        if is_list(call) and len(filters_of(call)) > 10:
            return refusal(400, "INVALID_FILTERS", "filters: at most 10")
        return None

    return Mutant(answer=answer)


def messages_capped(limit: int, status: int, code: str) -> Mutant:
    """A conversation takes at most `limit` messages; past that a create is refused with `status` and `code`."""

    def change(body: dict[str, Any], call: Call, send: Send) -> tuple[int, Any] | None:
        if body.get("new_conversation") is True:
            return None
        active = [
            {"field": "user_number", "operator": "eq", "value": body.get("user_number")},
            {"field": "agent_number", "operator": "eq", "value": body.get("agent_number")},
            {"field": "is_active", "operator": "eq", "value": True},
            {"field": "message_count", "operator": "gte", "value": limit},
        ]
        found_status, found = send(list_call(call, active, pageSize="1"))
        if found_status == 200 and found["data"]:
            return refusal(status, code, f"a conversation holds at most {limit} messages")
        return None

    return _answer_create(change)


# ------------------------------------------------ the newer endpoints: send, one conversation, update,
# delete, message delete, numbers (their checks land from wt-kit15; see catalog.NEW_ENDPOINT_BROKEN)

_DELETED_TEXT = "Conversation and all associated messages deleted successfully"


def _ok(data: Any) -> tuple[int, Any]:
    return 200, {"data": data, "errors": None}


def _codes(body: Any) -> list[Any]:
    return [e.get("error") for e in body.get("errors") or []] if isinstance(body, dict) else []


def _without(*names: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
    return lambda body: {k: v for k, v in body.items() if k not in names}


def send_body(change: Callable[[dict[str, Any]], dict[str, Any]]) -> Mutant:
    """A send whose body is changed before the mock sees it."""
    return Mutant(on_request=rewrite_body(is_send, change))


def answered(match: Callable[[Call], bool], change: Callable[[Call, dict[str, Any]], None]) -> Mutant:
    """Successful answers of the calls `match` accepts, changed after the mock gave them."""
    return Mutant(on_response=rewrite_answer(match, change))


def _pair(body: dict[str, Any]) -> tuple[Any, Any]:
    """The (user, agent) numbers of a create or send body (a send's older names included)."""
    return body.get("user_number", body.get("phone_number")), body.get("agent_number", body.get("from"))


def _changed_messages(change: Callable[[list[dict[str, Any]]], list[dict[str, Any]]]) -> Mutant:
    def rewrite(call: Call, body: dict[str, Any]) -> None:
        data = body.get("data")
        if isinstance(data, dict) and isinstance(data.get("messages"), list):
            data["messages"] = change(data["messages"])

    return answered(is_read, rewrite)


def _each_message(change: Callable[[dict[str, Any]], None]) -> Mutant:
    def each(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
        for message in messages:
            change(message)
        return messages

    return _changed_messages(each)


def answers_for_other_accounts(match: Callable[[Call], bool]) -> Mutant:
    """A call `match` accepts that is 404 for its key is tried with every other key seen, and the first 200 wins."""
    keys: set[str] = set()

    def answer(call: Call, send: Send) -> tuple[int, Any] | None:
        key = _key(call)
        if key:
            keys.add(key)
        if not match(call):
            return None
        status, body = send(call)
        if status != 404:
            return status, body
        for other in sorted(keys - {key}):
            headers = {k: v for k, v in call["headers"].items() if k.lower() != "authorization"}
            got = send({**call, "headers": {**headers, "Authorization": other}})
            if got[0] == 200:
                return got
        return status, body

    return Mutant(answer=answer)


# broken: send


def send_stores_user_message() -> Mutant:
    """What a send stores reads back as a USER message, from the user to the agent."""
    sent: set[str] = set()

    def on_response(call: Call, status: int, body: Any) -> tuple[int, Any]:
        if is_send(call) and status == 200:
            sent.add(str(body["data"].get("message_id")))
        if is_read(call) and status == 200:
            for message in body["data"].get("messages") or []:
                if str(message.get("id")) in sent:
                    message.update({"sender": "USER", "from": message.get("to"), "to": message.get("from")})
        return status, body

    return Mutant(on_response=on_response)


def send_starts_no_timer() -> Mutant:
    """After a send the conversation is ended and made active again, which leaves it without a timer."""
    mutant = Mutant()

    def on_response(call: Call, status: int, body: Any) -> tuple[int, Any]:
        if is_send(call) and status == 200:
            patch = {**read_call(call, body["data"]["conversation_id"]), "method": "PATCH"}
            mutant.send({**patch, "body": {"is_active": False}})
            mutant.send({**patch, "body": {"is_active": True}})
        return status, body

    mutant.on_response = on_response
    return mutant


def send_requires_agent_message() -> Mutant:
    def answer(call: Call, send: Send) -> tuple[int, Any] | None:
        if is_send(call) and "agent_message" not in call["body"] and "message" not in call["body"]:
            return refusal(400, "MISSING_REQUIRED_FIELDS", "agent_message: field required")
        return None

    return Mutant(answer=answer)


def _drop_bad_pair(body: dict[str, Any]) -> dict[str, Any]:
    warning, time_out = body.get("warning_time"), body.get("time_out")
    if isinstance(warning, int) and isinstance(time_out, int) and warning >= time_out:
        return _without("warning_time", "time_out")(body)
    return body


def refused_send_still_stored() -> Mutant:
    """A send refused for its timeout settings is stored anyway (without them) behind the refusal."""

    def answer(call: Call, send: Send) -> tuple[int, Any] | None:
        if not is_send(call):
            return None
        status, body = send(call)
        if status == 400 and _codes(body) == ["INVALID_TIMEOUT_CONFIG"]:
            send({**call, "body": _without("warning_time", "time_out")(call["body"])})
        return status, body

    return Mutant(answer=answer)


def send_idempotency_ignored() -> Mutant:
    def on_request(call: Call) -> Call:
        if not is_send(call):
            return call
        return {**call, "headers": {k: v for k, v in call["headers"].items() if k.lower() != "idempotency-key"}}

    return Mutant(on_request=on_request)


# broken: one conversation


def timeout_message_hidden() -> Mutant:
    """A timed-out conversation's history leaves out the timeout message (stamped at its timed_out_at)."""

    def rewrite(call: Call, body: dict[str, Any]) -> None:
        data = body.get("data")
        if isinstance(data, dict) and data.get("timed_out_at") and isinstance(data.get("messages"), list):
            at = timestamp_ms(data["timed_out_at"])
            data["messages"] = [m for m in data["messages"] if timestamp_ms(m["created_at"]) != at]

    return answered(is_read, rewrite)


# broken: update


def end_not_kept() -> Mutant:
    """`is_active: false` is answered as done, but the conversation stays active."""

    def answer(call: Call, send: Send) -> tuple[int, Any] | None:
        if not is_update(call) or not isinstance(call["body"], dict) or call["body"].get("is_active") is not False:
            return None
        status, record = send(read_call(call))
        if status != 200:
            return status, record
        conversation = {"id": record["data"]["id"], "is_active": False, "updated_at": record["data"]["updated_at"]}
        return 200, {"message": "Conversation updated successfully", "conversation": conversation}

    return Mutant(answer=answer)


def ended_pair_rejoined() -> Mutant:
    """After a conversation is ended, the next message for its pair makes it active again and joins it."""
    ended: dict[tuple[str, Any, Any], str] = {}

    def answer(call: Call, send: Send) -> tuple[int, Any] | None:
        if is_update(call) and isinstance(call["body"], dict) and call["body"].get("is_active") is False:
            status, body = send(call)
            got, record = send(read_call(call))
            if status == 200 and got == 200:
                data = record["data"]
                ended[(_key(call), data["user_number"], data["agent_number"])] = data["id"]
            return status, body
        if (is_create(call) or is_send(call)) and not call["body"].get("new_conversation"):
            conversation = ended.pop((_key(call), *_pair(call["body"])), None)
            if conversation is not None:
                patch = {**read_call(call, conversation), "method": "PATCH", "body": {"is_active": True}}
                send(patch)
        return None

    return Mutant(answer=answer)


def _unwrapped_into_data(call: Call, body: dict[str, Any]) -> None:
    data = dict(body)
    body.clear()
    body.update(data=data, errors=None)


# broken: delete


def delete_keeps_conversation() -> Mutant:
    """A delete is answered as done, but the conversation stays."""

    def answer(call: Call, send: Send) -> tuple[int, Any] | None:
        if not is_delete(call):
            return None
        status, record = send(read_call(call))
        return _ok({"message": _DELETED_TEXT}) if status == 200 else (status, record)

    return Mutant(answer=answer)


def deleted_still_listed() -> Mutant:
    """A deleted conversation stays on the first page of every list (and counted), and reads as before."""
    kept: dict[str, dict[str, dict[str, Any]]] = {}

    def answer(call: Call, send: Send) -> tuple[int, Any] | None:
        key = _key(call)
        if is_delete(call):
            got, record = send(read_call(call))
            status, body = send(call)
            if status == 200 and got == 200:
                kept.setdefault(key, {})[record["data"]["id"]] = record["data"]
            return status, body
        if is_read(call):
            status, body = send(call)
            record = kept.get(key, {}).get(conversation_of(call) or "")
            return _ok(record) if status == 404 and record is not None else (status, body)
        if is_list(call) and kept.get(key):
            status, body = send(call)
            if status == 200 and body["extra"]["pagination"]["currentPage"] == 1:
                extra = [
                    {k: v for k, v in record.items() if k not in ("messages", "disposition_logs")}
                    for record in kept[key].values()
                ]
                body["data"] += extra
                body["extra"]["pagination"]["totalItems"] += len(extra)
            return status, body
        return None

    return Mutant(answer=answer)


def deleted_pair_rejoined() -> Mutant:
    """After the pair's active conversation is deleted, its next message is answered with the deleted id."""
    deleted: dict[tuple[str, Any, Any], str] = {}

    def answer(call: Call, send: Send) -> tuple[int, Any] | None:
        if is_delete(call):
            got, record = send(read_call(call))
            status, body = send(call)
            if status == 200 and got == 200 and record["data"]["is_active"]:
                data = record["data"]
                deleted[(_key(call), data["user_number"], data["agent_number"])] = data["id"]
            return status, body
        if (is_create(call) or is_send(call)) and not call["body"].get("new_conversation"):
            conversation = deleted.get((_key(call), *_pair(call["body"])))
            if conversation is None:
                return None
            if is_create(call):
                return _ok(
                    {
                        "message": "SMS conversation created successfully",
                        "conversation_id": conversation,
                        "workflow_id": f"workflow_{secrets.token_hex(16)}",
                    }
                )
            message_id = str(random.randrange(10**9, 10**10))
            return _ok({"message": "SMS sent successfully", "conversation_id": conversation, "message_id": message_id})
        return None

    return Mutant(answer=answer)


# broken: message delete


def _message_ids(call: Call) -> Any:
    return call["body"].get("message_ids") if isinstance(call["body"], dict) else None


def message_delete_keeps_messages() -> Mutant:
    """A message delete is answered with the right count, but nothing leaves the history."""

    def answer(call: Call, send: Send) -> tuple[int, Any] | None:
        ids = _message_ids(call)
        if not is_delete_messages(call) or not isinstance(ids, list) or not ids:
            return None
        status, record = send(read_call(call))
        if status != 200:
            return status, record
        named = {str(i) for i in ids if isinstance(i, str | int) and not isinstance(i, bool)}
        count = sum(1 for m in record["data"]["messages"] if str(m["id"]) in named)
        return _ok({"message": f"{count} messages marked as deleted", "deleted_count": count})

    return Mutant(answer=answer)


def empty_message_ids_accepted() -> Mutant:
    def answer(call: Call, send: Send) -> tuple[int, Any] | None:
        if not is_delete_messages(call) or _message_ids(call) != []:
            return None
        status, record = send(read_call(call))
        return (
            _ok({"message": "0 messages marked as deleted", "deleted_count": 0}) if status == 200 else (status, record)
        )

    return Mutant(answer=answer)


def message_delete_keeps_counts() -> Mutant:
    """message_count goes on counting deleted messages (in lists and in the conversation)."""
    deleted: dict[str, int] = {}

    def on_response(call: Call, status: int, body: Any) -> tuple[int, Any]:
        if is_delete_messages(call) and status == 200:
            conversation = conversation_of(call) or ""
            deleted[conversation] = deleted.get(conversation, 0) + body["data"]["deleted_count"]
        items = body["data"] if is_list(call) and status == 200 else []
        items = [body["data"]] if is_read(call) and status == 200 else items
        for item in items:
            item["message_count"] = item.get("message_count", 0) + deleted.get(item.get("id"), 0)
        return status, body

    return Mutant(on_response=on_response)


# broken: numbers


def numbers_of_every_account() -> Mutant:
    """The numbers list shows the numbers of every key seen, not only the caller's."""
    keys: set[str] = set()

    def answer(call: Call, send: Send) -> tuple[int, Any] | None:
        key = _key(call)
        if key:
            keys.add(key)
        if not is_numbers(call):
            return None
        status, body = send(call)
        if status != 200:
            return status, body
        headers = {k: v for k, v in call["headers"].items() if k.lower() != "authorization"}
        for other in sorted(keys - {key}):
            got, more = send({**call, "headers": {**headers, "Authorization": other}})
            if got == 200:
                body["data"] += more["data"]
        return status, body

    return Mutant(answer=answer)


def number_update_ignored() -> Mutant:
    """An update of an owned number is answered with its settings unchanged, and changes nothing."""

    def answer(call: Call, send: Send) -> tuple[int, Any] | None:
        if not is_number_update(call):
            return None
        numbers = {**read_call(call), "path": "/v1/sms/numbers"}
        status, body = send(numbers)
        mine = [n for n in body.get("data") or [] if n.get("phone_number") == call["body"].get("phone_number")]
        if status != 200 or not mine:
            return None
        return _ok(
            {"message": f"SMS config updated for number {mine[0]['phone_number']}", "sms_config": mine[0]["sms_config"]}
        )

    return Mutant(answer=answer)


def _without_nulls(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if v is not None}


# benign


def send_repeat_fresh_message_id() -> Mutant:
    """A repeated send (same idempotency key) answers a receipt id of its own, not the first send's."""
    seen: set[tuple[str, str]] = set()

    def on_response(call: Call, status: int, body: Any) -> tuple[int, Any]:
        key = next((v for k, v in call["headers"].items() if k.lower() == "idempotency-key"), None)
        if is_send(call) and status == 200 and key:
            if (_key(call), key) in seen:
                body["data"]["message_id"] = f"{body['data']['message_id']}{secrets.randbelow(10)}"
            seen.add((_key(call), key))
        return status, body

    return Mutant(on_response=on_response)


def empty_idempotency_key_ignored() -> Mutant:
    def on_request(call: Call) -> Call:
        if not is_send(call):
            return call
        headers = {k: v for k, v in call["headers"].items() if not (k.lower() == "idempotency-key" and not v)}
        return {**call, "headers": headers}

    return Mutant(on_request=on_request)


def end_leaves_updated_at() -> Mutant:
    """Ending a conversation leaves its updated_at at what it was (in every answer that shows it)."""
    shown: dict[str, tuple[str, str]] = {}

    def fix(item: dict[str, Any]) -> None:
        stamp = shown.get(item.get("id"))
        if stamp and item.get("updated_at") == stamp[0]:
            item["updated_at"] = stamp[1]

    def answer(call: Call, send: Send) -> tuple[int, Any] | None:
        if is_update(call) and isinstance(call["body"], dict) and call["body"].get("is_active") is False:
            got, record = send(read_call(call))
            status, body = send(call)
            if status == 200 and got == 200 and record["data"]["is_active"]:
                shown[record["data"]["id"]] = (body["conversation"]["updated_at"], record["data"]["updated_at"])
                fix(body["conversation"])
            return status, body
        status, body = send(call)
        if status == 200 and (is_list(call) or is_read(call)):
            for item in body["data"] if is_list(call) else [body["data"]]:
                fix(item)
        return status, body

    return Mutant(answer=answer)


def reactivation_refused() -> Mutant:
    def answer(call: Call, send: Send) -> tuple[int, Any] | None:
        if not is_update(call) or not isinstance(call["body"], dict) or call["body"].get("is_active") is not True:
            return None
        status, record = send(read_call(call))
        if status == 200 and not record["data"]["is_active"]:
            return refusal(409, "CONVERSATION_CONFLICT", "an ended conversation stays ended")
        return None

    return Mutant(answer=answer)


def delete_again_410() -> Mutant:
    """Deleting a conversation already deleted is 410 Gone (an unknown id stays 404)."""
    deleted: set[str] = set()

    def on_response(call: Call, status: int, body: Any) -> tuple[int, Any]:
        if is_delete(call) and status == 200:
            deleted.add(conversation_of(call) or "")
        elif is_delete(call) and status == 404 and conversation_of(call) in deleted:
            return 410, body
        return status, body

    return Mutant(on_response=on_response)


def messages_delete_bumps_updated_at() -> Mutant:
    """Deleting messages sets the conversation's updated_at to the instant of the delete."""
    mutant = Mutant()
    bumped: dict[str, int] = {}

    def on_response(call: Call, status: int, body: Any) -> tuple[int, Any]:
        if is_delete_messages(call) and status == 200 and body["data"]["deleted_count"]:
            bumped[conversation_of(call) or ""] = timestamp_ms(mutant.send(control_call("/_mock/clock"))[1]["now"])
        if status == 200 and (is_list(call) or is_read(call)):
            for item in body["data"] if is_list(call) else [body["data"]]:
                at = bumped.get(item.get("id"))
                if at is not None and timestamp_ms(item["updated_at"]) < at:
                    item["updated_at"] = _instant(at)
        return status, body

    mutant.on_response = on_response
    return mutant


def _instant(ms: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms // 1000)) + f".{ms % 1000:03d}Z"


def numbers_count_active_only() -> Mutant:
    """conversation_count counts the number's active conversations only."""

    def answer(call: Call, send: Send) -> tuple[int, Any] | None:
        if not is_numbers(call):
            return None
        status, body = send(call)
        if status != 200:
            return status, body
        for number in body["data"]:
            scope = [
                {"field": "agent_number", "operator": "eq", "value": number["phone_number"]},
                {"field": "is_active", "operator": "eq", "value": True},
            ]
            got, listed = send(list_call(call, scope, pageSize="1"))
            if got == 200:
                number["conversation_count"] = listed["extra"]["pagination"]["totalItems"]
        return status, body

    return Mutant(answer=answer)


def numbers_omit_unset() -> Mutant:
    def rewrite(call: Call, body: dict[str, Any]) -> None:
        data = body.get("data")
        for config in [n.get("sms_config") for n in data] if isinstance(data, list) else [data.get("sms_config")]:
            if isinstance(config, dict):
                for name in [k for k, v in config.items() if v is None]:
                    config.pop(name)

    return answered(lambda c: is_numbers(c) or is_number_update(c), rewrite)


def numbers_other_channels_refused() -> Mutant:
    def answer(call: Call, send: Send) -> tuple[int, Any] | None:
        if is_numbers(call) and call["query"].get("channel") in ("whatsapp", "imessage"):
            return refusal(400, "INVALID_QUERY", "channel: this service lists SMS numbers only")
        return None

    return Mutant(answer=answer)


def refused_when(
    match: Callable[[Call], bool], test: Callable[[dict[str, Any]], bool], code: str, message: str
) -> Mutant:
    """A call `match` accepts whose object body passes `test` is refused (400) without reaching the mock."""

    def answer(call: Call, send: Send) -> tuple[int, Any] | None:
        if match(call) and isinstance(call["body"], dict) and test(call["body"]):
            return refusal(400, code, message)
        return None

    return Mutant(answer=answer)
