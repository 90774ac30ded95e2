"""The project's base IRI and prefixes, defined once, as plain strings.

Kept free of rdflib so that the commands that only read the store (query, gaps, stats, show,
serve) start fast: importing rdflib alone costs about 0.2 s. :mod:`emg_kg.data.namespaces` builds
rdflib namespaces from the same table.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

__all__ = ["BASE", "ID", "PREFIXES", "shorten", "sparql_prologue"]

BASE = "https://w3id.org/emg-kg/"
ID = BASE + "id/"

#: Prefix -> namespace IRI, in the order they are written out.
PREFIXES: dict[str, str] = {
    "emg": BASE + "ontology#",
    "emgid": ID,
    "agency": ID + "agency/",
    "body": ID + "body/",
    "group": ID + "group/",
    "person": ID + "person/",
    "post": ID + "post/",
    "meeting": ID + "meeting/",
    "decision": ID + "decision/",
    "doc": ID + "doc/",
    "pub": ID + "pub/",
    "conv": ID + "convention/",
    "place": ID + "place/",
    "mandate": ID + "mandate/",
    "support": ID + "support/",
    "figure": ID + "figure/",
    "aichi": ID + "aichi/",
    "fww": ID + "fww/",
    "area": ID + "colead-area/",
    "verb": ID + "verb/",
    "status": ID + "status/",
    "level": ID + "evidence-level/",
    "role": ID + "support-role/",
    "indicator": ID + "indicator/",
    "para": ID + "report/gc27-emg/para/",
    "fn": ID + "report/gc27-emg/fn/",
    "src": ID + "source/",
    "inf": ID + "inference/",
    "org": "http://www.w3.org/ns/org#",
    "prov": "http://www.w3.org/ns/prov#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "schema": "https://schema.org/",
    "time": "http://www.w3.org/2006/time#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "sh": "http://www.w3.org/ns/shacl#",
}


def sparql_prologue() -> str:
    """PREFIX lines for every project prefix, for ad-hoc queries and examples."""
    return "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items())


_LOCAL = re.compile(r"[\w.\-]*")  # a local name SPARQL reads as written (no escapes needed)
_LOCAL_PATH = re.compile(r"[\w.\-/]*")  # ... or, for display only, a path under a namespace
_BY_LENGTH = sorted(PREFIXES.items(), key=lambda kv: -len(kv[1]))


def shorten(iri: str, prefixes: Mapping[str, str] | None = None, paths: bool = False) -> str:
    """The one shortener: an IRI as a prefixed name, the longest namespace first; ``<iri>``
    when no prefix fits. ``prefixes`` defaults to the project's (a query's own PREFIX lines
    can be given instead); ``paths`` also takes a local part with slashes, which reads well in
    a view but is not a SPARQL prefixed name.

    >>> shorten("https://w3id.org/emg-kg/id/agency/UNDP")
    'agency:UNDP'
    >>> shorten("https://w3id.org/emg-kg/id/initiative/greening-the-blue")
    '<https://w3id.org/emg-kg/id/initiative/greening-the-blue>'
    >>> shorten("https://w3id.org/emg-kg/id/initiative/greening-the-blue", paths=True)
    'emgid:initiative/greening-the-blue'
    >>> shorten("http://example.org/a/b", {"ex": "http://example.org/a/"})
    'ex:b'
    """
    table = _BY_LENGTH if prefixes is None else sorted(prefixes.items(), key=lambda kv: -len(kv[1]))
    local = _LOCAL_PATH if paths else _LOCAL
    for prefix, ns in table:
        if iri.startswith(ns) and local.fullmatch(iri[len(ns) :]):
            return f"{prefix}:{iri[len(ns) :]}"
    return f"<{iri}>"
