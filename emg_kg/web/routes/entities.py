"""``/id/...`` and ``/ontology/...``: an entity's page in HTML, or its description in an RDF
format (by ``?format=`` or the Accept header)."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import quote

import pyoxigraph as ox

from emg_kg.web.pages import RDF_FORMATS, entity_page, entity_rdf
from emg_kg.web.sparql import choose, preferences

if TYPE_CHECKING:
    from emg_kg.web.routes.exchange import Exchange

__all__ = ["entity"]

_ENTITY_TYPES = [
    ("html", "text/html"),
    *((k, v[0].split(";")[0]) for k, v in RDF_FORMATS.items()),
    ("jsonld", "application/json"),
]
#: the names ``?format=`` also takes for the RDF formats
_FORMAT_NAMES = {
    "turtle": "ttl",
    "json-ld": "jsonld",
    "json": "jsonld",
    "ntriples": "nt",
    "html": "html",
}


def entity(ex: Exchange, iri: str, path: str, one: dict[str, str], lang: str) -> None:
    """The entity ``iri`` (served at ``path``); 404 with a search offered if it is unknown."""
    app = ex.app
    try:
        ox.NamedNode(iri)
    except ValueError:
        return ex.not_found(lang, f"{iri!r} is not an IRI")
    if not app.catalog.exists(iri):
        tail = iri.rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1]
        return ex.not_found(lang, f"no entity <{iri}> in the graph", tail)
    fmt = one.get("format", "")
    if fmt:
        key = _FORMAT_NAMES.get(fmt, fmt)
        if key not in RDF_FORMATS and key != "html":
            return ex.text(406, f"format {fmt!r}: use html, {', '.join(RDF_FORMATS)}")
    else:
        media = choose(
            "graph", preferences(ex.headers.get("Accept")), "", [m for _, m in _ENTITY_TYPES]
        )
        if media is None:
            return ex.text(
                406, "an entity is served as HTML, Turtle, JSON-LD, N-Triples, TriG or N-Quads"
            )
        key = next(k for k, m in _ENTITY_TYPES if m == media)
    if key == "html":
        link = app.views.link(iri, lang)
        return ex.html(
            entity_page(app.catalog, iri, lang, path, link, one.get("all") == "1"),
            headers={
                "Vary": "Accept",
                "Link": f'<{quote(path)}?format=ttl>; rel="alternate"; type="text/turtle"',
            },
        )
    ex.send(200, entity_rdf(app.catalog, iri, key), RDF_FORMATS[key][0], {"Vary": "Accept"})
