"""Webhook deliveries: the message and status webhooks of conversations, POSTed off the request path.

The store hands every event to `Webhooks.enqueue` under its own lock; that costs a few microseconds and
never touches the network. A small pool of worker threads posts them (with httpcore, httpx's HTTP engine,
so `intercept` never reroutes or blocks the mock's own deliveries), and a scheduler thread
runs the retries on the mock's clock:

- **Order**: the webhooks of one conversation go out one at a time, in the order of their events (a
  lane per conversation): a later event waits until the earlier one is delivered or given up.
- **Isolation**: at most `PER_RECEIVER` attempts run at once against one receiver (scheme, host, port),
  so a receiver that never answers holds at most that many of the `WORKERS` threads, and the others keep
  serving every other receiver.
- **Retries**: a failed attempt (no connection, no answer within `ATTEMPT_TIMEOUT_S`, a non-2xx status,
  a redirect) is tried again `RETRY_AFTER_S` seconds later, on the mock's clock: with a frozen clock,
  advancing it sends the retries that fell due; with a running clock they go out in real time.
- **Cap**: past `MAX_UNDELIVERED` undelivered webhooks the oldest one not in flight is dropped and counted.
- **Policy**: unless `any_host`, only loopback hosts are posted to; another host fails at once, before
  any connection is made, and is not retried.

The scheduler also fires the store's due timers when the clock runs, so a timeout's webhook goes out at
its instant even when no request comes in. Threads start when the first webhook is enqueued and stop
with `shutdown()` (idle workers also end on their own).
"""

from __future__ import annotations

import heapq
import ipaddress
import itertools
import logging
import random
import threading
import time
from collections import Counter, OrderedDict, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from bland_sms_mock.contracts.models.control import WebhookFaultSpec, WebhookQuery, format_duration
from bland_sms_mock.mock_server import views
from bland_sms_mock.mock_server.clock import Clock
from bland_sms_mock.mock_server.faults import CountedRule
from bland_sms_mock.mock_server.state import Delivery, WebhookAttemptRecord, WebhookEvent

from bland_sms_mock.version import __version__

WORKERS = 4
"""Threads that post webhooks [mock]."""
PER_RECEIVER = 2
"""Attempts in flight at once against one receiver (scheme, host and port) [mock]."""
RETRY_AFTER_S: tuple[int, ...] = (10, 60, 300)
"""Seconds (mock clock) after a failed attempt before the next one; after the last, the webhook is failed [mock]."""
ATTEMPT_TIMEOUT_S = 5.0
"""An attempt fails when connecting, sending or a read of the answer takes longer than this [mock]."""
RESPONSE_BYTES_READ = 64 * 1024
"""At most this much of a receiver's answer is read [mock]."""
MAX_UNDELIVERED = 10_000
"""Undelivered webhooks kept; past this the oldest one not in flight is dropped and counted [mock]."""
LOG_KEPT = 10_000
"""Finished deliveries (delivered, failed, dropped) the log keeps, besides the pending ones [mock]."""
WORKER_IDLE_S = 2.0
"""A worker with nothing to do for this long ends; the next webhook starts one again."""
SCHEDULER_POLL_S = 0.5
"""The scheduler looks at the clock at least this often (freezegun may move it with no call to the mock)."""
BLOCKED = "blocked by the mock's loopback-only policy (serve --webhooks-any-host allows other hosts)"
"""The error of an attempt the policy refused."""
USER_AGENT = f"bland-sms-mock/{__version__}"

log = logging.getLogger(__name__)

Receiver = tuple[str, str, int | None]
"""Scheme, host and port of a webhook URL: attempts in flight are counted per receiver."""


def is_loopback(host: str | None) -> bool:
    """Whether a URL's host is a loopback one: `localhost`, 127.0.0.0/8 or ::1 (names are not resolved)."""
    if not host:
        return False
    host = host.strip("[]").lower().rstrip(".")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _receiver(url: str) -> Receiver:
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = None
    return parts.scheme, (parts.hostname or ""), port


# ------------------------------------------------------------------------------------------ faults


@dataclass
class WebhookFault(CountedRule):
    """One webhook fault rule and its counters."""

    spec: WebhookFaultSpec

    def wants(self, account: str, conversation_id: str, event: str) -> bool:
        """Whether a webhook matches this rule (counters untouched)."""
        spec = self.spec
        return (
            (spec.account is None or spec.account == account)
            and (spec.conversation_id is None or spec.conversation_id == conversation_id)
            and (spec.event is None or spec.event == event)
        )


@dataclass
class WebhookFaults:
    """Webhook fault rules, tried in the order they were added; the first that applies wins."""

    rules: list[WebhookFault] = field(default_factory=list)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, spec: WebhookFaultSpec) -> dict[str, Any]:
        """Add a rule (its probability draws come from its own seeded generator); return it as listed."""
        with self._lock:
            fault = WebhookFault(f"wf-{next(self._ids)}", spec, random.Random(spec.seed))
            self.rules.append(fault)
            return fault.to_dict()

    def pick(self, account: str, conversation_id: str, event: str) -> WebhookFault | None:
        """The rule that applies to this webhook, counting the match and the hit; None for no fault."""
        if not self.rules:
            return None
        with self._lock:
            for fault in self.rules:
                if fault.exhausted() or not fault.wants(account, conversation_id, event):
                    continue
                fault.matched += 1
                if fault.spec.probability < 1 and fault.rng.random() >= fault.spec.probability:
                    continue
                fault.applied += 1
                return fault
            return None

    def listing(self) -> list[dict[str, Any]]:
        """Every rule with its counters."""
        with self._lock:
            return [fault.to_dict() for fault in self.rules]

    def remove(self, fault_id: str) -> bool:
        """Drop one rule; False when there is no such rule."""
        with self._lock:
            kept = [fault for fault in self.rules if fault.id != fault_id]
            removed = len(kept) != len(self.rules)
            self.rules = kept
            return removed

    def clear(self) -> int:
        """Drop every rule; return how many there were."""
        with self._lock:
            count = len(self.rules)
            self.rules = []
            return count


# --------------------------------------------------------------------------------------- delivery


@dataclass(eq=False)
class _Lane:
    """The undelivered webhooks of one conversation, oldest first; only the head is ever attempted."""

    key: str
    queue: deque[Delivery] = field(default_factory=deque)
    state: str = "idle"
    """`idle`, `ready` (head due, waiting for a worker), `waiting` (head due later) or `busy` (head in flight)."""
    gen: int = 0
    """Moves on every change of state, so queue and heap entries made before it are recognised as stale."""


@dataclass(frozen=True)
class _Outcome:
    attempt: WebhookAttemptRecord
    delivered: bool
    final: bool
    """A failure that no retry can mend (the policy refused the host)."""


class Webhooks:
    """The webhook deliveries of one store: queue, workers, retries on the mock's clock, log, faults."""

    def __init__(
        self,
        clock: Clock,
        *,
        any_host: bool = False,
        fire_due: Callable[[], Any] | None = None,
        next_timer_ms: Callable[[], int | None] | None = None,
        workers: int = WORKERS,
        per_receiver: int = PER_RECEIVER,
        retry_after: Iterable[float] = RETRY_AFTER_S,
        attempt_timeout: float = ATTEMPT_TIMEOUT_S,
        max_undelivered: int = MAX_UNDELIVERED,
        log_kept: int = LOG_KEPT,
    ) -> None:
        self.clock = clock
        self.any_host = any_host
        self.faults = WebhookFaults()
        self.workers = workers
        self.per_receiver = per_receiver
        self.retry_after = tuple(retry_after)
        self.attempt_timeout = attempt_timeout
        self.max_undelivered = max_undelivered
        self.log_kept = log_kept
        self._fire_due = fire_due
        self._next_timer_ms = next_timer_ms
        self._lock = threading.Lock()
        self._work = threading.Condition(self._lock)
        """Workers wait here for a lane to become ready."""
        self._wake = threading.Condition(self._lock)
        """The scheduler waits here for the clock to move or a retry to be scheduled."""
        self._changed = threading.Condition(self._lock)
        """Waiters (`wait_idle`, `wait_change`) learn here that a delivery moved on."""
        self._watchers = 0
        """Threads waiting on `_changed`; nobody is notified when nobody waits (a notify is not free)."""
        self._scheduler_waiting = False
        self._ids = itertools.count(1)
        self._seq = itertools.count()
        self._in_flight: Counter[Receiver] = Counter()
        self._threads: set[threading.Thread] = set()
        self._scheduler: threading.Thread | None = None
        self._idle_workers = 0
        self._closing = False
        self._kicks = 0
        self._pool: Any = None
        self._epoch = 0
        self._empty()

    def _empty(self) -> None:
        """Forget every delivery (caller holds the lock, or the object is new)."""
        self._epoch += 1
        self._log: dict[str, Delivery] = {}
        self._pending: OrderedDict[str, Delivery] = OrderedDict()
        self._finished: deque[str] = deque()
        self._latest_status: dict[str, Delivery] = {}
        self._lanes: dict[str, _Lane] = {}
        self._ready: dict[Receiver, deque[tuple[_Lane, int]]] = {}
        self._rotation: deque[Receiver] = deque()
        self._rotating: set[Receiver] = set()
        self._waiting: list[tuple[int, int, _Lane, int]] = []
        self.dropped = 0

    # ------------------------------------------------------------------------------- from the store

    def enqueue(self, account: str, secret: str, url: str, event: WebhookEvent) -> None:
        """Queue the webhook of an event (called under the store's lock; never blocks on the network)."""
        with self._lock:
            fault = self.faults.pick(account, event.conversation_id, event.type)
            delivery = self._new(account, secret, url, event, event.at_ms, event.conversation_id)
            if fault is not None and fault.spec.drop:
                delivery.fault, delivery.note = fault.id, f"dropped by webhook fault {fault.id}"
                self._log[delivery.id] = delivery
                self._finish(delivery, "dropped")
                self._announce()
                return
            if fault is not None and fault.spec.delay:
                delivery.due_ms += round(fault.spec.delay * 1000)
                delivery.fault = fault.id
                delivery.note = f"delayed {format_duration(fault.spec.delay)} by webhook fault {fault.id}"
            self._admit(delivery)
            if fault is not None and fault.spec.duplicate:
                due = event.at_ms + round(fault.spec.duplicate_after * 1000)
                copy = self._new(account, secret, url, event, due, f"{event.conversation_id}#duplicates")
                copy.fault, copy.duplicate_of = fault.id, delivery.id
                copy.note = f"a second copy of {delivery.id}, made by webhook fault {fault.id}"
                self._admit(copy)
            self._start_threads()
            self._announce()

    def kick(self) -> None:
        """Tell the scheduler that the clock moved (or a timer was scheduled): retries may have fallen due."""
        if self._scheduler is None and not self._pending:
            return
        with self._lock:
            self._kicks += 1
            if self._pending:
                self._start_threads()
            self._wake.notify_all()

    # ------------------------------------------------------------------------------------- queueing

    def _new(self, account: str, secret: str, url: str, event: WebhookEvent, due_ms: int, lane: str) -> Delivery:
        return Delivery(
            f"whd_{next(self._ids)}", account, event.conversation_id, url, event, secret, event.at_ms, due_ms, lane
        )

    def _admit(self, delivery: Delivery) -> None:
        self._log[delivery.id] = delivery
        self._pending[delivery.id] = delivery
        if delivery.event.type == "status":
            self._latest_status[delivery.conversation_id] = delivery
        lane = self._lanes.get(delivery.lane)
        if lane is None:
            lane = self._lanes[delivery.lane] = _Lane(delivery.lane)
        lane.queue.append(delivery)
        if len(lane.queue) == 1:
            self._schedule(lane)
        while len(self._pending) > self.max_undelivered and self._drop_oldest():
            pass

    def _schedule(self, lane: _Lane) -> None:
        """Make a lane with a head ready (due now) or waiting (due later)."""
        head = lane.queue[0]
        lane.gen += 1
        if self._is_due(head):
            lane.state = "ready"
            receiver = _receiver(head.url)
            self._ready.setdefault(receiver, deque()).append((lane, lane.gen))
            self._rotate(receiver)
        else:
            lane.state = "waiting"
            heapq.heappush(self._waiting, (head.due_ms, next(self._seq), lane, lane.gen))
            if self._scheduler_waiting:
                self._wake.notify_all()

    def _is_due(self, delivery: Delivery, now: int | None = None) -> bool:
        """Whether a delivery's next attempt is due.

        A first attempt not held back by a fault is due at once (its event is now or past), even if the
        clock was set back since; that needs no read of the clock, which costs more than the rest of a
        queueing.
        """
        if delivery.due_ms <= delivery.created_ms:
            return True
        return delivery.due_ms <= (self.clock.now_ms() if now is None else now)

    def _rotate(self, receiver: Receiver) -> None:
        """Offer a receiver's ready lanes to the workers, if it has some and room for another attempt."""
        full = self._in_flight[receiver] >= self.per_receiver
        if full or receiver in self._rotating or not self._ready.get(receiver):
            return
        self._rotation.append(receiver)
        self._rotating.add(receiver)
        if self._idle_workers:
            self._work.notify()

    def _drop_oldest(self) -> bool:
        """Drop the oldest undelivered webhook that is not in flight; False when every one is in flight."""
        for delivery in self._pending.values():
            lane = self._lanes[delivery.lane]
            if not (lane.state == "busy" and lane.queue[0] is delivery):
                break
        else:
            return False
        was_head = lane.queue[0] is delivery
        lane.queue.remove(delivery)
        delivery.note = f"dropped: more than {self.max_undelivered:,} webhooks were waiting to be delivered"
        self._finish(delivery, "dropped")
        self.dropped += 1
        if was_head:
            self._settle_lane(lane)
        return True

    def _announce(self) -> None:
        """Wake the threads waiting for a delivery to move on, if any (caller holds the lock)."""
        if self._watchers:
            self._changed.notify_all()

    def _settle_lane(self, lane: _Lane) -> None:
        """After a lane's head left it: schedule the next one, or forget the empty lane."""
        lane.state = "idle"
        lane.gen += 1
        if lane.queue:
            self._schedule(lane)
        else:
            del self._lanes[lane.key]

    def _finish(self, delivery: Delivery, status: str) -> None:
        delivery.status = status
        delivery.body = None  # the log renders it again when asked; a long history would cost memory
        self._pending.pop(delivery.id, None)
        self._finished.append(delivery.id)
        while len(self._finished) > self.log_kept:
            gone = self._log.pop(self._finished.popleft(), None)
            if gone is not None and self._latest_status.get(gone.conversation_id) is gone:
                del self._latest_status[gone.conversation_id]

    def _take(self) -> tuple[_Lane, Delivery, Receiver, int] | None:
        """The next head to attempt, fairly across receivers (caller holds the lock)."""
        now = self.clock.now_ms()
        while self._rotation:
            receiver = self._rotation.popleft()
            self._rotating.discard(receiver)
            if self._in_flight[receiver] >= self.per_receiver:
                continue
            queue = self._ready.get(receiver)
            while queue:
                lane, gen = queue.popleft()
                if lane.gen != gen or lane.state != "ready" or not lane.queue:
                    continue
                head = lane.queue[0]
                if not self._is_due(head, now):
                    self._schedule(lane)
                    continue
                lane.state = "busy"
                lane.gen += 1
                self._in_flight[receiver] += 1
                self._rotate(receiver)
                return lane, head, receiver, self._epoch
            if queue is not None and not queue:
                del self._ready[receiver]
        return None

    def _done(
        self,
        lane: _Lane,
        delivery: Delivery,
        receiver: Receiver,
        epoch: int,
        outcome: _Outcome,
    ) -> None:
        """Record an attempt and move the lane on (caller holds the lock)."""
        self._in_flight[receiver] -= 1
        if self._in_flight[receiver] <= 0:
            del self._in_flight[receiver]
        self._rotate(receiver)
        if epoch != self._epoch:
            return  # the log was cleared while the attempt ran
        delivery.attempts = (*delivery.attempts, outcome.attempt)
        if outcome.delivered:
            self._finish(delivery, "delivered")
        elif outcome.final or len(delivery.attempts) > len(self.retry_after):
            self._finish(delivery, "failed")
        else:
            delivery.due_ms = self.clock.now_ms() + round(self.retry_after[len(delivery.attempts) - 1] * 1000)
            lane.state = "idle"
            self._schedule(lane)
            return
        lane.queue.popleft()
        self._settle_lane(lane)

    # -------------------------------------------------------------------------------------- threads

    def _start_threads(self) -> None:
        """Start the scheduler, and a worker when work is ready and none is idle (caller holds the lock).

        Threads leave `_threads` (and `_scheduler`) themselves as they end, so this reads no thread state.
        """
        if self._closing:
            if self._threads or self._scheduler is not None:
                return  # a shutdown is still waiting for them
            self._closing = False
        if self._scheduler is None:
            self._scheduler = threading.Thread(target=self._run_scheduler, name="bland-sms-mock:webhooks", daemon=True)
            self._scheduler.start()
        if self._rotation and self._idle_workers == 0 and len(self._threads) < self.workers:
            worker = threading.Thread(target=self._run_worker, name="bland-sms-mock:webhook-worker", daemon=True)
            self._threads.add(worker)
            worker.start()

    def _run_worker(self) -> None:
        try:
            self._work_until_idle()
        finally:
            with self._lock:
                self._threads.discard(threading.current_thread())

    def _work_until_idle(self) -> None:
        while True:
            with self._lock:
                job = self._take()
                while job is None:
                    if self._closing:
                        return
                    self._idle_workers += 1
                    woke = self._work.wait(WORKER_IDLE_S)
                    self._idle_workers -= 1
                    job = self._take()
                    if job is None and not woke:
                        return
                if self._rotation:
                    self._start_threads()  # more ready work than this worker: bring another
            lane, delivery, receiver, epoch = job
            outcome = self._attempt(delivery, "retry" if delivery.attempts else "spawn")
            with self._lock:
                self._done(lane, delivery, receiver, epoch, outcome)
                self._announce()

    def _run_scheduler(self) -> None:
        try:
            self._schedule_until_closed()
        finally:
            with self._lock:
                if self._scheduler is threading.current_thread():
                    self._scheduler = None

    def _schedule_until_closed(self) -> None:
        while True:
            with self._lock:
                if self._closing:
                    return
                kicks = self._kicks
                now = self.clock.now_ms()
                while self._waiting and self._waiting[0][0] <= now:
                    _, _, lane, gen = heapq.heappop(self._waiting)
                    if lane.gen == gen and lane.state == "waiting" and self._lanes.get(lane.key) is lane:
                        self._schedule(lane)
                if self._rotation:
                    self._start_threads()
                next_retry = self._waiting[0][0] if self._waiting else None
                frozen = self.clock.frozen
            next_timer = self._next_timer_ms() if self._next_timer_ms else None
            if next_timer is not None and next_timer <= now and self._fire_due is not None:
                try:
                    self._fire_due()  # the store's lock; the timeouts' webhooks come back through enqueue
                except Exception:  # never let the scheduler die: retries depend on it
                    log.exception("firing due timers from the webhook scheduler failed")
                    time.sleep(SCHEDULER_POLL_S)
                continue
            wait = SCHEDULER_POLL_S
            if not frozen:
                soonest = min((t for t in (next_retry, next_timer) if t is not None), default=None)
                if soonest is not None:
                    wait = min(wait, max(0.001, (soonest - now) / 1000))
            with self._lock:
                if self._closing:
                    return
                if self._kicks == kicks:
                    self._scheduler_waiting = True
                    self._wake.wait(wait)
                    self._scheduler_waiting = False

    def shutdown(self, timeout: float = ATTEMPT_TIMEOUT_S + 1) -> bool:
        """Stop the threads (an attempt in flight ends first); True when all ended within `timeout`.

        Pending webhooks stay; the next webhook or clock move starts the threads again.
        """
        with self._lock:
            self._closing = True
            self._work.notify_all()
            self._wake.notify_all()
            threads = [t for t in (*self._threads, self._scheduler) if t is not None]
        deadline = time.monotonic() + timeout
        for thread in threads:
            if thread is not threading.current_thread():
                thread.join(max(0.0, deadline - time.monotonic()))
        stopped = not any(t.is_alive() for t in threads)
        with self._lock:
            if stopped:
                self._closing = False
                if self._pool is not None:
                    self._pool.close()
                    self._pool = None
        return stopped

    # ------------------------------------------------------------------------------------- attempts

    def _connection_pool(self) -> Any:
        import httpcore

        with self._lock:
            if self._pool is None:
                self._pool = httpcore.ConnectionPool(
                    max_connections=self.workers, max_keepalive_connections=0, retries=0
                )
            return self._pool

    def _attempt(self, delivery: Delivery, send_type: str) -> _Outcome:
        """POST a webhook once (no lock held) and say how it went."""
        import httpcore

        sent = self.clock.now_ms()
        started = time.perf_counter()

        def outcome(code: int | None, error: str | None, *, final: bool = False) -> _Outcome:
            elapsed = (time.perf_counter() - started) * 1000
            attempt = WebhookAttemptRecord(sent, code, elapsed, send_type, error)
            return _Outcome(attempt, error is None, final)

        if not self.any_host and not is_loopback(urlsplit(delivery.url).hostname):
            return outcome(None, BLOCKED, final=True)
        if delivery.body is None:
            delivery.body = views.webhook_body(delivery.event)
            delivery.signature = views.webhook_signature(delivery.secret, delivery.body)
        headers = [
            ("Content-Type", "application/json"),
            ("User-Agent", USER_AGENT),
            ("X-Webhook-Signature", delivery.signature or ""),
            ("X-Bland-Mock-Delivery", delivery.id),
        ]
        limit = self.attempt_timeout
        timeouts = {"connect": limit, "read": limit, "write": limit, "pool": limit}
        try:
            with self._connection_pool().stream(
                "POST", delivery.url, headers=headers, content=delivery.body, extensions={"timeout": timeouts}
            ) as response:
                code = response.status
                read = 0
                try:
                    for chunk in response.iter_stream():
                        read += len(chunk)
                        if read >= RESPONSE_BYTES_READ or time.perf_counter() - started > limit:
                            break
                except (httpcore.TimeoutException, httpcore.NetworkError, httpcore.ProtocolError):
                    pass  # the status decides; the rest of the answer does not matter
        except httpcore.TimeoutException:
            return outcome(None, f"no answer within {limit:g} s")
        except httpcore.ConnectError as exc:
            return outcome(None, f"could not connect: {exc or 'connection refused'}")
        except Exception as exc:  # any other failure is a failed attempt, never a dead worker
            return outcome(None, f"{type(exc).__name__}: {exc}")
        if 200 <= code < 300:
            return outcome(code, None)
        if 300 <= code < 400:
            return outcome(code, f"HTTP {code}: redirects are not followed")
        return outcome(code, f"HTTP {code}")

    # ---------------------------------------------------------------------------------------- reading

    def deliveries(self, query: WebhookQuery | None = None) -> list[Delivery]:
        """Deliveries in the log, oldest event first, narrowed by the query."""
        query = query or WebhookQuery()
        with self._lock:
            found = [
                d
                for d in self._log.values()
                if (query.conversation_id is None or d.conversation_id == query.conversation_id)
                and (query.account is None or d.account == query.account)
                and (query.status is None or d.status == query.status)
                and (query.event is None or d.event.type == query.event)
            ]
        return found[-query.limit :] if query.limit else found

    def latest_status(self, conversation_id: str) -> Delivery | None:
        """The conversation's latest status webhook still in the log, or None."""
        with self._lock:
            return self._latest_status.get(conversation_id)

    @property
    def pending(self) -> int:
        """How many webhooks are not finished yet."""
        return len(self._pending)

    def clear(self, *, faults: bool = False) -> int:
        """Forget every delivery, pending ones included (and the fault rules if asked); return how many."""
        with self._lock:
            count = len(self._log)
            self._empty()
            if faults:
                self.faults.clear()
            self._announce()
            self._wake.notify_all()
            return count

    def _busy(self, now: int) -> bool:
        return bool(
            sum(self._in_flight.values()) or any(self._ready.values()) or (self._waiting and self._waiting[0][0] <= now)
        )

    def wait_idle(self, timeout: float = 5.0) -> bool:
        """Wait until no webhook is due now or in flight (later retries may remain); False on timeout."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while self._busy(self.clock.now_ms()):
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._watch(min(left, 0.05))
            return True

    def wait_change(self, timeout: float) -> None:
        """Wait until a delivery moves on (queued, attempted, finished), at most `timeout` seconds."""
        with self._lock:
            self._watch(timeout)

    def _watch(self, timeout: float) -> None:
        self._watchers += 1
        try:
            self._changed.wait(timeout)
        finally:
            self._watchers -= 1
