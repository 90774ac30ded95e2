"""The agency x target matrix drawn from the distinct links (analysis/bounded.py, matrix_view:
one edge per (supporter, column, role, level, blanket claim, dates) rather than per statement)
is the one the whole agency-target view draws: the same data, SVG and CSV, in both languages,
with every filter `emg-kg viz matrix` offers (--evidence, --role, --as-of), on the shipped
graph, four reports, the persistent store and a real Virtuoso."""

from __future__ import annotations

import argparse
from typing import Any

import networkx as nx
import pyoxigraph as ox
import pytest

from emg_kg.analysis.bounded import matrix_view, view_of
from emg_kg.analysis.index import load_index
from emg_kg.analysis.metrics import select
from emg_kg.cli.views import _filtered
from emg_kg.prefixes import ID
from emg_kg.views.matrix import matrix_csv, matrix_svg
from emg_kg.views.viz import matrix_data

#: The filters of `emg-kg viz matrix`, as its options give them (cli/views.py, _filtered).
FILTERS = [
    {},
    {"evidence": ["stated"]},
    {"evidence": ["curated", "derived"]},
    {"role": ["monitors", "aligns"]},
    {"role": ["implements"]},
    {"as_of": "2013-01-01"},
    {"as_of": "2017-01-01"},
    {"evidence": ["curated"], "role": ["implements", "benefits"], "as_of": "2016-01-01"},
]


def pictures(G: nx.MultiDiGraph) -> list[Any]:
    """What the matrix gives of ``G`` under each filter, in both languages: data, SVG, CSV."""
    out = []
    for options in FILTERS:
        H = _filtered(G, argparse.Namespace(**options))
        for lang in ("zh", "en"):
            data = matrix_data(H, lang)
            out.append((options, lang, data, matrix_svg(data, lang), matrix_csv(data)))
    return out


def same_matrices(store: Any, expected: nx.MultiDiGraph) -> nx.MultiDiGraph:
    G = matrix_view(store)
    assert G.number_of_edges() < expected.number_of_edges()  # links, not statements
    assert set(G.nodes) == set(expected.nodes)
    # the same node attributes, but for the paragraphs that mention a node (not drawn: only
    # those of its own statements are read, not those of every link to it)
    for n, attrs in expected.nodes(data=True):
        got = G.nodes[n]
        assert set(got["paragraphs"]) <= set(attrs["paragraphs"])
        assert {**got, "paragraphs": []} == {**attrs, "paragraphs": []}
    for got, want in zip(pictures(G), pictures(expected), strict=True):
        assert got == want, got[:2]
    return G


def test_the_matrix_from_the_distinct_links(store: ox.Store) -> None:
    expected = select(load_index(store), "agency-target")
    G = same_matrices(store, expected)
    links = {(u, v, d["role"], d["level"], d["blanket"]) for u, v, d in G.edges(data=True)}
    assert links == {
        (u, v, d["role"], d["level"], d["blanket"]) for u, v, d in expected.edges(data=True)
    }
    # the view as the CLI and the web app ask for it, with a neighbourhood too
    assert drawn_matrix(view_of(store, "matrix")) == drawn_matrix(expected)
    target = ID + "aichi/target-11"
    around = select(load_index(store), "agency-target", target)
    assert drawn_matrix(view_of(store, "matrix", target)) == drawn_matrix(around)


def drawn_matrix(G: nx.MultiDiGraph) -> tuple[str, str]:
    data = matrix_data(G, "zh")
    return matrix_svg(data, "zh"), matrix_csv(data)


def test_the_matrix_of_four_reports(four_reports: Any) -> None:
    expected = select(load_index(four_reports), "agency-target")
    G = same_matrices(four_reports, expected)
    assert G.number_of_edges() * 3 < expected.number_of_edges()  # the copies collapse


@pytest.mark.parametrize("engine", ["disk_store", "endpoint_store"])
def test_the_matrix_on_each_engine(
    engine: str, store: ox.Store, request: pytest.FixtureRequest
) -> None:
    same_matrices(request.getfixturevalue(engine), select(load_index(store), "agency-target"))
