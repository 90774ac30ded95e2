"""Interactive views of the graph as self-contained HTML pages, and the coverage matrix picture.

A page is written from a projected view (:mod:`~emg_kg.analysis.projection`): positions are computed
in Python (:mod:`emg_kg.views.layout`), physics is off in the page, vis-network is inlined
(:mod:`emg_kg.views.template`), and nothing is fetched from the network. Colour and shape follow
the node's class, size its degree, line style the link's evidence level; every hover card names
the paragraphs behind the node or link. pyvis is used only as the source of vis-network's
script: its ``Network`` checks each added node and edge against a list (quadratic) and importing
it loads IPython, which would cost seconds on a 10,000-node view.

Examples
--------
>>> import networkx as nx
>>> G = nx.MultiDiGraph(view="demo", title="demo")
>>> G.add_edge("a", "b", predicate="org:subOrganizationOf", evidence=["para:3"], level="stated")
0
>>> data = page_data(G, "en")
>>> len(data["nodes"]), len(data["edges"]), data["edges"][0]["e"]
(2, 1, ['para:3'])
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import networkx as nx

from emg_kg.analysis.metrics import select
from emg_kg.analysis.projection import (
    LEVELS,
    VIEWS,
    best_level,
    load_index,
    sort_key,
)
from emg_kg.data.store import atomic_write
from emg_kg.lang import message
from emg_kg.prefixes import PREFIXES
from emg_kg.views import WHOLE_LIMIT
from emg_kg.views.layout import FORCE_LIMIT, Boxes, Positions, bipartite_columns, layout, overview
from emg_kg.views.matrix import matrix_csv, matrix_data, matrix_svg, svg_to_png
from emg_kg.views.template import (
    TITLES,
    bounded_note,
    edge_note,
    edge_word,
    node_label,
    render_page,
)

if TYPE_CHECKING:
    import pyoxigraph as ox

__all__ = [
    "positions",
    "page_data",
    "write_view",
    "matrix_data",
    "write_matrix",
    "write_all",
    "link_counts",
    "TITLES",
]


def _pairs(text: str) -> dict[str, str]:
    words = text.split()
    return dict(zip(words[::2], words[1::2], strict=True))


#: Class -> colour; classes not listed get a stable colour from :data:`PALETTE`.
CLASS_COLOURS = _pairs("""
UNSystemEntity #1f77b4 RegionalCommission #6baed6 SecretariatDepartment #9ecae1
ConventionSecretariat #17becf IntergovernmentalBody #2ca02c CoordinationBody #98df8a
IssueManagementGroup #ff7f0e ConsultationProcess #ffbb78 TaskTeam #e377c2
NonUNOrganization #8c564b Organization #aec7e8 Initiative #c49c94 Person #d62728
Post #ff9896 Meeting #9467bd SideEvent #c5b0d5 Conference #7b4173 Decision #bcbd22
Resolution #8c6d31 Recommendation #dbdb8d DraftDecision #e7cb94 Convention #393b79
Document #7f7f7f Publication #c7c7c7 Report #525252 Mandate #e7ba52
SupportStatement #ad494a Figure #d6616b AichiTarget #31a354 StrategicGoal #74c476
OutcomeParagraph #3182bd CoLeadArea #e6550d Place #636363
""")
PALETTE = ("#637939", "#8ca252", "#b5cf6b", "#843c39", "#a55194", "#ce6dbd", "#de9ed6", "#5254a3")
FAMILY_SHAPES = _pairs("""
organization dot person star post triangle meeting square document diamond
mandate triangleDown statement triangleDown concept hexagon place square other dot
""")
#: Evidence level -> (line colour, dash pattern or False, line width).
LEVEL_STYLE: dict[str, tuple[str, Any, float]] = {
    "stated": ("#444444", False, 2.0),
    "curated": ("#1f77b4", [8, 4], 1.6),
    "derived": ("#e65100", [3, 4], 1.6),
    "user": ("#7b1fa2", [10, 3, 2, 3], 1.6),
}
#: Links drawn this much wider in the agency-target view, where they are the point.
WIDE_VIEWS = {"agency-target": 1.6}
#: A view with more nodes than this opens on its :data:`OVERVIEW` best-connected nodes (the
#: page has a button for the rest, and a click on a node adds its neighbours).
OVERVIEW_ABOVE = 200
OVERVIEW = 40


def _colour(cls: str) -> str:
    return CLASS_COLOURS.get(cls) or PALETTE[hashlib.sha1(cls.encode()).digest()[0] % len(PALETTE)]


def _merged(lists: Iterable[list[str]]) -> list[str]:
    return sorted({g for one in lists for g in one}, key=sort_key)


def node_size(degree: int) -> float:
    """A node's size in the page (its radius, in pixels at zoom 1) for its number of links."""
    return round(min(8 + 3 * degree**0.5, 32), 1)


def font_size(degree: int) -> float:
    """A node's label size: hubs get larger labels, readable when the whole view is shown
    (the page computes the same in ``fontSize``)."""
    return min(14 + 2 * degree**0.5, 30)


def label_boxes(G: nx.MultiDiGraph, lang: str, degree: dict[Any, int]) -> Boxes:
    """Each node with its label under it: (width, height, offset of the centre below the node)."""
    boxes: Boxes = {}
    for n, d in G.nodes(data=True):
        k = degree.get(n, 0)
        size, font = node_size(k), font_size(k)
        text = node_label(d, lang)
        wide = sum(1.0 if ord(c) >= 0x2E80 else 0.58 for c in text) * font
        boxes[n] = (max(2 * size, wide), 2 * size + font + 4, (font + 4) / 2)
    return boxes


def positions(
    G: nx.MultiDiGraph, lang: str = "zh", degree: dict[Any, int] | None = None
) -> tuple[Positions, list[dict[str, Any]]]:
    """Node positions, and headings to draw (the goals of the ``agency-target`` view).

    ``degree`` (the number of neighbours drawn, default from ``G``) sizes each node and label;
    no two labels overlap in components of up to 1,000 nodes.
    """
    if G.graph.get("view") == "agency-target":
        return bipartite_columns(G, lang)
    if degree is None:
        degree = {n: len(set(G.predecessors(n)) | set(G.successors(n))) for n in G}
    boxes = label_boxes(G, lang, degree) if len(G) <= FORCE_LIMIT else None
    return layout(G, boxes), []


def _class_table(attrs: dict[Any, dict[str, Any]], lang: str) -> list[dict[str, Any]]:
    """One row per class present: name, label in ``lang``, count, colour and shape."""
    counts: Counter[str] = Counter()
    first: dict[str, dict[str, Any]] = {}
    for d in attrs.values():
        cls = d.get("class", "Thing")
        counts[cls] += 1
        first.setdefault(cls, d)
    order = list(FAMILY_SHAPES)

    def family(c: str) -> str:
        return str(first[c].get("family", "other"))

    ranked = sorted(counts, key=lambda c: (order.index(family(c)), -counts[c], c))
    return [
        {
            "name": c,
            "label": first[c].get(f"class_{lang}") or c,
            "count": counts[c],
            "color": _colour(c),
            "shape": FAMILY_SHAPES[family(c)],
        }
        for c in ranked
    ]


def _edge_rows(
    pairs: dict[tuple[int, int], list[dict[str, Any]]], lang: str
) -> tuple[list[dict[str, Any]], list[str]]:
    """One row per linked pair (parallel links merged), and the evidence levels present."""
    present = {d.get("level", "user") for ds in pairs.values() for d in ds}
    levels = [lv for lv in LEVELS if lv in present]
    level_at = {lv: i for i, lv in enumerate(levels)}
    words_used = {d.get("verb") or d.get("predicate", "") for ds in pairs.values() for d in ds}
    # one kind of link: no labels; the page shows them on small views or for a clicked node
    with_labels = len(pairs) <= 5000 and len(words_used) > 1
    rows = []
    for (u, v), ds in sorted(pairs.items()):
        if len(ds) == 1:  # the common case, kept cheap for large views
            d = ds[0]
            level, pred, evidence = (
                d.get("level", "user"),
                d.get("predicate", ""),
                d.get("evidence"),
            )
            word, note = edge_word(d, lang), edge_note(d, lang)
        else:
            level = best_level(d.get("level", "user") for d in ds)
            pred = "; ".join(sorted({d.get("predicate", "") for d in ds}))
            evidence = _merged(d.get("evidence", []) for d in ds)
            word = ", ".join(sorted({edge_word(d, lang) for d in ds}))
            note = " | ".join(filter(None, (edge_note(d, lang) for d in ds)))
        row = {"f": u, "t": v, "v": level_at[level], "p": pred, "e": list(evidence or ())}
        if len(ds) > 1:
            row["n"] = len(ds)  # statements drawn as this one link
        if with_labels:
            row["l"] = word
        if note:
            row["note"] = note
        rows.append(row)
    return rows, levels


def page_data(
    G: nx.MultiDiGraph,
    lang: str = "zh",
    evidence: Iterable[str] | None = None,
    title: str | None = None,
) -> dict[str, Any]:
    """Everything the page draws, as JSON-ready data.

    Links are kept only at the ``evidence`` levels given (all when None); parallel links between
    two nodes are drawn as one (best level; every predicate and source in its hover card).
    """
    attrs = dict(G.nodes(data=True))
    names = sorted(attrs, key=lambda n: attrs[n].get("short", str(n)))
    at = {n: i for i, n in enumerate(names)}
    keep = set(evidence) if evidence else None
    pairs: dict[tuple[int, int], list[dict[str, Any]]] = defaultdict(list)
    for u, v, d in G.edges(data=True):
        if keep is None or d.get("level", "user") in keep:
            pairs[(at[u], at[v])].append(d)
    degree = [0] * len(names)
    for u, v in pairs:
        degree[u] += 1
        degree[v] += 1
    supported = {v for _, v in pairs}
    classes = _class_table(attrs, lang)
    class_at = {c["name"]: i for i, c in enumerate(classes)}
    pos, notes = positions(G, lang, {n: degree[at[n]] for n in names})
    part = overview(pairs, degree, OVERVIEW) if len(names) > OVERVIEW_ABOVE else []
    first = _overview_positions(G, names, part, pairs, lang, degree) if part else {}
    nodes = []
    for i, n in enumerate(names):
        d = attrs[n]
        x, y = pos.get(n, (0.0, 0.0))
        row = {
            "id": d.get("short", str(n)),
            "l": node_label(d, lang),
            "zh": d.get("label_zh", str(n)),
            "en": d.get("label_en", str(n)),
            "c": class_at[d.get("class", "Thing")],
            "s": node_size(degree[i]),
            "d": degree[i],
            "x": x,
            "y": y,
            "p": list(d.get("paragraphs", [])),
        }
        if n in first:  # where it sits in the overview the page opens on
            row["ox"], row["oy"] = first[n]
        if d.get("class") == "AichiTarget":  # unaddressed: no supporter; note: goal and subject
            row["u"] = i not in supported
            row["note"] = " · ".join(filter(None, [d.get(f"goal_{lang}"), d.get(f"title_{lang}")]))
        elif d.get("group"):  # issue 9: named in the report, or UN system / MEA / other outside it
            row["note"] = message(f"group_{d['group']}", lang)
        nodes.append(row)
    edges, levels = _edge_rows(pairs, lang)
    zh, view = lang == "zh", G.graph.get("view", "")
    unaddressed = sum(1 for nd in nodes if nd.get("u"))
    note = (
        f"{unaddressed} 个目标在所计证据中没有任何联系（并不表示无人开展工作）"
        if zh
        else f"{unaddressed} target(s) with no link in the evidence counted "
        "(which does not mean nobody works on them)"
    )
    default = TITLES.get(view, (G.graph.get("title", view),) * 2)
    level_rows = [
        {
            "name": lv,
            "label": message(f"level_{lv}", lang),
            "color": LEVEL_STYLE[lv][0],
            "dashes": LEVEL_STYLE[lv][1],
            "width": LEVEL_STYLE[lv][2] * WIDE_VIEWS.get(view, 1.0),
            "count": sum(1 for e in edges if e["v"] == k),
        }
        for k, lv in enumerate(levels)
    ]
    data = {
        "title": title or default[zh],
        "lang": lang,
        "view": view,
        "statements": sum(len(ds) for ds in pairs.values()),
        "overview": part,
        "note": note if view == "agency-target" else "",
        "nodes": nodes,
        "edges": edges,
        "notes": notes,
        "centre": at.get(G.graph.get("centre"), -1),
        "classes": classes,
        "levels": level_rows,
    }
    if G.graph.get("left_out"):
        data["bounded"] = bounded_note(G.graph, lang)
    return data


def _overview_positions(
    G: nx.MultiDiGraph,
    names: list[Any],
    part: list[int],
    pairs: Iterable[tuple[int, int]],
    lang: str,
    degree: list[int],
) -> Positions:
    """The overview laid out on its own, so its labels have the room the whole view lacks."""
    chosen = set(part)
    H = nx.Graph()
    H.add_nodes_from(names[i] for i in part)
    H.add_edges_from((names[u], names[v]) for u, v in pairs if u in chosen and v in chosen)
    sizes = {names[i]: degree[i] for i in part}
    return layout(H, label_boxes(G.subgraph(H.nodes), lang, sizes))


def link_counts(G: nx.MultiDiGraph, evidence: Iterable[str] | None = None) -> tuple[int, int, int]:
    """Nodes, links and statements as the page counts them: parallel statements between two
    nodes (at the ``evidence`` levels kept) are drawn as one link."""
    keep = set(evidence) if evidence else None
    kept = [
        (u, v) for u, v, d in G.edges(data=True) if keep is None or d.get("level", "user") in keep
    ]
    return G.number_of_nodes(), len(set(kept)), len(kept)


def _write(files: dict[Path, bytes]) -> list[Path]:
    """Write atomically (temporary sibling, then rename); readable like any output file."""
    atomic_write(files)
    for path in files:
        path.chmod(0o644)
    return list(files)


def write_view(
    G: nx.MultiDiGraph,
    out: Path,
    lang: str = "zh",
    evidence: Iterable[str] | None = None,
    title: str | None = None,
) -> Path:
    """Write the page for ``G`` to ``out`` (atomically: a temporary sibling, then a rename)."""
    html = render_page(page_data(G, lang, evidence, title))
    return _write({Path(out): html.encode("utf-8")})[0]


def write_matrix(G: nx.MultiDiGraph, out: Path, lang: str = "zh", png: bool = False) -> list[Path]:
    """Write the coverage matrix as ``out`` with suffix .svg and .csv (and, with ``png`` and
    chromium installed, .png); returns the paths written."""
    data = matrix_data(G, lang)
    svg, table = Path(out).with_suffix(".svg"), Path(out).with_suffix(".csv")
    paths = _write({svg: matrix_svg(data, lang).encode("utf-8"), table: matrix_csv(data).encode()})
    if png:
        picture = svg_to_png(svg, Path(out).with_suffix(".png"))
        paths += [picture] if picture else []
    return paths


def write_all(
    store: ox.Store, out_dir: Path, lang: str = "zh", limit: int | None = WHOLE_LIMIT
) -> list[Path]:
    """Every view (the whole graph bounded by ``limit``, None for all), the EMG's
    neighbourhood and the coverage matrix, into ``out_dir``."""
    idx = load_index(store)
    out_dir = Path(out_dir)
    written = []
    for v in VIEWS:  # one view at a time: a corpus's views are large
        written.append(write_view(select(idx, v, limit=limit), out_dir / f"{v}.html", lang))
    emg = PREFIXES["body"] + "EMG"
    try:
        around = select(idx, "neighbourhood", emg, 1)
    except KeyError:  # a dataset without the EMG
        pass
    else:
        written.append(write_view(around, out_dir / "neighbourhood-EMG.html", lang))
    written += write_matrix(select(idx, "agency-target"), out_dir / "agency-target-matrix", lang)
    return written
