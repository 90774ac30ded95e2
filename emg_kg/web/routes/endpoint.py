"""``/sparql``: the SPARQL 1.1 protocol's query operation (GET, or POST as a form or a query
body), and the service description when no query is given. The query runs in the worker pool;
the protocol's formats and negotiation are :mod:`emg_kg.web.sparql`'s."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pyoxigraph as ox

from emg_kg.web.jobs import Job
from emg_kg.web.routes.queries import editor
from emg_kg.web.sparql import ALIASES, FORMATS, choose, preferences, service_description

if TYPE_CHECKING:
    from emg_kg.web.routes.exchange import Exchange

__all__ = ["sparql"]

_HOST = re.compile(r"[A-Za-z0-9.\-]+(:\d+)?|\[[0-9A-Fa-f:.]+\](:\d+)?")
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


def sparql(ex: Exchange, params: dict[str, list[str]], one: dict[str, str], lang: str) -> None:
    """Run the query given (one ``query``, graphs by ``default-graph-uri``/``named-graph-uri``),
    or describe the service; an ``update`` is refused (403)."""
    if "update" in params:
        return ex.text(403, "refused: this endpoint is read-only (no SPARQL Update)")
    fmt = one.get("format") or one.get("output") or one.get("results") or ""
    accept = preferences(ex.headers.get("Accept"))
    if "query" not in params:
        return description(ex, accept, fmt, lang)
    if len(params["query"]) > 1:
        return ex.text(400, "give one query parameter, not several")
    for key in ("default-graph-uri", "named-graph-uri"):
        for value in params.get(key, []):
            try:
                ox.NamedNode(value)
            except ValueError:
                return ex.text(400, f"{key}: {value!r} is not an IRI")
    job = Job(
        text=params["query"][0],
        accept=accept,
        fmt=fmt,
        default_graph=params.get("default-graph-uri", []),
        named_graphs=params.get("named-graph-uri", []),
    )
    ex.reply(ex.run(job))


def description(ex: Exchange, accept: list[tuple[str, float]], fmt: str, lang: str) -> None:
    """The service description in the format negotiated; HTML is the editor."""
    media = dict(_SD_TYPES)
    key = choose("graph", accept, "", [m for _, m in _SD_TYPES]) if not fmt else None
    chosen = next((k for k, m in _SD_TYPES if m == key), None) if key else fmt
    if chosen in ALIASES:  # format=turtle, json (JSON-LD), xml (RDF/XML) ...
        chosen = ALIASES[chosen].get("graph", chosen)
    if chosen == "html":
        return editor(ex, "", lang)
    if chosen not in _SD_RDF:
        return ex.text(
            406, "the service description is Turtle, JSON-LD, N-Triples, RDF/XML or HTML"
        )
    host = ex.headers.get("Host") or ""
    if not _HOST.fullmatch(host):
        address, port = ex.server_address[:2]
        host = f"{address!s}:{port}"
    endpoint = f"http://{host}/sparql"
    triples = service_description(endpoint, ex.app.store)
    body = (
        ox.serialize(
            triples,
            format=_SD_RDF[chosen],
            prefixes={"sd": "http://www.w3.org/ns/sparql-service-description#"},
        )
        or b""
    )
    ctype = FORMATS[chosen][0] if chosen in FORMATS else media[chosen]
    ex.send(200, body, ctype, {"Vary": "Accept"})
