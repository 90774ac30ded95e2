"""Projections of the RDF graph into networkx graphs: the named views.

The store is read once into an :class:`~emg_kg.analysis.index.Index` (links with their graphs,
names, types; :mod:`emg_kg.analysis.index`); each named view (:data:`VIEWS`) projects it into a
``networkx.MultiDiGraph``.
Every node carries ``iri``, ``label_zh``, ``label_en``, ``class`` (short), ``family`` and
``paragraphs`` (the evidence graphs its triples sit in, e.g. ``["para:12", "src:unterm"]``);
every edge ``predicate``, ``evidence`` (graph names, short) and ``level`` (``stated`` in the
report, ``curated`` from an external source, ``derived`` by inference, ``user``).
The analyses over these graphs are in :mod:`emg_kg.analysis.metrics`.

Examples
--------
>>> from emg_kg.paths import default_layout
>>> from emg_kg.data.store import open_store
>>> index = load_index(open_store(default_layout()))
>>> G = project(index, "agency-target")
>>> sum(1 for _, cls in G.nodes(data="class") if cls == "AichiTarget")
20
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

import networkx as nx
import pyoxigraph as ox

from emg_kg.analysis.index import (
    DCT,
    EMG,
    ID,
    LEVELS,
    SKOS,
    Index,
    best_level,
    evidence_level,
    is_entity,
    load_index,
    short,
    sort_key,
)
from emg_kg.prefixes import PREFIXES
from emg_kg.query.run import rows

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
    "entities",
    "in_whole_view",
    "scheme_classes",
    "most_connected",
    "whole",
    "bounded",
    "drawn",
]


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


def agency_target(idx: Index, links: Iterable[Link] | None = None) -> nx.MultiDiGraph:
    """Supporter (agency or group) -> Aichi target, one edge per support statement (with
    ``links``, :data:`Link`, one per link instead: the matrix's, analysis/bounded.py).

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
        # Chinese titles: the curators' unofficial translations (emg:unofficialTitle), not English
        title_zh = idx.text(t, DCT + "title", "zh") or idx.text(t, EMG + "unofficialTitle", "zh")
        extra.update(title_en=idx.text(t, DCT + "title", "en"), title_zh=title_zh)
        _add_node(G, idx, t, bipartite=1, goal=short(goal), notation=idx.text(t, notation), **extra)
    for supporter, t, key, ev, attrs in _statement_links(idx) if links is None else links:
        if t in WHOLE_PLAN and t not in G:
            _add_node(G, idx, t, bipartite=1, goal="", notation="")
        if supporter is not None and t in G:
            _add_edge(G, idx, supporter, t, ev, key=key, **attrs)
            G.nodes[supporter].update(bipartite=0, **supporter_group(idx, supporter))
    return G


#: (supporter or None, what it supports, edge key, evidence graphs, :func:`link_attrs`).
Link = tuple[str | None, str, str, list[str], dict[str, Any]]


def link_attrs(level: str, role: str, start: str, end: str, blanket: str) -> dict[str, Any]:
    """A link's attributes from its statement's level and role (IRIs) and literals ("")."""
    attrs = {"predicate": "emg:supports", "level": level.rsplit("/", 1)[-1]}
    attrs.update(role=role.rsplit("/", 1)[-1] or "implements", as_of=start)
    return attrs | {"superseded_on": end, "blanket": blanket == "true"}


def _statement_links(idx: Index) -> Iterator[Link]:
    """The links of every support statement in ``idx``: one per (target, supporter)."""
    for st in idx.of_class(EMG + "SupportStatement"):
        values = (_first(idx, st, EMG + p) for p in ("evidenceLevel", "role"))
        dates = (idx.text(st, EMG + p) for p in ("asOf", "supersededOn", "blanketClaim"))
        attrs = link_attrs(*values, *dates)
        attrs.update(statement=short(st), reasoning=idx.text(st, EMG + "reasoning", "en"))
        attrs["source"] = idx.text(st, DCT + "source")  # a user mapping's source column
        for t in idx.objects(st, EMG + "supports"):
            for a in idx.objects(st, EMG + "supporter") or [""]:  # "": no supporter
                ev = idx.graphs(st, EMG + "supports", t) if a else []
                yield a or None, t, short(st), ev + idx.graphs(st, EMG + "supporter", a), attrs


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

    Edges are keyed by the mandate and carry ``verb``, ``status`` (and their Chinese labels
    ``verb_zh``, ``status_zh``), ``due`` (meeting),
    ``due_label``, ``due_date`` and ``action_en``/``action_zh``.
    """
    G = nx.MultiDiGraph(view="mandates", title="Who asks whom to do what, by when")
    decided = {o: s for (s, p, o) in idx.links if p == EMG + "decided"}
    for m in idx.of_class(EMG + "Mandate"):
        verb, due = _first(idx, m, EMG + "verb"), _first(idx, m, EMG + "dueAt")
        status = _first(idx, m, EMG + "status")
        attrs = {
            "predicate": short(verb) if verb else "emg:Mandate",
            "key": short(m),
            "mandate": short(m),
            "verb": verb.rsplit("/", 1)[-1],
            "status": status.rsplit("/", 1)[-1],
            "verb_zh": idx.label(verb, "zh") if verb else "",  # the report's own word (请 ...)
            "status_zh": idx.label(status, "zh") if status else "",
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


def entities(idx: Index) -> tuple[list[str], list[tuple[str, str, str]]]:
    """The whole view before any limit: its typed entities (every entity but concept schemes)
    and every link between two entities, both sorted; an entity used in a link but never
    typed is a node too."""
    schemes = set(idx.of_class(SKOS + "ConceptScheme"))

    def wanted(iri: str) -> bool:
        return is_entity(iri) and iri not in schemes

    links = sorted(t for t in idx.links if wanted(t[0]) and wanted(t[2]))
    return sorted(iri for iri in idx.types if wanted(iri)), links


def in_whole_view(engine: Any, iri: str, scheme_classes: set[str]) -> bool | None:
    """Whether :func:`entities` would make ``iri`` a node of the whole view, decided from the
    engine without the views' index where the rule allows, or None where only the index can say.

    The web app offers an entity's neighbourhood only when the whole view has it; reading every
    quad into the index to decide it made the first entity page of a 2 M-quad store take 19 s.
    The rule is :func:`entities`' own: an entity (:func:`is_entity`) typed with a class that is
    not at or below ``skos:ConceptScheme`` is a node; an entity typed as a scheme is not; one not
    under the id space is not. An untyped entity is a node only when it links to another node,
    which is the index's to say (None). ``scheme_classes`` is :func:`scheme_classes`' answer."""
    if not is_entity(iri):
        return False
    found = rows(engine, "show-types", x=ox.NamedNode(iri))
    types = {row["t"].value for row in found if isinstance(row["t"], ox.NamedNode)}
    if not types:
        return None
    return not types & scheme_classes


def scheme_classes(engine: Any) -> set[str]:
    """``skos:ConceptScheme`` and every class or property below it (by ``rdfs:subClassOf`` or
    ``rdfs:subPropertyOf``, as :meth:`Index.subs` climbs): the classes whose entities the whole
    view leaves out."""
    return {
        r["c"].value for r in rows(engine, "scheme-classes") if isinstance(r["c"], ox.NamedNode)
    }


def most_connected(nodes: list[str], links: Iterable[tuple[str, str, str]], limit: int) -> set[str]:
    """The ``limit`` nodes with the most distinct neighbours (either direction), ties by IRI.

    >>> sorted(most_connected(["a", "b", "c", "d"], [("a", "p", "b"), ("c", "p", "b")], 2))
    ['a', 'b']
    """
    near: dict[str, set[str]] = {n: set() for n in nodes}
    for s, _, o in links:
        if s != o:
            near[s].add(o)
            near[o].add(s)
    return set(sorted(nodes, key=lambda n: (-len(near[n]), n))[:limit])


def whole(
    idx: Index, limit: int | None = None, around: tuple[str, int] | None = None
) -> nx.MultiDiGraph:
    """Every entity (not paragraphs, footnotes, sources, schemes or controlled values) and every
    link between two of them; an entity used but never typed is kept, with class ``Thing``.

    With ``limit``, a whole graph of more entities keeps only the ``limit`` most connected
    (:func:`most_connected`) and the links between them; ``G.graph`` then says how many there
    were (``entities``) and how many are left out (``left_out``). With ``around`` (an IRI and a
    depth), only the entities within that many links of it: all a neighbourhood needs, without
    the attributes of every other node; with ``limit`` too, the centre and the ``limit`` - 1
    most connected of them (a hub of a 2 M-quad corpus has thousands, a 10 MB page)."""
    typed, links = entities(idx)
    return drawn(idx, *bounded(typed, links, limit, around))


def bounded(
    typed: list[str],
    links: list[tuple[str, str, str]],
    limit: int | None = None,
    around: tuple[str, int] | None = None,
) -> tuple[list[str], list[tuple[str, str, str]], dict[str, Any]]:
    """:func:`whole`'s choice of what to draw, from its skeleton alone (:func:`entities`: the
    typed entities and the links between entities, IRIs only): the typed entities and links
    kept, and what ``G.graph`` says of the bound (``entities``, ``limit``, ``left_out``).
    Apart from the drawing so the skeleton can come from the engine
    (:mod:`emg_kg.analysis.bounded`) and only the kept entities be indexed."""
    keep: set[str] | None = None
    counts: dict[str, Any] = {}
    if around is not None:
        keep = _within(links, *around)
        if limit is not None and len(keep) > limit:  # a hub of a corpus: thousands around it
            centre, near = around[0], sorted(keep - {around[0]})
            inner = [t for t in links if t[0] in keep and t[2] in keep and centre not in t]
            bound = {centre, *most_connected(near, inner, limit - 1)}
            counts = {"entities": len(keep), "limit": limit, "left_out": len(keep) - len(bound)}
            keep = bound
    elif limit is not None:
        nodes = sorted({*typed, *(x for s, _, o in links for x in (s, o))})
        if len(nodes) > limit:
            keep = most_connected(nodes, links, limit)
            counts = {"entities": len(nodes), "limit": limit, "left_out": len(nodes) - len(keep)}
    if keep is not None:
        typed = [iri for iri in typed if iri in keep]
        links = [t for t in links if t[0] in keep and t[2] in keep]
    return typed, links, counts


def drawn(
    idx: Index, typed: list[str], links: list[tuple[str, str, str]], counts: dict[str, Any]
) -> nx.MultiDiGraph:
    """The whole view's graph of ``typed`` entities and ``links`` (:func:`bounded`'s answer),
    each node's and edge's attributes from ``idx``, which needs to hold only their quads."""
    G = nx.MultiDiGraph(view="whole", title="The whole graph")
    G.graph.update(counts)
    for iri in typed:  # typed first, then the links (which add the untyped ends)
        _add_node(G, idx, iri)
    for s, p, o in links:
        _add_edge(G, idx, s, o, idx.graphs(s, p, o), predicate=short(p))
    return G


def _within(links: list[tuple[str, str, str]], start: str, depth: int) -> set[str]:
    """The nodes within ``depth`` links of ``start``, either direction (``start`` alone when it
    has no link)."""
    near: dict[str, set[str]] = {}
    for s, _, o in links:
        near.setdefault(s, set()).add(o)
        near.setdefault(o, set()).add(s)
    seen, edge = {start}, {start}
    for _ in range(depth):
        edge = {m for n in edge for m in near.get(n, ()) if m not in seen}
        seen |= edge
    return seen


#: View name -> projection function.
VIEWS: dict[str, Callable[[Index], nx.MultiDiGraph]] = {
    "agency-target": agency_target,
    "mandates": mandates,
    "citations": citations,
    "organizations": organizations,
    "whole": whole,
}


def project(idx: Index, view: str, limit: int | None = None) -> nx.MultiDiGraph:
    """The named view of the indexed graph (see :data:`VIEWS`); ``limit`` bounds the whole
    view (:func:`whole`) and is ignored by the others, which a report keeps small."""
    if view not in VIEWS:
        raise ValueError(f"unknown view {view!r}; choose one of {', '.join(VIEWS)}")
    return whole(idx, limit) if view == "whole" else VIEWS[view](idx)
