"""The evidence column of the mandate listings ranks every report's graphs alike.

`mandates`, `mandates-for-body` and `open-mandates` list a mandate's evidence graphs in report
order: paragraphs (by number), then footnotes, then inferences, then external sources. That
rank holds for any report's paragraphs and footnotes (``report/ID/para/N``, ``report/ID/fn/N``),
not only the shipped report's; only the shipped report's are shortened (``para:N``, ``fn:N``:
tests and pages read them), another report's stay full IRIs. The store here is the two-report
fixture (tests/data/fixtures/second-report) with the second report's mandate also stated in a
later paragraph, a footnote and an inference of its own, so that a rank by IRI alone (or by
number alone) would put them in another order.
"""

from __future__ import annotations

import re

import pyoxigraph as ox
import pytest

from emg_kg.data.store import open_store
from emg_kg.paths import Layout
from emg_kg.prefixes import ID
from emg_kg.query.engines import OxigraphEngine
from emg_kg.query.registry import get_query
from emg_kg.query.run import run

SECOND = ID + "report/test-second"
MANDATE = ID + "mandate/test-second-undp-note"
EMG = "https://w3id.org/emg-kg/ontology#"
# fn/1 and para/10 sort before para/2 by IRI; inf: before every full IRI by string
EXPECTED = f"{SECOND}/para/2 {SECOND}/para/10 {SECOND}/fn/1 inf:test-second-undp-note-open"


@pytest.fixture(scope="module")
def engine(two_reports: Layout) -> OxigraphEngine:
    store = ox.Store()
    store.extend(open_store(two_reports).quads_for_pattern(None, None, None, None))
    mandate = ox.NamedNode(MANDATE)
    for graph, prop, value in [
        (f"{SECOND}/para/10", "verb", ox.NamedNode(ID + "verb/requests")),
        (f"{SECOND}/fn/1", "addressee", ox.NamedNode(ID + "agency/UNDP")),
        (ID + "inference/test-second-undp-note-open", "status", ox.NamedNode(ID + "status/open")),
    ]:
        store.add(ox.Quad(mandate, ox.NamedNode(EMG + prop), value, ox.NamedNode(graph)))
    return OxigraphEngine(store)


def _evidence(engine: OxigraphEngine, layout: Layout, name: str, **params: str) -> dict[str, str]:
    rows = run(engine, get_query(layout, name), params).records()
    return {str(r["mandate"]): str(r["evidence"]) for r in rows}


@pytest.mark.parametrize(
    ("name", "params"),
    [("mandates", {}), ("mandates-for-body", {"body": "agency:UNDP"}), ("open-mandates", {})],
)
def test_every_reports_paragraphs_then_footnotes_in_number_order(
    engine: OxigraphEngine, two_reports: Layout, name: str, params: dict[str, str]
) -> None:
    evidence = _evidence(engine, two_reports, name, **params)
    assert evidence[MANDATE] == EXPECTED
    shipped = [e.split() for m, e in evidence.items() if m != MANDATE]
    # the shipped report's paragraphs and footnotes keep their short names
    assert shipped and not any(
        re.search(r"/report/[^/]+/(para|fn)/", g) for e in shipped for g in e
    )
    assert all(
        e.index(g) < e.index(n)
        for e in shipped
        for g in e
        if g.startswith("para:")
        for n in e
        if n.startswith("fn:")
    )
