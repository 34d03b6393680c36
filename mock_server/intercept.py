"""Route `requests`, `httpx` and `urllib.request` calls for the Bland API into an in-memory mock, no socket.

Each library chooses a transport per URL through a hook: `requests.Session.get_adapter` returns the
adapter for a URL, httpx's `HTTPTransport.handle_request` (and its async twin) carries each request, and
urllib's HTTP and HTTPS handlers both open connections in `AbstractHTTPHandler.do_open`. While an
`intercept` is active, those hooks hand requests for the intercepted origins (always `https://api.bland.ai`,
plus any `base_urls`) to the mock's WSGI app, and every other host either passes through untouched or,
with `block_other_hosts=True`, fails at once. Clients that use none of these hooks (`http.client` directly,
aiohttp, raw sockets, other processes) are not covered.
"""

from __future__ import annotations

import functools
import http.client
import inspect
import io
import threading
from collections.abc import Callable, Iterable
from typing import Any, TypeVar
from urllib.parse import urlsplit

from bland_sms_mock.mock_server.bland_mock import BlandMock
from bland_sms_mock.mock_server.middleware import IN_PROCESS, ConnectionDropped

DEFAULT_BASE_URLS = ("https://api.bland.ai",)
"""Always intercepted: `base_urls` add origins to these, so the real API is never reached by accident."""
Function = TypeVar("Function", bound=Callable[..., Any])


class BlockedHostError(ConnectionError):
    """A request to a host outside the intercept while other hosts are blocked."""


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme.lower(), (parts.netloc or "").lower()


class _Routes:
    """The active intercepts, newest first; each maps its origins to its mock."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.active: list[intercept] = []
        self.originals: dict[str, Any] = {}

    def target(self, url: str) -> tuple[intercept | None, bool]:
        """The intercept that owns `url` (or None), and whether an active intercept blocks other hosts."""
        origin = _origin(url)
        active = list(self.active)
        for route in active:
            if origin in route.origins:
                return route, False
        return None, any(route.block_other_hosts for route in active)


ROUTES = _Routes()


def _in_process_app(mock: BlandMock) -> Callable[..., Any]:
    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        environ[IN_PROCESS] = True
        return mock.app(environ, start_response)

    return app


def _call_mock(
    mock: BlandMock, method: str, url: str, headers: Iterable[tuple[str, str]], body: Any
) -> tuple[str, list[tuple[str, str]], bytes]:
    """One request answered by the mock's WSGI app: status line, headers, body.

    Raises:
        ConnectionDropped: a drop fault hit the request.
    """
    from werkzeug.test import EnvironBuilder, run_wsgi_app

    parts = urlsplit(url)
    if isinstance(body, str):
        body = body.encode()
    elif body is not None and not isinstance(body, bytes):
        body = body.read() if hasattr(body, "read") else b"".join(body)  # a file-like or iterable body
    environ = EnvironBuilder(
        path=parts.path or "/",
        base_url=f"{parts.scheme}://{parts.netloc}",
        query_string=parts.query,
        method=method,
        headers=list(headers),
        data=body or b"",
    ).get_environ()
    app_iter, status, response_headers = run_wsgi_app(_in_process_app(mock), environ, buffered=True)
    return status, list(response_headers.items()), b"".join(app_iter)


# ------------------------------------------------------------------------------------------- requests


def _requests_adapter(mock: BlandMock) -> Any:
    import requests
    from requests.adapters import BaseAdapter
    from requests.structures import CaseInsensitiveDict
    from requests.utils import get_encoding_from_headers

    class WSGIAdapter(BaseAdapter):
        """Sends a prepared request to the mock's WSGI app and builds the `requests.Response`."""

        def send(self, request: requests.PreparedRequest, **_kwargs: Any) -> requests.Response:
            try:
                status, headers, content = _call_mock(
                    mock, request.method or "GET", request.url or "", request.headers.items(), request.body
                )
            except ConnectionDropped as exc:
                raise requests.ConnectionError(str(exc), request=request) from None
            response = requests.Response()
            response.status_code = int(status.split(" ", 1)[0])
            response.reason = status.split(" ", 1)[1] if " " in status else ""
            response.headers = CaseInsensitiveDict(headers)
            response._content = content
            response.encoding = get_encoding_from_headers(response.headers)
            response.url = request.url or ""
            response.request = request
            response.connection = self
            return response

        def close(self) -> None:
            """Nothing to close: no sockets."""

    return WSGIAdapter()


def _blocked_requests_adapter(url: str) -> Any:
    import requests
    from requests.adapters import BaseAdapter

    class BlockingAdapter(BaseAdapter):
        def send(self, request: requests.PreparedRequest, **_kwargs: Any) -> requests.Response:
            raise requests.ConnectionError(f"bland_sms_mock.intercept blocks {url}", request=request)

        def close(self) -> None:
            """Nothing to close."""

    return BlockingAdapter()


def _install_requests() -> None:
    try:
        import requests
    except ImportError:
        return
    original = requests.Session.get_adapter
    ROUTES.originals["requests"] = original

    def get_adapter(session: requests.Session, url: str) -> Any:
        route, blocking = ROUTES.target(url)
        if route is not None:
            return route.requests_adapter()
        if blocking:
            return _blocked_requests_adapter(url)
        return original(session, url)

    requests.Session.get_adapter = get_adapter  # type: ignore[method-assign]


# ---------------------------------------------------------------------------------------------- httpx


def _install_httpx() -> None:
    try:
        import httpx
    except ImportError:
        return
    sync_original = httpx.HTTPTransport.handle_request
    async_original = httpx.AsyncHTTPTransport.handle_async_request
    ROUTES.originals["httpx"] = (sync_original, async_original)

    def route_for(request: httpx.Request) -> intercept | None:
        route, blocking = ROUTES.target(str(request.url))
        if route is None and blocking:
            raise httpx.ConnectError(f"bland_sms_mock.intercept blocks {request.url}", request=request)
        return route

    def handle_request(transport: httpx.HTTPTransport, request: httpx.Request) -> httpx.Response:
        route = route_for(request)
        if route is None:
            return sync_original(transport, request)
        return route.httpx_send(request)

    async def handle_async_request(transport: httpx.AsyncHTTPTransport, request: httpx.Request) -> httpx.Response:
        route = route_for(request)
        if route is None:
            return await async_original(transport, request)
        import anyio.to_thread

        await request.aread()
        return await anyio.to_thread.run_sync(route.httpx_send, request)

    httpx.HTTPTransport.handle_request = handle_request  # type: ignore[method-assign]
    httpx.AsyncHTTPTransport.handle_async_request = handle_async_request  # type: ignore[method-assign]


# --------------------------------------------------------------------------------------------- urllib


class _BytesSocket:
    """Just enough of a socket for `http.client.HTTPResponse` to parse an answer held in memory."""

    def __init__(self, data: bytes) -> None:
        self._file = io.BytesIO(data)

    def makefile(self, *_args: Any, **_kwargs: Any) -> io.BytesIO:
        return self._file


def _urllib_response(route: intercept, request: Any) -> http.client.HTTPResponse:
    """Answer a `urllib.request.Request` from the mock, as the `HTTPResponse` urllib's handlers return."""
    import urllib.error

    headers = {**request.unredirected_hdrs, **request.headers}
    try:
        status, response_headers, content = _call_mock(
            route.mock, request.get_method(), request.full_url, headers.items(), request.data
        )
    except ConnectionDropped as exc:
        raise urllib.error.URLError(exc) from None
    head = [f"HTTP/1.1 {status}", *(f"{name}: {value}" for name, value in response_headers)]
    raw = ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + content
    in_memory: Any = _BytesSocket(raw)
    response = http.client.HTTPResponse(in_memory, method=request.get_method(), url=request.full_url)
    response.begin()
    response.msg = response.reason  # type: ignore[assignment]  # what do_open does, for addinfourl compatibility
    return response


def _install_urllib() -> None:
    import urllib.error
    import urllib.request

    original = urllib.request.AbstractHTTPHandler.do_open
    ROUTES.originals["urllib"] = original

    def do_open(handler: urllib.request.AbstractHTTPHandler, http_class: Any, request: Any, **kwargs: Any) -> Any:
        route, blocking = ROUTES.target(request.full_url)
        if route is not None:
            return _urllib_response(route, request)
        if blocking:
            raise urllib.error.URLError(BlockedHostError(f"bland_sms_mock.intercept blocks {request.full_url}"))
        return original(handler, http_class, request, **kwargs)

    urllib.request.AbstractHTTPHandler.do_open = do_open  # type: ignore[method-assign]


def _uninstall() -> None:
    if "urllib" in ROUTES.originals:
        import urllib.request

        urllib.request.AbstractHTTPHandler.do_open = ROUTES.originals.pop("urllib")  # type: ignore[method-assign]
    if "requests" in ROUTES.originals:
        import requests

        requests.Session.get_adapter = ROUTES.originals.pop("requests")  # type: ignore[method-assign]
    if "httpx" in ROUTES.originals:
        import httpx

        sync_original, async_original = ROUTES.originals.pop("httpx")
        httpx.HTTPTransport.handle_request = sync_original  # type: ignore[method-assign]
        httpx.AsyncHTTPTransport.handle_async_request = async_original  # type: ignore[method-assign]


# ------------------------------------------------------------------------------------------ the API


class intercept:  # lower case: used like a function, `with intercept():` and `@intercept()`
    """Send `requests`/`httpx`/`urllib.request` calls for the Bland API to an in-memory mock while active.

    Use it as a context manager (`with intercept() as mock:`) or a decorator (`@intercept()`; the
    decorated function may take a `bland_mock` keyword to receive the mock). `mock` defaults to a fresh
    `BlandMock()`; `https://api.bland.ai` is always routed to it, and `base_urls` add more origins;
    `block_other_hosts=True` makes every other request of those clients fail with a connection error
    instead of passing through. Intercepts nest; the innermost wins.
    """

    def __init__(
        self,
        mock: BlandMock | None = None,
        *,
        base_urls: Iterable[str] = (),
        block_other_hosts: bool = False,
    ) -> None:
        self.mock = mock
        self.origins = {_origin(url) for url in (*DEFAULT_BASE_URLS, *base_urls)}
        self.block_other_hosts = block_other_hosts
        self._adapter: Any = None
        self._transport: Any = None

    def __enter__(self) -> BlandMock:
        if self.mock is None:
            self.mock = BlandMock()
        with ROUTES.lock:
            if not ROUTES.active:
                _install_requests()
                _install_httpx()
                _install_urllib()
            ROUTES.active.insert(0, self)
        return self.mock

    def __exit__(self, *_exc: object) -> None:
        with ROUTES.lock:
            ROUTES.active.remove(self)
            if not ROUTES.active:
                _uninstall()

    def requests_adapter(self) -> Any:
        """The requests adapter that answers from this intercept's mock."""
        if self._adapter is None:
            self._adapter = _requests_adapter(self.mock)
        return self._adapter

    def httpx_send(self, request: Any) -> Any:
        """Answer an httpx request from this intercept's mock (httpx's WSGI transport)."""
        import httpx

        if self._transport is None:
            self._transport = httpx.WSGITransport(app=_in_process_app(self.mock))
        try:
            response = self._transport.handle_request(request)
        except ConnectionDropped:
            message = "Server disconnected without sending a response."
            raise httpx.RemoteProtocolError(message, request=request) from None
        content = response.read()
        return httpx.Response(response.status_code, headers=response.headers, content=content, request=request)

    def __call__(self, function: Function) -> Function:
        """Decorate a function (sync or async) so it runs inside a fresh copy of this intercept."""
        wants_mock = "bland_mock" in inspect.signature(function).parameters

        def fresh() -> intercept:
            return intercept(
                self.mock, base_urls=[f"{s}://{n}" for s, n in self.origins], block_other_hosts=self.block_other_hosts
            )

        if inspect.iscoroutinefunction(function):

            @functools.wraps(function)
            async def run_async(*args: Any, **kwargs: Any) -> Any:
                with fresh() as mock:
                    return await function(*args, **({"bland_mock": mock} if wants_mock else {}), **kwargs)

            return run_async  # type: ignore[return-value]

        @functools.wraps(function)
        def run(*args: Any, **kwargs: Any) -> Any:
            with fresh() as mock:
                return function(*args, **({"bland_mock": mock} if wants_mock else {}), **kwargs)

        return run  # type: ignore[return-value]
