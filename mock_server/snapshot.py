"""Export the whole state of a mock as versioned JSON, and load it back (snapshots and seed files).

A snapshot restores exactly: accounts, conversations, messages, the clock and every pending timer, so
a restored mock fires the same timers at the same instants. A seed adds accounts and conversations to
what a mock already has; what a seed leaves out (ids, timestamps, pending timers) is derived.
"""

from __future__ import annotations

import gc
import json
import os
import sys
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from operator import attrgetter
from pathlib import Path
from typing import Any

from bland_sms_mock.contracts.models.api import DEFERRED_NUMBERS, ErrorCode, format_timestamp, timestamp_ms
from bland_sms_mock.contracts.models.control import STREAMED_SNAPSHOT, Snapshot, StoredAccount, StoredConversation
from bland_sms_mock.contracts.yamltext import read_document
from bland_sms_mock.mock_server import views
from bland_sms_mock.mock_server.errors import ApiError, problems_from_validation
from bland_sms_mock.mock_server.number_checks import NumberChecks
from bland_sms_mock.mock_server.state import Account, Conversation, Message, new_ids
from bland_sms_mock.mock_server.store import Store
from pydantic import ValidationError

_LOADED_APART = {"account", "id", "created_at", "updated_at", "messages", "variables", "is_active", "timed_out_at"}
_COPIED = tuple(
    name
    for name in StoredConversation.model_fields
    if name in Conversation.__dataclass_fields__ and name not in _LOADED_APART | {"warning_due", "timeout_due"}
)
"""Fields a stored conversation hands to the state as they are."""


_CREATED_AT = attrgetter("created_at")
_copied = attrgetter(*_COPIED)


def _ms(text: str | None) -> int | None:
    return None if text is None else timestamp_ms(text)


def export_state(store: Store) -> dict[str, Any]:
    """The whole state as a `Snapshot` dict (timers due by now fire first)."""
    with store.lock:
        store.fire_due()
        accounts = store.accounts.values()
        return {
            "format": "bland-sms-mock/snapshot",
            "version": 1,
            "clock": {"now": format_timestamp(store.clock.now_ms()), "frozen": store.clock.frozen},
            "accounts": [views.account_record(a) for a in accounts],
            "conversations": [views.stored_conversation(a, c) for a in accounts for c in a.by_created],
        }


def parse_snapshot(data: Any) -> Snapshot:
    """Validate a snapshot or seed document.

    Raises:
        ApiError: INVALID_FIELD naming each bad field.
    """
    try:
        return Snapshot.model_validate(data)
    except ValidationError as exc:
        raise ApiError(problems_from_validation(exc)) from None


def read_file(path: str | Path, *, remember: bool = False) -> Snapshot:
    """Read and validate a snapshot or seed file in one pass: JSON (a name ending in `.json`), else YAML.

    JSON goes from bytes to models inside pydantic's parser (no `json.loads` tree in between), which
    is what makes a seed of a million conversations practical; YAML suits hand-written seeds. The phone
    numbers are judged alongside the parse (`NumberChecks`). With `remember`, the last few files read stay
    parsed, and reading one again while unchanged (same size and modification time) costs nothing: the
    pytest fixtures seed the same files before every test.

    Raises:
        ValueError: unreadable, malformed or invalid, naming the file and each bad field.
    """
    with _naming(path):
        stat = os.stat(path)
        key = (os.path.abspath(path), stat.st_mtime_ns, stat.st_size)
        if remember and key in _REMEMBERED:
            _REMEMBERED.move_to_end(key)
            return _REMEMBERED[key]
        with no_collection(), NumberChecks() as numbers:
            validate = _validator(path)
            snapshot = _first_pass(validate, numbers)
            _settle(validate, numbers)
    if remember:
        _REMEMBERED[key] = snapshot
        while len(_REMEMBERED) > REMEMBERED_FILES:
            _REMEMBERED.popitem(last=False)
    return snapshot


def seed_file(store: Store, path: str | Path, timings: dict[str, float] | None = None) -> int:
    """Add a seed file's accounts and conversations, as `seed(store, read_file(path))` does; return how many.

    Made for a big file: each conversation becomes the state's as soon as pydantic has validated it
    (`STREAMED_SNAPSHOT`), so the file never exists as models all at once, and its phone numbers are judged
    in the helper process meanwhile; the verdicts are awaited only before anything reaches the store. The
    errors are `read_file`'s, then `seed`'s. `timings`, when given, receives `read` (read, validate and
    build, which go together), `numbers` (the wait for the numbers' verdicts) and `store`.

    Raises:
        ValueError: unreadable, malformed, invalid or inconsistent, naming the file and each bad field
            (nothing is added then).
    """
    began = time.perf_counter()
    with _naming(path), store.lock, no_collection(), NumberChecks() as numbers:
        seeding = _Seeding(store)
        validate = _validator(path)
        _first_pass(validate, numbers, {STREAMED_SNAPSHOT: seeding})
        read_at = time.perf_counter()
        _settle(validate, numbers)  # a bad phone number is told before an inconsistency, as `read_file` would
        settled_at = time.perf_counter()
        count = seeding.finish()
        give_back_memory()
        if timings is not None:
            timings.update(read=read_at - began, numbers=settled_at - read_at, store=time.perf_counter() - settled_at)
        return count


@contextmanager
def _naming(path: str | Path) -> Iterator[None]:
    """Turn what reading or loading a seed or snapshot file raises into a `ValueError` naming the file.

    Raises:
        ValueError: `path: ` then the system's reason, each bad field, or each inconsistency.
    """
    try:
        yield
    except OSError as exc:
        raise ValueError(f"{path}: {exc.strerror or exc}") from None
    except ValidationError as exc:
        raise ValueError(f"{path}: {_problems(exc)}") from None
    except ApiError as exc:
        raise ValueError(f"{path}: " + "; ".join(message for _, message in exc.problems)) from None


def give_back_memory() -> None:
    """Return the C heap's free pages to the OS, where the C library can (glibc's `malloc_trim`).

    pydantic parses a whole JSON file into its own tree before validating it; once freed, that tree leaves
    holes in the C heap below objects that live on, which the heap keeps (1.4 KB a conversation of a big
    seed file) unless asked to give them back.
    """
    if not sys.platform.startswith("linux"):
        return
    import ctypes  # lazy, for start-up speed: only a loaded seed file needs it

    trim = getattr(ctypes.CDLL(None), "malloc_trim", None)  # None with a C library other than glibc's
    if trim is not None:
        trim(0)


def _validator(path: str | Path) -> Callable[[dict[str, Any]], Snapshot]:
    """What reads the file and validates its document given a validation context.

    The file is read again for a second pass (only when a phone number failed), rather than its bytes
    kept in memory while a big seed is built.
    """

    def validate(context: dict[str, Any]) -> Snapshot:
        if str(path).endswith(".json"):
            return Snapshot.model_validate_json(Path(path).read_bytes(), context=context)
        return Snapshot.model_validate(read_document(path), context=context)

    return validate


def _first_pass(
    validate: Callable[[dict[str, Any]], Snapshot], numbers: NumberChecks, context: dict[str, Any] | None = None
) -> Snapshot:
    """Validate with the phone numbers handed to `numbers` (judged apart); `_settle` completes the check.

    `context` adds to the validation context (a `STREAMED_SNAPSHOT` sink).

    Raises:
        ValidationError: every problem of the document, bad phone numbers included.
    """
    try:
        return validate({DEFERRED_NUMBERS: numbers, **(context or {})})
    except ValidationError:
        _settle(validate, numbers)  # with a bad number, the errors of one pass naming it among the others
        raise


def _settle(validate: Callable[[dict[str, Any]], Snapshot], numbers: NumberChecks) -> None:
    """Wait for the numbers' verdicts; when one failed, validate again so the error names each bad field.

    The second pass only finds errors: its conversations are handed to a sink that drops them.

    Raises:
        ValidationError: exactly the errors of one ordinary validation.
        OSError: the file changed between the two passes.
    """
    numbers.finish()
    if numbers.bad:
        validate({DEFERRED_NUMBERS: numbers, STREAMED_SNAPSHOT: _Dropped()})  # raises: `numbers` has its verdicts
        raise OSError("changed while it was read")


class _Dropped:
    """A `SnapshotSink` that keeps nothing (a validation done only for its errors)."""

    def accounts(self, accounts: list[StoredAccount]) -> None:
        """Drop them."""

    def conversation(self, conversation: StoredConversation) -> None:
        """Drop it."""


REMEMBERED_FILES = 8
"""How many parsed seed files `read_file(..., remember=True)` keeps."""
_REMEMBERED: OrderedDict[tuple[str, int, int], Snapshot] = OrderedDict()


@contextmanager
def no_collection() -> Iterator[None]:
    """Pause Python's cycle collector while a seed's millions of objects are made, none of them garbage.

    Each collection would walk every object made so far, so a big seed took twice as long with it.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _problems(exc: ValidationError) -> str:
    errors = exc.errors(include_url=False)
    if errors and errors[0]["type"] == "json_invalid":
        return str(errors[0]["msg"])
    return "; ".join(message.removeprefix("body: ") for _, message in problems_from_validation(exc))


def save_file(store: Store, path: str | Path) -> None:
    """Write the whole state to `path` as JSON, atomically (a crash never leaves half a file)."""
    write_state(export_state(store), path)


def write_state(state: dict[str, Any], path: str | Path) -> None:
    """Write an exported state to `path` as JSON, atomically (a crash never leaves half a file)."""
    target = Path(path)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    temporary.write_text(json.dumps(state, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(temporary, target)


def load_file(store: Store, path: str | Path) -> None:
    """Restore the state saved in a snapshot file.

    Raises:
        ValueError: the file is unreadable, malformed or inconsistent, naming it.
    """
    with _naming(path):
        restore(store, read_file(path))


def restore(store: Store, snapshot: Snapshot) -> None:
    """Replace the whole state with a snapshot's (accounts, conversations, clock, timers).

    Raises:
        ApiError: the snapshot is inconsistent (nothing is changed then).
    """
    with store.lock, no_collection():
        accounts = [_account(a) for a in snapshot.accounts] or [
            a.without_conversations() for a in store.accounts.values()
        ]
        by_name = {a.name: a for a in accounts} | {k: a for a in accounts for k in a.api_keys}
        builder = _Builder(lambda ref: by_name.get(ref) if ref else accounts[0], {}, set())
        for record in snapshot.conversations:
            builder.add(record)
        built = builder.built
        store.replace_accounts(accounts)
        _adopt(store, built)
        if snapshot.clock is not None:
            store.clock.set(_ms(snapshot.clock.now), frozen=snapshot.clock.frozen)


def seed(store: Store, snapshot: Snapshot) -> int:
    """Add a seed's accounts (those not known yet) and conversations; return how many conversations.

    Raises:
        ApiError: the seed is inconsistent with itself or with the mock (nothing is changed then).
    """
    with store.lock, no_collection():
        seeding = _Seeding(store)
        seeding.accounts(snapshot.accounts)
        for record in snapshot.conversations:
            seeding.conversation(record)
        return seeding.finish()


class _Seeding:
    """A seed being added to a store, one part at a time: a `SnapshotSink` for a streamed validation.

    The first inconsistency is kept and everything after it ignored; `finish` tells it, or stores the seed.
    The caller holds the store's lock from the first part to `finish`.
    """

    def __init__(self, store: Store) -> None:
        self.store = store
        self.new_accounts: list[Account] = []
        self.builder: _Builder | None = None
        self.error: ApiError | None = None

    def accounts(self, specs: list[StoredAccount]) -> None:
        """Take the seed's accounts: those the mock does not know yet are added, owning no known number."""
        store = self.store
        self.new_accounts = [_account(a) for a in specs if store.find_account(a.name or a.api_key) is None]
        owned = {n: a.name for a in store.accounts.values() for n in a.numbers}
        for account in self.new_accounts:
            for number in account.numbers:
                if number in owned:
                    self.error = ApiError.one(
                        ErrorCode.INVALID_FIELD, f"accounts: {number} belongs to account {owned[number]}"
                    )
                    return
        pending = {a.name: a for a in self.new_accounts} | {k: a for a in self.new_accounts for k in a.api_keys}

        def lookup(ref: str | None) -> Account | None:
            return pending.get(ref) or store.find_account(ref) if ref else store.find_account(None)

        active = {(a.name, *pair): c for a in store.accounts.values() for pair, c in a.active.items()}
        self.builder = _Builder(lookup, active, set(store.conversations))

    def conversation(self, record: StoredConversation) -> None:
        """Build the next conversation (unless an inconsistency came before)."""
        if self.error is not None:
            return
        if self.builder is None:
            self.accounts([])  # the seed names no accounts
            return self.conversation(record)
        try:
            self.builder.add(record)
        except ApiError as exc:
            self.error, self.builder = exc, None  # what was built is garbage now

    def finish(self) -> int:
        """Add the new accounts and the built conversations to the store; return how many conversations.

        Raises:
            ApiError: the first inconsistency (nothing is changed then).
        """
        if self.error is not None:
            raise self.error
        built = self.builder.built if self.builder is not None else []
        for account in self.new_accounts:
            self.store.add_loaded_account(account)
        _adopt(self.store, built)
        return len(built)


def _adopt(store: Store, built: list[tuple[Account, Conversation]]) -> None:
    """Index loaded conversations, then give ids to the messages that came without one."""
    store.adopt_all(built)
    unnamed = [message for _, conversation in built for message in conversation.messages if not message.id]
    for message, message_id in zip(unnamed, store.new_message_ids(len(unnamed)), strict=True):
        message.id = message_id


def _account(spec: StoredAccount) -> Account:
    keys = [spec.api_key, *(k for k in spec.api_keys if k != spec.api_key)]
    return Account(
        spec.name or spec.api_key,
        keys,
        {n.number: n.sms_config for n in spec.agent_numbers},
        spec.from_config,
        webhook_secret=spec.webhook_secret,
    )


class _Builder:
    """Makes the state's conversations from stored ones, one at a time, checking that they are consistent."""

    FRESH_IDS = 4096
    """Conversation ids drawn at once for the conversations that come without one."""

    def __init__(
        self,
        lookup: Callable[[str | None], Account | None],
        active: dict[tuple[str, str, str], Conversation],
        taken: set[str],
    ) -> None:
        self.lookup, self.active, self.taken = lookup, active, taken
        self.built: list[tuple[Account, Conversation]] = []
        self._accounts: dict[str | None, Account | None] = {}  # by reference: a seed names few accounts often
        self._fresh_ids: Iterator[str] = iter(())

    def add(self, record: StoredConversation) -> None:
        """Build the next conversation.

        Raises:
            ApiError: it names an unknown account, a number not of its account, an id already used, or a
                pair that already has an active conversation.
        """
        i = len(self.built)
        if (account := self._accounts.get(record.account)) is None:
            account = self._accounts[record.account] = self.lookup(record.account)
            if account is None:
                raise ApiError.one(
                    ErrorCode.INVALID_FIELD, f"conversations[{i}].account: no account {record.account!r}"
                )
        sms_config = account.numbers.get(record.agent_number)
        if sms_config is None:
            raise ApiError.one(
                ErrorCode.AGENT_NUMBER_NOT_FOUND,
                f"conversations[{i}].agent_number: {record.agent_number} is not a number of {account.name}",
            )
        conversation_id = record.id or self._fresh_id()
        if conversation_id in self.taken:
            raise ApiError.one(ErrorCode.INVALID_FIELD, f"conversations[{i}].id: {conversation_id} is used twice")
        self.taken.add(conversation_id)
        conversation = _conversation(record, conversation_id, sms_config)
        if conversation.is_active:
            pair = (account.name, conversation.user_number, conversation.agent_number)
            if pair in self.active:
                raise ApiError.one(
                    ErrorCode.INVALID_FIELD,
                    f"conversations[{i}].is_active: {pair[1]} and {pair[2]} already have an active conversation",
                )
            self.active[pair] = conversation
        self.built.append((account, conversation))

    def _fresh_id(self) -> str:
        fresh = next(self._fresh_ids, None)
        if fresh is None:
            self._fresh_ids = iter(new_ids("convo", self.FRESH_IDS))
            fresh = next(self._fresh_ids)
        return fresh


def _conversation(record: StoredConversation, conversation_id: str, sms_config: Any) -> Conversation:
    messages = [
        Message(m.id or "", m.sender, m.kind, m.message, m.message_sid, timestamp_ms(m.created_at))
        for m in record.messages
    ]
    messages.sort(key=_CREATED_AT)  # stable: messages of the same instant keep the file's order
    timed_out_at = _ms(record.timed_out_at)
    fields = dict(zip(_COPIED, _copied(record), strict=True))
    conversation = Conversation(
        id=conversation_id,
        created_at=_ms(record.created_at) if record.created_at else messages[0].created_at,
        updated_at=_ms(record.updated_at) if record.updated_at else max(messages[-1].created_at, timed_out_at or 0),
        sms_config=sms_config,
        messages=messages,
        variables=dict(record.variables),
        is_active=record.is_active and timed_out_at is None,
        timed_out_at=timed_out_at,
        **fields,
    )
    if not conversation.is_active:
        return conversation
    if record.warning_due is not None or record.timeout_due is not None:
        conversation.warning_due, conversation.timeout_due = _ms(record.warning_due), _ms(record.timeout_due)
    else:
        _derive_timers(conversation)
    return conversation


def _derive_timers(conversation: Conversation) -> None:
    """Pending timers of a seeded conversation: from its last sent message, if an AGENT wrote it."""
    sent = [m for m in conversation.messages if m.kind == "message"]
    time_out = conversation.effective("time_out")
    if not sent or sent[-1].sender != "AGENT" or time_out is None:
        return
    start = sent[-1].created_at
    conversation.timeout_due = start + time_out * 1000
    warning_time = conversation.effective("warning_time")
    warned = any(m.kind == "warning" and m.created_at >= start for m in conversation.messages)
    if warning_time is not None and warning_time < time_out and not warned:
        conversation.warning_due = start + warning_time * 1000
