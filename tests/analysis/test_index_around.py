"""A neighbourhood projected from `index_around` (what is near the entity) is the one the whole
index gives: for every entity of the shipped graph's whole view, at depth 1 and 2, and on a
corpus of four reports; the web app's neighbourhood page reads it and so does not build the
whole index."""

from __future__ import annotations

from typing import Any

import networkx as nx
import pyoxigraph as ox
import pytest

from emg_kg.analysis.index import Index, index_around, load_index
from emg_kg.analysis.metrics import select
from emg_kg.analysis.projection import entities
from emg_kg.prefixes import ID
from emg_kg.web.views import Views


def _drawn(G: nx.MultiDiGraph) -> tuple[Any, ...]:
    return (
        G.graph,
        sorted((n, sorted(a.items())) for n, a in G.nodes(data=True)),
        sorted((s, o, k, sorted(a.items())) for s, o, k, a in G.edges(keys=True, data=True)),
    )


def _same_neighbourhoods(store: Any, whole: Index, centres: list[str], depth: int) -> None:
    for iri in centres:
        expected = _drawn(select(whole, "neighbourhood", iri, depth))
        assert _drawn(select(index_around(store, iri, depth), "neighbourhood", iri, depth)) == (
            expected
        ), iri


@pytest.fixture(scope="module")
def whole(store: ox.Store) -> Index:
    return load_index(store)


def test_every_shipped_entity_at_depth_one(store: ox.Store, whole: Index) -> None:
    typed, links = entities(whole)
    centres = sorted({*typed, *(x for s, _, o in links for x in (s, o))})
    assert len(centres) > 700
    _same_neighbourhoods(store, whole, centres, 1)


def test_hubs_at_depth_two(store: ox.Store, whole: Index) -> None:
    hubs = [ID + x for x in ("body/EMG", "agency/UNDP", "aichi/target-11", "agency/UNEP")]
    _same_neighbourhoods(store, whole, hubs, 2)


def test_a_corpus_of_four_reports(four_reports: Any) -> None:
    store = four_reports
    centres = [ID + x for x in ("body/EMG", "agency/UNDP", "decision/unep-gc-ss-xii-2")]
    _same_neighbourhoods(store, load_index(store), centres, 1)


def test_the_web_app_draws_a_neighbourhood_without_the_whole_index(store: ox.Store) -> None:
    views = Views(store)
    page = views.page("neighbourhood", "en", ID + "agency/UNDP")
    assert page is not None and b"UNDP" in page[0]
    assert views._index is None
    assert views.page("neighbourhood", "en", ID + "report/gc27-emg/para/1") is None
    assert views.page("neighbourhood", "en", "not an IRI") is None


def test_a_bounded_neighbourhood_keeps_its_centre_and_the_most_connected(
    store: ox.Store, whole: Index
) -> None:
    from emg_kg.analysis.projection import most_connected
    from emg_kg.views.template import bounded_note

    emg = ID + "body/EMG"
    every = select(whole, "neighbourhood", emg, 1)
    G = select(whole, "neighbourhood", emg, 1, limit=10)
    assert G.number_of_nodes() == 10 and emg in G
    total = every.number_of_nodes()
    assert (G.graph["entities"], G.graph["left_out"]) == (total, total - 10)
    inner = [(s, "", o) for s, o in every.edges() if emg not in (s, o)]
    assert set(G) == {emg, *most_connected(sorted(set(every) - {emg}), inner, 9)}
    assert f"the 9 most connected of the {total - 1:,} entities around it" in bounded_note(
        G.graph, "en"
    )
    assert _drawn(select(index_around(store, emg, 1), "neighbourhood", emg, 1, limit=10)) == (
        _drawn(G)
    )
    two = select(whole, "neighbourhood", emg, 2, limit=30)
    assert two.graph["left_out"] == two.graph["entities"] - two.number_of_nodes() > 0
