"""What only the tests know about the contract's rules: which grant a freedom, which the kit does not judge.

The rules themselves (id, level, statement) are docs/contract.md's, read with
`bland_sms_mock.contracts.rules.load_rules()`; nothing here restates one. Every entry of the catalogue
(`catalog.py`) names the rule or rules of that document it stands for, and `test_kill_rate.py` fails
listing every rule that has neither an entry nor an exemption: [documented] and [inferred] obligations
need a broken target the default level fails; [mock] choices, and the freedoms below, need a benign
target the default level passes.
"""

from __future__ import annotations

API_SECTIONS = ("common", "auth", "envelope", "status", "errors", "create", "phone", "list", "timeouts")
"""The sections of the two endpoints: each of their rules has a target or an exemption of its own."""

FREEDOMS = {"list.item.extra_fields"}
"""[documented]/[inferred] rules that grant a target a freedom: they need a benign target (the kit must allow
it), not a broken one."""

NOT_YET = "not yet covered: "
"""How the reason of an exemption starts when a target could exist but none is written."""

EXEMPT_PREFIXES: dict[str, str] = {
    "control.": "the mock's own control API: the kit uses it only on a mock, to set up and move the clock, and "
    "never judges a target by it",
    "journal.": "the mock's request journal, part of its control API: no target of the two endpoints has one",
    "faults.": "the mock's fault rules, part of its control API: the kit sets none and no target has them",
    "serve.": "how the mock's server starts, stops and keeps its state: nothing a client of the API sees",
    "kit.": "rules of the kit itself, held by its own tests (tests/kit, tests/contracts), not behaviours of a target",
    "accounts.": "the mock's accounts come from its config file and control API; the kit adds its own there and "
    "judges no target by how",
}
"""Whole sections of docs/contract.md that are no behaviour of the API; one reason each."""

_UNSENT = (
    "no check of the kit sends such a request (and schema.list and schema.create do not judge whether "
    "schema-valid input is accepted): "
)

_UNJUDGED_EVENTS = (
    "the kit's webhook scenario ends its conversations only by timeout; which other events send a status webhook "
    "(a PATCH, an archive, a delete) is the mock's choice and never shows"
)

EXEMPT: dict[str, str] = {
    "conversation.same_as_list": NOT_YET + "conversation.read does not compare message_count with the list item "
    "(a target one off there passed)",
    "numbers.list.own": NOT_YET + "numbers.list did not catch a target that lists every account's numbers",
    "conversation.messages.timer": NOT_YET + "conversation.read reads no conversation whose timer fired (a target "
    "hiding the timeout message passed)",
    "conversation.fields.more": "the kit is stricter than the rule's level: behaviour.stateful compares "
    "message_count of one conversation at [inferred], so a target leaving the list fields out fails",
    "send.pathway": "the kit is stricter than the rule's level: behaviour.stateful compares the pathway fields a "
    "send set at [inferred], so a target not applying them fails",
    # common
    "common.timestamps.millis": "the kit reads every instant to the millisecond (the oracle and the state machine "
    "keep epoch ms), so a target keeping finer time cannot show a difference; the form of the timestamps it "
    "returns is common.timestamps",
    "common.sends_nothing": "about what the mock does outside the API (it sends no SMS): nothing a client of the "
    "two endpoints can observe",
    # auth
    "auth.one_account": "not judged apart: the kit sees a key only through what it reads and writes, so a key that "
    "reached a second account shows as another account's conversations in its list (auth.isolation, "
    "lists_every_account) or another account's number accepted (create.field.agent_number.owned, "
    "accepts_foreign_agent_number)",
    "auth.after_routing": _UNSENT + "the kit calls only the two operations, each with its own method",
    # envelope
    "envelope.error_keys": "no benign target can pass: schema.list and schema.create check error answers against "
    "the OpenAPI ErrorObject, which requires `error` and `message`, at [documented] level, so error objects with "
    "other keys fail both (reported as a check stricter than the rule, which says the kit does not hold targets "
    "to the key names)",
    # status
    "status.not_found": _UNSENT + "the kit calls only the two operations' paths",
    "status.too_large": _UNSENT + "the kit's bodies stay far below 1 MiB",
    "status.media_type.variants": _UNSENT + "every body the kit sends is `content-type: application/json` exactly",
    "status.media_type.absent": _UNSENT + "every body the kit sends has `content-type: application/json`",
    "status.faults_only": "about the mock's fault rules (faults.*); any 5xx from a target is status.no_5xx",
    "status.internal": "about a bug in the mock itself; a 5xx from any target is status.no_5xx [inferred]",
    "status.uri_too_long": "a property of the mock's HTTP servers (granian, waitress); the kit's request lines stay "
    "far below 64 KiB",
    "status.http_layer": "a property of the mock's HTTP server (granian) for requests no conforming client sends; "
    "the kit sends none",
    "status.too_large.arrives": "a property of the mock's HTTP server (granian) for bodies over 1 MiB, which the "
    "kit never sends",
    # errors
    "errors.order.fields_first": "the kit sends requests with one problem each (create.rejects_bad_input, "
    "create.agent_number_ownership, create.invalid_timeout_config), so which of several problems comes first "
    "never shows",
    "errors.order.ownership": "the kit never sends a foreign agent_number together with another problem, so where "
    "the ownership check stands in the order never shows",
    "errors.order.timeout_config": "the kit never sends a bad timeout configuration together with another problem, "
    "so where that check stands in the order never shows",
    "errors.order.limits": "the kit reaches no cap while sending a request with another problem, so where the caps "
    "stand in the order never shows",
    # create
    "create.timeout_config.code": "the kit judges the refusal's code at [mock] level only (create.invalid_timeout_"
    "config reads it with coded()), so no target the default level fails can stand for this [documented] rule; "
    "the refusal itself is create.timeout_config.refused",
    "create.timeout_config.sources": "every request in which the kit tests the check sends time_out and "
    "warning_time together, so where missing settings would come from never shows",
    "create.archive.cancels_timer": NOT_YET + "a wrapper over the mock cannot make it fire an archived "
    "conversation's timer",
    "create.ended_stays_ended": "no benign target can exist: reviving an ended conversation instead of starting a "
    "new one breaks create.open [inferred], which behaviour.stateful judges (ended_pair_needs_new_conversation "
    "stands for create.open)",
    "create.new_starts_clean": NOT_YET + "inherited variables or pathway fields break list.item.variables and "
    "create.pathway.replace [inferred/documented] as behaviour.stateful judges them, and no check overrides a "
    "timeout setting before a new_conversation, so an inherited override would not show",
    # create: fields
    "create.field.agent_number": NOT_YET + "create.rejects_bad_input sends no body without agent_number, and the "
    "bodies schema.create draws (derandomized, even at 50 examples) always carry one, so a target that fills in "
    "the account's own number passes the kit",
    "create.field.message_sid": "message_sid shows in no answer of the two endpoints (only in the control API's "
    "messages, which the kit does not compare), and the kit does not judge whether schema-valid input is "
    "accepted (kit.not_judged)",
    "create.field.timeout_message": NOT_YET + "the kit sends a timeout_message override only on a target without "
    "a clock, and then the same text as its own number's sms_config on a mock, so a target that drops it cannot "
    "show on a mock",
    "create.field.message.whitespace": "which characters count as whitespace shows only in a message of whitespace "
    "alone, and how a target treats one is create.field.message.blank, a [mock] choice (blank_message_accepted)",
    # phone
    "phone.strict": "an option of the mock's config file (strict_numbers), not a behaviour of the API",
    "phone.accounts": "about numbers in the mock's config file and control API, which the kit does not judge",
    # list: query
    "list.query.repeated": _UNSENT + "the kit never repeats a query parameter",
    # list: filters
    "list.filter.empty": _UNSENT + "the kit's lists carry its own scope filter, or no `filters` parameter at all",
    "list.filter.no_offset": _UNSENT + "the kit writes every timestamp filter value with an offset",
    "list.filter.wrong_type": _UNSENT + "the kit's filter values have the type of their field (a value such as "
    '`"true"` for is_active is list.filter.lenient, strict_filter_values)',
    "list.filter.order.code_point": 'no benign target can pass: list.filters holds `curr_pathway_id gt "pw_a"` '
    "over pw_Alpha at [inferred] level, so a target ordering text without regard to case (as many database "
    "collations do) fails it although this rule is [mock] (reported as a check stricter than the rule)",
    "list.filter.order.boolean": _UNSENT + "the kit puts no order operator on is_active",
    "list.filter.variables.contains": "every variables contains filter the kit sends is a flat object of strings "
    "and numbers, for which any reading of `contains` as a subset agrees (its own run tag depends on it)",
    "list.filter.json_equality": _UNSENT + "the kit's filter values never mix 1 and 1.0, true and 1, or nested values",
    "list.filter.null.other": _UNSENT + "the kit sends null only with eq",
    "list.filter.null_field": NOT_YET + "needs a target that re-filters null fields (as empty text, or as the "
    "smallest value) over the mock's full listing",
    # list: sorting
    "list.sort.text": "no benign target can pass reliably: list.sorting judges text keys (pw_Alpha, pw_alpha) "
    "against a code-point order at [inferred] level, so a case-insensitive collation fails whenever its ties "
    "fall the other way (reported as a check stricter than the rule)",
    "list.sort.created_at": "differs only after the mock's clock was set backwards, which the kit never does",
    # list: items
    "list.item.pathway_tags": NOT_YET + "list.item_fields checks that the field is there, not its shape, and "
    "schema.list (which would) sees no items in the kit's fresh account when run alone",
    "list.item.channel": NOT_YET + "list.item_fields checks that the field is there, not its value, and "
    "schema.list's schema does not restrict the value",
    "list.item.variables.empty": "every conversation the kit creates carries request_data (its run tag), so its "
    "variables are never empty",
    # timeouts
    "timeouts.override.replaced": NOT_YET + "no check sends a second override of the same setting",
    "timeouts.sms_config.mock": "how the mock's numbers get their sms_config (config file, control API), not a "
    "behaviour of the API",
    "timeouts.warning.no_message": "the kit's number and overrides always give a warning_message with a warning_time",
    "timeouts.end.no_message": "the kit's number and overrides always give a timeout_message with a time_out",
    "timeouts.timed_out_at.detail": "about the mock's control API (its conversation detail)",
    "timeouts.stamped_at_due": "seen only when a clock jumps, which only this mock's control API can make it do",
    "timeouts.fire_on_read": "only a target with this mock's clock control can show when a timer fires",
    "timeouts.due_at_request": "only a target with this mock's clock control can put a request at the very "
    "instant a timer falls due",
    "timeouts.clock": "the mock's own clock and its control API; a target without them keeps real time",
    # limits (not exempt as a section: limits.messages and limits.exceeded have benign targets)
    # the newer endpoints (send, one conversation, update, delete, message delete, numbers)
    "send.agent_message.mock": "about the mock itself (it has no AI and stores a fixed text); the kit holds no "
    "target to that text, so there is no other choice for a target to make",
    "send.one_active": NOT_YET + "a wrapper over the mock cannot leave two active conversations for one pair; a "
    "target that does needs its own store (as creates_race does for creates, with a send racing a create)",
    "conversation.timers_first": "only a target with this mock's clock control can show when a timer fires "
    "relative to a read (as timeouts.fire_on_read)",
    "update.end.timer": NOT_YET + "a wrapper over the mock cannot make it fire an ended conversation's timer",
    "delete.timers": NOT_YET + "a wrapper over the mock cannot make it fire a deleted conversation's timer",
    "numbers.update.later": NOT_YET + "a wrapper over the mock cannot make a timer already running take up a "
    "number's new settings",
    "numbers.update.reset": "about the mock's reset (its control API), not a behaviour of the API",
    "numbers.update.kit": "a rule of the kit itself (its --allow-number-updates option), held by its own tests",
    # webhooks (the kit judges them with its own receiver: contracts/kit/checks/webhooks.py)
    "webhooks.target.instant": "the kit's scenario sets its number's webhook around one create whose conversation "
    "has no later event, so reading the URL at each event or once at the start sends the same webhooks",
    "webhooks.status.ended": _UNJUDGED_EVENTS,
    "webhooks.status.archived": _UNJUDGED_EVENTS,
    "webhooks.status.active": _UNJUDGED_EVENTS,
    "webhooks.status.deleted": _UNJUDGED_EVENTS,
    "webhooks.status.not_modelled": "the kit causes no opt-out, read receipt or link click, which no API call can",
    "webhooks.secret": "how the mock makes and shows an account's secret (its control API): the kit reads the "
    "secret there to verify signatures and judges no target by how it was made",
    "webhooks.retry.clock": "the kit is stricter than the rule's level: webhooks.retry waits for the retry while "
    "it moves the mock's clock 15 minutes (a few real seconds), so a target retrying on a real clock fails it",
    "webhooks.async": "a wrapper over the mock cannot post a webhook on the request that caused it, and the kit's "
    "receiver answers at once, so a target that did would show no difference",
    "webhooks.isolation": "the kit runs one receiver that always answers, so attempts never pile up on one",
    "webhooks.response": "the kit's receiver answers two bytes; how much of an answer a target reads never shows",
    "webhooks.timers": "the kit moves a frozen clock, which fires due timers itself; the background firing "
    "matters only while the clock runs",
    "webhooks.cap": "the kit sends a handful of webhooks, far below any cap",
    "webhooks.policy": "about the hosts the mock may post to; the kit's receiver is on loopback, which every "
    "policy allows (a mock elsewhere is skipped)",
    "webhooks.log.kept": "the kit reads the log of one conversation right after its webhook, never thousands later",
    "webhooks.control.list": "the mock's control API: the kit reads GET /_mock/webhooks only to tell an unreachable "
    "receiver (then it skips) and judges no target by it",
    "webhooks.control.clear": "the mock's control API, which the kit never calls (it clears no one's webhooks)",
    "webhooks.faults": "the mock's webhook fault rules, part of its control API: the kit sets none",
    "webhooks.snapshot": "about the mock's snapshots and seeds (its control API), which the kit does not take",
    "webhooks.threads": "how the mock starts and stops its webhook threads: nothing a receiver sees",
    "limits.conversations": "a cap on conversations low enough for the kit to reach refuses its own data sets "
    "(ctx.ok fails a refused valid create at [documented] level): the kit needs room for its runs on any target, "
    "and --max-creates bounds them on a live one",
}
"""Rules of the API's sections without a target, each with the reason; the catalogue test keeps this list exact."""
