"""The contract's rules (CONTRACT.md and docs/decisions.md), one entry each: id -> (level, what it says).

The catalogue names one of these ids for every target; `test_catalogue.py` fails when a rule has no
target. [documented] and [inferred] obligations need a broken target the default level fails; [mock]
choices (and the freedoms the contract grants) need a benign target the default level passes.
"""

from __future__ import annotations

from bland_sms_mock.contracts.models.api import Level

DOC, INF, MOCK = Level.DOCUMENTED, Level.INFERRED, Level.MOCK

RULES: dict[str, tuple[Level, str]] = {
    # Common
    "common.iso_timestamps": (DOC, "timestamps are ISO 8601 text"),
    "common.json_body": (INF, "a body that is not JSON is refused"),
    "auth.key_required": (DOC, "every request needs the authorization header"),
    "auth.no_data_without_key": (INF, "a missing or unknown key never gets data"),
    "auth.failure_status": (MOCK, "a missing or unknown key is 401 AUTH_FAILURE"),
    "auth.bearer": (MOCK, "'Bearer <key>' is accepted too"),
    "auth.isolation": (INF, "an account sees only its own conversations"),
    "envelope.success": (DOC, "success is {data, errors: null}"),
    "envelope.failure": (DOC, "failure is {data: null, errors: non-empty list}"),
    "status.codes": (MOCK, "400 for invalid input"),
    "status.routing": (MOCK, "404 unknown route, 405 wrong method"),
    "status.body_limits": (MOCK, "413 over 1 MiB, 415 for a content-type other than JSON"),
    "status.no_5xx": (INF, "never a 5xx for any input"),
    "errors.codes": (MOCK, "the error codes (INVALID_FIELD, INVALID_QUERY, ...)"),
    "errors.one_per_problem": (MOCK, "one error object per problem, each naming the field"),
    "validation.order": (MOCK, "auth, then body fields, then ownership, then timeout config"),
    "unknown.fields_ignored": (MOCK, "unknown body fields and query parameters are ignored"),
    # Create
    "create.e164": (DOC, "user_number and agent_number are E.164"),
    "create.possible_number": (MOCK, "a number must also be possible for its region"),
    "create.agent_number_owned": (DOC, "agent_number belongs to the account"),
    "create.agent_number_not_found": (MOCK, "a foreign agent_number is 400 AGENT_NUMBER_NOT_FOUND"),
    "create.message_stored": (DOC, "the message is stored in history"),
    "create.blank_message": (MOCK, "a blank message is 400 INVALID_FIELD"),
    "create.message_cap": (MOCK, "a message is at most 1600 code points"),
    "create.pathway_fields_given": (DOC, "pathway fields given become the conversation's"),
    "create.pathway_fields_kept": (INF, "pathway fields not given keep their value"),
    "create.request_data_merge": (INF, "request_data shallow-merges into variables"),
    "create.new_conversation": (DOC, "new_conversation archives the active one and starts another"),
    "create.sender_default": (DOC, "sender defaults to USER"),
    "create.sender_values": (INF, "a sender other than USER/AGENT is 400"),
    "create.timeout_overrides": (DOC, "time_out/timeout_message/warning_* override per conversation and persist"),
    "create.warning_below_timeout": (DOC, "warning_time must be below the effective time_out"),
    "create.warning_without_timeout": (MOCK, "warning_time with no effective time_out is INVALID_TIMEOUT_CONFIG"),
    "create.timeout_alone_checked": (MOCK, "time_out alone is checked against the effective warning_time"),
    "create.json_types": (INF, "wrong JSON types are 400"),
    "create.no_coercion": (MOCK, "no coercion of 'true' or '30'"),
    "create.int32_cap": (MOCK, "time_out and warning_time at most 2,147,483,647"),
    "create.nesting_cap": (MOCK, "request_data nests at most 64 levels"),
    "create.null_is_absent": (MOCK, "null on an optional field is the same as leaving it out"),
    "create.append_active": (INF, "without new_conversation a create appends to the active conversation"),
    "create.single_active": (INF, "at most one active conversation per pair, under any concurrency"),
    "create.append_fields": (INF, "appending moves message_count, last_message, last_message_at, updated_at"),
    "create.refusal_stores_nothing": (INF, "a refused create changes nothing"),
    "create.response": (DOC, "200 {message, conversation_id, workflow_id}"),
    "create.workflow_id": (MOCK, "workflow_id is new on every call"),
    "create.ids": (MOCK, "ids look like convo_<32 hex>"),
    "create.archive_updated_at": (MOCK, "archiving sets the archived conversation's updated_at"),
    "limits.caps": (MOCK, "caps on conversations per account and messages per conversation, 409 past them"),
    # List
    "list.own_conversations": (INF, "lists the account's conversations, active and archived"),
    "list.filters_anded": (INF, "all filters are ANDed"),
    "list.filter_fields_ops": (DOC, "the documented filter fields and operators work"),
    "list.filter_eq_typed": (INF, "eq types the value by its field (timestamps as instants)"),
    "list.filter_order_ops": (INF, "gt/gte/lt/lte compare instants, numbers, text"),
    "list.message_count_numeric": (INF, "message_count compares and sorts as a number"),
    "list.filter_case": (MOCK, "contains/startsWith/endsWith are case-sensitive"),
    "list.filter_variables": (MOCK, "variables eq is the whole object, contains a subset"),
    "list.filter_null": (MOCK, "a null field matches only eq null"),
    "list.bad_filters": (MOCK, "malformed filters are 400 INVALID_FILTERS"),
    "list.operator_pairs": (MOCK, "which operators apply to which field"),
    "list.filter_value_forms": (MOCK, "filter values are lenient in form ('true', '3')"),
    "list.sort_keys": (DOC, "sortBy sorts by the named key"),
    "list.sort_direction": (DOC, "sortDir asc/desc"),
    "list.sort_by_invalid": (INF, "an unknown sortBy is 400"),
    "list.sort_dir_invalid": (INF, "an unknown sortDir is 400"),
    "list.tie_break": (MOCK, "ties broken by id in the same direction"),
    "list.null_placement": (MOCK, "nulls last in asc, first in desc"),
    "list.is_active_order": (MOCK, "is_active false < true"),
    "list.defaults": (DOC, "page 1, pageSize 25, created_at desc by default"),
    "list.pagination_block": (DOC, "extra.pagination holds totalItems, totalPages, currentPage, pageSize"),
    "list.total_items": (INF, "totalItems counts the matches"),
    "list.total_pages": (INF, "totalPages = ceil(totalItems / pageSize)"),
    "list.current_page": (INF, "currentPage = page"),
    "list.page_size_echo": (MOCK, "pagination.pageSize is the requested size"),
    "list.page_past_end": (MOCK, "a page past the end is 200 data []"),
    "list.walk_exactly_once": (INF, "walking the pages yields every match exactly once, in order"),
    "list.page_bounds": (MOCK, "page >= 1, else 400"),
    "list.page_size_bounds": (MOCK, "pageSize 1..1000, else 400"),
    "list.query_integers": (MOCK, "page and pageSize are decimal digits only"),
    "list.item_fields": (DOC, "items carry the documented fields"),
    "list.item_types": (INF, "is_active is a boolean, message_count an integer"),
    "list.extra_fields": (INF, "a target may add item fields (a freedom)"),
    "list.hidden_fields": (MOCK, "curr_pathway_version and timed_out_at are not item fields"),
    "list.item_defaults": (MOCK, "variables {} before request_data, pathway_tags [], effective_channel 'sms'"),
    # Timeouts
    "timeouts.agent_starts_timer": (DOC, "an AGENT message starts the silence timer"),
    "timeouts.user_cancels": (DOC, "a USER message cancels the timer"),
    "timeouts.warning": (INF, "at warning_time the warning is appended and the conversation stays active"),
    "timeouts.warning_counts": (INF, "the warning counts in message_count and becomes last_message"),
    "timeouts.timeout_ends": (INF, "at time_out the timeout message is appended and the conversation ends"),
    "timeouts.timed_out_at_due": (INF, "timed_out_at is the instant the timeout fell due"),
    "timeouts.no_reactivation": (MOCK, "a timed-out or archived conversation is never reactivated"),
    "timeouts.simulated_clock": (MOCK, "timers fire by the mock's simulated clock, due ones before a request"),
    "timeouts.stamped_at_due": (MOCK, "timer messages are stamped with their due instant"),
    # The mock's own
    "control.api": (MOCK, "the control API under /_mock"),
    "phone.strict_numbers": (MOCK, "serve --strict-numbers demands valid numbers"),
}

FREEDOMS = {"list.extra_fields"}
"""Rules that grant a target a freedom: they need a benign target (the kit must allow it), not a broken one."""

EXEMPT: dict[str, str] = {
    "control.api": "the mock's own API: the kit uses it only on a mock, never judges a target by it",
    "phone.strict_numbers": "an option of this mock's server, not a behaviour of the API",
    "timeouts.simulated_clock": "only a target with this mock's clock control can show when a timer fires",
    "timeouts.stamped_at_due": "seen only when a clock jumps, which only this mock's control API can make it do",
    "timeouts.no_reactivation": (
        "not yet covered: a wrapper over the mock cannot fake a reused conversation without breaking the "
        "state the state machine compares"
    ),
}
"""Rules without a target, each with the reason; the catalogue test keeps this list exact."""
