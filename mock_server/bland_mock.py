"""`BlandMock`: a mock driven from Python (tests, fixtures, interception), no HTTP needed to control it.

Everything here calls the store directly, so a test moves the clock or reads the journal in microseconds;
`start()` additionally serves the same state on a free loopback port for code that needs a URL.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bland_sms_mock.contracts.models.api import UpdateNumberRequest, format_timestamp, parse_timestamp, to_epoch_ms
from bland_sms_mock.contracts.models.control import (
    AccountSpec,
    FaultSpec,
    JournalQuery,
    MockConfig,
    WebhookFaultSpec,
    WebhookQuery,
    parse_duration,
)
from bland_sms_mock.mock_server import views
from bland_sms_mock.mock_server.app import create_app
from bland_sms_mock.mock_server.errors import ApiError, problems_from_validation
from bland_sms_mock.mock_server.request_io import EXTENSION
from bland_sms_mock.mock_server.serving import BackgroundServer
from bland_sms_mock.mock_server.snapshot import export_state, parse_snapshot, read_file, restore, seed
from bland_sms_mock.mock_server.state import Account
from bland_sms_mock.mock_server.store import Store
from bland_sms_mock.mock_server.verify import describe_miss, matches_request
from pydantic import ValidationError


class MockError(ValueError):
    """A call the mock refuses (bad account, bad fault rule, unknown conversation); says which field."""


def _refused(error: ApiError) -> MockError:
    return MockError("; ".join(message for _, message in error.problems))


def _validated(model: type, data: dict[str, Any]) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise MockError("; ".join(message for _, message in problems_from_validation(exc))) from None


class MockClock:
    """The mock's clock: frozen, advanced and set from Python; timers due on the way fire in order."""

    def __init__(self, store: Store) -> None:
        self._store = store

    @property
    def now(self) -> datetime:
        """The mock's current time (UTC)."""
        return datetime.fromtimestamp(self._store.clock.now_ms() / 1000, UTC)

    @property
    def frozen(self) -> bool:
        """Whether the clock stands still."""
        return self._store.clock.frozen

    def freeze(self) -> datetime:
        """Stop the clock where it is."""
        self._store.move_clock(freeze=True)
        return self.now

    def resume(self) -> datetime:
        """Let time flow again from where it stands."""
        self._store.move_clock(freeze=False)
        return self.now

    def advance(self, by: float | str, *, freeze: bool | None = None) -> list[dict[str, str]]:
        """Move forward by seconds or a duration text (`90`, `"5m"`, `"4m30s"`, `"1h"`); return what fired.

        A running clock keeps running and a frozen one stays frozen, unless `freeze` says otherwise.
        """
        fired = self._store.move_clock(advance=parse_duration(by), freeze=freeze)
        return [event.to_dict() for event in fired]

    def set(self, instant: str | datetime, *, freeze: bool = True) -> list[dict[str, str]]:
        """Put the clock at an instant (ISO text or aware datetime); return what fired on the way.

        The clock is frozen there, unless `freeze=False` (then it runs on from that instant).
        """
        moment = parse_timestamp(instant) if isinstance(instant, str) else instant
        fired = self._store.move_clock(set_ms=to_epoch_ms(moment), freeze=freeze)
        return [event.to_dict() for event in fired]

    def __repr__(self) -> str:
        state = "frozen" if self.frozen else "running"
        return f"<MockClock {format_timestamp(self._store.clock.now_ms())} {state}>"


class MockFaults:
    """Fault rules for `/v1` requests (see `FaultSpec` for the fields)."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def add(self, **rule: Any) -> dict[str, Any]:
        """Add a rule, e.g. `add(path="/v1/sms/create", status=429, retry_after=2, times=1)`; return it with its id.

        Rules are checked in the order added and the first that applies wins: the answer has `shadowed_by`
        when an earlier rule always takes the requests this one would match.
        """
        return self._store.faults.add(_validated(FaultSpec, rule))

    def list(self) -> list[dict[str, Any]]:
        """Every rule with how often it matched and applied."""
        return self._store.faults.listing()

    def remove(self, fault_id: str) -> None:
        """Remove one rule.

        Raises:
            MockError: there is no such rule.
        """
        if not self._store.faults.remove(fault_id):
            raise MockError(f"fault {fault_id} not found")

    def clear(self) -> None:
        """Remove every rule."""
        self._store.faults.clear()


class BlandMock:
    """One mock: its app, its state and, once started, a server on a free 127.0.0.1 port.

    `config` is a `MockConfig`, its dict form, a path to a YAML/JSON accounts file, or None for the demo
    account; `seeds` are seed files or documents loaded at once.
    """

    def __init__(
        self,
        config: MockConfig | dict | str | Path | None = None,
        *,
        seeds: Iterable[str | Path | dict] = (),
        journal_size: int = 1000,
    ) -> None:
        self.app = create_app(str(config) if isinstance(config, Path) else config, journal_size=journal_size)
        self.store: Store = self.app.extensions[EXTENSION]
        self.clock = MockClock(self.store)
        self.faults = MockFaults(self.store)
        self._server: BackgroundServer | None = None
        for document in seeds:
            self.seed(document)

    # ------------------------------------------------------------------------------------- serving

    def start(self) -> BlandMock:
        """Serve this mock on a free loopback port (in a thread); `url` tells where."""
        if self._server is None:
            self._server = BackgroundServer(self.app).start()
        return self

    def stop(self) -> None:
        """Stop serving and delivering webhooks (the state stays readable from Python)."""
        if self._server is not None:
            self._server.stop()
            self._server = None
        self.store.webhooks.shutdown()

    def __enter__(self) -> BlandMock:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """Base URL of the running server, e.g. `http://127.0.0.1:50123`.

        Raises:
            RuntimeError: the mock is not started.
        """
        if self._server is None:
            raise RuntimeError("this mock is not serving: call start() or use the bland_mock fixture")
        return self._server.url

    # ------------------------------------------------------------------------------------ accounts

    @property
    def api_key(self) -> str:
        """The first account's API key."""
        return self._first().api_keys[0]

    @property
    def agent_number(self) -> str:
        """The first account's first agent number."""
        return next(iter(self._first().numbers))

    def _first(self) -> Account:
        return next(iter(self.store.accounts.values()))

    def add_account(
        self,
        agent_numbers: str | Iterable[str | dict[str, Any]] = (),
        *,
        api_key: str | None = None,
        sms_config: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Add an account; `agent_numbers` is one E.164 text or a list of texts (sharing `sms_config`) and
        `{"number", "sms_config"}` dicts.

        Returns the account as the control API shows it (`api_key`, `agent_numbers`); the key is generated
        when not given.

        Raises:
            MockError: a number is invalid or owned already, or the key exists.
        """
        if isinstance(agent_numbers, str):
            agent_numbers = [agent_numbers]  # one number, not its characters
        numbers = [
            n if isinstance(n, dict) else {"number": n, **({"sms_config": sms_config} if sms_config else {})}
            for n in agent_numbers
        ]
        key = api_key or f"sk-test-{secrets.token_hex(8)}"
        spec = _validated(AccountSpec, {"api_key": key, "agent_numbers": numbers})
        try:
            return views.account_record(self.store.add_account(spec))
        except ApiError as exc:
            raise _refused(exc) from None

    # ------------------------------------------------------------------------------- conversations

    def conversation(self, conversation_id: str) -> dict[str, Any]:
        """A conversation with its hidden fields, effective settings and next timer (any account's).

        Raises:
            MockError: no such conversation (the message says when it was deleted, if it was).
        """
        return self.store.detail(self._owner(conversation_id), conversation_id)

    def messages(self, conversation_id: str) -> list[dict[str, Any]]:
        """A conversation's whole history, oldest first, including warning and timeout messages.

        Each message has `id` (the `message_id` a send answers), `sender`, `kind` (`message`, `warning`,
        `timeout`), `message`, `message_sid` and `created_at`.

        Raises:
            MockError: no such conversation (the message says when it was deleted, if it was).
        """
        return self.store.messages(self._owner(conversation_id), conversation_id)

    def deleted(self, api_key: str | None = None) -> list[dict[str, Any]]:
        """The conversations deleted since the last reset, newest first, each as its last list item plus
        `deleted_at`: every account's, or only those of the account of `api_key`.

        Raises:
            MockError: `api_key` is not a key of any account.
        """
        return self.store.deleted(None if api_key is None else self._account(api_key))

    def _owner(self, conversation_id: str) -> Account:
        owner = self.store.owner_of(conversation_id)
        if owner is None:
            gone = next((c for c in self.store.deleted(None) if c["id"] == conversation_id), None)
            when = f" (deleted at {gone['deleted_at']})" if gone else ""
            raise MockError(f"conversation {conversation_id} not found{when}")
        return owner

    def _account(self, api_key: str) -> Account:
        account = self.store.account_for_key(api_key)
        if account is None:
            raise MockError("api_key: no account has this key")
        return account

    # ------------------------------------------------------------------------------------- numbers

    def numbers(self, api_key: str | None = None) -> list[dict[str, Any]]:
        """Agent numbers as `GET /v1/sms/numbers` shows them (`phone_number`, `sms_config` with every setting,
        unset ones null, and `conversation_count`): every account's, or only those of the account of `api_key`.

        Raises:
            MockError: `api_key` is not a key of any account.
        """
        accounts = self.store.accounts.values() if api_key is None else [self._account(api_key)]
        return [number for account in list(accounts) for number in self.store.numbers(account)]

    def update_number(self, number: str, **settings: Any) -> dict[str, Any]:
        """Change an agent number's `sms_config` as `POST /v1/sms/number/update` does, whichever account owns it.

        Settings given replace the number's (`None` clears one), the rest stay; e.g.
        `update_number("+15552223333", time_out=60, warning_time=None)`. Returns the whole `sms_config` after
        the update. Conversations opened afterwards, and each later start of a running conversation's timer,
        use the new settings; a timer already running keeps its own.

        Raises:
            MockError: the number is no account's, a setting is invalid, or `warning_time` would not be
                below `time_out` (nothing changes then).
        """
        request = _validated(UpdateNumberRequest, {**settings, "phone_number": number})
        if request.channel not in (None, "sms"):
            raise MockError(f"channel: the mock keeps SMS settings only, not {request.channel}")
        owner = next((a for a in self.store.accounts.values() if number in a.numbers), None)
        if owner is None:
            raise MockError(f"phone_number: {number} is not an agent number of any account")
        try:
            return self.store.update_number(owner, request)
        except ApiError as exc:
            raise _refused(exc) from None

    # ------------------------------------------------------------------------------------- journal

    def requests(
        self,
        method: str | None = None,
        path: str | None = None,
        *,
        account: str | None = None,
        status: int | None = None,
    ) -> list[dict[str, Any]]:
        """Journalled API requests, oldest first, narrowed by method, path (glob), account and status."""
        return self.store.journal.entries(JournalQuery(method=method, path=path, account=account, status=status))

    def assert_request_made(
        self,
        method: str | None = None,
        path: str | None = None,
        *,
        body: dict[str, Any] | None = None,
        query: dict[str, str] | None = None,
        count: int | None = None,
    ) -> list[dict[str, Any]]:
        """Assert that requests like this were made (`body` and `query` match as subsets); return them.

        Raises:
            AssertionError: none (or not `count`) matched; the message shows the closest journalled request.
        """
        everything = self.store.journal.entries()
        found = [e for e in everything if matches_request(e, method, path, body, query)]
        if (count is None and found) or (count is not None and len(found) == count):
            return found
        raise AssertionError(describe_miss(everything, found, method, path, body, query, count))

    def clear_requests(self) -> None:
        """Forget every journalled request."""
        self.store.journal.clear()

    # ------------------------------------------------------------------------------ state as a whole

    def reset(self) -> None:
        """Back to the configured accounts, no conversations, empty journal, no faults, real time."""
        self.store.reset(drop_runtime_accounts=True)

    def snapshot(self) -> dict[str, Any]:
        """The whole state as versioned JSON (accounts, conversations, messages, clock, pending timers)."""
        return json.loads(json.dumps(export_state(self.store)))

    def restore(self, snapshot: dict[str, Any]) -> None:
        """Replace the whole state with a snapshot; pending timers fire at the same instants.

        Raises:
            MockError: the snapshot is malformed or inconsistent (nothing changes then).
        """
        try:
            restore(self.store, parse_snapshot(snapshot))
        except ApiError as exc:
            raise _refused(exc) from None

    def seed(self, document: str | Path | dict[str, Any]) -> int:
        """Add the accounts and conversations of a seed file or document; return how many conversations.

        Raises:
            MockError: the seed is unreadable, malformed or inconsistent.
        """
        try:
            parsed = parse_snapshot(document) if isinstance(document, dict) else read_file(document, remember=True)
            return seed(self.store, parsed)
        except ApiError as exc:
            raise _refused(exc) from None
        except ValueError as exc:
            raise MockError(str(exc)) from None

    def __repr__(self) -> str:
        where = self._server.url if self._server else "not serving"
        return f"<BlandMock {where} accounts={len(self.store.accounts)}>"

    # ------------------------------------------------------------------------------------- webhooks
    # (one block: the message and status webhooks the mock posts, and their fault rules)

    @property
    def webhooks(self) -> list[dict[str, Any]]:
        """Every webhook delivery, oldest event first, as `GET /_mock/webhooks` lists them."""
        return self.webhook_deliveries()

    def webhook_deliveries(
        self,
        *,
        conversation_id: str | None = None,
        account: str | None = None,
        status: str | None = None,
        event: str | None = None,
        limit: int | None = None,
    ) -> list[dict[str, Any]]:
        """Webhook deliveries narrowed by conversation, account name, status (`pending`, `delivered`,
        `failed`, `dropped`), event (`message`, `status`) and `limit` (the last N)."""
        given = dict(conversation_id=conversation_id, account=account, status=status, event=event, limit=limit)
        query = _validated(WebhookQuery, {name: value for name, value in given.items() if value is not None})
        shown = [views.delivery(d) for d in self.store.webhooks.deliveries(query)]
        return json.loads(json.dumps(shown))

    def wait_for_webhook(self, timeout: float = 5.0, **match: Any) -> dict[str, Any]:
        """Wait for the first delivery like this one and return it (as `webhooks` shows it).

        `match` compares delivery fields (`event`, `conversation_id`, `account`, `url`, `status`, ...);
        `payload={...}` matches the payload key by key (nested objects the same way). `status` is
        `"delivered"` unless given, so by default this waits until the receiver has said 2xx.

        Raises:
            AssertionError: none matched within `timeout` seconds; the message shows the closest delivery.
        """
        from bland_sms_mock.mock_server.verify import webhook_differences

        match.setdefault("status", "delivered")
        deadline = time.monotonic() + timeout
        while True:
            everything = self.webhooks
            for delivery in everything:
                if not webhook_differences(delivery, match):
                    return delivery
            left = deadline - time.monotonic()
            if left <= 0:
                break
            self.store.webhooks.wait_change(min(left, 0.1))
        lines = [f"No webhook delivery matched {match!r} within {timeout:g}s ({len(everything)} in the log)."]
        if everything:
            closest = min(everything, key=lambda d: len(webhook_differences(d, match)))
            lines.append(f"Closest: {closest['id']} {closest['event']} {closest['status']} -> {closest['url']}")
            lines += [f"  {problem}" for problem in webhook_differences(closest, match)]
            lines += [f"  attempt: {a}" for a in closest["attempts"]]
        raise AssertionError("\n".join(lines))

    def settle_webhooks(self, timeout: float = 5.0) -> None:
        """Wait until no webhook is due now or in flight (retries due later on the mock's clock may remain).

        Raises:
            AssertionError: deliveries were still due or in flight after `timeout` seconds.
        """
        if not self.store.webhooks.wait_idle(timeout):
            raise AssertionError(f"webhooks were still due or in flight after {timeout:g}s")

    def clear_webhooks(self) -> None:
        """Forget every webhook delivery, pending ones and their retries included."""
        self.store.webhooks.clear()

    def webhook_secret(self, account: str | None = None) -> str:
        """The webhook signing secret of an account (name or API key; the first account when None).

        Raises:
            MockError: no such account.
        """
        found = self.store.find_account(account)
        if found is None:
            raise MockError(f"no account {account!r}")
        return found.webhook_secret or ""

    @property
    def webhooks_any_host(self) -> bool:
        """Whether webhooks may go to hosts other than loopback ones (off by default)."""
        return self.store.webhooks.any_host

    @webhooks_any_host.setter
    def webhooks_any_host(self, allowed: bool) -> None:
        self.store.webhooks.any_host = bool(allowed)

    @property
    def webhook_faults(self) -> MockWebhookFaults:
        """Fault rules for webhooks: drop, delay or duplicate chosen ones."""
        return MockWebhookFaults(self.store)


class MockWebhookFaults:
    """Fault rules for the mock's webhooks (see `WebhookFaultSpec` for the fields)."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def add(self, **rule: Any) -> dict[str, Any]:
        """Add a rule, e.g. `add(event="status", duplicate=True, duplicate_after="40s")`; return it with its id."""
        return self._store.webhooks.faults.add(_validated(WebhookFaultSpec, rule))

    def list(self) -> list[dict[str, Any]]:
        """Every rule with how often it matched and applied."""
        return self._store.webhooks.faults.listing()

    def remove(self, fault_id: str) -> None:
        """Remove one rule.

        Raises:
            MockError: there is no such rule.
        """
        if not self._store.webhooks.faults.remove(fault_id):
            raise MockError(f"webhook fault {fault_id} not found")

    def clear(self) -> None:
        """Remove every rule."""
        self._store.webhooks.faults.clear()
