"""`stats` and `show`: what is in the graph, and everything it says about one entity.

Both read the cached Oxigraph store (or ``--store``, ``--endpoint``), so they answer without
rebuilding or importing rdflib; their SPARQL is in ``queries/internal/stats-*.rq`` and
``show-*.rq``, run by the one row runner (:func:`emg_kg.query.run.rows`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pyoxigraph as ox

from emg_kg.query.results import Term, short  # short: re-exported for `emg-kg show`
from emg_kg.query.run import rows

if TYPE_CHECKING:
    from emg_kg.query.resolve import Resolution

__all__ = ["stats", "resolve", "Fact", "Description", "describe", "short"]


def stats(store: ox.Store) -> dict[str, object]:
    """Counts: quads, triples, graphs, entities per class, mandates by status, evidence levels."""

    def pairs(name: str) -> dict[str, int]:
        found = rows(store, name)
        thing, count = found.variables[:2]  # each stats-*.rq projects (thing, count)
        return {short(r[thing]): int(_value(r[count])) for r in found if thing in r}

    one = rows(store, "stats-triples")[0]
    graphs = len(list(store.named_graphs()))
    return {
        "quads": len(store),
        "triples": int(_value(one["n"])),
        "named graphs": graphs,
        "entities per class": pairs("stats-classes"),
        "mandates by status": pairs("stats-mandates"),
        "support statements by evidence level": pairs("stats-levels"),
        "facts by kind of evidence": pairs("stats-evidence"),
    }


def resolve(store: ox.Store, name: str, notes: list[Resolution] | None = None) -> ox.NamedNode:
    """An entity by IRI, prefixed name, label or alias, through the one resolver
    (:mod:`emg_kg.query.resolve`: exact names only; unknown or ambiguous is an UnresolvedName)."""
    from emg_kg.query.run import resolve_in

    found = resolve_in(store, name)
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


def _label(store: ox.Store, node: Term, lang: str) -> str:
    if not isinstance(node, ox.NamedNode):
        return short(node)
    by_lang = {t.language: t.value for t in _literals(rows(store, "show-label", x=node), "l")}
    return by_lang.get(lang) or by_lang.get("en") or short(node)


def _literals(found: list[dict[str, Term]], var: str) -> list[ox.Literal]:
    """The literals bound to ``var``, in row order."""
    return [t for r in found if isinstance(t := r.get(var), ox.Literal)]


def _value(term: Term) -> str:
    return str(term) if isinstance(term, ox.Triple) else term.value


def _fact_order(row: dict[str, Term]) -> tuple[str, str, str, int, str, str]:
    """SPARQL's ORDER BY ?g ?dir ?p ?o, with literals ordered by text, then language."""
    o = row["o"]
    kind = 0 if isinstance(o, ox.BlankNode) else 1 if isinstance(o, ox.NamedNode) else 2
    language = (o.language or "") if isinstance(o, ox.Literal) else ""
    return (_value(row["g"]), _value(row["dir"]), _value(row["p"]), kind, _value(o), language)


def _text(store: ox.Store, graph: Term, lang: str) -> tuple[str, bool]:
    """The text an evidence graph stands for, in ``lang`` when there is one (else the
    report's Chinese), and whether it is the English translation."""
    found = [
        (int(_value(r["k"])), t)
        for r in rows(store, "show-evidence-text", e=graph)
        if isinstance(t := r["t"], ox.Literal)
    ]
    if not found:
        return "", False
    kind, best = min(
        found, key=lambda kt: (kt[0], kt[1].language != lang, kt[1].language != "zh", kt[1].value)
    )
    return best.value, kind == 0 and best.language == "en"


def describe(store: ox.Store, node: ox.NamedNode, lang: str = "zh") -> Description:
    """Every fact about ``node`` (both directions), each under the graph that states it."""
    desc = Description(node.value)
    for label in _literals(rows(store, "show-names", x=node), "l"):
        desc.labels.setdefault(label.language or "", []).append(label.value)
    desc.types = sorted(short(r["t"]) for r in rows(store, "show-types", x=node))
    texts = {t.language: t.value for t in _literals(rows(store, "show-text", x=node), "t")}
    desc.original = texts.get("zh", "")
    desc.text = texts.get(lang) or desc.original
    facts = rows(store, "show-facts", x=node)
    facts.sort(key=_fact_order)  # engines order literals of different languages differently
    named: dict[Term, str] = {}  # each node's label looked up once: an entity restated by 230
    # reports has 3,454 facts at 2 M quads and a few hundred distinct nodes among them

    def label_of(term: Term) -> str:
        if term not in named:
            named[term] = _label(store, term, lang)
        return named[term]

    for r in facts:
        g = r["g"]
        key = _value(g)
        if key not in desc.evidence:
            text, translated = _text(store, g, lang)
            desc.evidence[key] = (label_of(g), text, [])
            if translated:
                desc.translated.add(key)
        outgoing = _value(r["dir"]) == "out"
        value = r["o"]
        shown = (
            short(value)
            if isinstance(value, ox.Literal)
            else (f"{label_of(value)} ({short(value)})")
        )
        desc.evidence[key][2].append(Fact(short(node), short(r["p"]), shown, outgoing))
    return desc
