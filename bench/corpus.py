"""A deterministic synthetic corpus shaped like ours, at any size: many reports, one graph each.

The shipped dataset is the template. Report 0 is the dataset itself; report k (1, 2, ...) is a
copy in which everything a report owns gets its own IRI: its paragraphs, footnotes and
sections (``report/r{k}-emg/...``), and so their evidence graphs, and the report itself
(``report/r{k}-emg``: `--report r{k}-emg` picks it); its mandates and their chains
(``followsFrom`` links stay inside the copy), support statements with their roles and levels,
inferences (the derivation graphs), figures, meetings and initiatives, and its report and
provenance graphs. What reports share stays shared: the ontology, organizations, Aichi targets,
conventions and decisions, the Rio+20 outcome document, external sources. So the named queries
meet what a real corpus gives them: one agency supporting a target in hundreds of reports,
hundreds of mandate chains, tens of thousands of evidence graphs.

Each copy is a regex pass over the template's N-Quads lines (only lines that name something a
report owns are copied; the rest would duplicate report 0), so 2 M quads are written in seconds
and never parsed by rdflib. The same size gives the same bytes.

    .venv/bin/python bench/corpus.py --quads 200000 --out /tmp/corpus-200k.nq
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ID = "https://w3id.org/emg-kg/id/"
OWNED = re.compile(
    rf"<{re.escape(ID)}(?:(report/gc27-emg(?:/|>))|(graph/(?:report|provenance))>|"
    r"((?:inference|mandate|support|figure|meeting|initiative)/))"
)


def template() -> list[str]:
    """The shipped dataset's N-Quads lines (the store cache: built once, through rdflib only
    for the small curated files)."""
    from emg_kg.data.store import cached_nquads
    from emg_kg.paths import default_layout

    text = cached_nquads(default_layout()).read_text(encoding="utf-8")
    return [line for line in text.splitlines() if line.strip()]


def copy_of(lines: list[str], k: int) -> list[str]:
    """Report ``k``: every line naming something a report owns, with those IRIs renamed."""

    def rename(m: re.Match[str]) -> str:
        if m.group(1):  # the report itself and its parts: report k is a report of its own
            return f"<{ID}report/r{k}-emg{m.group(1)[-1]}"
        if m.group(2):
            return f"<{ID}{m.group(2)}-r{k}>"
        return f"<{ID}{m.group(3)}r{k}-"

    return [OWNED.sub(rename, line) for line in lines if OWNED.search(line)]


def write_corpus(quads: int, out: Path) -> tuple[int, int]:
    """Write at least ``quads`` quads (whole reports) to ``out``; returns (quads, reports)."""
    lines = template()
    per_copy = len(copy_of(lines, 1))
    written, reports = len(lines), 1
    out.parent.mkdir(parents=True, exist_ok=True)
    temp = out.with_name(f".{out.name}.partial")
    with temp.open("w", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")
        while written < quads:
            handle.write("\n".join(copy_of(lines, reports)) + "\n")
            written += per_copy
            reports += 1
    temp.replace(out)
    return written, reports


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quads", type=int, required=True, help="at least this many quads")
    parser.add_argument("--out", type=Path, required=True, help="the N-Quads file to write")
    args = parser.parse_args()
    quads, reports = write_corpus(args.quads, args.out)
    print(f"wrote {quads} quads ({reports} reports) to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
