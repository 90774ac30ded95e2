"""Options every command shares (issue 11): one language setting, saying what names resolved
to, tables that fit the terminal, honest --out extensions, and the `prefixes` command."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from emg_kg.errors import EmgKgError
from emg_kg.paths import Layout

__all__ = [
    "WIDE_HELP",
    "add_common_options",
    "add_report_option",
    "report_engine",
    "with_report",
    "check_suffix",
    "cmd_prefixes",
    "say_resolved",
    "table_width",
]

WIDE_HELP = "tables: whole values, not fitted to the terminal's width (CSV and JSON are whole)"


def say_resolved(args: argparse.Namespace, notes: list[Any]) -> None:
    """Say on stderr what each name resolved to (``--quiet`` hides it)."""
    if not getattr(args, "quiet", False):
        for note in notes:
            print(f"emg-kg: {note.note()}", file=sys.stderr)


def table_width(args: argparse.Namespace) -> int | None:
    """The terminal's width for tables, or None (whole values) with ``--wide``."""
    from emg_kg.query.results import terminal_width

    return None if getattr(args, "wide", False) else terminal_width()


def check_suffix(out: Path, suffix: str, what: str) -> None:
    """Refuse an --out whose extension says another format than the one written."""
    if out.suffix.lower() != suffix:
        kind = "an SVG image (and a CSV table beside it)" if suffix == ".svg" else "an HTML page"
        raise EmgKgError(
            f"--out {out}: `viz {what}` writes {kind}; give a file ending in {suffix} "
            f"(e.g. {out.with_suffix(suffix)})"
        )


def cmd_prefixes(args: argparse.Namespace, layout: Layout) -> int:
    """The prefixes every ad-hoc query (``query -``, the web editor, /sparql) may use undeclared."""
    from emg_kg.prefixes import PREFIXES

    if args.format == "sparql":
        from emg_kg.prefixes import sparql_prologue

        print(sparql_prologue(), end="")
    else:
        from emg_kg.query.results import text_table

        print(text_table([["prefix", "namespace"], *([f"{p}:", i] for p, i in PREFIXES.items())]))
    return 0


def add_common_options(parsers: Iterable[argparse.ArgumentParser]) -> None:
    """``--lang`` and ``--quiet`` on every command, with one default (see emg_kg.lang)."""
    from emg_kg.lang import DEFAULT, ENV, LANGS

    for p in parsers:
        known = {o for a in p._actions for o in a.option_strings}
        if "--lang" not in known:
            p.add_argument(
                "--lang",
                choices=LANGS,
                help=f"language of names, labels and the report's text (default: ${ENV}, "
                f"else {DEFAULT})",
            )
        if "--quiet" not in known:
            p.add_argument(
                "--quiet", action="store_true", help="do not say on stderr what names resolved to"
            )


# --- issue 10: many reports ----------------------------------------------------------------------


def add_report_option(p: argparse.ArgumentParser) -> None:
    """``--report ID`` on every command that reads the graph: one report, or (default) all."""
    p.add_argument(
        "--report",
        metavar="ID",
        help="answer for one report only: its graphs plus the shared ones (ontology, "
        "organizations, targets, sources); ID as in `emg-kg query reports`-style listings "
        "(gc27-emg), emgid:report/ID or the report's IRI (default: every report)",
    )


def with_report(store: Any, args: argparse.Namespace | None) -> Any:
    """The store as the command should read it: seen through ``--report`` when one is given."""
    from emg_kg.query.reports import report_view

    return report_view(store, getattr(args, "report", None) if args is not None else None)


def report_engine(engine: Any, args: argparse.Namespace) -> Any:
    """The engine, restricted to ``--report`` when one is given (Oxigraph only)."""
    if not getattr(args, "report", None):
        return engine
    from emg_kg.query.engines import OxigraphEngine

    if not isinstance(engine, OxigraphEngine):
        raise EmgKgError("--report runs on the oxigraph engine; drop --engine rdflib")
    return OxigraphEngine(with_report(engine.store, args))
