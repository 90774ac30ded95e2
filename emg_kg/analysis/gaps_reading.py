"""The gap report's reading (:mod:`emg_kg.analysis.gaps`): its ten queries, read together,
and their rows as text.

:class:`Answers` starts every query the report needs (:mod:`emg_kg.query.together`: two at
once on this machine's two cores) and gives each answer as the report comes to it, and
:class:`Reading` turns each answer into rows of text, the way the report shows them;
:func:`open_mandates` is ``open-mandates`` read in two parts.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

import pyoxigraph as ox

from emg_kg.analysis.mandate_evidence import evidence_column
from emg_kg.errors import QueryError
from emg_kg.paths import Layout
from emg_kg.query.engines import Engine
from emg_kg.query.registry import NamedQuery, get_query, internal_query
from emg_kg.query.results import Result, Term, TermTexts, frozen_prefixes, short, short_iri
from emg_kg.query.run import Solutions, by_value, run
from emg_kg.query.together import answers, run_all

__all__ = ["Answers", "Reading", "Support", "mandate_calls", "open_mandates"]


@dataclass
class Support:
    """One supporter (or follower) of a target, area or paragraph, at one evidence level."""

    who: str
    name: str
    level: str
    graph: str
    rests_on: list[str]
    role: str = ""  # implements, aligns, monitors, benefits (Aichi targets)
    group: str = ""  # report, un-system, mea, other


class Reading:
    """The named queries' rows (from the one row runner) with IRIs shortened by each query's
    own prefixes and every variable present ("" when unbound), and what inferences rest on."""

    def __init__(self, engine: Engine, layout: Layout, lang: str) -> None:
        self.engine, self.layout, self.lang = engine, layout, lang
        self.iris: dict[str, str] = {}  # each IRI as a row shows it -> the IRI
        self._rests: dict[str, list[str]] = {}
        self._derived: dict[str, list[dict[str, Term]]] | None = None
        self._prefixes: frozenset[tuple[str, str]] = frozenset()

    def inferences(self, found: Result | None = None) -> dict[str, list[dict[str, Term]]]:
        """What each inference stating a link reads (5,750 rows at 2 M quads), by the
        inference's IRI: shortened and sorted (by full IRI) only for the graphs a report line
        rests on. From ``found`` (gaps-derived-from's answer, read with the others), else read
        here on first use."""
        if self._derived is None or found is not None:
            if found is None:
                found = run(
                    self.engine, internal_query("gaps-derived-from", self.layout), phase_end=False
                )
            rows = Solutions(found)
            self._derived = defaultdict(list)
            inference = by_value("g")
            for row in rows:
                self._derived[inference(row)[0]].append(row)
            self._prefixes = frozen_prefixes(rows.prefixes)
        return self._derived

    def call(self, query: NamedQuery | str, **params: str) -> tuple[NamedQuery, dict[str, str]]:
        """A named query (``query`` a name, or a query such as an internal one) with its
        values, ``lang`` the report's unless given: what :meth:`rows` runs."""
        if isinstance(query, str):
            query = get_query(self.layout, query)
        if "lang" in query.param_names:
            params.setdefault("lang", self.lang)
        return query, params

    def rows(self, query: NamedQuery | str, **params: str) -> list[dict[str, str]]:
        """A named query's rows (``query`` a name, or a query such as an internal one), each
        IRI shortened by the query's own prefixes (:meth:`table`)."""
        named, values = self.call(query, **params)
        return self.table(named, run(self.engine, named, values, phase_end=False))

    def table(self, query: NamedQuery, found: Result) -> list[dict[str, str]]:
        """``query``'s answer ``found`` as rows of text, each IRI shortened by the query's own
        prefixes, once per IRI (:func:`short_iri`), and kept beside its shortened name for
        :meth:`rests_on`."""
        if found.kind != "select":
            raise QueryError(f"{query.name}: the gap report reads SELECT queries only")
        # each distinct term's text worked out once (a dict's own lookup per cell, no Python
        # call): the report's 156,000 cells at 2 M quads took 0.5 s through a dict of terms
        # per row and a call per cell
        text = TermTexts(frozen_prefixes(found.prefixes), self.iris).__getitem__
        variables = found.variables
        return [dict(zip(variables, map(text, r), strict=True)) for r in found.rows]

    def names(self, found: list[dict[str, str]] | None = None) -> dict[str, list[str]]:
        """Each follower's and supporter's names in the language (``gaps-names``, or its rows
        ``found``), by IRI."""
        names: dict[str, list[str]] = defaultdict(list)
        if found is None:
            found = self.rows(internal_query("gaps-names", self.layout))
        for r in found:
            if r["name"]:
                names[self.iris.get(r["who"], r["who"])].append(r["name"])
        return {who: sorted(found) for who, found in names.items()}

    def named(
        self, rows: list[dict[str, str]], names: dict[str, list[str]]
    ) -> list[dict[str, str]]:
        """``rows`` with each follower's name, as the named query's per-row lookup gives it:
        a row per name in the language, one with "" when it has none (SKOS: at most one)."""
        return [
            {**r, "followerName": name}
            for r in rows
            for name in names.get(self.iris.get(r["follower"], r["follower"]), [""])
        ]

    def rests_on(self, graph: str) -> list[str]:
        """A graph (as a row shows it) and, for an inference, the report paragraphs it reads."""
        if graph not in self._rests:
            iri = self.iris.get(graph, "")
            reads = sorted(self.inferences().get(iri, []), key=by_value("p"))
            self._rests[graph] = [graph, *(_text(r["p"], self._prefixes) for r in reads)]
        return list(self._rests[graph])

    def support(self, row: dict[str, str], who: str, name: str) -> Support:
        level = row["level"].removeprefix("level:")
        return Support(
            row[who],
            row[name],
            level,
            row["graph"],
            self.rests_on(row["graph"]),
            row.get("role", ""),
            row.get("group", ""),
        )


def _text(term: Term, prefixes: frozenset[tuple[str, str]]) -> str:
    """A term as a table shows it (:func:`~emg_kg.query.results.short`), an IRI from the cache."""
    return short_iri(term.value, prefixes) if isinstance(term, ox.NamedNode) else short(term)


def mandate_calls(q: Reading, as_of: str) -> list[tuple[NamedQuery, dict[str, str]]]:
    """What :func:`open_mandates` reads: the mandates' evidence graphs, then the mandates."""
    return [
        q.call(internal_query("gaps-mandate-graphs", q.layout)),
        q.call(internal_query("gaps-open-mandates", q.layout), asOf=as_of),
    ]


def open_mandates(q: Reading, as_of: str, read: list[Result] | None = None) -> list[dict[str, str]]:
    """``open-mandates``' rows (tests/analysis/test_mandate_evidence.py holds them to it): the
    rows without the evidence column, and each mandate's evidence graphs named and ordered in
    Python (:mod:`emg_kg.analysis.mandate_evidence` says why). A mandate with no evidence graph
    has no row, as in the query's join. ``read``: :func:`mandate_calls`' answers, when read."""
    calls = mandate_calls(q, as_of)
    graphs, mandates = read if read is not None else run_all(q.engine, calls)
    # (mandate, graph) pairs, both always bound: 30,820 rows at 2 M quads, read as tuples
    pairs = graphs.rows
    evidence = evidence_column((m.value, g.value) for m, g in pairs)  # type: ignore[union-attr]
    found = q.table(calls[1][0], mandates)
    iris = q.iris
    return [
        {**r, "evidence": evidence[iris[r["mandate"]]]}
        for r in found
        if iris[r["mandate"]] in evidence
    ]


class Answers:
    """The ten queries' answers as they are read (5.2 s one after the other at 2 M quads: open
    mandates 1.1, their graphs 1.0, the Aichi links 0.9, Rio+20's follow-up 0.55, the co-led
    areas 0.4, the inferences' paragraphs 0.2), a few at once (:mod:`emg_kg.query.together`),
    each taken by its key (:meth:`take`) in the order asked: the report works on one while the
    next are read, and drops each when done. Asked in the order the report read them one after
    the other, so a failure raises the error it raised then: a query that cannot be found
    raises once the ones before it have run. :meth:`close` stops the rest."""

    def __init__(self, q: Reading, as_of: str, evidence: str) -> None:
        layout = q.layout
        makers: dict[str, Callable[[], tuple[NamedQuery, dict[str, str]]]] = {
            "derived": lambda: q.call(internal_query("gaps-derived-from", layout)),
            "links": lambda: q.call(internal_query("gaps-aichi-links", layout)),
            "targets": lambda: q.call("aichi-targets"),
            "names": lambda: q.call(internal_query("gaps-names", layout)),
            "colead-areas": lambda: q.call(
                internal_query("gaps-colead-areas", layout), evidence="all"
            ),
            "area-gaps": lambda: q.call("colead-area-gaps", evidence=evidence),
            "graphs": lambda: mandate_calls(q, as_of)[0],
            "mandates": lambda: mandate_calls(q, as_of)[1],
            "unfollowed": lambda: q.call(
                internal_query("gaps-rio20-unfollowed", layout), evidence=evidence
            ),
            "followup": lambda: q.call(
                internal_query("gaps-rio20-followup", layout), evidence="all"
            ),
        }
        calls: dict[str, tuple[NamedQuery, dict[str, str]]] = {}
        try:
            for key, make in makers.items():
                calls[key] = make()
        except QueryError:
            run_all(q.engine, calls.values())  # the queries before it fail first, as they did
            raise
        self._keys = list(calls)
        self._queries = {key: call[0] for key, call in calls.items()}
        self._found = answers(q.engine, calls.values())

    def take(self, key: str) -> tuple[NamedQuery, Result]:
        """The next answer, which must be ``key``'s (the order asked), with its query."""
        expected = self._keys.pop(0)
        if key != expected:
            raise RuntimeError(f"the gap report took {key!r} before {expected!r}")
        return self._queries[key], next(self._found)

    def close(self) -> None:
        self._found.close()
