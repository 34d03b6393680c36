"""The mock's operations on its state, each atomic under one re-entrant lock.

Every operation first fires the timers that fell due up to the clock's "now", in due order, so a
reader never sees a conversation whose timeout should already have happened. The state itself
(`state.State`) is rebuilt by construction on reset and restore; answers are shaped by `views`.
Every message stored and every change of a conversation's status is handed to `webhooks` as an event
(queued under the lock, posted by its own threads after the lock is released).
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from bland_sms_mock.contracts.models.api import (
    MOCK_AI_MESSAGE,
    TIMEOUT_SETTINGS,
    CreateRequest,
    ErrorCode,
    Filter,
    ListQuery,
    MessageKind,
    Sender,
    SendRequest,
    SmsConfig,
    UpdateNumberRequest,
)
from bland_sms_mock.contracts.models.control import AccountSpec, Limits
from bland_sms_mock.mock_server import query, views
from bland_sms_mock.mock_server.clock import Clock
from bland_sms_mock.mock_server.errors import ApiError
from bland_sms_mock.mock_server.faults import Faults
from bland_sms_mock.mock_server.journal import DEFAULT_JOURNAL_SIZE, Journal
from bland_sms_mock.mock_server.state import (
    Account,
    Conversation,
    Fired,
    IdempotentReply,
    Message,
    State,
    WebhookEvent,
    new_id,
)
from bland_sms_mock.mock_server.webhooks import Webhooks

_UPDATE_ONLY = frozenset({"phone_number", "channel"})
"""Fields of a number update that are not settings."""


class Store:
    """All state of one mock server; every public method is atomic under one re-entrant lock."""

    def __init__(
        self,
        accounts: list[Account],
        clock: Clock,
        strict_numbers: bool = False,
        limits: Limits | None = None,
        journal_size: int = DEFAULT_JOURNAL_SIZE,
        *,
        webhooks_any_host: bool = False,
    ) -> None:
        self.lock = threading.RLock()
        self.journal = Journal(journal_size)
        self.faults = Faults()
        self.clock = clock
        self.webhooks = Webhooks(
            clock, any_host=webhooks_any_host, fire_due=self.fire_due, next_timer_ms=self._next_timer_ms
        )
        self.strict_numbers = strict_numbers
        self.limits = limits or Limits()
        self.version = 0
        self._configured = accounts
        self.state = State(account.without_conversations() for account in accounts)

    # ---------------------------------------------------------------------------------- lifecycle

    @property
    def accounts(self) -> dict[str, Account]:
        """Every account by name."""
        return self.state.accounts

    @property
    def conversations(self) -> dict[str, Conversation]:
        """Every conversation by id."""
        return self.state.conversations

    def reset(self, drop_runtime_accounts: bool = False) -> None:
        """Drop every conversation, timer, journal entry, fault and webhook (log, pending retries, webhook faults);
        configured accounts get their settings back.

        Accounts added at run time stay (with their numbers' settings) unless `drop_runtime_accounts`.
        """
        with self.lock:
            configured = {account.name: account for account in self._configured}
            kept = self._configured if drop_runtime_accounts else self.accounts.values()
            self.state = State(configured.get(a.name, a).without_conversations() for a in kept)
            self.journal.clear()
            self.faults.clear()
            self.webhooks.clear(faults=True)
            self.clock.reset()
            self.version += 1
            self.webhooks.kick()

    def replace_accounts(self, accounts: list[Account]) -> None:
        """Drop every account and conversation and start over with `accounts` (caller holds the lock).

        Message ids stay unique for the mock's life and the deleted conversations stay listed until a reset;
        remembered idempotency keys go with the conversations they answered.
        """
        previous = self.state
        self.state = State(accounts)
        self.state.last_message_id = previous.last_message_id
        self.state.deleted = previous.deleted
        self.version += 1

    def add_loaded_account(self, account: Account) -> None:
        """Register an account read from a snapshot or seed (caller holds the lock)."""
        self.state.register(account)
        self.version += 1

    def adopt(self, account: Account, conversation: Conversation) -> None:
        """Index one loaded conversation under its account (caller holds the lock); see `adopt_all`."""
        self.adopt_all([(account, conversation)])

    def adopt_all(self, loaded: Iterable[tuple[Account, Conversation]]) -> None:
        """Index loaded conversations under their accounts and schedule their pending timers (caller holds the lock).

        The seeding path: each account's orders take the whole batch in one sort, so a million conversations
        cost one pass and a sort per order in use, not a million insertions.
        """
        state = self.state
        batches: dict[Account, list[Conversation]] = {}
        highest = state.last_message_id
        for account, conversation in loaded:
            account.conversations[conversation.id] = conversation
            if conversation.is_active:
                account.active[(conversation.user_number, conversation.agent_number)] = conversation
            state.conversations[conversation.id] = conversation
            state.owner[conversation.id] = account
            if (batch := batches.get(account)) is None:
                batch = batches[account] = []
            batch.append(conversation)
            for message in conversation.messages:
                if message.id.isdigit() and int(message.id) > highest:
                    highest = int(message.id)
            if conversation.warning_due is not None or conversation.timeout_due is not None:
                for kind, due in (("warning", conversation.warning_due), ("timeout", conversation.timeout_due)):
                    if due is not None:
                        state.timers.schedule(due, conversation.id, kind, conversation.generation)
        state.last_message_id = highest
        for account, conversations in batches.items():
            account.orders.add_all(conversations)
        self.version += 1

    @contextmanager
    def _changing(self, conversation: Conversation) -> Iterator[None]:
        """Around every change of a stored conversation: out of its account's orders before, back in after.

        The one place that keeps the orders current: a change of a field a list sorts or filters by goes
        through here (the orders find a conversation by the values it was inserted with).
        """
        orders = self.state.owner[conversation.id].orders
        orders.detach(conversation)
        try:
            yield
        finally:
            orders.attach(conversation)

    def new_message_ids(self, count: int) -> list[str]:
        """`count` fresh message ids (for messages loaded without one)."""
        return self.state.new_message_ids(count)

    # ----------------------------------------------------------------------------------- accounts

    def account_for_key(self, api_key: str) -> Account | None:
        """The account an API key belongs to, or None."""
        return self.state.by_key.get(api_key)

    def owner_of(self, conversation_id: str) -> Account | None:
        """The account a conversation belongs to, or None."""
        return self.state.owner.get(conversation_id)

    def find_account(self, name_or_key: str | None) -> Account | None:
        """An account by name or API key; the first account for None."""
        if name_or_key is None:
            return next(iter(self.accounts.values()), None)
        return self.accounts.get(name_or_key) or self.state.by_key.get(name_or_key)

    def add_account(self, spec: AccountSpec) -> Account:
        """Add an account at run time.

        Raises:
            ApiError: ACCOUNT_EXISTS for a known key; INVALID_FIELD for a number another account owns.
        """
        with self.lock:
            if spec.api_key in self.state.by_key:
                raise ApiError.one(ErrorCode.ACCOUNT_EXISTS, "api_key: an account with this key exists")
            owned = {n for a in self.accounts.values() for n in a.numbers}
            problems = [
                (ErrorCode.INVALID_FIELD, f"agent_numbers[{i}].number: {n.number} belongs to another account")
                for i, n in enumerate(spec.agent_numbers)
                if n.number in owned
            ]
            if problems:
                raise ApiError(problems)
            numbers = {n.number: n.sms_config for n in spec.agent_numbers}
            account = Account(spec.api_key, [spec.api_key], numbers, False, webhook_secret=spec.webhook_secret)
            self.state.register(account)
            self.version += 1
            return account

    def remove_account(self, api_key: str) -> int:
        """Remove an account added at run time, with its conversations; return how many conversations.

        Raises:
            ApiError: NOT_FOUND for an unknown key; INVALID_FIELD for an account from the config.
        """
        with self.lock:
            account = self.account_for_key(api_key)
            if account is None:
                raise ApiError.one(ErrorCode.NOT_FOUND, "api_key: no account has this key")
            if account.from_config:
                raise ApiError.one(
                    ErrorCode.INVALID_FIELD,
                    "api_key: a configured account cannot be removed, only one added at run time",
                )
            for conversation_id in account.conversations:  # their pending timers find no conversation and lapse
                del self.state.conversations[conversation_id]
                del self.state.owner[conversation_id]
            del self.state.accounts[account.name]
            for key in account.api_keys:
                del self.state.by_key[key]
            self.version += 1
            return len(account.conversations)

    # ------------------------------------------------------------------------------------- timers

    def fire_due(self) -> list[Fired]:
        """Fire every timer due up to now, in due order; return what fired."""
        with self.lock:
            return self._fire_until(self.clock.now_ms())

    def _next_timer_ms(self) -> int | None:
        """When the earliest pending timer falls due (read without the lock by the webhook scheduler)."""
        return self.state.timers.next_due_ms()

    def _fire_until(self, now_ms: int) -> list[Fired]:
        fired: list[Fired] = []
        while (timer := self.state.timers.pop_due(now_ms)) is not None:
            conversation = self.state.conversations.get(timer.conversation_id)
            if conversation is None or conversation.generation != timer.generation or not conversation.is_active:
                continue
            with self._changing(conversation):
                if timer.kind == "warning":
                    conversation.warning_due = None
                    self._append_timer_message(conversation, MessageKind.WARNING, "warning_message", timer.due_ms)
                else:
                    self._append_timer_message(conversation, MessageKind.TIMEOUT, "timeout_message", timer.due_ms)
                    self._end(conversation, timer.due_ms)
                    conversation.timed_out_at = timer.due_ms
                    self._status_event(conversation, "timeout", timer.due_ms)
            fired.append(Fired(conversation.id, timer.kind, timer.due_ms))
        if fired:
            self.version += 1
        return fired

    def _append_timer_message(self, conversation: Conversation, kind: MessageKind, setting: str, at_ms: int) -> None:
        text = conversation.effective(setting)
        if text:
            message = Message(self.state.new_message_id(), Sender.AGENT, kind, text, None, at_ms)
            self._append(conversation, message)

    def _start_timers(self, conversation: Conversation, at_ms: int) -> None:
        """Start the silence timer with the number's settings as they are now (a running timer keeps its own)."""
        self._cancel_timers(conversation)
        conversation.sms_config = self.state.owner[conversation.id].numbers[conversation.agent_number]
        time_out = conversation.effective("time_out")
        if time_out is None:
            return
        conversation.timeout_due = at_ms + time_out * 1000
        self.state.timers.schedule(conversation.timeout_due, conversation.id, "timeout", conversation.generation)
        warning_time = conversation.effective("warning_time")
        if warning_time is not None and warning_time < time_out:
            conversation.warning_due = at_ms + warning_time * 1000
            self.state.timers.schedule(conversation.warning_due, conversation.id, "warning", conversation.generation)
        self.webhooks.kick()  # a running clock: the scheduler fires the timeout (and its webhooks) at its instant

    @staticmethod
    def _cancel_timers(conversation: Conversation) -> None:
        conversation.generation += 1
        conversation.warning_due = conversation.timeout_due = None

    def _end(self, conversation: Conversation, at_ms: int) -> None:
        """Make a conversation inactive (inside `_changing`)."""
        self._cancel_timers(conversation)
        conversation.is_active = False
        conversation.updated_at = at_ms
        account = self.state.owner[conversation.id]
        if account.active.get((conversation.user_number, conversation.agent_number)) is conversation:
            del account.active[(conversation.user_number, conversation.agent_number)]

    def _append(self, conversation: Conversation, message: Message) -> None:
        """Add a message to a conversation's history (inside `_changing`)."""
        conversation.messages.append(message)
        conversation.updated_at = message.created_at
        if (url := self._webhook_url(conversation)) is not None:
            event = WebhookEvent.capture(conversation, "message", message.created_at, message=message)
            self._enqueue_webhook(conversation, url, event)

    # ----------------------------------------------------------------------------------- webhooks

    def _webhook_url(self, conversation: Conversation) -> str | None:
        """Where the conversation's webhooks go now: its own `webhook`, else its number's, else nowhere."""
        if conversation.webhook:
            return conversation.webhook
        account = self.state.owner.get(conversation.id)
        settings = account.numbers.get(conversation.agent_number) if account else None
        return settings.webhook if settings else None

    def _enqueue_webhook(self, conversation: Conversation, url: str, event: WebhookEvent) -> None:
        account = self.state.owner[conversation.id]
        self.webhooks.enqueue(account.name, account.webhook_secret or "", url, event)

    def _status_event(self, conversation: Conversation, status: str, at_ms: int) -> None:
        """Queue a status webhook: `timeout`, `ended`, `inactive` (archived) or `active` (made active again)."""
        if (url := self._webhook_url(conversation)) is not None:
            self._enqueue_webhook(conversation, url, WebhookEvent.capture(conversation, "status", at_ms, status=status))

    def webhook_log(self, account: Account, conversation_id: str) -> dict[str, Any] | None:
        """The conversation's latest status webhook and its attempts, as `GET .../{id}/webhook` answers; or None.

        Raises:
            ApiError: CONVERSATION_NOT_FOUND.
        """
        with self.lock:
            self.conversation(account, conversation_id)
            delivery = self.webhooks.latest_status(conversation_id)
            return None if delivery is None else views.webhook_log(delivery)

    # ------------------------------------------------------------------------------ create / send

    def create(self, account: Account, request: CreateRequest) -> tuple[str, str]:
        """Store a message: append to the active conversation of the pair or start a new one.

        Returns (conversation_id, workflow_id).

        Raises:
            ApiError: AGENT_NUMBER_NOT_FOUND, INVALID_TIMEOUT_CONFIG, LIMIT_EXCEEDED; nothing is changed then.
        """
        pathway = {
            "curr_pathway_id": request.curr_pathway_id,
            "curr_pathway_version": request.curr_pathway_version,
            "current_node_id": request.current_node_id,
        }
        sender = request.sender or Sender.USER
        with self.lock:
            conversation, _ = self._store_message(
                account, request, sender, request.message, request.message_sid, pathway
            )
            return conversation.id, new_id("workflow")

    def send(
        self, account: Account, request: SendRequest, *, idempotency_key: str | None = None, body: Any = None
    ) -> tuple[str, str]:
        """Send an AGENT message: continue the pair's active conversation or start one; start its timer.

        With an `idempotency_key` seen before with the same `body`, answer as then and store nothing.
        Returns (conversation_id, message_id).

        Raises:
            ApiError: IDEMPOTENCY_KEY_REUSED (the key came with another body), and as `create`.
        """
        version = request.pathway_version
        pathway = {
            "curr_pathway_id": request.pathway_id,
            "curr_pathway_version": None if version is None else str(version),
            "current_node_id": request.start_node_id,
        }
        extras = {"webhook": request.webhook, "metadata": request.metadata, "effective_channel": request.channel}
        with self.lock:
            if idempotency_key is not None and (seen := self.state.replies.get((account.name, idempotency_key))):
                if seen.body != body:
                    raise ApiError.one(
                        ErrorCode.IDEMPOTENCY_KEY_REUSED,
                        "idempotency-key: was used before with a different body; use a new key for a new message",
                    )
                return seen.conversation_id, seen.message_id
            text = request.agent_message or MOCK_AI_MESSAGE
            conversation, message = self._store_message(account, request, Sender.AGENT, text, None, pathway, extras)
            if idempotency_key is not None:
                self.state.remember(account, idempotency_key, IdempotentReply(body, conversation.id, message.id))
            return conversation.id, message.id

    def _store_message(
        self,
        account: Account,
        request: CreateRequest | SendRequest,
        sender: str,
        text: str,
        sid: str | None,
        pathway: dict[str, str | None],
        extras: dict[str, Any] | None = None,
    ) -> tuple[Conversation, Message]:
        """Append a message to the pair's conversation (opening one when needed); caller holds the lock."""
        now = self.clock.now_ms()
        self._fire_until(now)
        sms_config = account.numbers.get(request.agent_number)
        if sms_config is None:
            raise ApiError.one(
                ErrorCode.AGENT_NUMBER_NOT_FOUND,
                f"agent_number: {request.agent_number} is not a number of this account",
            )
        pair = (request.user_number, request.agent_number)
        current = account.active.get(pair)
        continuing = None if request.new_conversation else current
        self._check_timeout_config(request, continuing, sms_config)
        self._check_limits(account, continuing)

        if current is not None and continuing is None:
            with self._changing(current):
                self._end(current, now)
            self._status_event(current, "inactive", now)
        conversation = continuing or self._open(account, request.user_number, request.agent_number, sms_config, now)
        with self._changing(conversation):
            for setting in TIMEOUT_SETTINGS:
                if (value := getattr(request, setting)) is not None:
                    setattr(conversation, setting, value)
            for name, value in [*pathway.items(), *(extras or {}).items()]:
                if value is not None:
                    setattr(conversation, name, value)
            if request.request_data:
                conversation.variables.update(request.request_data)
            message = Message(self.state.new_message_id(), sender, MessageKind.MESSAGE, text, sid, now)
            self._append(conversation, message)
            if sender == Sender.AGENT:
                self._start_timers(conversation, now)
            else:
                self._cancel_timers(conversation)
        self.version += 1
        return conversation, message

    def _check_limits(self, account: Account, conversation: Conversation | None) -> None:
        if conversation is None and len(account.conversations) >= self.limits.max_conversations_per_account:
            raise ApiError.one(
                ErrorCode.LIMIT_EXCEEDED,
                f"account: holds the most conversations the mock keeps ({self.limits.max_conversations_per_account})",
            )
        if conversation is not None and len(conversation.messages) >= self.limits.max_messages_per_conversation:
            raise ApiError.one(
                ErrorCode.LIMIT_EXCEEDED,
                f"message: the conversation holds the most messages the mock keeps "
                f"({self.limits.max_messages_per_conversation}); start a new one with new_conversation",
            )

    @staticmethod
    def _check_timeout_config(request: Any, conversation: Conversation | None, sms_config: SmsConfig) -> None:
        if request.time_out is None and request.warning_time is None:
            return

        def effective(setting: str) -> Any:
            for source in (request, conversation, sms_config):
                if source is not None and (value := getattr(source, setting)) is not None:
                    return value
            return None

        _check_warning(effective("time_out"), effective("warning_time"), "the request or the number's sms_config")

    def _open(
        self, account: Account, user_number: str, agent_number: str, sms_config: SmsConfig, now: int
    ) -> Conversation:
        conversation = Conversation(new_id("convo"), user_number, agent_number, now, now, sms_config)
        self.adopt(account, conversation)
        return conversation

    # --------------------------------------------------------------------------------------- read

    def list(self, account: Account, params: ListQuery, filters: list[Filter]) -> tuple[list[dict], int]:
        """One page of the account's conversations as list items, and how many match in all."""
        with self.lock:
            self._fire_until(self.clock.now_ms())
            page, total = query.select(account, params, filters)
            return [views.item(c) for c in page], total

    def conversation(self, account: Account, conversation_id: str) -> Conversation:
        """One conversation of the account, after firing due timers.

        Raises:
            ApiError: CONVERSATION_NOT_FOUND when the account has no such conversation.
        """
        with self.lock:
            self._fire_until(self.clock.now_ms())
            found = account.conversations.get(conversation_id)
            if found is None:
                raise ApiError.one(
                    ErrorCode.CONVERSATION_NOT_FOUND, f"id: conversation {conversation_id} not found in this account"
                )
            return found

    def record(self, account: Account, conversation_id: str) -> dict[str, Any]:
        """One conversation with its messages, as `GET /v1/sms/conversations/{id}` answers."""
        with self.lock:
            return views.record(self.conversation(account, conversation_id))

    def detail(self, account: Account, conversation_id: str) -> dict[str, Any]:
        """The control API's view of a conversation: item fields, hidden fields and timer state."""
        with self.lock:
            return views.detail(self.conversation(account, conversation_id))

    def messages(self, account: Account, conversation_id: str) -> list[dict[str, Any]]:
        """A conversation's full history, oldest first."""
        with self.lock:
            return [views.message_record(m) for m in self.conversation(account, conversation_id).messages]

    # ------------------------------------------------------------------- update / delete conversations

    def set_active(self, account: Account, conversation_id: str, is_active: bool) -> dict[str, Any]:
        """End a conversation (cancelling its timer) or make an ended one the pair's active one again.

        Raises:
            ApiError: CONVERSATION_NOT_FOUND; CONVERSATION_CONFLICT when the pair has another active conversation.
        """
        with self.lock:
            conversation = self.conversation(account, conversation_id)
            now = self.clock.now_ms()
            pair = (conversation.user_number, conversation.agent_number)
            if is_active and not conversation.is_active:
                other = account.active.get(pair)
                if other is not None:
                    raise ApiError.one(
                        ErrorCode.CONVERSATION_CONFLICT,
                        f"is_active: {pair[0]} and {pair[1]} already have an active conversation ({other.id})",
                    )
                with self._changing(conversation):
                    conversation.is_active = True
                    conversation.timed_out_at = None  # it answers again (the reference: set means it does not)
                    conversation.updated_at = now
                account.active[pair] = conversation
                self._status_event(conversation, "active", now)
            elif not is_active and conversation.is_active:
                with self._changing(conversation):
                    self._end(conversation, now)
                self._status_event(conversation, "ended", now)
            self.version += 1
            return views.updated(conversation)

    def delete(self, account: Account, conversation_id: str) -> None:
        """Remove a conversation and its messages from every index; its timers never fire.

        Raises:
            ApiError: CONVERSATION_NOT_FOUND.
        """
        with self.lock:
            conversation = self.conversation(account, conversation_id)
            self._cancel_timers(conversation)
            pair = (conversation.user_number, conversation.agent_number)
            if account.active.get(pair) is conversation:
                del account.active[pair]
            del account.conversations[conversation.id]
            account.orders.remove(conversation)
            del self.state.conversations[conversation.id]
            del self.state.owner[conversation.id]
            self.state.bury(account, views.tombstone(conversation, self.clock.now_ms()))
            self.version += 1

    def deleted(self, account: Account | None) -> list[dict[str, Any]]:
        """The conversations deleted since the last reset (the last 1,000), newest first; of one account or all."""
        with self.lock:
            return [
                shown
                for name, shown in reversed(self.state.deleted.values())
                if account is None or account.name == name
            ]

    def delete_messages(self, account: Account, conversation_id: str, message_ids: list[str]) -> int:
        """Remove messages from a conversation's history; return how many were there (unknown ids count 0).

        Raises:
            ApiError: CONVERSATION_NOT_FOUND.
        """
        with self.lock:
            conversation = self.conversation(account, conversation_id)
            wanted = set(message_ids)
            kept = [m for m in conversation.messages if m.id not in wanted]
            removed = len(conversation.messages) - len(kept)
            if removed:
                with self._changing(conversation):
                    conversation.messages = kept
                self.version += 1
            return removed

    # -------------------------------------------------------------------------------------- numbers

    def numbers(self, account: Account) -> list[dict[str, Any]]:
        """The account's numbers with every setting and how many conversations each has."""
        with self.lock:
            self._fire_until(self.clock.now_ms())
            counts = Counter(c.agent_number for c in account.conversations.values())
            return [views.number_item(n, settings, counts[n]) for n, settings in account.numbers.items()]

    def update_number(self, account: Account, request: UpdateNumberRequest) -> dict[str, Any]:
        """Replace the settings a number update gives (null clears one); the others stay. Return them all.

        Later conversations, and each later start of a conversation's timer, use the new settings.

        Raises:
            ApiError: NUMBER_NOT_FOUND; INVALID_TIMEOUT_CONFIG when warning_time would not be below time_out.
        """
        with self.lock:
            current = account.numbers.get(request.phone_number)
            if current is None:
                raise ApiError.one(
                    ErrorCode.NUMBER_NOT_FOUND, f"phone_number: {request.phone_number} is not a number of this account"
                )
            given = {name: getattr(request, name) for name in request.model_fields_set - _UPDATE_ONLY}
            merged = {**current.model_dump(), **given}
            _check_warning(merged["time_out"], merged["warning_time"], "the update or the number's sms_config")
            settings = type(current).model_validate(merged)
            account.numbers[request.phone_number] = settings
            self.version += 1
            return settings.model_dump()

    # -------------------------------------------------------------------------------------- clock

    def move_clock(
        self, *, freeze: bool | None = None, set_ms: int | None = None, advance: float | None = None
    ) -> list[Fired]:
        """Set or advance the clock, and/or freeze or resume it, then fire what fell due on the way, in order.

        A set pins the clock there, frozen, unless `freeze=False`; an advance leaves a running clock running
        and a frozen one frozen unless `freeze` says.
        """
        with self.lock:
            if set_ms is not None:
                self.clock.set(set_ms, frozen=freeze is not False)
            elif advance is not None:
                self.clock.advance(advance, frozen=freeze)
            elif freeze is True:
                self.clock.freeze()
            elif freeze is False:
                self.clock.resume()
            self.version += 1
            fired = self._fire_until(self.clock.now_ms())
            self.webhooks.kick()  # retries that fell due on the way go out
            return fired


def _check_warning(time_out: int | None, warning_time: int | None, where: str) -> None:
    """Refuse a warning_time with no time_out in force, or not below it.

    Raises:
        ApiError: INVALID_TIMEOUT_CONFIG.
    """
    if warning_time is None:
        return
    if time_out is None:
        raise ApiError.one(ErrorCode.INVALID_TIMEOUT_CONFIG, f"warning_time: needs a time_out (in {where})")
    if warning_time >= time_out:
        raise ApiError.one(
            ErrorCode.INVALID_TIMEOUT_CONFIG,
            f"warning_time: must be less than the effective time_out ({warning_time} >= {time_out})",
        )
