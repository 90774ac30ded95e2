"""The request side of the routing: :class:`Exchange` reads one request, routes it by path to
the module of its concern, and builds the :class:`Answer` (headers, limits, error pages).

It takes a request the ASGI layer (:mod:`emg_kg.web.app`) has already read and bounded
(method, target, headers, body, client address) and hands the work to the
:class:`~emg_kg.web.server.App` it serves: its worker pool for queries, its catalog and views
for pages. It is plain blocking code, run in a worker thread so the event loop never waits on a
page or a query. Every answer carries CORS headers; HTML answers carry a
Content-Security-Policy that allows nothing outside the server.
"""

from __future__ import annotations

import json
import re
import sys
import traceback
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, unquote, urlsplit

from emg_kg.errors import EmgKgError
from emg_kg.lang import negotiate
from emg_kg.prefixes import ID
from emg_kg.web.errors import status_of
from emg_kg.web.jobs import Job, Reply
from emg_kg.web.routes import endpoint, entities, files, queries
from emg_kg.web.ui import (
    gallery,
    home,
    not_found_page,
    search_page,
    timeline_page,
    too_large_page,
    views_page,
)
from emg_kg.web.views import EVIDENCE

if TYPE_CHECKING:
    from emg_kg.web.server import App

__all__ = ["Exchange", "Answer", "MAX_BODY"]

ONTOLOGY = "https://w3id.org/emg-kg/ontology#"
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
MAX_BODY = 1 << 20  # a query text larger than 1 MiB is refused (413)
_HTML_CSP = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'"


@dataclass
class Answer:
    """What an :class:`Exchange` answers: status, headers (in order) and body."""

    status: int = 500
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""


class Exchange:
    """Routes one request to the endpoint, an entity page or an app page.

    ``headers`` is a case-insensitive mapping (Starlette's), ``client`` the peer address (or
    the forwarded one, behind a trusted proxy): the pool's per-client limits count by it.
    """

    def __init__(
        self,
        app: App,
        method: str,
        target: str,
        headers: Mapping[str, str],
        body: bytes = b"",
        client: str = "",
        server_address: tuple[str, int] = ("127.0.0.1", 0),
    ) -> None:
        self.app, self.command, self.path, self.headers = app, method, target, headers
        self.body, self.client, self.server_address = body, client, server_address
        self.answer = Answer()
        self.lang = "zh"  # the reader's language, once the request is dispatched

    # --- plumbing -------------------------------------------------------------------------

    def handle(self) -> Answer:
        """Route the request; the answer is always set (a 500 page if a page builder broke)."""
        method = {"GET": self.do_GET, "HEAD": self.do_GET, "POST": self.do_POST}
        if self.command == "OPTIONS":
            self.do_OPTIONS()
        elif self.command in method:
            method[self.command]()
        else:
            self.text(405, f"{self.command} is not served here (GET, HEAD, POST, OPTIONS)")
        return self.answer

    def send(
        self,
        status: int,
        body: bytes,
        ctype: str,
        headers: dict[str, str] | None = None,
        bounded: bool = True,
    ) -> None:
        limit = self.app.settings.max_bytes
        if bounded and len(body) > limit:
            status, headers = 422, None
            if ctype.startswith("text/html"):  # a page: one that says what still answers
                path = unquote(urlsplit(self.path).path)
                body = too_large_page(self.lang, path, len(body), limit)
            else:  # an entity's RDF, a view's SVG: as for queries
                ctype = "text/plain; charset=utf-8"
                body = f"the answer is {len(body):,} bytes, over the limit of {limit:,}\n".encode()
        out = [
            ("Content-Type", ctype),
            ("Access-Control-Allow-Origin", "*"),
            ("Access-Control-Expose-Headers", "Content-Type, Content-Disposition"),
            ("X-Content-Type-Options", "nosniff"),
        ]
        if ctype.startswith("text/html") and not (headers or {}).get("Content-Security-Policy"):
            out.append(("Content-Security-Policy", _HTML_CSP))
        out += list((headers or {}).items())
        self.answer = Answer(status, out, body)

    def html(self, body: bytes, status: int = 200, headers: dict[str, str] | None = None) -> None:
        self.send(status, body, "text/html; charset=utf-8", headers)

    def text(self, status: int, message: str) -> None:
        self.send(status, (message.rstrip("\n") + "\n").encode(), "text/plain; charset=utf-8")

    def reply(self, reply: Reply, headers: dict[str, str] | None = None) -> None:
        extra = {"Vary": "Accept", **(headers or {})} if reply.status == 200 else {}
        if reply.retry_after:
            extra["Retry-After"] = str(reply.retry_after)
        self.send(reply.status, reply.body, reply.content_type, extra)

    def run(self, job: Job) -> Reply:
        """Run a query in the pool, counted against this client's limits."""
        return self.app.run(job, self.client)

    def not_found(self, lang: str, what: str, search: str = "") -> None:
        """A 404 page; ``search`` offers a search for that text (the end of an unknown IRI)."""
        parts = urlsplit(self.path)
        params = {k: v[-1] for k, v in parse_qs(parts.query).items() if k != "lang"}
        self.html(not_found_page(lang, what, unquote(parts.path), params, search), 404)

    # --- methods ------------------------------------------------------------------------------

    def do_OPTIONS(self) -> None:  # noqa: N802 (the old handler's naming)
        headers = [
            ("Access-Control-Allow-Origin", "*"),
            ("Access-Control-Allow-Methods", "GET, HEAD, POST, OPTIONS"),
            ("Access-Control-Allow-Headers", "Accept, Content-Type"),
            ("Access-Control-Max-Age", "86400"),
        ]
        self.answer = Answer(204, headers)

    def do_GET(self) -> None:  # noqa: N802
        self.dispatch({})

    def do_POST(self) -> None:  # noqa: N802
        raw = self.body  # already bounded by MAX_BODY in the ASGI layer
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        path = urlsplit(self.path).path
        if path != "/sparql":
            return self.text(405, "POST is only for /sparql")
        if ctype == "application/sparql-update":
            return self.text(403, "refused: this endpoint is read-only (no SPARQL Update)")
        if ctype == "application/x-www-form-urlencoded":
            return self.dispatch(parse_qs(raw.decode("utf-8", "replace"), keep_blank_values=True))
        if ctype == "application/sparql-query":
            return self.dispatch({"query": [raw.decode("utf-8", "replace")]})
        self.text(
            415,
            "POST a query as application/sparql-query or as a form "
            "(application/x-www-form-urlencoded) with query=...",
        )

    def dispatch(self, posted: dict[str, list[str]]) -> None:
        parts = urlsplit(self.path)
        path = unquote(parts.path)
        if _CONTROL.search(path):  # %0d%0a and friends: never echo them into a header
            return self.text(400, "control characters in the path")
        params = parse_qs(parts.query, keep_blank_values=True)
        for key, values in posted.items():
            params.setdefault(key, []).extend(values)
        one = {k: v[-1] for k, v in params.items()}
        lang = self.lang = negotiate(self.headers.get("Accept-Language"), one.get("lang"))
        try:
            self.route(path, params, one, lang)
        except EmgKgError as err:  # the status by the error's type (web/errors.py)
            self.text(status_of(err), str(err))
        except Exception:  # a bug in a page: answer 500 and keep serving
            traceback.print_exc(file=sys.stderr)
            self.text(500, "internal error while building this page (see the server log)")

    def route(
        self, path: str, params: dict[str, list[str]], one: dict[str, str], lang: str
    ) -> None:
        app = self.app
        if path == "/sparql":
            return endpoint.sparql(self, params, one, lang)
        if path.startswith("/id/"):
            return entities.entity(self, ID + path[len("/id/") :], path, one, lang)
        if path.startswith("/ontology/"):  # the project's classes and properties
            return entities.entity(self, ONTOLOGY + path[len("/ontology/") :], path, one, lang)
        if path.startswith("/static/"):
            return files.static(self, path[len("/static/") :])
        if path.startswith("/queries/"):
            return queries.named(self, path[len("/queries/") :], one, lang)
        if path.startswith("/views/"):
            return files.view(self, path[len("/views/") :], one, lang)
        if path == "/":
            level = one.get("evidence", "report")
            level = level if level in EVIDENCE else "report"
            gaps = app.gaps(lang, level)
            views, listed = app.views.names(lang), app.queries()
            return self.html(home(app.catalog, lang, gaps, views, listed, level))
        if path == "/search":
            return self.html(search_page(app.catalog, one.get("q", ""), lang))
        if path == "/queries":
            return self.html(gallery(app.queries(), lang))
        if path == "/editor":
            return queries.editor(self, one.get("query", ""), lang)
        if path == "/timeline":
            number = queries.page_number(one)
            if number is None:
                return self.text(400, queries.BAD_PAGE.format(one.get("page")))
            return self.html(timeline_page(app.catalog, lang, number))
        if path == "/views":
            return self.html(views_page(app.views.names(lang), lang))
        if path == "/status":
            details = app.settings.public_status or _is_loopback(self.client)
            doc = app.status(details)
            if details:
                pages, size, limit = app.views.cache_size()
                doc["view_cache"] = {"pages": pages, "bytes": size, "limit": limit}
            body = json.dumps(doc, indent=1).encode()
            return self.send(200, body, "application/json", {"Cache-Control": "no-store"})
        if path == "/favicon.ico":
            return self.send(204, b"", "image/x-icon")
        self.not_found(lang, f"no page at {path}")


def _is_loopback(address: str) -> bool:
    """Is the client on this machine (127.0.0.0/8, ::1)? It may see /status in full."""
    import ipaddress

    try:
        return ipaddress.ip_address(address.split("%")[0]).is_loopback
    except ValueError:
        return False
