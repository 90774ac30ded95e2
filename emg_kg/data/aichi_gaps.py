"""The Aichi part of the gap analysis: per evidence level and role, with the caveat in words.

Four questions: which targets have no link at all, which have none from the UN system or an
MEA, which are only monitored (an indicator partner, nobody saying it implements), and what
changed between the two versions of the Biodiversity Indicators Partnership file. A target
"without a link" has no link *in the evidence counted*; that never means nobody works on it,
and every output says so.

Each answer is the named query's own answer, at the same evidence level, roles and date as
``emg-kg query`` would use, but read from one ``aichi-supporters`` answer at the widest level
(``evidence=all``, ``roles=all``) filtered here the way the queries filter: every Aichi query
walks every support statement, which a corpus has by the hundred thousand, and the twenty-odd
level x role questions asked one query each made the gap report grow twenty times faster than
the data. :func:`counted` and :func:`unaddressed` are the queries' filters in Python; a test
holds them to ``aichi-supporters`` and ``aichi-unaddressed`` at every level, role and date.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
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
    "counted",
    "unaddressed",
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
#: The columns of an ``aichi-supporters`` row that describe the target, not a link to it.
TARGET_COLUMNS = frozenset({"asOf", "lang", "goal", "target", "number"})

Rows = Callable[..., list[dict[str, str]]]


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


def counted(links: list[dict[str, str]], evidence: str, roles: str) -> list[dict[str, str]]:
    """The rows of ``aichi-supporters`` at ``evidence`` and ``roles`` (its filters), from its
    rows at ``evidence=all``, ``roles=all`` and the same date: a target with no link counted keeps
    one row with an empty supporter, as the query gives it.

    >>> rows = [{"number": "1", "supporter": "agency:unep", "level": "level:curated",
    ...          "role": "monitors"}, {"number": "2", "supporter": "", "level": "", "role": ""}]
    >>> [(r["number"], r["supporter"]) for r in counted(rows, "report", "all")]
    [('1', ''), ('2', '')]
    >>> [r["number"] for r in counted(rows, "curated", "implements,monitors")]
    ['1', '2']
    """
    rank = EVIDENCE_ORDER.index(evidence)
    wanted = set(ROLES) if roles == "all" else set(roles.split(","))
    out: dict[str, list[dict[str, str]]] = {}
    empty: dict[str, dict[str, str]] = {}  # a target's row with no link: its own columns only
    for row in links:
        kept = out.setdefault(row["number"], [])
        empty.setdefault(
            row["number"], {k: v if k in TARGET_COLUMNS else "" for k, v in row.items()}
        )
        level = row["level"].removeprefix("level:")
        if row["supporter"] and LEVEL_RANK[level] <= rank and row["role"] in wanted:
            kept.append(row)
    return [r for number, kept in out.items() for r in kept or [empty[number]]]


def unaddressed(links: list[dict[str, str]], evidence: str, roles: str) -> list[int]:
    """The targets ``aichi-unaddressed`` gives at ``evidence`` and ``roles``, from the same
    widest ``aichi-supporters`` rows as :func:`counted`."""
    return sorted(int(r["number"]) for r in counted(links, evidence, roles) if not r["supporter"])


def _by_target(rows: list[dict[str, str]]) -> dict[int, list[dict[str, str]]]:
    out: dict[int, list[dict[str, str]]] = defaultdict(list)
    for r in rows:
        out[int(r["number"])]
        if r["supporter"]:
            out[int(r["number"])].append(r)
    return out


def compute_aichi(
    rows: Rows,
    evidence: str,
    roles: str,
    as_of: str,
    links: list[dict[str, str]] | None = None,
) -> AichiGaps:
    """Every Aichi gap question, from the named queries run through ``rows(name, **params)``;
    ``links`` is ``aichi-supporters`` at ``evidence=all``, ``roles=all`` and ``as_of``, if the
    caller has it already."""
    if links is None:
        links = rows("aichi-supporters", evidence="all", roles="all", asOf=as_of)
    result = AichiGaps(roles)
    for ev in EVIDENCE_ORDER:
        for role in ("all", *ROLES):
            result.headlines.append(Headline(ev, role, unaddressed(links, ev, role)))
    chosen = _by_target(counted(links, evidence, roles))
    result.no_un_or_mea = sorted(  # a blanket claim (all targets, none named) does not count
        n
        for n, links_of in chosen.items()
        if not any(r["unOrMea"] == "true" and r["blanket"] != "true" for r in links_of)
    )
    every_role = _by_target(counted(links, evidence, "all"))
    result.only_monitored = sorted(
        n
        for n, links_of in every_role.items()
        if {r["role"] for r in links_of} & {"monitors"}
        and "implements" not in {r["role"] for r in links_of}
    )
    implemented = _by_target(counted(links, evidence, "implements"))
    result.only_blanket = sorted(
        n
        for n, links_of in implemented.items()
        if links_of and all(r["blanket"] == "true" for r in links_of)
    )
    versions = []
    for date in BIP_DATES:
        found = _by_target(
            rows("aichi-supporters", evidence="curated", roles="monitors", asOf=date)
        )
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
