"""The Python API for notebooks: load the graph, run named or ad-hoc queries on either engine.

>>> from emg_kg.api import load
>>> kg = load()                                          # doctest: +SKIP
>>> kg.query("mandates-for-body", body="body:EMG").df()  # doctest: +SKIP
>>> mine = load(mapping="my-links.csv")                  # doctest: +SKIP
>>> mine.query("aichi-supporters", evidence="all")       # doctest: +SKIP

Oxigraph (the cached store) is the default: it answers in milliseconds without importing
rdflib. ``engine="rdflib"`` runs the same query on rdflib's own SPARQL engine over the same
quads, which is how the tests check that every named query means the same on both.
The work is done in :mod:`emg_kg.query` (and :mod:`emg_kg.analysis.mapping` for a user
mapping); this module is the facade only.
"""

from __future__ import annotations

from pathlib import Path

from emg_kg.analysis.mapping import open_with_mapping
from emg_kg.errors import QueryError
from emg_kg.paths import Layout, default_layout
from emg_kg.query.engines import ENGINES, Backend, Engine, OxigraphEngine, RdflibEngine, open_engine
from emg_kg.query.registry import NamedQuery, adhoc, load_queries, parse_header
from emg_kg.query.reports import report_view
from emg_kg.query.run import Rows, bind, names, resolve_param, run

__all__ = [
    "Engine",
    "OxigraphEngine",
    "RdflibEngine",
    "open_engine",
    "open_with_mapping",
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
    """The report graph, loaded once, queried by name, file or SPARQL text.

    ``mapping`` (a CSV path) merges a user agency -> target mapping first; ``self.mapping``
    then says what was merged (its links, and the graph of each source text)."""

    def __init__(
        self,
        layout: Layout | None = None,
        engine: str = "oxigraph",
        mapping: str | Path | None = None,
        store: str | None = None,
        endpoint: str | None = None,
        report: str | None = None,
    ) -> None:
        self.layout = layout or default_layout()
        backend = Backend.from_env(Path(store) if store else None, endpoint)
        self.engine, self.mapping = open_with_mapping(
            self.layout, engine, Path(mapping) if mapping is not None else None, backend
        )
        if report:  # one report's graphs plus the shared ones (emg_kg.query.reports)
            if not isinstance(self.engine, OxigraphEngine):
                raise QueryError("report= runs on the oxigraph engine")
            self.engine = OxigraphEngine(report_view(self.engine.store, report))

    def queries(self) -> dict[str, NamedQuery]:
        return load_queries(self.layout)

    def query(self, query: str, /, lang: str | None = None, **params: str) -> Rows:
        """Run a named query (``"open-mandates"``), a ``.rq`` path or SPARQL text."""
        if "{" in query:
            named = parse_header("query", query)
        else:
            named = adhoc(query, self.layout)
        return Rows(run(self.engine, named, {k: str(v) for k, v in params.items()}, lang))


def load(
    root: str | None = None,
    engine: str = "oxigraph",
    mapping: str | Path | None = None,
    store: str | None = None,
    endpoint: str | None = None,
    report: str | None = None,
) -> KG:
    """Load the graph (from ``root``, default the checkout; or open ``store``/``endpoint``,
    else $EMG_KG_STORE/$EMG_KG_ENDPOINT) for notebook use, with a user mapping CSV merged if
    ``mapping`` is given (in memory only); ``report`` (an id such as ``"gc27-emg"``) answers
    for that report only (its graphs plus the shared ones), the default spans every report."""
    return KG(Layout(Path(root)) if root else None, engine, mapping, store, endpoint, report)
