"""`emg-kg load`: a persistent store is swapped in whole or not at all and refuses stale data;
an endpoint is loaded graph by graph, never doubled, and a failed load resumes; user RDF
files are loaded with ours and a bad one is named with its line."""

from __future__ import annotations

import urllib.request
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox
import pytest

from emg_kg.data.bulk import rdf_file
from emg_kg.data.diskstore import MARKER, load_store_dir, open_store_dir, read_marker
from emg_kg.errors import EmgKgError, SourceError
from emg_kg.paths import Layout
from emg_kg.query.loader import MANIFEST, curated_files, load_endpoint
from emg_kg.query.remote import RemoteStore, opener_for

if TYPE_CHECKING:
    from conftest import Cli

USER_TTL = """@prefix ex: <https://example.org/other-report/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
ex:para-1 skos:prefLabel "Another report, paragraph 1"@en .
"""


def test_load_then_query_the_store(cli: Cli, tmp_path: Path, store: ox.Store) -> None:
    target = tmp_path / "kg"
    done = cli("load", "--store", str(target))
    assert done.returncode == 0, done.stderr
    assert f"loaded {len(store)} quads" in done.stdout
    marker = read_marker(target)
    assert marker is not None and marker["quads"] == len(store)
    answer = cli("query", "organizations", "--store", str(target), "--format", "csv")
    memory = cli("query", "organizations", "--format", "csv")
    assert answer.returncode == 0, answer.stderr
    assert answer.stdout == memory.stdout and answer.stdout.count("\n") > 50
    shown = cli("show", "agency:UNDP", "--store", str(target))
    assert shown.returncode == 0 and "开发署" in shown.stdout


def test_user_rdf_is_loaded_in_its_own_graph(tmp_path: Path, layout: Layout) -> None:
    user = tmp_path / "other.ttl"
    user.write_text(USER_TTL, encoding="utf-8")
    target = tmp_path / "kg"
    files, curated = curated_files(layout)
    load_store_dir(target, [*files, rdf_file(user)], curated)
    kg = open_store_dir(target, layout)
    graph = ox.NamedNode(user.resolve().as_uri())
    quads = list(kg.quads_for_pattern(None, None, None, graph))
    assert len(quads) == 1 and quads[0].object.value == "Another report, paragraph 1"
    named = rdf_file(user, "https://example.org/other-report/graph")
    assert named.graph == ox.NamedNode("https://example.org/other-report/graph")


def test_a_bad_file_names_its_line_and_keeps_the_old_store(
    cli: Cli, tmp_path: Path, layout: Layout
) -> None:
    target = tmp_path / "kg"
    files, curated = curated_files(layout)
    load_store_dir(target, files, curated)
    before = (target / MARKER).read_bytes()
    bad = tmp_path / "bad.ttl"
    bad.write_text(USER_TTL + "ex:x ex:y .\n", encoding="utf-8")
    with pytest.raises(SourceError) as err:
        load_store_dir(target, [*files, rdf_file(bad)], curated)
    assert err.value.path == bad and err.value.line == 4
    assert (target / MARKER).read_bytes() == before, "the old store is untouched"
    assert len(open_store_dir(target, layout)) > 6000
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
    done = cli("load", "--store", str(tmp_path / "other"), str(bad))
    assert done.returncode == 2 and f"{bad}:4:" in done.stderr and "Traceback" not in done.stderr


def test_a_half_loaded_or_stale_store_is_refused(tmp_path: Path, copy_layout: Layout) -> None:
    half = tmp_path / "half"
    half.mkdir()
    (half / "CURRENT").write_text("x")
    with pytest.raises(EmgKgError, match="not a finished emg-kg store"):
        open_store_dir(half, copy_layout)
    with pytest.raises(EmgKgError, match="refusing to replace"):
        load_store_dir(half, [], None)
    with pytest.raises(EmgKgError, match="no store there"):
        open_store_dir(tmp_path / "none", copy_layout)
    target = tmp_path / "kg"
    files, curated = curated_files(copy_layout)
    load_store_dir(target, files, curated)
    data = copy_layout.data_files()[0]
    data.write_text(data.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    with pytest.raises(EmgKgError, match="older curated data"):
        open_store_dir(target, copy_layout)


def test_a_killed_load_leaves_nothing_that_is_opened(tmp_path: Path, layout: Layout) -> None:
    """A load killed half-way leaves only its hidden temporary directory; the next load
    removes it and the store opens."""
    leftover = tmp_path / ".kg.loading-123"
    leftover.mkdir()
    (leftover / "000001.sst").write_bytes(b"half")
    target = tmp_path / "kg"
    files, curated = curated_files(layout)
    load_store_dir(target, files, curated)
    assert not leftover.exists()
    assert len(open_store_dir(target, layout)) > 6000


def test_load_needs_a_target(cli: Cli) -> None:
    done = cli("load")
    assert done.returncode == 2 and "--store DIR or --endpoint URL" in done.stderr


def test_endpoint_load_is_idempotent_and_resumes(
    virtuoso: Any, layout: Layout, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key, value in virtuoso.env().items():
        monkeypatch.setenv(key, value)
    user = tmp_path / "other.ttl"
    user.write_text(USER_TTL, encoding="utf-8")
    files, _ = curated_files(layout)
    files = [*files, rdf_file(user, "https://example.org/other-report/graph")]
    remote = RemoteStore(virtuoso.url)
    first = load_endpoint(virtuoso.url, virtuoso.graph_store, files, lambda _m: None, force=True)
    count = len(remote)
    assert count == first.quads and first.sent == first.graphs
    again = load_endpoint(virtuoso.url, virtuoso.graph_store, files, lambda _m: None)
    assert again.sent == 0 and again.skipped == again.graphs and len(remote) == count
    forced = load_endpoint(virtuoso.url, virtuoso.graph_store, files, lambda _m: None, force=True)
    assert forced.sent == forced.graphs and len(remote) == count, "replaced, never doubled"
    # a failure half-way: the graph store refuses (no credentials); the message says how to go on.
    # The first request refused is the manifest's: over the Graph Store Protocol the record of
    # the changed graph is taken out before the graph is sent (loader module docstring)
    user.write_text(USER_TTL.replace("paragraph 1", "paragraph one"), encoding="utf-8")
    monkeypatch.delenv("EMG_KG_ENDPOINT_PASSWORD")
    with pytest.raises(EmgKgError, match="run the same command again to resume") as err:
        load_endpoint(virtuoso.url, virtuoso.graph_store, files, lambda _m: None)
    assert "HTTP 401" in str(err.value) and "load-manifest" in str(err.value)
    monkeypatch.setenv("EMG_KG_ENDPOINT_PASSWORD", virtuoso.env()["EMG_KG_ENDPOINT_PASSWORD"])
    resumed = load_endpoint(virtuoso.url, virtuoso.graph_store, files, lambda _m: None)
    assert resumed.sent == 1 and resumed.skipped == resumed.graphs - 1
    labels = remote.query("SELECT ?l WHERE { <https://example.org/other-report/para-1> ?p ?l }")
    assert [r[0].value for r in labels] == ["Another report, paragraph one"]  # type: ignore[union-attr, index]
    manifest = list(remote.quads_for_pattern(None, None, None, ox.NamedNode(MANIFEST)))
    assert len(manifest) == resumed.graphs
    # leave the endpoint as the engine-equivalence tests expect it: the curated data only
    graph = "https://example.org/other-report/graph"
    req = urllib.request.Request(f"{virtuoso.graph_store}?graph={graph}", method="DELETE")
    opener_for(virtuoso.graph_store).open(req).close()
    assert len(remote) == count - 1


def test_endpoint_commands_and_credentials_from_the_environment(cli: Cli, virtuoso: Any) -> None:
    done = cli("stats", "--endpoint", virtuoso.url, "--format", "json")
    assert done.returncode == 0, done.stderr
    assert '"quads": ' in done.stdout
    bad = cli("query", "organizations", "--endpoint", "http://127.0.0.1:9/sparql")
    assert bad.returncode == 2 and "cannot reach the endpoint" in bad.stderr
    # the password is never an option
    assert "password" not in cli("load", "--help").stdout.lower().replace("_password", "")


def test_the_store_default_graph_is_a_set_union(tmp_path: Path) -> None:
    """A fact restated in many graphs is one fact to a query (RDF merge, as rdflib answers);
    counts and whole-store reads see the quads as loaded."""
    quads, ex = tmp_path / "restated.nq", "https://example.org/"
    quads.write_text(
        "".join(f'<{ex}UNDP> <{ex}name> "UNDP" <{ex}g{i}> .\n' for i in range(5)),
        encoding="utf-8",
    )
    target = tmp_path / "kg"
    load_store_dir(target, [rdf_file(quads)], None)
    kg = open_store_dir(target, None)
    rows = list(kg.query("SELECT ?n WHERE { <https://example.org/UNDP> ?p ?n }"))
    assert len(rows) == 1
    graphs = list(kg.query("SELECT ?g WHERE { GRAPH ?g { ?s ?p ?n } }"))
    assert len(graphs) == 5
    assert len(kg) == 5 and len(list(kg.quads_for_pattern(None, None, None))) == 5
    assert len(list(kg.named_graphs())) == 5


def test_the_api_opens_a_store(tmp_path: Path, layout: Layout) -> None:
    from emg_kg.api import load

    target = tmp_path / "kg"
    files, curated = curated_files(layout)
    load_store_dir(target, files, curated)
    rows = load(store=str(target)).query("organizations")
    assert rows == load().query("organizations") and len(rows) > 50
