"""The catalogue: broken targets (each breaks a rule; the check that must catch it) and benign ones.

Every entry names the rule of docs/contract.md it stands for, by its id (or a tuple of ids, when the
target plainly breaks or chooses differently on several); the level of each is the document's, read with
`load_rules()`. A broken target is judged by its check alone; a benign one by the whole kit at the
default level.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import variants as v
import webhook_targets as w
from mutants import (
    Call,
    Mutant,
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
    paged,
    rewrite_body,
    rewrite_create,
    rewrite_filters,
    rewrite_items,
    with_filters,
)


def _operator(old: str, new: str, field: str | None = None) -> Callable[[dict[str, Any]], dict[str, Any]]:
    def change(spec: dict[str, Any]) -> dict[str, Any]:
        if spec.get("operator") == old and (field is None or spec.get("field") == field):
            spec["operator"] = new
        return spec

    return change


def _drop(operator: str | None = None, field: str | None = None) -> Callable[[dict[str, Any]], dict[str, Any] | None]:
    def change(spec: dict[str, Any]) -> dict[str, Any] | None:
        hit = (operator is None or spec.get("operator") == operator) and (field is None or spec.get("field") == field)
        return None if hit else spec

    return change


def _query(**changes: str) -> Callable[[Call], Call]:
    def rewrite(call: Call) -> Call:
        if not is_list(call):
            return call
        query = dict(call["query"])
        for key, value in changes.items():
            if key == "swap_dir":
                query["sortDir"] = "asc" if query.get("sortDir", "desc") == "desc" else "desc"
            elif key not in query:
                query[key] = value
        return {**call, "query": query}

    return rewrite


def _answer_list(change: Callable[[Call, dict[str, Any], list[dict[str, Any]]], dict[str, Any]]) -> Callable:
    def answer(call: Call, send: Callable[[Call], tuple[int, Any]]) -> tuple[int, Any] | None:
        if not is_list(call):
            return None
        status, body, items = full_listing(call, send)
        return (status, change(call, body, items)) if status == 200 else (status, body)

    return answer


def _errors(change: Callable[[int, dict[str, Any]], tuple[int, dict[str, Any]]]) -> Callable:
    def rewrite(call: Call, status: int, body: Any) -> tuple[int, Any]:
        return change(status, body) if status >= 400 and isinstance(body, dict) else (status, body)

    return rewrite


# -------------------------------------------------------------------- mutants that remember creates


def _remembering(
    item_change: Callable[[dict[str, Any], dict[str, Any]], None],
    remember: Callable[[dict[str, Any], dict[str, Any], dict[str, Any]], None],
) -> Mutant:
    """A mutant that notes something about each create and rewrites list items from its notes."""
    notes: dict[str, dict[str, Any]] = {}

    def on_response(call: Call, status: int, body: Any) -> tuple[int, Any]:
        if is_create(call) and status == 200:
            conversation = body["data"]["conversation_id"]
            remember(notes.setdefault(conversation, {}), call["body"], body["data"])
        if is_list(call) and status == 200:
            for item in body["data"]:
                if item["id"] in notes:
                    item_change(item, notes[item["id"]])
        return status, body

    return Mutant(on_response=on_response)


def last_message_never_updates() -> Mutant:
    return _remembering(
        lambda item, note: item.update(last_message=note["first"]),
        lambda note, body, data: note.setdefault("first", body.get("message")),
    )


def request_data_replaces_variables() -> Mutant:
    return _remembering(
        lambda item, note: item.update(variables=note["last"]),
        lambda note, body, data: note.update(last=body.get("request_data") or {}),
    )


def pathway_fields_reset_when_absent() -> Mutant:
    return _remembering(
        lambda item, note: item.update(curr_pathway_id=note["pathway"]),
        lambda note, body, data: note.update(pathway=body.get("curr_pathway_id")),
    )


def isolation_leak() -> Mutant:
    keys: set[str] = set()

    def answer(call: Call, send: Callable[[Call], tuple[int, Any]]) -> tuple[int, Any] | None:
        key = call["headers"].get("Authorization") or call["headers"].get("authorization")
        if not key or not is_list(call):
            return None
        keys.add(key)
        first_status, first = send(call)
        if first_status != 200:
            return first_status, first
        merged: list[dict[str, Any]] = []
        status, body = 401, None
        for other in sorted(keys):
            got_status, got = send(
                {
                    **call,
                    "headers": {**call["headers"], "Authorization": other},
                    "query": {**call["query"], "page": "1", "pageSize": "1000"},
                }
            )
            if other == key:
                status, body = got_status, got
            if got_status == 200:
                merged += got["data"]
        if status != 200:
            return status, body
        merged.sort(key=lambda item: item["created_at"], reverse=True)
        return 200, paged(call, body, merged)

    return Mutant(answer=answer)


def timestamps_filtered_as_text() -> Mutant:
    def change(call: Call, body: dict[str, Any], items: list[dict[str, Any]]) -> dict[str, Any]:
        return paged(call, body, items)

    def answer(call: Call, send: Callable[[Call], tuple[int, Any]]) -> tuple[int, Any] | None:
        if not is_list(call):
            return None
        text_filters = [
            f
            for f in filters_of(call)
            if isinstance(f, dict)
            and f.get("field") == "created_at"
            and f.get("operator") in ("gt", "lt", "gte", "lte")
        ]
        if not text_filters:
            return None
        rest = [f for f in filters_of(call) if f not in text_filters]
        status, body, items = full_listing(with_filters(call, rest), send)
        if status != 200:
            return status, body
        tests = {"gt": str.__gt__, "lt": str.__lt__, "gte": str.__ge__, "lte": str.__le__}
        kept = [i for i in items if all(tests[f["operator"]](i["created_at"], f["value"]) for f in text_filters)]
        return status, paged(call, body, kept)

    return Mutant(answer=answer)


def timed_out_at_when_observed() -> Mutant:
    def shift(spec: dict[str, Any]) -> dict[str, Any]:
        if spec.get("field") == "timed_out_at" and isinstance(spec.get("value"), str):
            moment = datetime.fromisoformat(spec["value"].replace("Z", "+00:00")) - timedelta(seconds=60)
            spec["value"] = moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
        return spec

    return Mutant(on_request=rewrite_filters(shift))


def _total_items_is_page_length(call: Call, status: int, body: Any) -> tuple[int, Any]:
    if is_list(call) and status == 200:
        body["extra"]["pagination"]["totalItems"] = len(body["data"])
    return status, body


def _floor_pages(call: Call, status: int, body: Any) -> tuple[int, Any]:
    if is_list(call) and status == 200:
        pagination = body["extra"]["pagination"]
        pagination["totalPages"] = pagination["totalItems"] // pagination["pageSize"]
    return status, body


def _ties_reversed(call: Call, body: dict[str, Any], items: list[dict[str, Any]]) -> dict[str, Any]:
    key = call["query"].get("sortBy", "created_at")
    descending = call["query"].get("sortDir", "desc") == "desc"
    present = [i for i in items if i.get(key) is not None]
    absent = [i for i in items if i.get(key) is None]
    present.sort(key=lambda i: i["id"], reverse=not descending)
    present.sort(key=lambda i: i[key], reverse=descending)
    return paged(call, body, present + absent if not descending else absent + present)


def _contains_ignoring_case(call: Call, send: Callable[[Call], tuple[int, Any]]) -> tuple[int, Any] | None:
    if not is_list(call):
        return None
    wanted = [
        f
        for f in filters_of(call)
        if isinstance(f, dict) and f.get("operator") == "contains" and isinstance(f.get("value"), str)
    ]
    if not wanted:
        return None
    status, body = send(call)  # refuse exactly what the mock refuses (an operator its field does not take)
    if status != 200:
        return status, body
    rest = [f for f in filters_of(call) if f not in wanted]
    status, body, items = full_listing(with_filters(call, rest), send)
    kept = [
        i
        for i in items
        if all(isinstance(i.get(f["field"]), str) and f["value"].lower() in i[f["field"]].lower() for f in wanted)
    ]
    return status, paged(call, body, kept)


def _errors_list_empty(status: int, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    return status, {**body, "errors": []}


def _with_status(new: int, old: int | None = None) -> Callable[[int, dict[str, Any]], tuple[int, dict[str, Any]]]:
    return lambda status, body: ((new if old is None or status == old else status), body)


def _renamed_codes(status: int, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    return status, {**body, "errors": [{**e, "error": "REQUEST_REJECTED"} for e in body.get("errors") or []]}


def _server_error_on_bad_filters(status: int, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    codes = [e.get("error") for e in body.get("errors") or []]
    return (500, {"message": "Internal Server Error"}) if "INVALID_FILTERS" in codes else (status, body)


def _success_errors_list(call: Call, status: int, body: Any) -> tuple[int, Any]:
    if status == 200 and isinstance(body, dict):
        body["errors"] = []
    return status, body


def _fix_user_number(body: dict[str, Any]) -> dict[str, Any]:
    if isinstance(body.get("user_number"), str) and not body["user_number"].startswith("+1555"):
        body["user_number"] = "+15550009999"
    return body


def _sender_to_user(body: dict[str, Any]) -> dict[str, Any]:
    if body.get("sender") not in (None, "USER", "AGENT"):
        body["sender"] = "USER"
    return body


def _drop_bad_warning(body: dict[str, Any]) -> dict[str, Any]:
    if (
        isinstance(body.get("warning_time"), int)
        and isinstance(body.get("time_out"), int)
        and body["warning_time"] >= body["time_out"]
    ):
        body.pop("warning_time")
        body.pop("time_out")  # stores neither rather than refusing the pair
    return body


def _default_key(call: Call) -> Call:
    if not any(k.lower() == "authorization" for k in call["headers"]):
        return {**call, "headers": {**call["headers"], "Authorization": "sk-demo-bland-sms-mock"}}
    return call


def _generated(item: dict[str, Any]) -> None:
    item.update(summary="The customer confirmed Thursday.", disposition_tag="resolved", citation_variables={})


def _unset_as_empty_text(item: dict[str, Any]) -> None:
    for name in ("summary", "disposition_tag"):
        if item.get(name) is None:
            item[name] = ""


def _page_shift(call: Call, body: dict[str, Any], items: list[dict[str, Any]]) -> dict[str, Any]:
    return paged(call, body, items, start_shift=-1)


Rules = str | tuple[str, ...]
"""The docs/contract.md rule id an entry stands for, or several."""

BROKEN: dict[str, tuple[Rules, str, Callable[[], Mutant]]] = {
    # pagination
    "total_pages_rounded_down": ("list.page.total_pages", "list.pagination", lambda: Mutant(on_response=_floor_pages)),
    "total_items_is_page_length": (
        "list.page.total_items",
        "list.pagination",
        lambda: Mutant(on_response=_total_items_is_page_length),
    ),
    "pages_overlap_by_one": ("list.page.walk", "list.pagination", lambda: Mutant(answer=_answer_list(_page_shift))),
    "pages_one_short": ("list.page.count", "list.pagination", v.pages_one_short),
    "ties_random_per_request": ("list.page.walk", "list.walk_ties", v.ties_random_per_request),
    "current_page_off_by_one": ("list.page.current_page", "list.pagination", v.current_page_off_by_one),
    "no_pagination_block": (("envelope.extra", "list.page.pagination"), "list.defaults", v.no_pagination_block),
    "default_page_2": ("list.query.page.default", "list.defaults", lambda: Mutant(on_request=_query(page="2"))),
    "default_page_size_10": (
        "list.query.page_size.default",
        "list.defaults",
        lambda: Mutant(on_request=_query(pageSize="10")),
    ),
    "default_sort_by_message_count": (
        "list.query.sort_by.default",
        "list.defaults",
        lambda: Mutant(on_request=_query(sortBy="message_count")),
    ),
    "default_sort_ascending": ("list.query.sort_dir.default", "list.defaults", v.default_sort_ascending),
    "archived_hidden": ("list.filter.scope", "list.pagination", v.archived_hidden),
    # sorting
    "sort_direction_inverted": (
        ("list.query.sort_dir", "list.sort.order"),
        "list.sorting",
        lambda: Mutant(on_request=_query(swap_dir="1")),
    ),
    "sort_by_ignored": (
        ("list.query.sort_by", "list.sort.order"),
        "list.sorting",
        lambda: Mutant(
            on_request=lambda c: (
                {**c, "query": {k: v for k, v in c["query"].items() if k != "sortBy"}} if is_list(c) else c
            )
        ),
    ),
    "sort_drops_nulls": ("list.sort.same_set", "list.sorting", v.sort_drops_nulls),
    "unknown_sort_by_accepted": (
        "list.query.sort_by.other",
        "list.rejects_bad_query",
        lambda: v.unknown_sort_accepted("sortBy", v.SORT_KEYS),
    ),
    "unknown_sort_dir_accepted": (
        "list.query.sort_dir.other",
        "list.rejects_bad_query",
        lambda: v.unknown_sort_accepted("sortDir", {"asc", "desc"}),
    ),
    "message_count_as_text": (("list.filter.order", "list.sort.order"), "list.counts_numeric", v.message_count_as_text),
    # filters, one operator each
    "filters_ignored": ("list.filter.format", "list.filters", v.filters_ignored),
    "filter_is_active_ignored": (
        "list.filter.fields",
        "list.filters",
        lambda: Mutant(on_request=rewrite_filters(_drop(field="is_active"))),
    ),
    "filter_contains_as_starts_with": (
        ("list.filter.operators", "list.filter.substring"),
        "list.filters",
        lambda: Mutant(on_request=rewrite_filters(_operator("contains", "startsWith", "curr_pathway_id"))),
    ),
    "filter_ends_with_as_contains": (
        ("list.filter.operators", "list.filter.substring"),
        "list.filters",
        lambda: Mutant(on_request=rewrite_filters(_operator("endsWith", "contains"))),
    ),
    "filter_starts_with_as_contains": (
        ("list.filter.operators", "list.filter.substring"),
        "list.filters",
        lambda: Mutant(on_request=rewrite_filters(_operator("startsWith", "contains"))),
    ),
    "filter_eq_on_node_as_contains": (
        ("list.filter.operators", "list.filter.eq"),
        "list.filters",
        lambda: Mutant(on_request=rewrite_filters(_operator("eq", "contains", "current_node_id"))),
    ),
    "filter_gt_as_gte": (
        "list.filter.order",
        "list.filters",
        lambda: Mutant(on_request=rewrite_filters(_operator("gt", "gte"))),
    ),
    "filter_lt_ignored": (
        "list.filter.order",
        "list.filters",
        lambda: Mutant(on_request=rewrite_filters(_drop(operator="lt"))),
    ),
    "filter_lte_as_lt": (
        "list.filter.order",
        "list.filters",
        lambda: Mutant(on_request=rewrite_filters(_operator("lte", "lt"))),
    ),
    "filter_timestamps_as_text": (
        ("list.filter.typed", "list.filter.order"),
        "list.filters",
        timestamps_filtered_as_text,
    ),
    "filter_eq_timestamps_as_text": ("list.filter.eq", "list.filters", v.timestamps_eq_as_text),
    "only_first_filter_applied": ("list.filter.all", "list.filters", v.only_first_filter_applied),
    # create semantics
    "api_elsewhere": ("common.base_path", "create.envelope", v.api_elsewhere),
    "create_answers_201": ("status.success", "create.envelope", v.create_answers_201),
    "append_starts_new_conversations": (
        ("create.append", "create.field.new_conversation.default"),
        "create.appends",
        lambda: Mutant(on_request=rewrite_create(lambda b: {**b, "new_conversation": True})),
    ),
    "ended_pair_needs_new_conversation": (
        "create.open",
        "timeouts.warning_then_timeout",
        v.ended_pair_needs_new_conversation,
    ),
    "concurrent_creates_race": ("create.one_active", "create.concurrent_appends", v.creates_race),
    "message_count_stuck_at_one": (
        ("create.append.updates", "list.item.message_count"),
        "create.appends",
        lambda: Mutant(on_response=rewrite_items(lambda i: i.update(message_count=1))),
    ),
    "last_message_never_updates": (
        ("create.append.updates", "list.item.last_message"),
        "create.appends",
        last_message_never_updates,
    ),
    "updated_at_stuck_when_active": ("create.append.updates", "create.appends", v.updated_at_stuck_when_active),
    "last_message_uppercased": ("create.stores", "create.appends", v.message_text_uppercased),
    "new_conversation_ignored": (
        ("create.new_conversation.open", "create.new_conversation.archive", "create.field.new_conversation"),
        "create.new_conversation",
        lambda: Mutant(on_request=rewrite_create(lambda b: {k: v for k, v in b.items() if k != "new_conversation"})),
    ),
    "archived_still_active": (
        "create.new_conversation.archive",
        "create.new_conversation",
        lambda: Mutant(on_response=rewrite_items(lambda i: i.update(is_active=True))),
    ),
    "request_data_replaces_variables": (
        ("create.request_data.merge", "list.item.variables"),
        "create.pathway_and_variables",
        request_data_replaces_variables,
    ),
    "request_data_ignored": (
        "create.field.request_data",
        "create.pathway_and_variables",
        lambda: v.field_dropped("request_data"),
    ),
    "pathway_fields_reset": (
        "create.pathway.keep",
        "create.pathway_and_variables",
        pathway_fields_reset_when_absent,
    ),
    "current_node_id_never_updates": (
        "create.pathway.replace",
        "create.pathway_and_variables",
        v.node_id_never_updates,
    ),
    "current_node_id_ignored": (
        "create.field.current_node_id",
        "create.pathway_and_variables",
        lambda: v.field_dropped("current_node_id"),
    ),
    "curr_pathway_id_ignored": (
        "create.field.curr_pathway_id",
        "create.pathway_and_variables",
        lambda: v.field_dropped("curr_pathway_id"),
    ),
    "curr_pathway_version_ignored": (
        "create.field.curr_pathway_version",
        "list.filters",
        lambda: v.field_dropped("curr_pathway_version"),
    ),
    "no_workflow_id": (("create.response", "create.ids"), "create.envelope", v.no_workflow_id),
    "refused_create_still_stored": (
        "create.rejected_changes_nothing",
        "create.rejected_changes_nothing",
        v.refused_create_still_stored,
    ),
    # validation
    "accepts_invalid_phone_numbers": (
        ("phone.e164", "phone.e164.refused"),
        "create.rejects_bad_input",
        lambda: Mutant(on_request=rewrite_create(_fix_user_number)),
    ),
    "missing_user_number_filled": (
        "create.field.user_number",
        "create.rejects_bad_input",
        lambda: v.missing_field_filled("user_number", "+15550009999"),
    ),
    "missing_message_filled": (
        "create.field.message",
        "create.rejects_bad_input",
        lambda: v.missing_field_filled("message", "(no message)"),
    ),
    "accepts_unknown_sender": (
        "create.field.sender.other",
        "create.rejects_bad_input",
        lambda: Mutant(on_request=rewrite_create(_sender_to_user)),
    ),
    "coerces_wrong_types": (
        "create.field.types",
        "create.rejects_bad_input",
        lambda: Mutant(
            on_request=rewrite_create(
                lambda b: {**b, "message": str(b["message"])} if isinstance(b.get("message"), int) else b
            )
        ),
    ),
    "nonpositive_seconds_ignored": (
        "create.field.seconds.positive",
        "create.rejects_bad_input",
        v.nonpositive_seconds_ignored,
    ),
    "broken_json_accepted": (("common.json", "status.refusal"), "create.rejects_bad_input", v.broken_json_accepted),
    "accepts_foreign_agent_number": (
        "create.field.agent_number.owned",
        "create.agent_number_ownership",
        v.accepts_foreign_agent_number,
    ),
    "no_timeout_config_check": (
        "create.timeout_config.refused",
        "create.invalid_timeout_config",
        lambda: Mutant(on_request=rewrite_create(_drop_bad_warning)),
    ),
    "server_error_on_bad_filters": (
        "status.no_5xx",
        "list.rejects_bad_query",
        lambda: Mutant(on_response=lambda c, s, b: _errors(_server_error_on_bad_filters)(c, s, b)),
    ),
    # auth and isolation
    "missing_key_gets_demo_data": (
        ("auth.header", "auth.required"),
        "auth.required",
        lambda: Mutant(on_request=_default_key),
    ),
    "unknown_key_gets_empty_list": ("auth.required", "auth.required", v.unknown_key_gets_empty_list),
    "lists_every_account": ("auth.isolation", "auth.isolation", isolation_leak),
    "shared_conversation_across_accounts": (
        "auth.isolation.pairs",
        "auth.isolation",
        v.shared_conversation_across_accounts,
    ),
    # timeouts
    "timed_out_at_when_observed": (
        "timeouts.timed_out_at",
        "timeouts.warning_then_timeout",
        timed_out_at_when_observed,
    ),
    "timed_out_at_not_filterable": (
        "timeouts.timed_out_at.visible",
        "timeouts.warning_then_timeout",
        v.timed_out_at_not_filterable,
    ),
    "user_reply_restarts_timer": (
        "timeouts.cancel",
        "timeouts.reply_cancels_timer",
        lambda: Mutant(
            on_request=rewrite_create(
                lambda b: (
                    {**b, "sender": "AGENT"}
                    if b.get("sender", "USER") == "USER" and "kit:" in str(b.get("message"))
                    else b
                )
            )
        ),
    ),
    "warning_after_user_reply": ("timeouts.cancel", "timeouts.reply_cancels_timer", v.warning_after_user_reply),
    "default_sender_agent": ("create.field.sender", "timeouts.reply_cancels_timer", v.default_sender_agent),
    "agent_messages_start_no_timer": (
        "timeouts.start",
        "timeouts.warning_then_timeout",
        v.agent_messages_start_no_timer,
    ),
    "agent_follow_up_stops_timer": ("timeouts.restart", "timeouts.overrides", v.agent_follow_up_stops_timer),
    "warning_ends_conversation": ("timeouts.warning", "timeouts.warning_then_timeout", v.warning_ends_conversation),
    "warning_restarts_timer": (
        "timeouts.warning.no_restart",
        "timeouts.warning_then_timeout",
        v.warning_restarts_timer,
    ),
    "warning_not_counted": ("list.item.message_count", "timeouts.warning_then_timeout", v.warning_not_counted),
    "timeout_leaves_active": ("timeouts.end", "timeouts.warning_then_timeout", v.timeout_leaves_active),
    "timeout_without_message": (
        "timeouts.end.message",
        "timeouts.warning_then_timeout",
        v.timeout_without_message,
    ),
    "time_out_override_dropped": (
        ("create.field.time_out", "timeouts.effective"),
        "timeouts.overrides",
        v.time_out_override_dropped,
    ),
    "warning_time_override_dropped": (
        "create.field.warning_time",
        "timeouts.overrides",
        lambda: v.field_dropped("warning_time"),
    ),
    "warning_message_override_dropped": (
        "create.field.warning_message",
        "timeouts.overrides",
        lambda: v.field_dropped("warning_message"),
    ),
    "overrides_replace_all_settings": (
        "timeouts.effective.per_setting",
        "timeouts.overrides",
        v.overrides_replace_all_settings,
    ),
    "overrides_not_kept": ("timeouts.override.persists", "timeouts.overrides", v.overrides_not_kept),
    # envelope and fields
    "error_envelope_with_empty_errors": (
        "envelope.failure",
        "create.rejects_bad_input",
        lambda: Mutant(on_response=_errors(_errors_list_empty)),
    ),
    "success_with_errors_list": (
        "envelope.success",
        "create.envelope",
        lambda: Mutant(on_response=_success_errors_list),
    ),
    "item_without_last_message_at": (
        "list.item.fields",
        "list.item_fields",
        lambda: Mutant(on_response=rewrite_items(lambda i: i.pop("last_message_at", None))),
    ),
    "item_timestamps_as_epoch": (
        ("common.timestamps", "list.item.timestamps"),
        "list.item_fields",
        lambda: v.items_changed(lambda i: i.update(created_at=1_700_000_000_000)),
    ),
    "message_count_as_string": (
        "list.item.types",
        "list.item_fields",
        lambda: v.items_changed(lambda i: i.update(message_count=str(i["message_count"]))),
    ),
}
"""name -> (the rule or rules it breaks, the check that must fail, a factory of the broken target)."""

BENIGN: dict[str, tuple[Rules, Callable[[], Mutant]]] = {
    # status codes, error codes, errors
    "status_422_for_bad_input": (
        ("status.bad_request", "errors.status"),
        lambda: Mutant(on_response=_errors(_with_status(422, 400))),
    ),
    "wrong_method_404": ("status.method", v.wrong_method_404),
    "media_type_not_checked": ("status.media_type", v.media_type_not_checked),
    "its_own_error_codes": ("errors.codes", lambda: Mutant(on_response=_errors(_renamed_codes))),
    "missing_field_invalid_field": ("errors.missing", lambda: v.recoded("MISSING_REQUIRED_FIELDS", "INVALID_FIELD")),
    "invalid_field_validation_error": ("errors.invalid_field", lambda: v.recoded("INVALID_FIELD", "VALIDATION_ERROR")),
    "one_error_without_field_names": (
        ("envelope.one_per_problem", "envelope.names_field"),
        v.one_error_without_field_names,
    ),
    "body_checked_before_key": ("auth.before_body", v.body_checked_before_key),
    "unknown_body_fields_refused": ("create.field.unknown", v.unknown_body_fields_refused),
    "bad_json_422": ("create.field.not_object", lambda: v.status_for_code("INVALID_JSON", 422)),
    # auth
    "status_403_for_auth": ("auth.status", lambda: Mutant(on_response=_errors(_with_status(403, 401)))),
    "bearer_refused": ("auth.bearer", v.bearer_refused),
    # create
    "impossible_numbers_accepted": ("phone.possible", v.impossible_numbers_accepted),
    "bad_number_invalid_field": ("phone.code", lambda: v.recoded("INVALID_PHONE_NUMBER", "INVALID_FIELD")),
    "foreign_number_403": (
        "create.field.agent_number.code",
        lambda: v.status_for_code("AGENT_NUMBER_NOT_FOUND", 403),
    ),
    "blank_message_accepted": ("create.field.message.blank", v.blank_message_accepted),
    "message_cap_160": ("create.field.message.max", v.message_cap_160),
    "timeout_config_422": ("create.timeout_config.status", lambda: v.status_for_code("INVALID_TIMEOUT_CONFIG", 422)),
    "warning_without_timeout_accepted": (
        "create.timeout_config.no_time_out",
        lambda: v._retry_without("warning_time", "time_out"),
    ),
    "time_out_alone_not_checked": (
        "create.timeout_config.time_out_only",
        lambda: v._retry_without("time_out", "warning_time"),
    ),
    "coerces_true_and_numeric_strings": ("create.field.types.no_coercion", v.coerces_strings),
    "time_out_cap_one_day": ("create.field.seconds.max", v.time_out_cap_one_day),
    "nesting_cap_8": ("create.field.request_data.depth", v.nesting_cap_8),
    "null_optional_refused": ("create.field.null_is_absent", v.null_optional_refused),
    "workflow_id_per_conversation": ("create.workflow_id.fresh", v.workflow_id_per_conversation),
    "other_id_format": ("create.ids.format", v.other_id_format),
    "archive_leaves_updated_at": ("create.archive.updated_at", v.archive_leaves_updated_at),
    "messages_capped_at_50": ("limits.messages", v.messages_capped_at_50),
    "message_cap_answered_403": ("limits.exceeded", lambda: v.messages_capped(50, 403, "CONVERSATION_FULL")),
    # list: query
    "page_size_max_100": ("list.query.page_size.range", v.page_size_max_100),
    "page_zero_is_first": ("list.query.page.range", v.page_zero_is_first),
    "lenient_query_integers": ("list.query.integers", v.lenient_query_integers),
    "huge_page_past_end": ("list.query.integers.digits", v.huge_page_past_end),
    "bad_query_invalid_parameter": ("list.query.code", lambda: v.recoded("INVALID_QUERY", "INVALID_PARAMETER")),
    "unknown_query_parameters_refused": ("list.query.unknown", v.unknown_query_parameters_refused),
    # list: filters
    "contains_ignores_case": ("list.filter.substring.case", lambda: Mutant(answer=_contains_ignoring_case)),
    "variables_eq_as_subset": ("list.filter.variables.eq", v.variables_eq_as_subset),
    "null_eq_refused": ("list.filter.null", v.null_eq_refused),
    "bad_filters_ignored": ("list.filter.malformed", v.bad_filters_ignored),
    "filters_max_10": ("list.filter.max", v.filters_max_10),
    "timestamp_substring_refused": (
        ("list.filter.pairing", "list.filter.substring.timestamps"),
        v.timestamp_substring_refused,
    ),
    "strict_filter_values": ("list.filter.lenient", v.strict_filter_values),
    # list: order and pages
    "ties_broken_the_other_way": ("list.sort.ties", lambda: Mutant(answer=_answer_list(_ties_reversed))),
    "ties_by_hash": ("list.sort.ties", v.ties_by_hash),
    "nulls_first_in_asc": ("list.sort.nulls", v.nulls_first_in_asc),
    "is_active_true_first": ("list.sort.boolean", v.is_active_true_first),
    "page_size_clamped_to_100": ("list.page.page_size", v.page_size_clamped_to_100),
    "page_past_end_404": ("list.page.past_end", v.page_past_end_404),
    # list: items
    "extra_item_fields": (
        "list.item.extra_fields",
        lambda: Mutant(on_response=rewrite_items(lambda i: i.update(channel_meta={"carrier": "x"}))),
    ),
    "items_carry_hidden_fields": ("list.item.hidden", v.items_carry_hidden_fields),
    "pathway_tags_filled": ("list.item.pathway_tags.mock", v.pathway_tags_filled),
    "channel_rcs": ("list.item.channel.mock", lambda: v.items_changed(lambda i: i.update(effective_channel="rcs"))),
    "summaries_generated": ("list.item.generated.mock", lambda: v.items_changed(_generated)),
    "unset_text_fields_empty": ("list.item.nullable", lambda: v.items_changed(_unset_as_empty_text)),
}
"""name -> (the [mock] choice or choices, or the freedom, it makes differently; a factory): the kit must pass them."""


# ============================================================================================ NEW ENDPOINTS
# Targets of the newer endpoints (send, one conversation, update, delete, message delete, numbers); each
# broken entry names the check that catches it, as the entries above do.


def _swap_direction(message: dict[str, Any]) -> None:
    message["from"], message["to"] = message.get("to"), message.get("from")


def _drop_unset_numbers_of_update(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if v is not None}


def _drop_bad_warning_pair(body: dict[str, Any]) -> dict[str, Any]:
    return _drop_bad_warning(dict(body))


def _count_one_more(call: Call, body: dict[str, Any]) -> None:
    body["data"]["message_count"] = body["data"].get("message_count", 0) + 1


NEW_ENDPOINT_BROKEN: dict[str, tuple[Rules, str, Callable[[], Mutant]]] = {
    # send
    "send_stores_user_message": ("send.stores", "send.stores", v.send_stores_user_message),
    "send_always_new_conversation": (
        "send.append",
        "send.appends",
        lambda: v.send_body(lambda b: {**b, "new_conversation": True}),
    ),
    "send_new_conversation_ignored": (
        "send.new_conversation",
        "send.appends",
        lambda: v.send_body(lambda b: {k: x for k, x in b.items() if k != "new_conversation"}),
    ),
    "send_answer_without_conversation_id": (
        "send.response",
        "send.stores",
        lambda: v.answered(is_send, lambda c, b: b["data"].pop("conversation_id", None)),
    ),
    "send_missing_user_number_filled": (
        "send.fields.required",
        "send.rejects_bad_input",
        lambda: v.send_body(
            lambda b: b if "user_number" in b or "phone_number" in b else {**b, "user_number": "+15550009999"}
        ),
    ),
    "send_requires_agent_message": ("send.agent_message", "send.stores", v.send_requires_agent_message),
    "send_starts_no_timer": ("send.timer", "send.timer", v.send_starts_no_timer),
    "send_timeout_overrides_dropped": (
        "send.timeout_overrides",
        "send.timer",
        lambda: v.send_body(
            lambda b: {
                k: x
                for k, x in b.items()
                if k not in ("time_out", "warning_time", "timeout_message", "warning_message")
            }
        ),
    ),
    "send_timeout_config_unchecked": (
        "send.timeout_config",
        "send.rejects_bad_input",
        lambda: v.send_body(_drop_bad_warning_pair),
    ),
    "send_request_data_ignored": (
        "send.request_data",
        "send.pathway_and_variables",
        lambda: v.send_body(lambda b: {k: x for k, x in b.items() if k != "request_data"}),
    ),
    "send_unknown_channel_as_sms": (
        "send.channel",
        "send.rejects_bad_input",
        lambda: v.send_body(
            lambda b: (
                {**b, "channel": "sms"} if "channel" in b and b["channel"] not in ("sms", "whatsapp", "imessage") else b
            )
        ),
    ),
    "send_idempotency_ignored": ("send.idempotency.replay", "send.idempotency", v.send_idempotency_ignored),
    "refused_send_still_stored": (
        "send.rejected_changes_nothing",
        "send.rejects_bad_input",
        v.refused_send_still_stored,
    ),
    # one conversation
    "conversation_wrapped_twice": (
        "conversation.response",
        "conversation.read",
        lambda: v.answered(is_read, lambda c, b: b.update(data={"conversation": b["data"]})),
    ),
    "conversation_without_timed_out_at": (
        "conversation.fields",
        "conversation.read",
        lambda: v.answered(is_read, lambda c, b: b["data"].pop("timed_out_at", None)),
    ),
    "messages_newest_first": (
        "conversation.messages",
        "conversation.read",
        lambda: v._changed_messages(lambda m: m[::-1]),
    ),
    "messages_from_to_swapped": (
        "conversation.messages.direction",
        "conversation.read",
        lambda: v._each_message(_swap_direction),
    ),
    "reads_other_accounts_conversation": (
        "conversation.not_found",
        "conversation.not_found",
        lambda: v.answers_for_other_accounts(is_read),
    ),
    # update
    "end_not_kept": ("update.end", "update.end", v.end_not_kept),
    "ended_pair_rejoined": ("update.end.pair", "update.end", v.ended_pair_rejoined),
    "update_answer_in_data": (
        "update.response",
        "update.end",
        lambda: v.answered(is_update, v._unwrapped_into_data),
    ),
    "updates_other_accounts_conversation": (
        "update.not_found",
        "update.end",
        lambda: v.answers_for_other_accounts(is_update),
    ),
    # delete
    "delete_keeps_conversation": ("delete.removes", "delete.removes", v.delete_keeps_conversation),
    "delete_answer_without_message": (
        "delete.response",
        "delete.removes",
        lambda: v.answered(is_delete, lambda c, b: b.update(data={"deleted": True})),
    ),
    "deleted_still_listed": ("delete.everywhere", "delete.removes", v.deleted_still_listed),
    "deleted_pair_rejoined": ("delete.pair", "delete.removes", v.deleted_pair_rejoined),
    # message delete
    "message_delete_keeps_messages": ("messages.delete", "messages.delete", v.message_delete_keeps_messages),
    "empty_message_ids_accepted": (
        "messages.delete.non_empty",
        "messages.delete",
        v.empty_message_ids_accepted,
    ),
    "deleted_count_off_by_one": (
        "messages.delete.response",
        "messages.delete",
        lambda: v.answered(
            is_delete_messages, lambda c, b: b["data"].update(deleted_count=b["data"]["deleted_count"] + 1)
        ),
    ),
    "message_delete_keeps_counts": ("messages.delete.counts", "messages.delete", v.message_delete_keeps_counts),
    "deletes_other_accounts_messages": (
        "messages.delete.not_found",
        "messages.delete",
        lambda: v.answers_for_other_accounts(is_delete_messages),
    ),
    # numbers
    "numbers_without_conversation_count": (
        "numbers.list",
        "numbers.list",
        lambda: v.answered(is_numbers, lambda c, b: [n.pop("conversation_count", None) for n in b["data"]]),
    ),
    "number_update_ignored": ("numbers.update", "numbers.update", v.number_update_ignored),
    "number_update_nulls_ignored": (
        "numbers.update.partial",
        "numbers.update",
        lambda: Mutant(on_request=rewrite_body(is_number_update, _drop_unset_numbers_of_update)),
    ),
    "number_update_bad_pair_accepted": (
        "numbers.update.timeout_config",
        "numbers.update",
        lambda: Mutant(on_request=rewrite_body(is_number_update, _drop_bad_warning_pair)),
    ),
}
"""Broken targets of the newer endpoints: name -> (rule(s), the check expected to catch it, factory)."""

_OLD_SEND_NAMES = ("phone_number", "from", "message")
_KEPT_SEND_FIELDS = (
    "persona_id",
    "persona_version",
    "persona_settings",
    "disposition_ids",
    "citation_schema_ids",
    "content_sid",
    "content_variables",
)
_LIST_ONLY_FIELDS = (
    "message_count",
    "last_message",
    "last_message_at",
    "pathway_tags",
    "effective_channel",
    "summary",
    "citation_variables",
    "disposition_tag",
    "disposition_logs",
)


def _message_id_renamed(call: Call, body: dict[str, Any]) -> None:
    body["data"]["workflow_id"] = body["data"].pop("message_id")


def _integer_ids(call: Call, body: dict[str, Any]) -> None:
    data = body["data"]
    if is_send(call) and str(data.get("message_id", "")).isdigit():
        data["message_id"] = int(data["message_id"])
    for message in data.get("messages") or [] if is_read(call) else []:
        if str(message.get("id", "")).isdigit():
            message["id"] = int(message["id"])


def _channel_always_sms(call: Call, body: dict[str, Any]) -> None:
    for item in body["data"] if is_list(call) else [body["data"]]:
        if isinstance(item, dict) and "effective_channel" in item:
            item["effective_channel"] = "sms"


def _bad_webhook_dropped(body: dict[str, Any]) -> dict[str, Any]:
    hook = body.get("webhook")
    if isinstance(hook, str) and not hook.startswith(("http://", "https://")):
        return {k: x for k, x in body.items() if k != "webhook"}
    return body


def _is_active_text_read(body: dict[str, Any]) -> dict[str, Any]:
    if body.get("is_active") in ("true", "false"):
        return {**body, "is_active": body["is_active"] == "true"}
    return body


NEW_ENDPOINT_BENIGN: dict[str, tuple[Rules, Callable[[], Mutant]]] = {
    # send
    "send_answers_workflow_id": ("send.response.message_id", lambda: v.answered(is_send, _message_id_renamed)),
    "send_old_names_refused": (
        "send.fields.old_names",
        lambda: v.refused_when(
            is_send, lambda b: any(n in b for n in _OLD_SEND_NAMES), "INVALID_FIELD", "unknown field"
        ),
    ),
    "send_agent_message_cap_160": (
        "send.agent_message.rules",
        lambda: v.refused_when(
            is_send,
            lambda b: isinstance(b.get("agent_message"), str) and len(b["agent_message"]) > 160,
            "INVALID_FIELD",
            "agent_message: at most 160 characters",
        ),
    ),
    "effective_channel_always_sms": (
        "send.channel.effective",
        lambda: v.answered(lambda c: is_list(c) or is_read(c), _channel_always_sms),
    ),
    "send_webhook_not_checked": ("send.webhook.url", lambda: v.send_body(_bad_webhook_dropped)),
    "send_kept_fields_not_checked": (
        "send.kept_fields",
        lambda: v.send_body(lambda b: {k: x for k, x in b.items() if k not in _KEPT_SEND_FIELDS}),
    ),
    "send_repeat_fresh_message_id": ("send.idempotency.same_answer", v.send_repeat_fresh_message_id),
    "idempotency_reuse_422": ("send.idempotency.other_body", lambda: v.status_for_code("IDEMPOTENCY_KEY_REUSED", 422)),
    "empty_idempotency_key_ignored": ("send.idempotency.scope", v.empty_idempotency_key_ignored),
    # one conversation
    "agent_status_null": (
        "conversation.messages.status",
        lambda: v._each_message(lambda m: m.update(status=None)),
    ),
    "messages_without_text": ("conversation.messages.text", lambda: v._each_message(lambda m: m.pop("text", None))),
    "integer_message_ids": (
        "conversation.message_id",
        lambda: v.answered(lambda c: is_send(c) or is_read(c), _integer_ids),
    ),
    # update
    "end_leaves_updated_at": ("update.updated_at", v.end_leaves_updated_at),
    "reactivation_refused": ("update.reactivate", v.reactivation_refused),
    "is_active_text_read": (
        "update.is_active.required",
        lambda: Mutant(on_request=rewrite_body(is_update, _is_active_text_read)),
    ),
    # delete, message delete
    "delete_again_410": ("delete.not_found", v.delete_again_410),
    "integer_message_ids_refused": (
        "messages.delete.ids",
        lambda: v.refused_when(
            is_delete_messages,
            lambda b: isinstance(b.get("message_ids"), list) and any(isinstance(i, int) for i in b["message_ids"]),
            "INVALID_FIELD",
            "message_ids: give the ids as strings",
        ),
    ),
    "messages_delete_bumps_updated_at": ("messages.delete.keeps", v.messages_delete_bumps_updated_at),
    # numbers
    "numbers_omit_unset": ("numbers.sms_config", v.numbers_omit_unset),
    "numbers_count_active_only": ("numbers.conversation_count", v.numbers_count_active_only),
    "numbers_other_channels_refused": ("numbers.channel", v.numbers_other_channels_refused),
    "number_update_foreign_403": ("numbers.update.not_found", lambda: v.status_for_code("NUMBER_NOT_FOUND", 403)),
    "number_update_channel_ignored": (
        "numbers.update.channel",
        lambda: Mutant(
            on_request=rewrite_body(is_number_update, lambda b: {k: x for k, x in b.items() if k != "channel"})
        ),
    ),
}
"""Benign targets of the newer endpoints: name -> ([mock] rule(s) chosen differently, factory)."""

BROKEN.update(NEW_ENDPOINT_BROKEN)
BENIGN.update(NEW_ENDPOINT_BENIGN)


# ------------------------------------------------------------------------------------------- webhooks


def _without_webhook(keep: Callable[[Any], bool]) -> Callable[[], Mutant]:
    """Number updates lose their `webhook` unless `keep` accepts its value."""
    change = lambda b: {k: x for k, x in b.items() if k != "webhook" or keep(x)}  # noqa: E731
    return lambda: Mutant(on_request=rewrite_body(is_number_update, change))


def _unknown_log_null(call: Call, status: int, body: Any) -> tuple[int, Any]:
    return (200, {"data": None, "errors": None}) if w.is_log(call) and status == 404 else (status, body)


def _log_without_codes(call: Call, body: dict[str, Any]) -> None:
    for attempt in (body.get("data") or {}).get("metadata") or []:
        attempt.pop("response_code", None)


def _sent_message(hook: w.Hook) -> bool:
    return hook.message_kind == "message" and hook.payload.get("sender") == "AGENT"


WEBHOOK_BROKEN: dict[str, tuple[Rules, str, Callable[[], Mutant]]] = {
    "send_webhook_ignored": (
        "send.webhook",
        "webhooks.messages",
        lambda: Mutant(on_request=rewrite_body(is_send, lambda b: {k: x for k, x in b.items() if k != "webhook"})),
    ),
    "send_metadata_dropped": (
        ("send.metadata", "webhooks.payload.metadata"),
        "webhooks.payload",
        lambda: Mutant(on_request=rewrite_body(is_send, lambda b: {k: x for k, x in b.items() if k != "metadata"})),
    ),
    "number_webhook_ignored": ("webhooks.target", "webhooks.messages", _without_webhook(lambda url: False)),
    "number_webhook_never_cleared": (
        "webhooks.target.none",
        "webhooks.messages",
        _without_webhook(lambda url: url is not None),
    ),
    "no_webhook_for_sent_message": (
        "webhooks.message",
        "webhooks.messages",
        lambda: w.relayed(w.drop_when(_sent_message)),
    ),
    "no_webhook_for_timer_messages": (
        "webhooks.message.timer",
        "webhooks.messages",
        lambda: w.relayed(w.drop_when(lambda hook: hook.message_kind in ("warning", "timeout"))),
    ),
    "no_timeout_webhook": ("webhooks.status.timeout", "webhooks.timeout", lambda: w.relayed(w.drop_when(w.is_status))),
    "timeout_status_timed_out": (
        "webhooks.status.timeout",
        "webhooks.timeout",
        lambda: w.relayed(w.rewrite_when(w.is_status, status="timed_out")),
    ),
    "timeout_webhook_at_warning": ("webhooks.status.timeout", "webhooks.timeout", lambda: w.relayed(w.early_timeout)),
    "messages_without_conversation_id": (
        "webhooks.payload.fields",
        "webhooks.payload",
        lambda: w.relayed(w.rewrite_when(w.is_message, conversation_id=w.DROP)),
    ),
    "messages_without_created_at": (
        "webhooks.payload.created_at",
        "webhooks.payload",
        lambda: w.relayed(w.rewrite_when(w.is_message, created_at=w.DROP)),
    ),
    "webhooks_without_type": (
        "webhooks.payload.type",
        "webhooks.payload",
        lambda: w.relayed(w.rewrite_when(lambda hook: True, type=w.DROP)),
    ),
    "status_metadata_null": (
        "webhooks.payload.metadata",
        "webhooks.payload",
        lambda: w.relayed(w.rewrite_when(w.is_status, metadata=None)),
    ),
    "channel_in_capitals": (
        "webhooks.payload.channel",
        "webhooks.payload",
        lambda: w.relayed(w.rewrite_when(lambda hook: True, channel="SMS")),
    ),
    "history_without_event": (
        "webhooks.payload.chat_history",
        "webhooks.payload",
        lambda: w.relayed(w.history_without_event),
    ),
    "status_without_transcript": (
        "webhooks.payload.status",
        "webhooks.payload",
        lambda: w.relayed(w.rewrite_when(w.is_status, message_count=w.DROP, concatenated_transcript=w.DROP)),
    ),
    "unsigned_webhooks": ("webhooks.signature", "webhooks.signature", lambda: w.relayed(w.unsigned)),
    "signed_with_another_key": ("webhooks.signature", "webhooks.signature", lambda: w.relayed(w.other_key)),
    "signed_before_reserialising": (
        "webhooks.signature",
        "webhooks.signature",
        lambda: w.relayed(w.reserialised_after_signing),
    ),
    "failures_not_retried": ("webhooks.success", "webhooks.retry", lambda: w.relayed(w.swallow_failures)),
    "log_attempts_without_response_code": (
        "webhooks.log",
        "webhooks.log",
        lambda: w.answered(_log_without_codes, w.is_log),
    ),
    "log_always_null": ("webhooks.log", "webhooks.log", lambda: w.answered(lambda c, b: b.update(data=None), w.is_log)),
    "log_of_unknown_is_null": ("webhooks.log.not_found", "webhooks.log", lambda: Mutant(on_response=_unknown_log_null)),
}
"""Broken webhooks: name -> (rule(s) broken, the check that must catch it, factory)."""

WEBHOOK_BENIGN: dict[str, tuple[Rules, Callable[[], Mutant]]] = {
    "messages_without_mock_fields": (
        "webhooks.payload.message",
        lambda: w.relayed(w.rewrite_when(w.is_message, message_id=w.DROP, message_kind=w.DROP)),
    ),
    "status_fields_filled": (
        "webhooks.payload.status.mock",
        lambda: w.relayed(
            w.rewrite_when(w.is_status, summary="", citations={}, dispositions=[], concatenated_transcript="(none)")
        ),
    ),
    "pretty_ascii_bodies": ("webhooks.body", lambda: w.relayed(w.pretty)),
    "plain_headers": ("webhooks.headers", lambda: w.relayed(w.plain_headers)),
    "status_before_timeout_message": ("webhooks.order", lambda: w.relayed(w.status_before_timeout_message)),
    "webhooks_twice": ("webhooks.duplicates", lambda: w.relayed(w.twice)),
    "retries_at_once": ("webhooks.retry", lambda: w.relayed(w.retry_at_once)),
    "log_shows_latest_message": ("webhooks.log.which", lambda: w.relayed(w.forward, log=w.latest_message_in_log)),
    "log_attempts_their_way": ("webhooks.log.attempts", lambda: w.relayed(w.forward, log=w.attempts_their_way)),
}
"""Benign webhooks: name -> ([mock] rule chosen differently, factory)."""

BROKEN.update(WEBHOOK_BROKEN)
BENIGN.update(WEBHOOK_BENIGN)
