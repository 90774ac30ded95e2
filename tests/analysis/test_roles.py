"""Roles everywhere (issue 9): the gap report, the analysis and the matrix count by evidence
level, role and date, and every headline carries its caveat in words."""

from __future__ import annotations

import csv
import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from emg_kg.analysis.gaps import compute
from emg_kg.analysis.metrics import Index, at_date, at_levels, at_roles, coverage, select
from emg_kg.api import OxigraphEngine
from emg_kg.cli.gaps_report import markdown, to_csv, to_json
from emg_kg.data.aichi_gaps import CAVEAT, parse_roles
from emg_kg.data.store import open_store
from emg_kg.errors import QueryError
from emg_kg.paths import Layout
from emg_kg.views.matrix import matrix_data
from emg_kg.views.viz import write_matrix

if TYPE_CHECKING:
    from conftest import Cli


@pytest.fixture(scope="module")
def engine(layout: Layout) -> OxigraphEngine:
    return OxigraphEngine(open_store(layout))


def test_role_lists_are_checked(cli: Cli) -> None:
    assert parse_roles("monitors,implements") == "implements,monitors"
    assert parse_roles(None) == parse_roles("all") == "all"
    with pytest.raises(QueryError, match="--role"):
        parse_roles("funds")
    result = cli("gaps", "--role", "funds")
    assert result.returncode == 2 and "--role" in result.stderr


def test_headlines_per_level_and_role(layout: Layout, engine: OxigraphEngine) -> None:
    report = compute(engine, layout, "curated", "2016-06-28", "en", "implements")
    a = report.aichi
    assert a is not None and a.roles == "implements"
    # the report alone links one target (17, derived); public sources link far more
    assert a.headline("report", "all").unaddressed == [n for n in range(1, 21) if n != 17]
    monitored = a.headline("curated", "monitors").unaddressed
    assert 0 < len(monitored) < 10
    # looser evidence never finds more targets without a link, for every role
    for role in ("all", "implements", "aligns", "monitors", "benefits"):
        sizes = [len(a.headline(ev, role).unaddressed) for ev in ("stated", "report", "curated")]
        assert sizes == sorted(sizes, reverse=True), role
    assert set(a.no_un_or_mea) <= set(range(1, 21)) and len(a.no_un_or_mea) < 20


def test_as_of_selects_the_bip_version_in_force(layout: Layout, engine: OxigraphEngine) -> None:
    def graphs(as_of: str) -> set[str]:
        r = compute(engine, layout, "curated", as_of, "en", "monitors")
        return {s.graph for t in r.targets for s in t.supporters if s.role == "monitors"}

    assert graphs("2012-12-04") == {"src:bip-2012-10-05"}
    # from 2016 one page also reports on a target (the FAO-CBD meeting on Target 6, 2016-02-09)
    assert graphs("2016-07-01") == {"src:bip-2016-06-28", "src:ebcd-target-6-expert-meeting"}
    assert graphs("2011-01-01") == set()
    changes = compute(engine, layout, "curated", "2012-12-04", "en").aichi
    assert changes is not None
    t10 = next(c for c in changes.changes if c.number == 10)
    assert "agency:EBCC" in t10.gained and "agency:CMAP" in t10.lost


def test_every_output_carries_the_caveat(layout: Layout, engine: OxigraphEngine) -> None:
    report = compute(engine, layout, "report", "2012-12-04", "en")
    md = markdown(report)
    assert CAVEAT in md and "nobody works on it" not in md.replace("does not mean", "")
    assert "| evidence | all | implements | aligns | monitors | benefits |" in md
    assert json.loads(to_json(report))["caveat"] == CAVEAT
    unaddressed = [
        r for r in csv.reader(to_csv(report).splitlines()) if r[0] == "unaddressed-target"
    ]
    assert unaddressed and all(CAVEAT in r[4] for r in unaddressed)


def test_analysis_filters_by_role_and_date(cli: Cli, index: Index) -> None:
    G = select(index, "agency-target")
    everything = coverage(G)
    assert everything["caveat"] == CAVEAT
    implements = coverage(at_roles(G, ["implements"]))
    monitors_2012 = coverage(at_date(at_roles(G, ["monitors"]), "2012-12-04"))
    report_only = coverage(at_levels(G, ["stated", "derived"]))
    assert report_only["uncovered"] == [f"aichi:target-{n}" for n in range(1, 21) if n != 17]
    assert implements["covered"] == 20  # includes the GEF's blanket claim
    assert 10 < monitors_2012["covered"] < 20
    linked = {r["id"] for r in monitors_2012["by_target"] if r["supporters"]}
    assert set(monitors_2012["only_monitored"]) == linked  # monitoring links only, by filter
    result = cli(
        "analyze", "coverage", "--role", "monitors", "--as-of", "2016-07-01", "--lang", "en"
    )
    assert result.returncode == 0 and "no link in the evidence counted" in result.stdout


@pytest.fixture(scope="module")
def index(store: Any) -> Index:
    from emg_kg.analysis.metrics import load_index

    return load_index(store)


def test_matrix_groups_organizations_and_draws_roles(index: Index, tmp_path: Path) -> None:
    G = select(index, "agency-target")
    data = matrix_data(G, "en")
    groups = [r["group"] for r in data["rows"]]
    assert groups == sorted(groups, key=["report", "un-system", "mea", "other"].index)
    assert {"report", "un-system", "mea", "other"} <= set(groups) and len(groups) >= 55
    svg, table = write_matrix(G, tmp_path / "m", "en")
    root = ET.parse(svg).getroot()
    text = svg.read_text(encoding="utf-8")
    assert "Multilateral environmental agreements (outside sources)" in text
    assert text.count("<circle") > 100 and "<polygon" in text  # discs, rings, diamonds
    rows = list(csv.reader(table.open(encoding="utf-8")))
    assert rows[0][:3] == ["supporter", "name", "group"]
    assert any("monitors:curated" in cell for r in rows for cell in r)
    assert root.get("width") and int(root.get("width") or 0) < 1200


def test_matrix_is_readable_in_a_browser(browser: Any, index: Index, tmp_path: Path) -> None:
    """~60 organizations x 20 targets: no two text labels overlap, target labels are legible."""
    G = select(index, "agency-target")
    svg, _ = write_matrix(G, tmp_path / "m", "en")
    page = browser.new_page()
    try:
        page.goto(svg.as_uri())
        boxes = page.evaluate(
            """() => [...document.querySelectorAll('text')].map(t => {
                 const b = t.getBBox(); return [t.textContent, b.x, b.y, b.width, b.height,
                 parseFloat(getComputedStyle(t).fontSize)]; })"""
        )
    finally:
        page.close()
    assert len(boxes) > 80
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            apart = (
                a[1] + a[3] <= b[1] + 0.5
                or b[1] + b[3] <= a[1] + 0.5
                or a[2] + a[4] <= b[2] + 0.5
                or b[2] + b[4] <= a[2] + 0.5
            )
            assert apart, f"labels overlap: {a[0]!r} and {b[0]!r}"
    targets = [b for b in boxes if b[0] in {str(n) for n in range(1, 21)} and b[5] >= 12]
    assert len(targets) >= 20  # every target label at 12 px or more


def test_chinese_names_are_drawn_with_glyphs_not_boxes(
    browser: Any, index: Index, tmp_path: Path
) -> None:
    """The Chinese PNG is the SVG drawn by Chromium: without a CJK font (Debian's fonts-noto-cjk,
    which .ci/run installs) every Chinese character comes out as the same empty box. Draw a
    Chinese name of the matrix and a private-use character (always a box) and compare pixels."""
    G = select(index, "agency-target")
    svg, _ = write_matrix(G, tmp_path / "m", "zh")
    text = svg.read_text(encoding="utf-8")
    family = ET.parse(svg).getroot().get("font-family") or "sans-serif"
    assert "联合国粮食及农业组织" in text  # FAO's Chinese name, as the report gives it
    page = browser.new_page()
    try:
        same = page.evaluate(
            """([family, name]) => {
                 const draw = (s) => { const c = document.createElement('canvas');
                   c.width = 40; c.height = 40; const g = c.getContext('2d');
                   g.font = '28px ' + family; g.fillText(s, 4, 32);
                   return Array.from(g.getImageData(0, 0, 40, 40).data).join(','); };
                 return [...name].map(ch => draw(ch) === draw('\\uE000')); }""",
            [family, "联合国"],
        )
    finally:
        page.close()
    assert same == [False, False, False], "Chinese drawn as boxes: is a CJK font installed?"
