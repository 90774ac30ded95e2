"""The bounded views drawn from the engine in two phases, without the whole views' index.

At 2 M quads the views' index (:func:`~emg_kg.analysis.index.load_index`: every quad read into
Python) cost 0.5 GiB and 8-25 s, while the whole view draws only its 2,000 most connected
entities and a hub's neighbourhood 2,000 of its 13,374. So the engine first gives the skeleton
the bound needs (which entities are nodes, which links join them: IRIs only, no literals, no
evidence graphs), :func:`~emg_kg.analysis.projection.bounded` chooses the nodes, and only the
kept entities' quads are read (:func:`~emg_kg.analysis.index.index_of`) to draw them. The graph
is the one the whole index gives, node for node and edge for edge
(tests/analysis/test_views_from_engine.py).
"""

from __future__ import annotations

from sys import intern
from typing import Any

import networkx as nx
import pyoxigraph as ox

from emg_kg.analysis.index import (
    EMG,
    SUBCLASS,
    SUBPROP,
    TYPE,
    Index,
    add_without_evidence,
    index_of,
    is_entity,
    load_index,
)
from emg_kg.analysis.metrics import neighbourhood, select
from emg_kg.analysis.projection import (
    WHOLE_PLAN,
    Link,
    agency_target,
    bounded,
    drawn,
    link_attrs,
    scheme_classes,
    whole,
)
from emg_kg.heap import give_back
from emg_kg.query.run import internal_query, rows

__all__ = [
    "whole_skeleton",
    "around_skeleton",
    "whole_view",
    "support_index",
    "matrix_view",
    "view_of",
]

Skeleton = tuple[list[str], list[tuple[str, str, str]]]
_NOT_LINKS = frozenset({TYPE, SUBCLASS, SUBPROP})


def whole_skeleton(store: Any) -> Skeleton:
    """:func:`~emg_kg.analysis.projection.entities` read from the engine: the typed entities
    that are not concept schemes and the links between two such entities (or untyped ones),
    sorted; one pass over the union of the graphs (``views-links.rq``: IRIs only)."""
    schemes = scheme_classes(store)
    entity: dict[str, bool] = {}  # is_entity, once per IRI (a corpus repeats them)
    typed: set[str] = set()
    left_out: set[str] = set()  # entities typed as a concept scheme
    links = set()
    for row in _streamed(store, "views-links"):
        s = row["s"]
        if not isinstance(s, ox.NamedNode):
            continue
        sv = s.value
        if (is_s := entity.get(sv)) is None:
            is_s = entity[sv] = is_entity(sv)
        if not is_s:
            continue
        p, o = row["p"].value, row["o"].value
        if p == TYPE:
            (left_out if o in schemes else typed).add(intern(sv))
        elif p not in _NOT_LINKS:
            if (is_o := entity.get(o)) is None:
                is_o = entity[o] = is_entity(o)
            if is_o:
                links.add((intern(sv), intern(p), intern(o)))
    typed -= left_out
    kept = sorted(t for t in links if t[0] not in left_out and t[2] not in left_out)
    return sorted(typed), kept


def around_skeleton(store: Any, iri: str, depth: int) -> Skeleton:
    """What :func:`~emg_kg.analysis.projection.bounded` needs to choose the neighbourhood of
    ``iri`` within ``depth`` links, read from the engine one entity at a time: the types of
    every entity that near, their links to entities, and the links into those nearer than
    ``depth`` (a hub's 13,374 neighbours: their own links, not every quad about them).

    A concept scheme's links are never the whole view's, so none leads further (as
    :func:`~emg_kg.analysis.projection.entities` drops them before a neighbourhood is taken)."""
    if not is_entity(iri):
        return [], []
    schemes = scheme_classes(store)
    types: dict[str, set[str]] = {}
    links: set[tuple[str, str, str]] = set()
    seen, frontier = {iri}, [iri]
    for step in range(depth + 1):
        ahead: list[str] = []
        for n in frontier:
            node, ts, ends = ox.NamedNode(n), set(), []
            for q in store.quads_for_pattern(node, None, None, None):
                o, p = q.object, q.predicate.value
                if not isinstance(o, ox.NamedNode):
                    continue
                if p == TYPE:
                    ts.add(o.value)
                elif p not in _NOT_LINKS and is_entity(o.value):
                    ends.append((n, p, o.value))
            types[n] = ts
            if ts & schemes:
                continue
            links.update(ends)
            if step < depth:
                for q in store.quads_for_pattern(None, None, node, None):
                    s, p = q.subject, q.predicate.value
                    if isinstance(s, ox.NamedNode) and p not in _NOT_LINKS and is_entity(s.value):
                        ends.append((s.value, p, n))
                        links.add(ends[-1])
                for s, _, o in ends:
                    end = o if s == n else s
                    if end not in seen:
                        seen.add(end)
                        ahead.append(end)
        frontier = ahead
    left_out = {n for n, ts in types.items() if ts & schemes}
    typed = sorted(n for n, ts in types.items() if ts and n not in left_out)
    return typed, sorted(t for t in links if t[0] not in left_out and t[2] not in left_out)


def whole_view(
    store: Any, limit: int | None = None, around: tuple[str, int] | None = None
) -> nx.MultiDiGraph:
    """:func:`~emg_kg.analysis.projection.whole` of ``store``'s whole index, drawn from the
    skeleton and the quads of only the entities drawn. Without a limit or a centre every entity
    is drawn, so the whole index is read (:func:`load_index`) as before."""
    if limit is None and around is None:
        return whole(load_index(store))
    skeleton = around_skeleton(store, *around) if around else whole_skeleton(store)
    typed, links, counts = bounded(*skeleton, limit, around)
    keep = {*typed, *(x for s, _, o in links for x in (s, o))}
    return drawn(index_of(store, sorted(keep)), typed, links, counts)


def support_index(store: Any) -> Index:
    """An :class:`Index` of what the agency-target view and the coverage matrix read: what it
    reads of the support statements (one query, ``views-statements.rq``), then the quads of
    the Aichi targets and their goals (``views-support.rq``), the statements' supporters and
    the plan as a whole, with their classes and the class tree
    (:func:`~emg_kg.analysis.index.index_of`). The view projected from it is the one the whole
    index gives (tests/analysis/test_views_from_engine.py)."""
    statements = (
        ox.Quad(r["s"], r["p"], r["o"], r["g"]) for r in _streamed(store, "views-statements")
    )
    idx = add_without_evidence(Index(), statements)
    supporter = EMG + "supporter"
    found = {o for s, p, o in idx.links if p == supporter} | set(WHOLE_PLAN)
    for row in rows(store, "views-support"):  # the targets and their goals
        found |= {t.value for t in row.values() if isinstance(t, ox.NamedNode)}
    return index_of(store, found, idx)


def matrix_view(store: Any) -> nx.MultiDiGraph:
    """The agency-target view with one edge per distinct link (supporter, target or plan, role,
    level, blanket claim, dates) rather than per statement: what the agency x target matrix
    and its filters (--role, --evidence, --as-of) read, so its data, SVG and CSV are the whole
    view's (tests/analysis/test_matrix_from_engine.py). The engine collapses the statements
    (``views-matrix.rq``: 77,740 at 2 M quads into 284 links); the nodes are read as
    :func:`support_index` reads them, but for their ``paragraphs`` (the graphs that mention
    them), which the matrix does not draw. A statement without an evidence level takes its
    level from its graphs, per statement: then the whole view is drawn instead."""
    links: list[Link] = []
    for row in rows(store, "views-matrix"):
        if getattr(row.get("alone"), "value", ""):
            return agency_target(support_index(store))
        supporter, target = row.get("supporter"), row["target"]
        if not isinstance(target, ox.NamedNode):
            continue
        values = (row.get(k) for k in ("level", "role", "asOf", "supersededOn", "blanket"))
        attrs = link_attrs(*(getattr(v, "value", "") for v in values))
        who = supporter.value if isinstance(supporter, ox.NamedNode) else None
        if supporter is None or who is not None:
            links.append((who, target.value, str(len(links)), [], attrs))
    found = {a for a, *_ in links if a} | set(WHOLE_PLAN)
    for row in rows(store, "views-support"):  # the targets and their goals
        found |= {t.value for t in row.values() if isinstance(t, ox.NamedNode)}
    return agency_target(index_of(store, found, pointing=False), links)


def _streamed(store: Any, name: str) -> Any:
    """The rows of the internal query ``name``, one by one where the engine streams them
    (Oxigraph: a corpus's hundreds of thousands of links are never all held as rows)."""
    return store.query(internal_query(name).text, use_default_graph_as_union=True)


def view_of(
    store: Any, view: str, entity: str | None = None, depth: int = 1, limit: int | None = None
) -> nx.MultiDiGraph:
    """:func:`~emg_kg.analysis.metrics.select` of ``store``'s whole index, reading only what
    the view needs where it can: the whole view and a neighbourhood (:func:`whole_view`), the
    agency-target view (:func:`support_index`), and ``matrix``: the agency-target view with
    one edge per distinct link, which the matrix draws as the whole view (:func:`matrix_view`).
    The mandates, citations and organizations views still read the whole index. What the
    reading freed is given back to the system (:func:`emg_kg.heap.give_back`)."""
    if view == "neighbourhood" and entity is None:
        raise ValueError("the neighbourhood view needs an entity")
    try:
        if view in ("whole", "neighbourhood"):
            G = whole_view(store, limit, (entity, depth) if entity is not None else None)
        elif view == "agency-target":
            G = agency_target(support_index(store))
        elif view == "matrix":  # the agency-target view's distinct links, for the matrix
            G = matrix_view(store)
        else:
            return select(load_index(store), view, entity, depth, limit)
        return G if entity is None else neighbourhood(G, entity, depth)
    finally:
        give_back()
