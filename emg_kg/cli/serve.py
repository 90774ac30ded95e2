"""`serve`: the web app and SPARQL endpoint (the server itself is imported only to run it)."""

from __future__ import annotations

import argparse

from emg_kg.cli.options import Adder, add_engine_options, add_mapping_option, backend
from emg_kg.errors import EmgKgError
from emg_kg.paths import Layout

__all__ = ["add_serve"]


def cmd_serve(args: argparse.Namespace, layout: Layout) -> int:
    from emg_kg.web.options import Settings, apply_limit_options, default_workers
    from emg_kg.web.server import serve

    if args.timeout <= 0 or args.max_rows <= 0 or (args.workers or 1) <= 0:
        raise EmgKgError("--timeout, --max-rows and --workers must be positive")
    settings = Settings(
        args.host,
        args.port,
        args.timeout,
        args.max_rows,
        workers=args.workers or default_workers(),
        quiet=args.quiet,
        mapping=args.mapping,
    )
    settings.backend = backend(args)  # issue 10: --store DIR / --endpoint URL
    try:
        apply_limit_options(settings, args)  # limits for an exposed server
    except ValueError as err:
        raise EmgKgError(str(err)) from None
    try:
        return serve(layout, settings)
    except OSError as err:
        raise EmgKgError(f"cannot listen on {args.host}:{args.port}: {err.strerror}") from None


def add_serve(add: Adder) -> None:
    from emg_kg.web.options import add_limit_options

    p = add(
        "serve",
        cmd_serve,
        "serve the graph: a read-only SPARQL 1.1 endpoint (/sparql), "
        "a page for every entity (/id/...), search, named queries, views and a timeline",
    )
    p.add_argument("--host", default="127.0.0.1", help="address (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="port (default 8000; 0 picks one)")
    p.add_argument(
        "--timeout",
        type=float,
        default=10.0,
        metavar="S",
        help="seconds a query may run before its worker process is killed (default 10)",
    )
    p.add_argument(
        "--max-rows",
        type=int,
        default=10_000,
        metavar="N",
        help="most rows (or triples) a query may return (default 10000)",
    )
    p.add_argument("--workers", type=int, help="query worker processes (default: CPUs, 2-4)")
    p.add_argument("--quiet", action="store_true", help="do not log each request")
    add_limit_options(p)
    add_engine_options(p)  # issue 10: serve on every engine
    add_mapping_option(p)
