"""Gap analysis: what the EMG's mandates and commitments leave uncovered, with the evidence.

The report gives almost no per-target support data (docs/modeling.md; the public per-target
mapping is not available), so every count here says which evidence level it uses, and every
line names the graphs and report paragraphs it rests on. The numbers come from the named
queries themselves (``colead-area-gaps``, ``rio20-followup`` ...), or from
internal queries held to them by tests, so ``emg-kg gaps`` and ``emg-kg query`` cannot
disagree. Open mandates are ``open-mandates`` without its evidence column
(``queries/internal/gaps-open-mandates.rq``), each mandate's evidence graphs read apart and
ordered in Python (:mod:`emg_kg.analysis.mandate_evidence`); which Rio+20 paragraphs no EMG
body follows up is ``rio20-unfollowed`` without its citations (``rio20-followup`` gives them);
``rio20-followup`` and ``colead-areas`` are read without the followers' names, which
``gaps-names`` gives once per follower (per row, in memory, 1.6 s at 2 M quads).
The Aichi questions, at the three dates the report needs (``--as-of`` and the two BIP files),
all come from one answer, every support link with its own dates
(``queries/internal/gaps-aichi-links.rq``), filtered as ``aichi-supporters``,
``aichi-unaddressed`` and ``aichi-coverage`` filter (data/aichi_gaps.py, held to them by
tests/data/test_aichi_gaps.py): ten queries in all, the Aichi links read once rather than
once per date. :func:`compute` returns plain data; :mod:`emg_kg.cli.gaps_report` writes it
out. A user's agency -> target mapping (:mod:`emg_kg.analysis.mapping`) is merged first, as
level ``user``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from emg_kg.analysis.mandate_evidence import evidence_column
from emg_kg.data.aichi_gaps import AichiGaps, compute_aichi, counted, coverage, parse_roles
from emg_kg.errors import QueryError
from emg_kg.paths import Layout
from emg_kg.query.engines import Engine
from emg_kg.query.registry import NamedQuery, get_query, internal_query
from emg_kg.query.results import Term, TermTexts, frozen_prefixes, short, short_iri
from emg_kg.query.run import by_value, run
from emg_kg.query.run import rows as solutions

__all__ = ["EVIDENCE", "LEVELS", "REPORT_DATE", "GapReport", "Reading", "compute", "gap_report"]

#: --evidence choice -> the evidence levels it counts (each includes the ones before it).
EVIDENCE = {
    "stated": ("stated",),
    "report": ("stated", "derived"),
    "curated": ("stated", "derived", "curated"),
    "all": ("stated", "derived", "curated", "user"),
}
LEVELS = EVIDENCE["all"]
EVIDENCE_WORDS = {
    "stated": "stated in the report",
    "report": "stated in the report or derived from its text",
    "curated": "stated, derived, or curated from a named external source",
    "all": "stated, derived, curated, or supplied in a user mapping",
}
REPORT_DATE = "2012-12-04"
LEVEL_PREFIX = "https://w3id.org/emg-kg/id/evidence-level/"


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


@dataclass
class TargetRow:
    number: int
    target: str
    goal: str
    title: str
    deadline: str
    addressed: bool  # at the chosen evidence level
    supporters: list[Support] = field(default_factory=list)  # at every level


@dataclass
class GoalCoverage:
    goal: str
    name: str
    supported: int
    targets: int
    percent: int
    unaddressed: list[int]


@dataclass
class AreaGap:
    area: str
    name: str
    note: str
    rests_on: list[str]
    elsewhere: list[Support]  # who works on it at levels the chosen one leaves out


@dataclass
class OpenMandate:
    mandate: str
    issuer: str
    issued: str
    addressees: str
    action: str
    due_at: str
    due: str
    past_due: bool
    status: str
    rests_on: list[str]


@dataclass
class RioRow:
    paragraph: str
    number: str
    name: str
    cited_in: list[str]
    followed: bool  # by an EMG body at the chosen evidence level
    followers: list[Support] = field(default_factory=list)  # anyone, at every level


@dataclass
class GapReport:
    evidence: str
    levels: tuple[str, ...]
    as_of: str
    lang: str
    mapping: str | None = None
    user_links: int = 0
    user_sources: dict[str, str] = field(default_factory=dict)  # source text -> its graph
    roles: str = "all"
    aichi: AichiGaps | None = None
    targets: list[TargetRow] = field(default_factory=list)
    coverage: list[GoalCoverage] = field(default_factory=list)
    areas: list[AreaGap] = field(default_factory=list)
    mandates: list[OpenMandate] = field(default_factory=list)
    rio: list[RioRow] = field(default_factory=list)

    @property
    def evidence_words(self) -> str:
        return f"{self.evidence} ({EVIDENCE_WORDS[self.evidence]})"

    @property
    def unaddressed(self) -> list[TargetRow]:
        return [t for t in self.targets if not t.addressed]

    @property
    def rio_gaps(self) -> list[RioRow]:
        return [r for r in self.rio if not r.followed]


class Reading:
    """The named queries' rows (from the one row runner) with IRIs shortened by each query's
    own prefixes and every variable present ("" when unbound), and what inferences rest on."""

    def __init__(self, engine: Engine, layout: Layout, lang: str) -> None:
        self.engine, self.layout, self.lang = engine, layout, lang
        # what each inference stating a link reads (5,750 rows at 2 M quads), by the inference's
        # IRI: shortened and sorted (by full IRI) only for the graphs a report line rests on
        found = solutions(engine, internal_query("gaps-derived-from", layout))
        self._derived: dict[str, list[dict[str, Term]]] = defaultdict(list)
        inference = by_value("g")
        for row in found:
            self._derived[inference(row)[0]].append(row)
        self._prefixes = frozen_prefixes(found.prefixes)
        self.iris: dict[str, str] = {}  # each IRI as a row shows it -> the IRI
        self._rests: dict[str, list[str]] = {}

    def rows(self, query: NamedQuery | str, **params: str) -> list[dict[str, str]]:
        """A named query's rows (``query`` a name, or a query such as an internal one), each
        IRI shortened by the query's own prefixes, once per IRI (:func:`short_iri`), and kept
        beside its shortened name for :meth:`rests_on`."""
        if isinstance(query, str):
            query = get_query(self.layout, query)
        if "lang" in query.param_names:
            params.setdefault("lang", self.lang)
        found = run(self.engine, query, params)
        if found.kind != "select":
            raise QueryError(f"{query.name}: the gap report reads SELECT queries only")
        # each distinct term's text worked out once (a dict's own lookup per cell, no Python
        # call): the report's 156,000 cells at 2 M quads took 0.5 s through a dict of terms
        # per row and a call per cell
        text = TermTexts(frozen_prefixes(found.prefixes), self.iris).__getitem__
        variables = found.variables
        return [dict(zip(variables, map(text, r), strict=True)) for r in found.rows]

    def names(self) -> dict[str, list[str]]:
        """Each follower's and supporter's names in the language (``gaps-names``), by IRI."""
        names: dict[str, list[str]] = defaultdict(list)
        for r in self.rows(internal_query("gaps-names", self.layout)):
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
            reads = sorted(self._derived.get(iri, []), key=by_value("p"))
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


def open_mandates(q: Reading, as_of: str) -> list[dict[str, str]]:
    """``open-mandates``' rows (tests/analysis/test_mandate_evidence.py holds them to it): the
    rows without the evidence column, and each mandate's evidence graphs named and ordered in
    Python (:mod:`emg_kg.analysis.mandate_evidence` says why). A mandate with no evidence graph
    has no row, as in the query's join."""
    # (mandate, graph) pairs, both always bound: 30,820 rows at 2 M quads, read as tuples
    pairs = run(q.engine, internal_query("gaps-mandate-graphs", q.layout)).rows
    evidence = evidence_column((m.value, g.value) for m, g in pairs)  # type: ignore[union-attr]
    found = q.rows(internal_query("gaps-open-mandates", q.layout), asOf=as_of)
    iris = q.iris
    return [
        {**r, "evidence": evidence[iris[r["mandate"]]]}
        for r in found
        if iris[r["mandate"]] in evidence
    ]


def _split(text: str) -> list[str]:
    return [t for t in text.split() if t]


def compute(
    engine: Engine,
    layout: Layout,
    evidence: str = "report",
    as_of: str = REPORT_DATE,
    lang: str = "zh",
    roles: str = "all",
) -> GapReport:
    """Every gap, at one evidence level (and, for the Aichi targets, the given roles and the
    statements as of ``as_of``), from the named queries; raises QueryError if a named query is
    missing or fails, or ``roles`` names an unknown role."""
    if evidence not in EVIDENCE:
        raise QueryError(f"--evidence is one of {', '.join(EVIDENCE)}, not {evidence!r}")
    roles = parse_roles(roles)
    q = Reading(engine, layout, lang)
    report = GapReport(evidence, EVIDENCE[evidence], as_of, lang, roles=roles)

    # Every Aichi question below is read from this one answer (data/aichi_gaps.py says why).
    links = q.rows(internal_query("gaps-aichi-links", layout))
    shown = counted(links, "all", "all", as_of)
    open_targets = {r["target"] for r in counted(shown, evidence, roles) if not r["supporter"]}
    rows: dict[str, TargetRow] = {}
    goal_names: dict[str, str] = {}
    for r in q.rows("aichi-targets"):
        goal_names[r["goal"]] = r["goalName"]
        rows[r["target"]] = TargetRow(
            int(r["number"]),
            r["target"],
            r["goal"],
            r["title"],
            r["deadline"],
            r["target"] not in open_targets,
        )
    for r in shown:
        if r["supporter"]:
            rows[r["target"]].supporters.append(q.support(r, "supporter", "supporterName"))
    report.targets = sorted(rows.values(), key=lambda t: t.number)

    for r in coverage(shown, goal_names, evidence, roles):
        gaps = [t.number for t in report.targets if t.goal == r["goal"] and not t.addressed]
        report.coverage.append(
            GoalCoverage(
                r["goal"],
                r["goalName"],
                int(r["supported"]),
                int(r["targets"]),
                int(r["percent"]),
                gaps,
            )
        )

    workers: dict[str, list[Support]] = defaultdict(list)
    names = q.names()
    for r in q.named(q.rows(internal_query("gaps-colead-areas", layout), evidence="all"), names):
        if r["follower"]:
            workers[r["area"]].append(q.support(r, "follower", "followerName"))
    for r in q.rows("colead-area-gaps", evidence=evidence):
        report.areas.append(
            AreaGap(r["area"], r["name"], r["note"], ["para:11"], workers[r["area"]])
        )

    for r in open_mandates(q, as_of):
        report.mandates.append(
            OpenMandate(
                r["mandate"],
                r["issuer"],
                r["issued"],
                r["addressees"],
                r["action"],
                r["dueAt"],
                r["due"],
                r["pastDue"] == "true",
                r["status"].removeprefix("status:"),
                _split(r["evidence"]),
            )
        )

    # rio20-unfollowed's paragraphs without its citations, which rio20-followup gives below
    light = internal_query("gaps-rio20-unfollowed", layout)
    unfollowed = {r["paragraph"] for r in q.rows(light, evidence=evidence)}
    rio: dict[str, RioRow] = {}
    followup = internal_query("gaps-rio20-followup", layout)
    for r in q.named(q.rows(followup, evidence="all"), names):
        if r["node"].startswith("fww:para-"):
            row = rio.setdefault(
                r["node"],
                RioRow(
                    r["node"],
                    r["number"],
                    r["name"],
                    _split(r["citedIn"]),
                    r["node"] not in unfollowed,
                ),
            )
            if r["follower"]:
                row.followers.append(q.support(r, "follower", "followerName"))
    report.rio = sorted(rio.values(), key=lambda r: int(r.number))
    report.aichi = compute_aichi(links, evidence, roles, as_of)
    return report


def gap_report(
    layout: Layout,
    evidence: str | None = None,
    as_of: str = REPORT_DATE,
    lang: str = "zh",
    mapping: Path | None = None,
    store: ox.Store | None = None,
    roles: str = "all",
) -> GapReport:
    """Open the cached store (or use ``store``), merge a user mapping if given, and compute
    every gap.

    With a mapping and no ``evidence``, the level is ``all``: a user who brings links wants
    them counted. Raises MappingError (naming the line) before anything is merged; a mapping
    is merged into ``store`` itself.
    """
    import datetime as dt

    from emg_kg.analysis.mapping import apply_mapping
    from emg_kg.data.store import open_store
    from emg_kg.query.engines import OxigraphEngine

    try:
        dt.date.fromisoformat(as_of)
    except ValueError:
        raise QueryError(f"--as-of {as_of!r} is not a date YYYY-MM-DD") from None
    engine = OxigraphEngine(store if store is not None else open_store(layout))
    merged = None
    if mapping is not None:
        merged = apply_mapping(engine.store, mapping)  # type: ignore[arg-type]
    level = evidence or ("all" if mapping else "report")
    report = compute(engine, layout, level, as_of, lang, roles)
    report.mapping = str(mapping) if mapping else None
    report.user_links = len(merged.links) if merged else 0
    report.user_sources = dict(merged.graphs) if merged else {}
    return report
