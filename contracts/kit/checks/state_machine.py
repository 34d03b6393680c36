"""Random sequences of creates, sends, ends, deletes, message deletes, lists and clock moves, judged by the oracle.

A Hypothesis `RuleBasedStateMachine` drives the target; after every step the target must agree with
`kit.oracle` on which conversations exist and are active, their counts, last messages, variables
and pathway fields, one conversation's history, list order, pagination totals and filter results, and
(on a mock with a clock) timestamps and timeouts. A failing sequence is shrunk and reported as a
numbered list of requests. It ends, deletes and trims only conversations it created itself.
"""

from __future__ import annotations

import itertools
from typing import Any

from bland_sms_mock.contracts.client import Exchange
from bland_sms_mock.contracts.kit.checks.paging import order_level
from bland_sms_mock.contracts.kit.context import RUN_TAG, KitContext, Violation, first_of
from bland_sms_mock.contracts.kit.oracle import Conversation, Oracle, sort, total_pages
from bland_sms_mock.contracts.kit.registry import check
from bland_sms_mock.contracts.models.api import Level, SortField, format_timestamp, timestamp_ms
from hypothesis import HealthCheck, Phase, Verbosity, seed, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, get_state_machine_test, initialize, precondition, rule

COMPARED_FIELDS = (
    "user_number",
    "agent_number",
    "is_active",
    "message_count",
    "last_message",
    "variables",
    "curr_pathway_id",
    "current_node_id",
)
TIME_FIELDS = ("created_at", "updated_at", "last_message_at")
TIME_SORTS = {"created_at", "updated_at", "timed_out_at"}


class _Mismatch(AssertionError):
    """The target disagreed with the oracle; carries the level of the rule."""

    def __init__(self, message: str, level: Level) -> None:
        super().__init__(message)
        self.level = level


def _raise(message: str, level: Level) -> None:
    raise _Mismatch(message, level)


def _judged(ctx: KitContext, steps: list[str], action: Any) -> None:
    """Run a step's comparison; a mismatch below the run's level is kept as a note, not a failure."""
    try:
        action()
    except _Mismatch as mismatch:
        if ctx.binding(mismatch.level):
            raise
        listing = "\n".join(f"  {n}. {step}" for n, step in enumerate(steps, start=1))
        ctx.note(Violation(f"{mismatch}\nSequence:\n{listing}", mismatch.level))


def machine_for(ctx: KitContext, log: list[list[str]]) -> type[RuleBasedStateMachine]:
    """A state machine class bound to a kit context; each run appends its step log to `log`."""
    cases = itertools.count(1)
    timed = ctx.has_clock
    sort_fields = [f.value for f in SortField if timed or f.value not in TIME_SORTS]

    class ConversationMachine(RuleBasedStateMachine):
        """Creates, lists and clock moves against the target, mirrored in the oracle."""

        def __init__(self) -> None:
            super().__init__()
            self.case = f"{ctx.run_id}-{next(cases)}"
            self.users = [ctx.user_number() for _ in range(3)]
            self.oracle = Oracle({ctx.primary.api_key: {ctx.primary.agent_number: ctx.primary.sms_config}})
            self.now = 0
            self.steps: list[str] = []
            self.trimmed: set[str] = set()
            """Conversations whose messages were deleted (their `updated_at` stays by a [mock] choice)."""
            log.append(self.steps)

        def _say(self, exchange: Exchange) -> Exchange:
            self.steps.append(f"{exchange.request_line()}  ->  {exchange.response_line(160)}")
            if not any(kept is exchange for kept in ctx.evidence[-3:]):
                ctx.record(exchange)
            return exchange

        def _clock(self, seconds: float) -> None:
            self.now = ctx.move_clock(seconds)
            self.steps.append(f"advance the clock {seconds:g}s")

        @initialize()
        def start(self) -> None:
            if timed:
                self._clock(1)

        def scope(self) -> dict[str, Any]:
            return {"field": "variables", "operator": "contains", "value": {RUN_TAG: self.case}}

        @precondition(lambda self: ctx.budget_left)
        @rule(
            user=st.integers(0, 2),
            sender=st.sampled_from(["USER", "AGENT"]),
            new_conversation=st.booleans(),
            message=st.sampled_from(["hi", "Hello!", "ok", "Thursday works", "STOP"]),
            pathway=st.none() | st.sampled_from(["pw_a", "pw_B", "billing"]),
            node=st.none() | st.sampled_from(["start", "ask", "done"]),
            data=st.none() | st.dictionaries(st.sampled_from(["plan", "seats", "step"]), st.integers(0, 3), max_size=2),
        )
        def create(
            self,
            user: int,
            sender: str,
            new_conversation: bool,
            message: str,
            pathway: str | None,
            node: str | None,
            data: dict[str, int] | None,
        ) -> None:
            self._tick()
            body: dict[str, Any] = {
                "user_number": self.users[user],
                "agent_number": ctx.primary.agent_number,
                "message": message,
                "sender": sender,
                "request_data": {**(data or {}), RUN_TAG: self.case},
            }
            if new_conversation:
                body["new_conversation"] = True
            if pathway:
                body["curr_pathway_id"] = pathway
            if node:
                body["current_node_id"] = node
            expected = self.oracle.expected_target(ctx.primary.api_key, body)
            exchange = self._say(ctx.create(body, tag=False))
            if exchange.status != 200 or not isinstance(exchange.data, dict):
                raise _Mismatch(f"a valid create was refused: {exchange.response_line(200)}", Level.DOCUMENTED)
            got = exchange.data.get("conversation_id")
            self._judge_target(got, expected, "create")
            self.oracle.create(ctx.primary.api_key, body, self.now, got)

        @precondition(lambda self: ctx.budget_left)
        @rule(
            user=st.integers(0, 2),
            new_conversation=st.booleans(),
            message=st.sampled_from(["Your code is 1234", "Are you there?", "Thanks!"]),
            pathway=st.none() | st.sampled_from(["pw_a", "pw_send"]),
            node=st.none() | st.sampled_from(["start", "greet"]),
            data=st.none() | st.dictionaries(st.sampled_from(["plan", "step"]), st.integers(0, 3), max_size=1),
        )
        def send(
            self,
            user: int,
            new_conversation: bool,
            message: str,
            pathway: str | None,
            node: str | None,
            data: dict[str, int] | None,
        ) -> None:
            """POST /v1/sms/send: an AGENT message joining the pair's active conversation or opening one."""
            self._tick()
            body: dict[str, Any] = {
                "user_number": self.users[user],
                "agent_number": ctx.primary.agent_number,
                "agent_message": message,
                "request_data": {**(data or {}), RUN_TAG: self.case},
            }
            body.update({k: v for k, v in (("pathway_id", pathway), ("start_node_id", node)) if v is not None})
            if new_conversation:
                body["new_conversation"] = True
            expected = self.oracle.expected_target(ctx.primary.api_key, body)
            exchange = self._say(ctx.send(body, tag=False))
            if exchange.status != 200 or not isinstance(exchange.data, dict):
                raise _Mismatch(f"a valid send was refused: {exchange.response_line(200)}", Level.DOCUMENTED)
            got = exchange.data.get("conversation_id")
            self._judge_target(got, expected, "send")
            message_id = exchange.data.get("message_id")
            self.oracle.send(ctx.primary.api_key, body, self.now, got, None if message_id is None else str(message_id))

        def _tick(self) -> None:
            if timed:
                self._clock(1)
                self.oracle.settle(self.now)

        def _judge_target(self, got: Any, expected: str | None, what: str) -> None:
            known = {c.id for c in self.oracle.conversations}
            if expected is not None and got != expected:
                raise _Mismatch(f"the {what} went to {got}, but {expected} is the active conversation", Level.INFERRED)
            if expected is None and got in known:
                raise _Mismatch(f"the {what} went to the existing {got}; a new conversation was due", Level.INFERRED)

        def _pick(self, pick: int) -> Conversation:
            return self.oracle.conversations[pick % len(self.oracle.conversations)]

        @precondition(lambda self: bool(self.oracle.conversations))
        @rule(pick=st.integers(0, 50))
        def end(self, pick: int) -> None:
            """PATCH is_active false on one of this case's conversations."""
            self._tick()
            conversation = self._pick(pick)
            exchange = self._say(ctx.patch(conversation.id, {"is_active": False}))
            shown = exchange.json.get("conversation") if isinstance(exchange.json, dict) else None
            if exchange.status != 200 or not isinstance(shown, dict) or shown.get("is_active") is not False:
                raise _Mismatch(
                    f"ending {conversation.id} was answered {exchange.response_line(200)}", Level.DOCUMENTED
                )
            self.oracle.set_active(ctx.primary.api_key, conversation.id, False, self.now)

        @precondition(lambda self: bool(self.oracle.conversations))
        @rule(pick=st.integers(0, 50))
        def delete(self, pick: int) -> None:
            """DELETE one of this case's conversations."""
            self._tick()
            conversation = self._pick(pick)
            exchange = self._say(ctx.delete(conversation.id))
            if exchange.status != 200:
                raise _Mismatch(
                    f"deleting {conversation.id} was answered {exchange.response_line(200)}", Level.DOCUMENTED
                )
            self.oracle.delete(ctx.primary.api_key, conversation.id, self.now)

        @precondition(lambda self: any(c.messages for c in self.oracle.conversations))
        @rule(pick=st.integers(0, 50), chosen=st.integers(1, 255))
        def delete_messages(self, pick: int, chosen: int) -> None:
            """Read one conversation (judged against the oracle), then delete some of its messages by id."""
            self._tick()
            conversation = self._pick(pick)
            ids = self._read(conversation)
            if not ids:
                return
            wanted = [i for n, i in enumerate(ids) if chosen >> (n % 8) & 1] or ids[:1]
            exchange = self._say(ctx.delete_messages(conversation.id, {"message_ids": wanted}))
            count = exchange.data.get("deleted_count") if isinstance(exchange.data, dict) else None
            if exchange.status != 200 or count != len(wanted):
                raise _Mismatch(
                    f"deleting {len(wanted)} messages of {conversation.id} was answered {exchange.response_line(200)}",
                    Level.DOCUMENTED,
                )
            self.oracle.delete_messages(ctx.primary.api_key, conversation.id, wanted, self.now)
            self.trimmed.add(conversation.id)

        def _read(self, conversation: Conversation) -> list[str]:
            """GET one conversation: its fields and history must be the oracle's; return its message ids."""
            exchange = self._say(ctx.read(conversation.id))
            data = exchange.data
            if exchange.status != 200 or not isinstance(data, dict) or not isinstance(data.get("messages"), list):
                raise _Mismatch(
                    f"reading {conversation.id} was answered {exchange.response_line(200)}", Level.DOCUMENTED
                )
            expected = conversation.record()
            _judged(ctx, self.steps, lambda: self._compare_item(data, expected))
            keys = ("sender", "message", "from", "to") + (("created_at",) if timed else ())
            got = [{k: m.get(k) for k in keys} if isinstance(m, dict) else m for m in data["messages"]]
            want = [{k: m[k] for k in keys} for m in expected["messages"]]
            if got != want:
                raise _Mismatch(f"{conversation.id}: the messages are {got}, expected {want}", Level.DOCUMENTED)
            ids = [str(m.get("id")) for m in data["messages"]]
            for message, message_id in zip(conversation.messages, ids, strict=True):
                message.id = message_id
            return ids

        @precondition(lambda self: timed)
        @rule(seconds=st.sampled_from([30, 300, 599, 600, 601, 900, 3600]))
        def advance(self, seconds: int) -> None:
            self._clock(seconds)
            self.oracle.settle(self.now)

        @precondition(lambda self: timed and bool(self.oracle.conversations))
        @rule(pick=st.integers(0, 50))
        def inspect(self, pick: int) -> None:
            """The control API's view of one conversation: timed_out_at and the whole timeline of messages."""
            self.oracle.settle(self.now)
            expected = self.oracle.conversations[pick % len(self.oracle.conversations)]
            detail = self._say(ctx.primary.client.conversation(expected.id))
            messages = self._say(ctx.primary.client.messages(expected.id))
            if detail.status != 200 or messages.status != 200:
                raise _Mismatch(f"the control API cannot show {expected.id}: {detail.response_line(120)}", Level.MOCK)
            timed_out_at = format_timestamp(expected.timed_out_at) if expected.timed_out_at is not None else None
            if detail.data.get("timed_out_at") != timed_out_at:
                raise _Mismatch(
                    f"{expected.id}: timed_out_at is {detail.data.get('timed_out_at')!r}, expected "
                    f"{timed_out_at!r} (the instant the timeout fell due)",
                    Level.INFERRED,
                )
            got = [(m.get("sender"), m.get("kind"), m.get("message"), m.get("created_at")) for m in messages.data]
            want = [(m.sender, m.kind, m.text, format_timestamp(m.at)) for m in expected.messages]
            if got != want:
                raise _Mismatch(f"{expected.id}: the timeline of messages is {got}, expected {want}", Level.INFERRED)

        @rule(
            sort_by=st.sampled_from(sort_fields),
            sort_dir=st.sampled_from(["asc", "desc"]),
            page_size=st.integers(1, 4),
            page=st.integers(1, 3),
            filter_spec=st.none()
            | st.tuples(
                st.sampled_from(
                    ["is_active", "message_count", "curr_pathway_id", "current_node_id", "variables", "user_number"]
                ),
                st.integers(0, 2),
            ),
        )
        def list_page(
            self, sort_by: str, sort_dir: str, page_size: int, page: int, filter_spec: tuple[str, int] | None
        ) -> None:
            if timed:
                self.oracle.settle(self.now)
            filters = [self.scope()]
            if filter_spec is not None:
                filters.append(self._filter(*filter_spec))
            params = {"sortBy": sort_by, "sortDir": sort_dir, "pageSize": page_size, "page": page}
            exchange = self._say(ctx.list({**params, "filters": filters}, scoped=False))
            ids, total = self.oracle.query(ctx.primary.api_key, params, filters)
            if exchange.status != 200 or not isinstance(exchange.data, list):
                past_end = page > max(1, total_pages(total, page_size)) and 400 <= exchange.status < 500
                # A page past the end answers 200 `data: []` by a [mock] choice; refusing it is another choice.
                level = Level.MOCK if past_end else Level.DOCUMENTED
                what = "a page past the end was refused" if past_end else "a valid list was refused"
                _judged(ctx, self.steps, lambda: _raise(f"{what}: {exchange.response_line(200)}", level))
                return
            pagination = exchange.pagination or {}
            expected_totals = {"totalItems": total, "totalPages": total_pages(total, page_size), "currentPage": page}
            got_totals = {k: pagination.get(k) for k in expected_totals}
            if got_totals != expected_totals:
                raise _Mismatch(f"pagination {got_totals}, expected {expected_totals}", Level.INFERRED)
            got = [item.get("id") for item in exchange.data]
            if got != ids:
                _judged(ctx, self.steps, lambda: self._order_problem(got, ids, params, filters))
            by_id = {c.id: c for c in self.oracle.conversations}
            for item in exchange.data:
                if item.get("id") not in by_id:
                    raise _Mismatch(f"the list shows {item.get('id')}, which no create made", Level.INFERRED)
                _judged(ctx, self.steps, lambda item=item: self._compare_item(item, by_id[item["id"]].item()))

        def _filter(self, field: str, choice: int) -> dict[str, Any]:
            if field == "is_active":
                return {"field": field, "operator": "eq", "value": choice != 0}
            if field == "message_count":
                return {"field": field, "operator": ["gt", "lte", "eq"][choice], "value": 1 + choice}
            if field == "variables":
                return {"field": field, "operator": "contains", "value": {"plan": choice}}
            if field == "user_number":
                return {"field": field, "operator": "eq", "value": self.users[choice]}
            value = ["pw_", "start", "B"][choice] if field == "curr_pathway_id" else ["start", "ask", "d"][choice]
            return {"field": field, "operator": ["startsWith", "eq", "contains"][choice], "value": value}

        def _order_problem(self, got: list[str], ids: list[str], params: dict[str, Any], filters: list) -> None:
            everything, _ = self.oracle.query(ctx.primary.api_key, {**params, "pageSize": 1000, "page": 1}, filters)
            by_id = {c.id: c for c in self.oracle.conversations}
            if set(got) - set(everything):
                raise _Mismatch(
                    f"the page holds conversations the filters exclude: {sorted(set(got) - set(everything))}",
                    Level.INFERRED,
                )
            keys = [by_id[i].value(params["sortBy"]) for i in got]
            every_key = [by_id[i].value(params["sortBy"]) for i in everything]
            start = (params["page"] - 1) * params["pageSize"]
            level = order_level(keys, every_key, params["sortBy"], params["sortDir"], start)
            if level is not None:
                raise _Mismatch(
                    f"page order by {params['sortBy']} {params['sortDir']} is {got}, expected {ids}"
                    + (" (nulls or is_active placed differently)" if level is Level.MOCK else ""),
                    level,
                )
            ordered = sort([by_id[i] for i in everything], params["sortBy"], params["sortDir"])
            raise _Mismatch(
                f"ties ordered differently from the id tie-break: {got} vs {[c.id for c in ordered]}", Level.MOCK
            )

        def _compare_item(self, item: dict[str, Any], expected: dict[str, Any]) -> None:
            fields = COMPARED_FIELDS + (TIME_FIELDS if timed else ())
            for name in fields:
                want, got = expected[name], item.get(name)
                if name in TIME_FIELDS and got is not None and want is not None:
                    got = format_timestamp(timestamp_ms(got))
                if want != got:
                    stays = name == "updated_at" and (not expected["is_active"] or item["id"] in self.trimmed)
                    level = Level.MOCK if stays else Level.INFERRED
                    raise _Mismatch(f"conversation {item['id']}: {name} is {got!r}, expected {want!r}", level)

    return ConversationMachine


@check("behaviour.stateful", Level.INFERRED, "stateful")
def behaviour_stateful(ctx: KitContext) -> None:
    """Random creates, sends, ends, deletes, message deletes, lists and clock moves agree with the oracle.

    Rules: send.append, update.end, update.end.timer, delete.everywhere, messages.delete.counts and the
    create, list and timeout rules the steps touch.
    """
    ctx.writing()
    log: list[list[str]] = []
    machine = machine_for(ctx, log)
    config = settings(
        max_examples=ctx.max_examples,
        stateful_step_count=10 if ctx.is_mock else 6,
        deadline=None,
        database=None,
        derandomize=ctx.seed is None,
        verbosity=Verbosity.quiet,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.generate, Phase.shrink],
        report_multiple_bugs=False,
    )
    test = get_state_machine_test(machine, settings=config)
    if ctx.seed is not None:
        test = seed(ctx.seed)(test)
    try:
        test()
        ctx.raise_notes()
    except (_Mismatch, BaseExceptionGroup) as error:
        mismatch = first_of(error, _Mismatch)
        if not isinstance(mismatch, _Mismatch):
            raise
        steps = "\n".join(f"  {n}. {step}" for n, step in enumerate(log[-1] if log else [], start=1))
        raise Violation(f"{mismatch}\nShrunk sequence ({len(log)} sequences tried):\n{steps}", mismatch.level) from None
