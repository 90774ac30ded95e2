"""A mandate's evidence graphs as the mandate listings write them, worked out in Python.

``open-mandates`` (and ``mandates``) name each evidence graph and order a mandate's graphs in
SPARQL: any report's paragraphs by number, then its footnotes, then inferences, then external
sources, then any other graph; the shipped report's paragraphs and footnotes written
``para:N`` / ``fn:N``, inferences ``inf:ID``, sources ``src:ID``, everything else as the full IRI
(tests/query/test_evidence_rank.py). At 2 M quads that was half of ``open-mandates``: Oxigraph
reads each graph's name from the store and builds its strings again for every (mandate, graph)
pair. The gap report reads the pairs (``queries/internal/gaps-mandate-graphs.rq``) and does the
same here, expression for expression; tests/analysis/test_gaps.py holds the result to
``open-mandates``' column.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from functools import lru_cache

from emg_kg.prefixes import ID

__all__ = ["evidence_column"]

REPORT = ID + "report/"
INFERENCE = ID + "inference/"
SOURCE = ID + "source/"
SHOWN = ("para:", "fn:", "inf:", "src:")
#: what Oxigraph's xsd:integer cast accepts from the text before the first hyphen (an i64)
_INTEGER = re.compile(r"\+?[0-9]+")


@lru_cache(maxsize=1 << 16)
def _named(graph: str) -> tuple[int, int, str]:
    """(rank, number, text) of one graph: the query's ``?rank``, ``COALESCE(?n, 0)``, ``?e``."""
    in_report = graph.partition(REPORT)[2]  # STRAFTER: "" when absent
    after = in_report.partition("/")[2]
    part = after.partition("/")[0] if "/" in after else ""  # STRBEFORE: "" when absent
    if part == "para":
        rank = 0
    elif part == "fn":
        rank = 1
    elif graph.startswith(INFERENCE):
        rank = 2
    elif graph.startswith(SOURCE):
        rank = 3
    else:
        rank = 4
    last = graph.rpartition("/")[2]  # REPLACE(?s, "^.*/", "")
    own = rank == 4 or (rank < 2 and not in_report.startswith("gc27-emg/"))
    text = graph if own else SHOWN[rank] + last
    digits = last.partition("-")[0]
    number = int(digits) if _INTEGER.fullmatch(digits) and int(digits) < 2**63 else 0
    return rank, number, text


def evidence_column(pairs: Iterable[tuple[str, ...]]) -> dict[str, str]:
    """Each mandate's evidence, as the listings' ``?evidence``: its graphs' texts in order,
    separated by one space. ``pairs`` are distinct (mandate, graph IRI) pairs."""
    graphs: dict[str, list[tuple[int, int, str]]] = defaultdict(list)
    for mandate, graph in pairs:
        graphs[mandate].append(_named(graph))
    return {m: " ".join(t for _r, _n, t in sorted(found)) for m, found in graphs.items()}
