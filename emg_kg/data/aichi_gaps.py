"""The Aichi part of the gap analysis: per evidence level and role, with the caveat in words.

Four questions: which targets have no link at all, which have none from the UN system or an
MEA, which are only monitored (an indicator partner, nobody saying it implements), and what
changed between the two versions of the Biodiversity Indicators Partnership file. A target
"without a link" has no link *in the evidence counted*; that never means nobody works on it,
and every output says so.

Each answer is the named query's own answer, at the same evidence level, roles and date as
``emg-kg query`` would use, but read from one answer for every level, role and date
(``queries/internal/gaps-aichi-links.rq``: ``aichi-supporters`` at ``evidence=all``,
``roles=all`` without its date filters, each link with its own dates) filtered here the way the
queries filter. Every Aichi query walks every support statement, which a corpus has by the
hundred thousand: the twenty-odd level x role questions asked one query each made the gap report
grow twenty times faster than the data, and one answer per date it needs (``--as-of`` and the
two BIP files) walked them three times (2-4 s each at 2 M quads). :func:`counted`,
:func:`unaddressed` and :func:`coverage` are the queries' filters in Python; a test holds them to
``aichi-supporters``, ``aichi-unaddressed`` and ``aichi-coverage`` at every level, role and date.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from emg_kg.errors import QueryError

__all__ = [
    "ROLES",
    "CAVEAT",
    "BIP_DATES",
    "Headline",
    "TargetChange",
    "AichiGaps",
    "parse_roles",
    "in_force",
    "counted",
    "unaddressed",
    "coverage",
    "compute_aichi",
]

ROLES = ("implements", "aligns", "monitors", "benefits")
CAVEAT = (
    "no link in the evidence counted: this does not mean that nobody works on the target, "
    "only that none of the sources counted (at this evidence level, role and date) links "
    "an organization to it"
)
#: The two versions of the BIP spreadsheet (bip-*.trig), oldest first.
BIP_DATES = ("2012-10-05", "2016-06-28")
EVIDENCE_ORDER = ("stated", "report", "curated", "all")
#: An evidence level's rank: a level counts at every --evidence whose index is at least this.
LEVEL_RANK = {"stated": 0, "derived": 1, "curated": 2, "user": 3}
#: The columns of an ``aichi-supporters`` row that describe a link (empty in the one row of a
#: target with no link counted); the others describe the target or echo the parameters.
LINK_COLUMNS = frozenset(
    {"supporter", "supporterName", "role", "level", "graph", "stAsOf", "stEnd", "group"}
    | {"unOrMea", "blanket"}
)


def parse_roles(text: str | None) -> str:
    """``None``/``all`` -> ``all``; ``"implements, monitors"`` -> ``"implements,monitors"``.

    >>> parse_roles("monitors , implements")
    'implements,monitors'
    """
    if not text or text.strip() == "all":
        return "all"
    roles = [r.strip() for r in text.split(",") if r.strip()]
    bad = [r for r in roles if r not in ROLES]
    if bad or not roles:
        raise QueryError(f"--role takes all or a comma-separated list of {', '.join(ROLES)}")
    return ",".join(r for r in ROLES if r in roles)


@dataclass
class Headline:
    """How many targets have no link in the evidence counted, at one level and role."""

    evidence: str
    role: str
    unaddressed: list[int]


@dataclass
class TargetChange:
    """Who monitors a target in the older and the newer BIP file (indicator partners)."""

    number: int
    before: list[str]
    after: list[str]

    @property
    def gained(self) -> list[str]:
        return sorted(set(self.after) - set(self.before))

    @property
    def lost(self) -> list[str]:
        return sorted(set(self.before) - set(self.after))


@dataclass
class AichiGaps:
    roles: str
    caveat: str = CAVEAT
    headlines: list[Headline] = field(default_factory=list)
    no_un_or_mea: list[int] = field(default_factory=list)
    only_monitored: list[int] = field(default_factory=list)
    only_blanket: list[int] = field(default_factory=list)
    changes: list[TargetChange] = field(default_factory=list)
    bip_dates: tuple[str, str] = BIP_DATES

    def headline(self, evidence: str, role: str) -> Headline | None:
        return next((h for h in self.headlines if (h.evidence, h.role) == (evidence, role)), None)


def in_force(row: dict[str, str], as_of: str) -> bool:
    """Whether a link counts on ``as_of``: the queries' ``!BOUND(?stAsOf) || ?stAsOf <= ?asOf``
    and ``!BOUND(?stEnd) || ?asOf < ?stEnd``. Both dates are ``xsd:date`` (the shapes hold
    ``emg:asOf`` to it; data/bip.py writes ``emg:supersededOn``), whose ISO form orders as
    the dates do; a row without the column (a dated answer) has no end to check.

    >>> [in_force({"stAsOf": "2012-10-05", "stEnd": "2016-06-28"}, d)
    ...  for d in ("2012-10-04", "2012-10-05", "2016-06-28")]
    [False, True, False]
    """
    start, end = row.get("stAsOf", ""), row.get("stEnd", "")
    return (not start or start <= as_of) and (not end or as_of < end)


def counted(
    links: list[dict[str, str]], evidence: str, roles: str, as_of: str | None = None
) -> list[dict[str, str]]:
    """The rows ``aichi-supporters`` gives at ``evidence``, ``roles`` and ``as_of`` (its filters),
    in its order, from the links of every level, role and date (``gaps-aichi-links``; or from
    ``aichi-supporters`` at ``evidence=all``, ``roles=all`` and that date, with ``as_of`` None):
    a target with no link counted keeps one row with every link column empty, as the query gives
    it. The links' own end date (``stEnd``), which the query does not return, is dropped, and
    rows that then repeat are given once (its ``SELECT DISTINCT``).

    >>> rows = [{"number": "1", "supporter": "agency:unep", "level": "level:curated",
    ...          "role": "monitors", "stAsOf": "2016-06-28", "stEnd": ""},
    ...         {"number": "2", "supporter": "", "level": "", "role": "", "stAsOf": "",
    ...          "stEnd": ""}]
    >>> [(r["number"], r["supporter"]) for r in counted(rows, "report", "all", "2020-01-01")]
    [('1', ''), ('2', '')]
    >>> [r["supporter"] for r in counted(rows, "curated", "implements,monitors", "2020-01-01")]
    ['agency:unep', '']
    >>> [r["supporter"] for r in counted(rows, "curated", "all", "2012-12-04")]
    ['', '']
    """
    rank = EVIDENCE_ORDER.index(evidence)
    wanted = set(ROLES) if roles == "all" else set(roles.split(","))
    out: dict[str, dict[tuple[str, ...], dict[str, str]]] = {}
    empty: dict[str, dict[str, str]] = {}  # a target's row with no link: its link columns blank
    for row in links:
        kept = out.setdefault(row["number"], {})
        if row["number"] not in empty:
            empty[row["number"]] = {k: "" if k in LINK_COLUMNS else v for k, v in _query(row)}
        level = row["level"].removeprefix("level:")
        if (
            row["supporter"]
            and LEVEL_RANK.get(level, 3) <= rank
            and row["role"] in wanted
            and (as_of is None or in_force(row, as_of))
        ):
            own = dict(_query(row))
            kept.setdefault(tuple(own.values()), own)
    return [r for number, kept in out.items() for r in (list(kept.values()) or [empty[number]])]


def _query(row: dict[str, str]) -> list[tuple[str, str]]:
    """A link's columns as ``aichi-supporters`` returns them (without ``stEnd``)."""
    return [(k, v) for k, v in row.items() if k != "stEnd"]


def unaddressed(
    links: list[dict[str, str]], evidence: str, roles: str, as_of: str | None = None
) -> list[int]:
    """The targets ``aichi-unaddressed`` gives at ``evidence``, ``roles`` and ``as_of``, from the
    same links as :func:`counted`."""
    return sorted(
        int(r["number"]) for r in counted(links, evidence, roles, as_of) if not r["supporter"]
    )


def coverage(
    links: list[dict[str, str]],
    goal_names: dict[str, str],
    evidence: str,
    roles: str,
    as_of: str | None = None,
) -> list[dict[str, str]]:
    """The rows ``aichi-coverage`` gives at ``evidence``, ``roles`` and ``as_of`` (without the
    parameters' columns), from the same links as :func:`counted`; ``goal_names`` is each goal's
    name in the language asked (``aichi-targets``' ``goalName``, "" when it has none).

    The percent is the query's ``xsd:integer(ROUND(100 * supported / targets))``: SPARQL's
    ``ROUND`` takes a half up, Python's ``round`` to the even number, so it is computed in
    integers."""
    targets: dict[str, set[str]] = defaultdict(set)
    supported: dict[str, set[str]] = defaultdict(set)
    implemented: dict[str, set[str]] = defaultdict(set)
    for r in counted(links, evidence, roles, as_of):
        targets[r["goal"]].add(r["target"])
        if r["supporter"]:
            supported[r["goal"]].add(r["target"])
            if r["role"] == "implements":
                implemented[r["goal"]].add(r["target"])
    out = []
    for goal in sorted(targets):
        n, total = len(supported[goal]), len(targets[goal])
        out.append(
            {
                "goal": goal,
                "goalName": goal_names.get(goal, ""),
                "supported": str(n),
                "targets": str(total),
                "percent": str((200 * n + total) // (2 * total)),
                "implemented": str(len(implemented[goal])),
            }
        )
    return out


def _by_target(rows: list[dict[str, str]]) -> dict[int, list[dict[str, str]]]:
    out: dict[int, list[dict[str, str]]] = defaultdict(list)
    for r in rows:
        out[int(r["number"])]
        if r["supporter"]:
            out[int(r["number"])].append(r)
    return out


def compute_aichi(links: list[dict[str, str]], evidence: str, roles: str, as_of: str) -> AichiGaps:
    """Every Aichi gap question from ``links``, the links of every level, role and date
    (``gaps-aichi-links``), filtered as the named queries filter: the headlines as
    ``aichi-unaddressed`` at each level and role on ``as_of``; the changes between the BIP files
    as ``aichi-supporters`` at ``evidence=curated``, ``roles=monitors`` on each file's date."""
    result = AichiGaps(roles)
    for ev in EVIDENCE_ORDER:
        for role in ("all", *ROLES):
            result.headlines.append(Headline(ev, role, unaddressed(links, ev, role, as_of)))
    chosen = _by_target(counted(links, evidence, roles, as_of))
    result.no_un_or_mea = sorted(  # a blanket claim (all targets, none named) does not count
        n
        for n, links_of in chosen.items()
        if not any(r["unOrMea"] == "true" and r["blanket"] != "true" for r in links_of)
    )
    every_role = _by_target(counted(links, evidence, "all", as_of))
    result.only_monitored = sorted(
        n
        for n, links_of in every_role.items()
        if {r["role"] for r in links_of} & {"monitors"}
        and "implements" not in {r["role"] for r in links_of}
    )
    implemented = _by_target(counted(links, evidence, "implements", as_of))
    result.only_blanket = sorted(
        n
        for n, links_of in implemented.items()
        if links_of and all(r["blanket"] == "true" for r in links_of)
    )
    versions = []
    for date in BIP_DATES:
        found = _by_target(counted(links, "curated", "monitors", date))
        versions.append(
            {
                n: sorted({r["supporter"] for r in links if r["graph"].startswith("src:bip-")})
                for n, links in found.items()
            }
        )
    result.changes = [
        TargetChange(n, versions[0].get(n, []), versions[1].get(n, []))
        for n in sorted(set(versions[0]) | set(versions[1]))
    ]
    return result
