"""Namespaces and prefixes, defined once.

Every IRI the project mints starts with :data:`BASE`; every module and every output binds the
same prefixes, so Turtle output and error messages read the same everywhere.
"""

from __future__ import annotations

from rdflib import Namespace
from rdflib.namespace import DCTERMS, FOAF, OWL, PROV, RDF, RDFS, SKOS, XSD, NamespaceManager

__all__ = [
    "BASE",
    "EMG",
    "EMGID",
    "PARA",
    "FN",
    "SRC",
    "INF",
    "ORG",
    "SCHEMA",
    "TIME",
    "SH",
    "PREFIXES",
    "GRAPH_REPORT",
    "GRAPH_ONTOLOGY",
    "GRAPH_PROVENANCE",
    "REPORT",
    "bind_prefixes",
    "sparql_prologue",
]

BASE = "https://w3id.org/emg-kg/"
ID = BASE + "id/"

EMG = Namespace(BASE + "ontology#")
EMGID = Namespace(ID)
PARA = Namespace(ID + "report/gc27-emg/para/")
FN = Namespace(ID + "report/gc27-emg/fn/")
SRC = Namespace(ID + "source/")
INF = Namespace(ID + "inference/")
ORG = Namespace("http://www.w3.org/ns/org#")
SCHEMA = Namespace("https://schema.org/")
TIME = Namespace("http://www.w3.org/2006/time#")
SH = Namespace("http://www.w3.org/ns/shacl#")

REPORT = EMGID["report/gc27-emg"]
GRAPH_REPORT = EMGID["graph/report"]
GRAPH_ONTOLOGY = EMGID["graph/ontology"]
GRAPH_PROVENANCE = EMGID["graph/provenance"]

#: Prefix -> namespace IRI, in the order they are written out.
PREFIXES: dict[str, str] = {
    "emg": str(EMG),
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
    "para": str(PARA),
    "fn": str(FN),
    "src": str(SRC),
    "inf": str(INF),
    "org": str(ORG),
    "prov": str(PROV),
    "skos": str(SKOS),
    "dct": str(DCTERMS),
    "foaf": str(FOAF),
    "schema": str(SCHEMA),
    "time": str(TIME),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "owl": str(OWL),
    "xsd": str(XSD),
    "sh": str(SH),
}


def bind_prefixes(target: object) -> None:
    """Bind the project prefixes on a graph or dataset (replacing rdflib's defaults)."""
    manager: NamespaceManager = target.namespace_manager  # type: ignore[attr-defined]
    for prefix, iri in PREFIXES.items():
        manager.bind(prefix, iri, override=True, replace=True)


def sparql_prologue() -> str:
    """PREFIX lines for every project prefix, for ad-hoc queries and examples."""
    return "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items())
