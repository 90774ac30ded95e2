"""Load test of `emg-kg serve` on loopback (a benchmark, not a test).

16 concurrent clients (``--clients``) for a bounded time (``--seconds``, default 60) send a mix of
the named queries in ``queries/``: half as their SPARQL text POSTed to ``/sparql`` (parameters
left unbound), half through ``/queries/NAME.json`` with their example parameters. Reports
requests per second, latency p50/p95/p99, errors by status, and the memory (RSS) of the server
and its query workers over time, sampled from ``/status`` every second.

    .venv/bin/python bench/load.py                    # starts its own server on a free port
    .venv/bin/python bench/load.py --seconds 10 --json
    .venv/bin/python bench/load.py --pages            # the app's HTML pages in the mix too
    .venv/bin/python bench/load.py --url http://127.0.0.1:8000/   # an already running server
    .venv/bin/python bench/load.py --slow-clients 2   # and two clients sending a runaway query

Each client connects from its own loopback address (127.0.0.10, .11, ...; ``--one-address``
to use 127.0.0.1 for all), as distinct users would: the server's per-client limits count by
address. The slow clients (127.0.0.200, ...) each send, one after the other, a cross join that
never finishes; their answers (503 at the time limit) are reported apart: the others must see
no error.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import shlex
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from emg_kg.paths import default_layout  # noqa: E402
from emg_kg.query.registry import load_queries  # noqa: E402


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)
    by_query: dict[str, list[float]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, name: str, seconds: float, status: str) -> None:
        with self.lock:
            self.latencies.append(seconds)
            self.statuses[status] += 1
            self.by_query.setdefault(name, []).append(seconds)


#: the app's own pages, built in the server process (``--pages`` adds them to the mix)
PAGES = [
    ("page:home", "/?lang=en"),
    ("page:search", "/search?" + urllib.parse.urlencode({"q": "开发署"})),
    ("page:entity", "/id/agency/UNDP"),
    ("page:entity-ttl", "/id/agency/UNDP?format=ttl"),
    ("page:aichi-target", "/id/aichi/target-17?lang=en"),
    ("page:mandate", "/id/mandate/gc27-draft-op2-drylands-action-plan"),
    ("page:paragraph", "/id/report/gc27-emg/para/20"),
    ("page:timeline", "/timeline"),
    ("page:query", "/queries/search?text=UNDP"),
]


def requests_mix(
    only: list[str], pages: bool = False
) -> list[tuple[str, str, str, bytes | None, dict[str, str]]]:
    """(name, method, path, body, headers) for every named query (or those in ``only``), and
    the app's pages when ``pages``."""
    mix: list[tuple[str, str, str, bytes | None, dict[str, str]]] = [
        (name, "GET", path, None, {"Accept": "text/html"}) for name, path in PAGES if pages
    ]
    for name, query in load_queries(default_layout()).items():
        if only and name not in only:
            continue
        form = urllib.parse.urlencode({"query": query.text}).encode()
        mix.append(
            (
                f"sparql:{name}",
                "POST",
                "/sparql",
                form,
                {
                    "Content-Type": "application/x-www-form-urlencoded",
                    "Accept": "application/sparql-results+json, text/turtle;q=0.9",
                },
            )
        )
        params = {p.name: p.example or p.default or "" for p in query.params}
        params = {k: v for k, v in params.items() if v}
        path = f"/queries/{name}.json?" + urllib.parse.urlencode(params)
        mix.append((f"named:{name}", "GET", path, None, {}))
    return mix


#: a runaway query: a three-way cross join of every triple, counted
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


def slow_mix() -> list[tuple[str, str, str, bytes | None, dict[str, str]]]:
    form = urllib.parse.urlencode({"query": SLOW}).encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    return [("slow:cross-join", "POST", "/sparql", form, headers)]


def client(
    host: str,
    port: int,
    deadline: float,
    mix: list[Any],
    tally: Tally,
    seed: int,
    source: str = "",
) -> None:
    rng = random.Random(seed)
    bind = (source, 0) if source else None
    conn = http.client.HTTPConnection(host, port, timeout=120, source_address=bind)
    while time.monotonic() < deadline:
        name, method, path, body, headers = rng.choice(mix)
        started = time.perf_counter()
        try:
            conn.request(method, path, body=body, headers=headers)
            resp = conn.getresponse()
            resp.read()
            status = str(resp.status)
            if resp.getheader("Connection", "").lower() == "close":
                conn.close()
        except (OSError, http.client.HTTPException) as err:
            status = type(err).__name__
            conn.close()
            conn = http.client.HTTPConnection(host, port, timeout=120, source_address=bind)
        tally.add(name, time.perf_counter() - started, status)
    conn.close()


def sample_memory(
    host: str, port: int, stop: threading.Event, out: list[dict[str, Any]], t0: float
) -> None:
    while not stop.is_set():
        try:
            conn = http.client.HTTPConnection(host, port, timeout=10)
            conn.request("GET", "/status")
            doc = json.loads(conn.getresponse().read())
            conn.close()
            workers = sum(w["rss_kb"] for w in doc["workers"])  # (loopback sees them)
            out.append(
                {
                    "t": round(time.monotonic() - t0, 1),
                    "server_kb": doc["server_rss_kb"],
                    "workers_kb": workers,
                    "workers": len(doc["workers"]),
                }
            )
        except (OSError, ValueError, KeyError):
            pass
        stop.wait(1.0)


def final_status(host: str, port: int) -> dict[str, Any]:
    """The pool's and the answer cache's counters after the run (timeouts, respawns, hits)."""
    keys = ("queries", "timeouts", "respawns", "errors", "busy", "moved", "demoted", "answers")
    try:
        conn = http.client.HTTPConnection(host, port, timeout=10)
        conn.request("GET", "/status")
        doc = json.loads(conn.getresponse().read())
        conn.close()
    except (OSError, ValueError):
        return {}
    return {k: doc[k] for k in keys if k in doc}


def start_server(args: argparse.Namespace) -> tuple[subprocess.Popen[str], str]:
    cmd = [
        sys.executable,
        "-m",
        "emg_kg.cli",
        "serve",
        "--port",
        "0",
        "--quiet",
        "--timeout",
        str(args.timeout),
    ]
    if args.workers:
        cmd += ["--workers", str(args.workers)]
    cmd += shlex.split(args.server_args)
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    match = re.search(r"http://[\d.]+:\d+/", line)
    if not match:
        proc.kill()
        raise SystemExit(f"the server did not start: {line!r}")
    return proc, match.group(0)


def percentile(values: list[float], q: int) -> float:
    if len(values) < 2:
        return values[0] if values else 0.0
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="how long (default 60)")
    parser.add_argument("--clients", type=int, default=16, help="concurrent clients (16)")
    parser.add_argument("--url", help="an already running server (default: start one)")
    parser.add_argument("--workers", type=int, help="query workers of the started server")
    parser.add_argument("--timeout", type=float, default=10.0, help="its query time limit")
    parser.add_argument(
        "--queries",
        default="",
        help="comma-separated named queries to mix (default: all of queries/)",
    )
    parser.add_argument(
        "--pages",
        action="store_true",
        help="also request the app's pages (home, search, entity, timeline...)",
    )
    parser.add_argument(
        "--slow-clients", type=int, default=0, help="clients sending a runaway query (0)"
    )
    parser.add_argument(
        "--one-address", action="store_true", help="all clients from 127.0.0.1 (one client)"
    )
    parser.add_argument(
        "--server-args",
        default="",
        help="more options for the started server, e.g. '--result-cache 0' or '--store DIR'",
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)

    load_before = [round(x, 2) for x in os.getloadavg()]
    proc, url = (None, args.url) if args.url else start_server(args)
    parts = urllib.parse.urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    mix = requests_mix([q for q in args.queries.split(",") if q], args.pages)
    if not mix:
        raise SystemExit(f"no named query among {args.queries!r}")
    tally, memory = Tally(), list[dict[str, Any]]()
    stop = threading.Event()
    t0 = time.monotonic()
    sampler = threading.Thread(target=sample_memory, args=(host, port, stop, memory, t0))
    sampler.start()
    deadline = t0 + args.seconds
    loopback = host.startswith("127.") and not args.one_address
    clients = [
        threading.Thread(
            target=client,
            args=(host, port, deadline, mix, tally, i, f"127.0.0.{10 + i}" if loopback else ""),
        )
        for i in range(args.clients)
    ]
    slow = Tally()
    clients += [
        threading.Thread(
            target=client,
            args=(
                host,
                port,
                deadline,
                slow_mix(),
                slow,
                i,
                f"127.0.0.{200 + i}" if loopback else "",
            ),
        )
        for i in range(args.slow_clients)
    ]
    for thread in clients:
        thread.start()
    for thread in clients:
        thread.join()
    elapsed = time.monotonic() - t0
    stop.set()
    sampler.join()
    counters = final_status(host, port)
    if proc is not None:
        proc.terminate()
        proc.wait(15)

    lat = sorted(tally.latencies)
    ok = tally.statuses.get("200", 0)
    report = {
        "url": url,
        "cpus": os.cpu_count(),
        "load_average_before": load_before,
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "clients": args.clients,
        "slow_clients": args.slow_clients,
        "slow_answers": dict(slow.statuses),
        "seconds": round(elapsed, 1),
        "requests": len(lat),
        "requests_per_s": round(len(lat) / elapsed, 1),
        "ok": ok,
        "errors": {k: v for k, v in tally.statuses.items() if k != "200"},
        "latency_ms": {f"p{q}": round(1000 * percentile(lat, q), 1) for q in (50, 95, 99)}
        | {"max": round(1000 * (lat[-1] if lat else 0), 1)},
        "slowest_queries_p95_ms": dict(
            sorted(
                (
                    (n, round(1000 * percentile(sorted(v), 95), 1))
                    for n, v in tally.by_query.items()
                ),
                key=lambda kv: -kv[1],
            )[:5]
        ),
        "server_counters": counters,
        "rss_mb": [
            {
                "t": m["t"],
                "server": round(m["server_kb"] / 1024, 1),
                "workers": round(m["workers_kb"] / 1024, 1),
            }
            for m in memory
        ],
    }
    if args.json:
        print(json.dumps(report, indent=1))
        return 0
    print(f"{os.cpu_count()} CPUs, load average (1, 5, 15 min) before: {load_before}")
    print(
        f"{report['requests']} requests in {report['seconds']} s from {args.clients} clients: "
        f"{report['requests_per_s']} requests/s; {ok} ok, errors: {report['errors'] or 'none'}"
    )
    if args.slow_clients:
        print(f"{args.slow_clients} slow clients' own answers: {dict(slow.statuses)}")
    lm = report["latency_ms"]
    print(f"latency ms: p50 {lm['p50']}  p95 {lm['p95']}  p99 {lm['p99']}  max {lm['max']}")
    print(
        "slowest (p95 ms):",
        ", ".join(f"{n} {v}" for n, v in report["slowest_queries_p95_ms"].items()),
    )
    print(f"server counters: {counters}")
    print("RSS MB over time (server + workers):")
    step = max(1, len(memory) // 12)
    for m in report["rss_mb"][::step]:
        print(f"  t={m['t']:>5}s  server {m['server']:>6}  workers {m['workers']:>6}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
