"""Node positions computed in Python, so a page draws at once with physics switched off.

Pure Python (the project does not depend on numpy) and deterministic: the same graph always gets
the same positions. Connected components are laid out apart and packed in rows, largest first:

* every component starts from a radial tree layout (breadth-first from its best-connected node,
  each subtree in a wedge proportional to its leaves), which is linear in size;
* components of up to :data:`FORCE_LIMIT` nodes are then relaxed by Fruchterman-Reingold, with
  the repulsion computed only between nodes in neighbouring grid cells, so a step is near linear;
* when the size of each node's label is known (``boxes``), components of up to
  :data:`SEPARATE_LIMIT` nodes are finally spread until no two labels overlap
  (:func:`separate`); larger ones would take seconds, and their labels are hidden at the zoom
  that shows them whole anyway.

The ``agency-target`` view gets its own two-column layout: supporters left, targets right,
grouped by strategic goal, supporters ordered by the mean position of their targets.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Hashable, Iterable
from typing import Any

import networkx as nx

__all__ = [
    "Positions",
    "Boxes",
    "layout",
    "radial",
    "relax",
    "separate",
    "pack",
    "bipartite_columns",
    "FORCE_LIMIT",
    "overview",
]

Positions = dict[Hashable, tuple[float, float]]
#: Node -> (width, height, downward offset of the box's centre from the node), in page pixels:
#: the node's shape and the label drawn under it.
Boxes = dict[Hashable, tuple[float, float, float]]
#: Components larger than this keep the radial layout (force steps would cost > 1 s).
FORCE_LIMIT = 1000
#: Components larger than this keep overlapping labels (spreading them costs ~1 s at 1,000).
SEPARATE_LIMIT = 400
#: The ideal link length, in page pixels.
EDGE = 90.0
#: Each of two overlapping boxes moves this share of the overlap away: moving both by all of
#: it (not half) overshoots a little, and converges in a crowd several times faster.
SEP_PUSH = 1.0
#: Labels should fill at most this share of a layout's bounding box before it is spread.
SEP_FILL = 0.3


def _adjacency(G: nx.Graph) -> dict[Hashable, list[Hashable]]:
    adj: dict[Hashable, set[Hashable]] = {n: set() for n in G}
    for u, v in G.edges():
        if u != v:
            adj[u].add(v)
            adj[v].add(u)
    return {n: sorted(ns, key=str) for n, ns in adj.items()}


def _components(adj: dict[Hashable, list[Hashable]]) -> list[list[Hashable]]:
    """Connected components, largest first (ties by their first member)."""
    seen: set[Hashable] = set()
    comps = []
    for start in sorted(adj, key=str):
        if start in seen:
            continue
        seen.add(start)
        comp = [start]
        for n in comp:  # grows while walked: breadth first
            for m in adj[n]:
                if m not in seen:
                    seen.add(m)
                    comp.append(m)
        comps.append(comp)
    return sorted(comps, key=len, reverse=True)  # stable: equal sizes keep their order


def radial(adj: dict[Hashable, list[Hashable]], nodes: Iterable[Hashable]) -> Positions:
    """A radial tree layout of one connected component, rooted at its best-connected node.

    >>> radial({"a": ["b", "c"], "b": ["a"], "c": ["a"]}, ["a", "b", "c"])["a"]
    (0.0, 0.0)
    """
    members = sorted(nodes, key=str)
    root = max(members, key=lambda n: len(adj[n]))
    order, depth, children = [root], {root: 0}, defaultdict(list)
    for n in order:  # breadth first; `order` grows while it is walked
        for m in adj[n]:
            if m not in depth:
                depth[m] = depth[n] + 1
                children[n].append(m)
                order.append(m)
    leaves: dict[Hashable, int] = {}
    for n in reversed(order):
        leaves[n] = sum(leaves[c] for c in children[n]) or 1
    per_ring: dict[int, int] = defaultdict(int)
    for d in depth.values():
        per_ring[d] += 1
    radius = [0.0]
    for d in range(1, max(depth.values()) + 1):  # each ring long enough for its nodes
        radius.append(max(radius[-1] + EDGE, per_ring[d] * EDGE * 0.55 / (2 * math.pi)))
    start, span, angle = {root: 0.0}, {root: 2 * math.pi}, {root: 0.0}
    for n in order:
        at = start[n]
        for c in children[n]:
            span[c] = span[n] * leaves[c] / leaves[n]
            start[c], angle[c] = at, at + span[c] / 2
            at += span[c]
    return {
        n: (radius[depth[n]] * math.cos(a), radius[depth[n]] * math.sin(a))
        for n, a in angle.items()
    }


def _around(grid: dict[tuple[int, int], list[int]], cx: int, cy: int) -> list[int]:
    """What the cell ``(cx, cy)`` and its eight neighbours hold: every item that can be near an
    item of that cell, when a cell is as wide as the reach.

    >>> _around({(0, 0): [1], (1, 1): [2], (2, 0): [3]}, 0, 0)
    [1, 2]
    """
    return [j for ox in (-1, 0, 1) for oy in (-1, 0, 1) for j in grid.get((cx + ox, cy + oy), ())]


def relax(adj: dict[Hashable, list[Hashable]], pos: Positions, steps: int = 50) -> Positions:
    """Fruchterman-Reingold steps from ``pos``, repulsion cut off beyond two link lengths."""
    names = sorted(pos, key=str)
    at = {n: i for i, n in enumerate(names)}
    xs, ys = [pos[n][0] for n in names], [pos[n][1] for n in names]
    links = [(at[u], at[v]) for u in names for v in adj[u] if at[u] < at[v]]
    count, k2, cell = len(names), EDGE * EDGE, 3 * EDGE
    mass = [math.sqrt(1 + len(adj[n])) for n in names]  # hubs push harder (as ForceAtlas2)
    heat = EDGE * math.sqrt(count) / 4
    for step in range(steps):
        dx, dy = [0.0] * count, [0.0] * count
        grid: dict[tuple[int, int], list[int]] = defaultdict(list)
        for i in range(count):
            grid[(int(xs[i] // cell), int(ys[i] // cell))].append(i)
        for (cx, cy), members in grid.items():
            near = _around(grid, cx, cy)
            for i in members:
                xi, yi = xs[i], ys[i]
                for j in near:
                    ddx, ddy = xi - xs[j], yi - ys[j]
                    d2 = ddx * ddx + ddy * ddy
                    if j == i or d2 > cell * cell:
                        continue
                    if d2 < 1e-4:  # coincident: push apart along a fixed direction
                        ddx, ddy, d2 = (i - j) * 0.01, 0.01, 1e-4 * (1 + (i - j) ** 2)
                    f = k2 * mass[i] * mass[j] / d2
                    dx[i] += ddx * f
                    dy[i] += ddy * f
        for a, b in links:
            ddx, ddy = xs[a] - xs[b], ys[a] - ys[b]
            f = math.sqrt(ddx * ddx + ddy * ddy) / EDGE
            dx[a] -= ddx * f
            dy[a] -= ddy * f
            dx[b] += ddx * f
            dy[b] += ddy * f
        limit = heat * (1 - step / steps) + 1
        for i in range(count):
            d = math.sqrt(dx[i] * dx[i] + dy[i] * dy[i])
            if d > 0:
                s = min(d, limit) / d
                xs[i] += dx[i] * s
                ys[i] += dy[i] * s
    return {n: (xs[i], ys[i]) for i, n in enumerate(names)}


def separate(pos: Positions, boxes: Boxes, rounds: int = 200, pad: float = 6.0) -> Positions:
    """Move nodes apart until no two boxes (node and label) overlap, or ``rounds`` are done.

    Each overlapping pair is pushed apart along the axis where it overlaps least (each by
    :data:`SEP_PUSH` of the overlap), so labels side by side are mostly stacked. Pairs are found
    through a grid of cells as wide and as high as the largest box, so a round is near linear.

    >>> sep = separate({"a": (0.0, 0.0), "b": (10.0, 0.0)}, {"a": (100, 20, 0), "b": (100, 20, 0)})
    >>> (a_x, a_y), (b_x, b_y) = sep["a"], sep["b"]
    >>> abs(a_x - b_x) >= 100 or abs(a_y - b_y) >= 20
    True
    """
    names = sorted(pos, key=str)
    if len(names) < 2:
        return dict(pos)
    xs, ys = [pos[n][0] for n in names], [pos[n][1] for n in names]
    default = (EDGE / 3, EDGE / 3, 0.0)
    ws = [boxes.get(n, default)[0] + pad for n in names]
    hs = [boxes.get(n, default)[1] + pad for n in names]
    offs = [boxes.get(n, default)[2] for n in names]
    # first spread the whole layout evenly if the labels cannot fit in its area at all (a
    # crowd pushed apart pair by pair would take hundreds of rounds to expand)
    area = (max(xs) - min(xs) + max(ws)) * (max(ys) - min(ys) + max(hs))  # a line has width
    grow = min(math.sqrt(sum(w * h for w, h in zip(ws, hs, strict=True)) / (SEP_FILL * area)), 4)
    if grow > 1:
        xs, ys = [x * grow for x in xs], [y * grow for y in ys]
    cell_w, cell_h = max(ws), max(hs)  # two boxes in cells further apart cannot overlap
    for _ in range(rounds):
        moved = False
        grid: dict[tuple[int, int], list[int]] = defaultdict(list)
        for i in range(len(names)):
            grid[(int(xs[i] // cell_w), int((ys[i] + offs[i]) // cell_h))].append(i)
        for (cx, cy), members in sorted(grid.items()):
            near = _around(grid, cx, cy)
            for i in members:
                for j in near:
                    if j <= i:
                        continue
                    dx = xs[j] - xs[i]
                    dy = (ys[j] + offs[j]) - (ys[i] + offs[i])
                    over_x = (ws[i] + ws[j]) / 2 - abs(dx)
                    over_y = (hs[i] + hs[j]) / 2 - abs(dy)
                    if over_x <= 0 or over_y <= 0:
                        continue
                    moved = True
                    if over_x < over_y:
                        step = (over_x * SEP_PUSH + 0.5) * (
                            1 if dx > 0 or (dx == 0 and i % 2) else -1
                        )
                        xs[i] -= step
                        xs[j] += step
                    else:
                        step = (over_y * SEP_PUSH + 0.5) * (
                            1 if dy > 0 or (dy == 0 and i % 2) else -1
                        )
                        ys[i] -= step
                        ys[j] += step
        if not moved:
            break
    return {n: (xs[i], ys[i]) for i, n in enumerate(names)}


#: Width over height of the packed picture: about that of the page's drawing area.
ASPECT = 1.4


def pack(parts: list[Positions], gap: float = EDGE / 2, boxes: Boxes | None = None) -> Positions:
    """Place component layouts in one picture about :data:`ASPECT` times as wide as high, none
    overlapping: each, tallest first, goes as high as it fits on a skyline (the lowest free
    height across the width), so small components fill the room beside large ones.

    >>> out = pack([{"a": (0.0, 0.0), "b": (90.0, 0.0)}, {"c": (0.0, 0.0)}])
    >>> len(out), len(set(out.values()))
    (3, 3)
    """
    rects = []
    for part in parts:
        half = [(boxes[n][0] / 2 if boxes and n in boxes else 0.0) for n in part]
        down = [(boxes[n][1] / 2 + boxes[n][2] if boxes and n in boxes else 0.0) for n in part]
        xs, ys = [x for x, _ in part.values()], [y for _, y in part.values()]
        margin = EDGE / 3
        left = min(x - h for x, h in zip(xs, half, strict=True)) - margin
        right = max(x + h for x, h in zip(xs, half, strict=True)) + margin
        top = min(ys) - margin
        bottom = max(y + d for y, d in zip(ys, down, strict=True)) + margin
        rects.append((bottom - top, right - left, left, top, part))
    rects.sort(key=lambda r: (-r[0], -r[1]))
    area = sum((h + gap) * (w + gap) for h, w, *_ in rects)
    width = max(max(w for _, w, *_ in rects), math.sqrt(area * ASPECT))
    step = max(EDGE / 2, width / 200)  # skyline resolution: at most ~200 columns
    columns = [0.0] * (int(width / step) + 2)
    out: Positions = {}
    for h, w, left, top, part in rects:
        span = max(1, math.ceil((w + gap) / step))
        best_y, best_i = math.inf, 0
        for i in range(max(1, len(columns) - span + 1)):
            y = max(columns[i : i + span])
            if y < best_y:
                best_y, best_i = y, i
        for k in range(best_i, min(best_i + span, len(columns))):
            columns[k] = best_y + h + gap
        x0, y0 = best_i * step, best_y
        for n, (px, py) in part.items():
            out[n] = (round(px - left + x0, 1), round(py - top + y0, 1))
    return out


def layout(G: nx.Graph, boxes: Boxes | None = None) -> Positions:
    """Positions for every node of ``G`` (see the module docstring); ``boxes``, the size of each
    node with its label, spreads components of up to :data:`FORCE_LIMIT` nodes until no two
    labels overlap.

    >>> pos = layout(nx.path_graph(4))
    >>> len(pos), len(set(pos.values()))
    (4, 4)
    """
    if not len(G):
        return {}
    adj = _adjacency(G)
    parts = []
    for comp in _components(adj):
        pos = radial(adj, comp)
        if 2 < len(comp) <= FORCE_LIMIT:
            pos = relax(adj, pos, 60 if len(comp) < 200 else 35)
            if boxes and len(comp) <= SEPARATE_LIMIT:
                pos = separate(pos, boxes)
        parts.append(pos)
    return pack(parts, boxes=boxes)


def bipartite_columns(G: nx.Graph, lang: str = "en") -> tuple[Positions, list[dict[str, Any]]]:
    """Supporters in a left column, targets in a right one grouped by ``goal``; returns the
    positions and a heading (text, x, y) above each group of targets."""
    right = [n for n, b in G.nodes(data="bipartite") if b == 1]
    left = [n for n in G if n not in set(right)]
    groups: dict[str, list[Hashable]] = defaultdict(list)
    for n in right:  # already in order: whole-plan nodes, then targets by number
        groups[G.nodes[n].get("goal", "")].append(n)
    pos: Positions = {}
    notes, y, step, width = [], 0.0, 56.0, 620.0
    for goal in sorted(groups):
        if goal:
            first = G.nodes[groups[goal][0]]
            y += 44
            text = first.get(f"goal_{lang}") or first.get("goal_en") or goal
            notes.append({"text": text, "x": width, "y": round(y - 40, 1)})
        for n in groups[goal]:
            pos[n] = (width, y)
            y += step
        y += 12
    bottom = y - step

    def centre(n: Hashable) -> float:
        ys = [pos[t][1] for t in G.successors(n) if t in pos] if G.is_directed() else []
        return sum(ys) / len(ys) if ys else bottom / 2

    left.sort(key=lambda n: (centre(n), str(n)))
    ys = [centre(n) for n in left]  # near the targets they support, at least `step` apart
    for i in range(1, len(ys)):
        ys[i] = max(ys[i], ys[i - 1] + step)
    for i in range(len(ys) - 1, -1, -1):
        ys[i] = min(ys[i], bottom if i == len(ys) - 1 else ys[i + 1] - step)
    shift = min([0.0, *ys])
    for n, yy in zip(left, ys, strict=True):
        pos[n] = (0.0, round(yy - shift, 1))
    return pos, notes


def overview(pairs: Iterable[tuple[int, int]], degree: list[int], size: int = 40) -> list[int]:
    """The part a large view opens on: from the best-connected node, grown by the
    best-connected neighbour of the part until it has ``size`` nodes (connected, so it reads
    as one picture; ties by name)."""
    if not degree:
        return []
    adj: dict[int, set[int]] = defaultdict(set)
    for u, v in pairs:
        if u != v:
            adj[u].add(v)
            adj[v].add(u)
    first = min(range(len(degree)), key=lambda i: (-degree[i], i))
    part, border = {first}, set(adj[first])
    while border and len(part) < size:
        best = min(border, key=lambda i: (-degree[i], i))
        part.add(best)
        border |= adj[best]
        border -= part
    return sorted(part)
