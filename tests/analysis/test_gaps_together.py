"""The gap report reads its ten queries together (query/together.py): the same report, field by
field, as read one after the other, at every evidence level and on a corpus; and a failure is
the one the report raised when it read them one after the other."""

from __future__ import annotations

import dataclasses
from typing import Any

import pyoxigraph as ox
import pytest

from emg_kg.analysis.gaps import EVIDENCE, compute
from emg_kg.errors import QueryError
from emg_kg.paths import Layout
from emg_kg.query.engines import OxigraphEngine
from emg_kg.query.results import Result
from emg_kg.query.together import at_most


class Noted(OxigraphEngine):
    """Oxigraph's engine, noting the name of each query it ran."""

    def __init__(self, store: Any) -> None:
        super().__init__(store)
        self.ran: list[str] = []

    def execute(self, text: str, where: str, *rest: Any, **kw: Any) -> Result:
        self.ran.append(where)
        return super().execute(text, where, *rest, **kw)


@pytest.mark.parametrize("which", ["store", "four_reports"])
@pytest.mark.parametrize("evidence", list(EVIDENCE))
def test_read_together_the_report_is_the_one_read_one_query_after_the_other(
    which: str, evidence: str, layout: Layout, request: pytest.FixtureRequest
) -> None:
    engine = OxigraphEngine(request.getfixturevalue(which))
    together = dataclasses.asdict(compute(engine, layout, evidence, lang="en"))
    with at_most(1):
        alone = dataclasses.asdict(compute(engine, layout, evidence, lang="en"))
    assert together == alone
    assert together["targets"] and together["mandates"] and together["rio"]


#: The order the report read its queries in, one after the other.
ORDER = ["gaps-derived-from", "gaps-aichi-links", "aichi-targets", "gaps-names"]
ORDER += ["gaps-colead-areas", "colead-area-gaps", "gaps-mandate-graphs", "gaps-open-mandates"]


@pytest.mark.parametrize("missing", [("aichi-targets", "colead-area-gaps"), ("colead-area-gaps",)])
def test_a_missing_query_fails_as_it_did_once_the_ones_before_it_ran(
    copy_layout: Layout, store: ox.Store, missing: tuple[str, ...]
) -> None:
    for name in missing:
        (copy_layout.root / "queries" / f"{name}.rq").unlink()
    engine = Noted(store)
    with pytest.raises(QueryError) as caught:
        compute(engine, copy_layout, "report")
    alone = Noted(store)
    with at_most(1), pytest.raises(QueryError) as caught_alone:
        compute(alone, copy_layout, "report")
    assert str(caught.value) == str(caught_alone.value) and missing[0] in str(caught.value)
    # the queries before the missing one ran (in any order on the threads), none after it
    before = ORDER[: ORDER.index(missing[0])]
    assert (
        sorted(engine.ran)
        == sorted(alone.ran)
        == sorted(f"internal/{n}" if n.startswith("gaps") else n for n in before)
    )
