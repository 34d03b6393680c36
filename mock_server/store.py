"""The mock's state: accounts, conversations and their messages, timers, behind one lock.

Every operation first fires the timers that fell due up to the clock's "now", in due order, so a
reader never sees a conversation whose timeout should already have happened.
"""

from __future__ import annotations

import threading
from typing import Any

from bland_sms_mock.contracts.models.api import (
    CreateRequest,
    ErrorCode,
    Filter,
    ListQuery,
    MessageKind,
    Sender,
    format_timestamp,
)
from bland_sms_mock.contracts.models.control import AccountSpec, Limits, SmsConfig
from bland_sms_mock.mock_server import query
from bland_sms_mock.mock_server.clock import Clock
from bland_sms_mock.mock_server.errors import ApiError
from bland_sms_mock.mock_server.faults import Faults
from bland_sms_mock.mock_server.journal import DEFAULT_JOURNAL_SIZE, Journal
from bland_sms_mock.mock_server.state import TIMEOUT_SETTINGS, Account, Conversation, Fired, Message, new_id
from bland_sms_mock.mock_server.timers import TimerQueue


class Store:
    """All state of one mock server; every public method is atomic under one re-entrant lock."""

    def __init__(
        self,
        accounts: list[Account],
        clock: Clock,
        strict_numbers: bool = False,
        limits: Limits | None = None,
        journal_size: int = DEFAULT_JOURNAL_SIZE,
    ) -> None:
        self.lock = threading.RLock()
        self.journal = Journal(journal_size)
        self.faults = Faults()
        self.clock = clock
        self.strict_numbers = strict_numbers
        self.limits = limits or Limits()
        self.version = 0
        self._configured = accounts
        self._fresh(drop_runtime_accounts=True)

    # ---------------------------------------------------------------------------------- lifecycle

    def _fresh(self, drop_runtime_accounts: bool) -> None:
        keep = self._configured if drop_runtime_accounts else list(self.accounts.values())
        self.accounts: dict[str, Account] = {}
        self.by_key: dict[str, Account] = {}
        self.conversations: dict[str, Conversation] = {}
        self.timers = TimerQueue()
        self._owner: dict[str, Account] = {}
        for account in keep:
            self._register(Account(account.name, list(account.api_keys), dict(account.numbers), account.from_config))

    def add_loaded_account(self, account: Account) -> None:
        """Register an account read from a snapshot or seed (caller holds the lock)."""
        self._register(account)
        self.version += 1

    def _register(self, account: Account) -> None:
        self.accounts[account.name] = account
        for key in account.api_keys:
            self.by_key[key] = account

    def reset(self, drop_runtime_accounts: bool = False) -> None:
        """Drop every conversation, timer, journal entry and fault (and, if asked, run-time accounts)."""
        with self.lock:
            self._fresh(drop_runtime_accounts)
            self.journal.clear()
            self.faults.clear()
            self.clock.reset()
            self.version += 1

    # ----------------------------------------------------------------------------------- accounts

    def account_for_key(self, api_key: str) -> Account | None:
        """The account an API key belongs to, or None."""
        return self.by_key.get(api_key)

    def owner_of(self, conversation_id: str) -> Account | None:
        """The account a conversation belongs to, or None."""
        return self._owner.get(conversation_id)

    def add_account(self, spec: AccountSpec) -> Account:
        """Add an account at run time.

        Raises:
            ApiError: ACCOUNT_EXISTS for a known key; INVALID_FIELD for a number another account owns.
        """
        with self.lock:
            if spec.api_key in self.by_key:
                raise ApiError.one(ErrorCode.ACCOUNT_EXISTS, "api_key: an account with this key exists")
            owned = {n for a in self.accounts.values() for n in a.numbers}
            problems = [
                (ErrorCode.INVALID_FIELD, f"agent_numbers[{i}].number: {n.number} belongs to another account")
                for i, n in enumerate(spec.agent_numbers)
                if n.number in owned
            ]
            if problems:
                raise ApiError(problems)
            name = spec.api_key
            account = Account(name, [spec.api_key], {n.number: n.sms_config for n in spec.agent_numbers}, False)
            self._register(account)
            self.version += 1
            return account

    # ------------------------------------------------------------------------------------- timers

    def fire_due(self) -> list[Fired]:
        """Fire every timer due up to now, in due order; return what fired."""
        with self.lock:
            return self._fire_until(self.clock.now_ms())

    def _fire_until(self, now_ms: int) -> list[Fired]:
        fired: list[Fired] = []
        while (timer := self.timers.pop_due(now_ms)) is not None:
            conversation = self.conversations.get(timer.conversation_id)
            if conversation is None or conversation.generation != timer.generation or not conversation.is_active:
                continue
            if timer.kind == "warning":
                conversation.warning_due = None
                text = conversation.effective("warning_message")
                if text:
                    self._append(conversation, Message(Sender.AGENT, MessageKind.WARNING, text, None, timer.due_ms))
            else:
                text = conversation.effective("timeout_message")
                if text:
                    self._append(conversation, Message(Sender.AGENT, MessageKind.TIMEOUT, text, None, timer.due_ms))
                self._end(conversation, timer.due_ms)
                conversation.timed_out_at = timer.due_ms
            fired.append(Fired(conversation.id, timer.kind, timer.due_ms))
        if fired:
            self.version += 1
        return fired

    def _start_timers(self, conversation: Conversation, at_ms: int) -> None:
        self._cancel_timers(conversation)
        time_out = conversation.effective("time_out")
        if time_out is None:
            return
        conversation.timeout_due = at_ms + time_out * 1000
        self.timers.schedule(conversation.timeout_due, conversation.id, "timeout", conversation.generation)
        warning_time = conversation.effective("warning_time")
        if warning_time is not None and warning_time < time_out:
            conversation.warning_due = at_ms + warning_time * 1000
            self.timers.schedule(conversation.warning_due, conversation.id, "warning", conversation.generation)

    @staticmethod
    def _cancel_timers(conversation: Conversation) -> None:
        conversation.generation += 1
        conversation.warning_due = conversation.timeout_due = None

    def _end(self, conversation: Conversation, at_ms: int) -> None:
        self._cancel_timers(conversation)
        conversation.is_active = False
        conversation.updated_at = at_ms
        account = self._owner[conversation.id]
        if account.active.get((conversation.user_number, conversation.agent_number)) is conversation:
            del account.active[(conversation.user_number, conversation.agent_number)]

    @staticmethod
    def _append(conversation: Conversation, message: Message) -> None:
        conversation.messages.append(message)
        conversation.updated_at = message.created_at

    # ------------------------------------------------------------------------------------- create

    def create(self, account: Account, request: CreateRequest) -> tuple[str, str]:
        """Store a message: append to the active conversation of the pair or start a new one.

        Returns (conversation_id, workflow_id).

        Raises:
            ApiError: AGENT_NUMBER_NOT_FOUND, INVALID_TIMEOUT_CONFIG; nothing is changed then.
        """
        with self.lock:
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
                self._end(current, now)
            conversation = continuing or self._open(account, request, sms_config, now)
            for setting in TIMEOUT_SETTINGS:
                if (value := getattr(request, setting)) is not None:
                    setattr(conversation, setting, value)
            for name in ("current_node_id", "curr_pathway_id", "curr_pathway_version"):
                if (value := getattr(request, name)) is not None:
                    setattr(conversation, name, value)
            if request.request_data:
                conversation.variables.update(request.request_data)
            sender = request.sender or Sender.USER
            self._append(conversation, Message(sender, MessageKind.MESSAGE, request.message, request.message_sid, now))
            if sender == Sender.AGENT:
                self._start_timers(conversation, now)
            else:
                self._cancel_timers(conversation)
            self.version += 1
            return conversation.id, new_id("workflow")

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
    def _check_timeout_config(request: CreateRequest, conversation: Conversation | None, sms_config: SmsConfig) -> None:
        if request.time_out is None and request.warning_time is None:
            return

        def effective(setting: str) -> Any:
            for source in (request, conversation, sms_config):
                if source is not None and (value := getattr(source, setting)) is not None:
                    return value
            return None

        time_out, warning_time = effective("time_out"), effective("warning_time")
        if warning_time is None:
            return
        if time_out is None:
            raise ApiError.one(
                ErrorCode.INVALID_TIMEOUT_CONFIG,
                "warning_time: needs a time_out (in the request or the number's sms_config)",
            )
        if warning_time >= time_out:
            raise ApiError.one(
                ErrorCode.INVALID_TIMEOUT_CONFIG,
                f"warning_time: must be less than the effective time_out ({warning_time} >= {time_out})",
            )

    def _open(self, account: Account, request: CreateRequest, sms_config: SmsConfig, now: int) -> Conversation:
        conversation = Conversation(new_id("convo"), request.user_number, request.agent_number, now, now, sms_config)
        self.adopt(account, conversation)
        return conversation

    def adopt(self, account: Account, conversation: Conversation) -> None:
        """Index a conversation under its account and schedule its pending timers (caller holds the lock)."""
        account.conversations[conversation.id] = conversation
        if conversation.is_active:
            account.active[(conversation.user_number, conversation.agent_number)] = conversation
        account.by_created.add(conversation)
        self.conversations[conversation.id] = conversation
        self._owner[conversation.id] = account
        for kind, due in (("warning", conversation.warning_due), ("timeout", conversation.timeout_due)):
            if due is not None:
                self.timers.schedule(due, conversation.id, kind, conversation.generation)
        self.version += 1

    def replace_accounts(self, accounts: list[Account]) -> None:
        """Drop every account and conversation and start over with `accounts` (caller holds the lock)."""
        self.accounts, self.by_key, self.conversations, self._owner = {}, {}, {}, {}
        self.timers = TimerQueue()
        for account in accounts:
            self._register(account)
        self.version += 1

    def find_account(self, name_or_key: str | None) -> Account | None:
        """An account by name or API key; the first account for None."""
        if name_or_key is None:
            return next(iter(self.accounts.values()), None)
        return self.accounts.get(name_or_key) or self.by_key.get(name_or_key)

    # --------------------------------------------------------------------------------------- read

    def list(self, account: Account, params: ListQuery, filters: list[Filter]) -> tuple[list[dict], int]:
        """One page of the account's conversations as list items, and how many match in all."""
        with self.lock:
            self._fire_until(self.clock.now_ms())
            page, total = query.select(account, params, filters, self.version)
            return [item(c) for c in page], total

    def conversation(self, account: Account, conversation_id: str) -> Conversation:
        """One conversation of the account, after firing due timers.

        Raises:
            ApiError: NOT_FOUND when the account has no such conversation.
        """
        with self.lock:
            self._fire_until(self.clock.now_ms())
            found = account.conversations.get(conversation_id)
            if found is None:
                raise ApiError.one(ErrorCode.NOT_FOUND, f"conversation {conversation_id} not found in this account")
            return found

    def detail(self, account: Account, conversation_id: str) -> dict[str, Any]:
        """The control API's view of a conversation: item fields, hidden fields and timer state."""
        with self.lock:
            return detail(self.conversation(account, conversation_id))

    def messages(self, account: Account, conversation_id: str) -> list[dict[str, Any]]:
        """A conversation's full history, oldest first."""
        with self.lock:
            return [message_record(m) for m in self.conversation(account, conversation_id).messages]

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
            return self._fire_until(self.clock.now_ms())


def item(conversation: Conversation) -> dict[str, Any]:
    """A conversation as the list endpoint returns it (the fields of `ConversationItem`)."""
    last = conversation.messages[-1] if conversation.messages else None
    return {
        "id": conversation.id,
        "created_at": format_timestamp(conversation.created_at),
        "updated_at": format_timestamp(conversation.updated_at),
        "user_number": conversation.user_number,
        "agent_number": conversation.agent_number,
        "variables": conversation.variables,
        "current_node_id": conversation.current_node_id,
        "curr_pathway_id": conversation.curr_pathway_id,
        "is_active": conversation.is_active,
        "message_count": len(conversation.messages),
        "last_message": last.text if last else None,
        "last_message_at": format_timestamp(last.created_at) if last else None,
        "pathway_tags": [],
        "effective_channel": "sms",
        "summary": None,
        "citation_variables": None,
        "disposition_tag": None,
    }


def detail(conversation: Conversation) -> dict[str, Any]:
    """A conversation as the control API shows it (the fields of `ConversationDetail`)."""
    timer = conversation.next_timer()
    return {
        **item(conversation),
        "curr_pathway_version": conversation.curr_pathway_version,
        "timed_out_at": format_timestamp(conversation.timed_out_at) if conversation.timed_out_at is not None else None,
        **{setting: conversation.effective(setting) for setting in TIMEOUT_SETTINGS},
        "next_timer": {"kind": timer[0], "due_at": format_timestamp(timer[1])} if timer else None,
    }


def message_record(message: Message) -> dict[str, Any]:
    """A message as the control API shows it (the fields of `MessageRecord`)."""
    return {
        "sender": str(message.sender),
        "kind": str(message.kind),
        "message": message.text,
        "message_sid": message.sid,
        "created_at": format_timestamp(message.created_at),
    }
