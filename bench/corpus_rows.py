"""Do the engines answer a corpus the same? Every named query's rows on Virtuoso against memory.

`bench/scale.py` times the engines; this only compares answers, at any corpus size, without the
raw-pyoxigraph side (which, for Virtuoso, queries a bag-union store and does not finish at
200,000 quads). The corpus is bench/corpus.py's; the in-memory engine is the one `emg-kg load`
makes for big inputs (stored set-union default graph); Virtuoso is a private server
(tests/virtuoso.py) loaded over the Graph Store Protocol. Rows are compared as multisets, with
Virtuoso 7.2's documented differences folded out (tests/virtuoso.py, docs/engines.md).

    .venv/bin/python bench/corpus_rows.py --quads 200000 --json /tmp/rows-200k.json
    .venv/bin/python bench/corpus_rows.py --quads 200000 --json /tmp/r.json --only decisions

Each query's entry holds its row count, whether Virtuoso's rows are the same (or the same but
for a documented difference) or its error, both engines' seconds and the 1-minute load average
when it finished.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "tests"))


def rows(result: Any, name: str = "") -> list[str]:
    """The answer's rows, sorted, each one JSON array (documented differences folded)."""
    from virtuoso import fold

    from emg_kg.query.results import render

    answer = json.loads(render(result, "json"))
    names = answer["head"]["vars"]
    table = [
        [json.dumps(b.get(n), ensure_ascii=False) for n in names]
        for b in answer["results"]["bindings"]
    ]
    return sorted(
        json.dumps(r, ensure_ascii=False) for r in (fold(name, names, table) if name else table)
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quads", type=int, default=200_000)
    parser.add_argument("--json", type=Path, required=True)
    parser.add_argument(
        "--timeout", type=float, default=60.0, help="seconds a Virtuoso query may take"
    )
    parser.add_argument("--only", default="", help="named queries to compare, comma-separated")
    args = parser.parse_args()
    import pyoxigraph as ox
    from corpus import write_corpus
    from virtuoso import DIFFERS, credentials, running

    from emg_kg.data.bulk import RdfFile
    from emg_kg.data.diskstore import load_memory
    from emg_kg.errors import EmgKgError
    from emg_kg.paths import default_layout
    from emg_kg.query.engines import OxigraphEngine
    from emg_kg.query.loader import load_endpoint
    from emg_kg.query.registry import load_queries
    from emg_kg.query.remote import RemoteStore
    from emg_kg.query.run import run

    work = Path(tempfile.mkdtemp(prefix="emg-kg-rows-"))
    corpus = work / "corpus.nq"
    quads, reports = write_corpus(args.quads, corpus)
    item = RdfFile(corpus, ox.RdfFormat.N_QUADS, None)
    memory = OxigraphEngine(load_memory([item]))
    out: dict[str, Any] = {"quads": quads, "reports": reports, "queries": {}}
    wanted = set(filter(None, args.only.split(",")))
    (work / "v").mkdir()
    with running(work / "v") as server:
        with credentials(server):
            start = time.perf_counter()
            load_endpoint(server.url, server.graph_store, [item], lambda _m: None)
            out["virtuoso_load_s"] = round(time.perf_counter() - start, 1)
        remote = OxigraphEngine(RemoteStore(server.url, timeout=args.timeout))
        for name, query in sorted(load_queries(default_layout()).items()):
            if wanted and name not in wanted:
                continue
            params = {p.name: p.example for p in query.params if p.example}
            start = time.perf_counter()
            ours = run(memory, query, params)
            memory_s = time.perf_counter() - start
            start = time.perf_counter()
            try:
                theirs = run(remote, query, params)
            except EmgKgError as err:
                row = {"rows": len(ours), "error": str(err)[:200]}
            else:
                same = rows(theirs) == rows(ours)
                folded = name in DIFFERS and rows(theirs, name) == rows(ours, name)
                row = {"rows": len(ours), "same": same, "same_but_documented": folded}
            row["virtuoso_s"] = round(time.perf_counter() - start, 2)
            row["memory_s"] = round(memory_s, 2)
            # the machine is shared: the load average beside every figure
            row["load_avg_1m"] = round(os.getloadavg()[0], 2)
            out["queries"][name] = row
            print(name, row, file=sys.stderr, flush=True)
            args.json.write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")
    shutil.rmtree(work, ignore_errors=True)  # the corpus and the server's database
    return 0


if __name__ == "__main__":
    sys.exit(main())
