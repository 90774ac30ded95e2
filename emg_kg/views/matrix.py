"""The agency x Aichi target matrix: data, CSV, SVG and PNG, role and level at a glance.

Rows are supporters grouped as an analyst asks (named in the report; then, from outside sources,
the UN system, multilateral environmental agreements, other organizations), columns the twenty
targets by strategic goal and the Strategic Plan as a whole. A cell draws one glyph per role
(implements: filled disc, aligns: diamond, monitors: ring, benefits: triangle), each in the
colour of the best evidence level behind it (stated green, derived orange, curated blue, user
purple). A target column with no link is tinted and its caveat is printed under the picture:
no link in the evidence counted, which does not mean that nobody works on it. Sized for about
60 organizations x 20 targets: fixed 26-pixel cells, labels clipped to a fixed width, so
nothing overlaps. The PNG is the SVG rendered by headless chromium, when it is installed.
"""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
import tempfile
import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path
from typing import Any

import networkx as nx

from emg_kg.analysis.projection import LEVELS, WHOLE_PLAN, short, sort_key
from emg_kg.data.aichi_gaps import CAVEAT, ROLES
from emg_kg.lang import message, words
from emg_kg.query.results import clip, display_width
from emg_kg.views.template import TITLES, node_label

__all__ = ["GROUPS", "matrix_data", "matrix_csv", "matrix_svg", "svg_to_png"]

#: Row groups in display order; their headings are ``group_*`` in :data:`emg_kg.lang.MESSAGES`,
#: as are the legend's ``role_*`` and ``level_*`` words.
GROUPS = ("report", "un-system", "mea", "other", "user")
LEVEL_COLOUR = {"stated": "#1b5e20", "derived": "#e65100", "curated": "#1f77b4", "user": "#7b1fa2"}
CELL, LABEL_CELLS = 26, 46  # a row label: at most 46 cells (a Chinese character takes two)


def _whole(node: str, lang: str) -> str:
    """A whole-plan column's heading: the target set ("all") or the Strategic Plan ("plan")."""
    return message("column_all" if node.endswith("scheme") else "column_plan", lang)


def _best(levels: list[str]) -> str:
    return min(levels, key=LEVELS.index) if levels else "user"


def matrix_data(G: nx.MultiDiGraph, lang: str = "zh") -> dict[str, Any]:
    """The ``agency-target`` view as grouped rows (supporters) x columns (plan, targets);
    each cell maps a role to the evidence levels of its links."""
    cols = []
    for n, d in G.nodes(data=True):
        if d.get("bipartite") != 1:
            continue
        target = d.get("class") == "AichiTarget"
        label = d.get(f"label_{lang}") or d.get("label_en", str(n))
        cols.append(
            {
                "id": d.get("short", str(n)),
                "target": target,
                "goal": (d.get("goal") or "").split("-")[-1] if target else "",
                "short": d.get("notation") or _whole(str(n), lang),
                "title": f"{label}: {d.get('title_en', '')}".rstrip(": "),
                "supporters": len({u for u, _ in G.in_edges(n)}),
            }
        )
    cols.sort(key=lambda c: (c["target"], c["goal"], sort_key(c["short"])))
    rows = []
    for n, d in G.nodes(data=True):
        if d.get("bipartite") == 1 or not G.out_degree(n):
            continue
        cells: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
        named: set[tuple[str, str]] = set()  # (column, role) with a link that names the target
        for _, t, e in G.out_edges(n, data=True):
            col, role = G.nodes[t].get("short", str(t)), e.get("role") or "implements"
            cells[col][role].append(e.get("level") or "user")
            if not e.get("blanket"):
                named.add((col, role))
        tidy = {
            col: {role: sorted(set(lv), key=LEVELS.index) for role, lv in sorted(roles.items())}
            for col, roles in cells.items()
        }
        rows.append(
            {
                "id": d.get("short", str(n)),
                "label": node_label(d, lang),
                "group": d.get("group") or "report",
                "cells": tidy,
                "blanket": sorted(
                    f"{col} {role}"
                    for col, roles in tidy.items()
                    for role in roles
                    if (col, role) not in named
                ),
                "targets": sum(1 for c in cols if c["target"] and c["id"] in tidy),
            }
        )
    order = list(GROUPS)
    rows.sort(key=lambda r: (order.index(r["group"]), -r["targets"], r["id"]))
    title = TITLES["agency-target"][1 if lang == "zh" else 0]
    return {"title": title, "columns": cols, "rows": rows, "plan": [short(p) for p in WHOLE_PLAN]}


def matrix_csv(matrix: dict[str, Any]) -> str:
    """Rows: supporters with their group; cells: ``role:level`` pairs (``monitors:curated``)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    cols = matrix["columns"]
    writer.writerow(["supporter", "name", "group", *(c["id"] for c in cols), "targets supported"])
    for row in matrix["rows"]:
        cells = [
            "|".join(
                f"{role}:{level}"
                for role, levels in row["cells"].get(c["id"], {}).items()
                for level in levels
            )
            for c in cols
        ]
        writer.writerow([row["id"], row["label"], row["group"], *cells, row["targets"]])
    writer.writerow(["supporters", "", "", *(str(c["supporters"]) for c in cols), ""])
    return out.getvalue()


def _text(parent: ET.Element, x: float, y: float, text: str, **attrs: str) -> ET.Element:
    """A ``<text>`` element under ``parent`` (``font_size`` is written ``font-size``)."""
    extra = {k.replace("_", "-"): v for k, v in attrs.items()}
    element = ET.SubElement(parent, "text", {"x": f"{x:.0f}", "y": f"{y:.0f}", **extra})
    element.text = text
    return element


def _titled(parent: ET.Element, title: str) -> ET.Element:
    """A group whose ``<title>`` is its hover note."""
    group = ET.SubElement(parent, "g")
    ET.SubElement(group, "title").text = title
    return group


def _glyph(
    parent: ET.Element,
    role: str,
    cx: float,
    cy: float,
    colour: str,
    r: float = 4.5,
    opacity: float = 1.0,
) -> None:
    """One role's mark, centred on (cx, cy): disc, diamond, ring or triangle (pale for a
    blanket claim, a source that names no single target)."""
    fade = {"opacity": str(opacity)} if opacity < 1 else {}
    centre = {"cx": f"{cx:.1f}", "cy": f"{cy:.1f}"}
    if role == "implements":
        ET.SubElement(parent, "circle", {**centre, "r": str(r), "fill": colour, **fade})
        return
    if role == "monitors":
        ring = {"r": str(r - 0.8), "fill": "none", "stroke": colour, "stroke-width": "1.8"}
        ET.SubElement(parent, "circle", {**centre, **ring, **fade})
        return
    if role == "aligns":
        pts = f"{cx},{cy - r - 1} {cx + r + 1},{cy} {cx},{cy + r + 1} {cx - r - 1},{cy}"
    else:
        pts = f"{cx},{cy - r} {cx + r},{cy + r} {cx - r},{cy + r}"
    ET.SubElement(parent, "polygon", {"points": pts, "fill": colour, **fade})


#: Where each role's glyph sits in a cell (quadrants), so several roles never overlap.
_SPOT = {
    "implements": (0.3, 0.3),
    "aligns": (0.7, 0.3),
    "monitors": (0.3, 0.7),
    "benefits": (0.7, 0.7),
}


def _label_width(rows: list[dict[str, Any]]) -> int:
    widest = max([display_width(clip(r["label"], LABEL_CELLS)) * 7 for r in rows] + [120])
    return widest + 24


def matrix_svg(matrix: dict[str, Any], lang: str = "zh") -> str:
    """The matrix as an SVG picture (see the module docstring for the visual code)."""
    cols, rows, cell = matrix["columns"], matrix["rows"], CELL
    groups = [g for g in GROUPS if any(r["group"] == g for r in rows)]
    left, top = _label_width(rows), 128
    body = cell * len(rows) + 28 * len(groups)
    width = max(left + cell * len(cols) + 30, 760)
    height = top + body + 200
    svg = ET.Element(
        "svg",
        {
            "xmlns": "http://www.w3.org/2000/svg",
            "width": str(width),
            "height": str(height),
            "viewBox": f"0 0 {width} {height}",
            "font-family": "DejaVu Sans, Noto Sans CJK SC, sans-serif",
            "font-size": "12",
        },
    )
    ET.SubElement(svg, "rect", width="100%", height="100%", fill="#ffffff")
    _text(svg, 10, 24, matrix["title"], font_size="16", font_weight="bold")
    goal_start: dict[str, int] = {}
    for i, col in enumerate(cols):
        x = left + i * cell
        goal_start.setdefault(col["goal"], i)
        empty = not col["supporters"] and col["target"]
        if empty:
            box = {"x": str(x), "y": str(top - 24), "width": str(cell), "height": str(body + 24)}
            ET.SubElement(svg, "rect", {**box, "fill": "#ffebee"})
        _text(
            _titled(svg, col["title"]),
            x + cell / 2,
            top - 8,
            col["short"],
            text_anchor="middle",
            font_size="13" if col["target"] else "9",
            font_weight="bold",
            fill="#c62828" if empty else "#222222",
        )
    for goal, i in goal_start.items():
        span = sum(1 for c in cols if c["goal"] == goal)
        x = left + i * cell
        ends = {"x1": str(x + 2), "y1": str(top - 40), "x2": str(x + span * cell - 2)}
        ET.SubElement(svg, "line", {**ends, "y2": str(top - 40), "stroke": "#555"})
        name = words(lang, f"目标 {goal}", f"Goal {goal}") if goal else message("whole_plan", lang)
        _text(svg, x + span * cell / 2, top - 46, name, text_anchor="middle")
    y = top
    for g in groups:
        band = {"x": "0", "y": str(y), "width": str(width), "height": "24", "fill": "#eceff1"}
        ET.SubElement(svg, "rect", band)
        _text(svg, 10, y + 17, message(f"group_{g}", lang), font_weight="bold")
        y += 28
        for row in (r for r in rows if r["group"] == g):
            label = _titled(svg, f"{row['label']} ({row['id']})")
            _text(label, left - 10, y + 17, clip(row["label"], LABEL_CELLS), text_anchor="end")
            for i, col in enumerate(cols):
                x = left + i * cell
                box = {"x": str(x), "y": str(y), "width": str(cell), "height": str(cell)}
                ET.SubElement(svg, "rect", {**box, "fill": "none", "stroke": "#e0e0e0"})
                roles = row["cells"].get(col["id"])
                if not roles:
                    continue
                pale = {r for r in roles if f"{col['id']} {r}" in row.get("blanket", ())}
                tip = "; ".join(
                    f"{r}: {', '.join(lv)}" + (" (blanket claim)" if r in pale else "")
                    for r, lv in roles.items()
                )
                marks = _titled(svg, f"{row['label']} → {col['title']}: {tip}")
                for r, lv in roles.items():
                    if r in _SPOT:
                        x_, y_ = x + cell * _SPOT[r][0], y + cell * _SPOT[r][1]
                        fade = 0.35 if r in pale else 1.0
                        _glyph(marks, r, x_, y_, LEVEL_COLOUR[_best(lv)], opacity=fade)
            y += cell
    y += 22
    _text(svg, left - 10, y, message("organizations", lang), text_anchor="end")
    for i, col in enumerate(cols):
        empty = not col["supporters"] and col["target"]
        _text(
            svg,
            left + i * cell + cell / 2,
            y,
            str(col["supporters"]),
            text_anchor="middle",
            font_weight="bold",
            fill="#c62828" if empty else "#222222",
        )
    y += 34
    for k, role in enumerate(ROLES):
        x = 10 + k * 190
        _glyph(svg, role, x + 8, y - 4, "#333333", 6)
        _text(svg, x + 22, y, message(f"role_{role}", lang))
    y += 28
    for k, level in enumerate(LEVELS):  # two columns: the words are long
        x, yy = 10 + (k % 2) * 380, y + (k // 2) * 24
        box = {"x": str(x), "y": str(yy - 13), "width": "16", "height": "16"}
        ET.SubElement(svg, "rect", {**box, "fill": LEVEL_COLOUR[level]})
        _text(svg, x + 22, yy, message(f"level_{level}", lang))
    _glyph(svg, "implements", 18, y + 44, LEVEL_COLOUR["curated"], 6, opacity=0.35)
    _text(svg, 32, y + 48, message("pale_blanket", lang))
    y += 80
    note = words(
        lang,
        "粉色列：所计证据中没有任何联系（并不表示无人开展工作）",
        "pink column: " + CAVEAT.split(":")[0] + " (which does not mean nobody works on it)",
    )
    _text(svg, 10, y, note, fill="#c62828")
    ET.indent(svg, space="")
    return ET.tostring(svg, encoding="unicode") + "\n"


def svg_to_png(svg: Path, png: Path) -> Path | None:
    """Render ``svg`` to ``png`` with headless chromium; ``None`` when chromium is missing."""
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if not browser:
        return None
    text = svg.read_text(encoding="utf-8")
    head = text[: text.index(">")]
    width = int(head.split('width="')[1].split('"')[0])
    height = int(head.split('height="')[1].split('"')[0])
    with tempfile.TemporaryDirectory(prefix="emg-kg-png-") as tmp:
        page = Path(tmp) / "matrix.html"
        from markupsafe import Markup

        from emg_kg.views.templating import render

        svg_page = render("views/png.html", svg=Markup(text))  # noqa: S704 (our own SVG)
        page.write_text(svg_page, encoding="utf-8")
        shot = Path(tmp) / "matrix.png"
        subprocess.run(
            [
                browser,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--hide-scrollbars",
                f"--user-data-dir={tmp}/profile",
                f"--window-size={width},{height}",
                f"--screenshot={shot}",
                page.as_uri(),
            ],
            check=False,
            capture_output=True,
            timeout=120,
        )
        if not shot.is_file():
            return None
        png.write_bytes(shot.read_bytes())
    return png
