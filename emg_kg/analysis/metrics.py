"""Network analysis of the knowledge graph: pure functions over the projected views.

The views (``agency-target``, ``mandates``, ``citations``, ``organizations``, ``whole``) are
built by :mod:`~emg_kg.analysis.projection`; here they are narrowed
(:func:`select`, :func:`neighbourhood`,
:func:`at_levels`, :func:`find` for names) and measured. Every measure takes a
``networkx.MultiDiGraph`` whose nodes carry ``short``, ``label_en``, ``label_zh``, ``class`` and
``family`` and whose edges carry ``predicate``, ``evidence`` and ``level``, and returns plain
lists and dicts (JSON-ready).

Examples
--------
>>> from emg_kg.paths import default_layout
>>> from emg_kg.data.store import open_store
>>> G = project(load_index(open_store(default_layout())), "agency-target")
>>> coverage(G)["targets"]
20
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

import networkx as nx

from emg_kg.analysis.projection import (
    LEVELS,
    VIEWS,
    Index,
    load_index,
    project,
    short,
    sort_key,
    whole,
)
from emg_kg.data.aichi_gaps import CAVEAT
from emg_kg.query.resolve import NAME_PROPERTIES, Names, resolve

__all__ = [
    "VIEWS",
    "Index",
    "load_index",
    "project",
    "select",
    "neighbourhood",
    "at_levels",
    "at_roles",
    "at_date",
    "find",
    "short",
    "centrality",
    "coverage",
    "components",
    "explain_path",
]


# --- what to analyse ------------------------------------------------------------------------


def select(
    idx: Index, view: str, entity: str | None = None, depth: int = 1, limit: int | None = None
) -> nx.MultiDiGraph:
    """A view, or the neighbourhood of ``entity`` (an IRI) within it; the ``neighbourhood``
    view is the neighbourhood within ``whole`` (projected around the entity only, so a large
    corpus's other entities are never built). ``limit`` bounds the whole view without an
    entity, and the neighbourhood of one (:func:`~emg_kg.analysis.projection.whole`: the most
    connected entities)."""
    if view == "neighbourhood" and entity is None:
        raise ValueError("the neighbourhood view needs an entity")
    if view in ("whole", "neighbourhood") and entity is not None:
        G = whole(idx, limit, around=(entity, depth))
    else:
        G = project(idx, view, limit)
    return G if entity is None else neighbourhood(G, entity, depth)


def neighbourhood(G: nx.MultiDiGraph, iri: str, depth: int = 1) -> nx.MultiDiGraph:
    """Everything within ``depth`` links of ``iri`` in ``G``, ignoring edge direction."""
    if iri not in G:
        raise KeyError(iri)
    H = nx.ego_graph(G, iri, radius=depth, undirected=True)
    title = f"{G.nodes[iri]['label_en']}: {depth} step(s) around"
    H.graph.update(G.graph, view="neighbourhood", centre=iri, depth=depth, title=title)
    if "left_out" in G.graph:  # bounded: further steps may have lost their way in
        H.graph["left_out"] = G.graph["entities"] - H.number_of_nodes()
    return H


def at_levels(G: nx.MultiDiGraph, levels: Iterable[str]) -> nx.MultiDiGraph:
    """A copy of ``G`` keeping every node but only the links of the given evidence levels.

    Examples
    --------
    >>> G = nx.MultiDiGraph()
    >>> G.add_edge("a", "b", level="stated")
    0
    >>> G.add_edge("b", "c", level="derived")
    0
    >>> H = at_levels(G, ["stated"])
    >>> H.number_of_nodes(), list(H.edges())
    (3, [('a', 'b')])
    >>> at_levels(nx.MultiDiGraph(view="v"), ["stated"]).graph
    {'view': 'v', 'levels': ['stated']}
    """
    keep = set(levels)
    H = nx.MultiDiGraph(**G.graph)  # keyword arguments: a positional dict would become nodes
    H.graph["levels"] = sorted(keep)
    H.add_nodes_from(G.nodes(data=True))
    H.add_edges_from(
        (u, v, k, d)
        for u, v, k, d in G.edges(keys=True, data=True)
        if d.get("level", "user") in keep
    )
    return H


def at_roles(G: nx.MultiDiGraph, roles: Iterable[str]) -> nx.MultiDiGraph:
    """A copy of the ``agency-target`` view keeping every node but only links of these roles
    (implements, aligns, monitors, benefits).

    >>> G = nx.MultiDiGraph(); G.add_edge("a", "b", role="monitors")
    0
    >>> at_roles(G, ["implements"]).number_of_edges()
    0
    """
    keep = set(roles)
    return _keep(G, lambda d: d.get("role") in keep, roles=sorted(keep))


def at_date(G: nx.MultiDiGraph, date: str) -> nx.MultiDiGraph:
    """Links as of ``date`` (YYYY-MM-DD): a dated statement from its date on, and a statement
    of a versioned source only until a newer version is out; undated links always.

    >>> G = nx.MultiDiGraph()
    >>> G.add_edge("a", "b", as_of="2012-10-05", superseded_on="2016-06-28")
    0
    >>> [at_date(G, d).number_of_edges() for d in ("2012-01-01", "2013-01-01", "2017-01-01")]
    [0, 1, 0]
    """

    def current(d: dict[str, Any]) -> bool:
        start, end = d.get("as_of") or "", d.get("superseded_on") or ""
        return (not start or start <= date) and (not end or date < end)

    return _keep(G, current, as_of=date)


def _keep(G: nx.MultiDiGraph, test: Any, **note: Any) -> nx.MultiDiGraph:
    H = nx.MultiDiGraph(**G.graph)
    H.graph.update(note)
    H.add_nodes_from(G.nodes(data=True))
    H.add_edges_from((u, v, k, d) for u, v, k, d in G.edges(keys=True, data=True) if test(d))
    return H


def find(idx: Index, name: str, notes: list[Any] | None = None) -> str:
    """The IRI of an entity given as an IRI, a prefixed name, or its exact label, acronym or
    symbol, through the one resolver (:mod:`emg_kg.query.resolve`); UnresolvedName otherwise.

    Examples
    --------
    >>> idx = Index()
    >>> idx.literals[("https://w3id.org/emg-kg/id/agency/WMO", NAME_PROPERTIES[1])].append(
    ...     ("WMO", "en"))
    >>> find(idx, "wmo"), find(idx, "agency:WMO")
    ('https://w3id.org/emg-kg/id/agency/WMO', 'https://w3id.org/emg-kg/id/agency/WMO')
    """
    names = Names()
    for (s, p), values in idx.literals.items():
        if p in NAME_PROPERTIES:
            for value, lang in values:
                names.add(s, value, lang)
    for s, classes in idx.types.items():
        names.types[s] |= set(classes)
    for cls in idx.supers:
        names.supers[cls] |= idx.closure(cls) - {cls}
    found = resolve(name, names)
    if notes is not None:  # what the name resolved to, for the CLI to say
        notes.append(found)
    return found.iri


# --- analyses --------------------------------------------------------------------------------


def _simple(G: nx.MultiDiGraph) -> nx.Graph:
    """Undirected, one edge per pair, no loops: what distance and centrality are measured on."""
    H = nx.Graph()
    H.add_nodes_from(G)
    H.add_edges_from((u, v) for u, v in G.edges() if u != v)
    return H


def _who(G: nx.MultiDiGraph, n: str) -> dict[str, Any]:
    d = G.nodes[n]
    return {
        "id": d.get("short", n),
        "label_en": d.get("label_en", n),
        "label_zh": d.get("label_zh", n),
        "class": d.get("class", ""),
    }


def centrality(
    G: nx.MultiDiGraph, families: Iterable[str] | None = ("organization",), top: int | None = None
) -> list[dict[str, Any]]:
    """Degree (distinct neighbours) and normalized betweenness, most central first.

    Measured on the undirected simple graph of ``G``; only nodes whose ``family`` is in
    ``families`` are listed (every node when ``families`` is None).

    Examples
    --------
    >>> G = nx.MultiDiGraph([("UNEP", "EMG"), ("UNDP", "EMG"), ("EMG", "CEB")])
    >>> [(r["id"], r["degree"], r["betweenness"]) for r in centrality(G, None, top=2)]
    [('EMG', 3, 1.0), ('CEB', 1, 0.0)]
    """
    H = _simple(G)
    between = nx.betweenness_centrality(H)
    wanted = None if families is None else set(families)
    rows = [
        {**_who(G, n), "degree": H.degree(n), "betweenness": round(between[n], 4)}
        for n in H
        if wanted is None or G.nodes[n].get("family") in wanted
    ]
    rows.sort(key=lambda r: (-r["betweenness"], -r["degree"], r["id"]))
    return rows[:top] if top else rows


def coverage(G: nx.MultiDiGraph, levels: Iterable[str] | None = None) -> dict[str, Any]:
    """Which Aichi targets have at least one supporter, per strategic goal.

    ``G`` is the ``agency-target`` view; ``levels`` keeps only statements of those evidence
    levels. Returns totals, one row per goal and one per target (its supporters and levels).

    Examples
    --------
    >>> G = nx.MultiDiGraph()
    >>> G.add_node("t1", **{"class": "AichiTarget", "goal": "aichi:goal-A", "notation": "1"})
    >>> G.add_node("t2", **{"class": "AichiTarget", "goal": "aichi:goal-A", "notation": "2"})
    >>> G.add_edge("UNDP", "t1", level="stated")
    0
    >>> c = coverage(G)
    >>> c["covered"], c["uncovered"], c["goals"][0]["covered"]
    (1, ['t2'], 1)
    """
    keep = None if levels is None else set(levels)
    targets = sorted(
        (n for n, c in G.nodes(data="class") if c == "AichiTarget"),
        key=lambda t: sort_key(G.nodes[t].get("notation") or t),
    )
    rows: list[dict[str, Any]] = []
    goals: dict[str, dict[str, Any]] = {}
    for t in targets:
        edges = [
            (u, d) for u, _, d in G.in_edges(t, data=True) if keep is None or d.get("level") in keep
        ]
        levels_ = Counter(d.get("level") or "user" for _, d in edges)
        roles_ = Counter(d.get("role") or "-" for _, d in edges)
        row = {
            **_who(G, t),
            "goal": G.nodes[t].get("goal", ""),
            "supporters": sorted({G.nodes[u].get("short", u) for u, _ in edges}),
            "levels": dict(sorted(levels_.items())),
            "sources": sorted({d["source"] for _, d in edges if d.get("source")}),
            "roles": dict(sorted(roles_.items())),
            "un_or_mea": any(G.nodes[u].get("un_or_mea") for u, _ in edges),
        }
        rows.append(row)
        g = goals.setdefault(
            row["goal"], {"goal": row["goal"], "targets": 0, "covered": 0, "uncovered": []}
        )
        g["targets"] += 1
        g["covered"] += bool(row["supporters"])
        if not row["supporters"]:
            g["uncovered"].append(row["id"])
    uncovered = [r["id"] for r in rows if not r["supporters"]]
    return {
        "targets": len(rows),
        "covered": len(rows) - len(uncovered),
        "uncovered": uncovered,
        "caveat": CAVEAT,
        "no_un_or_mea": [r["id"] for r in rows if not r["un_or_mea"]],
        "only_monitored": [
            r["id"] for r in rows if "monitors" in r["roles"] and "implements" not in r["roles"]
        ],
        "goals": [goals[k] for k in sorted(goals)],
        "by_target": rows,
    }


def components(G: nx.MultiDiGraph) -> list[dict[str, Any]]:
    """Weakly connected components, largest first: size, links, classes, hub and members.

    Examples
    --------
    >>> G = nx.MultiDiGraph([("a", "b"), ("b", "c")]); G.add_node("d")
    >>> [(c["size"], c["hub"]) for c in components(G)]
    [(3, 'b'), (1, 'd')]
    """
    out = []
    for comp in nx.weakly_connected_components(G):
        sub = G.subgraph(comp)
        hub = max(sorted(comp), key=lambda n: sub.degree(n))
        out.append(
            {
                "size": len(comp),
                "links": sub.number_of_edges(),
                "classes": dict(Counter(sub.nodes[n].get("class", "") for n in comp).most_common()),
                "hub": G.nodes[hub].get("short", hub),
                "members": sorted((G.nodes[n].get("short", n) for n in comp), key=sort_key),
            }
        )
    out.sort(key=lambda c: (-c["size"], c["hub"]))
    return out


def explain_path(G: nx.MultiDiGraph, source: str, target: str) -> dict[str, Any]:
    """The shortest chain of links from ``source`` to ``target`` (either direction), explained
    link by link with its predicate, direction and evidence.

    Raises ``networkx.NodeNotFound`` if either end is not in ``G``; ``connected`` is False and
    ``steps`` empty when no chain exists. Of several equally short chains the best-evidenced is
    chosen (fewest links first, then stated over curated over derived over user), and of
    parallel links the best-evidenced is shown.

    Examples
    --------
    >>> G = nx.MultiDiGraph()
    >>> G.add_edge("s1", "WMO", predicate="emg:supporter", evidence=["para:40"], level="stated")
    0
    >>> G.add_edge("s1", "p209", predicate="emg:supports", evidence=["para:40"], level="stated")
    0
    >>> [(s["from"], s["direction"], s["predicate"], s["to"]) for s in
    ...  explain_path(G, "WMO", "p209")["steps"]]
    [('WMO', '<-', 'emg:supporter', 's1'), ('s1', '->', 'emg:supports', 'p209')]
    """
    for end in (source, target):
        if end not in G:
            name = short(end) if isinstance(end, str) and "://" in end else end
            raise nx.NodeNotFound(f"{name} is not in the {G.graph.get('view', '')} view")
    result: dict[str, Any] = {
        "from": _who(G, source),
        "to": _who(G, target),
        "connected": False,
        "length": None,
        "steps": [],
    }
    rank = {lv: i for i, lv in enumerate(LEVELS)}
    H = _simple(G)
    for u, v, d in G.edges(data=True):  # one hop costs 1; a weaker level adds a little
        if u != v:
            cost = 1 + rank.get(d.get("level", "user"), 3) / (4 * (len(G) + 1))
            H[u][v]["cost"] = min(H[u][v].get("cost", cost), cost)
    try:
        nodes = nx.dijkstra_path(H, source, target, weight="cost")
    except nx.NetworkXNoPath:
        return result
    for u, v in zip(nodes, nodes[1:], strict=False):
        links = [("->", d) for d in (G.get_edge_data(u, v) or {}).values()]
        links += [("<-", d) for d in (G.get_edge_data(v, u) or {}).values()]
        links.sort(
            key=lambda x: (
                rank.get(x[1].get("level", "user"), 9),
                x[0] == "<-",
                x[1].get("predicate", ""),
            )
        )
        way, d = links[0]
        result["steps"].append(
            {
                "from": G.nodes[u].get("short", u),
                "from_label": G.nodes[u].get("label_en", u),
                "from_label_zh": G.nodes[u].get("label_zh", u),
                "direction": way,
                "predicate": d.get("predicate", ""),
                "to": G.nodes[v].get("short", v),
                "to_label": G.nodes[v].get("label_en", v),
                "to_label_zh": G.nodes[v].get("label_zh", v),
                "evidence": d.get("evidence", []),
                "level": d.get("level", ""),
                "also": sorted({x[1].get("predicate", "") for x in links[1:]}),
            }
        )
    result.update(connected=True, length=len(nodes) - 1)
    return result
