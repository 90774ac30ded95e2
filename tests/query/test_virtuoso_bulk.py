"""Virtuoso's own bulk loader keeps every graph of an N-Quads file.

`bench/corpus_rows.py --bulk` loads millions of quads with Virtuoso's bulk loader (isql
``ld_dir``, ``rdf_loader_run``) instead of the Graph Store Protocol graph by graph, which takes
minutes at that size; its comparison is only worth something if the loader puts every quad in
the graph the file names. Checked here on the shipped dataset's N-Quads, against Oxigraph.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pyoxigraph as ox

from emg_kg.data.bulk import bulk_load
from emg_kg.paths import Layout
from emg_kg.query.engines import OxigraphEngine
from emg_kg.query.loader import curated_files
from emg_kg.query.registry import get_query
from emg_kg.query.remote import RemoteStore
from emg_kg.query.run import run

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from virtuoso import running  # noqa: E402  (tests/virtuoso.py)

PER_GRAPH = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"


def _counts(engine: OxigraphEngine) -> dict[str, int]:
    rows = engine.execute(PER_GRAPH, "per-graph", {}).rows
    return {r[0].value: int(r[1].value) for r in rows}  # type: ignore[union-attr]


def test_the_bulk_loader_keeps_every_graph(layout: Layout, tmp_path: Path) -> None:
    (item,), _ = curated_files(layout)
    data = tmp_path / "data"  # a directory the server is told it may read
    data.mkdir()
    path = data / "dataset.nq"
    shutil.copyfile(item.path, path)
    store = ox.Store()
    bulk_load(store, item)
    expected = _counts(OxigraphEngine(store))
    assert len(expected) > 100  # the report's paragraph and footnote graphs, at least
    (tmp_path / "v").mkdir()
    with running(tmp_path / "v", dirs=(data,)) as server:
        assert server.bulk_load(path) == "2 NULL"  # the file's state: done, no error
        virtuoso = OxigraphEngine(RemoteStore(server.url))
        got = _counts(virtuoso)
        assert {g: got.get(g) for g in expected} == expected
        query = get_query(layout, "figures")
        ours = run(OxigraphEngine(store), query, {}).rows
        theirs = run(virtuoso, query, {}).rows
        assert ours and sorted(map(str, theirs)) == sorted(map(str, ours))
