"""Run the mock under a production WSGI server (waitress), on one process with several threads."""

from __future__ import annotations

import signal
import threading
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


def serve_forever(server: Any, on_stop: Callable[[], None] | None = None) -> None:
    """Serve until Ctrl-C or SIGTERM, then close the listening socket."""

    def stop(_signum: int, _frame: Any) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, stop)
    try:
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
