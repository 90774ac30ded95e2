"""Namespaces and prefixes, defined once.

Every IRI the project mints starts with :data:`BASE`; every module and every output binds the
same prefixes (:mod:`emg_kg.prefixes`, kept free of rdflib), so Turtle output and error messages
read the same everywhere. This module adds the rdflib namespaces the build needs.
"""

from __future__ import annotations

from rdflib import Namespace
from rdflib.namespace import NamespaceManager

from emg_kg.prefixes import BASE, ID, PREFIXES, sparql_prologue

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

EMG = Namespace(PREFIXES["emg"])
EMGID = Namespace(ID)
PARA = Namespace(PREFIXES["para"])
FN = Namespace(PREFIXES["fn"])
SRC = Namespace(PREFIXES["src"])
INF = Namespace(PREFIXES["inf"])
ORG = Namespace(PREFIXES["org"])
SCHEMA = Namespace(PREFIXES["schema"])
TIME = Namespace(PREFIXES["time"])
SH = Namespace(PREFIXES["sh"])

REPORT = EMGID["report/gc27-emg"]
GRAPH_REPORT = EMGID["graph/report"]
GRAPH_ONTOLOGY = EMGID["graph/ontology"]
GRAPH_PROVENANCE = EMGID["graph/provenance"]


def bind_prefixes(target: object) -> None:
    """Bind the project prefixes on a graph or dataset (replacing rdflib's defaults)."""
    manager: NamespaceManager = target.namespace_manager  # type: ignore[attr-defined]
    for prefix, iri in PREFIXES.items():
        manager.bind(prefix, iri, override=True, replace=True)
