"""Views in a real browser: every page opens offline in headless Chromium, draws its nodes and
links, fetches nothing, logs no error, and shows data from the graph only as text.

Chromium comes from the `browser` fixture in conftest.py.
"""

from __future__ import annotations

import csv
import re
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import networkx as nx
import pyoxigraph as ox
import pytest

from emg_kg.analysis.metrics import load_index, select
from emg_kg.analysis.projection import VIEWS, Index
from emg_kg.views.viz import (
    label_boxes,
    matrix_data,
    page_data,
    write_all,
    write_matrix,
    write_view,
)

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pages import check_page, page_opener  # noqa: E402 (tests/views/pages.py)

EXTERNAL = re.compile(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", re.IGNORECASE)
NASTY = '</script><script>window.pwned=1</script><img src=x onerror="window.pwned=2">&amp;\u2028'


@pytest.fixture(scope="session")
def index(store: ox.Store) -> Index:
    return load_index(store)


@pytest.fixture()
def open_page(browser: Any) -> Iterator[Any]:
    """Open a page file in a fresh context with every request but the page itself refused."""
    with page_opener(browser) as opener:
        yield opener


# --- the real views --------------------------------------------------------------------------


@pytest.mark.parametrize("view", [*VIEWS, "neighbourhood"])
def test_view_opens_offline_and_draws(
    view: str, index: Index, open_page: Any, tmp_path: Path
) -> None:
    entity = "https://w3id.org/emg-kg/id/body/EMG" if view == "neighbourhood" else None
    G = select(index, view, entity, 1)
    out = write_view(G, tmp_path / f"{view}.html", "zh")
    data = page_data(G, "zh")
    assert len(data["nodes"]) == G.number_of_nodes()
    assert len(data["edges"]) == len(set(G.edges()))  # parallel links are drawn as one
    assert not EXTERNAL.search(out.read_text(encoding="utf-8"))
    check_page(open_page(out), data)


def test_evidence_filter_keeps_only_that_level(
    index: Index, open_page: Any, tmp_path: Path
) -> None:
    G = select(index, "whole")
    data = page_data(G, "en", ["stated"])
    assert {lv["name"] for lv in data["levels"]} == {"stated"}
    assert 0 < len(data["edges"]) < len(page_data(G, "en")["edges"])
    check_page(open_page(write_view(G, tmp_path / "stated.html", "en", ["stated"])), data)


def test_agency_target_page_shows_all_twenty_targets(index: Index) -> None:
    data = page_data(select(index, "agency-target"), "en")
    targets = [n for n in data["nodes"] if data["classes"][n["c"]]["name"] == "AichiTarget"]
    assert len(targets) == 20
    assert all(
        n.get("u") == (not any(e["t"] == data["nodes"].index(n) for e in data["edges"]))
        for n in targets
    )
    assert len(data["notes"]) == 5  # a heading per strategic goal


EMG = "https://w3id.org/emg-kg/id/body/EMG"


def test_hover_card_appears_on_screen_beside_the_node(
    index: Index, open_page: Any, tmp_path: Path
) -> None:
    """Regression: vis-network's stylesheet is not inlined, and without the page's own rules the
    card was laid out below the canvas, out of sight (Playwright still called it "visible")."""
    opened = open_page(write_view(select(index, "organizations"), tmp_path / "org.html", "en"))
    i = opened.js("emg.data.nodes.findIndex(n => n.id === 'body:EMG')")
    box = opened.page.locator("#graph canvas").bounding_box()
    xy = opened.js(
        f"(() => {{ const p = emg.network.canvasToDOM(emg.network.getPosition({i})); "
        "return [p.x, p.y]; })()"
    )
    x, y = box["x"] + xy[0], box["y"] + xy[1]
    opened.page.mouse.move(x - 3, y - 3)
    opened.page.mouse.move(x, y)
    tip = opened.page.locator("div.vis-tooltip")
    tip.wait_for(state="visible", timeout=5000)
    card = tip.bounding_box()
    viewport = opened.page.viewport_size
    assert card["x"] >= 0 and card["y"] >= 0
    assert card["x"] + card["width"] <= viewport["width"]
    assert card["y"] + card["height"] <= viewport["height"], card
    # next to the pointer: starting at its x, above or below it
    assert card["x"] - 40 <= x <= card["x"] + card["width"] + 40
    assert card["y"] - 40 <= y <= card["y"] + card["height"] + 40
    text = tip.inner_text()
    assert "Environment Management Group" in text and "联合国环境管理小组" in text
    assert re.search(r"paragraphs: \d+(, \d+)*", text) and "coordination body" in text


def test_no_two_labels_overlap_in_a_crowded_neighbourhood(index: Index) -> None:
    """Regression: the EMG's neighbourhood (90 nodes round one hub) had labels piled on labels."""
    G = select(index, "neighbourhood", EMG, 1)
    data = page_data(G, "en")
    degree = {G.nodes[n]["short"]: 0 for n in G}
    for e in data["edges"]:
        degree[data["nodes"][e["f"]]["id"]] += 1
        degree[data["nodes"][e["t"]]["id"]] += 1
    at = {G.nodes[n]["short"]: n for n in G}
    boxes = label_boxes(G, "en", {at[k]: v for k, v in degree.items()})
    rects = []
    for n in data["nodes"]:
        w, h, off = boxes[at[n["id"]]]
        rects.append((n["x"] - w / 2, n["y"] + off - h / 2, n["x"] + w / 2, n["y"] + off + h / 2))
    crossing = [
        (data["nodes"][i]["id"], data["nodes"][j]["id"])
        for i, a in enumerate(rects)
        for j, b in enumerate(rects[:i])
        if a[0] < b[2] - 1 and b[0] < a[2] - 1 and a[1] < b[3] - 1 and b[1] < a[3] - 1
    ]
    assert crossing == []


@pytest.mark.parametrize("view", ["mandates", "citations", "organizations", "whole"])
def test_views_use_the_page_without_waste(view: str, index: Index) -> None:
    """Spreading labels apart must not blow the picture up: a straight-line component (no area)
    once grew without bound, and components packed as circles in rows left most of the page
    empty, so the page opened zoomed out until no label was legible."""
    G = select(index, view)
    data = page_data(G, "en")
    degree = {n: len(set(G.predecessors(n)) | set(G.successors(n))) for n in G}
    need = sum(w * h for w, h, _ in label_boxes(G, "en", degree).values())
    xs, ys = [n["x"] for n in data["nodes"]], [n["y"] for n in data["nodes"]]
    width, height = max(xs) - min(xs), max(ys) - min(ys)
    assert 0.6 <= width / height <= 2.2, (width, height)  # the drawing area is landscape
    assert width * height <= 15 * need, (width, height, need)


def test_the_centre_of_a_neighbourhood_is_marked(
    index: Index, open_page: Any, tmp_path: Path
) -> None:
    G = select(index, "neighbourhood", EMG, 1)
    data = page_data(G, "en")
    assert data["nodes"][data["centre"]]["id"] == "body:EMG"
    assert page_data(select(index, "whole"), "en")["centre"] == -1
    opened = open_page(write_view(G, tmp_path / "emg.html", "en"))
    node = opened.js(f"emg.nodes.get({data['centre']})")
    assert node["borderWidth"] == 4 and node["font"]["bold"] is True


def test_link_labels_of_a_large_view_show_for_the_clicked_node(
    index: Index, open_page: Any, tmp_path: Path
) -> None:
    """Large views drew every link's label on top of each other; now only the clicked node's,
    on the canvas where they fit (test_viz_reading.py checks that) and all in the side panel."""
    opened = open_page(write_view(select(index, "whole"), tmp_path / "whole.html", "en"))
    opened.js("emg.showOverview(false)")  # all of it (it opens on its best-connected part)
    assert opened.js("emg.edges.get().filter(e => (e.label || '').trim()).length") == 0
    i = opened.js("emg.data.nodes.findIndex(n => n.id === 'agency:WMO')")
    opened.js(
        f"emg.network.selectNodes([{i}]); emg.network.body.emitter.emit('click', "
        f"{{nodes: [{i}], edges: []}}) && null"
    )
    labelled = opened.js(
        "emg.edges.get().filter(e => (e.label || '').trim()).map(e => [e.from, e.to])"
    )
    assert all(i in pair for pair in labelled)
    links = opened.js(f"emg.data.edges.filter(e => e.f === {i} || e.t === {i}).length")
    assert links and opened.page.locator("#links li").count() == links
    assert opened.errors == []


# --- behaviour, on a small synthetic graph -----------------------------------------------------


def synthetic(label: str = "node") -> nx.MultiDiGraph:
    G = nx.MultiDiGraph(view="synthetic", title=f"test {label}")
    for i, cls in enumerate(["UNSystemEntity", "UNSystemEntity", "Meeting", "Mandate"]):
        G.add_node(
            i,
            short=f"emgid:n{i}",
            label_en=f"{label} {i}",
            label_zh=f"{label} {i}",
            paragraphs=[f"para:{i + 1}"],
            **{"class": cls, "family": "other"},
        )
    for u, v, level in [(0, 1, "stated"), (1, 2, "derived"), (2, 3, "curated"), (3, 0, "stated")]:
        G.add_edge(u, v, predicate="emg:test", evidence=[f"para:{u + 1}"], level=level)
    return G


def test_a_label_with_markup_is_shown_as_text(open_page: Any, tmp_path: Path) -> None:
    out = write_view(synthetic(NASTY), tmp_path / "nasty.html", "en")
    html = out.read_text(encoding="utf-8")
    assert "</script><script>window.pwned" not in html
    payload = html.split('<script id="emg-data" type="application/json">')[1].split("</script>")[0]
    assert not set(payload) & set("<>&\u2028\u2029")
    opened = open_page(out)
    check_page(opened, page_data(synthetic(NASTY), "en"))
    assert opened.js("window.pwned") is None
    assert opened.js("document.querySelectorAll('img').length") == 0
    assert opened.js("document.title") == f"test {NASTY}"
    assert opened.js("emg.data.nodes[0].en") == f"{NASTY} 0"
    card = opened.js(
        "(() => { const t = emg.nodes.get(0).title; "
        "return [t.textContent, t.querySelectorAll('script, img').length]; })()"
    )
    assert card[0].startswith(f"{NASTY} 0") and card[1] == 0


def test_click_highlights_neighbours_and_filters_hide(open_page: Any, tmp_path: Path) -> None:
    opened = open_page(write_view(synthetic(), tmp_path / "click.html", "en"))
    box = opened.page.locator("#graph canvas").bounding_box()
    xy = opened.js(
        "(() => { const p = emg.network.canvasToDOM(emg.network.getPosition(0)); "
        "return [p.x, p.y]; })()"
    )
    opened.page.mouse.click(box["x"] + xy[0], box["y"] + xy[1])
    opened.page.wait_for_timeout(100)
    faded = opened.js(
        "emg.nodes.get().filter(n => n.color.background === '#e4e4e4').map(n => n.id)"
    )
    assert faded == [2]  # node 0 links to 1 and 3; 2 is not a neighbour
    opened.page.locator("#classes input[type=checkbox]").first.uncheck()
    hidden = opened.js("emg.nodes.get().filter(n => n.hidden).length")
    assert hidden == 2  # the two UNSystemEntity nodes
    assert opened.js("emg.network.body.edgeIndices.length") == 1  # only 2 -> 3 is left
    assert opened.errors == [] and opened.blocked == []


def test_hover_card_names_the_paragraphs(open_page: Any, tmp_path: Path) -> None:
    opened = open_page(write_view(synthetic("hover"), tmp_path / "hover.html", "zh"))
    box = opened.page.locator("#graph canvas").bounding_box()
    xy = opened.js(
        "(() => { const p = emg.network.canvasToDOM(emg.network.getPosition(2)); "
        "return [p.x, p.y]; })()"
    )
    opened.page.mouse.move(box["x"] + xy[0] - 3, box["y"] + xy[1])
    opened.page.mouse.move(box["x"] + xy[0], box["y"] + xy[1])
    tip = opened.page.locator("div.vis-tooltip")
    tip.wait_for(state="visible", timeout=5000)
    text = tip.inner_text()
    assert "hover 2" in text and "Meeting" in text and "段落: 3" in text


def test_the_network_guard_sees_requests(open_page: Any, tmp_path: Path) -> None:
    """The guard itself works: a page that does fetch is caught."""
    page = tmp_path / "leaky.html"
    page.write_text(
        '<img src="https://example.org/x.png"><script>window.emg = {times: {drawn: 1}};'
        'fetch("http://example.org/y").catch(() => {});</script>',
        encoding="utf-8",
    )
    opened = open_page(page)
    opened.page.wait_for_timeout(300)
    assert any("example.org" in url for url in opened.blocked)


def test_writing_has_no_side_effects(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    work, out = tmp_path / "cwd", tmp_path / "out"
    work.mkdir()
    monkeypatch.chdir(work)
    write_view(synthetic(), out / "page.html", "en")
    assert list(work.iterdir()) == []
    assert [p.name for p in out.iterdir()] == ["page.html"]
    assert (out / "page.html").stat().st_mode & 0o777 == 0o644


def test_the_page_is_deterministic(tmp_path: Path) -> None:
    a = write_view(synthetic(), tmp_path / "a.html", "zh").read_bytes()
    assert a == write_view(synthetic(), tmp_path / "b.html", "zh").read_bytes()


# --- the coverage matrix -----------------------------------------------------------------------


def test_matrix_svg_and_csv(index: Index, tmp_path: Path) -> None:
    G = select(index, "agency-target")
    svg, table = write_matrix(G, tmp_path / "matrix", "en")
    root = ET.parse(svg).getroot()
    assert root.tag.endswith("svg")
    assert not EXTERNAL.search(svg.read_text(encoding="utf-8"))
    rows = list(csv.reader(table.open(encoding="utf-8")))
    targets = [c for c in rows[0] if c.startswith("aichi:target-")]
    assert len(targets) == 20
    data = matrix_data(G, "en")
    unaddressed = [c for c in data["columns"] if c["target"] and not c["supporters"]]
    assert svg.read_text(encoding="utf-8").count('fill="#ffebee"') == len(unaddressed)
    assert len(rows) == len(data["rows"]) + 2  # header, supporters, the count row


def test_matrix_escapes_labels(tmp_path: Path) -> None:
    G = nx.MultiDiGraph(view="agency-target")
    G.add_node(
        "t",
        short="aichi:target-1",
        notation="1",
        goal="aichi:goal-A",
        bipartite=1,
        label_en="T <1>",
        **{"class": "AichiTarget"},
    )
    G.add_node("a", short="agency:X", label_en=NASTY, bipartite=0, **{"class": "UNSystemEntity"})
    G.add_edge("a", "t", level="stated")
    svg, _ = write_matrix(G, tmp_path / "m", "en")
    ET.parse(svg)  # well-formed: the label was escaped
    assert "<script>" not in svg.read_text(encoding="utf-8")


def test_write_all(store: ox.Store, tmp_path: Path) -> None:
    names = sorted(p.name for p in write_all(store, tmp_path, "en"))
    assert names == sorted(
        [f"{v}.html" for v in VIEWS]
        + ["neighbourhood-EMG.html", "agency-target-matrix.svg", "agency-target-matrix.csv"]
    )
    assert not list(tmp_path.glob(".*"))  # no temporary files left behind
