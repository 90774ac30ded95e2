"""Attack figures of `emg-kg serve` on loopback (a benchmark, not a test; issue 8).

Starts `emg-kg serve --port 0 --quiet` (extra options after ``--``), then measures, in order:
a flood of 2,000 half requests closed at once; 3,000 half requests held from one address,
then from 3,000 addresses; ``ASK {}`` while two clients run a cross join; a 14 MB
``GROUP_CONCAT`` answer (over ``--max-bytes``); ten clients that never read a 5 MB answer;
the neighbourhood view of every entity (the view cache); SIGTERM. Prints JSON. Every loop is
bounded in count and time; all traffic stays on loopback (127.0.0.0/8 source addresses).

    .venv/bin/python bench/attack.py -- --send-timeout 5
"""

from __future__ import annotations

import json
import re
import resource
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from http.client import HTTPConnection
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
BIG = (
    "SELECT ?p (GROUP_CONCAT(CONCAT(STR(?s), ' ', STR(?t), ' ', STR(?o))) AS ?all) "
    "WHERE { ?s ?p ?o . ?t ?q ?o } GROUP BY ?p LIMIT 120"
)
FIVE_MB = (
    "SELECT ?p (GROUP_CONCAT(STR(?t)) AS ?all) WHERE { ?s ?p ?o . ?t ?q ?o } GROUP BY ?p LIMIT 120"
)


class Target:
    def __init__(self, port: int) -> None:
        self.port = port

    def get(self, path: str, src: str = "", timeout: float = 60, **h: str) -> tuple[int, bytes]:
        bind = (src, 0) if src else None
        conn = HTTPConnection("127.0.0.1", self.port, timeout=timeout, source_address=bind)
        try:
            conn.request("GET", path, headers=h)
            resp = conn.getresponse()
            return resp.status, resp.read()
        finally:
            conn.close()

    def sparql(self, query: str, src: str = "", **h: str) -> tuple[int, bytes]:
        return self.get("/sparql?" + urllib.parse.urlencode({"query": query}), src, **h)

    def seconds_to_status(self, src: str = "", limit: float = 300) -> float | None:
        """Seconds until ``/status`` answers 200 (retrying), None past ``limit``."""
        started = time.monotonic()
        while time.monotonic() - started < limit:
            try:
                if self.get("/status", src, timeout=5)[0] == 200:
                    return round(time.monotonic() - started, 3)
            except OSError:
                time.sleep(0.05)
        return None

    def rss_mb(self) -> int:
        return int(json.loads(self.get("/status")[1]).get("server_rss_kb", 0)) // 1024

    def half_open(self, n: int, src: str = "") -> list[socket.socket]:
        out = []
        for _ in range(n):
            try:
                sock = socket.create_connection(
                    ("127.0.0.1", self.port), 5, (src, 0) if src else None
                )
            except OSError:
                continue
            try:
                sock.sendall(b"GET /status HTTP/1.1\r\nHost: x\r\nX-Slow: ")
            except OSError:
                pass
            out.append(sock)
        return out


def floods(t: Target) -> dict[str, Any]:
    res: dict[str, Any] = {}
    for sock in t.half_open(2000, "127.0.0.7"):
        sock.close()
    res["flood_2000_closed_then_status_s"] = t.seconds_to_status("127.0.0.7")
    socks = t.half_open(3000, "127.0.0.6")
    res["held_3000_one_address_status_s"] = t.seconds_to_status("127.0.0.1")
    for sock in socks:
        sock.close()
    socks = []
    for i in range(3000):
        socks += t.half_open(1, f"127.0.{2 + i // 250}.{1 + i % 250}")
    res["held_3000_addresses_status_s"] = t.seconds_to_status("127.0.0.1")
    for sock in socks:
        sock.close()
    return res


def fairness_and_memory(t: Target) -> dict[str, Any]:
    res: dict[str, Any] = {}
    slow = [
        threading.Thread(target=t.sparql, args=(SLOW, src)) for src in ("127.0.0.2", "127.0.0.3")
    ]
    for thread in slow:
        thread.start()
    time.sleep(1.0)
    latencies = []
    for _ in range(10):
        started = time.monotonic()
        t.sparql("ASK {}", "127.0.0.4")
        latencies.append(time.monotonic() - started)
    res["ask_with_two_slow_ms"] = {
        "median": round(1000 * statistics.median(latencies), 1),
        "max": round(1000 * max(latencies), 1),
    }
    for thread in slow:
        thread.join(60)
    started = time.monotonic()
    status, body = t.sparql(BIG)
    res["group_concat"] = {
        "status": status,
        "s": round(time.monotonic() - started, 2),
        "answer": body[:200].decode("utf-8", "replace"),
    }
    before = t.rss_mb()
    socks = []
    path = "/sparql?" + urllib.parse.urlencode({"query": FIVE_MB})
    for i in range(10):
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.bind((f"127.0.3.{i + 1}", 0))
        sock.connect(("127.0.0.1", t.port))
        request = f"GET {path} HTTP/1.1\r\nHost: x\r\nAccept: application/json\r\n\r\n"
        sock.sendall(request.encode())
        socks.append(sock)
    time.sleep(3)
    during = t.rss_mb()
    time.sleep(6)
    res["ten_never_reading_5MB_rss_mb"] = {"before": before, "at_3s": during, "at_9s": t.rss_mb()}
    for sock in socks:
        sock.close()
    return res


def view_cache(t: Target, limit_s: float = 240) -> dict[str, Any]:
    query = (
        "SELECT DISTINCT ?s WHERE { ?s ?p ?o "
        "FILTER(STRSTARTS(STR(?s), 'https://w3id.org/emg-kg/id/')) } ORDER BY ?s"
    )
    doc = json.loads(t.sparql(query, Accept="application/json")[1])
    entities = [b["s"]["value"] for b in doc["results"]["bindings"]]
    before, served, started = t.rss_mb(), 0, time.monotonic()
    for iri in entities:
        if time.monotonic() - started > limit_s:
            break
        path = "/views/neighbourhood?" + urllib.parse.urlencode({"entity": iri})
        served += t.get(path)[0] == 200
    status = json.loads(t.get("/status")[1])
    return {
        "pages_served": served,
        "rss_mb": {"before": before, "after": int(status["server_rss_kb"]) // 1024},
        "cache": status.get("view_cache"),
        "seconds": round(time.monotonic() - started, 1),
    }


def main(argv: list[str]) -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 1 << 16)), hard))
    extra = argv[argv.index("--") + 1 :] if "--" in argv else []
    cmd = [sys.executable, "-m", "emg_kg.cli", "serve", "--port", "0", "--quiet", *extra]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    match = re.search(r":(\d+)/", proc.stdout.readline())
    if not match:
        proc.kill()
        raise SystemExit("the server did not start")
    target = Target(int(match.group(1)))
    try:
        report = {"server_rss_mb_at_start": target.rss_mb()}
        report |= floods(target)
        report |= fairness_and_memory(target)
        report["view_cache"] = view_cache(target)
    finally:
        started = time.monotonic()
        proc.terminate()
        code = proc.wait(30)
    report["sigterm"] = {"exit": code, "seconds": round(time.monotonic() - started, 2)}
    print(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
