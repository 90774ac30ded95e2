"""The web-facing side of `emg-kg serve`: a Starlette app on uvicorn, built to be exposed.

Why not the standard library's threads: one thread per connection, unbounded, no header
timeout and no chunked bodies let a few thousand half-open connections take the server down,
and a body sent with ``Transfer-Encoding: chunked`` was read as a second request (issue 8).
Here the HTTP/1.1 parsing is uvicorn's (h11: ``Content-Length`` and chunked framing checked,
a bad one is a 400), one event loop holds the connections, and:

* at most ``max_connections`` connections at once (then half requests make room), a listen
  ``backlog``, an idle keep-alive limit, and :class:`GuardedH11`'s **header timeout**: a
  connection that has not sent a whole request head within ``header_timeout`` seconds (of
  opening, or of its previous answer) is closed, so slow or half requests cannot pile up;
* a request body is read with a deadline (``body_timeout``: a ``Content-Length`` longer than
  what is sent gets a 408) and a size limit (:data:`~emg_kg.web.routes.MAX_BODY`: a 413);
* the routing and the pages (:class:`~emg_kg.web.routes.Exchange`) run in a bounded set of
  threads, so a query waiting for its worker process never blocks the event loop.
"""

from __future__ import annotations

import asyncio
import socket
from collections import Counter
from typing import TYPE_CHECKING, Any

import anyio
import anyio.to_thread
from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import request_response
from uvicorn.protocols.http.h11_impl import H11Protocol

from emg_kg.web.routes import MAX_BODY, Exchange

if TYPE_CHECKING:
    from emg_kg.web.options import Settings
    from emg_kg.web.server import App

__all__ = ["asgi_app", "GuardedH11", "listen"]

_PIECE = 1 << 16  # an answer is written 64 kB at a time
_DRAIN = 16 * MAX_BODY  # a body up to this size is read away before the 413, so it is seen


class GuardedH11(H11Protocol):
    """uvicorn's HTTP/1.1 protocol plus a cap on connections and a deadline for the request
    head (slowloris).

    uvicorn's ``limit_concurrency`` answers 503 to a request that arrives while too many
    connections are open, but it still accepts and holds them; here a connection over
    ``client_connections`` from one address (a trusted proxy's excepted) is closed as soon as
    it is accepted, and past ``max_connections`` in all the connection that has waited
    longest for a request head is closed to make room: neither one client nor many holding
    half requests open can lock the others out, and a flood costs descriptors only while it
    lasts.

    uvicorn only times out an idle connection *after* an answer, and any byte received resets
    that timer; a client that opens a connection and trickles half a request would hold it for
    ever. Here every connection must deliver a complete request head within ``header_timeout``
    seconds of opening or of its previous answer, or it is closed.
    """

    header_timeout: float = 10.0
    max_connections: int = 1000
    client_connections: int = 64
    exempt: frozenset[str] = frozenset()  # addresses with no per-address cap (proxies)
    per_peer: Counter[str] = Counter()  # open connections by address (one per subclass)
    _head_timer: asyncio.TimerHandle | None = None
    _since: float = 0.0  # when it began waiting for a request head
    _peer: str | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)  # type: ignore[arg-type]
        self._peer = str(self.client[0]) if self.client else ""
        self.per_peer[self._peer] += 1
        if self._peer not in self.exempt and self.per_peer[self._peer] > self.client_connections:
            self._drop()  # over its address's cap: refused before it could make room
        elif len(self.connections) > self.max_connections and not self._evict_idlest():
            self._drop()  # full of requests under way: refused
        else:
            self._arm()

    def _drop(self) -> None:
        """Close the connection, nothing read, and take it out of the counts now.

        The event loop reports the close (``connection_lost``) only on a later turn; a burst
        it accepts in one turn would otherwise still count every refused connection as open,
        look like a full server, and make each refusal evict a waiting client."""
        self._disarm()
        self.connections.discard(self)
        if self._peer is not None:
            self.per_peer[self._peer] -= 1
            if self.per_peer[self._peer] <= 0:
                del self.per_peer[self._peer]
            self._peer = None
        self.transport.close()

    def _evict_idlest(self) -> bool:
        """Full: close the connection that has waited longest without sending a whole
        request head (half requests from many addresses must not lock newcomers out)."""
        waiting = [
            c
            for c in self.connections
            if isinstance(c, GuardedH11) and c._head_timer and c is not self
        ]
        if not waiting:
            return False
        min(waiting, key=lambda c: c._since)._drop()
        return True

    def _arm(self) -> None:
        self._disarm()
        self._since = self.loop.time()
        self._head_timer = self.loop.call_later(self.header_timeout, self._head_expired)

    def _disarm(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_expired(self) -> None:
        self._head_timer = None
        waiting_for_head = self.cycle is None or self.cycle.response_complete
        if waiting_for_head and not self.transport.is_closing():
            self._drop()

    def data_received(self, data: bytes) -> None:
        before = self.cycle
        super().data_received(data)
        if self.cycle is not before:  # a whole request head arrived: its answer re-arms
            self._disarm()

    def on_response_complete(self) -> None:
        before = self.cycle
        super().on_response_complete()
        if self.cycle is before and not self.transport.is_closing():
            self._arm()  # (a pipelined request that started meanwhile is already under way)

    def connection_lost(self, exc: Exception | None) -> None:
        if self._peer is not None:  # not closed by _drop: closed by the client or uvicorn
            self._drop()
        super().connection_lost(exc)


def guarded_protocol(settings: Settings) -> type[GuardedH11]:
    """A :class:`GuardedH11` subclass with these limits (uvicorn takes a class)."""
    limits = {
        "header_timeout": settings.header_timeout,
        "max_connections": settings.max_connections,
        "client_connections": settings.client_connections,
        "exempt": frozenset(settings.trusted_proxies),
        "per_peer": Counter(),
    }
    return type("GuardedH11", (GuardedH11,), limits)


class _Paced(Response):
    """A response sent in 64 kB pieces, each within ``timeout`` seconds: a client that stops
    reading has its connection closed and the answer dropped, instead of pinning it in the
    server's memory for as long as it likes."""

    def __init__(
        self, content: bytes, status: int, headers: dict[str, str], timeout: float
    ) -> None:
        super().__init__(content, status, headers)
        self.timeout = timeout

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        start = {"type": "http.response.start", "status": self.status_code}
        await send({**start, "headers": self.raw_headers})
        body = memoryview(self.body)
        try:
            for at in range(0, max(1, len(body)), _PIECE):
                piece = bytes(body[at : at + _PIECE])
                more = at + _PIECE < len(body)
                with anyio.fail_after(self.timeout):
                    await send({"type": "http.response.body", "body": piece, "more_body": more})
        except TimeoutError:
            return  # uvicorn closes a connection whose answer did not complete


def _plain(status: int, message: str, close: bool = False) -> Response:
    headers = {"Access-Control-Allow-Origin": "*", "X-Content-Type-Options": "nosniff"}
    if close:
        headers["Connection"] = "close"
    return Response(message + "\n", status, headers, media_type="text/plain; charset=utf-8")


async def _read_body(request: Request, timeout: float) -> bytes | Response:
    """The body, or the answer that refuses it (413 too large, 408 too slow, 400 cut off)."""
    declared = request.headers.get("content-length")
    too_large = declared is not None and declared.isdigit() and int(declared) > MAX_BODY
    if too_large and int(declared or 0) > _DRAIN:
        return _plain(413, f"the request body is over {MAX_BODY} bytes", close=True)
    chunks: list[bytes] = []
    size = 0
    try:
        with anyio.fail_after(timeout):
            async for chunk in request.stream():
                size += len(chunk)
                if size > _DRAIN:
                    break
                if size <= MAX_BODY:
                    chunks.append(chunk)
    except TimeoutError:
        return _plain(408, f"the request body did not arrive within {timeout:g} s", close=True)
    except ClientDisconnect:
        return _plain(400, "the client closed the connection before the body ended", close=True)
    if size > MAX_BODY:
        return _plain(413, f"the request body is over {MAX_BODY} bytes", close=True)
    return b"".join(chunks)


def asgi_app(app: App) -> Starlette:
    """The Starlette application serving ``app`` (one route: the :class:`Exchange` routes)."""
    settings = app.settings
    limiter: list[anyio.CapacityLimiter] = []

    async def handle(request: Request) -> Response:
        if "content-length" in request.headers and "transfer-encoding" in request.headers:
            # RFC 9112 6.3: a smuggling attempt behind a proxy; refuse it and close
            return _plain(400, "Content-Length and Transfer-Encoding together", close=True)
        body = b""
        if request.method in ("POST", "PUT", "PATCH"):
            read = await _read_body(request, settings.body_timeout)
            if isinstance(read, Response):
                return read
            body = read
        query = request.scope.get("query_string", b"").decode("latin-1")
        raw_path = request.scope.get("raw_path") or request.scope["path"].encode()
        target = raw_path.decode("latin-1") + (f"?{query}" if query else "")
        client = request.client.host if request.client else ""
        server = request.scope.get("server") or ("127.0.0.1", 0)
        exchange = Exchange(
            app, request.method, target, request.headers, body, client, (server[0], server[1])
        )
        if not limiter:  # created in the loop: the threads pages and queries may hold at once
            limiter.append(anyio.CapacityLimiter(settings.threads))
        answer = await anyio.to_thread.run_sync(exchange.handle, limiter=limiter[0])
        headers = dict(answer.headers)
        if answer.status not in (204, 304):
            headers["Content-Length"] = str(len(answer.body))
        content = b"" if request.method == "HEAD" else answer.body
        return _Paced(content, answer.status, headers, timeout=settings.send_timeout)

    # No Starlette routes: every path goes to the Exchange (which answers 404 and 405 itself;
    # a route pattern would not even match a path with an encoded line break in it).
    starlette = Starlette()
    starlette.router.default = request_response(handle)
    return starlette


def listen(host: str, port: int, backlog: int) -> socket.socket:
    """A bound, listening TCP socket (bound here so ``--port 0`` can say its port at once)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(backlog)
        sock.set_inheritable(False)
    except OSError:
        sock.close()
        raise
    return sock


def make_server(app: App) -> Any:
    """A uvicorn server for ``app`` that, when told to stop (SIGTERM, Ctrl-C, ``should_exit``),
    first stops the query pool: a running query is answered "shutting down" at once instead of
    holding the shutdown until uvicorn's grace period runs out and cancels it."""
    import uvicorn

    class Server(uvicorn.Server):
        async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
            app.pool.close()
            await super().shutdown(sockets)

    return Server(uvicorn_config(app))


def uvicorn_config(app: App) -> Any:
    """uvicorn's configuration from the server's settings (limits, timeouts, proxies)."""
    import uvicorn

    s = app.settings
    return uvicorn.Config(
        asgi_app(app),
        http=guarded_protocol(s),
        lifespan="off",
        limit_concurrency=s.max_connections + 1,  # a second wall: tasks <= connections
        backlog=s.backlog,
        timeout_keep_alive=max(1, round(s.keep_alive)),
        timeout_graceful_shutdown=5,
        proxy_headers=bool(s.trusted_proxies),
        forwarded_allow_ips=list(s.trusted_proxies) or None,
        server_header=False,
        h11_max_incomplete_event_size=64 * 1024,  # a request head (a GET query) up to 64 kB
        date_header=True,
        access_log=not s.quiet,
        log_level="warning" if s.quiet else "info",
    )
