"""`emg-kg load --endpoint` by SPARQL Update, many graphs per request, on a real Virtuoso.

Each graph must come back exactly as Oxigraph holds it (language tags, datatypes, escapes,
Chinese text, SPARQL's own punctuation inside literals, blank nodes, a graph cut in pieces);
a load killed with SIGKILL half-way must resume to what one clean load leaves; loading twice
must not double anything. A private server (tests/virtuoso.py) so that the session's shared one
keeps the curated data only.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest

from emg_kg.data.bulk import RdfFile, rdf_file
from emg_kg.errors import EmgKgError
from emg_kg.paths import Layout
from emg_kg.query.loader import FLUSH, _manifest, _payloads, _stage, curated_files, load_endpoint
from emg_kg.query.remote import RemoteStore

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from virtuoso import credentials, running  # noqa: E402  (tests/virtuoso.py)

EX = "https://example.org/ld/"
XSD = "http://www.w3.org/2001/XMLSchema#"
DURATION = f"{XSD}duration"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    with running(tmp_path_factory.mktemp("ld-virtuoso")) as started, credentials(started):
        yield started


def _lit(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def user_corpus(path: Path, version: str, graphs: int = 120) -> RdfFile:
    """N-Quads that try the literal syntax: every graph small, one big, one with blank nodes,
    one with a duration (which Virtuoso refuses in INSERT DATA)."""
    lines = []
    for i in range(graphs):
        g, s = f"<{EX}g{i}>", f"<{EX}s{i}>"
        objects = [
            _lit(f"开发署 第{i}段 {version}") + "@zh",
            _lit(f'say "hi" \\ back\nline\t{i} {version}') + "@en-GB",
            f'"{i}"^^<{XSD}integer>',
            f'"2013-0{1 + i % 9}-01"^^<{XSD}date>',
            _lit("} ; . GRAPH <" + EX + "x> { " + f" ''' \"\"\" # not a comment {version}"),
            _lit(f"emoji 😀 {version}") + "^^<https://example.org/ld/dt>",
            f"<{EX}o{i}>",
        ]
        lines += [f"{s} <{EX}p{n}> {o} {g} .\n" for n, o in enumerate(objects)]
    big = f"<{EX}big>"
    long = "长文本 " * 40
    lines += [f'<{EX}b{n}> <{EX}text> "{long}{n} {version}"@zh {big} .\n' for n in range(200)]
    blank = f"<{EX}blank>"
    lines += [
        f"<{EX}s> <{EX}p> _:a {blank} .\n",
        f"_:a <{EX}p> _:b {blank} .\n",
        f'_:b <{EX}name> "b {version}" {blank} .\n',
        f'<{EX}s> <{EX}span> "P1Y"^^<{DURATION}> <{EX}duration> .\n',
        f'<{EX}s> <{EX}name> "with a duration {version}" <{EX}duration> .\n',
    ]
    path.write_text("".join(lines), encoding="utf-8")
    return rdf_file(path)


def _canonical(quad: ox.Quad) -> str:
    """A quad as text, blank nodes as ``_:b`` (their labels are the engine's); a duration as
    its datatype only (Virtuoso stores "P1Y" as 12 months on every path: docs/engines.md)."""
    obj = quad.object
    if isinstance(obj, ox.Literal) and obj.datatype.value == DURATION:
        obj = ox.Literal("(a duration)", datatype=obj.datatype)
    terms = [quad.subject, quad.predicate, obj]
    return " ".join("_:b" if isinstance(t, ox.BlankNode) else str(t) for t in terms)


def _graphs(store: Any, names: list[str]) -> dict[str, list[str]]:
    return {
        name: sorted(
            _canonical(q) for q in store.quads_for_pattern(None, None, None, ox.NamedNode(name))
        )
        for name in names
    }


def _expected(files: list[RdfFile]) -> tuple[dict[str, list[str]], dict[str, str]]:
    """Each graph's quads as Oxigraph holds them, and each graph's content hash."""
    staged, names = _stage(files)
    return _graphs(staged, names), {p.name: p.digest for p in _payloads(staged, names)}


def test_every_graph_comes_back_as_oxigraph_holds_it(
    server: Any, layout: Layout, tmp_path: Path
) -> None:
    files = [*curated_files(layout)[0], user_corpus(tmp_path / "user.nq", "v1")]
    expected, _ = _expected(files)
    done = load_endpoint(
        server.url, None, files, lambda _m: None, update=server.update, limit=65536
    )
    assert done.sent == done.graphs == len(expected) > 300
    assert done.requests < done.graphs / 2, "many graphs per request"
    remote = RemoteStore(server.url)
    got = _graphs(remote, list(expected))
    assert {g for g in expected if got[g] != expected[g]} == set()
    assert len(expected[f"{EX}big"]) == 200 and len(expected[f"{EX}blank"]) == 3
    chain = remote.query(f"ASK {{ <{EX}s> <{EX}p> ?a . ?a <{EX}p> ?b . ?b <{EX}name> ?n }}")
    assert chain is True, "the blank nodes keep the graph's structure"
    # idempotent: loading again, forced, replaces every graph and doubles nothing
    count = len(remote)
    again = load_endpoint(
        server.url, None, files, lambda _m: None, force=True, update=server.update
    )
    assert again.sent == again.graphs and len(remote) == count
    assert _graphs(remote, list(expected)) == got
    unchanged = load_endpoint(server.url, None, files, lambda _m: None, update=server.update)
    assert unchanged.sent == 0 and unchanged.skipped == unchanged.graphs
    assert unchanged.requests == 0 and len(remote) == count


def _cli(server: Any, graph_store: bool = False) -> list[str]:
    how = ["--graph-store", server.graph_store] if graph_store else ["--update", server.update]
    return ["load", "--no-curated", "--endpoint", server.url, *how]


def _kill_half_way(args: list[str], first: int) -> None:
    """Run `emg-kg ARGS` and SIGKILL it when its progress shows at least ``first`` graphs
    loaded, and not all."""
    child = subprocess.Popen(
        [sys.executable, "-m", "emg_kg.cli", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ),
    )
    assert child.stderr is not None
    for line in child.stderr:
        step = re.match(r"\s+(\d+)/(\d+) graphs", line)
        if step and first <= int(step[1]) < int(step[2]):
            os.kill(child.pid, signal.SIGKILL)
            break
    child.wait()
    assert child.returncode == -signal.SIGKILL, "killed half-way, not finished"


def test_a_killed_load_resumes_to_a_clean_load(server: Any, tmp_path: Path) -> None:
    """SIGKILL in the middle of a real `emg-kg load`; the manifest never claims a graph holds
    what it does not; the same command again sends the rest and no more."""
    old, new = tmp_path / "old.nq", tmp_path / "new.nq"
    v1 = [user_corpus(old, "v1", graphs=300)]
    v2 = [user_corpus(new, "v2", graphs=300)]
    load_endpoint(server.url, None, v1, lambda _m: None, update=server.update)
    want1, hash1 = _expected(v1)
    want2, hash2 = _expected(v2)
    names = sorted(want2)
    _kill_half_way([*_cli(server), "--batch-bytes", "2048", str(new)], first=1)
    remote = RemoteStore(server.url)
    records = _manifest(remote)
    got = _graphs(remote, names)
    new_done = [g for g in names if records.get(g) == {hash2[g]}]
    old_left = [g for g in names if records.get(g) == {hash1[g]}]
    assert 0 < len(new_done) < len(names) and old_left, "half-way: both versions recorded"
    assert all(got[g] == want2[g] for g in new_done), "a record names what its graph holds"
    assert all(got[g] == want1[g] for g in old_left)
    resumed = load_endpoint(server.url, None, v2, lambda _m: None, update=server.update)
    assert resumed.skipped == len(new_done) and resumed.sent == len(names) - len(new_done)
    assert _graphs(remote, names) == want2
    assert {g: h for g, h in _manifest(remote).items() if g in hash2} == {
        g: {h} for g, h in hash2.items()
    }
    again = load_endpoint(server.url, None, v2, lambda _m: None, update=server.update)
    assert again.sent == 0


def test_a_killed_graph_store_load_resumes_too(server: Any, tmp_path: Path) -> None:
    """Over the Graph Store Protocol the records of the graphs about to change are taken out
    first and the new ones appended every 200 graphs: killed after the first 200, those are
    skipped, the rest sent, and no record ever names content its graph does not hold."""
    v1 = [user_corpus(tmp_path / "old.nq", "v4", graphs=600)]
    new = tmp_path / "new.nq"
    v2 = [user_corpus(new, "v5", graphs=600)]
    load_endpoint(server.url, server.graph_store, v1, lambda _m: None)
    want2, hash2 = _expected(v2)
    names = sorted(want2)
    _kill_half_way([*_cli(server, graph_store=True), str(new)], first=FLUSH + 10)
    remote = RemoteStore(server.url)
    records = {g: h for g, h in _manifest(remote).items() if g in hash2}
    assert FLUSH <= len(records) < len(names)
    assert all(h == {hash2[g]} for g, h in records.items()), "only the new version recorded"
    got = _graphs(remote, list(records))
    assert all(got[g] == want2[g] for g in records), "a record names what its graph holds"
    resumed = load_endpoint(server.url, server.graph_store, v2, lambda _m: None)
    assert resumed.skipped == len(records) and resumed.sent == len(names) - len(records)
    assert _graphs(remote, names) == want2


def test_a_refused_update_says_what_to_do(server: Any, tmp_path: Path) -> None:
    """The read-only endpoint (Virtuoso's /sparql) refuses updates: the message names the
    graphs, says how many are loaded and how to go on; nothing is recorded for them."""
    files = [user_corpus(tmp_path / "other.nq", "v3", graphs=5)]
    with pytest.raises(EmgKgError) as err:
        load_endpoint(server.url, None, files, lambda _m: None, update=server.url)
    message = str(err.value)
    assert "--update URL" in message and "without --update" in message
    assert "run the same command again to resume" in message and "HTTP" in message
    records = _manifest(RemoteStore(server.url))
    _, hashes = _expected(files)
    assert not any(records.get(g) == {h} for g, h in hashes.items())


def test_triples_outside_a_named_graph_are_refused_before_anything_is_sent(
    tmp_path: Path,
) -> None:
    """An engine's default graph may be the union of all graphs: emptying it to replace it
    could empty the endpoint, so such triples go only over the Graph Store Protocol."""
    path = tmp_path / "default.nq"
    path.write_text(f'<{EX}s> <{EX}p> "no graph" .\n', encoding="utf-8")
    url = "http://127.0.0.1:9/sparql"
    with pytest.raises(EmgKgError, match="without --update") as err:
        load_endpoint(url, None, [rdf_file(path)], lambda _m: None, update=url)
    assert "resume" not in str(err.value), "nothing was sent, nothing to resume"
