"""Projections of the RDF graph into networkx graphs: the named views.

The store is read once into an :class:`Index` (IRI-to-IRI links with the graphs that state them,
names, types); each named view (:data:`VIEWS`) projects it into a ``networkx.MultiDiGraph``.
Every node carries ``iri``, ``label_zh``, ``label_en``, ``class`` (short), ``family`` and
``paragraphs`` (the evidence graphs its triples sit in, e.g. ``["para:12", "src:unterm"]``);
every edge ``predicate``, ``evidence`` (graph names, short) and ``level`` (``stated`` in the
report, ``curated`` from an external source, ``derived`` by inference, ``user``).
The analyses over these graphs are in :mod:`emg_kg.analysis`.

Examples
--------
>>> from emg_kg.paths import default_layout
>>> from emg_kg.store import open_store
>>> index = load_index(open_store(default_layout()))
>>> G = project(index, "agency-target")
>>> sum(1 for _, cls in G.nodes(data="class") if cls == "AichiTarget")
20
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import pyoxigraph as ox

from .prefixes import PREFIXES

__all__ = [
    "VIEWS",
    "LEVELS",
    "Index",
    "load_index",
    "project",
    "short",
    "sort_key",
    "evidence_level",
    "best_level",
    "is_entity",
    "supporter_group",
]

ID = PREFIXES["emgid"]
RDF, RDFS, SKOS = PREFIXES["rdf"], PREFIXES["rdfs"], PREFIXES["skos"]
EMG, ORG, DCT, SCHEMA = PREFIXES["emg"], PREFIXES["org"], PREFIXES["dct"], PREFIXES["schema"]
TYPE, SUBCLASS, SUBPROP = RDF + "type", RDFS + "subClassOf", RDFS + "subPropertyOf"
#: Evidence levels, strongest first: the report's words, a named source, an inference, a user.
LEVELS = ("stated", "curated", "derived", "user")
_STATED = (PREFIXES["para"], PREFIXES["fn"], ID + "report/")
#: IRIs that are evidence, structure or controlled values rather than subject matter.
_NOT_ENTITIES = tuple(PREFIXES[p] for p in "para fn src inf verb status level role".split()) + (
    ID + "report/gc27-emg/",
    ID + "graph/",
)
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
_PREFIX_ORDER = sorted(PREFIXES.items(), key=lambda kv: -len(kv[1]))


def short(iri: str) -> str:
    """A prefixed name (``agency:WMO``, ``emgid:initiative/greening-the-blue``) for display, or
    ``<iri>`` when no prefix fits.

    >>> short("https://w3id.org/emg-kg/id/fww/para-209")
    'fww:para-209'
    """
    for prefix, ns in _PREFIX_ORDER:
        if iri.startswith(ns) and re.fullmatch(r"[\w.\-/]*", iri[len(ns) :]):
            return f"{prefix}:{iri[len(ns) :]}"
    return f"<{iri}>"


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

    links: dict[tuple[str, str, str], set[str]] = field(default_factory=lambda: defaultdict(set))
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


def load_index(store: ox.Store) -> Index:
    """Read every quad of ``store`` once into an :class:`Index`."""
    idx = Index()
    for q in store.quads_for_pattern(None, None, None, None):
        s, p, o = q.subject, q.predicate.value, q.object
        if not isinstance(s, ox.NamedNode):
            continue
        g = q.graph_name.value if isinstance(q.graph_name, ox.NamedNode) else ""
        if isinstance(o, ox.Literal):
            idx.literals[(s.value, p)].append((o.value, o.language))
        elif isinstance(o, ox.NamedNode):
            if p == TYPE:
                idx.types[s.value].add(o.value)
            elif p in (SUBCLASS, SUBPROP):
                idx.supers[s.value].add(o.value)
            else:
                if (s.value, p, o.value) not in idx.links:
                    idx.out[s.value].append((p, o.value))
                idx.links[(s.value, p, o.value)].add(g)
                if _is_evidence(g):
                    idx.evidence[o.value].add(g)
        if _is_evidence(g):
            idx.evidence[s.value].add(g)
    return idx


def is_entity(iri: str) -> bool:
    """Subject matter under the project's id space (not evidence, structure or vocabulary)."""
    return iri.startswith(ID) and not iri.startswith(_NOT_ENTITIES)


# --- views ---------------------------------------------------------------------------------


def _add_node(G: nx.MultiDiGraph, idx: Index, iri: str, **extra: Any) -> None:
    if iri not in G:
        G.add_node(iri, **idx.node(iri))
    G.nodes[iri].update(extra)


def _add_edge(G: nx.MultiDiGraph, idx: Index, s: str, o: str, ev: Iterable[str], **kw: Any) -> None:
    """An edge with ``predicate`` (and ``key``, default the predicate) and its evidence."""
    _add_node(G, idx, s)
    _add_node(G, idx, o)
    kw["evidence"] = sorted(set(ev), key=sort_key)
    kw["level"] = kw.get("level") or best_level(evidence_level(g) for g in kw["evidence"])
    G.add_edge(s, o, key=kw.pop("key", kw["predicate"]), **kw)


def _links(G: nx.MultiDiGraph, idx: Index, predicates: str) -> None:
    """Every link between entities by one of ``predicates`` (prefixed names) or a subproperty."""
    wanted: set[str] = set()
    for name in predicates.split():
        prefix, _, local = name.partition(":")
        wanted |= idx.subs(PREFIXES[prefix] + local)
    for s, p, o in sorted(idx.links):
        if p in wanted and is_entity(s) and is_entity(o):
            _add_edge(G, idx, s, o, idx.graphs(s, p, o), predicate=short(p))


def _first(idx: Index, s: str, p: str) -> str:
    return next(iter(idx.objects(s, p)), "")


#: Support for these counts for the plan as a whole (a column beside the 20 targets).
WHOLE_PLAN = (ID + "doc/strategic-plan-biodiversity-2011-2020", ID + "aichi/scheme")


def agency_target(idx: Index) -> nx.MultiDiGraph:
    """Supporter (agency or group) -> Aichi target, one edge per support statement.

    Every typed target is present, supported or not (``bipartite=1``, with ``notation``, ``goal``
    and the goal's names), and so are the Strategic Plan and the target set when a statement
    supports them as a whole (:data:`WHOLE_PLAN`); supporters have ``bipartite=0``. Edges carry
    ``level`` from the statement's ``emg:evidenceLevel``, ``statement`` and ``reasoning``.
    """
    G = nx.MultiDiGraph(view="agency-target", title="Who supports which Aichi Biodiversity Target")
    notation = SKOS + "notation"
    for t in sorted(
        idx.of_class(EMG + "AichiTarget"), key=lambda t: int(idx.text(t, notation) or 0)
    ):
        goal = _first(idx, t, SKOS + "broader")
        extra = {"goal_en": idx.label(goal, "en"), "goal_zh": idx.label(goal, "zh")}
        # Chinese titles are the curators' unofficial translations (emg:unofficialTitle):
        # shown rather than mixing an English title into a Chinese label
        title_zh = idx.text(t, DCT + "title", "zh") or idx.text(t, EMG + "unofficialTitle", "zh")
        extra.update(title_en=idx.text(t, DCT + "title", "en"), title_zh=title_zh)
        _add_node(G, idx, t, bipartite=1, goal=short(goal), notation=idx.text(t, notation), **extra)
    for st in idx.of_class(EMG + "SupportStatement"):
        level = _first(idx, st, EMG + "evidenceLevel").rsplit("/", 1)[-1]
        attrs = {
            "predicate": "emg:supports",
            "key": short(st),
            "level": level,
            "role": _first(idx, st, EMG + "role").rsplit("/", 1)[-1] or "implements",
            "as_of": idx.text(st, EMG + "asOf"),
            "superseded_on": idx.text(st, EMG + "supersededOn"),
            "blanket": idx.text(st, EMG + "blanketClaim") == "true",
            "statement": short(st),
            "reasoning": idx.text(st, EMG + "reasoning", "en"),
            "source": idx.text(st, DCT + "source"),  # a user mapping's source column
        }
        for t in idx.objects(st, EMG + "supports"):
            if t in WHOLE_PLAN and t not in G:
                _add_node(G, idx, t, bipartite=1, goal="", notation="")
            for a in idx.objects(st, EMG + "supporter") if t in G else ():
                ev = idx.graphs(st, EMG + "supports", t) + idx.graphs(st, EMG + "supporter", a)
                _add_edge(G, idx, a, t, ev, **attrs)
                G.nodes[a].update(bipartite=0, **supporter_group(idx, a))
    return G


#: Classes of the UN system and of multilateral environmental agreements (MEAs).
_UN_OR_MEA = tuple(
    EMG + c
    for c in (
        "UNSystemEntity SecretariatDepartment ConventionSecretariat CoordinationBody "
        "IssueManagementGroup ConsultationProcess TaskTeam Convention"
    ).split()
)


def supporter_group(idx: Index, iri: str) -> dict[str, Any]:
    """``group``: report (named in the report), or for an emg:ExternalEntity its kind:
    un-system, mea or other, or user (minted from a user mapping); ``un_or_mea``: a UN-system
    body or an MEA (by class)."""
    types = {u for t in idx.types.get(iri, ()) for u in idx.closure(t)}
    if iri.startswith(ID + "user/"):  # minted from a user mapping (emg_kg.mapping)
        group = "user"
    elif EMG + "ExternalEntity" not in types:
        group = "report"
    elif EMG + "UNSystemEntity" in types:
        group = "un-system"
    else:
        group = "mea" if EMG + "Convention" in types else "other"
    return {"group": group, "un_or_mea": bool(types & set(_UN_OR_MEA))}


def mandates(idx: Index) -> nx.MultiDiGraph:
    """Issuer (decision, meeting or body) -> addressee, one edge per mandate and addressee.

    Edges are keyed by the mandate and carry ``verb``, ``status``, ``due`` (meeting),
    ``due_label``, ``due_date`` and ``action_en``/``action_zh``.
    """
    G = nx.MultiDiGraph(view="mandates", title="Who asks whom to do what, by when")
    decided = {o: s for (s, p, o) in idx.links if p == EMG + "decided"}
    for m in idx.of_class(EMG + "Mandate"):
        verb, due = _first(idx, m, EMG + "verb"), _first(idx, m, EMG + "dueAt")
        attrs = {
            "predicate": short(verb) if verb else "emg:Mandate",
            "key": short(m),
            "mandate": short(m),
            "verb": verb.rsplit("/", 1)[-1],
            "status": _first(idx, m, EMG + "status").rsplit("/", 1)[-1],
            "due": short(due) if due else "",
            "due_label": idx.label(due, "en"),
            "due_date": idx.text(m, EMG + "dueDate"),
            "action_en": idx.text(m, EMG + "action", "en"),
            "action_zh": idx.text(m, EMG + "action", "zh"),
        }
        ev = [g for p, o in idx.out.get(m, ()) for g in idx.graphs(m, p, o)]
        for issuer in idx.objects(m, EMG + "issuedBy") or ([decided[m]] if m in decided else []):
            for addressee in idx.objects(m, EMG + "addressee"):
                _add_edge(G, idx, issuer, addressee, ev, **attrs)
    return G


def citations(idx: Index) -> nx.MultiDiGraph:
    """Decisions and documents: references, parts, adoption, and mandates following others.

    ``emg:followsFrom`` between two mandates becomes an edge between their issuers, keyed by
    the pair of mandates.
    """
    G = nx.MultiDiGraph(view="citations", title="Which decision or document cites or follows which")
    _links(G, idx, "dct:references dct:isPartOf emg:adoptedAt")
    for m in idx.of_class(EMG + "Mandate"):
        for earlier in idx.objects(m, EMG + "followsFrom"):
            ev = idx.graphs(m, EMG + "followsFrom", earlier)
            attrs = {"predicate": "emg:followsFrom", "mandate": short(m), "earlier": short(earlier)}
            for a in idx.objects(m, EMG + "issuedBy"):
                for b in idx.objects(earlier, EMG + "issuedBy"):
                    if a != b:
                        _add_edge(G, idx, a, b, ev, key=f"{short(m)} {short(earlier)}", **attrs)
    return G


#: Links drawn in the ``organizations`` view (with their subproperties).
ORG_PREDICATES = (
    "org:subOrganizationOf org:hasMember org:memberOf org:postIn org:heldBy org:holds "
    "emg:chair emg:hostedBy emg:leadAgency emg:secretariat emg:establishedBy "
    "schema:attendee schema:participant schema:organizer"
)


def organizations(idx: Index) -> nx.MultiDiGraph:
    """Structure, membership, posts, chairs, hosts and participation (org:, emg:, schema:)."""
    G = nx.MultiDiGraph(view="organizations", title="How organizations, posts and people connect")
    _links(G, idx, ORG_PREDICATES)
    return G


def whole(idx: Index) -> nx.MultiDiGraph:
    """Every entity (not paragraphs, footnotes, sources, schemes or controlled values) and every
    link between two of them; an entity used but never typed is kept, with class ``Thing``."""
    G = nx.MultiDiGraph(view="whole", title="The whole graph")
    schemes = set(idx.of_class(SKOS + "ConceptScheme"))
    for iri in sorted(idx.types):
        if is_entity(iri) and iri not in schemes:
            _add_node(G, idx, iri)
    for s, p, o in sorted(idx.links):
        if is_entity(s) and is_entity(o) and not {s, o} & schemes:
            _add_edge(G, idx, s, o, idx.graphs(s, p, o), predicate=short(p))
    return G


#: View name -> projection function.
VIEWS: dict[str, Callable[[Index], nx.MultiDiGraph]] = {
    "agency-target": agency_target,
    "mandates": mandates,
    "citations": citations,
    "organizations": organizations,
    "whole": whole,
}


def project(idx: Index, view: str) -> nx.MultiDiGraph:
    """The named view of the indexed graph (see :data:`VIEWS`)."""
    if view not in VIEWS:
        raise ValueError(f"unknown view {view!r}; choose one of {', '.join(VIEWS)}")
    return VIEWS[view](idx)
