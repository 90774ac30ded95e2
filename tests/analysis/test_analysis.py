"""Projections and network analysis on the real graph: every view's nodes and edges carry their
names and evidence, all 20 Aichi targets are present, and a path between two entities is
explained link by link with the paragraphs behind each link."""

from __future__ import annotations

import doctest
import json
from pathlib import Path
from typing import Any

import networkx as nx
import pyoxigraph as ox
import pytest

from emg_kg.analysis import metrics as analysis
from emg_kg.analysis import projection
from emg_kg.analysis.metrics import (
    centrality,
    components,
    coverage,
    explain_path,
    find,
    load_index,
    neighbourhood,
    project,
)
from emg_kg.analysis.projection import LEVELS, VIEWS, Index, evidence_level
from emg_kg.cli import main
from emg_kg.paths import Layout
from emg_kg.prefixes import PREFIXES
from emg_kg.query.resolve import UnresolvedName
from emg_kg.views import layout as viz_layout
from emg_kg.views import template as viz_template
from emg_kg.views import viz

ID = PREFIXES["emgid"]
EMG = ID + "body/EMG"
WMO = ID + "agency/WMO"
PARA_209 = ID + "fww/para-209"
NODE_KEYS = {"iri", "label_zh", "label_en", "class", "paragraphs"}


@pytest.fixture(scope="session")
def index(store: ox.Store) -> Index:
    return load_index(store)


@pytest.fixture(scope="session")
def views(index: Index) -> dict[str, nx.MultiDiGraph]:
    return {name: project(index, name) for name in VIEWS}


@pytest.mark.parametrize("view", list(VIEWS))
def test_every_node_and_edge_carries_names_and_evidence(
    view: str, views: dict[str, nx.MultiDiGraph]
) -> None:
    G = views[view]
    assert G.number_of_nodes() > 0 and G.graph["view"] == view
    for n, d in G.nodes(data=True):
        assert NODE_KEYS <= d.keys(), n
        assert d["iri"] == n and d["label_en"] and d["label_zh"] and d["class"]
        assert isinstance(d["paragraphs"], list)
    for u, v, d in G.edges(data=True):
        assert d["predicate"] and d["level"] in LEVELS, (u, v, d)
        assert isinstance(d["evidence"], list)
    stated = [d for _, _, d in G.edges(data=True) if d["evidence"]]
    assert stated, "no edge names its evidence"
    if view != "agency-target":  # there the level is the statement's own emg:evidenceLevel
        for d in stated:
            assert d["level"] in {evidence_level(g) for g in d["evidence"]}


def test_agency_target_is_bipartite_with_all_twenty_targets(
    views: dict[str, nx.MultiDiGraph],
) -> None:
    G = views["agency-target"]
    targets = [n for n, c in G.nodes(data="class") if c == "AichiTarget"]
    assert len(targets) == 20
    assert {G.nodes[t]["goal"] for t in targets} == {f"aichi:goal-{g}" for g in "ABCDE"}
    assert all(G.nodes[t]["bipartite"] == 1 for t in targets)
    for u, v, d in G.edges(data=True):
        assert G.nodes[u]["bipartite"] == 0 and G.nodes[v]["bipartite"] == 1
        assert d["statement"].startswith("support:") and d["level"] in LEVELS
    assert nx.is_bipartite(nx.Graph(G))


def test_whole_has_no_paragraphs_and_only_our_entities(views: dict[str, nx.MultiDiGraph]) -> None:
    G = views["whole"]
    assert all(n.startswith(ID) for n in G)
    assert not any(n.startswith((PREFIXES["para"], PREFIXES["fn"], PREFIXES["src"])) for n in G)
    assert EMG in G and WMO in G


def test_mandate_edges_are_labelled(views: dict[str, nx.MultiDiGraph]) -> None:
    G = views["mandates"]
    assert G.number_of_edges() > 0
    for _, _, d in G.edges(data=True):
        assert d["mandate"].startswith("mandate:") and d["verb"] and d["status"], d


def test_organizations_view_has_the_emg_structure(views: dict[str, nx.MultiDiGraph]) -> None:
    G = views["organizations"]
    preds = {d["predicate"] for _, _, d in G.edges(data=True)}
    assert "org:subOrganizationOf" in preds
    assert EMG in G and G.degree(EMG) > 3


def test_citations_link_documents(views: dict[str, nx.MultiDiGraph]) -> None:
    preds = {d["predicate"] for _, _, d in views["citations"].edges(data=True)}
    assert preds & {"dct:references", "dct:isPartOf", "emg:adoptedAt"}


def test_neighbourhood(views: dict[str, nx.MultiDiGraph]) -> None:
    H = neighbourhood(views["whole"], EMG, 1)
    U = nx.Graph(H)
    assert EMG in H and H.graph["view"] == "neighbourhood"
    assert all(nx.shortest_path_length(U, EMG, n) <= 1 for n in H)
    assert set(H) == {EMG} | set(nx.Graph(views["whole"]).neighbors(EMG))


def test_coverage_counts_every_target_once(views: dict[str, nx.MultiDiGraph]) -> None:
    result = coverage(views["agency-target"])
    assert result["targets"] == 20
    assert result["covered"] + len(result["uncovered"]) == 20
    assert sum(g["targets"] for g in result["goals"]) == 20
    assert [g["goal"] for g in result["goals"]] == [f"aichi:goal-{g}" for g in "ABCDE"]
    stated = coverage(views["agency-target"], ["stated"])
    assert stated["covered"] <= result["covered"]
    json.dumps(result)  # plain data


def test_the_emg_is_the_most_central_organization(views: dict[str, nx.MultiDiGraph]) -> None:
    rows = centrality(views["whole"], top=5)
    assert rows[0]["id"] == "body:EMG"
    every = {r["id"] for r in centrality(views["whole"])}  # UN entities and IMGs count too
    assert {"agency:UNEP", "agency:WMO", "group:img-biodiversity"} <= every
    assert all(0 <= r["betweenness"] <= 1 and r["degree"] >= 0 for r in rows)


def test_components_cover_every_node(views: dict[str, nx.MultiDiGraph]) -> None:
    comps = components(views["whole"])
    assert sum(c["size"] for c in comps) == views["whole"].number_of_nodes()
    assert comps[0]["size"] == max(c["size"] for c in comps)
    assert "body:EMG" in comps[0]["members"]


def test_path_from_wmo_to_rio_paragraph_209_is_explained(views: dict[str, nx.MultiDiGraph]) -> None:
    result = explain_path(views["whole"], WMO, PARA_209)
    assert result["connected"] and result["length"] == len(result["steps"]) >= 1
    steps = result["steps"]
    assert steps[0]["from"] == "agency:WMO" and steps[-1]["to"] == "fww:para-209"
    for a, b in zip(steps, steps[1:], strict=False):
        assert a["to"] == b["from"]
    for step in steps:
        assert step["direction"] in ("->", "<-") and step["predicate"]
        assert step["evidence"], f"no evidence for {step}"


def test_of_equally_short_paths_the_best_evidenced_is_chosen() -> None:
    """Regression: the first shortest path networkx found was taken, even when an equally short
    chain stated in the report existed beside one resting on an inference."""
    for order in (["derived", "stated"], ["stated", "derived"]):
        G = nx.MultiDiGraph(view="test")
        for mid, level in zip(("m1", "m2"), order, strict=True):
            G.add_edge("WMO", mid, predicate="emg:p", evidence=["para:1"], level="stated")
            G.add_edge(mid, "p209", predicate="emg:q", evidence=["x"], level=level)
        steps = explain_path(G, "WMO", "p209")["steps"]
        assert [s["level"] for s in steps] == ["stated", "stated"]
    G.add_edge("WMO", "p209", predicate="emg:r", evidence=["inf:x"], level="derived")
    assert explain_path(G, "WMO", "p209")["length"] == 1  # fewer links still win


def test_path_steps_name_both_ends_in_both_languages(views: dict[str, nx.MultiDiGraph]) -> None:
    step = explain_path(views["whole"], WMO, PARA_209)["steps"][0]
    assert step["from_label_zh"] == "世界气象组织" and step["from_label"].startswith("World")
    assert step["to_label_zh"]


def test_find_resolves_names(index: Index) -> None:
    assert find(index, "agency:WMO") == WMO
    assert find(index, WMO) == WMO
    assert find(index, "WMO") == WMO
    with pytest.raises(UnresolvedName):
        find(index, "no such thing at all")


def test_cli_analyze(capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(
            ["analyze", "path", "--from", "agency:WMO", "--to", "fww:para-209", "--format", "json"]
        )
        == 0
    )
    out: Any = json.loads(capsys.readouterr().out)
    assert out["connected"] and out["steps"][-1]["to"] == "fww:para-209"
    assert main(["analyze", "coverage"]) == 0
    assert "of 20 Aichi targets have a link in the evidence counted" in capsys.readouterr().out
    assert (
        main(
            [
                "analyze",
                "path",
                "--from",
                "agency:WMO",
                "--to",
                "body:EMG",
                "--view",
                "agency-target",
            ]
        )
        == 1
    )
    assert main(["analyze", "centrality", "--top", "3"]) == 0
    assert "body:EMG" in capsys.readouterr().out
    argv = ["analyze", "path", "--from", "WMO", "--to", "fww:para-209", "--evidence", "stated"]
    assert main([*argv, "--format", "json"]) == 0
    steps = json.loads(capsys.readouterr().out)["steps"]
    assert {s["level"] for s in steps} == {"stated"}


def test_cli_viz(tmp_path: Any, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "emg.html"
    assert main(["viz", "neighbourhood", "--entity", "EMG", "--lang", "en", "--out", str(out)]) == 0
    assert out.exists() and "wrote" in capsys.readouterr().out
    assert main(["viz", "matrix", "--out", str(tmp_path / "m.svg")]) == 0
    assert (tmp_path / "m.csv").exists()
    assert main(["viz", "neighbourhood", "--out", str(tmp_path / "x.html")]) == 1


@pytest.mark.parametrize("module", [analysis, projection, viz, viz_layout, viz_template])
def test_docstring_examples(module: Any) -> None:
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0


def test_evidence_filter_keeps_only_entities(tmp_path: Path, capsys: Any) -> None:
    """A filtered view once turned its graph attributes ("title", "view") into nodes."""
    assert main(["viz", "matrix", "--evidence", "stated", "--out", str(tmp_path / "m.svg")]) == 0
    rows = (tmp_path / "m.csv").read_text(encoding="utf-8").splitlines()[1:-1]
    assert rows and all(":" in row.split(",")[0] for row in rows), rows
    capsys.readouterr()
    assert main(["analyze", "components", "--evidence", "stated", "--format", "json"]) == 0
    hubs = [c["hub"] for c in json.loads(capsys.readouterr().out)]
    assert all(":" in hub for hub in hubs), hubs


def test_the_whole_graph_keeps_every_reports_paragraphs_out(two_reports: Layout) -> None:
    """A second report's sections and paragraphs are evidence, like the shipped report's: the
    whole-graph view shows both reports as documents and none of their parts."""
    from emg_kg.analysis.index import load_index
    from emg_kg.data.store import open_store

    nodes = set(projection.whole(load_index(open_store(two_reports))).nodes)
    reports = PREFIXES["emgid"] + "report/"
    assert {reports + "gc27-emg", reports + "test-second"} <= nodes
    assert not [n for n in nodes if n.startswith(reports) and n.count("/") > reports.count("/")]
