"""Run the mock under a production WSGI server (waitress), on one process with several threads."""

from __future__ import annotations

import signal
from collections.abc import Callable
from typing import Any

from waitress.server import create_server

BODY_LIMIT_BYTES = 16 * 1024 * 1024
"""Waitress's own ceiling; the app answers 413 with the envelope above 1 MiB well before this."""


def make_server(app: Any, host: str, port: int, threads: int = 8) -> Any:
    """Bind a waitress server (port 0 picks a free port; read it back from `.effective_port`)."""
    return create_server(
        app,
        host=host,
        port=port,
        threads=threads,
        ident="bland-sms-mock",
        max_request_body_size=BODY_LIMIT_BYTES,
        clear_untrusted_proxy_headers=True,
        channel_timeout=30,
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
