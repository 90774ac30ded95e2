"""`build`, `validate` and `demo` (the main job): make the dataset, check it, and write
everything a reader needs from one build."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from emg_kg.cli.options import Adder, add_out_option, open_graph
from emg_kg.paths import Layout

if TYPE_CHECKING:
    from emg_kg.data.build import Built

__all__ = ["add_build", "add_demo", "add_validate", "run_validation"]


def cmd_build(args: argparse.Namespace, layout: Layout) -> int:
    _build_and_write(layout, args.out)
    return 0


def _build_and_write(layout: Layout, out: Path, brief: bool = False) -> Built:
    """Build once and write every format into ``out``; the store cache is filled from the
    same bytes. Prints what was built and where it went (``brief``: the files on one line)."""
    from emg_kg.data.build import build
    from emg_kg.data.store import write_outputs

    built = build(layout)
    paths = write_outputs(built.dataset, out, layout)
    print(f"built {len(built.dataset)} quads from {len(layout.data_files())} data files")
    if brief:
        print(f"  wrote {', '.join(p.name for p in paths)} into {out}")
    else:
        for path in paths:
            print(f"  wrote {path}")
    return built


def run_validation(
    layout: Layout, out: Callable[[str], None] = print, built: Built | None = None
) -> bool:
    """Validate (``built``, or a fresh build) and print the violations; returns whether the
    data conforms."""
    from emg_kg.data.build import build
    from emg_kg.data.validate import validate

    report = validate(layout, built if built is not None else build(layout))
    if report.conforms:
        out("validate: the data conforms (SHACL shapes and integrity checks)")
        return True
    out(f"validate: {len(report.violations)} violation(s)")
    for violation in report.violations:
        out(f"  {violation}")
    counts = ", ".join(f"{k}: {v}" for k, v in sorted(report.by_check().items()))
    out(f"validate: by check: {counts}")
    return False


def cmd_validate(args: argparse.Namespace, layout: Layout) -> int:
    return 0 if run_validation(layout) else 1


def cmd_demo(args: argparse.Namespace, layout: Layout) -> int:
    """The main job: build, validate, write the gap report and the views, print a summary.

    One build serves the outputs, the validation and the store cache; one store serves the
    summary, the gap report and the views. The screen gets a short summary and the page to
    open first; the whole gap report is in ``gaps.md`` (``emg-kg gaps`` prints it)."""
    built = _build_and_write(layout, args.out, brief=True)
    if not run_validation(layout, built=built):
        return 1
    store = open_graph(layout)
    from emg_kg.analysis.describe import stats

    counts = stats(store)
    mandates = counts["mandates by status"]
    assert isinstance(mandates, dict)
    print(
        f"graph: {counts['triples']} triples in {counts['named graphs']} named graphs; "
        f"{sum(mandates.values())} mandates ({', '.join(f'{v} {k}' for k, v in mandates.items())})"
    )
    from emg_kg.analysis.gaps import gap_report
    from emg_kg.cli.gaps_report import write_all as write_gaps

    gap = gap_report(layout, lang=args.lang, store=store)
    written = write_gaps(gap, args.out)
    print(
        f"gaps ({gap.evidence_words}): {len(gap.unaddressed)} of {len(gap.targets)} Aichi "
        f"targets without a supporter, {len(gap.areas)} co-lead area(s) nobody works on, "
        f"{len(gap.mandates)} mandate(s) open on {gap.as_of}, {len(gap.rio_gaps)} Rio+20 "
        f"paragraph(s) not followed up"
    )
    print(f"  the whole report: {written[0]} (or: emg-kg gaps)")
    from emg_kg.views.viz import write_all  # every view and the coverage matrix

    views = write_all(store, args.out / "views", args.lang)
    first = args.out / "views" / "agency-target.html"
    print(f"views: wrote {len(views)} files into {args.out / 'views'}")
    print(f"\nopen first: {first.resolve()}")
    print("then browse everything (entity pages, search, queries): emg-kg serve")
    return 0


def add_build(add: Adder) -> None:
    p = add(
        "build",
        cmd_build,
        "build the graph and write it as TriG, N-Quads, Turtle, N-Triples and JSON-LD",
    )
    add_out_option(p)


def add_validate(add: Adder) -> None:
    add(
        "validate",
        cmd_validate,
        "check the data against the SHACL shapes and integrity rules "
        "(exit 1 when it does not conform, 2 when a file cannot be loaded)",
    )


def add_demo(add: Adder) -> None:
    p = add("demo", cmd_demo, "the main job: build, validate, summarize, gap report, views")
    add_out_option(p)
