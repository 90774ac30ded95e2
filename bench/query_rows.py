"""Does a rewritten named query answer as before? Old text against new, row for row, in order.

A rewrite for speed must change nothing a user sees: the same rows in the same order. This runs
each named query's text at a git revision (``--against``, default ``main``) and the working
tree's text on one store, through the one row runner with the query's example parameters, and
compares the rendered rows in order (``--any-order`` compares them as multisets, for queries
whose tied rows come in the store's internal order). It prints both times, so it doubles as the
before/after measurement (first run of each, old text first); ``--raw`` adds raw pyoxigraph's
time for the new text (the same bound values as ``substitutions``, the same store), and
``--no-compare`` times the new text only; ``--param NAME=VALUE`` (repeatable) replaces a
query's example value. The resolver's names (read once per engine, for the ``iri``
parameters) are read before the first query and timed apart, and each text's gate verdict
(parsed once per text, then cached on disk) is taken before it is timed: a text just changed
costs its first run 0.1-3 s of parsing otherwise (``aichi-matrix`` 5.0 s against 1.8 s), which
the comparison with raw pyoxigraph would count as the engine's.

    .venv/bin/python bench/query_rows.py                      # the shipped data, every query
    .venv/bin/python bench/query_rows.py --corpus /tmp/c.nq mandates,open-mandates
    .venv/bin/python bench/query_rows.py --store /tmp/s200k --against HEAD~3 mandate-chain
    .venv/bin/python bench/query_rows.py --param text=UNDP --param lang=en search

Exit code 0 when every query agrees, 1 when one differs (the first differing row is printed).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from answers import ROOT, bindings, dumps, example_params, in_memory, named_queries


def table(result: Any) -> list[str]:
    """The answer's rows, in order, each one JSON line."""
    return [dumps(row) for row in bindings(result)[1]]


def old_text(rev: str, name: str) -> str | None:
    """The query's text at ``rev`` (None when it did not exist there)."""
    done = subprocess.run(
        ["git", "-C", str(ROOT), "show", f"{rev}:queries/{name}.rq"],
        capture_output=True,
        text=True,
        check=False,
    )
    return done.stdout if done.returncode == 0 else None


class Clock:
    """Wall and CPU seconds since it was made. The query runs in this process on one core, so
    its CPU time is what the others' load on a shared machine disturbs least."""

    def __init__(self) -> None:
        self.wall, self.cpu = time.perf_counter(), time.process_time()

    def read(self) -> str:
        wall, cpu = time.perf_counter() - self.wall, time.process_time() - self.cpu
        return f"{wall:7.3f} s (cpu {cpu:6.3f})"


def timed(engine: Any, query: Any, params: dict[str, str]) -> tuple[str, list[str]]:
    """Seconds to run and the rendered rows (the gate's verdict taken first, untimed)."""
    from emg_kg.query.gate import check
    from emg_kg.query.run import _checkout, project_prefixes, run

    if query.builtin:
        check(query.text, query.name, None, _checkout(query.path).cache_dir)
    else:  # an old text: checked in memory, with the prefixes run() gives it
        check(query.text, query.name, project_prefixes())
    clock = Clock()
    result = run(engine, query, params)
    return clock.read(), table(result)


def raw(engine: Any, query: Any, params: dict[str, str]) -> str:
    """Seconds for raw pyoxigraph to answer the text with the same bound values."""
    import pyoxigraph as ox

    from emg_kg.query.run import bind

    subs = {ox.Variable(k): v for k, v in bind(query, params, engine).items()}
    clock = Clock()
    list(engine.store.query(query.text, substitutions=subs, use_default_graph_as_union=True))
    return clock.read()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("names", nargs="?", default="", help="queries, comma-separated")
    parser.add_argument("--against", default="main", help="git revision of the old texts")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--corpus", type=Path, help="an N-Quads file, loaded in memory")
    where.add_argument("--store", type=Path, help="a loaded store directory, opened read-only")
    parser.add_argument("--any-order", action="store_true", help="compare rows as multisets")
    parser.add_argument("--raw", action="store_true", help="time raw pyoxigraph too")
    parser.add_argument("--no-compare", action="store_true", help="time the new text only")
    parser.add_argument(
        "--param", action="append", default=[], metavar="NAME=VALUE", help="instead of the example"
    )
    args = parser.parse_args()
    from emg_kg.data.diskstore import open_store_dir
    from emg_kg.paths import default_layout
    from emg_kg.query.engines import OxigraphEngine
    from emg_kg.query.registry import parse_header
    from emg_kg.query.run import names

    if args.store:
        engine = OxigraphEngine(open_store_dir(args.store, None))
    elif args.corpus:
        engine = OxigraphEngine(in_memory(args.corpus))
    else:
        from emg_kg.data.store import open_store

        engine = OxigraphEngine(open_store(default_layout()))
    start = time.perf_counter()
    names(engine)
    print(f"{'(resolver names)':20s} {time.perf_counter() - start:7.3f} s", flush=True)
    failed = 0
    for name, new in named_queries(args.names):
        params = example_params(new, args.param)
        if args.no_compare:
            new_s, new_rows = timed(engine, new, params)
            extra = f"  raw {raw(engine, new, params)}" if args.raw else ""
            print(f"{name:20s} {len(new_rows):6d} rows  new {new_s}{extra}", flush=True)
            continue
        text = old_text(args.against, name)
        if text is None:
            print(f"{name:20s} new query", flush=True)
            continue
        old = parse_header(name, text)
        old_s, old_rows = timed(engine, old, params)
        new_s, new_rows = timed(engine, new, params)
        if args.any_order:
            old_rows, new_rows = sorted(old_rows), sorted(new_rows)
        same = old_rows == new_rows
        extra = (
            f"  raw old {raw(engine, old, params)}  raw new {raw(engine, new, params)}"
            if args.raw
            else ""
        )
        print(
            f"{name:20s} {len(old_rows):6d} rows  old {old_s}  new {new_s}{extra}  "
            + ("same" if same else "DIFFERENT"),
            flush=True,
        )
        if not same:
            failed += 1
            for i, (a, b) in enumerate(zip(old_rows, new_rows, strict=False)):
                if a != b:
                    print(f"  row {i}:\n    old {a}\n    new {b}")
                    break
            else:
                print(f"  {len(old_rows)} rows before, {len(new_rows)} now")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
