"""Text output of the views: the self-contained HTML page, and the coverage matrix as SVG and CSV.

The page template is ``emg_kg/templates/view.html``; vis-network's JavaScript is read from the
copy pyvis ships (``pyvis/templates/lib/vis-9.1.2``) and inlined, so a page loads nothing from
the network. Data from the graph only ever reaches the page as JSON inside a
``<script type="application/json">`` element with ``<``, ``>``, ``&`` and U+2028/2029 escaped,
and the page's script puts it into the DOM with ``textContent``: a label cannot inject markup.
"""

from __future__ import annotations

import csv
import importlib.util
import io
import json
import re
from collections import defaultdict
from functools import lru_cache
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape as xml_escape

from .projection import LEVELS, WHOLE_PLAN, short, sort_key

if TYPE_CHECKING:
    import networkx as nx

__all__ = [
    "TITLES",
    "vis_js",
    "script_json",
    "node_label",
    "render_page",
    "matrix_data",
    "matrix_svg",
    "matrix_csv",
]

TEMPLATE = Path(__file__).parent / "templates" / "view.html"
VIS_VERSION = "vis-9.1.2"
_PLACEHOLDER = re.compile(r"__(TITLE|LANG|DATA|VIS)__")
_SCRIPT_ESCAPES = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}


@lru_cache(maxsize=1)
def vis_js() -> str:
    """vis-network's standalone build from the pyvis package, safe to inline in ``<script>``."""
    spec = importlib.util.find_spec("pyvis")  # locate only: importing pyvis pulls in IPython
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("pyvis is not installed: it ships the vis-network script")
    lib = Path(next(iter(spec.submodule_search_locations))) / "templates" / "lib" / VIS_VERSION
    js = (lib / "vis-network.min.js").read_text(encoding="utf-8")
    js = re.sub(r"^//# sourceMappingURL=.*$", "", js, flags=re.MULTILINE)  # no .map fetch
    return js.replace("</script", "<\\/script").replace("<!--", "<\\!--")


def script_json(data: Any) -> str:
    """JSON that can sit inside a ``<script>`` element whatever strings it holds.

    >>> script_json({"label": "</script><b>&\u2028"})
    '{"label":"\\\\u003c/script\\\\u003e\\\\u003cb\\\\u003e\\\\u0026\\\\u2028"}'
    """
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return re.sub("[<>&\u2028\u2029]", lambda m: _SCRIPT_ESCAPES[m.group()], text)


LABEL_ROOM = 26  # characters shown under a node; the hover card has the full name
#: View -> (English title, Chinese title).
TITLES = {
    "agency-target": (
        "Who supports which Aichi Biodiversity Target",
        "哪些机构支持哪些爱知生物多样性目标",
    ),
    "mandates": ("Mandates: who asks whom to do what, by when", "任务授权：谁请谁在何时之前做什么"),
    "citations": (
        "Decisions and documents: what cites, contains or follows what",
        "决定与文件：引用、包含与承接",
    ),
    "organizations": ("Organizations, posts and people", "组织、职位与人员"),
    "whole": ("The whole graph", "整个知识图谱"),
}


def node_label(d: dict[str, Any], lang: str) -> str:
    """The text under a node: the name in ``lang``, its acronym when the name is long, a target's
    number and subject; cut to :data:`LABEL_ROOM` characters (the hover card has it all)."""
    text = d.get(f"label_{lang}") or d.get("short", "")
    if d.get("class") == "AichiTarget" and d.get("notation"):
        number = f"目标{d['notation']}" if lang == "zh" else f"T{d['notation']}"
        text = f"{number} {d.get(f'title_{lang}') or d.get('title_en') or ''}".strip()
    elif len(text) > 18 and d.get(f"abbr_{lang}"):
        text = d[f"abbr_{lang}"]
    return text if len(text) <= LABEL_ROOM else text[: LABEL_ROOM - 1] + "…"


def render_page(data: dict[str, Any]) -> str:
    """The HTML page for one view's data (see :func:`emg_kg.viz.page_data`)."""
    parts = {
        "TITLE": escape(str(data.get("title", "emg-kg")), quote=True),
        "LANG": "zh-Hans" if data.get("lang") == "zh" else "en",
        "DATA": script_json(data),
        "VIS": vis_js(),
    }
    template = TEMPLATE.read_text(encoding="utf-8")
    return _PLACEHOLDER.sub(lambda m: parts[m.group(1)], template)  # one pass: no re-expansion


# --- the agency x target coverage matrix ----------------------------------------------------

_WHOLE = {True: ("all", "全部"), False: ("plan", "计划")}  # the target set / the Strategic Plan


def matrix_data(G: nx.MultiDiGraph, lang: str = "zh") -> dict[str, Any]:
    """The ``agency-target`` view as rows (supporters) x columns (whole plan, then targets)."""
    cols = []
    for n, d in G.nodes(data=True):
        if d.get("bipartite") != 1:
            continue
        target = d.get("class") == "AichiTarget"
        label = d.get(f"label_{lang}") or d.get("label_en", str(n))
        cols.append(
            {
                "id": d.get("short", str(n)),
                "node": n,
                "target": target,
                "goal": (d.get("goal") or "").split("-")[-1] if target else "",
                "short": d.get("notation") or _WHOLE[str(n).endswith("scheme")][lang == "zh"],
                "title": f"{label}: {d.get(f'title_{lang}') or ''}".rstrip(": "),
                "supporters": len({u for u, _ in G.in_edges(n)}),
            }
        )
    cols.sort(key=lambda c: (c["target"], c["goal"], sort_key(c["short"])))
    rows = []
    for n, d in G.nodes(data=True):
        if d.get("bipartite") == 1:
            continue
        cells: dict[str, list[str]] = defaultdict(list)
        for _, t, e in G.out_edges(n, data=True):
            cells[G.nodes[t].get("short", str(t))].append(e.get("level") or "user")
        cells = {k: sorted(set(v), key=LEVELS.index) for k, v in cells.items()}
        targets = sum(1 for c in cols if c["target"] and c["id"] in cells)
        rows.append(
            {
                "id": d.get("short", str(n)),
                "label": node_label(d, lang),
                "cells": cells,
                "targets": targets,
            }
        )
    rows.sort(key=lambda r: (-r["targets"], -len(r["cells"]), r["id"]))
    title = TITLES["agency-target"][1 if lang == "zh" else 0]
    return {"title": title, "columns": cols, "rows": rows, "plan": [short(p) for p in WHOLE_PLAN]}


#: Evidence level -> (fill, stroke, pattern id or ""), distinct in colour and in shape.
CELL_STYLE = {
    "stated": ("#1b5e20", "#1b5e20", ""),
    "curated": ("#ffffff", "#1f77b4", ""),
    "derived": ("url(#hatch)", "#e65100", "hatch"),
    "user": ("#ffffff", "#7b1fa2", ""),
}
LEVEL_NAMES = {
    "stated": ("stated in the report", "报告明文"),
    "curated": ("curated from a named source", "外部来源"),
    "derived": ("derived from the report's text", "据报告推断"),
    "user": ("user mapping", "用户映射"),
}


def matrix_csv(matrix: dict[str, Any]) -> str:
    """Rows: supporters; columns: targets (and the plan as a whole); cells: evidence levels."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    cols = matrix["columns"]
    writer.writerow(["supporter", "name", *(c["id"] for c in cols), "targets supported"])
    for row in matrix["rows"]:
        cells = ["|".join(row["cells"].get(c["id"], [])) for c in cols]
        writer.writerow([row["id"], row["label"], *cells, row["targets"]])
    writer.writerow(["supporters", "", *(str(c["supporters"]) for c in cols), ""])
    return out.getvalue()


def _width(text: str) -> int:
    """Rough width in pixels at 12 px: CJK characters are about twice as wide as Latin ones."""
    return sum(12 if ord(c) >= 0x2E80 else 7 for c in text)


def _text(x: float, y: float, text: str, **attrs: str) -> str:
    extra = "".join(f' {k.replace("_", "-")}="{xml_escape(v)}"' for k, v in attrs.items())
    return f'<text x="{x:.0f}" y="{y:.0f}"{extra}>{xml_escape(text)}</text>'


def matrix_svg(matrix: dict[str, Any], lang: str = "zh") -> str:
    """The matrix as an SVG picture: one cell per supporter and target, evidence levels drawn
    distinctly (filled, outlined, hatched, dotted), unaddressed targets struck out in red."""
    cols, rows, cell = matrix["columns"], matrix["rows"], 24
    left, top = 30 + max([_width(r["label"]) for r in rows] + [60]), 118
    width, height = left + cell * len(cols) + 40, top + cell * (len(rows) + 1) + 100
    zh = lang == "zh"
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="system-ui, Noto Sans CJK SC, sans-serif" '
        'font-size="12">',
        '<defs><pattern id="hatch" width="5" height="5" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><rect width="5" height="5" fill="#fff3e0"/>'
        '<line x1="0" y1="0" x2="0" y2="5" stroke="#e65100" stroke-width="2"/></pattern></defs>',
        '<rect width="100%" height="100%" fill="#ffffff"/>',
        _text(10, 22, matrix["title"], font_size="16", font_weight="bold"),
    ]
    goal_start: dict[str, int] = {}
    for i, col in enumerate(cols):
        x = left + i * cell
        goal_start.setdefault(col["goal"], i)
        if not col["supporters"] and col["target"]:
            out.append(
                f'<rect x="{x}" y="{top - 22}" width="{cell}" height="{cell * len(rows) + 22}"'
                ' fill="#ffebee"/>'
            )
        colour = "#c62828" if not col["supporters"] and col["target"] else "#222222"
        out.append(
            f"<g><title>{xml_escape(col['title'])}</title>"
            + _text(x + cell / 2, top - 8, col["short"], text_anchor="middle", fill=colour)
            + "</g>"
        )
    for goal, i in goal_start.items():
        span = sum(1 for c in cols if c["goal"] == goal)
        x = left + i * cell
        out.append(
            f'<line x1="{x + 1}" y1="{top - 44}" x2="{x + span * cell - 1}" '
            f'y2="{top - 44}" stroke="#555"/>'
        )
        out.append(
            _text(
                x + span * cell / 2,
                top - 50,
                goal or ("整体" if zh else "whole plan"),
                text_anchor="middle",
                font_weight="bold",
            )
        )
    for j, row in enumerate(rows):
        y = top + j * cell
        out.append(_text(left - 8, y + 16, row["label"], text_anchor="end"))
        for i, col in enumerate(cols):
            x = left + i * cell
            out.append(
                f'<rect x="{x}" y="{y}" width="{cell}" height="{cell}" fill="none" '
                'stroke="#dddddd"/>'
            )
            levels = row["cells"].get(col["id"])
            if levels:
                fill, stroke, _ = CELL_STYLE[levels[0]]
                dash = ' stroke-dasharray="2 2"' if levels[0] == "user" else ""
                tip = xml_escape(f"{row['label']} → {col['title']}: {', '.join(levels)}")
                out.append(
                    f'<rect x="{x + 4}" y="{y + 4}" width="{cell - 8}" height="{cell - 8}" '
                    f'fill="{fill}" stroke="{stroke}" stroke-width="2"{dash}>'
                    f"<title>{tip}</title></rect>"
                )
    y = top + len(rows) * cell + 18
    out.append(_text(left - 8, y, "支持方数目" if zh else "supporters", text_anchor="end"))
    for i, col in enumerate(cols):
        colour = "#c62828" if not col["supporters"] and col["target"] else "#222222"
        out.append(
            _text(
                left + i * cell + cell / 2,
                y,
                str(col["supporters"]),
                text_anchor="middle",
                fill=colour,
                font_weight="bold",
            )
        )
    y += 30
    for k, (level, names) in enumerate(LEVEL_NAMES.items()):
        fill, stroke, _ = CELL_STYLE[level]
        dash = ' stroke-dasharray="2 2"' if level == "user" else ""
        x = 10 + (k % 2) * 280
        yy = y + (k // 2) * 24
        out.append(
            f'<rect x="{x}" y="{yy - 12}" width="16" height="16" fill="{fill}" '
            f'stroke="{stroke}" stroke-width="2"{dash}/>'
        )
        out.append(_text(x + 24, yy + 1, names[1] if zh else names[0]))
    note = (
        "红色：报告中没有任何实体支持的目标"
        if zh
        else "red: targets no entity in the report is said to support"
    )
    out.append(_text(10, y + 56, note, fill="#c62828"))
    out.append("</svg>")
    return "\n".join(out) + "\n"
