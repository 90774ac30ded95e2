"""Do the engines answer a corpus the same? Every named query's rows on Virtuoso against memory.

`bench/scale.py` times the engines; this only compares answers, at any corpus size, without the
raw-pyoxigraph side (which, for Virtuoso, queries a bag-union store and does not finish at
200,000 quads). The corpus is bench/corpus.py's; the in-memory engine is the one `emg-kg load`
makes for big inputs (stored set-union default graph); Virtuoso is a private server
(tests/virtuoso.py) loaded over the Graph Store Protocol. Rows are compared as multisets
(`aichi-matrix` is Virtuoso 7.2's one documented refusal: docs/engines.md).

    .venv/bin/python bench/corpus_rows.py --quads 200000 --json /tmp/rows-200k.json
    .venv/bin/python bench/corpus_rows.py --quads 200000 --json /tmp/r.json --only decisions
    .venv/bin/python bench/corpus_rows.py --corpus /tmp/s2m/corpus.nq --bulk --buffers 250000 \
        --timeout 300 --dir /tmp/v2 --json /tmp/rows-2m.json --internal gaps-aichi-links

``--corpus`` compares on an N-Quads file already written (read only) instead of writing one;
``--bulk`` loads Virtuoso with its own bulk loader (isql ``ld_dir``, ``rdf_loader_run``: the
N-Quads keep their graphs) instead of the Graph Store Protocol graph by graph, which is what
``emg-kg load --endpoint`` does and is slow for millions of quads; ``--dir`` keeps the server's
database there (a fresh one each run) rather than in a temporary directory; ``--internal``
compares the gap report's own texts too (``queries/internal``, at their defaults).

After a ``--bulk`` load the server is restarted on its database before the first query, so the
figures are a running server's: on a freshly bulk-loaded server Virtuoso 7.2 picks other plans
(at 2 M quads `organizations` gave no answer in 300 s there, against 15.6-22.3 s after a
restart; docs/benchmarks-scale.md, vr).

Each query's entry holds its row count, whether Virtuoso's rows are the same (or the same but
for a documented difference) or its error, both engines' seconds, the Virtuoso process's CPU
seconds over the query (``virtuoso_cpu_s``: a slow answer the server worked through, or a
server left waiting) and the 1-minute load average when it finished. After a query times out
the server is restarted on the same database before the next: Debian's 7.2.5 (7.20.3229)
stops a query within seconds of its client closing the connection (measured at 2 M quads,
docs/benchmarks-scale.md, vo), but a server that went on would slow every query after it.
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

from answers import ROOT, bindings, corpus_file, dumps, example_params, in_memory, named_queries

sys.path.insert(0, str(ROOT / "tests"))


def rows(result: Any) -> list[str]:
    """The answer's rows, sorted, each one JSON array."""
    _names, found = bindings(result)
    return sorted(dumps([dumps(value) for value in row]) for row in found)


def server_cpu(server: Any) -> float | None:
    """The server process's CPU seconds so far (Linux's /proc; None elsewhere or if it is gone):
    a query's share tells a server that worked through a slow answer from one left waiting."""
    try:
        fields = Path(f"/proc/{server.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (AttributeError, OSError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_since(server: Any, before: float | None) -> float | None:
    """The server's CPU seconds since ``before`` (``server_cpu``), rounded."""
    now = server_cpu(server)
    return None if now is None or before is None else round(now - before, 2)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quads", type=int, default=200_000)
    parser.add_argument("--json", type=Path, required=True)
    parser.add_argument(
        "--timeout", type=float, default=60.0, help="seconds a Virtuoso query may take"
    )
    parser.add_argument("--only", default="", help="named queries to compare, comma-separated")
    parser.add_argument(
        "--internal", default="", help="queries/internal texts to compare too, comma-separated"
    )
    parser.add_argument("--corpus", type=Path, help="an N-Quads corpus to use, not written")
    parser.add_argument(
        "--bulk",
        action="store_true",
        help="load with Virtuoso's bulk loader, then restart the server",
    )
    parser.add_argument("--buffers", type=int, default=100_000, help="Virtuoso's 8 KiB pages")
    parser.add_argument("--dir", type=Path, help="the server's database directory (emptied)")
    args = parser.parse_args()
    from corpus import write_corpus
    from virtuoso import credentials, running

    from emg_kg.errors import EmgKgError
    from emg_kg.query.engines import OxigraphEngine
    from emg_kg.query.loader import load_endpoint
    from emg_kg.query.registry import internal_query
    from emg_kg.query.remote import RemoteStore
    from emg_kg.query.run import run

    work = Path(tempfile.mkdtemp(prefix="emg-kg-rows-"))
    out: dict[str, Any] = {}
    if args.corpus:
        corpus = args.corpus.resolve()
        out["corpus"] = str(corpus)
    else:
        corpus = work / "corpus.nq"
        out["quads"], out["reports"] = write_corpus(args.quads, corpus)
    item = corpus_file(corpus)
    start = time.perf_counter()
    store = in_memory(corpus)
    out["memory_load_s"] = round(time.perf_counter() - start, 1)
    out["memory_quads"] = len(store)
    memory = OxigraphEngine(store)
    out["queries"] = {}
    server_dir = args.dir or work / "v"
    shutil.rmtree(server_dir, ignore_errors=True)
    server_dir.mkdir(parents=True)
    with running(server_dir, args.buffers, (corpus.parent,)) as server:
        start = time.perf_counter()
        if args.bulk:
            out["virtuoso_loader"] = "bulk: ld_dir, rdf_loader_run, checkpoint"
            out["virtuoso_load_state"] = server.bulk_load(corpus)
            # a freshly bulk-loaded server plans some queries otherwise (module docstring)
            server.stop()
            server.start()
            out["virtuoso_restarted_after_load"] = True
        else:
            out["virtuoso_loader"] = "Graph Store Protocol, graph by graph (emg-kg load)"
            with credentials(server):
                load_endpoint(server.url, server.graph_store, [item], lambda _m: None)
        out["virtuoso_load_s"] = round(time.perf_counter() - start, 1)
        out["virtuoso_load_avg_1m"] = round(os.getloadavg()[0], 2)
        print("loaded", {k: v for k, v in out.items() if k != "queries"}, file=sys.stderr)
        remote = OxigraphEngine(RemoteStore(server.url, timeout=args.timeout))
        internal = [(n, internal_query(n)) for n in filter(None, args.internal.split(","))]
        for name, query in [*named_queries(args.only), *internal]:
            params = example_params(query)
            start = time.perf_counter()
            ours = run(memory, query, params)
            memory_s = time.perf_counter() - start
            start, cpu = time.perf_counter(), server_cpu(server)
            try:
                theirs = run(remote, query, params)
            except EmgKgError as err:
                row = {"rows": len(ours), "error": str(err)[:200]}
                row["virtuoso_s"] = round(time.perf_counter() - start, 2)
                row["virtuoso_cpu_s"] = cpu_since(server, cpu)
                if "timed out" in str(err):
                    # a server that went on with a query its client gave up on would slow
                    # every query after it: restarted on the same database (module docstring)
                    server.stop()
                    server.start()
                    row["restarted"] = True
            else:
                row = {"rows": len(ours), "same": rows(theirs) == rows(ours)}
            row.setdefault("virtuoso_s", round(time.perf_counter() - start, 2))
            row.setdefault("virtuoso_cpu_s", cpu_since(server, cpu))
            row["memory_s"] = round(memory_s, 2)
            # the machine is shared: the load average beside every figure
            row["load_avg_1m"] = round(os.getloadavg()[0], 2)
            out["queries"][name] = row
            print(name, row, file=sys.stderr, flush=True)
            args.json.write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")
    shutil.rmtree(work, ignore_errors=True)  # the corpus and the server's database
    shutil.rmtree(server_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
