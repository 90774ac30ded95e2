"""The store read once into an :class:`Index`, and the names every projection shares.

Split from :mod:`emg_kg.analysis.projection` (which builds the named views on it) because the
index, the short names and the evidence levels are used by metrics, views and the matrix on
their own. An :class:`Index` holds IRI-to-IRI links with the graphs that state them, literals,
types, the sub-class/property hierarchy and, per entity, the evidence graphs it sits in.
Evidence levels (:data:`LEVELS`): ``stated`` in the report, ``curated`` from an external
source, ``derived`` by inference, ``user``.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from sys import intern
from typing import Any

import pyoxigraph as ox

from emg_kg.prefixes import ID, PREFIXES
from emg_kg.query.resolve import NAME_PROPERTIES
from emg_kg.query.results import short_iri
from emg_kg.query.run import rows

__all__ = [
    "LEVELS",
    "Index",
    "load_index",
    "index_of",
    "add_without_evidence",
    "short",
    "sort_key",
    "evidence_level",
    "best_level",
    "is_entity",
    "LITERALS",
]

RDF, RDFS, SKOS = PREFIXES["rdf"], PREFIXES["rdfs"], PREFIXES["skos"]
EMG, ORG, DCT, SCHEMA = PREFIXES["emg"], PREFIXES["org"], PREFIXES["dct"], PREFIXES["schema"]
TYPE, SUBCLASS, SUBPROP = RDF + "type", RDFS + "subClassOf", RDFS + "subPropertyOf"
#: Evidence levels, strongest first: the report's words, a named source, an inference, a user.
LEVELS = ("stated", "curated", "derived", "user")
_STATED = (PREFIXES["para"], PREFIXES["fn"], ID + "report/")
#: IRIs that are evidence, structure or controlled values rather than subject matter.
_NOT_ENTITIES = tuple(PREFIXES[p] for p in "para fn src inf verb status level role".split()) + (
    ID + "graph/",
)
#: A report's parts (sections, paragraphs, footnotes, summary), whichever report: evidence and
#: structure; the report itself (``emgid:report/ID``) is a document, so subject matter.
_REPORT_PART = re.compile(re.escape(ID) + "report/[^/]+/")
_FAMILIES = (  # superclass -> family, first match wins (used for shapes and filters)
    (ORG + "Organization", "organization"),  # W3C ORG's own subclasses are not loaded:
    (ORG + "FormalOrganization", "organization"),
    (ORG + "OrganizationalUnit", "organization"),
    (PREFIXES["foaf"] + "Organization", "organization"),
    (PREFIXES["foaf"] + "Person", "person"),
    (ORG + "Post", "post"),
    (SCHEMA + "Event", "meeting"),
    (EMG + "Mandate", "mandate"),
    (EMG + "SupportStatement", "statement"),
    (EMG + "Figure", "statement"),
    (DCT + "BibliographicResource", "document"),
    (SKOS + "Concept", "concept"),
    (SKOS + "Collection", "concept"),
    (SCHEMA + "Place", "place"),
    (SCHEMA + "City", "place"),
    (SCHEMA + "Country", "place"),
)


#: The literals the views read (names, a target's number and titles, a statement's and a
#: mandate's dates, reasoning, action and source; :func:`emg_kg.analysis.metrics.find`'s
#: names): the index keeps these only. A corpus's other literals (a paragraph's text, a row's
#: source cell and sheet, notes, positions) were a third of the index's literals, never read.
LITERALS = frozenset(
    {
        *NAME_PROPERTIES,
        *(SKOS + p for p in ("prefLabel", "altLabel", "notation")),
        *(DCT + p for p in ("title", "source")),
        *(EMG + p for p in "unofficialTitle asOf supersededOn blanketClaim reasoning".split()),
        *(EMG + p for p in ("dueDate", "action")),
        RDFS + "label",
    }
)


#: Views ask for the same few thousand names hundreds of thousands of times at corpus size
#: (a graph's name per edge): the two helpers below are pure, so they are cached, bounded
#: (``short`` in the one cached shortener, ``query.results.short_iri``).
_CACHED = functools.lru_cache(maxsize=1 << 17)


def short(iri: str) -> str:
    """The views' display name of an IRI: the one cached shortener with paths
    (:func:`emg_kg.query.results.short_iri`: ``agency:WMO``,
    ``emgid:initiative/greening-the-blue``).

    >>> short("https://w3id.org/emg-kg/id/fww/para-209")
    'fww:para-209'
    """
    return short_iri(iri, None, True)  # (positional: the cheaper cache key)


@_CACHED
def sort_key(name: str) -> tuple[Any, ...]:
    """Natural order: ``para:2`` before ``para:10``."""
    return tuple(int(t) if t.isdigit() else t for t in re.split(r"(\d+)", name))


def evidence_level(graph: str) -> str:
    """The evidence level of a graph, by its name (a full IRI or a prefixed name).

    >>> evidence_level("para:12"), evidence_level("src:unterm"), evidence_level("inf:x")
    ('stated', 'curated', 'derived')
    """
    prefix, _, local = graph.partition(":")
    iri = PREFIXES[prefix] + local if prefix in PREFIXES else graph
    if iri.startswith(_STATED):
        return "stated"
    if iri.startswith(PREFIXES["src"]):
        return "curated"
    return "derived" if iri.startswith(PREFIXES["inf"]) else "user"


def best_level(levels: Iterable[str]) -> str:
    """The strongest of several evidence levels (``user`` when there are none)."""
    got = set(levels)
    return next((lv for lv in LEVELS if lv in got), "user")


@dataclass
class Index:
    """The store, read once: what every projection needs, keyed by IRI strings."""

    links: dict[tuple[str, str, str], tuple[str, ...]] = field(default_factory=dict)
    literals: dict[tuple[str, str], list[tuple[str, str | None]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    types: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    evidence: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    supers: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    out: dict[str, list[tuple[str, str]]] = field(default_factory=lambda: defaultdict(list))

    def objects(self, s: str, p: str) -> list[str]:
        return sorted(o for pp, o in self.out.get(s, ()) if pp == p)

    def graphs(self, s: str, p: str, o: str) -> list[str]:
        return sorted(
            (short(g) for g in self.links.get((s, p, o), ()) if _is_evidence(g)), key=sort_key
        )

    def text(self, s: str, p: str, lang: str | None = None) -> str:
        if p not in LITERALS:  # the index does not keep it: a silent "" would mislead
            raise KeyError(f"the views' index keeps no {p} literals (index.LITERALS)")
        values = self.literals.get((s, p), [])
        exact = sorted(v for v, lg in values if lang is None or lg == lang)
        return exact[0] if exact else ""

    def label(self, iri: str, lang: str) -> str:
        for p in (SKOS + "prefLabel", SKOS + "altLabel", RDFS + "label", DCT + "title"):
            if value := self.text(iri, p, lang):
                return value
        return ""

    def closure(self, iri: str) -> set[str]:
        """``iri`` and everything above it by rdfs:subClassOf / rdfs:subPropertyOf."""
        seen, todo = {iri}, [iri]
        while todo:
            for up in self.supers.get(todo.pop(), ()):
                if up not in seen:
                    seen.add(up)
                    todo.append(up)
        return seen

    def subs(self, iri: str) -> set[str]:
        """``iri`` and every class or property below it."""
        return {c for c in list(self.supers) if iri in self.closure(c)} | {iri}

    def of_class(self, cls: str) -> list[str]:
        """Entities typed ``cls`` or a subclass of it."""
        want = self.subs(cls)
        return sorted(s for s, ts in self.types.items() if ts & want)

    def cls(self, iri: str) -> str:
        """The most specific type (a type no other type of the node is below)."""
        types = sorted(self.types.get(iri, ()))
        above = {u for t in types for u in self.closure(t) if u != t}
        best = [t for t in types if t not in above] or types
        best.sort(key=lambda t: (not t.startswith(EMG), t))
        return best[0] if best else ""

    def node(self, iri: str) -> dict[str, Any]:
        """The attributes every view gives a node."""
        cls = self.cls(iri)
        name = re.split(r"[#/]", cls)[-1] if cls else "Thing"
        supers = self.closure(cls) if cls else set()
        family = next((f for c, f in _FAMILIES if c in supers), "other")
        alts = self.literals.get((iri, SKOS + "altLabel"), [])
        abbr = {
            lg: min(sorted(v for v, g in alts if g == lg), key=len, default="")
            for lg in ("en", "zh")
        }
        return {
            "iri": iri,
            "short": short(iri),
            "label_en": self.label(iri, "en") or short(iri),
            "label_zh": self.label(iri, "zh") or self.label(iri, "en") or short(iri),
            "class": name,
            "class_en": self.label(cls, "en") or name,
            "class_zh": self.label(cls, "zh") or self.label(cls, "en") or name,
            "family": family,
            "abbr_en": abbr["en"],
            "abbr_zh": abbr["zh"],
            "paragraphs": sorted((short(g) for g in self.evidence.get(iri, ())), key=sort_key),
        }


def _is_evidence(graph: str) -> bool:
    return graph.startswith(ID) and not graph.startswith(ID + "graph/")


def _by_graph(store: Any) -> Iterator[tuple[str, Iterator[ox.Quad]]]:
    """(graph IRI, or "" for the default graph; its quads) for each run of one graph's quads in
    ``store``'s walk. A loaded store (:class:`emg_kg.data.diskstore.MergedStore`) walks its
    named graphs one by one and leaves its stored union out by itself."""
    quads = store.quads_for_pattern(None, None, None, None)
    yield from itertools.groupby(quads, key=_graph_of)


def _graph_of(quad: ox.Quad) -> str:
    """A quad's graph IRI, or "" for the default graph."""
    g = quad.graph_name
    return g.value if isinstance(g, ox.NamedNode) else ""


def load_index(store: ox.Store) -> Index:
    """Read every quad of ``store`` once into an :class:`Index`.

    Every string is interned: pyoxigraph gives a new ``str`` for each term it returns, and a
    corpus restates the same IRIs and names in every report, so without it the index held each
    one thousands of times. The graphs of a link are a tuple, one graph for nearly every link
    (a set took four times the room: 216 bytes against 48)."""
    return _filled(_by_graph(store))


def index_of(
    store: Any, iris: Iterable[str], into: Index | None = None, pointing: bool = True
) -> Index:
    """An :class:`Index` of all a view reads about ``iris``: every quad with one of them as
    subject (links, names, types), the evidence graphs of the links to them, every quad about
    their classes, and the class tree; added to ``into`` when given (the agency-target view's
    statements: :func:`add_without_evidence`). A view drawn on those entities from it is drawn
    as from the whole index, without reading the rest of the store.

    A link to an entity adds only its graph to the entity's evidence, so the quads pointing to
    a hub (a corpus's agencies: hundreds of thousands) are not read, only their graphs' names
    (``views-pointing.rq``: the engine reads them without building a quad); not even those
    without ``pointing`` (the matrix, which draws no node's paragraphs: a second at 2 M quads)."""
    idx = Index() if into is None else into
    read = set(idx.out) | set(idx.types)  # subjects already read: their literals are in
    wanted = sorted(set(iris) - read)
    _fill_about(idx, store, wanted)
    read.update(wanted)
    for batch in _batches(wanted if pointing else []):
        for row in rows(store, "views-pointing", x=batch):
            x, g = row["x"], row["g"]
            if (
                isinstance(x, ox.NamedNode)
                and isinstance(g, ox.NamedNode)
                and _is_evidence(g.value)
            ):
                idx.evidence[intern(x.value)].add(intern(g.value))
    _fill_about(idx, store, sorted({t for ts in idx.types.values() for t in ts} - read))
    for tree in (SUBCLASS, SUBPROP):  # a quad read twice adds nothing (sets and known links)
        _fill_stream(idx, store.quads_for_pattern(None, ox.NamedNode(tree), None, None))
    return idx


#: How many entities one query reads (``VALUES``): a whole view's 2,000 in a few requests to an
#: endpoint, each text some 30 kB (an endpoint bounds a query's size; a POST's body, not a URL).
BATCH = 500


def _batches(iris: list[str]) -> Iterator[tuple[ox.NamedNode, ...]]:
    """``iris`` as NamedNodes, :data:`BATCH` at a time."""
    for start in range(0, len(iris), BATCH):
        yield tuple(map(ox.NamedNode, iris[start : start + BATCH]))


def _fill_about(idx: Index, store: Any, iris: list[str]) -> None:
    """Add every quad with one of ``iris`` as subject, in the named graphs (``views-about.rq``
    with the subjects a list), :data:`BATCH` subjects per query."""
    for batch in _batches(iris):
        found = rows(store, "views-about", s=batch)
        quads = (ox.Quad(r["s"], r["p"], r["o"], r["g"]) for r in found)  # type: ignore[arg-type]
        _fill_stream(idx, quads)


def add_without_evidence(idx: Index, quads: Iterable[ox.Quad]) -> Index:
    """``idx`` with ``quads`` added, without noting the evidence graphs their ends sit in: the
    agency-target view's support statements, which it draws as edges, not nodes (the evidence
    of what they link is read by :func:`index_of`)."""
    return _fill_stream(idx, quads, evidence=False)


def _fill_stream(idx: Index, quads: Iterable[ox.Quad], evidence: bool = True) -> Index:
    """Add ``quads`` to ``idx``, run by run of one graph's quads; each subject's literals must
    come once (a literal is a list's item, not a set's)."""
    return _filled(itertools.groupby(quads, key=_graph_of), idx, evidence)


def _filled(
    groups: Iterable[tuple[str, Iterable[ox.Quad]]], idx: Index | None = None, evidence: bool = True
) -> Index:
    """An :class:`Index` of ``groups``: (graph IRI or "", its quads), each quad once (into
    ``idx`` when given; without noting what evidence graphs the quads' ends sit in when
    ``evidence`` is false)."""
    idx = Index() if idx is None else idx
    links, out, literals, graphs_of = idx.links, idx.out, idx.literals, idx.evidence
    for graph, quads in groups:
        g = intern(graph)
        is_evidence = evidence and _is_evidence(g)
        for q in quads:
            s, o = q.subject, q.object
            if not isinstance(s, ox.NamedNode):
                continue
            sv, p = intern(s.value), intern(q.predicate.value)
            if isinstance(o, ox.Literal):
                if p in LITERALS:
                    lang = o.language  # a new str per literal from pyoxigraph: interned too
                    literals[(sv, p)].append((intern(o.value), intern(lang) if lang else None))
            elif isinstance(o, ox.NamedNode):
                ov = intern(o.value)
                if p == TYPE:
                    idx.types[sv].add(ov)
                elif p in (SUBCLASS, SUBPROP):
                    idx.supers[sv].add(ov)
                else:
                    key = (sv, p, ov)
                    had = links.get(key)
                    if had is None:
                        out[sv].append((p, ov))
                        links[key] = (g,)
                    elif g not in had:
                        links[key] = (*had, g)
                    if is_evidence:
                        graphs_of[ov].add(g)
            if is_evidence:
                graphs_of[sv].add(g)
    return idx


def is_entity(iri: str) -> bool:
    """Subject matter under the project's id space (not evidence, structure or vocabulary),
    for every report alike.

    >>> [is_entity(ID + x) for x in ("agency/unep", "report/gc27-emg", "report/r2/para/3",
    ...                              "report/gc27-emg/section/IV-A", "graph/report")]
    [True, True, False, False, False]
    """
    return iri.startswith(ID) and not iri.startswith(_NOT_ENTITIES) and not _REPORT_PART.match(iri)
