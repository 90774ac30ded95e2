"""The reports a dataset holds, and a store seen through one of them (``--report ID``).

The dataset may hold many reports (each declared by a ``graph_data/*.report.toml``, see
:mod:`emg_kg.data.reports`, or loaded with ``emg-kg load``). By default every command spans
them all. ``--report ID`` (the CLI, ``report=`` in the API, ``?report=`` on the web) restricts
the SPARQL *dataset*, not the query texts: the default graph and the named graphs become the
graphs of that report plus the shared ones, so every named query, ``gaps``, ``show`` and the
views answer for one report without a word of their SPARQL changed (the SPARQL 1.1 dataset
rules that FROM / ``default-graph-uri`` already follow).

Which graph belongs to which report is read from the data itself, so it holds for any report
loaded, declared or not:

* a report is a node typed ``emg:Report`` whose structure graph (the graph typing it) has
  sections ``dct:isPartOf`` it;
* a graph is a report's when it is that structure graph, or its name lies under the report's
  IRI (its paragraphs' and footnotes' evidence graphs: ``emgid:report/ID/para/3``), or it is
  described as derived (``prov:wasDerivedFrom``) from that report or its units and from no
  other report's (an inference drawn from its paragraphs, its translation);
* every other graph (ontology, organizations, Aichi targets, conventions, external sources,
  provenance) is shared and seen under every report.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox

from emg_kg.errors import QueryError
from emg_kg.prefixes import ID, PREFIXES

__all__ = ["ReportInfo", "ReportView", "list_reports", "pick_report", "report_view"]

_HEAD = "".join(f"PREFIX {p}: <{PREFIXES[p]}>\n" for p in ("emg", "dct", "prov"))
_REPORTS = (
    _HEAD
    + """SELECT DISTINCT ?report ?graph WHERE {
  GRAPH ?graph { ?report a emg:Report . ?part dct:isPartOf ?report ; a emg:Section }
}"""
)
_DERIVED = (
    _HEAD
    + """SELECT DISTINCT ?graph ?source WHERE {
  GRAPH ?where { ?graph prov:wasDerivedFrom ?source }
}"""
)


@dataclass
class ReportInfo:
    """One report of the dataset: its IRI, short id (``gc27-emg``) and the graphs it owns."""

    iri: str
    graphs: set[str] = field(default_factory=set)

    @property
    def ident(self) -> str:
        return self.iri.removeprefix(ID + "report/")


def _rows(store: Any, text: str) -> list[tuple[str, ...]]:
    answer = store.query(text)
    return [tuple(term.value for term in row) for row in answer]


def list_reports(store: Any) -> list[ReportInfo]:
    """Every report in ``store`` with the graphs it owns (module docstring), sorted by IRI."""
    if getattr(store, "kind", "") == "endpoint":
        raise QueryError(
            "--report restricts the dataset of an in-process store (memory or --store); "
            "on an --endpoint give the graphs with FROM / default-graph-uri instead"
        )
    found: dict[str, ReportInfo] = {}
    structure: dict[str, str] = {}
    for report, graph in _rows(store, _REPORTS):
        found.setdefault(report, ReportInfo(report)).graphs.add(graph)
        structure[graph] = report
    bases = sorted(found, key=len, reverse=True)  # the longest IRI first: report/a-b before a

    def owner(iri: str) -> str | None:
        if iri in structure:
            return structure[iri]
        return next((r for r in bases if iri == r or iri.startswith(r + "/")), None)

    derived: dict[str, set[str]] = defaultdict(set)
    for graph, source in _rows(store, _DERIVED):
        derived[graph].add(source)
    for node in store.named_graphs():
        graph = node.value
        mine = owner(graph)
        if mine is None:
            sources = {owner(s) for s in derived.get(graph, ())} - {None}
            mine = sources.pop() if len(sources) == 1 else None
        if mine is not None:
            found[mine].graphs.add(graph)
    return [found[k] for k in sorted(found)]


def pick_report(reports: list[ReportInfo], name: str) -> ReportInfo:
    """The report ``name`` stands for: its id (``gc27-emg``), ``emgid:report/ID`` or its IRI."""
    wanted = name.strip().strip("<>")
    if wanted.startswith("emgid:"):
        wanted = ID + wanted.removeprefix("emgid:")
    for report in reports:
        if wanted in (report.ident, report.iri):
            return report
    known = ", ".join(r.ident for r in reports) or "none"
    raise QueryError(f"--report {name!r}: no such report in this dataset (it holds: {known})")


class ReportView:
    """A store seen through one report: its graphs plus the shared ones, nothing of the others.

    Offers what the commands read (``query``, ``quads_for_pattern``, ``named_graphs``,
    ``contains_named_graph``, ``len``); anything else (a user mapping's writes) goes to the
    store underneath. A query naming its own dataset (FROM, ``default-graph-uri``) keeps it,
    among the graphs the report sees: another report's graph is "no graph in this dataset".
    """

    def __init__(self, store: Any, report: ReportInfo, others: list[ReportInfo]) -> None:
        self.store, self.report = store, report
        self.hidden: set[str] = set().union(*(r.graphs for r in others if r.iri != report.iri))

    @property
    def graphs(self) -> set[str]:
        """Every graph but the other reports' (read anew: a user mapping adds graphs later)."""
        return {g.value for g in self.store.named_graphs() if g.value not in self.hidden}

    def _nodes(self) -> list[ox.NamedNode]:
        return [ox.NamedNode(g) for g in sorted(self.graphs)]

    def __getattr__(self, name: str) -> Any:
        return getattr(self.store, name)

    def query(self, query: str, **options: Any) -> Any:
        if options.get("default_graph") is None and options.get("named_graphs") is None:
            options.pop("use_default_graph_as_union", None)
            options["default_graph"] = options["named_graphs"] = self._nodes()
        return self.store.query(query, **options)

    def quads_for_pattern(self, s: Any, p: Any, o: Any, g: Any = None) -> Iterator[ox.Quad]:
        if g is not None and getattr(g, "value", None) in self.hidden:
            return iter(())
        quads = self.store.quads_for_pattern(s, p, o, g)
        return (q for q in quads if getattr(q.graph_name, "value", None) not in self.hidden)

    def named_graphs(self) -> Iterator[ox.NamedNode]:
        return iter(self._nodes())

    def contains_named_graph(self, graph: Any) -> bool:
        value = getattr(graph, "value", None)
        return value not in self.hidden and bool(self.store.contains_named_graph(graph))

    def __len__(self) -> int:
        return sum(1 for _ in self.quads_for_pattern(None, None, None))


def report_view(store: Any, name: str | None) -> Any:
    """``store`` as it is (no ``name``: every report), or seen through report ``name``."""
    if not name:
        return store
    reports = list_reports(store)
    return ReportView(store, pick_report(reports, name), reports)
