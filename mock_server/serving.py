"""Run the mock under a production WSGI server: granian (fastest, the default for `serve`) or waitress.

State lives in memory, so there is always exactly one process serving it, and `serve` runs both servers
inside its own process (no supervisor, no worker process). `BackgroundServer` (tests, tools)
uses waitress because it runs inside the caller's process, in a thread.
"""

from __future__ import annotations

import gc
import os
import signal
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

from bland_sms_mock.mock_server.stopping import StopSignals

BODY_LIMIT_BYTES = 16 * 1024 * 1024
"""Waitress's own ceiling; the app answers 413 with the envelope above 1 MiB well before this."""
HEADER_LIMIT_BYTES = 4 * 1024 * 1024
"""Large enough that an absurd query string (10,000 filters) reaches the app and gets its envelope."""


def make_server(app: Any, host: str, port: int, threads: int = 8, **adjustments: Any) -> Any:
    """Bind a waitress server (port 0 picks a free port; read it back from `.effective_port`)."""
    from waitress.server import create_server  # lazy, for start-up speed: `serve` runs granian by default

    return create_server(
        app,
        host=host,
        port=port,
        threads=threads,
        ident="bland-sms-mock",
        max_request_body_size=BODY_LIMIT_BYTES,
        max_request_header_size=HEADER_LIMIT_BYTES,
        clear_untrusted_proxy_headers=True,
        channel_timeout=30,
        **adjustments,
    )


def serve_forever(
    server: Any,
    on_stop: Callable[[], None] | None = None,
    on_ready: Callable[[], None] | None = None,
    stop: StopSignals | None = None,
) -> None:
    """Serve until SIGINT or SIGTERM (or at once, if `stop` already received one), then close the socket.

    `on_ready` runs once the signals are handled, so a caller that announces the server there can be stopped cleanly.
    """

    def interrupt(_signum: int, _frame: Any) -> None:
        raise KeyboardInterrupt

    previous = {signum: signal.signal(signum, interrupt) for signum in (signal.SIGINT, signal.SIGTERM)}
    try:
        if stop is None or stop.received is None:
            if on_ready:
                on_ready()
            server.run()
    except KeyboardInterrupt:
        pass
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        server.close()
        if on_stop:
            on_stop()


class BackgroundServer:
    """A real server for an app on a free loopback port, in a daemon thread; for tests and tools.

    Use as a context manager, or call `start()` and `stop()`.
    """

    def __init__(self, app: Any, host: str = "127.0.0.1", port: int = 0, threads: int = 8) -> None:
        self.app = app
        self._server = make_server(app, host, port, threads, asyncore_loop_timeout=0.05)
        self.host = host
        self.port: int = self._server.effective_port
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"bland-sms-mock:{self.port}", daemon=True)

    @property
    def url(self) -> str:
        """Base URL, e.g. `http://127.0.0.1:54321`."""
        return f"http://{self.host}:{self.port}"

    def start(self) -> BackgroundServer:
        """Start answering requests (the socket is already bound, so no request is refused)."""
        self._thread.start()
        return self

    def _run(self) -> None:
        from waitress import wasyncore  # lazy, for start-up speed (see make_server)

        # Poll in short rounds so that stop() never closes a socket under a running poll.
        while not self._stopping.is_set():
            wasyncore.loop(timeout=0.05, map=self._server._map, count=1)
        self._server.close()

    def stop(self) -> None:
        """Stop polling, close the socket and the worker threads, and wait for the serving thread to end."""
        self._stopping.set()
        self._thread.join(timeout=5)
        self._server.task_dispatcher.shutdown()

    def __enter__(self) -> BackgroundServer:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()


class ServerFailed(Exception):
    """The HTTP server stopped on its own (not asked to by a signal)."""


def build_app(spec: dict[str, Any], announce: Callable[[str], None] | None = None, config: Any = None) -> Any:
    """Build the app `serve` describes: config, control API and token, seed files, snapshot file.

    `config` is the `MockConfig` when the caller has read `spec["config"]` already (it is read once).

    Raises:
        ValueError: a config, seed or snapshot file is unreadable or inconsistent, naming the file.
    """
    from bland_sms_mock.mock_server.app import create_app
    from bland_sms_mock.mock_server.config import load_config
    from bland_sms_mock.mock_server.request_io import EXTENSION
    from bland_sms_mock.mock_server.snapshot import load_file, no_collection, seed_file

    app = create_app(
        config if config is not None else load_config(spec.get("config")),
        control=spec["control"],
        control_token=spec.get("token"),
        webhooks_any_host=spec.get("webhooks_any_host", False),
    )
    store = app.extensions[EXTENSION]
    snapshot = spec.get("snapshot")
    if snapshot and os.path.exists(snapshot):
        load_file(store, snapshot)
        if announce:
            announce(f"Restored the snapshot {snapshot}")
    with no_collection():
        for path in spec.get("seeds", []):
            began = time.perf_counter()
            count = seed_file(store, path)
            if announce:
                announce(f"Seeded {count:,} conversations from {path} in {time.perf_counter() - began:.1f} s")
        # What was loaded lives as long as the server: the cycle collector need never walk it (a million
        # conversations would cost it a second at each full collection).
        gc.freeze()
    return app


def free_port(host: str, port: int = 0) -> int:
    """A port the OS says is free on `host` right now: `port` itself when given, else any.

    Granian binds with SO_REUSEPORT, which would let a second mock share a port silently with the
    first (each with its own state); `serve` asks here first so that a taken port is an error.

    Raises:
        OSError: `port` is taken (or the address cannot be bound).
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # a restart may follow a stop at once
        probe.bind((host, port))
        return probe.getsockname()[1]


def wait_until_listening(host: str, port: int, then: Callable[[], None], timeout: float = 30.0) -> threading.Thread:
    """Call `then` from a thread as soon as `host:port` accepts connections."""

    def watch() -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with socket.create_connection((host, port), timeout=0.5):
                    then()
                    return
            except OSError:
                time.sleep(0.01)

    watcher = threading.Thread(target=watch, name="bland-sms-mock:ready", daemon=True)
    watcher.start()
    return watcher


def read_unread_body(app: Any, limit: int = BODY_LIMIT_BYTES) -> Any:
    """Wrap a WSGI app so that the request body it left unread is read (up to `limit` bytes) before the answer.

    Granian closes a connection whose request body was not read; a client still sending (a 2 MiB body the
    app refused at 1 MiB) then gets a reset and a broken pipe instead of its 413 envelope. Reading the rest
    first lets the answer arrive. A body over `limit` is not read: that client may see the reset.
    """

    def drained(environ: dict[str, Any], start_response: Any) -> Any:
        result = app(environ, start_response)
        length = environ.get("CONTENT_LENGTH") or ""
        chunked = "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
        if chunked or (length.isdigit() and 0 < int(length) <= limit):
            body, read = environ["wsgi.input"], 0
            while read <= limit:
                chunk = body.read(65536)
                if not chunk:
                    break
                read += len(chunk)
        return result

    return drained


class _WakingEvent(threading.Event):
    """An event whose untimed wait wakes now and then, so signal handlers run on the waiting main thread."""

    def wait(self, timeout: float | None = None) -> bool:
        if timeout is not None:
            return super().wait(timeout)
        while not super().wait(0.2):
            pass
        return True


def serve_with_granian(app: Any, host: str, port: int, threads: int, stop: StopSignals) -> None:
    """Serve `app` with granian in this process (WSGI, `threads` blocking threads) until SIGINT or SIGTERM.

    Granian's usual mode forks a worker process under a supervisor, and the two race on a signal sent to
    the whole process group: the supervisor can see its worker exit before it learns the exit was asked
    for, log "Unexpected exit from worker-1", and hang. Here granian's thread-worker server runs on this
    GIL build instead: one process, whose main thread alone receives the signals and stops the worker
    thread, so there is no second process to race, to orphan, or to die alone.

    Raises:
        ServerFailed: the worker thread ended without being asked to (granian logs why just before).
    """
    from granian.constants import Interfaces
    from granian.http import HTTP1Settings
    from granian.server import MTServer

    class InProcessGranian(MTServer):
        """Granian's thread-worker server (made for free-threaded builds), on a GIL build.

        The WSGI app runs on granian's blocking threads under the one interpreter lock either way; what
        changes is only that the Rust worker lives in a thread of this process instead of a child process.
        """

        def _check_gil(self) -> None:
            """Accept a GIL build: granian checks only to warn that its worker threads share one lock."""

    server = InProcessGranian(
        "bland-sms-mock",
        address=host,
        port=port,
        interface=Interfaces.WSGI,
        workers=1,
        blocking_threads=threads,
        log_level="error",
        log_access=False,
        http1_settings=HTTP1Settings(max_buffer_size=HEADER_LIMIT_BYTES),
    )

    # Granian's main loop waits on this event with no timeout. A signal the kernel hands to one of the
    # Rust or WSGI threads leaves that wait asleep, so Python never runs the handler on the main thread:
    # the wait wakes every 0.2 s to let it run.
    server.main_loop_interrupt = _WakingEvent()

    @server.on_startup
    def stop_if_asked_already() -> None:
        # Granian installed its own signal handlers just before its startup hooks run; a signal that
        # reached ours in between is handed over here, so none is lost.
        if stop.received is not None:
            server.signal_handler_interrupt()

    try:
        server.serve(target_loader=lambda: read_unread_body(app), wrap_loader=False)
    except SystemExit as exc:
        if exc.code:
            raise ServerFailed("the HTTP server stopped on its own (not by a signal)") from None
        raise
