"""HTML building blocks for the web app: escaping, the page frame, links, tables, a small graph.

Every piece of text that comes from the graph or the request goes through :func:`esc`; nothing
here loads from the internet (the style sheet is served from ``/static/``, the neighbourhood
graph is inline SVG).
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Sequence
from urllib.parse import urlencode

from emg_kg.prefixes import PREFIXES

__all__ = ["esc", "frame", "href", "local_path", "table", "svg_graph", "qs", "LANGS"]

ID = PREFIXES["emgid"]
ONTOLOGY = PREFIXES["emg"]  # the project's own classes and properties: /ontology/NAME
LANGS = ("zh", "en")
_NAV = [
    ("/", "首页", "Home"),
    ("/queries", "查询", "Queries"),
    ("/editor", "SPARQL", "SPARQL"),
    ("/views", "图示", "Views"),
    ("/timeline", "时间线", "Timeline"),
]


def esc(text: object) -> str:
    """HTML-escape anything (quotes too, so it is safe in attributes)."""
    return html.escape(str(text), quote=True)


def qs(**params: str | None) -> str:
    """A query string (with ``?``) of the non-empty parameters."""
    kept = {k: v for k, v in params.items() if v}
    return "?" + urlencode(kept) if kept else ""


def local_path(iri: str) -> str | None:
    """The server path of an entity IRI (``/id/agency/UNDP``) or of an ontology term
    (``/ontology/AichiTarget``), or None if it is not ours."""
    if iri.startswith(ID):
        return "/" + iri[len(ID) - 3 :]
    local = iri[len(ONTOLOGY) :]
    if iri.startswith(ONTOLOGY) and local and "/" not in local and "?" not in local:
        return "/ontology/" + local
    return None


def href(iri: str, lang: str) -> str:
    """Where a link to ``iri`` goes: its page on this server, else the IRI itself."""
    path = local_path(iri)
    return path + qs(lang=lang) if path else iri


def frame(
    title: str,
    body: str,
    lang: str,
    path: str = "/",
    params: dict[str, str] | None = None,
    head: str = "",
) -> bytes:
    """A whole page: navigation, search box, language switch, then ``body`` (already HTML)."""
    nav = " ".join(
        f'<a href="{esc(p + qs(lang=lang))}">{esc(zh if lang == "zh" else en)}</a>'
        for p, zh, en in _NAV
    )
    other = dict(params or {})
    switch = " | ".join(
        f"<strong>{esc(name)}</strong>"
        if code == lang
        else f'<a hreflang="{code}" href="{esc(path + qs(**{**other, "lang": code}))}">'
        f"{esc(name)}</a>"
        for code, name in (("zh", "中文"), ("en", "English"))
    )
    placeholder = "搜索名称、简称或段落文字" if lang == "zh" else "search names, acronyms, text"
    searched = (params or {}).get("q", "") if path == "/search" else ""
    doc = f"""<!doctype html>
<html lang="{esc(lang)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(title)} · emg-kg</title>
<link rel="stylesheet" href="/static/style.css">
{head}</head>
<body>
<header><nav><span class="brand">emg-kg</span> {nav}</nav>
<form class="search" action="/search" method="get" role="search">
<input type="search" name="q" aria-label="search" placeholder="{esc(placeholder)}" value="{
        esc(searched)
    }">
<input type="hidden" name="lang" value="{esc(lang)}"><button type="submit">{
        "搜索" if lang == "zh" else "Search"
    }</button></form>
<span class="langs">{switch}</span></header>
<main>
<h1>{esc(title)}</h1>
{body}
</main>
<footer>emg-kg · UNEP/GC.27 progress report on the Environment Management Group ·
<a href="/sparql">SPARQL endpoint</a></footer>
</body>
</html>
"""
    return doc.encode("utf-8")


def table(head: Sequence[str], rows: Iterable[Sequence[str]], cls: str = "") -> str:
    """A table; ``head`` is plain text (escaped here), cells are HTML (escape them before)."""
    th = "".join(f"<th>{esc(h)}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>\n" for row in rows)
    return f'<table class="{esc(cls)}"><thead><tr>{th}</tr></thead><tbody>\n{body}</tbody></table>'


def svg_graph(
    centre: tuple[str, str],
    around: list[tuple[str, str, str, bool]],
    width: int = 900,
    height: int = 560,
) -> str:
    """A radial picture of one entity and its neighbours, as inline SVG (no script).

    ``centre`` is (label, link); ``around`` holds (label, link, edge label, outgoing).
    """
    if not around:
        return ""
    # an ellipse, wider than high, leaves room for the labels at the sides
    mid, mid_y, rx, ry = width / 2, height / 2, width / 2 - 200, height / 2 - 60
    parts = [
        f'<svg class="neighbourhood" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" aria-label="neighbourhood graph">',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="6" '
        'markerHeight="6" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
        'fill="#889"/></marker></defs>',
    ]
    nodes = []
    for i, (label, link, edge, outgoing) in enumerate(around):
        angle = 2 * math.pi * i / len(around) - math.pi / 2
        x, y = mid + rx * math.cos(angle), mid_y + ry * math.sin(angle)
        x1, y1, x2, y2 = (mid, mid_y, x, y) if outgoing else (x, y, mid, mid_y)
        # stop the line short of the node circles
        dx, dy = x2 - x1, y2 - y1
        dist = math.hypot(dx, dy) or 1
        sx, sy = x1 + dx * 18 / dist, y1 + dy * 18 / dist
        ex, ey = x2 - dx * 14 / dist, y2 - dy * 14 / dist
        parts.append(
            f'<line x1="{sx:.0f}" y1="{sy:.0f}" x2="{ex:.0f}" y2="{ey:.0f}" '
            'stroke="#99a" marker-end="url(#arrow)"><title>'
            f"{esc(edge)}</title></line>"
        )
        parts.append(
            f'<text class="edge" x="{(x1 + x2) / 2:.0f}" y="{(y1 + y2) / 2:.0f}">'
            f"{esc(_clip(edge, 18))}</text>"
        )
        anchor = "start" if math.cos(angle) > 0.3 else "end" if math.cos(angle) < -0.3 else "middle"
        ty = y + (22 if math.sin(angle) > 0.3 else -16 if math.sin(angle) < -0.3 else 4)
        tx = x + (16 if anchor == "start" else -16 if anchor == "end" else 0)
        nodes.append(
            f'<a href="{esc(link)}"><circle cx="{x:.0f}" cy="{y:.0f}" r="10" '
            f'class="node"/><text x="{tx:.0f}" y="{ty:.0f}" text-anchor="{anchor}">'
            f"{esc(_clip(label, 26))}<title>{esc(label)}</title></text></a>"
        )
    label, link = centre
    nodes.append(
        f'<a href="{esc(link)}"><circle cx="{mid:.0f}" cy="{mid_y:.0f}" r="16" '
        f'class="centre"/><text x="{mid:.0f}" y="{mid_y + 34:.0f}" text-anchor="middle" '
        f'class="centre">{esc(_clip(label, 28))}<title>{esc(label)}</title></text></a>'
    )
    return "\n".join(parts + nodes + ["</svg>"])


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
