"""Time every named query on Oxigraph (the default store) and on rdflib's own SPARQL engine.

Warm: the graph is loaded once, each query runs once to warm up, then the median of several
runs is taken. Cold: ``emg-kg query NAME`` as a new process, from start to the last byte of
its output, with the N-Quads cache already built. Not a test: figures depend on the machine.
Targets: each named query <= 10 ms warm on Oxigraph; a cold query <= 0.4 s.

    .venv/bin/python bench/queries.py             # the full table (rdflib cold: one run each)
    .venv/bin/python bench/queries.py --quick     # skip the rdflib cold runs
    .venv/bin/python bench/queries.py --markdown  # the table as Markdown (docs/benchmarks.md)
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from emg_kg.api import Engine, open_engine, run
from emg_kg.data.store import cached_nquads
from emg_kg.paths import default_layout
from emg_kg.query.registry import NamedQuery, load_queries

WARM_TARGET_MS = 10.0
COLD_TARGET_S = 0.4


def warm(engine: Engine, query: NamedQuery, params: dict[str, str], runs: int) -> float:
    """Median milliseconds of ``runs`` runs after one warm-up run."""
    run(engine, query, params)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        run(engine, query, params)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def command() -> list[str]:
    script = Path(sys.executable).with_name("emg-kg")
    return [str(script)] if script.exists() else [sys.executable, "-m", "emg_kg.cli"]


def cold(name: str, params: dict[str, str], engine: str, runs: int) -> float:
    """Median seconds for a new process to print the whole answer."""
    args = [*command(), "query", name, "--engine", engine]
    for key, value in params.items():
        args += ["--param", f"{key}={value}"]
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(args, check=True, stdout=subprocess.PIPE, env=os.environ.copy())
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="no cold runs on rdflib")
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table")
    parser.add_argument("--runs", type=int, default=15, help="warm runs on Oxigraph")
    args = parser.parse_args()

    layout = default_layout()
    cached_nquads(layout)  # build the cache once, outside every timing
    oxigraph, rdflib_engine = open_engine(layout, "oxigraph"), open_engine(layout, "rdflib")
    header = [
        "query",
        "rows",
        "warm oxigraph ms",
        "warm rdflib ms",
        "rdflib/oxigraph",
        "cold oxigraph s",
        "cold rdflib s",
    ]
    table = []
    for name, query in load_queries(layout).items():
        params = {p.name: p.example for p in query.params if p.example}
        rows = len(run(oxigraph, query, params))
        fast = warm(oxigraph, query, params, args.runs)
        slow = warm(rdflib_engine, query, params, 3)
        cold_fast = cold(name, params, "oxigraph", 5)
        cold_slow = None if args.quick else cold(name, params, "rdflib", 1)
        flag = "" if fast <= WARM_TARGET_MS else " !"
        table.append(
            [
                name,
                str(rows),
                f"{fast:.1f}{flag}",
                f"{slow:.0f}",
                f"{slow / fast:.0f}x",
                f"{cold_fast:.2f}" + ("" if cold_fast <= COLD_TARGET_S else " !"),
                "-" if cold_slow is None else f"{cold_slow:.1f}",
            ]
        )
        if not args.markdown:
            print("  ".join(table[-1]), flush=True)
    if args.markdown:
        print("| " + " | ".join(header) + " |")
        print("|---" + "|---:" * (len(header) - 1) + "|")
        for row in table:
            print("| `" + row[0] + "` | " + " | ".join(row[1:]) + " |")
    over = [r[0] for r in table if r[2].endswith("!") or r[5].endswith("!")]
    print(
        f"\ntargets: warm <= {WARM_TARGET_MS:.0f} ms, cold <= {COLD_TARGET_S} s; "
        f"{'all met' if not over else 'missed by: ' + ', '.join(over)}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
