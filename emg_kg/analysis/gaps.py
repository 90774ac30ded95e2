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
once per date, all ten read together (:class:`~emg_kg.analysis.gaps_reading.Answers`, a few
at once: :mod:`emg_kg.query.together`), each worked on as it comes, in the report's order.
:func:`compute` returns plain data; :mod:`emg_kg.cli.gaps_report` writes it out. A user's
agency -> target mapping (:mod:`emg_kg.analysis.mapping`) is merged first, as level ``user``.
"""

from __future__ import annotations

from collections import defaultdict
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from emg_kg.analysis.gaps_reading import Answers, Reading, Support, open_mandates
from emg_kg.data.aichi_gaps import AichiGaps, compute_aichi, counted, coverage, parse_roles
from emg_kg.errors import QueryError
from emg_kg.paths import Layout
from emg_kg.query.engines import Engine

__all__ = ["EVIDENCE", "LEVELS", "REPORT_DATE", "GapReport", "Reading", "Support", "compute"]
__all__ += ["gap_report", "open_mandates"]

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
    # the ten queries are independent: read together (query/together.py), each worked on as
    # it comes, in the report's order
    q = Reading(engine, layout, lang)
    with closing(Answers(q, as_of, evidence)) as read:
        return _fill(q, read, GapReport(evidence, EVIDENCE[evidence], as_of, lang, roles=roles))


def _fill(q: Reading, read: Answers, report: GapReport) -> GapReport:
    """:func:`compute`'s report filled from ``read``'s answers, taken in the order asked."""
    evidence, as_of, roles = report.evidence, report.as_of, report.roles
    q.inferences(read.take("derived")[1])

    def answer(key: str) -> list[dict[str, str]]:
        return q.table(*read.take(key))

    # Every Aichi question below is read from this one answer (data/aichi_gaps.py says why).
    links = answer("links")
    shown = counted(links, "all", "all", as_of)
    open_targets = {r["target"] for r in counted(shown, evidence, roles) if not r["supporter"]}
    rows: dict[str, TargetRow] = {}
    goal_names: dict[str, str] = {}
    for r in answer("targets"):
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
    names = q.names(answer("names"))
    for r in q.named(answer("colead-areas"), names):
        if r["follower"]:
            workers[r["area"]].append(q.support(r, "follower", "followerName"))
    for r in answer("area-gaps"):
        report.areas.append(
            AreaGap(r["area"], r["name"], r["note"], ["para:11"], workers[r["area"]])
        )

    for r in open_mandates(q, as_of, [read.take("graphs")[1], read.take("mandates")[1]]):
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
    unfollowed = {r["paragraph"] for r in answer("unfollowed")}
    rio: dict[str, RioRow] = {}
    for r in q.named(answer("followup"), names):
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
