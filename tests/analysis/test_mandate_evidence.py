"""The gap report's open mandates are open-mandates' rows, evidence column included.

The gap report reads them from two internal queries (the rows without the evidence column, and
each mandate's evidence graphs) and names and orders the graphs in Python
(analysis/mandate_evidence.py). Held here to the named query, row for row and in order, on the
shipped data and on the two-report store with one mandate stated in graphs of every rank: another
report's paragraphs (by number, not by text, and numbers Oxigraph does not read as one) and
footnote, an inference, an external source and a graph of no known kind.
"""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from emg_kg.analysis.gaps import Reading, open_mandates
from emg_kg.data.store import open_store
from emg_kg.paths import Layout
from emg_kg.prefixes import ID
from emg_kg.query.engines import OxigraphEngine

SECOND = ID + "report/test-second"
MANDATE = ID + "mandate/test-second-undp-note"
EMG = "https://w3id.org/emg-kg/ontology#"
DATES = ["2009-06-30", "2012-12-04", "2030-01-01"]
ODD = ("x7", "+3", "007-b", "99999999999999999999")


def _same(engine: OxigraphEngine, layout: Layout, lang: str, as_of: str) -> list[dict[str, str]]:
    q = Reading(engine, layout, lang)
    named = q.rows("open-mandates", asOf=as_of)
    mine = open_mandates(q, as_of)
    assert mine == named
    return mine


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("as_of", DATES)
def test_the_shipped_data(layout: Layout, lang: str, as_of: str) -> None:
    found = _same(OxigraphEngine(open_store(layout)), layout, lang, as_of)
    assert found and any(" " in r["evidence"] for r in found)


@pytest.fixture(scope="module")
def every_rank(two_reports: Layout) -> OxigraphEngine:
    store = ox.Store()
    store.extend(open_store(two_reports).quads_for_pattern(None, None, None, None))
    mandate = ox.NamedNode(MANDATE)
    for graph, prop, value in [
        (f"{SECOND}/para/10", "verb", ox.NamedNode(ID + "verb/requests")),
        (f"{SECOND}/para/12-13", "verb", ox.NamedNode(ID + "verb/requests")),
        # numbers as xsd:integer reads the text before the first hyphen; anything else is 0
        *((f"{SECOND}/para/{n}", "verb", ox.NamedNode(ID + "verb/requests")) for n in ODD),
        (f"{SECOND}/fn/1", "addressee", ox.NamedNode(ID + "agency/UNDP")),
        (ID + "inference/test-second-undp-note-open", "status", ox.NamedNode(ID + "status/open")),
        (ID + "source/un-note-7", "status", ox.NamedNode(ID + "status/open")),
        ("https://example.org/notes/3-b", "status", ox.NamedNode(ID + "status/open")),
    ]:
        store.add(ox.Quad(mandate, ox.NamedNode(EMG + prop), value, ox.NamedNode(graph)))
    return OxigraphEngine(store)


@pytest.mark.parametrize("as_of", DATES)
def test_graphs_of_every_rank(every_rank: OxigraphEngine, two_reports: Layout, as_of: str) -> None:
    found = _same(every_rank, two_reports, "zh", as_of)
    evidence = {r["mandate"]: r["evidence"] for r in found}
    if as_of >= "2012":
        assert evidence["mandate:test-second-undp-note"].split() == [
            f"{SECOND}/para/99999999999999999999",  # over an xsd:integer: 0
            f"{SECOND}/para/x7",
            f"{SECOND}/para/2",
            f"{SECOND}/para/+3",
            f"{SECOND}/para/007-b",
            f"{SECOND}/para/10",
            f"{SECOND}/para/12-13",
            f"{SECOND}/fn/1",
            "inf:test-second-undp-note-open",
            "src:un-note-7",
            "https://example.org/notes/3-b",
        ]
