"""Run the mock under a production WSGI server: granian (fastest, the default for `serve`) or waitress.

State lives in memory, so there is always exactly one process serving it. `BackgroundServer` (tests, tools)
uses waitress because it runs inside the caller's process, in a thread.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

from waitress import wasyncore
from waitress.server import create_server

BODY_LIMIT_BYTES = 16 * 1024 * 1024
"""Waitress's own ceiling; the app answers 413 with the envelope above 1 MiB well before this."""
HEADER_LIMIT_BYTES = 4 * 1024 * 1024
"""Large enough that an absurd query string (10,000 filters) reaches the app and gets its envelope."""


def make_server(app: Any, host: str, port: int, threads: int = 8, **adjustments: Any) -> Any:
    """Bind a waitress server (port 0 picks a free port; read it back from `.effective_port`)."""
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
    server: Any, on_stop: Callable[[], None] | None = None, on_ready: Callable[[], None] | None = None
) -> None:
    """Serve until Ctrl-C or SIGTERM, then close the listening socket.

    `on_ready` runs once SIGTERM is handled, so a caller that announces the server there can be stopped cleanly.
    """

    def stop(_signum: int, _frame: Any) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        if on_ready:
            on_ready()
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
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


SPEC_VARIABLE = "BLAND_SMS_MOCK_SERVE_SPEC"
"""Environment variable that carries the `serve` options into granian's worker process."""


def build_app(spec: dict[str, Any], announce: Callable[[str], None] | None = None) -> Any:
    """Build the app `serve` describes: config, control API and token, seed files, snapshot file.

    With `save_on_exit`, the state is written back to the snapshot file when this process exits
    (granian's worker exits through multiprocessing, which runs its finalizers but not `atexit`).

    Raises:
        ValueError: a config, seed or snapshot file is unreadable or inconsistent, naming the file.
    """
    from multiprocessing.util import Finalize

    from contracts.yamltext import read_document
    from mock_server.app import create_app
    from mock_server.config import load_config
    from mock_server.errors import ApiError
    from mock_server.snapshot import load_file, parse_snapshot, save_file, seed
    from mock_server.web import EXTENSION

    app = create_app(load_config(spec.get("config")), control=spec["control"], control_token=spec.get("token"))
    store = app.extensions[EXTENSION]
    snapshot = spec.get("snapshot")
    if snapshot and os.path.exists(snapshot):
        load_file(store, snapshot)
        if announce:
            announce(f"Restored the snapshot {snapshot}")
    for path in spec.get("seeds", []):
        try:
            count = seed(store, parse_snapshot(read_document(path)))
        except ApiError as exc:
            raise ValueError(f"{path}: " + "; ".join(message for _, message in exc.problems)) from None
        if announce:
            announce(f"Seeded {count} conversations from {path}")
    if snapshot and spec.get("save_on_exit"):
        Finalize(app, save_file, args=(store, snapshot), exitpriority=100)
    return app


def app_from_environment() -> Any:
    """Build the app `serve` describes in `BLAND_SMS_MOCK_SERVE_SPEC` (granian's worker calls this)."""
    return build_app(json.loads(os.environ[SPEC_VARIABLE]))


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


def serve_with_granian(spec: dict[str, Any], host: str, port: int, threads: int) -> None:
    """Serve the app of `spec` with granian (WSGI, one worker process, `threads` blocking threads) until stopped."""
    from granian import Granian
    from granian.constants import Interfaces
    from granian.http import HTTP1Settings

    os.environ[SPEC_VARIABLE] = json.dumps(spec)
    Granian(
        "mock_server.serving:app_from_environment",
        address=host,
        port=port,
        interface=Interfaces.WSGI,
        workers=1,
        blocking_threads=threads,
        factory=True,
        log_level="error",
        log_access=False,
        http1_settings=HTTP1Settings(max_buffer_size=HEADER_LIMIT_BYTES),
    ).serve()
