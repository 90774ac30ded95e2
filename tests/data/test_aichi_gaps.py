"""The gap report reads every Aichi question from one answer, the links of every level, role and
date (``gaps-aichi-links``); these hold its filters (``counted``, ``unaddressed``, ``coverage``)
to the named queries themselves, whole rows, at every evidence level, role and date, on the real
data with a user's mapping merged."""

from __future__ import annotations

import pytest

from emg_kg.analysis.gaps import REPORT_DATE, Reading
from emg_kg.analysis.mapping import apply_mapping
from emg_kg.data.aichi_gaps import (
    BIP_DATES,
    EVIDENCE_ORDER,
    ROLES,
    counted,
    coverage,
    unaddressed,
)
from emg_kg.data.store import open_store
from emg_kg.paths import Layout
from emg_kg.query.engines import OxigraphEngine
from emg_kg.query.registry import internal_query

DATES = ("2012-10-04", *BIP_DATES[:1], REPORT_DATE, BIP_DATES[1], "9999-12-31")
ROLE_CHOICES = ("all", *ROLES, "implements,monitors")
#: aichi-supporters' ORDER BY (the number as an integer first).
ORDER = ("group", "supporter", "level", "role", "graph")


def _order(rows: list[dict[str, str]]) -> list[tuple[object, ...]]:
    return [(int(r["number"]), *(r[k] for k in ORDER)) for r in rows]


def _whole(rows: list[dict[str, str]]) -> list[tuple[tuple[str, str], ...]]:
    return sorted(tuple(sorted(r.items())) for r in rows)


@pytest.fixture(scope="module")
def reading(layout: Layout, tmp_path_factory: pytest.TempPathFactory) -> Reading:
    """The real data with a user's mapping merged, so all four levels are there to filter."""
    mapping = tmp_path_factory.mktemp("mapping") / "links.csv"
    mapping.write_text(
        "agency,target,source,role\nUNDP,5,a reading,aligns\nFAO,7,another,monitors\n",
        encoding="utf-8",
    )
    store = open_store(layout)
    apply_mapping(store, mapping, warn=lambda _m: None)
    return Reading(OxigraphEngine(store), layout, "en")


@pytest.fixture(scope="module")
def links(reading: Reading, layout: Layout) -> list[dict[str, str]]:
    return reading.rows(internal_query("gaps-aichi-links", layout))


@pytest.mark.parametrize("as_of", DATES)
def test_one_answer_gives_every_level_role_and_date(
    reading: Reading, links: list[dict[str, str]], as_of: str
) -> None:
    goal_names = {r["goal"]: r["goalName"] for r in reading.rows("aichi-targets")}
    seen_gap = seen_link = False
    for evidence in EVIDENCE_ORDER:
        for roles in ROLE_CHOICES:
            params = {"evidence": evidence, "roles": roles, "asOf": as_of}
            asked = reading.rows("aichi-supporters", **params)
            mine = counted(links, evidence, roles, as_of)
            assert _whole(mine) == _whole(asked), params  # every column of every row
            assert _order(mine) == _order(asked), params  # in the query's order
            gaps = [int(r["number"]) for r in reading.rows("aichi-unaddressed", **params)]
            assert unaddressed(links, evidence, roles, as_of) == sorted(gaps), params
            assert coverage(links, goal_names, evidence, roles, as_of) == reading.rows(
                "aichi-coverage", **params
            ), params
            seen_gap |= bool(gaps)
            seen_link |= any(r["supporter"] for r in asked)
    assert seen_gap and seen_link  # both kinds of row were compared at this date


def test_the_dates_change_the_answer(links: list[dict[str, str]]) -> None:
    """The BIP files' links come and go with their dates, so the test above compares rows
    that the date filter really changes."""
    before, first, second = (
        {(r["number"], r["supporter"], r["graph"]) for r in counted(links, "all", "all", d)}
        for d in ("2012-10-04", *BIP_DATES)
    )
    assert before < first and first != second
    assert any(r["stEnd"] for r in links) and any(r["stAsOf"] for r in links)


def test_the_filters_drop_what_the_level_leaves_out(links: list[dict[str, str]]) -> None:
    stated = unaddressed(links, "stated", "all", "9999-12-31")
    curated = unaddressed(links, "curated", "all", "9999-12-31")
    assert len(stated) > len(curated) and set(curated) <= set(stated)
    # the report states no Aichi link itself (docs/modeling.md); every other level is here
    assert {r["level"] for r in links} == {"level:derived", "level:curated", "level:user"}
    assert stated == list(range(1, 21))
    assert all(r["level"] == "level:stated" for r in counted(links, "stated", "all") if r["level"])
