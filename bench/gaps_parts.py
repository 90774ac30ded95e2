"""Where the gap report's time goes: each query it runs, and Python outside them.

Runs ``analysis.gaps.compute`` (the report `emg-kg gaps` prints) on one store, in memory from a
corpus file (``--corpus``, loaded once per process as ``emg-kg load`` does for big inputs) or
persistent (``--store``, opened read-only), ``--runs`` times, each query timed around
``Engine.execute`` (which reads the rows). Prints per run the seconds of each query, their sum
(the queries are read together, :mod:`emg_kg.query.together`: the sum is over threads, so it
may pass the wall time; ``--threads 1`` reads them one after the other, and Python outside them
is then the wall less the sum), the whole report's wall and CPU seconds and the load average
(the machine is shared); ``--dump FILE`` writes the report (``dataclasses.asdict``, JSON) at each
``--evidence`` level for a before/after comparison. ``--root DIR`` imports emg_kg from another
tree (an exported revision: the "before" of a change).

    .venv/bin/python bench/gaps_parts.py --store /tmp/s2m/store --runs 3
    .venv/bin/python bench/gaps_parts.py --corpus /tmp/s2m/corpus.nq --runs 3
    .venv/bin/python bench/gaps_parts.py --root /tmp/base --store /tmp/s200k --dump /tmp/b.json
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import os
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--store", type=Path, help="a persistent store (read-only)")
    where.add_argument("--corpus", type=Path, help="an N-Quads file, loaded in memory")
    parser.add_argument("--root", type=Path, default=ROOT, help="the tree to import emg_kg from")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--lang", default="zh")
    parser.add_argument("--as-of", default="2012-12-04")
    parser.add_argument("--dump", type=Path, help="write the report at every level here (JSON)")
    parser.add_argument("--threads", type=int, help="read at most this many queries at once")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(args.root.resolve()))

    import pyoxigraph as ox

    from emg_kg.analysis import gaps
    from emg_kg.data.bulk import RdfFile
    from emg_kg.data.diskstore import load_memory, open_store_dir
    from emg_kg.paths import default_layout
    from emg_kg.query.engines import OxigraphEngine

    layout = default_layout()
    start = time.perf_counter()
    if args.corpus:
        store: Any = load_memory([RdfFile(args.corpus, ox.RdfFormat.N_QUADS, None)])
    else:
        store = open_store_dir(args.store, None)
    print(f"store ready in {time.perf_counter() - start:.1f} s", file=sys.stderr)
    times: dict[str, float] = defaultdict(float)
    original = OxigraphEngine.execute

    def timed(self: Any, text: str, name: str, *rest: Any, **kw: Any) -> Any:
        began = time.perf_counter()
        try:
            return original(self, text, name, *rest, **kw)
        finally:
            times[name] += time.perf_counter() - began

    OxigraphEngine.execute = timed  # type: ignore[method-assign]
    engine = OxigraphEngine(store)
    bound = contextlib.ExitStack()
    if args.threads:
        from emg_kg.query.together import at_most

        bound.enter_context(at_most(args.threads))
    for run in range(args.runs):
        times.clear()
        load = os.getloadavg()[0]
        wall, cpu = time.perf_counter(), time.process_time()
        gaps.compute(engine, layout, "report", args.as_of, args.lang)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        parts = ", ".join(f"{k} {v:.2f}" for k, v in sorted(times.items(), key=lambda i: -i[1]))
        print(
            f"run {run + 1}: {wall:.2f} s (CPU {cpu:.2f}), load {load:.1f}-"
            f"{os.getloadavg()[0]:.1f}: {parts}; queries {sum(times.values()):.2f} in all"
        )
    if args.dump:
        out = {
            level: dataclasses.asdict(gaps.compute(engine, layout, level, args.as_of, args.lang))
            for level in gaps.EVIDENCE
        }
        args.dump.write_text(json.dumps(out, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
