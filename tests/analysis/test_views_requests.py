"""The bounded views ask an endpoint a few questions, not one per entity drawn: the whole view
of the shipped data draws 2,000 entities, and read one at a time (a quad pattern and the graphs
pointing to it each) it took about 4,000 HTTP requests. Counted where a real Virtuoso receives
them: a loopback HTTP relay in front of it, which forwards every request and counts it."""

from __future__ import annotations

import threading
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from test_views_from_engine import drawn

from emg_kg.analysis.bounded import view_of
from emg_kg.analysis.index import BATCH, load_index
from emg_kg.analysis.metrics import select
from emg_kg.query.remote import RemoteStore


class Relay(ThreadingHTTPServer):
    """Forwards each POST to ``target`` and counts it."""

    def __init__(self, target: str) -> None:
        super().__init__(("127.0.0.1", 0), _Forward)
        self.target, self.count, self.lock = target, 0, threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/sparql"


class _Forward(BaseHTTPRequestHandler):
    server: Relay

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        body = self.rfile.read(int(self.headers["Content-Length"]))
        with self.server.lock:
            self.server.count += 1
        headers = {k: self.headers[k] for k in ("Accept", "Content-Type") if self.headers[k]}
        request = urllib.request.Request(self.server.target, data=body, headers=headers)
        with urllib.request.urlopen(request, timeout=300) as reply:
            answer, kind = reply.read(), reply.headers.get("Content-Type", "")
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args: Any) -> None:  # quiet
        pass


@pytest.fixture
def relay(endpoint_store: RemoteStore) -> Iterator[Relay]:
    server = Relay(endpoint_store.url)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_the_whole_view_asks_the_endpoint_a_few_questions(relay: Relay, store: Any) -> None:
    expected = drawn(select(load_index(store), "whole", None, 1, 2_000))
    kept = len(expected[1])
    assert kept > BATCH  # more entities than one batch: a request each would show
    got = drawn(view_of(RemoteStore(relay.url), "whole", None, 1, 2_000))
    assert got == expected
    # the skeleton, the concept schemes, the class tree; the kept entities' quads, the graphs
    # pointing to them and their classes' quads: a request per batch of BATCH entities
    print(f"{relay.count} requests for {kept} entities")
    assert relay.count <= 12 + 3 * (kept // BATCH + 1), relay.count
