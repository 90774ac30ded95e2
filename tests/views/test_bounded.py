"""The whole-graph view bounded at scale (issue 10): above the node limit the page draws the most
connected entities and says how many it left out and where to see them; under it (the shipped
report) nothing changes. The corpus is bench/corpus.py's: the shipped dataset and two copies as
further reports, loaded as `emg-kg load --store` does (the default graph is the stored union).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import networkx as nx
import pyoxigraph as ox
import pytest

from emg_kg.analysis.metrics import load_index, neighbourhood, select
from emg_kg.analysis.projection import Index, whole
from emg_kg.data.diskstore import RdfFile, load_store_dir, open_store_dir
from emg_kg.prefixes import PREFIXES
from emg_kg.views import WHOLE_LIMIT
from emg_kg.views.viz import page_data, write_view

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pages import check_page  # noqa: E402 (tests/views/pages.py)
from test_viz import index, open_page  # noqa: E402, F401 (fixtures)

ROOT = Path(__file__).resolve().parents[2]
#: The corpus's whole graph is drawn as this many entities (it has about twice as many).
SMALL = 400


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    sys.path.insert(0, str(ROOT / "bench"))
    from corpus import copy_of, template

    lines = template()
    path = tmp_path_factory.mktemp("corpus") / "corpus.nq"
    copies = [line for k in (1, 2) for line in copy_of(lines, k)]
    path.write_text("\n".join([*lines, *copies]) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def corpus_index(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Index:
    target = tmp_path_factory.mktemp("corpus-store") / "store"
    load_store_dir(target, [RdfFile(corpus, ox.RdfFormat.N_QUADS, None)], None)
    return load_index(open_store_dir(target, None))


def test_the_shipped_whole_graph_stays_whole_under_the_default_limit(
    index: Index,  # noqa: F811
    tmp_path: Path,
) -> None:
    bounded, full = select(index, "whole", limit=WHOLE_LIMIT), select(index, "whole")
    assert 700 < len(full) < WHOLE_LIMIT
    assert "left_out" not in bounded.graph and "bounded" not in page_data(bounded, "en")
    pages = [write_view(G, tmp_path / f"{i}.html", "zh") for i, G in enumerate((bounded, full))]
    assert pages[0].read_bytes() == pages[1].read_bytes()
    assert b'id="bounded"' not in pages[0].read_bytes()


def test_the_index_of_a_loaded_store_is_the_index_of_its_quads(
    corpus: Path, corpus_index: Index
) -> None:
    """A loaded store's index walks its named graphs, skipping the stored union (a second
    copy of every triple): the same index as a plain store of the same quads."""
    plain = ox.Store()
    plain.bulk_load(path=str(corpus), format=ox.RdfFormat.N_QUADS)
    expected = load_index(plain)

    def same(a: dict[Any, Any], b: dict[Any, Any]) -> bool:  # in any order
        return {k: sorted(v, key=str) for k, v in a.items()} == {
            k: sorted(v, key=str) for k, v in b.items()
        }

    for part in ("links", "literals", "types", "evidence", "supers", "out"):
        assert same(getattr(expected, part), getattr(corpus_index, part)), part
    assert "" not in {g for graphs in corpus_index.links.values() for g in graphs}


def test_a_corpus_over_the_limit_keeps_its_most_connected_entities(corpus_index: Index) -> None:
    full = select(corpus_index, "whole")
    G = select(corpus_index, "whole", limit=SMALL)
    assert len(full) > 2 * SMALL and len(G) == SMALL
    assert G.graph["entities"] == len(full) and G.graph["left_out"] == len(full) - SMALL
    simple = nx.Graph(full.to_undirected())
    simple.remove_edges_from(nx.selfloop_edges(simple))
    kept = min(simple.degree(n) for n in G)
    assert all(simple.degree(n) <= kept for n in full if n not in G)
    assert set(G.edges(keys=True)) == {
        (u, v, k) for u, v, k in full.edges(keys=True) if {u, v} <= set(G)
    }
    assert dict(G.nodes(data=True)) == {n: full.nodes[n] for n in G}


def test_a_neighbourhood_is_the_same_projected_around_its_entity(corpus_index: Index) -> None:
    """Built from the entities near it only, a neighbourhood draws what it drew when cut out
    of the whole graph: on a well-connected, a shared and a report's own entity."""
    full = whole(corpus_index)
    for iri in ("body/EMG", "agency/UNEP", "aichi/target-11"):
        for depth in (1, 2):
            entity = PREFIXES["emgid"] + iri
            expected = page_data(neighbourhood(full, entity, depth), "en")
            assert page_data(select(corpus_index, "neighbourhood", entity, depth), "en") == expected


def test_the_bounded_page_says_what_it_left_out(
    corpus_index: Index,
    tmp_path: Path,
    open_page: Any,  # noqa: F811
) -> None:
    G = select(corpus_index, "whole", limit=SMALL)
    for lang, words in (("en", "left out"), ("zh", "未显示")):
        data = page_data(G, lang)
        opened = open_page(write_view(G, tmp_path / f"whole-{lang}.html", lang))
        check_page(opened, data)
        shown = opened.js("document.getElementById('bounded').textContent")
        assert opened.js("document.getElementById('bounded').offsetHeight") > 0
        assert words in shown and "--limit" in shown
        assert f"{G.graph['left_out']:,}" in shown and f"{G.graph['entities']:,}" in shown
        assert len(data["nodes"]) == SMALL


def test_viz_limit_on_the_command_line(cli: Any, tmp_path: Path) -> None:
    out = tmp_path / "whole.html"
    done = cli("viz", "whole", "--limit", "100", "--out", str(out), "--lang", "en")
    assert done.returncode == 0, done.stderr
    assert "wrote" in done.stdout and "the 100 most connected of " in done.stdout
    assert "left out of this page" in out.read_text(encoding="utf-8")
    done = cli("viz", "whole", "--limit", "0", "--out", str(out))
    assert done.returncode == 0 and "left out" not in done.stdout
    assert 'id="bounded"' not in out.read_text(encoding="utf-8")
    bad = cli("viz", "whole", "--limit", "-3", "--out", str(out))
    assert bad.returncode == 2 and "--limit" in bad.stderr and "Traceback" not in bad.stderr
