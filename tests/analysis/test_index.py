"""The views' index (analysis/index.py) reads whatever store it is given through the store's
own whole-store walk: the same index from every store holding the same quads, and from a store
seen through one report, that report's graphs and the shared ones only."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from emg_kg.analysis.index import Index, load_index
from emg_kg.data.bulk import RdfFile
from emg_kg.data.diskstore import load_memory, load_store_dir, open_store_dir
from emg_kg.data.store import cached_nquads, open_store
from emg_kg.paths import Layout
from emg_kg.query.reports import report_view


def _graphs(index: Index) -> set[str]:
    return {g for graphs in index.links.values() for g in graphs}


def _plain(index: Index) -> tuple[object, ...]:
    """The index without the order its walk met things in."""
    return (
        {k: sorted(v) for k, v in index.links.items()},
        {k: sorted(v, key=str) for k, v in index.literals.items()},
        dict(index.types),
        dict(index.evidence),
        dict(index.supers),
        {k: sorted(v) for k, v in index.out.items()},
    )


def test_the_same_quads_give_the_same_index_on_every_store(layout: Layout, tmp_path: Path) -> None:
    """The cached store (no stored union), the in-memory and the on-disk loaded stores (each
    with its stored union, which the walk leaves out)."""
    item = RdfFile(cached_nquads(layout), ox.RdfFormat.N_QUADS, None)
    load_store_dir(tmp_path / "store", [item], None)
    plain = _plain(load_index(open_store(layout)))
    assert _plain(load_index(load_memory([item]))) == plain
    assert _plain(load_index(open_store_dir(tmp_path / "store", None))) == plain


def test_one_reports_index_holds_none_of_the_other_reports_graphs(two_reports: Layout) -> None:
    """``--report`` on the in-memory store: the index reads the report's view of the store, not
    the store underneath it (it once walked the wrapped store's every graph)."""
    view = report_view(open_store(two_reports), "test-second")
    graphs = _graphs(load_index(view))
    assert graphs and graphs <= view.graphs
    assert any("test-second" in g for g in graphs)
