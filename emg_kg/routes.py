"""The HTTP side of `emg-kg serve`: one request handler that routes to the endpoint and pages.

:class:`Handler` parses the request (GET, HEAD, POST form or direct query, OPTIONS for CORS),
negotiates the format, and hands the work to the :class:`~emg_kg.server.App` it serves: its
worker pool for queries, its catalog and views for pages. Every answer carries CORS headers;
HTML answers carry a Content-Security-Policy that allows nothing outside the server.
"""

from __future__ import annotations

import json
import re
import sys
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, quote, unquote, urlsplit

import pyoxigraph as ox

from .endpoint import ALIASES, FORMATS, choose, preferences, service_description
from .errors import EmgKgError, QueryError
from .lang import negotiate
from .pages import RDF_FORMATS, entity_page, entity_rdf
from .pool import Job, Reply
from .queries import get_query
from .ui import (
    editor_page,
    gallery,
    home,
    not_found_page,
    query_page,
    search_page,
    timeline_page,
    views_page,
)
from .viz_template import vis_js
from .webviews import EVIDENCE

if TYPE_CHECKING:
    from .server import App

__all__ = ["Handler", "AppServer", "MAX_BODY"]

ID = "https://w3id.org/emg-kg/id/"
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


class AppServer(ThreadingHTTPServer):
    """A threading HTTP server that knows the :class:`App` it serves."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128  # the listen backlog (socketserver's 5 drops bursts of clients)
    app: App


class Handler(BaseHTTPRequestHandler):
    """Routes a request to the endpoint, an entity page or an app page."""

    server: AppServer
    protocol_version = "HTTP/1.1"
    server_version = "emg-kg"
    timeout = 60  # an idle keep-alive connection frees its thread after a minute

    # --- plumbing -------------------------------------------------------------------------

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (stdlib name)
        if not self.server.app.settings.quiet:
            super().log_message(format, *args)

    def send(
        self,
        status: int,
        body: bytes,
        ctype: str,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Access-Control-Allow-Origin", "*")
        self.send_header("Access-Control-Expose-Headers", "Content-Type, Content-Disposition")
        self.send_header("X-Content-Type-Options", "nosniff")
        if ctype.startswith("text/html") and not (headers or {}).get("Content-Security-Policy"):
            self.send_header("Content-Security-Policy", _HTML_CSP)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def html(self, body: bytes, status: int = 200, headers: dict[str, str] | None = None) -> None:
        self.send(status, body, "text/html; charset=utf-8", headers)

    def text(self, status: int, message: str) -> None:
        self.send(status, (message.rstrip("\n") + "\n").encode(), "text/plain; charset=utf-8")

    def reply(self, reply: Reply, headers: dict[str, str] | None = None) -> None:
        self.send(
            reply.status,
            reply.body,
            reply.content_type,
            {"Vary": "Accept", **(headers or {})} if reply.status == 200 else None,
        )

    def not_found(self, lang: str, what: str, search: str = "") -> None:
        """A 404 page; ``search`` offers a search for that text (the end of an unknown IRI)."""
        parts = urlsplit(self.path)
        params = {k: v[-1] for k, v in parse_qs(parts.query).items() if k != "lang"}
        self.html(not_found_page(lang, what, unquote(parts.path), params, search), 404)

    # --- methods ------------------------------------------------------------------------------

    def do_OPTIONS(self) -> None:  # noqa: N802 (stdlib naming)
        self.send_response(204)
        self.send_header("Access-Control-Allow-Origin", "*")
        self.send_header("Access-Control-Allow-Methods", "GET, HEAD, POST, OPTIONS")
        self.send_header("Access-Control-Allow-Headers", "Accept, Content-Type")
        self.send_header("Access-Control-Max-Age", "86400")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self) -> None:  # noqa: N802
        self.dispatch({})

    def do_HEAD(self) -> None:  # noqa: N802
        self.dispatch({})

    def do_POST(self) -> None:  # noqa: N802
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            self.close_connection = True
            if length <= 16 * MAX_BODY:  # read it away, so the client sees the answer
                while length > 0:
                    length -= len(self.rfile.read(min(length, 1 << 16)) or b"x" * length)
            return self.text(413, f"the request body is over {MAX_BODY} bytes")
        raw = self.rfile.read(length) if length else b""
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
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        except Exception:  # a bug in a page: answer 500 and keep serving
            traceback.print_exc(file=sys.stderr)
            self.close_connection = True
            self.text(500, "internal error while building this page (see the server log)")

    def route(
        self, path: str, params: dict[str, list[str]], one: dict[str, str], lang: str
    ) -> None:
        app = self.server.app
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
            body = json.dumps(app.pool.status(), indent=1).encode()
            return self.send(200, body, "application/json")
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
        self.reply(self.server.app.run(job))

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
            address, port = self.server.server_address[:2]
            host = f"{address!s}:{port}"
        endpoint = f"http://{host}/sparql"
        triples = service_description(endpoint, self.server.app.store)
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
        app = self.server.app
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
        app = self.server.app
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
            reply = app.run(Job(name=name, params=values, fmt=fmt))
            disposition = {"Content-Disposition": f'attachment; filename="{name}.{fmt}"'}
            return self.reply(reply, disposition)
        answer, error, status, kind = None, "", 200, "select"
        if not missing:
            reply = app.run(Job(name=name, params=values, table=True))
            if reply.status == 200:
                answer, kind = json.loads(reply.body), reply.kind
            else:
                error, status = reply.body.decode("utf-8", "replace"), reply.status
        page = query_page(app.catalog, query, values, lang, answer, error, missing, kind)
        self.html(page, status)

    def editor(self, text: str, lang: str) -> None:
        answer, error, status, kind = None, "", 200, "select"
        if text.strip():
            reply = self.server.app.run(Job(text=text, table=True))
            if reply.status == 200:
                answer, kind = json.loads(reply.body), reply.kind
            else:
                error, status = reply.body.decode("utf-8", "replace"), reply.status
        page = editor_page(
            self.server.app.catalog, text, lang, answer, error, kind, self.server.app.queries()
        )
        self.html(page, status)

    def view(self, name: str, one: dict[str, str], lang: str) -> None:
        entity = one.get("entity")
        if name == "neighbourhood" and not entity:
            return self.not_found(lang, "the neighbourhood view needs ?entity=IRI")
        page = self.server.app.views.page(name, lang, entity)
        if page is None and name == "neighbourhood":
            return self.not_found(lang, f"no entity <{entity}> in the graph's views")
        if page is None:
            names = ", ".join(n for n, _ in self.server.app.views.names(lang))
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
                body = resources.files("emg_kg").joinpath("web", name).read_bytes()
        except (FileNotFoundError, IsADirectoryError, OSError):
            return self.text(404, "no such file")
        ctype = {
            "css": "text/css",
            "js": "text/javascript",
            "svg": "image/svg+xml",
            "txt": "text/plain",
        }.get(name.rsplit(".", 1)[-1], "application/octet-stream")
        self.send(200, body, ctype + "; charset=utf-8", {"Cache-Control": "max-age=3600"})
