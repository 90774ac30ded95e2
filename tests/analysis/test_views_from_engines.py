"""The views drawn from the engine (analysis/bounded.py) are the ones the whole index of the
in-memory store draws, on the persistent store `emg-kg load --store` makes and on a real
Virtuoso loaded by `emg-kg load --endpoint`: the whole view bounded and not, a neighbourhood
bounded and not, the agency-target view."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from test_views_from_engine import drawn

from emg_kg.analysis.bounded import view_of
from emg_kg.analysis.index import load_index
from emg_kg.analysis.metrics import select
from emg_kg.prefixes import ID

#: (view, entity, limit): each drawn from the engine and from the in-memory whole index.
CASES = [
    ("whole", None, 5_000),
    ("whole", None, 40),
    ("neighbourhood", ID + "body/EMG", None),
    ("neighbourhood", ID + "body/EMG", 12),
    ("neighbourhood", ID + "agency/UNDP", 12),
    ("agency-target", None, None),
]


@pytest.mark.parametrize("engine", ["disk_store", "endpoint_store"])
def test_the_views_from_each_engine(
    engine: str, store: ox.Store, request: pytest.FixtureRequest
) -> None:
    other = request.getfixturevalue(engine)
    index = load_index(store)
    for view, entity, limit in CASES:
        expected = drawn(select(index, view, entity, 1, limit))
        assert drawn(view_of(other, view, entity, 1, limit)) == expected, (view, entity, limit)
    # the endpoint's quads still make the whole index (the other views read it)
    assert drawn(view_of(other, "mandates")) == drawn(select(index, "mandates"))
