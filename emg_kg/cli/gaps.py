"""`gaps`: the gap analysis, printed as Markdown, JSON or CSV (written out by
:mod:`emg_kg.cli.gaps_report`)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from emg_kg.cli.options import (
    Adder,
    add_engine_options,
    add_format_option,
    add_mapping_option,
    backend,
    open_graph,
)
from emg_kg.paths import Layout

__all__ = ["add_gaps"]


def cmd_gaps(args: argparse.Namespace, layout: Layout) -> int:
    from emg_kg.analysis.gaps import gap_report
    from emg_kg.cli.gaps_report import markdown, to_csv, to_json, write_all

    # in memory, gap_report builds its own store (with the mapping merged); --store/--endpoint
    # are opened here, and refuse a mapping; with --report the store is opened here too, seen
    # through the report, and gap_report merges a mapping into it
    memory = backend(args).kind == "memory"
    opened = not memory or args.report
    store = open_graph(layout, args, None if memory else args.mapping) if opened else None
    report = gap_report(
        layout, args.evidence, args.as_of, args.lang, args.mapping, store, roles=args.role
    )
    print({"md": markdown, "json": to_json, "csv": to_csv}[args.format](report), end="")
    if args.out:
        for path in write_all(report, args.out):
            print(f"wrote {path}", file=sys.stderr)
    return 0


def add_gaps(add: Adder) -> None:
    p = add(
        "gaps",
        cmd_gaps,
        "gap analysis: unaddressed Aichi targets, coverage per goal, "
        "co-lead areas, open mandates, unfollowed Rio+20 paragraphs",
    )
    p.add_argument(
        "--evidence",
        choices=["stated", "report", "curated", "all"],
        help="evidence level counted (default report = stated in the report or "
        "derived from its text; all when --mapping is given)",
    )
    p.add_argument(
        "--as-of",
        default="2012-12-04",
        metavar="DATE",
        help="date for open mandates and for the Aichi support statements counted (dated "
        "statements from their date on, the BIP version in force; default the report date, "
        "2012-12-04)",
    )
    p.add_argument(
        "--role",
        default="all",
        metavar="ROLES",
        help="Aichi links counted: all (default) or a comma-separated list of "
        "implements,aligns,monitors,benefits",
    )
    add_mapping_option(p)
    add_format_option(p, ["md", "json", "csv"], help="output on stdout (default md)")
    p.add_argument("--out", type=Path, help="also write gaps.md, gaps.json and gaps.csv here")
    add_engine_options(p)
