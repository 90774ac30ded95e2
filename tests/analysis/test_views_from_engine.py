"""The whole view and a neighbourhood drawn from the engine in two phases (the skeleton, then
only the kept entities' quads: analysis/bounded.py) are the ones the whole index draws: the
same nodes with the same attributes, the same edges with the same evidence and level, the same
counts of what the bound left out; on the shipped graph and on a corpus of four reports."""

from __future__ import annotations

from typing import Any

import networkx as nx
import pyoxigraph as ox
import pytest

from emg_kg.analysis.bounded import around_skeleton, view_of, whole_skeleton, whole_view
from emg_kg.analysis.index import Index, load_index
from emg_kg.analysis.metrics import select
from emg_kg.analysis.projection import entities, whole
from emg_kg.prefixes import ID


def drawn(G: nx.MultiDiGraph) -> tuple[Any, ...]:
    """Everything a page draws from a view: its graph attributes, nodes and edges."""
    return (
        G.graph,
        sorted((n, sorted(a.items())) for n, a in G.nodes(data=True)),
        sorted((s, o, k, sorted(a.items())) for s, o, k, a in G.edges(keys=True, data=True)),
    )


@pytest.fixture(scope="module")
def index(store: ox.Store) -> Index:
    return load_index(store)


def test_the_skeleton_is_the_whole_index_entities(store: ox.Store, index: Index) -> None:
    assert whole_skeleton(store) == entities(index)


@pytest.mark.parametrize("limit", [None, 5_000, 300, 40, 1])
def test_the_whole_view_is_the_whole_index_one(
    store: ox.Store, index: Index, limit: int | None
) -> None:
    expected = whole(index, limit)
    assert bool(expected.graph.get("left_out")) == (limit is not None and limit < 5_000)
    assert drawn(whole_view(store, limit)) == drawn(expected)


def test_every_shipped_neighbourhood_bounded_or_not(store: ox.Store, index: Index) -> None:
    typed, links = entities(index)
    centres = sorted({*typed, *(x for s, _, o in links for x in (s, o))})
    assert len(centres) > 700
    for iri in centres:
        for limit in (None, 12):
            expected = whole(index, limit, around=(iri, 1))
            assert drawn(whole_view(store, limit, around=(iri, 1))) == drawn(expected), iri


def test_hubs_at_depth_two_and_things_not_in_the_view(store: ox.Store, index: Index) -> None:
    centres = [ID + x for x in ("body/EMG", "agency/UNDP", "aichi/target-11", "agency/UNEP")]
    centres += [ID + "report/gc27-emg/para/1", ID + "aichi/scheme", ID + "no/such-thing"]
    for iri in centres:
        for limit in (None, 30):
            expected = whole(index, limit, around=(iri, 2))
            assert drawn(whole_view(store, limit, around=(iri, 2))) == drawn(expected), iri
    assert around_skeleton(store, ID + "report/gc27-emg/para/1", 1) == ([], [])


def test_a_corpus_of_four_reports(four_reports: Any) -> None:
    store, index = four_reports, load_index(four_reports)
    assert whole_skeleton(store) == entities(index)
    for limit in (None, 200, 25):
        assert drawn(whole_view(store, limit)) == drawn(whole(index, limit))
    for iri in (ID + "body/EMG", ID + "agency/UNDP", ID + "decision/unep-gc-ss-xii-2"):
        for limit in (None, 20):
            expected = whole(index, limit, around=(iri, 1))
            assert expected.graph.get("left_out") or limit is None
            assert drawn(whole_view(store, limit, around=(iri, 1))) == drawn(expected)


def test_the_web_app_draws_a_neighbourhood_without_the_whole_index(store: ox.Store) -> None:
    from emg_kg.web.views import Views

    views = Views(store)
    page = views.page("neighbourhood", "en", ID + "agency/UNDP")
    assert page is not None and b"UNDP" in page[0]
    assert views._index is None
    assert views.page("neighbourhood", "en", ID + "report/gc27-emg/para/1") is None
    assert views.page("neighbourhood", "en", "not an IRI") is None


def test_a_bounded_neighbourhood_keeps_its_centre_and_the_most_connected(
    store: ox.Store, index: Index
) -> None:
    from emg_kg.analysis.projection import most_connected
    from emg_kg.views.template import bounded_note

    emg = ID + "body/EMG"
    every = select(index, "neighbourhood", emg, 1)
    G = select(index, "neighbourhood", emg, 1, limit=10)
    assert G.number_of_nodes() == 10 and emg in G
    total = every.number_of_nodes()
    assert (G.graph["entities"], G.graph["left_out"]) == (total, total - 10)
    inner = [(s, "", o) for s, o in every.edges() if emg not in (s, o)]
    assert set(G) == {emg, *most_connected(sorted(set(every) - {emg}), inner, 9)}
    assert f"the 9 most connected of the {total - 1:,} entities around it" in bounded_note(
        G.graph, "en"
    )
    assert drawn(view_of(store, "neighbourhood", emg, 1, limit=10)) == drawn(G)
    two = select(index, "neighbourhood", emg, 2, limit=30)
    assert two.graph["left_out"] == two.graph["entities"] - two.number_of_nodes() > 0


def test_the_agency_target_view_from_what_it_reads(store: ox.Store, index: Index) -> None:
    expected = select(index, "agency-target")
    assert expected.number_of_edges() > 100
    assert drawn(view_of(store, "agency-target")) == drawn(expected)
    target = ID + "aichi/target-11"
    assert drawn(view_of(store, "agency-target", target)) == drawn(
        select(index, "agency-target", target)
    )


def test_the_matrix_and_the_views_of_four_reports(four_reports: Any) -> None:
    from emg_kg.views.matrix import matrix_csv, matrix_svg
    from emg_kg.views.viz import matrix_data

    index = load_index(four_reports)
    G, expected = view_of(four_reports, "agency-target"), select(index, "agency-target")
    assert drawn(G) == drawn(expected)
    for lang in ("zh", "en"):
        data = matrix_data(G, lang)
        assert matrix_data(expected, lang) == data
        assert matrix_svg(data, lang) == matrix_svg(matrix_data(expected, lang), lang)
    assert matrix_csv(matrix_data(G)) == matrix_csv(matrix_data(expected))
    emg = ID + "body/EMG"
    for view, entity, limit in (("whole", None, 30), ("neighbourhood", emg, 15)):
        assert drawn(view_of(four_reports, view, entity, 1, limit)) == drawn(
            select(index, view, entity, 1, limit)
        )
    with pytest.raises(ValueError):
        view_of(four_reports, "neighbourhood")
