"""The Aichi part of the gap analysis: per evidence level and role, with the caveat in words.

Four questions, each answered from the named queries (``aichi-unaddressed``,
``aichi-supporters``) with the same evidence level, roles and date as ``emg-kg query`` would use:
which targets have no link at all, which have none from the UN system or an MEA, which are only
monitored (an indicator partner, nobody saying it implements), and what changed between the two
versions of the Biodiversity Indicators Partnership file. A target "without a link" has no link
*in the evidence counted*; that never means nobody works on it, and every output says so.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from .errors import QueryError

__all__ = [
    "ROLES",
    "CAVEAT",
    "BIP_DATES",
    "Headline",
    "TargetChange",
    "AichiGaps",
    "parse_roles",
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


def _by_target(rows: list[dict[str, str]]) -> dict[int, list[dict[str, str]]]:
    out: dict[int, list[dict[str, str]]] = defaultdict(list)
    for r in rows:
        out[int(r["number"])]
        if r["supporter"]:
            out[int(r["number"])].append(r)
    return out


def compute_aichi(rows: Rows, evidence: str, roles: str, as_of: str) -> AichiGaps:
    """Every Aichi gap question, from the named queries run through ``rows(name, **params)``."""
    result = AichiGaps(roles)
    for ev in EVIDENCE_ORDER:
        for role in ("all", *ROLES):
            numbers = [
                int(r["number"])
                for r in rows("aichi-unaddressed", evidence=ev, roles=role, asOf=as_of)
            ]
            result.headlines.append(Headline(ev, role, sorted(numbers)))
    chosen = _by_target(rows("aichi-supporters", evidence=evidence, roles=roles, asOf=as_of))
    result.no_un_or_mea = sorted(  # a blanket claim (all targets, none named) does not count
        n
        for n, links in chosen.items()
        if not any(r["unOrMea"] == "true" and r["blanket"] != "true" for r in links)
    )
    every_role = _by_target(rows("aichi-supporters", evidence=evidence, roles="all", asOf=as_of))
    result.only_monitored = sorted(
        n
        for n, links in every_role.items()
        if {r["role"] for r in links} & {"monitors"}
        and "implements" not in {r["role"] for r in links}
    )
    implemented = _by_target(
        rows("aichi-supporters", evidence=evidence, roles="implements", asOf=as_of)
    )
    result.only_blanket = sorted(
        n
        for n, links in implemented.items()
        if links and all(r["blanket"] == "true" for r in links)
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
