"""Entity pages (Linked Data): every IRI under ``https://w3id.org/emg-kg/id/`` as HTML or RDF.

The HTML page gives an entity's names in Chinese and English, its types, its facts and the
entities pointing to it, each fact with the number and text of the evidence (paragraph,
footnote, source, inference) that states it, and a small neighbourhood graph. Aichi targets
(and anything else supported) list their supporters with the evidence level; mandates show
their chain (``emg:followsFrom`` both ways). :func:`entity_rdf` gives the same facts as RDF.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pyoxigraph as ox
from markupsafe import Markup

from emg_kg.data.translation import NOTE
from emg_kg.lang import messages, words
from emg_kg.prefixes import ID, PREFIXES
from emg_kg.query.run import lexical
from emg_kg.query.run import rows as query_rows
from emg_kg.views.templating import render
from emg_kg.web.catalog import Catalog
from emg_kg.web.markup import href, link, local_path, qs, svg_graph

__all__ = ["entity_page", "entity_rdf", "RDF_FORMATS", "facts"]

EMG = PREFIXES["emg"]
RDF_TYPE = PREFIXES["rdf"] + "type"
#: format key -> (media type, pyoxigraph format); quad formats keep the evidence graphs
RDF_FORMATS = {
    "ttl": ("text/turtle; charset=utf-8", ox.RdfFormat.TURTLE),
    "jsonld": ("application/ld+json", ox.RdfFormat.JSON_LD),
    "nt": ("application/n-triples", ox.RdfFormat.N_TRIPLES),
    "trig": ("application/trig", ox.RdfFormat.TRIG),
    "nq": ("application/n-quads", ox.RdfFormat.N_QUADS),
}


def facts(store: ox.Store, iri: str) -> list[tuple[str, ox.NamedNode, object, str]]:
    """(direction, predicate, other end, evidence graph) for every quad touching ``iri``."""
    node = ox.NamedNode(iri)
    out: list[tuple[str, ox.NamedNode, object, str]] = []
    for q in store.quads_for_pattern(node, None, None, None):
        out.append(("out", q.predicate, q.object, getattr(q.graph_name, "value", "")))
    for q in store.quads_for_pattern(None, None, node, None):
        out.append(("in", q.predicate, q.subject, getattr(q.graph_name, "value", "")))
    return out


def _value(cat: Catalog, term: object, lang: str) -> list[Any]:
    """A term as table-cell parts (``templates/web/macros.html``): a link, or a literal and
    its language tag."""
    if isinstance(term, ox.NamedNode):
        label = cat.label(term.value, lang) if term.value in cat.labels else cat.short(term.value)
        return [link(href(term.value, lang), label)]
    if isinstance(term, ox.Literal):
        tag = [" ", {"tag": "@" + term.language}] if term.language else []
        return [{"span": term.value, "title": None}, *tag]
    return [str(term)]


#: The most evidence graphs a fact's cell shows unless the page is asked for all: a corpus
#: restates a fact in hundreds of reports (a 470 kB cell at 2 M quads).
EVIDENCE_SHOWN = 10


def _evidence(cat: Catalog, graphs: list[str], lang: str, whole: str = "") -> list[Any]:
    """Each evidence graph as a link with its number, and its text folded underneath; with
    ``whole`` (the link to the whole page), the first :data:`EVIDENCE_SHOWN` and a link to the
    rest."""
    items = []
    ordered = sorted(set(graphs), key=cat.short)
    shown = ordered[:EVIDENCE_SHOWN] if whole else ordered
    for g in shown:
        ev = cat.evidence.get(g)
        name = cat.label(g, lang) if g in cat.labels else cat.short(g)
        item = {"link": link(href(g, lang), name, cls="ev"), "quote": "", "note": ""}
        if ev and ev.text:
            number = f"¶{ev.number} " if ev.number else ""
            english = lang == "en" and ev.text_en
            item["quote"] = number + (ev.text_en if english else ev.text)
            item["note"] = NOTE[lang] if english else ""
        items.append(item)
    more = len(ordered) - len(shown)
    rest = [link(whole, words(lang, f"另有 {more} 处依据", f"{more} more"))] if more else []
    return [{"ev": items}, *rest]


#: The most rows a table of facts shows unless the page is asked for all (``?all=1``): an
#: agency of a 2 M-quad corpus has 1,154 facts pointing to it, a 3 MB page.
ROWS_SHOWN = 200


def _fact_rows(
    cat: Catalog,
    rows: list[tuple[str, ox.NamedNode, object, str]],
    direction: str,
    lang: str,
    whole: str,
) -> tuple[list[list[Any]], int]:
    """The table of facts in one direction (type first, then by property and value) and how
    many there are; with ``whole`` (the link to the whole page), the first
    :data:`ROWS_SHOWN`, each with its first :data:`EVIDENCE_SHOWN` evidence graphs."""
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
    for (p_iri, _), (_p, o, graphs) in order[:ROWS_SHOWN] if whole else order:
        name, where, short = cat.label(p_iri, lang), local_path(p_iri), cat.short(p_iri)
        prop = (
            link(where + qs(lang=lang), name, title=short)
            if where
            else {"span": name, "title": short}
        )
        out.append([[prop], _value(cat, o, lang), _evidence(cat, graphs, lang, whole)])
    return out, len(order)


def _supporters(cat: Catalog, iri: str, lang: str) -> list[list[Any]] | None:
    """The rows of the supporters table; None when the entity is not a thing supported."""
    found = lexical(query_rows(cat.store, "page-supporters", x=ox.NamedNode(iri)))
    if not found and not cat.is_class(iri, "AichiTarget"):
        return None
    return [
        [
            _value(cat, ox.NamedNode(r["who"]), lang),
            _value(cat, ox.NamedNode(r["level"]), lang),
            _evidence(cat, [r["g"]], lang),
            r.get("reason", ""),
        ]
        for r in found
    ]


def _chain(cat: Catalog, iri: str, lang: str) -> dict[str, Any] | None:
    """The mandates this one follows from (up) and those that follow from it (down)."""
    if not cat.is_class(iri, "Mandate"):
        return None
    up, down = _walk(cat, iri, "page-follows-from"), _walk(cat, iri, "page-followed-by")
    dates = {m: _issued(cat, m) for m in (*up, iri, *down)}

    def item(m: str) -> dict[str, Any]:
        name = {"strong": cat.label(m, lang)} if m == iri else _value(cat, ox.NamedNode(m), lang)
        parts = name if isinstance(name, list) else [name]
        return {"parts": parts, "date": dates[m], "self": m == iri}

    def by_date(ms: list[str]) -> list[str]:  # issue date first, the walk's order else
        return sorted(ms, key=lambda m: dates[m] or "9999")

    items = [item(m) for m in by_date(list(reversed(up)))]
    items.append(item(iri))
    items += [item(m) for m in by_date(down)]
    return {"items": items, "table": f"/queries/mandate-chain{qs(mandate=iri, lang=lang)}"}


def _issued(cat: Catalog, mandate: str) -> str:
    """When the decision or meeting issuing ``mandate`` was (the most precise date given; a
    meeting's preferred dating where sources disagree)."""
    found = lexical(query_rows(cat.store, "page-issued", x=ox.NamedNode(mandate)))
    return max((r["d"] for r in found if "d" in r), key=lambda d: (len(d), d), default="")


def _walk(cat: Catalog, start: str, step: str, limit: int = 20) -> list[str]:
    """Mandates ``step`` (an internal query from ?x to ?m) reaches from ``start``, breadth
    first, at most ``limit``."""
    seen, frontier, order = {start}, [start], list[str]()
    while frontier and len(order) < limit:
        nxt = []
        for x in frontier:
            for r in lexical(query_rows(cat.store, step, x=ox.NamedNode(x))):
                if r["m"] not in seen:
                    seen.add(r["m"])
                    order.append(r["m"])
                    nxt.append(r["m"])
        frontier = nxt
    return order


def _stated_here(cat: Catalog, iri: str, lang: str) -> dict[str, Any]:
    """For an evidence node: its text (and, in English, the translation first) and the facts
    its graph holds."""
    quads = list(cat.store.quads_for_pattern(None, None, None, ox.NamedNode(iri)))
    ev = cat.evidence.get(iri)
    english = cat.texts_en.get(iri, "") if lang == "en" else ""
    rows = [
        [
            _value(cat, q.subject, lang),
            cat.label(q.predicate.value, lang),
            _value(cat, q.object, lang),
        ]
        for q in sorted(quads, key=str)
    ]
    return {"text": cat.texts.get(iri) or (ev.text if ev else ""), "english": english, "rows": rows}


def _neighbourhood(
    cat: Catalog,
    iri: str,
    rows: list[tuple[str, ox.NamedNode, object, str]],
    lang: str,
    viz_link: str,
) -> Markup | None:
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
    return Markup(svg) if svg else None  # noqa: S704 (rendered from templates/web/*.svg)


def entity_page(
    cat: Catalog, iri: str, lang: str, path: str, viz_link: str = "", every: bool = False
) -> bytes:
    """The HTML page of one entity (or paragraph, footnote, source, inference); each table of
    facts at most :data:`ROWS_SHOWN` rows, with a link to all of them, unless ``every``."""
    rows = facts(cat.store, iri)
    whole = "" if every else path + qs(lang=lang, all="1")
    out_rows, out_total = _fact_rows(cat, rows, "out", lang, whole)
    in_rows, in_total = _fact_rows(cat, rows, "in", lang, whole)
    labels = lexical(query_rows(cat.store, "page-names", x=ox.NamedNode(iri)))
    names = defaultdict(list)
    for r in labels:
        names[r.get("lang") or "-"].append(r["l"])
    name_rows = [
        [code, " · ".join(dict.fromkeys(names[code]))]
        for code in ("zh", "en", "-")
        if names.get(code)
    ]
    types = [_value(cat, ox.NamedNode(ty), lang) for ty in cat.types.get(iri, [])]
    other = "en" if lang == "zh" else "zh"
    html = render(
        "web/entity.html",
        title=cat.label(iri, lang),
        lang=lang,
        path=path,
        params={},
        t=messages(lang),
        iri=iri,
        short=cat.short(iri),
        other=other,
        subtitle=cat.labels.get(iri, {}).get(other, ""),
        types=types,
        names=name_rows,
        supporters=_supporters(cat, iri, lang),
        chain=_chain(cat, iri, lang),
        stated=_stated_here(cat, iri, lang),
        graph=_neighbourhood(cat, iri, rows, lang, viz_link),
        viz_link=viz_link,
        out_rows=out_rows,
        out_total=out_total,
        in_rows=in_rows,
        in_total=in_total,
        whole=whole,
        formats=[(k, v[0].split(";")[0]) for k, v in RDF_FORMATS.items()],
        note=NOTE[lang],
    )
    return html.encode("utf-8")


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
