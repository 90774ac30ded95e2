"""`mandates-for-body`'s `counterpart` column, checked by value on the shipped data.

The column was never filled on any engine: its filter read `?direction` inside a `UNION`
branch, where that variable is not in scope (docs/benchmarks-scale.md). The rows below are the
report's own: paragraph 5 (resolution 2997 (XXVII) gives the Governing Council its mandate)
and paragraph 4 (decision SS.XII/2, para. 4, asks the Executive Director, as EMG Chair, for a
progress report to GC.27).
"""

from __future__ import annotations

import pytest

from emg_kg.api import Engine
from emg_kg.paths import Layout
from emg_kg.query.registry import get_query
from emg_kg.query.run import run

ID = "https://w3id.org/emg-kg/id/"


def _sides(engine: Engine, layout: Layout, body: str) -> dict[tuple[str, str], set[str | None]]:
    """(direction, mandate) -> the counterparts of a body's mandates."""
    rows = run(engine, get_query(layout, "mandates-for-body"), {"body": body, "lang": "en"})
    sides: dict[tuple[str, str], set[str | None]] = {}
    for r in rows.records():
        sides.setdefault((r["direction"], r["mandate"]), set()).add(r["counterpart"])
    return sides


@pytest.mark.parametrize("engine_name", ["oxigraph", "rdflib_engine"])
def test_the_counterpart_is_the_other_side(
    engine_name: str, layout: Layout, request: pytest.FixtureRequest
) -> None:
    engine: Engine = request.getfixturevalue(engine_name)
    sides = _sides(engine, layout, "body:UNEP-GC")
    # addressed to the Council: the counterpart is the issuer (para. 5)
    assert sides["to", f"{ID}mandate/ga-2997-gc-policy-guidance"] == {f"{ID}decision/ga-2997-xxvii"}
    # issued by the Council's decision: the counterpart is each addressee, a row each (para. 4)
    assert sides["from", f"{ID}mandate/ss-xii-2-op4-progress-report-gc27"] == {
        f"{ID}post/unep-executive-director",
        f"{ID}post/emg-chair",
    }
    # every mandate of the Council here names its other side
    assert None not in set().union(*sides.values())
