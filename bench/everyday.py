"""What a user waits for on a big store, besides the named queries: naming an entity, and the
web app.

Each command runs in a fresh process, timed from start to exit (wall seconds), as a user runs
it: ``emg-kg show NAME`` for a label, a prefixed name, a Chinese name, a name that matches
nothing and a prefixed name of no entity (both refused with suggestions), and a named query with
a label as its parameter, then with the name of something of another kind (refused, with
suggestions).
Then ``emg-kg serve`` on a free loopback port: the seconds until ``/status`` answers (the
catalogue of names and labels is read before), and each page twice (the first request of a
page builds what it caches: the gap report, the views' index). The 1-minute load average is
printed beside each figure: the machine is shared.

    .venv/bin/python bench/everyday.py --store /tmp/s2m/store
    .venv/bin/python bench/everyday.py --store /tmp/s2m/store --json /tmp/everyday.json
    .venv/bin/python bench/everyday.py --store /tmp/s2m/store --no-serve  # the commands only
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CLI = [sys.executable, "-m", "emg_kg.cli"]
NAMES = ["UNDP", "agency:UNDP", "开发署", "UNDPX", "agency:UNDPX"]
#: mandates-for-body's body: a body's name, and the name of a convention (not a body)
BODIES = ["UNDP", "CBD"]
_AROUND = "/views/neighbourhood?entity=https%3A%2F%2Fw3id.org%2Femg-kg%2Fid%2F"
#: the home page, entity pages (an agency, the EMG: the corpus's hub), neighbourhoods, the
#: editor, search, the timeline and the two longest listings (a page of 500 rows each)
PAGES = [
    "/",
    "/id/agency/UNDP",
    "/id/body/EMG",
    _AROUND + "agency%2FUNDP",
    _AROUND + "body%2FEMG",
    "/editor",
    "/search?q=UNDP",
    "/timeline",
    "/queries/open-mandates",
    "/queries/mandates",
]


def timed(args: list[str]) -> dict[str, Any]:
    """One command in a fresh process: its wall seconds, exit code and the load average."""
    start = time.perf_counter()
    done = subprocess.run(args, cwd=ROOT, capture_output=True)
    seconds = round(time.perf_counter() - start, 2)
    return {"s": seconds, "exit": done.returncode, "load_avg_1m": round(os.getloadavg()[0], 2)}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def fetch(url: str, timeout: float) -> tuple[int, int]:
    """(status, bytes) of one GET."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as reply:
            return reply.status, len(reply.read())
    except urllib.error.HTTPError as err:
        return err.code, len(err.read())


def serve(store: str, timeout: float) -> dict[str, Any]:
    """Start ``serve``, time its first answer and every page twice, then stop it."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    args = [*CLI, "serve", "--store", store, "--port", str(port), "--quiet"]
    log = tempfile.TemporaryFile()  # the server's messages, shown if it exits
    server = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=log)
    out: dict[str, Any] = {}
    try:
        start = time.perf_counter()
        while True:
            if server.poll() is not None:
                log.seek(0)
                raise SystemExit(f"serve exited: {log.read().decode(errors='replace')[-500:]}")
            try:
                fetch(base + "/status", timeout)
                break
            except OSError:
                time.sleep(0.2)
        out["start_s"] = round(time.perf_counter() - start, 2)
        for page in PAGES:
            for turn in ("first", "again"):
                start = time.perf_counter()
                status, size = fetch(base + page, timeout)
                out[f"{page} ({turn})"] = {
                    "s": round(time.perf_counter() - start, 2),
                    "status": status,
                    "bytes": size,
                    "load_avg_1m": round(os.getloadavg()[0], 2),
                }
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--store", required=True, help="a loaded store directory")
    parser.add_argument("--json", type=Path, help="write the figures here too")
    parser.add_argument("--timeout", type=float, default=300, help="seconds per request")
    parser.add_argument("--no-serve", action="store_true", help="the commands only, not serve")
    args = parser.parse_args()
    figures: dict[str, Any] = {}
    for name in NAMES:
        figures[f"show {name}"] = timed([*CLI, "show", name, "--store", args.store])
    for body in BODIES:
        query = ["query", "mandates-for-body", "--param", f"body={body}", "--format", "csv"]
        row = f"query mandates-for-body body={body}"
        figures[row] = timed([*CLI, *query, "--store", args.store])
    if not args.no_serve:
        figures["serve"] = serve(args.store, args.timeout)
    text = json.dumps(figures, ensure_ascii=False, indent=1)
    print(text)
    if args.json:
        args.json.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
