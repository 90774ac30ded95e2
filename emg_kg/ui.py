"""The web app's own pages: home, search, the query gallery and runner, the editor, timeline.

Each function returns a whole page as bytes; the server runs the queries (in its worker pool)
and hands the SPARQL JSON answer in. Every label and value is escaped (:func:`markup.esc`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlencode

from .catalog import Catalog
from .editor import DEFAULT_QUERY, editor_config
from .markup import esc, frame, href, qs, table
from .queries import NamedQuery
from .viz_template import script_json

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

#: The editor's style sheet, and its scripts (all served from ``emg_kg/web`` by ``/static/``).
EDITOR_HEAD = '<link rel="stylesheet" href="/static/yasgui.min.css">\n'
EDITOR_SCRIPTS = "".join(
    f'<script src="/static/{name}"></script>'
    for name in ("yasgui.min.js", "chart.umd.min.js", "vis-network.min.js", "editor.js")
)


_EDITOR_NOTE = (
    "默认图为所有证据图的并集；项目前缀已预先声明。",
    "The default graph is the union of all evidence graphs; the project prefixes are predeclared.",
)


def _zh(lang: str, zh: str, en: str) -> str:
    return zh if lang == "zh" else en


def editor_embed(
    cat: Catalog, queries: dict[str, NamedQuery], lang: str, text: str = "", run: bool = False
) -> str:
    """The YASGUI editor's mount point, its settings (JSON) and its scripts; ``web/editor.js``
    hides the plain form (``#editor-fallback``) once YASGUI is up."""
    config = editor_config(cat, queries, lang, text)
    config["run"] = run
    return (
        '<p id="editor-bar" hidden></p><div id="yasgui" hidden></div>'
        f'<script id="emg-editor-config" type="application/json">{script_json(config)}</script>'
        + EDITOR_SCRIPTS
    )


def home(
    cat: Catalog,
    lang: str,
    gaps: str,
    views: Sequence[tuple[str, str]],
    queries: dict[str, NamedQuery],
    evidence: str = "report",
) -> bytes:
    """Search box, the gap report, and links to every view, query and page."""
    view_links = "".join(
        f'<li><a href="/views/{esc(name)}{qs(lang=lang)}">{esc(title)}</a></li>'
        for name, title in views
    )
    query_links = "".join(
        f'<li><a href="/queries/{esc(n)}{qs(lang=lang)}">{esc(q.title or n)}</a></li>'
        for n, q in queries.items()
    )
    body = f"""
<form class="bigsearch" action="/search" method="get" role="search">
<input type="search" name="q" id="q" autofocus aria-label="search"
 placeholder="{
        esc(
            _zh(
                lang,
                "机构、小组、会议、决定或段落文字（如 开发署）",
                "agency, group, meeting, decision or text (e.g. UNDP)",
            )
        )
    }">
<input type="hidden" name="lang" value="{esc(lang)}">
<button type="submit">{esc(_zh(lang, "搜索", "Search"))}</button></form>
<p>{
        esc(
            _zh(
                lang,
                "联合国环境管理小组进展报告（UNEP/GC.27）的知识图谱：每个事实都注明所依据的段落。",
                "A knowledge graph of the UNEP/GC.27 progress report on the Environment Management "
                "Group: every fact names the paragraph that states it.",
            )
        )
    }</p>
<div class="columns">
<section><h2>{esc(_zh(lang, "缺口报告", "Gap report"))}</h2>{gaps}</section>
<section><h2>{esc(_zh(lang, "图示", "Views"))}</h2><ul>{view_links}</ul>
<h2>{esc(_zh(lang, "命名查询", "Named queries"))}</h2><ul>{query_links}</ul>
<h2>{esc(_zh(lang, "更多", "More"))}</h2><ul>
<li><a href="/timeline{qs(lang=lang)}">{
        esc(_zh(lang, "会议与决定时间线", "Timeline of meetings and decisions"))
    }</a></li>
<li><a href="/editor{qs(lang=lang)}">{esc(_zh(lang, "SPARQL 编辑器", "SPARQL editor"))}</a></li>
<li><a href="/sparql">{
        esc(_zh(lang, "SPARQL 端点（服务描述）", "SPARQL endpoint (service description)"))
    }</a></li>
<li><a href="{esc(href("https://w3id.org/emg-kg/id/report/gc27-emg", lang))}">{
        esc(_zh(lang, "报告", "The report"))
    }</a></li>
</ul></section></div>
<section class="editor-home"><h2>{esc(_zh(lang, "SPARQL 编辑器", "SPARQL editor"))}</h2>
<p class="doc">{esc(_zh(lang, *_EDITOR_NOTE))}</p>
{editor_embed(cat, queries, lang)}</section>"""
    kept = {"evidence": evidence} if evidence != "report" else None  # the language switch
    title = _zh(lang, "环境管理小组知识图谱", "EMG knowledge graph")
    return frame(title, body, lang, "/", kept, EDITOR_HEAD)


def search_page(cat: Catalog, q: str, lang: str) -> bytes:
    entities, passages = cat.search(q)
    rows = [
        [
            f'<a href="{esc(href(h.iri, lang))}">{esc(cat.label(h.iri, lang))}</a>',
            esc(cat.label(h.iri, "en" if lang == "zh" else "zh")),
            f'{esc(h.matched)} <span class="tag">{esc(h.kind)}</span>',
            esc(cat.short(h.iri)),
        ]
        for h in entities
    ]
    body = [
        f"<p>{len(entities)} {esc(_zh(lang, '个实体', 'entities'))}, {len(passages)} "
        f"{esc(_zh(lang, '个段落', 'passages'))}</p>"
    ]
    if rows:
        body.append(
            table(
                [
                    _zh(lang, "名称", "Name"),
                    _zh(lang, "另一语言", "Other language"),
                    _zh(lang, "匹配", "Matched"),
                    "IRI",
                ],
                rows,
                "hits",
            )
        )
    if passages:
        body.append(f"<h2>{esc(_zh(lang, '段落', 'Passages'))}</h2>")
        body.append(
            table(
                [_zh(lang, "段落", "Passage"), _zh(lang, "文字", "Text")],
                [
                    [
                        f'<a href="{esc(href(h.iri, lang))}">{esc(cat.label(h.iri, lang))}</a>',
                        esc(h.matched)
                        + (f' <span class="tag">{esc(_zh(lang, "英译", "translation"))}</span>')
                        * (h.kind == "text-en"),
                    ]
                    for h in passages
                ],
                "passages",
            )
        )
        if any(h.kind == "text-en" for h in passages):
            from .pages import translation_note

            body.append(translation_note(lang))
    title = f"{_zh(lang, '搜索', 'Search')}: {q}"
    return frame(title, "\n".join(body), lang, "/search", {"q": q})


def _cell(cat: Catalog, term: dict[str, str] | None, lang: str) -> str:
    if not term:
        return ""
    value = term.get("value", "")
    if term.get("type") == "uri":
        label = cat.label(value, lang) if value in cat.labels else cat.short(value)
        return f'<a href="{esc(href(value, lang))}" title="{esc(value)}">{esc(label)}</a>'
    tag = term.get("xml:lang")
    if not tag and _EVIDENCE.fullmatch(value):  # "para:13, fn:12": each a link to its page
        return ", ".join(_evidence_link(cat, name, lang) for name in re.split(r",\s*|\s+", value))
    return esc(value) + (f' <span class="tag">@{esc(tag)}</span>' if tag else "")


_EVIDENCE_NAME = r"(?:para|fn|src|inf):[\w.\-]+"
_EVIDENCE = re.compile(rf"{_EVIDENCE_NAME}(?:(?:,\s*|\s+){_EVIDENCE_NAME})*")


def _evidence_link(cat: Catalog, name: str, lang: str) -> str:
    """An evidence graph named in a text cell (``para:13``) as a link to its page."""
    from .prefixes import PREFIXES

    prefix, _, local = name.partition(":")
    iri = PREFIXES[prefix] + local
    return f'<a href="{esc(href(iri, lang))}" title="{esc(cat.label(iri, lang))}">{esc(name)}</a>'


def results_table(cat: Catalog, answer: dict[str, Any], lang: str) -> str:
    """A SPARQL JSON answer as an HTML table (IRIs link to their pages, named)."""
    if "boolean" in answer:
        return f'<p class="boolean">{esc(str(answer["boolean"]).lower())}</p>'
    names = answer.get("head", {}).get("vars", [])
    bindings = answer.get("results", {}).get("bindings", [])
    rows = [[_cell(cat, b.get(n), lang) for n in names] for b in bindings]
    noun = _zh(lang, "行", "row" if len(rows) == 1 else "rows")
    count = f'<p class="count">{len(rows)} {esc(noun)}</p>'
    return count + table(names, rows, "results")


def gallery(queries: dict[str, NamedQuery], lang: str) -> bytes:
    items = []
    for name, q in queries.items():
        params = ", ".join(p.name + ("*" if p.required else "") for p in q.params)
        items.append(
            f'<li><h3><a href="/queries/{esc(name)}{qs(lang=lang)}">{esc(q.title or name)}'
            f'</a></h3><p>{esc(q.description)}</p><p class="params"><code>{esc(name)}'
            f"</code> {esc(params)}</p></li>"
        )
    body = f'<ul class="gallery">{"".join(items)}</ul>'
    return frame(_zh(lang, "命名查询", "Named queries"), body, lang, "/queries")


def query_page(
    cat: Catalog,
    q: NamedQuery,
    values: dict[str, str],
    lang: str,
    answer: dict[str, Any] | None,
    error: str,
    missing: Sequence[str] = (),
    kind: str = "select",
) -> bytes:
    """A form for the query's parameters, its results, download and share links."""
    fields = []
    for p in q.params:
        if p.name == "lang":  # the page's language is the query's language
            continue
        value = values.get(p.name, p.default or p.example or "")
        star = " *" if p.required else ""
        choices = getattr(p, "choices", ())  # `one-of=a|b` in the query header
        if choices:
            options = "".join(
                f"<option{' selected' if c == value else ''}>{esc(c)}</option>" for c in choices
            )
            widget = f'<select name="{esc(p.name)}" title="{esc(p.doc)}">{options}</select>'
        else:
            widget = f'<input name="{esc(p.name)}" value="{esc(value)}" title="{esc(p.doc)}">'
        fields.append(
            f"<label>{esc(p.name)}{esc(star)} {widget}</label> "
            f'<span class="doc">{esc(p.doc)}</span><br>'
        )
    params = {**values, "lang": lang}
    link = f"/queries/{q.name}"
    downloads = " ".join(
        f'<a class="download" href="{esc(link)}.{fmt}?{esc(urlencode(values))}" '
        f"download>{fmt.upper()}</a>"
        for fmt in (("ttl", "jsonld") if kind == "graph" else ("csv", "json"))
    )
    body = [
        f"<p>{esc(q.description)}</p>",
        f'<form class="params" method="get" action="{esc(link)}">{"".join(fields)}'
        f'<input type="hidden" name="lang" value="{esc(lang)}">'
        f'<button type="submit" name="run" value="1">{esc(_zh(lang, "运行", "Run"))}</button>'
        "</form>",
        f'<details><summary>SPARQL</summary><pre>{esc(q.text)}</pre><p><a href="/editor'
        f'{qs(query=q.text, lang=lang)}">{esc(_zh(lang, "在编辑器中打开", "open in the editor"))}'
        "</a></p></details>",
    ]
    if missing:
        ask = _zh(
            lang, "请填写必填参数后运行：", "Fill in the required parameter(s) and press Run: "
        )
        body.append(f'<p class="note missing">{esc(ask)}{esc(", ".join(missing))}</p>')
    if error:
        body.append(f'<p class="error">{esc(error)}</p>')
    if answer is not None:
        share = link + qs(**params)
        body.append(
            f'<p class="actions">{esc(_zh(lang, "下载", "Download"))}: {downloads} · '
            f'<a class="share" href="{esc(share)}">{esc(_zh(lang, "分享链接", "share link"))}'
            "</a></p>"
        )
        if q.empty and not answer.get("results", {}).get("bindings", [1]):
            body.append(f'<p class="note">{esc(q.empty)}</p>')
        body.append(results_table(cat, answer, lang))
    return frame(q.title or q.name, "\n".join(body), lang, link, values)


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
    shown = text or DEFAULT_QUERY.replace("LANG", lang)  # in the page's language
    body = [
        '<div id="editor-fallback">',
        f'<form class="editor" method="get" action="/editor"><textarea name="query" '
        f'rows="14" spellcheck="false">{esc(shown)}</textarea><br>'
        f'<input type="hidden" name="lang" value="{esc(lang)}">'
        f'<button type="submit">{esc(_zh(lang, "运行", "Run"))}</button> '
        f'<span class="doc">{esc(_zh(lang, *_EDITOR_NOTE))}'
        "</span></form>",
    ]
    if error:
        body.append(f'<p class="error">{esc(error)}</p>')
    if answer is not None:
        links = " ".join(
            f'<a class="download" href="/sparql{esc(qs(query=text, format=f))}">{f.upper()}</a>'
            for f in (("ttl", "nt", "jsonld") if kind == "graph" else ("csv", "tsv", "json", "xml"))
        )
        body.append(
            f'<p class="actions">{esc(_zh(lang, "下载", "Download"))}: {links} · '
            f'<a class="share" href="/editor{esc(qs(query=text, lang=lang))}">'
            f"{esc(_zh(lang, '分享链接', 'share link'))}</a></p>"
        )
        body.append(results_table(cat, answer, lang))
    body.append("</div>")  # the editor's scripts hide the form above, so they come after it
    body.append(editor_embed(cat, queries or {}, lang, text, run=bool(text.strip())))
    return frame(
        _zh(lang, "SPARQL 编辑器", "SPARQL editor"),
        "\n".join(body),
        lang,
        "/editor",
        {"query": text} if text else None,
        EDITOR_HEAD,
    )


def timeline_page(cat: Catalog, lang: str) -> bytes:
    """Meetings and decisions the report names, by date, each with the evidence for the date."""
    kinds = {"meeting": _zh(lang, "会议", "meeting"), "decision": _zh(lang, "决定", "decision")}
    rows = []
    for r in cat.timeline():
        when = r["date"] + (f" – {r['end']}" if r.get("end") else "")
        evidence = []
        for graph, dates in r.get("sources", []):
            note = f' <span class="tag">{esc(dates)}</span>' if dates != r["date"] else ""
            evidence.append(
                f'<a href="{esc(href(graph, lang))}">{esc(cat.label(graph, lang))}</a>{note}'
            )
        rows.append(
            [
                esc(when),
                esc(kinds.get(r["kind"], r["kind"])),
                f'<a href="{esc(href(r["x"], lang))}">{esc(cat.label(r["x"], lang))}</a>',
                "<br>".join(evidence),
            ]
        )
    head = [
        _zh(lang, "日期", "Date"),
        _zh(lang, "类别", "Kind"),
        _zh(lang, "名称", "Name"),
        _zh(lang, "依据", "Evidence"),
    ]
    note = _zh(
        lang,
        f"{len(rows)} 个会议和决定。来源给出的日期精度不同时，取最精确的日期；"
        "其他来源的日期列在依据旁。",
        f"{len(rows)} meetings and decisions. Where sources date one more or less precisely, "
        "the most precise date is shown; a source giving another date has it next to it.",
    )
    body = f'<p class="count">{esc(note)}</p>' + table(head, rows, "timeline")
    return frame(
        _zh(lang, "会议与决定时间线", "Timeline of meetings and decisions"), body, lang, "/timeline"
    )


def views_page(views: Sequence[tuple[str, str]], lang: str) -> bytes:
    items = "".join(
        f'<li><a href="/views/{esc(n)}{qs(lang=lang)}">{esc(title)}</a> <code>{esc(n)}</code></li>'
        for n, title in views
    )
    note = _zh(
        lang,
        "每个图示都是自包含的页面，不从互联网加载任何内容。",
        "Each view is a self-contained page; nothing loads from the internet.",
    )
    return frame(_zh(lang, "图示", "Views"), f"<p>{esc(note)}</p><ul>{items}</ul>", lang, "/views")
