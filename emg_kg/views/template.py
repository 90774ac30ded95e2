"""Text output of the views: the self-contained HTML page (the coverage matrix: viz_matrix.py).

The page template is ``emg_kg/views/templates/view.html`` (Jinja2, see
:mod:`emg_kg.views.templating`);
vis-network's JavaScript is read from the copy pyvis ships (``pyvis/templates/lib/vis-9.1.2``)
and inlined, so a page loads nothing from the network. Data from the graph only ever reaches
the page as JSON inside a ``<script type="application/json">`` element with ``<``, ``>``,
``&`` and U+2028/2029 escaped (the ``script_json`` filter), and the page's script puts it
into the DOM with ``textContent``: a label cannot inject markup.
"""

from __future__ import annotations

import importlib.util
import re
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from emg_kg.query.results import clip
from emg_kg.views.templating import script_json  # noqa: F401 (its home was here)

if TYPE_CHECKING:
    pass

__all__ = [
    "TITLES",
    "vis_js",
    "script_json",
    "node_label",
    "bounded_note",
    "edge_word",
    "edge_note",
    "render_page",
]

VIS_VERSION = "vis-9.1.2"


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


#: display cells shown under a node (a Chinese character takes two, so a Chinese name gets the
#: room an English one gets, not twice it); the hover card has the full name
LABEL_ROOM = 26
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
    number and subject; cut to :data:`LABEL_ROOM` display cells (the hover card has it all)."""
    text = d.get(f"label_{lang}") or d.get("short", "")
    if d.get("class") == "AichiTarget" and d.get("notation"):
        number = f"目标{d['notation']}" if lang == "zh" else f"T{d['notation']}"
        text = f"{number} {d.get(f'title_{lang}') or d.get('title_en') or ''}".strip()
    elif len(text) > 18 and d.get(f"abbr_{lang}"):
        text = d[f"abbr_{lang}"]
    return clip(text, LABEL_ROOM)


def edge_word(d: dict[str, Any], lang: str) -> str:
    """An edge's label: the mandate's verb and status (in Chinese on a Chinese page, where the
    vocabulary has the words), else the predicate's local name."""
    if d.get("verb"):
        zh = lang == "zh"
        verb = (zh and d.get("verb_zh")) or d["verb"]
        status = (zh and d.get("status_zh")) or d.get("status")
        return f"{verb} ({status})" if status else verb
    if d.get("role"):  # a support statement: its role (implements, aligns, monitors, benefits)
        return f"{d['role']} ({d.get('level', 'user')})"
    return str(d.get("predicate", "")).split(":")[-1]


def edge_note(d: dict[str, Any], lang: str) -> str:
    bits = [
        d.get("mandate") or d.get("statement") or "",
        d.get("status", ""),
        f"as of {d['as_of']}" if d.get("as_of") else "",
        d.get("due_label") or d.get("due", ""),
        d.get("due_date", ""),
        d.get(f"action_{lang}") or d.get("action_en") or "",
        d.get("reasoning", ""),
        f"source: {d['source']}" if d.get("source") else "",
    ]
    return " · ".join(b for b in bits if b)


def bounded_note(graph: dict[str, Any], lang: str) -> str:
    """What a bounded whole view says on its page: how many entities it draws, how many it
    leaves out, and where to see them (:func:`~emg_kg.analysis.projection.whole`).

    >>> print(bounded_note({"entities": 5000, "limit": 2000, "left_out": 3000}, "en"))
    ... # doctest: +ELLIPSIS
    Showing the 2,000 most connected of 5,000 entities: 3,000 are left out of this page. ...
    """
    total, limit, out = graph["entities"], graph["limit"], graph["left_out"]
    if graph.get("centre"):
        return _bounded_neighbourhood(total, out, lang)
    if lang == "zh":
        return (
            f"本页只显示 {total:,} 个实体中连线最多的 {limit:,} 个，其余 {out:,} 个未显示。"
            "查看它们：某个实体的邻域（emg-kg viz neighbourhood --entity X，或 emg-kg serve "
            "中的实体页面）、按主题的视图（agency-target、mandates、citations、organizations），"
            f"或提高上限（emg-kg viz whole --limit {total}；0 表示全部）。"
        )
    return (
        f"Showing the {limit:,} most connected of {total:,} entities: {out:,} are left out of "
        "this page. To see them: an entity's neighbourhood (emg-kg viz neighbourhood --entity "
        "X, or its page in emg-kg serve), a view by subject (agency-target, mandates, "
        f"citations, organizations), or a higher limit (emg-kg viz whole --limit {total}; "
        "0 draws all)."
    )


def _bounded_neighbourhood(total: int, out: int, lang: str) -> str:
    """What a bounded neighbourhood says: it keeps its centre and the most connected of the
    entities around it.

    >>> print(_bounded_neighbourhood(5000, 3000, "en"))  # doctest: +ELLIPSIS
    Showing this entity and the 1,999 most connected of the 4,999 entities around it: ...
    """
    shown = total - out  # depth 2 and more: an entity whose way in was left out goes too
    if lang == "zh":
        return (
            f"本页只显示本实体及其周围 {total - 1:,} 个实体中连线最多的 {shown - 1:,} 个，"
            f"其余 {out:,} 个未显示。本实体的全部事实见其实体页面；或提高上限（emg-kg viz "
            f"neighbourhood --entity X --limit {total}；0 表示全部）。"
        )
    return (
        f"Showing this entity and the {shown - 1:,} most connected of the {total - 1:,} "
        f"entities around it: {out:,} are left out of this page. Its page in emg-kg serve lists "
        f"every fact; or a higher limit (emg-kg viz neighbourhood --entity X --limit {total}; "
        "0 draws all)."
    )


def render_page(data: dict[str, Any]) -> str:
    """The HTML page for one view's data (see :func:`emg_kg.views.viz.page_data`), from the Jinja2
    template ``templates/view.html`` (:mod:`emg_kg.views.templating`)."""
    from markupsafe import Markup

    from emg_kg.views.templating import render

    return render(
        "view.html",
        title=str(data.get("title", "emg-kg")),
        lang="zh-Hans" if data.get("lang") == "zh" else "en",
        data=data,
        vis=Markup(vis_js()),  # noqa: S704 (a script, with "</script" and "<!--" defused)
    )
