"""The gap report as Markdown (for the terminal), JSON and CSV.

Kept apart from :mod:`emg_kg.gaps` so the analysis stays plain data in, plain data out. Every
line names the evidence it rests on: the graphs (``para:N``, ``fn:N``, ``inf:...``) and, for an
inference, the report paragraphs it reads (``inf:x <- para:20``).
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict
from pathlib import Path

from .aichi_gaps import CAVEAT, ROLES, AichiGaps
from .gaps import LEVELS, GapReport, Support
from .results import clip

__all__ = ["markdown", "to_json", "to_csv", "write_all", "FORMATS"]

FORMATS = ("md", "json", "csv")
CSV_COLUMNS = ("section", "item", "name", "group", "detail", "value", "evidence_level", "rests_on")


def _rests(graphs: list[str]) -> str:
    """``inf:x <- para:20, para:21`` for an inference, the graph itself otherwise."""
    if not graphs:
        return "-"
    head, tail = graphs[0], graphs[1:]
    return f"{head} <- {', '.join(tail)}" if tail else head


def _clip(text: str, limit: int = 100) -> str:
    """A table cell: one line, pipes escaped, long actions cut at ``limit`` display cells (the
    CSV and JSON keep them whole)."""
    return clip(text, limit).replace("|", "\\|") or "-"


def _who(supports: list[Support]) -> str:
    seen: dict[str, list[str]] = {}
    for s in supports:
        role = f" ({s.role})" if s.role else ""
        seen.setdefault(f"{s.name or s.who}{role}", []).append(_rests(s.rests_on))
    return "; ".join(f"{name} [{' | '.join(sorted(set(r)))}]" for name, r in seen.items()) or "-"


def _by_level(supports: list[Support]) -> list[str]:
    return [_who([s for s in supports if s.level == level]) for level in LEVELS]


def markdown(report: GapReport) -> str:
    """The whole report, readable in a terminal and as Markdown."""
    r = report
    out = [
        "# Gap analysis: EMG progress report to UNEP GC.27",
        "",
        f"- Evidence level of every count: **{r.evidence_words}**; levels counted: "
        f"{', '.join(r.levels)}.",
        f"- Mandates: open on **{r.as_of}** (statuses are as of the report date, 2012-12-04).",
        f"- User mapping: {r.mapping or 'none'}"
        + (f" ({r.user_links} links, level user)" if r.mapping else "")
        + ".",
        *(f"  - user source: {text} ({graph})" for text, graph in r.user_sources.items()),
        "- Aichi targets: roles counted: "
        f"**{r.roles}**; statements as of **{r.as_of}** (dated statements from their date on, "
        "the BIP file version in force on that date; undated ones always).",
        "- The report names almost no target-level work: links beyond it come from named public "
        "sources (level curated: the Biodiversity Indicators Partnership files, monitoring; web "
        "pages, implements/aligns/benefits) or a user mapping; none is invented.",
        f"- A target listed as without a link has {CAVEAT}.",
        "",
        f"## 1. Aichi targets with no link in the evidence counted ({len(r.unaddressed)} of "
        f"{len(r.targets)}, evidence: {r.evidence}, roles: {r.roles}, as of {r.as_of})",
        "",
        "Caveat: " + CAVEAT + ".",
        "",
    ]
    if r.aichi:
        out += _aichi(r.aichi, r.evidence)
    for cov in r.coverage:
        gaps = [t for t in r.unaddressed if t.goal == cov.goal]
        out.append(
            f"### {cov.name} ({cov.goal}): {len(gaps)} without a link in the evidence counted"
        )
        out += [
            f"- Target {t.number}: {t.title} (due {t.deadline}); rests on: "
            f"src:cbd-decision-x-2 (the target); support at other levels: "
            f"{_who(t.supporters)}"
            for t in gaps
        ] or ["- none"]
        out.append("")
    out += [
        "### Who supports each target, by evidence level",
        "",
        "| target | " + " | ".join(LEVELS) + " |",
        "|---" * (len(LEVELS) + 1) + "|",
    ]
    out += [f"| {t.number} | " + " | ".join(_by_level(t.supporters)) + " |" for t in r.targets]
    out += [
        "",
        f"## 2. Coverage per strategic goal (targets with at least one link in the evidence "
        f"counted, evidence: {r.evidence}, roles: {r.roles}, as of {r.as_of})",
        "",
        "| goal | linked | targets | % | without a link in the evidence counted |",
        "|---|---|---|---|---|",
    ]
    out += [
        f"| {c.name} ({c.goal}) | {c.supported} | {c.targets} | {c.percent} | "
        f"{', '.join(map(str, c.unaddressed)) or '-'} |"
        for c in r.coverage
    ]
    total = sum(c.supported for c in r.coverage)
    out += [
        f"| all | {total} | {len(r.targets)} | {round(100 * total / max(len(r.targets), 1))} | |",
        "",
        f"## 3. Co-lead areas no EMG group or process works on ({len(r.areas)}, evidence: "
        f"{r.evidence})",
        "",
    ]
    out += [
        f"- {a.name} ({a.area}); rests on: {', '.join(a.rests_on)}; at any level: "
        f"{_who(a.elsewhere)}" + (f". Note: {a.note}" if a.note else "")
        for a in r.areas
    ] or ["- none"]
    past = sum(m.past_due for m in r.mandates)
    out += [
        "",
        f"## 4. Mandates still open on {r.as_of} ({len(r.mandates)}, {past} past due)",
        "",
        "| mandate | what | issuer | to | due | past due | status | rests on |",
        "|---|---|---|---|---|---|---|---|",
    ]
    out += [
        f"| {m.mandate} | {_clip(m.action)} | {m.issuer or '-'} | {m.addressees or '-'} | "
        f"{' '.join(x for x in (m.due_at, m.due) if x) or '-'} | "
        f"{'**yes**' if m.past_due else 'no'} | {m.status} | {', '.join(m.rests_on)} |"
        for m in r.mandates
    ]
    rio_gaps = r.rio_gaps
    out += [
        "",
        f"## 5. Cited Rio+20 paragraphs no EMG body follows up ({len(rio_gaps)} of "
        f"{len(r.rio)}, evidence: {r.evidence})",
        "",
    ]
    out += [
        f"- The future we want, para. {g.number} ({g.paragraph}); cited in "
        f"{', '.join(g.cited_in) or '-'}; followed up at any level by: {_who(g.followers)}"
        for g in rio_gaps
    ] or ["- none"]
    out += [
        "",
        "### Who follows up each cited paragraph, by evidence level",
        "",
        "| paragraph | cited in | " + " | ".join(LEVELS) + " |",
        "|---" * (len(LEVELS) + 2) + "|",
    ]
    out += [
        f"| {g.number} | {', '.join(g.cited_in) or '-'} | "
        + " | ".join(_by_level(g.followers))
        + " |"
        for g in r.rio
    ]
    return "\n".join(out) + "\n"


def _numbers(numbers: list[int]) -> str:
    return ", ".join(map(str, numbers)) or "none"


def _aichi(a: AichiGaps, evidence: str) -> list[str]:
    """The headline grid (level x role), UN-system/MEA gaps, monitored-only targets, changes."""
    roles = ("all", *ROLES)
    out = [
        "### Targets without a link, by evidence level and role (count: target numbers)",
        "",
        "| evidence | " + " | ".join(roles) + " |",
        "|---" * (len(roles) + 1) + "|",
    ]
    for ev in ("stated", "report", "curated", "all"):
        cells = []
        for role in roles:
            h = a.headline(ev, role)
            cells.append(f"{len(h.unaddressed)}: {_numbers(h.unaddressed)}" if h else "-")
        out.append(f"| {ev} | " + " | ".join(cells) + " |")
    before, after = a.bip_dates
    out += [
        "",
        f"- No link from a UN-system body or an MEA that names the target (blanket claims "
        f"aside; evidence {evidence}, roles {a.roles}): "
        f"{len(a.no_un_or_mea)} targets: {_numbers(a.no_un_or_mea)}.",
        f"- Only monitored (an indicator partner links it, nobody says it implements; evidence "
        f"{evidence}): {len(a.only_monitored)} targets: {_numbers(a.only_monitored)}.",
        f"- Implemented only by a blanket claim (a source naming all targets and none in "
        f"particular; evidence {evidence}): {len(a.only_blanket)} targets: "
        f"{_numbers(a.only_blanket)}.",
        "",
        f"### Monitoring partners in the BIP file, {before} -> {after}",
        "",
        "| target | partners " + before + " | partners " + after + " | gained | lost |",
        "|---|---|---|---|---|",
    ]
    out += [
        f"| {c.number} | {len(c.before)} | {len(c.after)} | {', '.join(c.gained) or '-'} | "
        f"{', '.join(c.lost) or '-'} |"
        for c in a.changes
    ]
    out.append("")
    return out


def to_json(report: GapReport) -> str:
    """Everything, with the derived lists (unaddressed, rio_gaps) spelled out."""
    data = asdict(report)
    data["evidence_words"] = report.evidence_words
    data["caveat"] = CAVEAT
    data["unaddressed"] = [t.number for t in report.unaddressed]
    data["rio_gaps"] = [g.number for g in report.rio_gaps]
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def to_csv(report: GapReport) -> str:
    """One flat table, a ``section`` column saying which part of the report a row is."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    ev = report.evidence
    for t in report.unaddressed:
        w.writerow(
            (
                "unaddressed-target",
                t.target,
                t.title,
                t.goal,
                f"due {t.deadline}; {CAVEAT}",
                report.roles,
                ev,
                "src:cbd-decision-x-2",
            )
        )
    for t in report.targets:
        for s in t.supporters:
            w.writerow(
                (
                    "target-support",
                    t.target,
                    s.name,
                    t.goal,
                    s.who,
                    s.role,
                    s.level,
                    " ".join(s.rests_on),
                )
            )
    for c in report.coverage:
        w.writerow(
            ("goal-coverage", c.goal, c.name, "", f"{c.supported}/{c.targets}", c.percent, ev, "")
        )
    for a in report.areas:
        w.writerow(("colead-area-gap", a.area, a.name, "", a.note, "", ev, " ".join(a.rests_on)))
    for m in report.mandates:
        w.writerow(
            (
                "open-mandate",
                m.mandate,
                m.action,
                m.issuer,
                " ".join(x for x in (m.due_at, m.due) if x),
                "past due" if m.past_due else m.status,
                f"as of {report.as_of}",
                " ".join(m.rests_on),
            )
        )
    for g in report.rio_gaps:
        w.writerow(("rio20-unfollowed", g.paragraph, g.name, "", "", "", ev, " ".join(g.cited_in)))
    return buf.getvalue()


def write_all(report: GapReport, out_dir: Path) -> list[Path]:
    """gaps.md, gaps.json and gaps.csv in ``out_dir`` (written atomically together)."""
    from .store import atomic_write

    files = {
        out_dir / "gaps.md": markdown(report),
        out_dir / "gaps.json": to_json(report),
        out_dir / "gaps.csv": to_csv(report),
    }
    atomic_write({path: text.encode("utf-8") for path, text in files.items()})
    return list(files)
