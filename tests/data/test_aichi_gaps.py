"""The gap report reads every Aichi question from one ``aichi-supporters`` answer at the widest
level; these hold its filters (``counted``, ``unaddressed``) to the named queries themselves, at
every evidence level, role and date, on the real data."""

from __future__ import annotations

import pytest

from emg_kg.analysis.gaps import REPORT_DATE, _Reading
from emg_kg.analysis.mapping import apply_mapping
from emg_kg.data.aichi_gaps import BIP_DATES, EVIDENCE_ORDER, ROLES, counted, unaddressed
from emg_kg.data.store import open_store
from emg_kg.paths import Layout
from emg_kg.query.engines import OxigraphEngine

DATES = (REPORT_DATE, *BIP_DATES, "9999-12-31")
ROLE_CHOICES = ("all", *ROLES, "implements,monitors")
LINK = ("number", "supporter", "level", "role", "graph", "group", "unOrMea", "blanket", "stAsOf")


@pytest.fixture(scope="module")
def reading(layout: Layout, tmp_path_factory: pytest.TempPathFactory) -> _Reading:
    """The real data with a user's mapping merged, so all four levels are there to filter."""
    mapping = tmp_path_factory.mktemp("mapping") / "links.csv"
    mapping.write_text(
        "agency,target,source,role\nUNDP,5,a reading,aligns\nFAO,7,another,monitors\n",
        encoding="utf-8",
    )
    store = open_store(layout)
    apply_mapping(store, mapping, warn=lambda _m: None)
    return _Reading(OxigraphEngine(store), layout, "en")


@pytest.mark.parametrize("as_of", DATES)
def test_one_answer_gives_every_level_and_role(reading: _Reading, as_of: str) -> None:
    widest = reading.rows("aichi-supporters", evidence="all", roles="all", asOf=as_of)
    seen_gap = seen_link = False
    for evidence in EVIDENCE_ORDER:
        for roles in ROLE_CHOICES:
            params = {"evidence": evidence, "roles": roles, "asOf": as_of}
            asked = reading.rows("aichi-supporters", **params)
            mine = counted(widest, evidence, roles)
            assert sorted(tuple(r[k] for k in LINK) for r in mine) == sorted(
                tuple(r[k] for k in LINK) for r in asked
            ), params
            gaps = [int(r["number"]) for r in reading.rows("aichi-unaddressed", **params)]
            assert unaddressed(widest, evidence, roles) == sorted(gaps), params
            seen_gap |= bool(gaps)
            seen_link |= any(r["supporter"] for r in asked)
    assert seen_gap and seen_link  # both kinds of row were compared at this date


def test_the_filters_drop_what_the_level_leaves_out(reading: _Reading) -> None:
    widest = reading.rows("aichi-supporters", evidence="all", roles="all", asOf="9999-12-31")
    stated = unaddressed(widest, "stated", "all")
    curated = unaddressed(widest, "curated", "all")
    assert len(stated) > len(curated) and set(curated) <= set(stated)
    # the report states no Aichi link itself (docs/modeling.md); every other level is here
    assert {r["level"] for r in widest} == {"level:derived", "level:curated", "level:user"}
    assert stated == list(range(1, 21))
    assert all(r["level"] == "level:stated" for r in counted(widest, "stated", "all") if r["level"])
