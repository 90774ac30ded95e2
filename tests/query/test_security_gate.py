"""Attacks on the query gate and the network wall (issue 8, CLI/API/worker side).

A loopback listener stands in for an internal service: it must never see a connection while
SERVICE is fuzzed through ``emg-kg query -``, the API and the endpoint's ``execute``; with the
gate bypassed, the wall alone must stop the engine from connecting. Also: deep nesting, the
SPARQL dataset rules (FROM / FROM NAMED and the protocol's graphs) and the update forms.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox
import pytest

from emg_kg.api import Engine, run
from emg_kg.errors import QueryError
from emg_kg.paths import Layout
from emg_kg.prefixes import PREFIXES
from emg_kg.query import gate
from emg_kg.query.gate import MAX_DEPTH, RefusedError, check
from emg_kg.query.registry import NamedQuery, parse_header
from emg_kg.web.jobs import Job
from emg_kg.web.sparql import execute

if TYPE_CHECKING:
    from conftest import Cli

ROOT = Path(__file__).resolve().parents[2]
FN12 = PREFIXES["fn"] + "12"


class Listener:
    """A loopback TCP listener counting the connections it accepts (port 0: a free port)."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self.hits = 0
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/sparql"

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.hits += 1
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self.thread.join(2)
        self.sock.close()


@pytest.fixture(scope="module")
def listener() -> Iterator[Listener]:
    ear = Listener()
    yield ear
    ear.close()
    assert ear.hits == 0, "something connected to the loopback listener"


def spellings(url: str) -> list[str]:
    """SERVICE as an attacker writes it: dots, semicolons, comments, escapes, case, nesting."""
    body = f"<{url}> {{ ?s ?p ?o }}"
    base = url.rsplit("/", 1)[0] + "/"
    return [
        f"SELECT * WHERE {{ ?x ?y ?z .SERVICE {body} }} LIMIT 1",
        f"SELECT * WHERE {{ ?x ?y ?z ;SERVICE {body} }}",
        f"SELECT * WHERE {{ ?x ?y ?z . \\u0053ERVICE {body} }}",
        f"SELECT * WHERE {{ \\U00000053\\u0045RVICE {body} }}",
        f"SELECT * WHERE {{ ser\\u0076ice {body} }}",
        f"select * where {{ service {body} }}",
        f"SELECT * WHERE {{ SeRvIcE#comment }}\n<{url}>{{?s ?p ?o}} }}",
        f"SELECT * WHERE {{ SERVICE<{url}>{{?s ?p ?o}} }}",
        f"SELECT * WHERE {{ SERVICE SILENT {body} }}",
        f"SELECT * WHERE {{ VALUES ?u {{ <{url}> }} SERVICE ?u {{ ?s ?p ?o }} }}",
        f"PREFIX h: <{base}> SELECT * WHERE {{ SERVICE h:sparql {{ ?s ?p ?o }} }}",
        f"PREFIX : <{base}> SELECT * WHERE {{ SERVICE:sparql {{ ?s ?p ?o }} }}",
        f"PREFIX : <{base}> SELECT * {{ \\u0073ervice:sparql#c\n{{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ ?a ?b ?c OPTIONAL {{ SERVICE {body} }} }}",
        f"SELECT * WHERE {{ {{ ?a ?b ?c }} UNION {{ SERVICE {body} }} }}",
        f"SELECT * WHERE {{ ?a ?b ?c MINUS {{ SERVICE {body} }} }}",
        f"SELECT * WHERE {{ {{ SELECT * WHERE {{ SERVICE {body} }} }} }}",
        f"SELECT * WHERE {{ ?a ?b ?c FILTER EXISTS {{ SERVICE {body} }} }}",
        f"SELECT * WHERE {{ ?a ?b ?c FILTER NOT EXISTS {{ SERVICE {body} }} }}",
        f"SELECT * WHERE {{ GRAPH ?g {{ {{ {{ SERVICE {body} }} }} }} }}",
        f"ASK {{ SERVICE {body} }}",
        f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ SERVICE {body} }}",
        f"DESCRIBE ?s WHERE {{ SERVICE {body} }}",
    ]


UPDATES = [
    ("INSERT DATA { <urn:a> <urn:b> <urn:c> }", "INSERT"),
    ("DELETE DATA { <urn:a> <urn:b> <urn:c> }", "DELETE"),
    ("DELETE WHERE { ?s ?p ?o }", "DELETE"),
    ("INSERT { ?s ?p ?o } WHERE { ?s ?p ?o }", "INSERT"),
    ("WITH <urn:g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }", "WITH"),
    ("LOAD <http://127.0.0.1:1/x.ttl>", "LOAD"),
    ("CLEAR ALL", "CLEAR"),
    ("CREATE GRAPH <urn:g>", "CREATE"),
    ("DROP GRAPH <urn:g>", "DROP"),
    ("COPY DEFAULT TO <urn:g>", "COPY"),
    ("MOVE <urn:a> TO <urn:g>", "MOVE"),
    ("ADD <urn:a> TO <urn:g>", "ADD"),
    ("SELECT * WHERE { ?s ?p ?o } ;\n\\u0049NSERT DATA { <urn:a> <urn:b> <urn:c> }", "INSERT"),
]


def adhoc(text: str) -> NamedQuery:
    """Ad-hoc SPARQL as ``emg-kg query -`` reads it (with the project's prefixes)."""
    return parse_header("-", text)


# --- the gate: SERVICE and updates, through every path -------------------------------------


def test_service_spellings_are_refused_by_gate_api_and_endpoint(
    listener: Listener, oxigraph: Engine, store: ox.Store, layout: Layout
) -> None:
    for text in spellings(listener.url):
        with pytest.raises(RefusedError, match="SERVICE"):
            check(text, prefixes=dict(PREFIXES))
        with pytest.raises(RefusedError, match="SERVICE"):
            run(oxigraph, parse_header("-", text))
        reply = execute(store, layout, Job(text=text))
        assert reply.status == 403 and b"SERVICE" in reply.body, (text, reply.body)
    assert listener.hits == 0


def test_the_parser_alone_finds_service_at_any_depth(listener: Listener) -> None:
    """The lexer is one wall; the parse tree and algebra walk is the other."""
    for text in spellings(listener.url):
        with pytest.raises(RefusedError, match="SERVICE"):
            gate.parse_verdict(text, "q", dict(PREFIXES))


def test_service_spellings_are_refused_by_the_cli(cli: Cli, listener: Listener) -> None:
    for text in spellings(listener.url)[:8]:
        result = cli("query", "-", stdin=text)
        assert result.returncode == 2, (text, result.stderr)
        assert "refused: SERVICE" in result.stderr and "Traceback" not in result.stderr
    assert listener.hits == 0


@pytest.mark.parametrize(("text", "word"), UPDATES, ids=[w for _, w in UPDATES])
def test_update_forms_are_refused(
    text: str, word: str, store: ox.Store, layout: Layout, oxigraph: Engine
) -> None:
    with pytest.raises(RefusedError, match=f"refused: {word}"):
        check(text)
    with pytest.raises(RefusedError):
        run(oxigraph, parse_header("-", text))
    assert execute(store, layout, Job(text=text)).status == 403


def test_update_refused_by_the_cli(cli: Cli) -> None:
    result = cli("query", "-", stdin="CLEAR ALL")
    assert result.returncode == 2 and "refused: CLEAR" in result.stderr


def test_service_as_a_word_in_strings_iris_and_names_is_allowed(oxigraph: Engine) -> None:
    text = (
        "PREFIX ex: <urn:ex:> PREFIX service: <urn:s:> SELECT ?service WHERE { "
        'BIND("SERVICE <http://127.0.0.1:1/> {}" AS ?service) '
        "OPTIONAL { ?service <urn:x/SERVICE> ?o ; ex:a.service ?p ; service:x ?q } "
        "OPTIONAL { GRAPH service:g { ?service ?a ?b } } } # SERVICE"
    )
    assert check(text).kind == "select"
    assert len(run(oxigraph, parse_header("-", text))) == 1


# --- nesting depth --------------------------------------------------------------------------


DEEP = {
    "braces": "SELECT * WHERE " + "{ " * 3000 + "}" * 3000,
    "parentheses": "SELECT * WHERE { FILTER(" + "(" * 3000 + "1" + ")" * 3000 + ") }",
    "brackets": "SELECT * WHERE { ?s ?p " + "[ ?p " * 3000 + "?o" + " ]" * 3000 + " }",
}


@pytest.mark.parametrize("deep", DEEP.values(), ids=DEEP.keys())
def test_deep_nesting_is_a_clear_error(
    cli: Cli, deep: str, store: ox.Store, layout: Layout
) -> None:
    with pytest.raises(QueryError, match=f"nested .* the limit is {MAX_DEPTH}"):
        check(deep)
    reply = execute(store, layout, Job(text=deep))
    assert reply.status == 400 and b"nested" in reply.body
    result = cli("query", "-", stdin=deep)
    assert result.returncode == 2 and "nested" in result.stderr, result.stderr[-500:]


def test_nesting_at_the_limit_still_runs(oxigraph: Engine) -> None:
    depth = MAX_DEPTH - 2  # SELECT's own braces and the FILTER's parentheses count too
    text = "SELECT * WHERE { FILTER(" + "(" * depth + "true" + ")" * depth + ") }"
    assert len(run(oxigraph, parse_header("-", text))) == 1
    braces = "SELECT * WHERE " + "{ " * MAX_DEPTH + "BIND(1 AS ?x)" + " }" * MAX_DEPTH
    with pytest.raises(QueryError, match="nested"):
        check(braces)  # BIND's parentheses make it one deeper
    braces = "SELECT * WHERE " + "{ " * (MAX_DEPTH - 1) + "BIND(1 AS ?x)" + " }" * (MAX_DEPTH - 1)
    assert len(run(oxigraph, parse_header("-", braces))) == 1


# --- the dataset rules ----------------------------------------------------------------------


def _count(reply_body: bytes) -> int:
    import json

    return len(json.loads(reply_body)["results"]["bindings"])


def test_from_selects_the_default_graph(oxigraph: Engine) -> None:
    graph = run(oxigraph, adhoc("SELECT ?s ?p ?o WHERE { GRAPH fn:12 { ?s ?p ?o } }"))
    source = run(oxigraph, adhoc("SELECT ?s ?p ?o FROM fn:12 WHERE { ?s ?p ?o }"))
    union = run(oxigraph, adhoc("SELECT ?s ?p ?o WHERE { ?s ?p ?o }"))
    assert len(graph) == 15
    assert sorted(map(str, source.rows)) == sorted(map(str, graph.rows))
    assert len(union) > 6000, "with no FROM the default graph stays the union"


def test_from_named_alone_leaves_an_empty_default_graph(oxigraph: Engine) -> None:
    text = "SELECT DISTINCT ?g FROM NAMED fn:12 WHERE { GRAPH ?g { ?s ?p ?o } }"
    assert [r[0].value for r in run(oxigraph, adhoc(text)).rows] == [FN12]  # type: ignore[union-attr]
    assert len(run(oxigraph, adhoc("SELECT * FROM NAMED fn:12 WHERE { ?s ?p ?o }"))) == 0


def test_unknown_graph_is_a_clear_error(
    cli: Cli, store: ox.Store, layout: Layout, oxigraph: Engine
) -> None:
    text = "SELECT * FROM <http://127.0.0.1:1/data.ttl> WHERE { ?s ?p ?o }"
    with pytest.raises(QueryError, match="no graph <http://127.0.0.1:1/data.ttl>"):
        run(oxigraph, adhoc(text))
    reply = execute(store, layout, Job(text=text))
    assert reply.status == 400 and b"no graph" in reply.body
    result = cli("query", "-", stdin=text)
    assert result.returncode == 2 and "no graph" in result.stderr
    reply = execute(store, layout, Job(text="SELECT * { ?s ?p ?o }", named_graphs=["urn:nope"]))
    assert reply.status == 400 and b"no graph <urn:nope>" in reply.body


def test_protocol_graphs_override_the_query(store: ox.Store, layout: Layout) -> None:
    text = "SELECT * FROM fn:13 WHERE { ?s ?p ?o }"
    reply = execute(store, layout, Job(text=text, table=True, default_graph=[FN12]))
    assert reply.status == 200 and _count(reply.body) == 15
    text = "SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    reply = execute(store, layout, Job(text=text, table=True, named_graphs=[FN12]))
    assert reply.status == 200 and _count(reply.body) == 15
    # the whole union is larger than the default row limit since the BIP files (issue 9)
    reply = execute(store, layout, Job(text="SELECT * { ?s ?p ?o }", table=True, max_rows=10**6))
    assert _count(reply.body) > 6000


def test_from_on_rdflib_is_refused(rdflib_engine: Engine) -> None:
    with pytest.raises(QueryError, match="FROM"):
        run(rdflib_engine, adhoc("SELECT * FROM fn:12 WHERE { ?s ?p ?o }"))


# --- the wall alone (gate bypassed) ---------------------------------------------------------

_BYPASS = """
import sys
import emg_kg.query.gate, emg_kg.query.run, emg_kg.query.sandbox
emg_kg.query.run.check = lambda *a, **k: emg_kg.query.gate.Verdict()  # the gate, bypassed
if sys.argv[1] == "no-wall":
    emg_kg.query.sandbox.wall = lambda *a, **k: None
from emg_kg.cli import main

sys.argv = ["emg-kg", "query", "-"]
sys.exit(main())  # as the program: main([...]) in a host process leaves its network alone
"""


def test_the_wall_alone_stops_the_cli_engine(listener: Listener) -> None:
    """With the gate bypassed, ``emg-kg query -`` still cannot reach the listener; without the
    wall the same run does connect (so this test can fail)."""
    text = f"SELECT * WHERE {{ SERVICE <{listener.url}> {{ ?s ?p ?o }} }}"
    walled = subprocess.run(
        [sys.executable, "-c", _BYPASS, "wall"], input=text, capture_output=True, text=True
    )
    assert walled.returncode == 2 and "Traceback" not in walled.stderr, walled.stderr
    assert listener.hits == 0
    ear = Listener()
    try:
        text = f"SELECT * WHERE {{ SERVICE SILENT <{ear.url}> {{ ?s ?p ?o }} }}"
        subprocess.run(
            [sys.executable, "-c", _BYPASS, "no-wall"],
            input=text,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert ear.hits >= 1, "without the wall Oxigraph connects: the probe works"
    finally:
        ear.close()


def test_pool_workers_are_gated_and_walled(listener: Listener, layout: Layout) -> None:
    """A real worker: its own network namespace, SERVICE refused (403), FROM honoured."""
    from emg_kg.data.store import cached_nquads
    from emg_kg.web.pool import QueryPool

    pool = QueryPool(cached_nquads(layout), layout.root, size=1, timeout=30)
    try:
        [worker] = pool.status()["workers"]
        ours = os.readlink("/proc/self/ns/net")
        assert os.readlink(f"/proc/{worker['pid']}/ns/net") != ours
        for text in spellings(listener.url)[:5]:
            reply = pool.run(Job(text=text))
            assert reply.status == 403 and b"SERVICE" in reply.body
        reply = pool.run(Job(text="SELECT * FROM fn:12 WHERE { ?s ?p ?o }", table=True))
        assert reply.status == 200 and _count(reply.body) == 15
    finally:
        pool.close()
    assert listener.hits == 0


def test_the_wall_alone_stops_a_worker_process(listener: Listener) -> None:
    """A process that called :func:`emg_kg.query.sandbox.wall` (as every worker does) runs SERVICE
    straight on Oxigraph, with no gate: the connection fails and the listener sees nothing."""
    code = (
        "import sys, pyoxigraph as ox\n"
        "from emg_kg.query.sandbox import wall\n"
        "wall('test worker')\n"
        f"q = 'SELECT * WHERE {{ SERVICE <{listener.url}> {{ ?s ?p ?o }} }}'\n"
        "try:\n"
        "    list(ox.Store().query(q))\n"
        "except Exception as err:\n"
        "    print(type(err).__name__, err)\n"
        "    sys.exit(3)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 3, result.stdout + result.stderr
    assert listener.hits == 0


def test_without_a_sandbox_workers_warn_or_refuse(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Where unshare is forbidden (simulated: the platform is the one thing not here), a worker
    warns and relies on the gate; with EMG_KG_REQUIRE_SANDBOX=1 it refuses to run (exit 2)."""
    from emg_kg.query import sandbox

    monkeypatch.setattr(sandbox, "cut_network", lambda: "unshare(net): Operation not permitted")
    monkeypatch.delenv("EMG_KG_REQUIRE_SANDBOX", raising=False)
    sandbox.wall("query worker")
    assert "keeps its network access (unshare(net)" in capsys.readouterr().err
    monkeypatch.setenv("EMG_KG_REQUIRE_SANDBOX", "1")
    with pytest.raises(SystemExit) as stop:
        sandbox.wall("query worker")
    assert stop.value.code == 2 and "refusing to run" in capsys.readouterr().err


def test_main_called_in_a_host_process_leaves_its_network_alone(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """``main([...])`` inside another program (a notebook, these tests) must not cut that
    program's network: only the ``emg-kg`` process itself is walled."""
    from emg_kg.cli import main

    before = os.readlink("/proc/self/ns/net")
    assert main(["query", "aichi-targets", "--format", "csv"]) == 0
    assert os.readlink("/proc/self/ns/net") == before
    assert capsys.readouterr().out.startswith("goal,")
