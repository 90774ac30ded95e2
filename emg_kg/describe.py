"""`stats` and `show`: what is in the graph, and everything it says about one entity.

Both read the cached Oxigraph store, so they answer without rebuilding or importing rdflib.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pyoxigraph as ox

from .prefixes import PREFIXES, sparql_prologue
from .results import short as _short

if TYPE_CHECKING:
    from .resolve import Resolution

__all__ = ["stats", "resolve", "Fact", "Description", "describe", "short"]

ID = PREFIXES["emgid"]


def _q(store: ox.Store, query: str, **bind: ox.NamedNode | ox.Literal) -> list[ox.QuerySolution]:
    # Oxigraph substitutes only variables the SELECT projects: queries below project them.
    subs: dict[ox.Variable, ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple] = {
        ox.Variable(k): v for k, v in bind.items()
    }
    result = store.query(
        sparql_prologue() + query, use_default_graph_as_union=True, substitutions=subs
    )
    assert not isinstance(result, ox.QueryBoolean | ox.QueryTriples)
    return list(result)  # ox.QuerySolutions, or an endpoint's rows (emg_kg.remote)


def short(term: object) -> str:
    """A prefixed name for an IRI, the lexical form for a literal."""
    return _short(term, PREFIXES)  # type: ignore[arg-type]


def stats(store: ox.Store) -> dict[str, object]:
    """Counts: quads, triples, graphs, entities per class, mandates by status, evidence levels."""

    def pairs(query: str) -> dict[str, int]:
        return {short(r[0]): int(r[1].value) for r in _q(store, query) if r[0] is not None}

    one = _q(store, "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o { ?s ?p ?o } }")[0]
    graphs = len(list(store.named_graphs()))
    return {
        "quads": len(store),
        "triples": int(one["n"].value),
        "named graphs": graphs,
        "entities per class": pairs(
            f"""SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE {{ ?s a ?c
            FILTER(STRSTARTS(STR(?s), "{ID}")) }} GROUP BY ?c ORDER BY DESC(?n) ?c"""
        ),
        "mandates by status": pairs(
            """SELECT ?st (COUNT(DISTINCT ?m) AS ?n) WHERE { ?m a emg:Mandate ;
            emg:status ?st } GROUP BY ?st ORDER BY DESC(?n) ?st"""
        ),
        "support statements by evidence level": pairs(
            """SELECT ?l (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a emg:SupportStatement ;
            emg:evidenceLevel ?l } GROUP BY ?l ORDER BY DESC(?n) ?l"""
        ),
        "facts by kind of evidence": pairs(
            """SELECT ?kind (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o }
              { ?g a emg:Paragraph } UNION { ?g a emg:Footnote } UNION { ?g a emg:Summary }
              UNION { ?g a emg:ExternalSource } UNION { ?g a emg:Inference }
              ?g a ?kind } GROUP BY ?kind ORDER BY DESC(?n)"""
        ),
    }


def resolve(store: ox.Store, name: str, notes: list[Resolution] | None = None) -> ox.NamedNode:
    """An entity by IRI, prefixed name, label or alias, through the one resolver
    (:mod:`emg_kg.resolve`: exact names only; unknown or ambiguous is an UnresolvedName)."""
    from .resolve import resolve as resolve_name
    from .resolve import store_names

    found = resolve_name(name, store_names(store))
    if notes is not None:
        notes.append(found)
    return ox.NamedNode(found.iri)


@dataclass
class Fact:
    subject: str
    predicate: str
    value: str
    outgoing: bool


@dataclass
class Description:
    """An entity's names and types, and its facts grouped by the evidence that states them."""

    iri: str
    labels: dict[str, list[str]] = field(default_factory=dict)
    types: list[str] = field(default_factory=list)
    #: evidence name -> (evidence label, evidence text or note, facts)
    evidence: dict[str, tuple[str, str, list[Fact]]] = field(default_factory=dict)
    #: evidence names whose text shown is the project's unofficial English translation
    translated: set[str] = field(default_factory=set)
    #: a paragraph's or footnote's own text (in ``lang`` when there is one), and the original
    text: str = ""
    original: str = ""


def _label(store: ox.Store, node: object, lang: str) -> str:
    if not isinstance(node, ox.NamedNode):
        return short(node)
    rows = _q(store, "SELECT ?x ?l WHERE { ?x skos:prefLabel ?l }", x=node)
    by_lang = {r["l"].language: r["l"].value for r in rows}
    return by_lang.get(lang) or by_lang.get("en") or short(node)


def _fact_order(row: ox.QuerySolution) -> tuple[str, str, str, int, str, str]:
    """SPARQL's ORDER BY ?g ?dir ?p ?o, with literals ordered by text, then language."""
    o = row["o"]
    kind = 0 if isinstance(o, ox.BlankNode) else 1 if isinstance(o, ox.NamedNode) else 2
    language = (o.language or "") if isinstance(o, ox.Literal) else ""
    return (row["g"].value, row["dir"].value, row["p"].value, kind, str(o.value), language)


def _text(store: ox.Store, graph: object, lang: str) -> tuple[str, bool]:
    """The text an evidence graph stands for, in ``lang`` when there is one (else the
    report's Chinese), and whether it is the English translation."""
    rows = _q(
        store,
        """SELECT ?e ?t ?k WHERE { { ?e schema:text ?t BIND(0 AS ?k) }
        UNION { ?e emg:reasoning ?t BIND(1 AS ?k) } UNION { ?e dct:title ?t BIND(2 AS ?k) } }""",
        e=graph,  # type: ignore[arg-type]
    )
    if not rows:
        return "", False
    best = min(
        rows,
        key=lambda r: (
            int(r["k"].value),
            r["t"].language != lang,
            r["t"].language != "zh",
            r["t"].value,
        ),
    )
    return best["t"].value, best["k"].value == "0" and best["t"].language == "en"


def describe(store: ox.Store, node: ox.NamedNode, lang: str = "zh") -> Description:
    """Every fact about ``node`` (both directions), each under the graph that states it."""
    desc = Description(node.value)
    labels = "SELECT DISTINCT ?x ?l WHERE { ?x skos:prefLabel|skos:altLabel ?l }"
    for r in _q(store, labels, x=node):  # DISTINCT: an endpoint's union may be a bag
        desc.labels.setdefault(r["l"].language or "", []).append(r["l"].value)
    desc.types = sorted(
        short(r["t"]) for r in _q(store, "SELECT DISTINCT ?x ?t WHERE { ?x a ?t }", x=node)
    )
    texts = {
        r["t"].language: r["t"].value
        for r in _q(store, "SELECT ?x ?t WHERE { ?x schema:text ?t }", x=node)
    }
    desc.original = texts.get("zh", "")
    desc.text = texts.get(lang) or desc.original
    rows = _q(
        store,
        """SELECT ?x ?g ?p ?o ?dir WHERE {
        { GRAPH ?g { ?x ?p ?o } BIND("out" AS ?dir) }
        UNION { GRAPH ?g { ?o ?p ?x } BIND("in" AS ?dir) } }
        ORDER BY ?g ?dir ?p ?o""",
        x=node,
    )
    rows.sort(key=_fact_order)  # engines order literals of different languages differently
    for r in rows:
        g = r["g"]
        key = g.value
        if key not in desc.evidence:
            text, translated = _text(store, g, lang)
            desc.evidence[key] = (_label(store, g, lang), text, [])
            if translated:
                desc.translated.add(key)
        outgoing = r["dir"].value == "out"
        value = r["o"]
        shown = (
            short(value)
            if isinstance(value, ox.Literal)
            else (f"{_label(store, value, lang)} ({short(value)})")
        )
        desc.evidence[key][2].append(Fact(short(node), short(r["p"]), shown, outgoing))
    return desc
