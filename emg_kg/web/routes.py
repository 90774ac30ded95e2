"""The routing of `emg-kg serve`: one request in, one :class:`Answer` out, no sockets.

:class:`Exchange` takes a request the ASGI layer (:mod:`emg_kg.http_app`) has already read and
bounded (method, target, headers, body, client address), negotiates the format, and hands the
work to the :class:`~emg_kg.server.App` it serves: its worker pool for queries, its catalog and
views for pages. It is plain blocking code, run in a worker thread so the event loop never
waits on a page or a query. Every answer carries CORS headers; HTML answers carry a
Content-Security-Policy that allows nothing outside the server.
"""

from __future__ import annotations

import json
import re
import sys
import traceback
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, quote, unquote, urlsplit

import pyoxigraph as ox

from emg_kg.errors import EmgKgError, QueryError
from emg_kg.lang import negotiate
from emg_kg.prefixes import ID
from emg_kg.query.registry import get_query
from emg_kg.views.template import vis_js
from emg_kg.web.jobs import Job, Reply
from emg_kg.web.pages import RDF_FORMATS, entity_page, entity_rdf
from emg_kg.web.sparql import ALIASES, FORMATS, choose, preferences, service_description
from emg_kg.web.ui import (
    editor_page,
    gallery,
    home,
    not_found_page,
    query_page,
    search_page,
    timeline_page,
    views_page,
)
from emg_kg.web.views import EVIDENCE

if TYPE_CHECKING:
    from emg_kg.web.server import App

__all__ = ["Exchange", "Answer", "MAX_BODY"]

ONTOLOGY = "https://w3id.org/emg-kg/ontology#"
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_HOST = re.compile(r"[A-Za-z0-9.\-]+(:\d+)?|\[[0-9A-Fa-f:.]+\](:\d+)?")
_SUFFIX = re.compile(r"\.[a-z0-9+\-]{1,12}$")
MAX_BODY = 1 << 20  # a query text larger than 1 MiB is refused (413)
_HTML_CSP = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'"
_ENTITY_TYPES = [
    ("html", "text/html"),
    *((k, v[0].split(";")[0]) for k, v in RDF_FORMATS.items()),
    ("jsonld", "application/json"),
]
_SD_TYPES = [
    ("ttl", "text/turtle"),
    ("html", "text/html"),
    ("jsonld", "application/ld+json"),
    ("nt", "application/n-triples"),
    ("rdfxml", "application/rdf+xml"),
]
_SD_RDF = {
    "ttl": ox.RdfFormat.TURTLE,
    "jsonld": ox.RdfFormat.JSON_LD,
    "nt": ox.RdfFormat.N_TRIPLES,
    "rdfxml": ox.RdfFormat.RDF_XML,
}


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
        if bounded and len(body) > limit:  # a page or an entity's RDF: as for queries
            status, ctype, headers = 422, "text/plain; charset=utf-8", None
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
        lang = negotiate(self.headers.get("Accept-Language"), one.get("lang"))
        try:
            self.route(path, params, one, lang)
        except EmgKgError as err:
            status = 404 if err.exit_code == 1 else 400
            self.text(status, str(err))
        except Exception:  # a bug in a page: answer 500 and keep serving
            traceback.print_exc(file=sys.stderr)
            self.text(500, "internal error while building this page (see the server log)")

    def route(
        self, path: str, params: dict[str, list[str]], one: dict[str, str], lang: str
    ) -> None:
        app = self.app
        if path == "/sparql":
            return self.sparql(params, one, lang)
        if path.startswith("/id/"):
            return self.entity(ID + path[len("/id/") :], path, one, lang)
        if path.startswith("/ontology/"):  # the project's classes and properties
            return self.entity(ONTOLOGY + path[len("/ontology/") :], path, one, lang)
        if path.startswith("/static/"):
            return self.static(path[len("/static/") :])
        if path.startswith("/queries/"):
            return self.named(path[len("/queries/") :], one, lang)
        if path.startswith("/views/"):
            return self.view(path[len("/views/") :], one, lang)
        if path == "/":
            level = one.get("evidence", "report")
            level = level if level in EVIDENCE else "report"
            gaps = app.gaps(lang, level)
            views, queries = app.views.names(lang), app.queries()
            return self.html(home(app.catalog, lang, gaps, views, queries, level))
        if path == "/search":
            return self.html(search_page(app.catalog, one.get("q", ""), lang))
        if path == "/queries":
            return self.html(gallery(app.queries(), lang))
        if path == "/editor":
            return self.editor(one.get("query", ""), lang)
        if path == "/timeline":
            return self.html(timeline_page(app.catalog, lang))
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

    # --- the SPARQL endpoint -------------------------------------------------------------------

    def sparql(self, params: dict[str, list[str]], one: dict[str, str], lang: str) -> None:
        if "update" in params:
            return self.text(403, "refused: this endpoint is read-only (no SPARQL Update)")
        fmt = one.get("format") or one.get("output") or one.get("results") or ""
        accept = preferences(self.headers.get("Accept"))
        if "query" not in params:
            return self.description(accept, fmt, lang)
        if len(params["query"]) > 1:
            return self.text(400, "give one query parameter, not several")
        for key in ("default-graph-uri", "named-graph-uri"):
            for value in params.get(key, []):
                try:
                    ox.NamedNode(value)
                except ValueError:
                    return self.text(400, f"{key}: {value!r} is not an IRI")
        job = Job(
            text=params["query"][0],
            accept=accept,
            fmt=fmt,
            default_graph=params.get("default-graph-uri", []),
            named_graphs=params.get("named-graph-uri", []),
        )
        self.reply(self.run(job))

    def description(self, accept: list[tuple[str, float]], fmt: str, lang: str) -> None:
        media = dict(_SD_TYPES)
        key = choose("graph", accept, "", [m for _, m in _SD_TYPES]) if not fmt else None
        chosen = next((k for k, m in _SD_TYPES if m == key), None) if key else fmt
        if chosen in ALIASES:  # format=turtle, json (JSON-LD), xml (RDF/XML) ...
            chosen = ALIASES[chosen].get("graph", chosen)
        if chosen == "html":
            return self.editor("", lang)
        if chosen not in _SD_RDF:
            return self.text(
                406, "the service description is Turtle, JSON-LD, N-Triples, RDF/XML or HTML"
            )
        host = self.headers.get("Host") or ""
        if not _HOST.fullmatch(host):
            address, port = self.server_address[:2]
            host = f"{address!s}:{port}"
        endpoint = f"http://{host}/sparql"
        triples = service_description(endpoint, self.app.store)
        body = (
            ox.serialize(
                triples,
                format=_SD_RDF[chosen],
                prefixes={"sd": "http://www.w3.org/ns/sparql-service-description#"},
            )
            or b""
        )
        ctype = FORMATS[chosen][0] if chosen in FORMATS else media[chosen]
        self.send(200, body, ctype, {"Vary": "Accept"})

    # --- pages ---------------------------------------------------------------------------------

    def entity(self, iri: str, path: str, one: dict[str, str], lang: str) -> None:
        app = self.app
        try:
            ox.NamedNode(iri)
        except ValueError:
            return self.not_found(lang, f"{iri!r} is not an IRI")
        if not app.catalog.exists(iri):
            tail = iri.rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1]
            return self.not_found(lang, f"no entity <{iri}> in the graph", tail)
        fmt = one.get("format", "")
        if fmt:
            key = {
                "turtle": "ttl",
                "json-ld": "jsonld",
                "json": "jsonld",
                "ntriples": "nt",
                "html": "html",
            }.get(fmt, fmt)
            if key not in RDF_FORMATS and key != "html":
                return self.text(406, f"format {fmt!r}: use html, {', '.join(RDF_FORMATS)}")
        else:
            media = choose(
                "graph", preferences(self.headers.get("Accept")), "", [m for _, m in _ENTITY_TYPES]
            )
            if media is None:
                return self.text(
                    406, "an entity is served as HTML, Turtle, JSON-LD, N-Triples, TriG or N-Quads"
                )
            key = next(k for k, m in _ENTITY_TYPES if m == media)
        if key == "html":
            link = app.views.link(iri, lang)
            return self.html(
                entity_page(app.catalog, iri, lang, path, link),
                headers={
                    "Vary": "Accept",
                    "Link": f'<{quote(path)}?format=ttl>; rel="alternate"; type="text/turtle"',
                },
            )
        self.send(200, entity_rdf(app.catalog, iri, key), RDF_FORMATS[key][0], {"Vary": "Accept"})

    def named(self, tail: str, one: dict[str, str], lang: str) -> None:
        app = self.app
        name, dot, fmt = tail.rpartition(".") if _SUFFIX.search(tail) else (tail, "", "")
        try:
            query = get_query(app.layout, name)
        except QueryError as err:
            return self.not_found(lang, str(err))
        values = {p.name: one[p.name] for p in query.params if p.name in one and p.name != "lang"}
        if "lang" in query.param_names:
            values["lang"] = lang
        missing = [p.name for p in query.params if p.required and p.name not in values]
        if dot:
            if missing:  # say it in the web's words, not the command line's
                example = "&".join(f"{m}=..." for m in missing)
                return self.text(
                    400,
                    f"{name}: missing parameter(s) {', '.join(missing)}: "
                    f"/queries/{name}.{fmt}?{example}",
                )
            reply = self.run(Job(name=name, params=values, fmt=fmt))
            disposition = {"Content-Disposition": f'attachment; filename="{name}.{fmt}"'}
            return self.reply(reply, disposition)
        answer, error, status, kind = None, "", 200, "select"
        if not missing:
            reply = self.run(Job(name=name, params=values, table=True))
            if reply.status == 200:
                answer, kind = json.loads(reply.body), reply.kind
            else:
                error, status = reply.body.decode("utf-8", "replace"), reply.status
        page = query_page(app.catalog, query, values, lang, answer, error, missing, kind)
        self.html(page, status)

    def editor(self, text: str, lang: str) -> None:
        answer, error, status, kind = None, "", 200, "select"
        if text.strip():
            reply = self.run(Job(text=text, table=True))
            if reply.status == 200:
                answer, kind = json.loads(reply.body), reply.kind
            else:
                error, status = reply.body.decode("utf-8", "replace"), reply.status
        page = editor_page(self.app.catalog, text, lang, answer, error, kind, self.app.queries())
        self.html(page, status)

    def view(self, name: str, one: dict[str, str], lang: str) -> None:
        entity = one.get("entity")
        if name == "neighbourhood" and not entity:
            return self.not_found(lang, "the neighbourhood view needs ?entity=IRI")
        page = self.app.views.page(name, lang, entity)
        if page is None and name == "neighbourhood":
            return self.not_found(lang, f"no entity <{entity}> in the graph's views")
        if page is None:
            names = ", ".join(n for n, _ in self.app.views.names(lang))
            return self.not_found(lang, f"no view {name!r}; there are: {names}")
        body, ctype, csp = page
        self.send(200, body, ctype, {"Content-Security-Policy": csp})

    def static(self, name: str) -> None:
        if not name or "/" in name or name.startswith("."):
            return self.text(404, "no such file")
        try:
            if name == "vis-network.min.js":  # the editor's network view: pyvis ships it
                body = vis_js().encode("utf-8")
            else:
                body = resources.files("emg_kg.web").joinpath("static", name).read_bytes()
        except (FileNotFoundError, IsADirectoryError, OSError):
            return self.text(404, "no such file")
        ctype = {
            "css": "text/css",
            "js": "text/javascript",
            "svg": "image/svg+xml",
            "txt": "text/plain",
        }.get(name.rsplit(".", 1)[-1], "application/octet-stream")
        cache = {"Cache-Control": "max-age=3600"}
        self.send(200, body, ctype + "; charset=utf-8", cache, bounded=False)  # our own files


def _is_loopback(address: str) -> bool:
    """Is the client on this machine (127.0.0.0/8, ::1)? It may see /status in full."""
    import ipaddress

    try:
        return ipaddress.ip_address(address.split("%")[0]).is_loopback
    except ValueError:
        return False
