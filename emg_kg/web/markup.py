"""What the web app's templates link to: server paths of IRIs, query strings, a small graph.

The markup itself is in ``templates/web/`` (rendered by :mod:`emg_kg.views.templating`, which
escapes every value); nothing here loads from the internet (the style sheet is served from
``/static/``, the neighbourhood graph is inline SVG).
"""

from __future__ import annotations

import math

__all__ = ["href", "link", "local_path", "svg_graph", "qs", "LANGS"]

from emg_kg.links import ID, LANGS, ONTOLOGY, href, link, local_path, qs  # noqa: F401 (re-exported)
from emg_kg.query.results import clip


def svg_graph(
    centre: tuple[str, str],
    around: list[tuple[str, str, str, bool]],
    width: int = 900,
    height: int = 560,
) -> str:
    """A radial picture of one entity and its neighbours, as inline SVG (no script).

    ``centre`` is (label, link); ``around`` holds (label, link, edge label, outgoing).
    """
    if not around:
        return ""
    # an ellipse, wider than high, leaves room for the labels at the sides
    mid, mid_y, rx, ry = width / 2, height / 2, width / 2 - 200, height / 2 - 60
    edges, nodes = [], []
    for i, (label, link_, edge, outgoing) in enumerate(around):
        angle = 2 * math.pi * i / len(around) - math.pi / 2
        x, y = mid + rx * math.cos(angle), mid_y + ry * math.sin(angle)
        x1, y1, x2, y2 = (mid, mid_y, x, y) if outgoing else (x, y, mid, mid_y)
        # stop the line short of the node circles
        dx, dy = x2 - x1, y2 - y1
        dist = math.hypot(dx, dy) or 1
        edges.append(
            {
                "x1": x1 + dx * 18 / dist,
                "y1": y1 + dy * 18 / dist,
                "x2": x2 - dx * 14 / dist,
                "y2": y2 - dy * 14 / dist,
                "mx": (x1 + x2) / 2,
                "my": (y1 + y2) / 2,
                "label": edge,
                "short": clip(edge, 18),
            }
        )
        anchor = "start" if math.cos(angle) > 0.3 else "end" if math.cos(angle) < -0.3 else "middle"
        ty = y + (22 if math.sin(angle) > 0.3 else -16 if math.sin(angle) < -0.3 else 4)
        tx = x + (16 if anchor == "start" else -16 if anchor == "end" else 0)
        nodes.append(
            {"x": x, "y": y, "tx": tx, "ty": ty, "anchor": anchor, "link": link_, "label": label}
        )
    from emg_kg.views.templating import render

    label, link_ = centre
    return render(
        "web/neighbourhood.svg",
        width=width,
        height=height,
        edges=edges,
        nodes=nodes,
        centre={"x": mid, "y": mid_y, "link": link_, "label": label, "short": clip(label, 28)},
        clip=clip,
    )
