"""The `emg-kg` command: the parser, assembled from the command modules, and the dispatch.

Each command lives in the module of its group (``cli/dataset.py``: build, validate, demo;
``cli/query.py``: stats, show, queries, query, prefixes; ``cli/gaps.py``; ``cli/views.py``:
analyze, viz; ``cli/load.py``: import-bip, load; ``cli/serve.py``), the option blocks they
share in ``cli/options.py``. The work itself is done below the CLI.

Exit codes: 0 success, 1 the data does not conform / nothing found, 2 a file or query could not
be loaded or run. Heavy libraries (rdflib, pySHACL, networkx, pyvis) are imported only by the
commands that need them.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from emg_kg.cli import dataset, gaps, load, query, serve, views
from emg_kg.cli.options import Adder, Handler, add_common_options
from emg_kg.errors import EmgKgError
from emg_kg.paths import default_layout

__all__ = ["COMMANDS", "build_parser", "main"]

#: every command's registration, in the order ``emg-kg --help`` lists them
COMMANDS: tuple[Callable[[Adder], None], ...] = (
    dataset.add_build,
    dataset.add_validate,
    query.add_stats,
    query.add_show,
    query.add_queries,
    query.add_query,
    gaps.add_gaps,
    views.add_analyze,
    views.add_viz,
    load.add_import_bip,
    serve.add_serve,
    load.add_load,
    dataset.add_demo,
    query.add_prefixes,
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="emg-kg",
        description="Knowledge graph of the UN Environment Management Group progress report "
        "(UNEP GC.27): build, validate, query, find gaps, visualize.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, handler: Handler, help: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help, description=help)
        p.set_defaults(handler=handler)
        return p

    for register in COMMANDS:
        register(add)
    add_common_options(sub.choices.values())
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; with ``argv`` None (the ``emg-kg`` program) the process is ours, and
    ``query`` cuts its network access before running a query (see emg_kg/query/sandbox.py)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    args.own_process = argv is None
    try:
        if getattr(args, "lang", None) is None:
            from emg_kg.lang import default_lang

            args.lang = default_lang()
        return int(args.handler(args, default_layout()))
    except EmgKgError as err:
        print(f"emg-kg: {err}", file=sys.stderr)
        return err.exit_code
    except BrokenPipeError:
        return 0
    except OSError as err:  # an output folder that cannot be written, a port in use ...
        where = f"{err.filename}: " if err.filename else ""
        print(f"emg-kg: {where}{err.strerror or err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
