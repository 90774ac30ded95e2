"""The Python API for notebooks: load the graph, run named or ad-hoc queries on either engine.

>>> from emg_kg.api import load
>>> kg = load()                                          # doctest: +SKIP
>>> kg.query("mandates-for-body", body="body:EMG").df()  # doctest: +SKIP

Oxigraph (the cached store) is the default: it answers in milliseconds without importing
rdflib. ``engine="rdflib"`` runs the same query on rdflib's own SPARQL engine over the same
quads, which is how the tests check that every named query means the same on both.
The work is done in :mod:`emg_kg.query`; this module is the facade only.
"""

from __future__ import annotations

from emg_kg.paths import Layout, default_layout
from emg_kg.query.engines import ENGINES, Engine, OxigraphEngine, RdflibEngine, open_engine
from emg_kg.query.registry import NamedQuery, adhoc, load_queries, parse_header
from emg_kg.query.run import Rows, bind, names, resolve_param, run

__all__ = [
    "Engine",
    "OxigraphEngine",
    "RdflibEngine",
    "open_engine",
    "bind",
    "run",
    "names",
    "resolve_param",
    "KG",
    "Rows",
    "load",
    "ENGINES",
]


class KG:
    """The report graph, loaded once, queried by name, file or SPARQL text."""

    def __init__(self, layout: Layout | None = None, engine: str = "oxigraph") -> None:
        self.layout = layout or default_layout()
        self.engine = open_engine(self.layout, engine)

    def queries(self) -> dict[str, NamedQuery]:
        return load_queries(self.layout)

    def query(self, query: str, /, lang: str | None = None, **params: str) -> Rows:
        """Run a named query (``"open-mandates"``), a ``.rq`` path or SPARQL text."""
        if "{" in query:
            named = parse_header("query", query)
        else:
            named = adhoc(query, self.layout)
        return Rows(run(self.engine, named, {k: str(v) for k, v in params.items()}, lang))


def load(root: str | None = None, engine: str = "oxigraph") -> KG:
    """Load the graph (from ``root``, default the checkout) for notebook use."""
    from pathlib import Path

    return KG(Layout(Path(root)) if root else None, engine)
