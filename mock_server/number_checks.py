"""Judge a big seed's phone numbers in a helper process while this one parses and builds the seed.

phonenumbers parses each number in pure Python (~25 µs), and the numbers of a generated seed are all
distinct, so a million conversations spent ~25 s on them alone. A `NumberChecks` given to the validation
(`DEFERRED_NUMBERS` in its context) takes each distinct number and says "fine for now"; once it has
`CHUNK` of them it starts the helper (`python -m bland_sms_mock.mock_server.number_checks`, its own
process group, so a Ctrl-C or a signal to `serve`'s group reaches `serve` alone) and streams the numbers
to it, one JSON line per chunk, while the parse goes on. `finish()` waits for the helper's verdicts;
afterwards `verdict` answers from them, so the caller validates again to name each bad field. Fewer
numbers than a chunk, or a helper that cannot start or dies, and the numbers are judged here instead:
the same function decides either way (`is_phone_number`).

The helper ends when its input closes, so it never outlives this process (a stop ends `serve` with
`os._exit`).
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import subprocess
import sys
import threading
from types import TracebackType
from typing import IO

from bland_sms_mock.contracts.models.api import is_phone_number

try:
    import fcntl
except ImportError:  # not POSIX: the pipe keeps its default size
    fcntl = None  # type: ignore[assignment]

CHUNK = 8192
"""Distinct numbers sent to the helper at a time; a seed with fewer is judged in this process."""
PIPE_BYTES = 1 << 20
"""The pipe to the helper, where the system allows choosing (Linux's default for a user's pipe at most)."""


class NumberChecks:
    """The phone numbers of one validation, judged in bulk (a `NumberVerdicts` for `DEFERRED_NUMBERS`)."""

    def __init__(self, chunk: int | None = None) -> None:
        self._chunk = chunk or CHUNK
        self._seen: dict[bool, set[str]] = {False: set(), True: set()}
        self._pending: dict[bool, list[str]] = {False: [], True: []}
        self._helper: subprocess.Popen[bytes] | None = None
        self._helper_failed = False
        self._bad: set[tuple[str, bool]] | None = None

    def verdict(self, number: str, strict: bool) -> bool:
        """Before `finish`: take the number and say it is fine for now; after: whether it passed."""
        if self._bad is not None:
            return (number, strict) not in self._bad
        seen = self._seen[strict]
        if number not in seen:
            seen.add(number)
            pending = self._pending[strict]
            pending.append(number)
            if len(pending) >= self._chunk:
                self._send(strict)
        return True

    @property
    def bad(self) -> set[tuple[str, bool]]:
        """The (number, strict) pairs that failed (after `finish`)."""
        if self._bad is None:
            raise RuntimeError("finish() first")
        return self._bad

    def finish(self) -> None:
        """Judge every number taken, waiting for the helper's verdicts (or judging here if it failed)."""
        if self._bad is not None:
            return
        bad = None
        if self._helper is not None:
            for strict in (False, True):
                self._send(strict)
            bad = self._helper_verdicts()
        if bad is None:  # no helper (a small seed), or it failed: every number taken is judged here
            taken = self._seen.items()
            bad = {(n, strict) for strict, numbers in taken for n in numbers if not is_phone_number(n, strict)}
        self._bad = bad
        self._seen, self._pending = {False: set(), True: set()}, {False: [], True: []}
        self.close()

    def close(self) -> None:
        """Stop the helper if it still runs (the verdicts are kept)."""
        helper, self._helper = self._helper, None
        if helper is None:
            return
        for stream in (helper.stdin, helper.stdout):
            if stream is not None:
                with contextlib.suppress(OSError):  # a helper gone mid-write leaves a broken pipe to close
                    stream.close()
        if helper.poll() is None:
            helper.kill()
        helper.wait()

    def __enter__(self) -> NumberChecks:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()

    def _send(self, strict: bool) -> None:
        pending = self._pending[strict]
        if not pending or self._helper_failed:
            return
        try:
            helper = self._helper or self._start()
            assert helper.stdin is not None
            helper.stdin.write(json.dumps([strict, pending]).encode() + b"\n")
            helper.stdin.flush()
        except OSError:
            self._helper_failed = True  # judged here at `finish`, from `_seen`
            return
        self._pending[strict] = []

    def _start(self) -> subprocess.Popen[bytes]:
        if not sys.executable:
            raise OSError("no Python interpreter to start the helper with")
        environment = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
        if os.name == "posix":
            own_group: dict[str, int] = {"process_group": 0}
        else:
            own_group = {"creationflags": subprocess.CREATE_NEW_PROCESS_GROUP}
        self._helper = subprocess.Popen(
            [sys.executable, "-m", __name__],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=environment,
            **own_group,  # type: ignore[call-overload]
        )
        if hasattr(fcntl, "F_SETPIPE_SZ"):  # Linux: room for several chunks, so a send seldom waits for the helper
            with contextlib.suppress(OSError):
                fcntl.fcntl(self._helper.stdin.fileno(), fcntl.F_SETPIPE_SZ, PIPE_BYTES)  # type: ignore[union-attr]
        return self._helper

    def _helper_verdicts(self) -> set[tuple[str, bool]] | None:
        helper = self._helper
        if helper is None or self._helper_failed:
            return None
        assert helper.stdin is not None and helper.stdout is not None
        try:
            helper.stdin.write(END)
            helper.stdin.close()
            answer = helper.stdout.readline()
            return {(number, strict) for number, strict in json.loads(answer)}
        except (OSError, ValueError, TypeError):
            self._helper_failed = True
            return None


def serve_checks(inbox: int, outbox: IO[bytes]) -> None:
    """The helper's loop: judge each chunk as it arrives; at the end marker write the bad numbers as one line.

    A reader thread drains the input (file descriptor `inbox`) while the numbers are judged, so the sender
    seldom waits on a full pipe. Input that ends without the end marker means the sender is gone: the
    helper exits quietly.
    """
    received: queue.SimpleQueue[bytes] = queue.SimpleQueue()

    def read() -> None:
        tail = b""
        while data := os.read(inbox, 1 << 20):
            received.put(data)
            tail = (tail + data)[-len(END) :]
        if tail != END:
            os._exit(0)  # the input ended before the end marker: the sender is gone, nobody waits for an answer
        received.put(b"")

    sys.setswitchinterval(0.0005)  # the reader gets its turn soon after the pipe fills
    threading.Thread(target=read, daemon=True).start()
    bad: list[tuple[str, bool]] = []
    buffered = b""
    while data := received.get():
        *lines, buffered = (buffered + data).split(b"\n")
        for line in lines:
            item = json.loads(line)
            if item is None:
                outbox.write(json.dumps(bad).encode() + b"\n")
                outbox.flush()
                return
            strict, numbers = item
            bad.extend((number, strict) for number in numbers if not is_phone_number(number, strict))


END = b"null\n"
"""The line that ends the numbers."""

if __name__ == "__main__":
    serve_checks(sys.stdin.fileno(), sys.stdout.buffer)
