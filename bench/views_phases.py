"""The views on a loaded store, phase by phase: time and the process's peak memory after each.

Opens a persistent store read-only (``emg-kg load --store DIR`` made it; or loads ``--corpus``
in memory), then draws the whole-graph page and the agency x target matrix (from its distinct
links) from the engine, as ``bench/scale.py``, ``emg-kg viz`` and the web app do
(``--whole-index``: from the index of every quad, as before);
with ``--queries``, every named query and the gap report first, as the benchmark's process runs
them before its views. Prints one JSON object: per phase the seconds, the peak resident memory
of the process so far (MiB) and the load average (the machine is shared).

    .venv/bin/python bench/views_phases.py --store /tmp/s2m/store --out /tmp/vw/pages
    .venv/bin/python bench/views_phases.py --corpus /tmp/s2m/corpus.nq --queries --out /tmp/vw/m
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path
from typing import Any

import pyoxigraph as ox

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def peak_mib() -> float:
    """The process's peak resident memory so far, MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def queries(store: Any) -> int:
    """Every named query with its example parameters, as bench/scale.py runs them."""
    from emg_kg.api import run
    from emg_kg.paths import default_layout
    from emg_kg.query.engines import OxigraphEngine
    from emg_kg.query.registry import load_queries

    engine = OxigraphEngine(store)
    rows = 0
    for query in load_queries(default_layout()).values():
        rows += len(run(engine, query, {p.name: p.example for p in query.params if p.example}))
    return rows


def gaps(store: Any) -> Any:
    """The gap report (`emg-kg gaps`) on the store."""
    from emg_kg.analysis.gaps import compute
    from emg_kg.paths import default_layout
    from emg_kg.query.engines import OxigraphEngine

    return compute(OxigraphEngine(store), default_layout(), "report")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--store", type=Path, help="a loaded store (read only)")
    where.add_argument("--corpus", type=Path, help="an N-Quads file, loaded in memory first")
    parser.add_argument("--out", type=Path, required=True, help="directory for the pages")
    parser.add_argument(
        "--limit", type=int, help="the whole page's node limit (default: as emg-kg viz; 0: none)"
    )
    parser.add_argument(
        "--queries", action="store_true", help="first the named queries and the gap report"
    )
    parser.add_argument(
        "--whole-index", action="store_true", help="draw from the index of every quad, as before"
    )
    args = parser.parse_args()
    from emg_kg.analysis.bounded import view_of
    from emg_kg.analysis.metrics import select
    from emg_kg.analysis.projection import load_index
    from emg_kg.data.diskstore import open_store_dir
    from emg_kg.views import WHOLE_LIMIT
    from emg_kg.views.viz import write_matrix, write_view

    args.out.mkdir(parents=True, exist_ok=True)
    phases: list[dict[str, Any]] = []

    def phase(name: str, work: Any) -> Any:
        start = time.perf_counter()
        cpu = time.process_time()
        result = work()
        phases.append(
            {
                "phase": name,
                "s": round(time.perf_counter() - start, 2),
                "cpu_s": round(time.process_time() - cpu, 2),
                "peak_mib": round(peak_mib()),
                "load": [round(x, 2) for x in os.getloadavg()],
            }
        )
        print(json.dumps(phases[-1]), file=sys.stderr, flush=True)
        return result

    if args.corpus:
        from emg_kg.data.bulk import RdfFile
        from emg_kg.data.diskstore import load_memory

        item = RdfFile(args.corpus, ox.RdfFormat.N_QUADS, None)
        store = phase("load in memory", lambda: load_memory([item]))
    else:
        store = phase("open", lambda: open_store_dir(args.store, None))
    if args.queries:
        phase("named queries", lambda: queries(store))
        phase("gap report", lambda: gaps(store))
    limit = WHOLE_LIMIT if args.limit is None else (args.limit or None)
    page = args.out / "whole.html"
    if args.whole_index:  # as before the bounded views: every quad read into the index
        idx = phase("index", lambda: load_index(store))
        phase("whole page", lambda: write_view(select(idx, "whole", limit=limit), page, "zh"))
        G = select(idx, "agency-target")
    else:
        whole = phase("whole view", lambda: view_of(store, "whole", limit=limit))
        phase("whole page", lambda: write_view(whole, page, "zh"))
        del whole  # as bench/scale.py draws it: gone before the next view
        G = phase("matrix view", lambda: view_of(store, "matrix"))  # its distinct links
    phase("matrix", lambda: write_matrix(G, args.out / "m.svg", "zh"))
    size = page.stat().st_size
    print(
        json.dumps(
            {
                "store": str(args.store or args.corpus),
                "limit": limit,
                "page_bytes": size,
                "phases": phases,
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
