"""The web app's own pages: home, search, the query gallery and runner, the editor, timeline.

Each function returns a whole page as bytes; the server runs the queries (in its worker pool)
and hands the SPARQL JSON answer in. The markup is in ``templates/web/`` (rendered by
:mod:`emg_kg.views.templating`, which escapes every label and value); this module gathers the data.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlencode

from markupsafe import Markup

from emg_kg.lang import words
from emg_kg.prefixes import ID
from emg_kg.query.registry import NamedQuery
from emg_kg.views.templating import render
from emg_kg.web.catalog import Catalog
from emg_kg.web.editor import DEFAULT_QUERY, editor_config
from emg_kg.web.markup import href, link, qs

__all__ = [
    "home",
    "search_page",
    "gallery",
    "query_page",
    "editor_page",
    "timeline_page",
    "views_page",
    "results_table",
]

_EDITOR_NOTE = (
    "默认图为所有证据图的并集；项目前缀已预先声明。",
    "The default graph is the union of all evidence graphs; the project prefixes are predeclared.",
)


def _page(template: str, title: str, lang: str, path: str, params: Any = None, **ctx: Any) -> bytes:
    """A whole page: ``template`` (which extends ``web/base.html``) rendered, as UTF-8."""
    kept = dict(params or {})
    return render(template, title=title, lang=lang, path=path, params=kept, **ctx).encode("utf-8")


def editor_embed(
    cat: Catalog, queries: dict[str, NamedQuery], lang: str, text: str = "", run: bool = False
) -> dict[str, Any]:
    """The YASGUI editor's settings (``templates/web/editor_embed.html`` puts them in the page
    as JSON, with the scripts that read them)."""
    config = editor_config(cat, queries, lang, text)
    config["run"] = run
    return config


def home(
    cat: Catalog,
    lang: str,
    gaps: str,
    views: Sequence[tuple[str, str]],
    queries: dict[str, NamedQuery],
    evidence: str = "report",
) -> bytes:
    """Search box, the gap report (an HTML fragment rendered from its own template), and links
    to every view, query and page."""
    kept = {"evidence": evidence} if evidence != "report" else None  # the language switch
    title = words(lang, "环境管理小组知识图谱", "EMG knowledge graph")
    return _page(
        "web/home.html",
        title,
        lang,
        "/",
        kept,
        gaps=Markup(gaps),  # noqa: S704 (rendered by webviews.gap_report's template)
        views=views,
        queries=queries,
        note=words(lang, *_EDITOR_NOTE),
        editor=editor_embed(cat, queries, lang),
    )


def search_page(cat: Catalog, q: str, lang: str) -> bytes:
    entities, passages = cat.search(q)
    rows = [
        [
            [link(href(h.iri, lang), cat.label(h.iri, lang))],
            cat.label(h.iri, "en" if lang == "zh" else "zh"),
            [h.matched, " ", {"tag": h.kind}],
            cat.short(h.iri),
        ]
        for h in entities
    ]
    translated = words(lang, "英译", "translation")
    passage_rows = [
        [
            [link(href(h.iri, lang), cat.label(h.iri, lang))],
            [h.matched, *((" ", {"tag": translated}) if h.kind == "text-en" else ())],
        ]
        for h in passages
    ]
    note = ""
    if any(h.kind == "text-en" for h in passages):
        from emg_kg.data.translation import NOTE

        note = NOTE[lang]
    title = f"{words(lang, '搜索', 'Search')}: {q}"
    return _page(
        "web/search.html",
        title,
        lang,
        "/search",
        {"q": q},
        entities=rows,
        passages=passage_rows,
        note=note,
    )


def _cell(cat: Catalog, term: dict[str, str] | None, lang: str) -> list[Any]:
    """A SPARQL JSON term as table-cell parts (see ``templates/web/macros.html``)."""
    if not term:
        return []
    value = term.get("value", "")
    if term.get("type") == "uri":
        label = cat.label(value, lang) if value in cat.labels else cat.short(value)
        return [link(href(value, lang), label, title=value)]
    tag = term.get("xml:lang")
    if not tag and _EVIDENCE.fullmatch(value):  # "para:13, fn:12": each a link to its page
        out: list[Any] = []
        for name in re.split(r",\s*|\s+", value):
            out += [", "] if out else []
            out.append(_evidence_link(cat, name, lang))
        return out
    return [value, " ", {"tag": "@" + tag}] if tag else [value]


_EVIDENCE_NAME = r"(?:para|fn|src|inf):[\w.\-]+"
_EVIDENCE = re.compile(rf"{_EVIDENCE_NAME}(?:(?:,\s*|\s+){_EVIDENCE_NAME})*")


def _evidence_link(cat: Catalog, name: str, lang: str) -> dict[str, Any]:
    """An evidence graph named in a text cell (``para:13``) as a link to its page."""
    from emg_kg.prefixes import PREFIXES

    prefix, _, local = name.partition(":")
    iri = PREFIXES[prefix] + local
    return link(href(iri, lang), name, title=cat.label(iri, lang))


def results_table(
    cat: Catalog, answer: dict[str, Any], lang: str, stretch: dict[str, Any] | None = None
) -> Markup:
    """A SPARQL JSON answer as an HTML table (IRIs link to their pages, named); ``stretch``
    (:func:`_stretch`) when it is one page of a longer answer."""
    if "boolean" in answer:
        return Markup(render("web/results.html", boolean=str(answer["boolean"]).lower()))
    names = answer.get("head", {}).get("vars", [])
    bindings = answer.get("results", {}).get("bindings", [])
    rows = [[_cell(cat, b.get(n), lang) for n in names] for b in bindings]
    noun = words(lang, "行", "row" if len(rows) == 1 else "rows")
    html = render(
        "web/results.html", boolean=None, names=names, rows=rows, noun=noun, stretch=stretch
    )
    return Markup(html)  # noqa: S704 (a rendered template)


#: The rows of a listing's page (a named query's results, the timeline): a corpus's listings
#: (7,820 open mandates at 2 M quads) are over any answer limit as a whole; a page shows one
#: stretch and links to the others.
PAGE_ROWS = 500


def _stretch(
    link_: str, values: dict[str, str], lang: str, paging: tuple[int, int, int], shown: int
) -> dict[str, Any] | None:
    """Which rows of how many a page of a named query's answer shows, and the links to the
    pages before and after it; None when the page shows the whole answer."""
    number, size, total = paging
    if number == 1 and shown >= total:
        return None

    def page(n: int) -> str:
        return link_ + qs(**{**values, "lang": lang, "page": str(n) if n > 1 else None})

    first = (number - 1) * size
    last_page = max((total + size - 1) // size, 1)
    return {
        "text": words(
            lang,
            f"第 {first + 1:,}–{first + shown:,} 行，共 {total:,} 行",
            f"Rows {first + 1:,}-{first + shown:,} of {total:,}",
        )
        if shown
        else words(lang, f"本页没有行，共 {total:,} 行", f"No rows on this page; {total:,} in all"),
        "links": [
            (words(lang, text_zh, text_en), page(n), rel)
            for text_zh, text_en, n, rel, wanted in (
                ("第一页", "first", 1, "first", number > 2),
                ("上一页", "previous", min(number - 1, last_page), "prev", number > 1),
                ("下一页", "next", number + 1, "next", first + shown < total),
            )
            if wanted
        ],
    }


def gallery(queries: dict[str, NamedQuery], lang: str) -> bytes:
    signatures = {
        name: ", ".join(p.name + ("*" if p.required else "") for p in q.params)
        for name, q in queries.items()
    }
    title = words(lang, "命名查询", "Named queries")
    return _page(
        "web/gallery.html", title, lang, "/queries", queries=queries, signatures=signatures
    )


def query_page(
    cat: Catalog,
    q: NamedQuery,
    values: dict[str, str],
    lang: str,
    answer: dict[str, Any] | None,
    error: str,
    missing: Sequence[str] = (),
    kind: str = "select",
    paging: tuple[int, int, int] = (1, 0, 0),
) -> bytes:
    """A form for the query's parameters, its results, download and share links; ``paging``
    is (page number, rows a page, rows in the whole answer)."""
    fields = [
        {
            "name": p.name,
            "required": p.required,
            "doc": p.doc,
            "value": values.get(p.name, p.default or p.example or ""),
            "choices": getattr(p, "choices", ()),  # `one-of=a|b` in the query header
        }
        for p in q.params
        if p.name != "lang"  # the page's language is the query's language
    ]
    link_ = f"/queries/{q.name}"
    stretch = None
    if answer is not None and paging[1]:
        shown = len(answer.get("results", {}).get("bindings", []))
        stretch = _stretch(link_, values, lang, paging, shown)
    empty = answer is not None and q.empty and not answer.get("results", {}).get("bindings", [1])
    return _page(
        "web/query.html",
        q.title or q.name,
        lang,
        link_,
        values,
        q=q,
        fields=fields,
        link=link_,
        missing=missing,
        error=error,
        formats=("ttl", "jsonld") if kind == "graph" else ("csv", "json"),
        encoded=urlencode(values),
        share=link_ + qs(**{**values, "lang": lang}),
        empty=q.empty if empty else "",
        results=None if answer is None else results_table(cat, answer, lang, stretch),
    )


def editor_page(
    cat: Catalog,
    text: str,
    lang: str,
    answer: dict[str, Any] | None,
    error: str,
    kind: str = "select",
    queries: dict[str, NamedQuery] | None = None,
) -> bytes:
    """The YASGUI editor (with ``queries`` as its examples) over a plain form that works
    without scripts: a textarea for ad-hoc SPARQL (GET, so the URL shares it) and the results.

    ``kind`` is the query's (``select``, ``ask``, ``graph``): a CONSTRUCT or DESCRIBE is
    offered as Turtle, N-Triples and JSON-LD, the others as CSV, TSV, JSON and XML.
    """
    return _page(
        "web/editor.html",
        words(lang, "SPARQL 编辑器", "SPARQL editor"),
        lang,
        "/editor",
        {"query": text} if text else None,
        shown=text or DEFAULT_QUERY.replace("LANG", lang),  # in the page's language
        text=text,
        note=words(lang, *_EDITOR_NOTE),
        error=error,
        formats=("ttl", "nt", "jsonld") if kind == "graph" else ("csv", "tsv", "json", "xml"),
        results=None if answer is None else results_table(cat, answer, lang),
        editor=editor_embed(cat, queries or {}, lang, text, run=bool(text.strip())),
    )


def timeline_page(cat: Catalog, lang: str, number: int = 1, size: int = 0) -> bytes:
    """Meetings and decisions the report names, by date, each with the evidence for the date;
    ``size`` (:data:`PAGE_ROWS`) a page, page ``number`` from 1 (a corpus of 2 M quads has
    4,840)."""
    size = size or PAGE_ROWS
    kinds = {"meeting": words(lang, "会议", "meeting"), "decision": words(lang, "决定", "decision")}
    every = cat.timeline()
    first = (number - 1) * size
    rows = []
    for r in every[first : first + size]:
        when = r["date"] + (f" – {r['end']}" if r.get("end") else "")
        evidence: list[Any] = []
        for graph, dates in r.get("sources", []):
            evidence += [{"br": True}] if evidence else []
            evidence.append(link(href(graph, lang), cat.label(graph, lang)))
            evidence += [" ", {"tag": dates}] if dates != r["date"] else []
        name = [link(href(r["x"], lang), cat.label(r["x"], lang))]
        rows.append([when, kinds.get(r["kind"], r["kind"]), name, evidence])
    title = words(lang, "会议与决定时间线", "Timeline of meetings and decisions")
    stretch = _stretch("/timeline", {}, lang, (number, size, len(every)), len(rows))
    return _page(
        "web/timeline.html", title, lang, "/timeline", rows=rows, total=len(every), stretch=stretch
    )


def views_page(views: Sequence[tuple[str, str]], lang: str) -> bytes:
    return _page("web/views.html", words(lang, "图示", "Views"), lang, "/views", views=views)


def not_found_page(
    lang: str, what: str, path: str, params: dict[str, str], search: str = ""
) -> bytes:
    """A 404 page; ``search`` offers a search for that text (the end of an unknown IRI)."""
    title = words(lang, "未找到", "Not found")
    return _page("web/not_found.html", title, lang, path, params, what=what, search=search)


def too_large_page(lang: str, path: str, size: int, limit: int) -> bytes:
    """The 422 page for an HTML page over ``--max-bytes`` (a view of a corpus can be megabytes):
    in the app's layout, in the reader's language, with the smaller pages that still answer,
    where a bare line of text left a reader with nothing to follow (a view, or a hub's page with
    all its facts: the EMG's at 2 M quads)."""
    title = words(lang, "页面过大", "Page too large")
    return _page(
        "web/too_large.html",
        title,
        lang,
        path,
        size=f"{size:,}",
        limit=f"{limit:,}",
        view=path.startswith("/views/"),
        entity=ID + path[len("/id/") :] if path.startswith("/id/") else "",
    )
