"""Entity pages (Linked Data): every IRI under ``https://w3id.org/emg-kg/id/`` as HTML or RDF.

The HTML page gives an entity's names in Chinese and English, its types, its facts and the
entities pointing to it, each fact with the number and text of the evidence (paragraph,
footnote, source, inference) that states it, and a small neighbourhood graph. Aichi targets
(and anything else supported) list their supporters with the evidence level; mandates show
their chain (``emg:followsFrom`` both ways). :func:`entity_rdf` gives the same facts as RDF.
"""

from __future__ import annotations

from collections import defaultdict

import pyoxigraph as ox

from .catalog import Catalog, select
from .markup import esc, frame, href, local_path, qs, svg_graph, table
from .prefixes import PREFIXES

__all__ = ["entity_page", "entity_rdf", "RDF_FORMATS", "facts"]

ID, EMG = PREFIXES["emgid"], PREFIXES["emg"]
RDF_TYPE = PREFIXES["rdf"] + "type"
#: format key -> (media type, pyoxigraph format); quad formats keep the evidence graphs
RDF_FORMATS = {
    "ttl": ("text/turtle; charset=utf-8", ox.RdfFormat.TURTLE),
    "jsonld": ("application/ld+json", ox.RdfFormat.JSON_LD),
    "nt": ("application/n-triples", ox.RdfFormat.N_TRIPLES),
    "trig": ("application/trig", ox.RdfFormat.TRIG),
    "nq": ("application/n-quads", ox.RdfFormat.N_QUADS),
}
_T = {
    "types": ("类型", "Types"),
    "names": ("名称", "Names"),
    "facts": ("事实", "Facts"),
    "incoming": ("指向本实体的", "Pointing here"),
    "property": ("属性", "Property"),
    "value": ("值", "Value"),
    "evidence": ("依据", "Evidence"),
    "stated": ("本依据陈述的事实", "Facts this evidence states"),
    "supporters": ("支持者", "Who supports it"),
    "level": ("证据级别", "Evidence level"),
    "reasoning": ("推理", "Reasoning"),
    "chain": ("任务链", "Mandate chain"),
    "chain_table": ("详表", "as a table"),
    "graph": ("邻域图", "Neighbourhood"),
    "formats": ("其他格式", "Other formats"),
    "none": ("报告中没有支持者。", "No supporter in the report."),
    "subject": ("主语", "Subject"),
    "text": ("原文", "Text"),
    "interactive": ("交互式图", "interactive view"),
}


def t(key: str, lang: str) -> str:
    zh, en = _T[key]
    return zh if lang == "zh" else en


def facts(store: ox.Store, iri: str) -> list[tuple[str, ox.NamedNode, object, str]]:
    """(direction, predicate, other end, evidence graph) for every quad touching ``iri``."""
    node = ox.NamedNode(iri)
    out: list[tuple[str, ox.NamedNode, object, str]] = []
    for q in store.quads_for_pattern(node, None, None, None):
        out.append(("out", q.predicate, q.object, getattr(q.graph_name, "value", "")))
    for q in store.quads_for_pattern(None, None, node, None):
        out.append(("in", q.predicate, q.subject, getattr(q.graph_name, "value", "")))
    return out


def _value(cat: Catalog, term: object, lang: str) -> str:
    if isinstance(term, ox.NamedNode):
        label = cat.label(term.value, lang) if term.value in cat.labels else cat.short(term.value)
        return f'<a href="{esc(href(term.value, lang))}">{esc(label)}</a>'
    if isinstance(term, ox.Literal):
        tag = f' <span class="tag">@{esc(term.language)}</span>' if term.language else ""
        return f"<span>{esc(term.value)}</span>{tag}"
    return esc(term)


def translation_note(lang: str) -> str:
    """The note shown wherever the English text of the report is: it is not the report's."""
    from .translation import NOTE

    return f'<p class="note translation">{esc(NOTE[lang])}</p>'


def _evidence(cat: Catalog, graphs: list[str], lang: str) -> str:
    """Each evidence graph as a link with its number, and its text folded underneath."""
    cells = []
    for g in sorted(set(graphs), key=cat.short):
        ev = cat.evidence.get(g)
        name = cat.label(g, lang) if g in cat.labels else cat.short(g)
        link = f'<a class="ev" href="{esc(href(g, lang))}">{esc(name)}</a>'
        if ev and ev.text:
            number = f"¶{ev.number} " if ev.number else ""
            english = lang == "en" and ev.text_en
            cells.append(
                f'<details><summary>{link}</summary><p class="quote">'
                f"{esc(number)}{esc(ev.text_en if english else ev.text)}</p>"
                + (translation_note(lang) if english else "")
                + "</details>"
            )
        else:
            cells.append(f"<div>{link}</div>")
    return "".join(cells)


def _fact_rows(
    cat: Catalog, rows: list[tuple[str, ox.NamedNode, object, str]], direction: str, lang: str
) -> list[list[str]]:
    grouped: dict[tuple[str, str], tuple[ox.NamedNode, object, list[str]]] = {}
    for d, p, o, g in rows:
        if d != direction:
            continue
        key = (p.value, str(o))
        grouped.setdefault(key, (p, o, []))[2].append(g)
    order = sorted(
        grouped.items(), key=lambda kv: (kv[0][0] != RDF_TYPE, cat.short(kv[0][0]), kv[0][1])
    )
    out = []
    for (p_iri, _), (_p, o, graphs) in order:
        name, where = esc(cat.label(p_iri, lang)), local_path(p_iri)
        prop = (
            f'<a href="{esc(where + qs(lang=lang))}" title="{esc(cat.short(p_iri))}">{name}</a>'
            if where
            else f'<span title="{esc(cat.short(p_iri))}">{name}</span>'
        )
        out.append([prop, _value(cat, o, lang), _evidence(cat, graphs, lang)])
    return out


def _supporters(cat: Catalog, iri: str, lang: str) -> str:
    rows = select(
        cat.store,
        """SELECT ?st ?who ?level ?reason ?g WHERE {
        GRAPH ?g { ?st emg:supports ?x } ?st emg:supporter ?who ; emg:evidenceLevel ?level .
        OPTIONAL { ?st emg:reasoning ?reason } } ORDER BY ?level ?who""",
        x=ox.NamedNode(iri),
    )
    if not rows and not cat.is_class(iri, "AichiTarget"):
        return ""
    body = f"<h2>{esc(t('supporters', lang))}</h2>"
    if not rows:
        return body + f'<p class="gap">{esc(t("none", lang))}</p>'
    cells = [
        [
            _value(cat, ox.NamedNode(r["who"]), lang),
            _value(cat, ox.NamedNode(r["level"]), lang),
            _evidence(cat, [r["g"]], lang),
            esc(r.get("reason", "")),
        ]
        for r in rows
    ]
    head = [t("supporters", lang), t("level", lang), t("evidence", lang), t("reasoning", lang)]
    return body + table(head, cells, "supporters")


def _chain(cat: Catalog, iri: str, lang: str) -> str:
    """The mandates this one follows from (up) and those that follow from it (down)."""
    if not cat.is_class(iri, "Mandate"):
        return ""
    up, down = _walk(cat, iri, "?x emg:followsFrom ?m"), _walk(cat, iri, "?m emg:followsFrom ?x")
    dates = {m: _issued(cat, m) for m in (*up, iri, *down)}

    def item(m: str, cls: str = "") -> str:
        when = f' <span class="tag">{esc(dates[m])}</span>' if dates[m] else ""
        name = (
            f"<strong>{esc(cat.label(m, lang))}</strong>"
            if m == iri
            else _value(cat, ox.NamedNode(m), lang)
        )
        return f"<li{cls}>{name}{when}</li>"

    def by_date(ms: list[str]) -> list[str]:  # issue date first, the walk's order else
        return sorted(ms, key=lambda m: dates[m] or "9999")

    items = [item(m) for m in by_date(list(reversed(up)))]
    items.append(item(iri, ' class="self"'))
    items += [item(m) for m in by_date(down)]
    table_link = f"/queries/mandate-chain{qs(mandate=iri, lang=lang)}"
    more = f' <a href="{esc(table_link)}">{esc(t("chain_table", lang))}</a>'
    return f'<h2>{esc(t("chain", lang))}{more}</h2><ol class="chain">{"".join(items)}</ol>'


def _issued(cat: Catalog, mandate: str) -> str:
    """When the decision or meeting issuing ``mandate`` was (the most precise date given; a
    meeting's preferred dating where sources disagree)."""
    rows = select(
        cat.store,
        """SELECT ?d WHERE { { ?x emg:issuedBy/dct:issued ?d } UNION
        { ?x emg:issuedBy/emg:adoptedAt? ?m . GRAPH ?g { ?m schema:startDate ?d }
          OPTIONAL { ?m emg:preferredDating ?pref } FILTER(!BOUND(?pref) || ?g = ?pref) } }""",
        x=ox.NamedNode(mandate),
    )
    return max((r["d"] for r in rows if "d" in r), key=lambda d: (len(d), d), default="")


def _walk(cat: Catalog, start: str, pattern: str, limit: int = 20) -> list[str]:
    seen, frontier, order = {start}, [start], list[str]()
    while frontier and len(order) < limit:
        nxt = []
        for x in frontier:
            for r in select(
                cat.store, f"SELECT ?m WHERE {{ {pattern} }} ORDER BY ?m", x=ox.NamedNode(x)
            ):
                if r["m"] not in seen:
                    seen.add(r["m"])
                    order.append(r["m"])
                    nxt.append(r["m"])
        frontier = nxt
    return order


def _stated_here(cat: Catalog, iri: str, lang: str) -> str:
    """For an evidence node: its text and the facts its graph holds."""
    quads = list(cat.store.quads_for_pattern(None, None, None, ox.NamedNode(iri)))
    ev = cat.evidence.get(iri)
    text = cat.texts.get(iri) or (ev.text if ev else "")
    out = f'<blockquote class="quote">{esc(text)}</blockquote>' if text else ""
    english = cat.texts_en.get(iri, "")
    if english and lang == "en":  # the translation first, the report's own words below
        out = (
            f'<blockquote class="quote" lang="en">{esc(english)}</blockquote>'
            + translation_note(lang)
            + f"<details><summary>原文 (the report's Chinese text)</summary>{out}</details>"
        )
    if not quads:
        return out
    cells = [
        [
            _value(cat, q.subject, lang),
            esc(cat.label(q.predicate.value, lang)),
            _value(cat, q.object, lang),
        ]
        for q in sorted(quads, key=str)
    ]
    head = [t("subject", lang), t("property", lang), t("value", lang)]
    return out + f"<h2>{esc(t('stated', lang))} ({len(quads)})</h2>" + table(head, cells, "facts")


def _neighbourhood(
    cat: Catalog,
    iri: str,
    rows: list[tuple[str, ox.NamedNode, object, str]],
    lang: str,
    viz_link: str,
) -> str:
    seen: dict[str, tuple[str, str, str, bool]] = {}
    for d, p, o, _g in rows:
        if not isinstance(o, ox.NamedNode) or not o.value.startswith(ID) or o.value == iri:
            continue
        if o.value in cat.evidence or p.value == RDF_TYPE or o.value.startswith(ID + "report/"):
            continue
        seen.setdefault(
            o.value,
            (cat.label(o.value, lang), href(o.value, lang), cat.label(p.value, lang), d == "out"),
        )
    around = sorted(seen.values())[:28]
    svg = svg_graph((cat.label(iri, lang), href(iri, lang)), around)
    if not svg:
        return ""
    more = f' <a href="{esc(viz_link)}">{esc(t("interactive", lang))}</a>' if viz_link else ""
    return f'<h2>{esc(t("graph", lang))}{more}</h2><div class="graph">{svg}</div>'


def entity_page(cat: Catalog, iri: str, lang: str, path: str, viz_link: str = "") -> bytes:
    """The HTML page of one entity (or paragraph, footnote, source, inference)."""
    rows = facts(cat.store, iri)
    labels = select(
        cat.store,
        """SELECT DISTINCT ?l (LANG(?l) AS ?lang) ?kind WHERE {
        { ?x skos:prefLabel|rdfs:label ?l BIND(1 AS ?kind) }
        UNION { ?x skos:altLabel ?l BIND(2 AS ?kind) }
        UNION { ?x skos:hiddenLabel ?l BIND(3 AS ?kind) }
        } ORDER BY ?kind ?lang ?l""",
        x=ox.NamedNode(iri),
    )
    names = defaultdict(list)
    for r in labels:
        names[r.get("lang") or "-"].append(r["l"])
    name_rows = [
        [esc(code), esc(" · ".join(dict.fromkeys(names[code])))]
        for code in ("zh", "en", "-")
        if names.get(code)
    ]
    types = ", ".join(_value(cat, ox.NamedNode(ty), lang) for ty in cat.types.get(iri, []))
    formats = " ".join(
        f'<a href="{esc(path)}?format={k}" type="{esc(v[0].split(";")[0])}">{esc(k)}</a>'
        for k, v in RDF_FORMATS.items()
    )
    other = "en" if lang == "zh" else "zh"
    subtitle = cat.labels.get(iri, {}).get(other, "")
    body = [
        f'<p class="subtitle" lang="{other}">{esc(subtitle)}</p>' if subtitle else "",
        f'<p class="iri"><code>{esc(iri)}</code> <span class="short">{esc(cat.short(iri))}'
        f"</span></p>",
        f"<p><strong>{esc(t('types', lang))}:</strong> {types}</p>" if types else "",
        table([t("names", lang), ""], name_rows, "names") if name_rows else "",
        _supporters(cat, iri, lang),
        _chain(cat, iri, lang),
        _stated_here(cat, iri, lang),
        _neighbourhood(cat, iri, rows, lang, viz_link),
    ]
    head = [t("property", lang), t("value", lang), t("evidence", lang)]
    out_rows, in_rows = _fact_rows(cat, rows, "out", lang), _fact_rows(cat, rows, "in", lang)
    if out_rows:
        body.append(
            f"<h2>{esc(t('facts', lang))} ({len(out_rows)})</h2>" + table(head, out_rows, "facts")
        )
    if in_rows:
        body.append(
            f"<h2>{esc(t('incoming', lang))} ({len(in_rows)})</h2>"
            + table(head, in_rows, "facts incoming")
        )
    body.append(f'<p class="formats">{esc(t("formats", lang))}: {formats}</p>')
    alternates = "".join(
        f'<link rel="alternate" type="{esc(v[0].split(";")[0])}" href="{esc(path)}?format={k}">\n'
        for k, v in RDF_FORMATS.items()
    )
    return frame(cat.label(iri, lang), "\n".join(b for b in body if b), lang, path, head=alternates)


def entity_rdf(cat: Catalog, iri: str, key: str) -> bytes:
    """The entity's facts, both directions, as RDF (quad formats keep the evidence graphs).

    An IRI that only names a graph (``id/graph/provenance``) has no facts of its own: it is
    served as the graph's content, so no IRI the HTML page shows answers with an empty file.
    """
    node = ox.NamedNode(iri)
    quads = [
        *cat.store.quads_for_pattern(node, None, None, None),
        *cat.store.quads_for_pattern(None, None, node, None),
    ]
    if not quads:
        quads = list(cat.store.quads_for_pattern(None, None, None, node))
    fmt = RDF_FORMATS[key][1]
    if key in ("trig", "nq"):
        return ox.serialize(sorted(quads, key=str), format=fmt, prefixes=PREFIXES) or b""
    triples = sorted({ox.Triple(q.subject, q.predicate, q.object) for q in quads}, key=str)
    return ox.serialize(triples, format=fmt, prefixes=PREFIXES) or b""
