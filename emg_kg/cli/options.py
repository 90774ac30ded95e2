"""The option blocks several commands share, each written once, and what they mean.

One language setting and ``--quiet`` on every command; where the graph is read from (the engine
block, ``--mapping``); tables that fit the terminal (``--wide``); the output folder; honest
``--out`` extensions. A command module adds its own options and calls these for the rest.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from emg_kg.errors import EmgKgError
from emg_kg.paths import Layout

if TYPE_CHECKING:
    import pyoxigraph as ox

    from emg_kg.query.engines import Backend

__all__ = [
    "DEFAULT_OUT",
    "Adder",
    "Handler",
    "add_common_options",
    "add_engine_options",
    "add_format_option",
    "add_report_option",
    "add_mapping_option",
    "add_out_option",
    "add_wide_option",
    "backend",
    "check_suffix",
    "emit",
    "open_graph",
    "report_engine",
    "say_resolved",
    "table_width",
    "with_report",
]

DEFAULT_OUT = Path("out")

#: a command: its parsed options and the data layout in, the exit code out
Handler = Callable[[argparse.Namespace, Layout], int]
#: registers one sub-command (name, handler, help) and returns its parser for the options
Adder = Callable[[str, Handler, str], argparse.ArgumentParser]


def emit(args: argparse.Namespace, result: Any, text: Callable[[Any], int | None]) -> int:
    """A command's result on stdout and its exit code: with ``--format json`` the result as
    indented UTF-8 JSON (the same in every command), else ``text(result)`` prints it for
    reading and may return another exit code than 0 (e.g. 1: no path)."""
    if getattr(args, "format", None) == "json":
        import json

        print(json.dumps(result, ensure_ascii=False, indent=2))
        return 0
    return text(result) or 0


def add_format_option(
    p: argparse.ArgumentParser,
    choices: list[str],
    default: str | None = "",
    help: str | None = None,
) -> None:
    """``--format``, one of ``choices`` (default: the first; None: the command decides)."""
    p.add_argument(
        "--format", choices=choices, default=choices[0] if default == "" else default, help=help
    )


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


def add_out_option(p: argparse.ArgumentParser) -> None:
    """``--out DIR``, the output folder of `build` and `demo`."""
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder (default: out)")


def add_wide_option(p: argparse.ArgumentParser) -> None:
    """``--wide``: whole values in the text tables, for the commands that print them."""
    p.add_argument(
        "--wide", action="store_true", help="tables: whole values, not fitted to the terminal"
    )


def add_mapping_option(p: argparse.ArgumentParser) -> None:
    """``--mapping FILE.csv``, the same on query, gaps, analyze, viz and serve."""
    p.add_argument(
        "--mapping",
        type=Path,
        metavar="FILE.csv",
        help="merge a user agency -> target mapping first (columns agency,target,source and "
        "optionally role), as level user; a file with a bad row is refused whole (exit 2); at "
        "most 2 MiB, 10,000 rows, 2,000 characters a cell",
    )


def add_engine_options(p: argparse.ArgumentParser, report: bool = True) -> None:
    """The engine option block: where the commands read the graph from (and, for the reading
    commands, ``--report``: which report's graphs)."""
    group = p.add_argument_group("engine (default: the in-memory store built from the data)")
    where = group.add_mutually_exclusive_group()
    where.add_argument(
        "--store",
        type=Path,
        metavar="DIR",
        help="a persistent Oxigraph store made by `emg-kg load --store DIR` (or $EMG_KG_STORE)",
    )
    where.add_argument(
        "--endpoint",
        metavar="URL",
        help="a SPARQL 1.1 endpoint (or $EMG_KG_ENDPOINT); credentials only from "
        "$EMG_KG_ENDPOINT_USER and $EMG_KG_ENDPOINT_PASSWORD",
    )
    if report:
        add_report_option(p)


def backend(args: argparse.Namespace | None) -> Backend:
    """--store/--endpoint, else $EMG_KG_STORE/$EMG_KG_ENDPOINT; no args (demo): in memory."""
    from emg_kg.query.engines import Backend

    if args is None:
        return Backend()
    return Backend.from_env(getattr(args, "store", None), getattr(args, "endpoint", None))


def open_graph(
    layout: Layout, args: argparse.Namespace | None = None, mapping: Path | None = None
) -> ox.Store:
    """The store the command reads: --store DIR, --endpoint URL, or the cached in-memory store,
    with a user mapping merged (all or nothing, in memory only) when one is given."""
    from emg_kg.data.store import open_store
    from emg_kg.query.engines import open_backend

    where = backend(args)
    if where.kind != "memory":
        if mapping is not None:
            raise EmgKgError(
                "--mapping merges into the in-memory store only; drop --store/--endpoint"
            )
        return with_report(open_backend(layout, where), args)
    store = open_store(layout)
    if mapping is not None:  # --mapping on every command that reads the graph
        from emg_kg.analysis.mapping import apply_mapping

        print(f"emg-kg: {apply_mapping(store, mapping).summary()}", file=sys.stderr)
    return with_report(store, args)


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
        help="answer for one report: its graphs plus the shared ones (ontology, organizations, "
        "targets, sources); ID (gc27-emg), emgid:report/ID or the report's IRI (default: every "
        "report; memory and --store only)",
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
