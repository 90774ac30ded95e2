"""The scale benchmark: a synthetic corpus on every engine, side by side with raw pyoxigraph.

For each engine (``memory``: the embedded store; ``disk``: the persistent store;
``virtuoso``: a private Virtuoso loaded over the Graph Store Protocol) a fresh process loads
the corpus the way `emg-kg load` does, runs every named query (example parameters), the gap
report and the views (the index, the whole-graph page and the agency x target matrix), and
records its peak memory. Raw pyoxigraph does the same work beside it: ``Store.bulk_load`` of the
same file, and the same query text on the same store (for Virtuoso: on an in-memory pyoxigraph
store of the same file). Each query's answer is hashed, so the engines' answers are compared
row for row. Not a test: the figures depend on the machine (docs/benchmarks-scale.md).

``rss_mib`` is the product's peak: the engine's process loads, queries, reports and draws as
emg-kg does, and the benchmark adds to it only a hash of each answer, read a row at a time.
Raw pyoxigraph's queries run in a process of their own (:class:`RawSide`) on the same store
(the disk engine's directory opened read-only; for the memory engine the same file loaded the
same way; for Virtuoso the file bulk-loaded), each asked in turn with ours so a neighbour's
load falls on both alike, and timed in that process. For Virtuoso ``rss_mib`` is the server's
peak, ``python_rss_mib`` the client's.

    .venv/bin/python bench/scale.py --quads 200000 --json /tmp/scale-200k.json
    .venv/bin/python bench/scale.py --quads 2000000 --json out.json --engines memory,disk
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import pyoxigraph as ox  # noqa: E402

ENGINES = ("memory", "disk", "virtuoso")


def timed(work: Callable[[], Any], runs: int) -> tuple[float, Any]:
    """Median seconds of ``runs`` runs after one warm-up run (none when ``runs`` is 1: the
    large corpora), and the last answer."""
    answer = work() if runs > 1 else None
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        answer = work()
        times.append(time.perf_counter() - start)
    return statistics.median(times), answer


def timed_pair(
    ours: Callable[[], Any], raw: Callable[[], float], runs: int
) -> tuple[float, float, Any]:
    """Both sides timed in turn (one warm-up each when ``runs`` > 1), so a neighbour's load on
    the shared cores falls on both alike; the medians and our last answer. ``raw`` times
    itself (in its own process) and returns its seconds."""
    answer = ours() if runs > 1 else None
    if runs > 1:
        raw()
    mine, theirs = [], []
    for _ in range(runs):
        start = time.perf_counter()
        answer = ours()
        mine.append(time.perf_counter() - start)
        theirs.append(raw())
    return statistics.median(mine), statistics.median(theirs), answer


def peak_mib(pid: int | None = None) -> float:
    """Peak resident memory of this process (or of ``pid``, from /proc)."""
    if pid is None:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def digest(result: Any) -> str:
    """The answer's hash, a row at a time (each row's SPARQL JSON), so the benchmark does not
    hold a second, rendered copy of a large answer beside the product's own."""
    from emg_kg.query.results import Result

    sha = hashlib.sha256(json.dumps([result.kind, result.variables, result.boolean]).encode())
    for row in result.rows:
        sha.update(Result("select", result.variables, [row]).sparql_json())
    for triple in result.triples:
        sha.update(str(triple).encode("utf-8"))
    return sha.hexdigest()[:16]


def raw_query(store: ox.Store, query: Any, bindings: dict[str, Any]) -> Any:
    """The same query text on the same store through pyoxigraph alone (its default graph is
    the stored union; for Virtuoso's comparison store, Oxigraph's own union)."""
    subs = {ox.Variable(k): v for k, v in bindings.items()}
    merged = any(True for _ in store.quads_for_pattern(None, None, None, ox.DefaultGraph()))
    answer = store.query(
        query.text, use_default_graph_as_union=not merged, substitutions=subs or None
    )
    return list(answer)  # type: ignore[arg-type]


class RawSide:
    """Raw pyoxigraph in a process of its own, asked one named query at a time: the engine's
    process then measures the product's memory alone (the raw answers held, and the raw
    store for Virtuoso, are this process's)."""

    def __init__(self, kind: str, corpus: Path, store: Path | None) -> None:
        args = [sys.executable, __file__, "--raw", kind, "--corpus", str(corpus)]
        args += ["--json", "-", "--work", str(store or corpus.parent)]
        self.process = subprocess.Popen(
            args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        assert self.process.stdout is not None
        if self.process.stdout.readline().strip() != "ready":
            raise SystemExit("scale: the raw pyoxigraph process did not start")

    def seconds(self, name: str, params: dict[str, str]) -> float:
        """One raw run of the named query (its own timing), in that process."""
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(json.dumps([name, params]) + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            raise SystemExit("scale: the raw pyoxigraph process stopped")
        return float(json.loads(line))

    def close(self) -> None:
        if self.process.stdin:
            self.process.stdin.close()
        self.process.wait(timeout=60)


def raw_side(kind: str, corpus: Path, work: Path) -> None:
    """:class:`RawSide`'s process: the same store (the disk engine's directory ``work``, read
    only; the memory engine's load of the same file; for Virtuoso the file bulk-loaded), then
    for each line ``[name, params]`` the raw run's seconds."""
    from emg_kg.api import bind
    from emg_kg.data.bulk import RdfFile
    from emg_kg.data.diskstore import load_memory
    from emg_kg.paths import default_layout
    from emg_kg.query.engines import OxigraphEngine
    from emg_kg.query.registry import load_queries

    if kind == "disk":
        store = ox.Store.read_only(str(work))
        engine = OxigraphEngine(store)
    elif kind == "memory":
        merged = load_memory([RdfFile(corpus, ox.RdfFormat.N_QUADS, None)])
        store, engine = merged.store, OxigraphEngine(merged)
    else:
        store = ox.Store()
        store.bulk_load(path=str(corpus), format=ox.RdfFormat.N_QUADS)
        engine = OxigraphEngine(store)
    queries = load_queries(default_layout())
    print("ready", flush=True)
    for line in sys.stdin:
        name, params = json.loads(line)
        bindings = bind(queries[name], params, engine)
        start = time.perf_counter()
        raw_query(store, queries[name], bindings)
        print(json.dumps(time.perf_counter() - start), flush=True)


def watchdog(limit_mib: float) -> None:
    """Stop this process if it grows past ``limit_mib`` (the machine is shared)."""

    def watch() -> None:
        while True:
            time.sleep(0.5)
            if int(Path("/proc/self/statm").read_text().split()[1]) * 4096 > limit_mib * 2**20:
                print(f"scale: stopped at {limit_mib:.0f} MiB", file=sys.stderr, flush=True)
                os._exit(3)

    threading.Thread(target=watch, daemon=True).start()


def worker(
    engine_kind: str, corpus: Path, work: Path, runs: int, only: str = "", skip: str = ""
) -> dict[str, Any]:
    """One engine in this (fresh) process: load, queries, gaps, views, memory."""
    watchdog(float(os.environ.get("EMG_KG_SCALE_MAX_MIB", "6000")))
    from emg_kg.analysis.gaps import compute
    from emg_kg.api import run
    from emg_kg.data.bulk import RdfFile
    from emg_kg.data.diskstore import load_memory, load_store_dir, open_store_dir
    from emg_kg.errors import QueryError
    from emg_kg.paths import default_layout
    from emg_kg.query.engines import OxigraphEngine
    from emg_kg.query.registry import load_queries

    layout = default_layout()
    item = RdfFile(corpus, ox.RdfFormat.N_QUADS, None)
    out: dict[str, Any] = {"engine": engine_kind, "corpus": str(corpus)}
    server = None
    start = time.perf_counter()
    if engine_kind == "memory":
        store: Any = load_memory([item])
    elif engine_kind == "disk":
        target = work / "store"
        load_store_dir(target, [item], None)
        store = open_store_dir(target, None)
    else:
        from emg_kg.query.loader import load_endpoint
        from emg_kg.query.remote import RemoteStore

        sys.path.insert(0, str(ROOT / "tests"))
        from virtuoso import Virtuoso, find_virtuoso  # tests/virtuoso.py

        binary = find_virtuoso()
        if not binary:
            raise SystemExit("virtuoso-t is not installed (apt-get install virtuoso-opensource)")
        (work / "virtuoso").mkdir(exist_ok=True)
        server = Virtuoso(binary, work / "virtuoso")
        server.start()
        os.environ.update(server.env())
        start = time.perf_counter()
        load_endpoint(server.url, server.graph_store, [item], lambda _m: None)
        store = RemoteStore(
            server.url, timeout=float(os.environ.get("EMG_KG_SCALE_TIMEOUT", "120"))
        )
    out["load_s"] = round(time.perf_counter() - start, 3)
    out["quads"] = len(store)
    engine = OxigraphEngine(store)
    raw = None
    try:
        raw = RawSide(engine_kind, corpus, work / "store" if engine_kind == "disk" else None)
        queries: dict[str, Any] = {}
        for name, query in load_queries(layout).items():
            if only and name not in only.split(","):
                continue
            params = {p.name: p.example for p in query.params if p.example}
            try:
                seconds, raw_s, result = timed_pair(
                    lambda q=query, p=params: run(engine, q, p),
                    lambda n=name, p=params: raw.seconds(n, p),
                    runs,
                )
            except QueryError as err:  # an endpoint's timeout: recorded, not fatal
                queries[name] = {"error": str(err)[:300]}
                print(f"  {engine_kind} {name}: {err}", file=sys.stderr)
                continue
            queries[name] = {
                "s": round(seconds, 4),
                "raw_s": round(raw_s, 4),
                "rows": len(result),
                "digest": digest(result),
            }
            print(f"  {engine_kind} {name}: {seconds:.3f} s (raw {raw_s:.3f} s)", file=sys.stderr)
        out["queries"] = queries
        try:
            if "gaps" not in skip:
                out["gaps_s"] = round(timed(lambda: compute(engine, layout, "report"), runs)[0], 3)
        except QueryError as err:
            out["gaps_error"] = str(err)[:300]
        if "views" not in skip:
            out["viz_s"] = round(views(store, work), 3)
        out["rss_mib"] = round(peak_mib(server.process.pid if server and server.process else None))
        out["python_rss_mib"] = round(peak_mib())
        if engine_kind == "disk":
            out["cold_query_s"] = round(cold_query(work / "store", runs), 3)
            out["cold_small_query_s"] = round(cold_query(work / "store", runs, "aichi-targets"), 3)
    finally:
        if raw is not None:
            raw.close()
        if server is not None:
            server.stop()
    store = engine = None  # freed before the raw load, which then has the memory alone
    gc.collect()
    out["raw_load_s"] = round(raw_load(corpus, engine_kind, work), 3)
    return out


def views(store: Any, work: Path) -> float:
    """The whole-graph page and the agency x target matrix, as `emg-kg viz` and the web app
    draw them: the whole page bounded by its default node limit, each view reading from the
    engine only what it draws (analysis/bounded.py: no index of every quad; the matrix from
    the distinct links, not every statement; bench/views_phases.py: phase by phase)."""
    from emg_kg.analysis.bounded import view_of
    from emg_kg.views import WHOLE_LIMIT
    from emg_kg.views.viz import write_matrix, write_view

    start = time.perf_counter()
    write_view(view_of(store, "whole", limit=WHOLE_LIMIT), work / "whole.html", "zh")
    write_matrix(view_of(store, "matrix"), work / "matrix.svg", "zh")
    return time.perf_counter() - start


def cold_query(store: Path, runs: int, name: str = "organizations") -> float:
    """A new `emg-kg query NAME --store DIR`: process start to the last byte (organizations:
    every organization, a listing that grows with the corpus; aichi-targets: twenty rows)."""
    script = Path(sys.executable).with_name("emg-kg")
    args = [str(script), "query", name, "--store", str(store), "--format", "csv"]
    # as installed: with the modules' bytecode written (a first run writes it), which
    # PYTHONDONTWRITEBYTECODE, set in some sandboxes, would make every start compile again
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL, env=env)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(args, check=True, stdout=subprocess.DEVNULL, env=env)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def raw_load(corpus: Path, kind: str, work: Path) -> float:
    """Raw ``Store.bulk_load`` of the same file (on disk for the disk engine)."""
    directory = Path(tempfile.mkdtemp(dir=work)) if kind == "disk" else None
    start = time.perf_counter()
    store = ox.Store(str(directory)) if directory else ox.Store()
    store.bulk_load(path=str(corpus), format=ox.RdfFormat.N_QUADS)
    if directory:
        store.flush()
    seconds = time.perf_counter() - start
    del store
    if directory:
        shutil.rmtree(directory, ignore_errors=True)
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quads", type=int, default=200_000, help="corpus size (default 200k)")
    parser.add_argument("--json", type=Path, required=True, help="write the figures here")
    parser.add_argument("--engines", default=",".join(ENGINES), help="comma-separated")
    parser.add_argument("--runs", type=int, default=3, help="timed runs per query (median)")
    parser.add_argument("--work", type=Path, help="scratch folder (default: a temporary one)")
    parser.add_argument("--only", default="", help="only these named queries (comma-separated)")
    parser.add_argument("--skip", default="", help="skip gaps and/or views (comma-separated)")
    parser.add_argument("--worker", choices=ENGINES, help=argparse.SUPPRESS)
    parser.add_argument("--raw", choices=ENGINES, help=argparse.SUPPRESS)
    parser.add_argument("--corpus", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.raw:
        raw_side(args.raw, args.corpus, args.work)
        return 0
    if args.worker:
        print(
            json.dumps(worker(args.worker, args.corpus, args.work, args.runs, args.only, args.skip))
        )
        return 0
    from corpus import write_corpus

    work = args.work or Path(tempfile.mkdtemp(prefix="emg-kg-scale-"))
    corpus = work / f"corpus-{args.quads}.nq"
    quads, reports = write_corpus(args.quads, corpus)
    print(f"corpus: {quads} quads, {reports} reports, {corpus}", file=sys.stderr)
    results = []
    for kind in args.engines.split(","):
        scratch = work / kind
        scratch.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(
            [sys.executable, __file__, "--worker", kind, "--corpus", str(corpus)]
            + ["--work", str(scratch), "--runs", str(args.runs), "--json", "-"]
            + ["--only", args.only, "--skip", args.skip],
            check=True,
            stdout=subprocess.PIPE,
            text=True,
        )
        results.append({**json.loads(done.stdout), "reports": reports})
        shutil.rmtree(scratch, ignore_errors=True)
        args.json.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    summary(results)
    if not args.work:
        shutil.rmtree(work, ignore_errors=True)
    return 0


def summary(results: list[dict[str, Any]]) -> None:
    """Print the figures and whether every engine answered every query the same."""
    for r in results:
        ok = {n: q for n, q in r["queries"].items() if "s" in q} or {"-": {"s": 0, "raw_s": 1}}
        failed = sorted(set(r["queries"]) - set(ok))
        slowest = max(ok.items(), key=lambda kv: kv[1]["s"])
        ratio = max(q["s"] / max(q["raw_s"], 1e-4) for q in ok.values())
        print(
            f"{r['engine']}: {r['quads']} quads, load {r['load_s']} s (raw {r['raw_load_s']} s), "
            f"slowest query {slowest[0]} {slowest[1]['s']} s, worst ratio to raw {ratio:.2f}, "
            f"gaps {r.get('gaps_s', '-')} s, views {r.get('viz_s', '-')} s, peak {r['rss_mib']} MiB"
            + (f", cold query {r['cold_query_s']} s" if "cold_query_s" in r else "")
            + (f" ({r['cold_small_query_s']} s for 20 rows)" if "cold_small_query_s" in r else "")
            + (f", FAILED: {failed}" if failed else "")
        )
    first = results[0]
    for other in results[1:]:
        differ = [
            n
            for n, q in first["queries"].items()
            if other["queries"].get(n, {}).get("digest") != q.get("digest")
        ]
        print(f"{other['engine']} vs {first['engine']}: {'same answers' if not differ else differ}")


if __name__ == "__main__":
    sys.exit(main())
