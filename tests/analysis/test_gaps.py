"""The gap report: counts agree with the named queries, every format works, every line names
its evidence, and a user mapping is merged whole or refused with the bad row's line."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox
import pytest

from emg_kg.analysis.gaps import EVIDENCE, GapReport, Reading, compute, gap_report
from emg_kg.api import OxigraphEngine, run
from emg_kg.cli.gaps_report import markdown, to_csv, to_json
from emg_kg.data.store import open_store
from emg_kg.errors import MappingError
from emg_kg.paths import Layout
from emg_kg.query.registry import get_query, internal_query
from emg_kg.query.run import rows

if TYPE_CHECKING:
    from conftest import Cli


@pytest.fixture(scope="module")
def report(layout: Layout) -> GapReport:
    return gap_report(layout)


def count(layout: Layout, engine: OxigraphEngine, name: str, **params: str) -> int:
    return len(run(engine, get_query(layout, name), params))


@pytest.mark.parametrize("evidence", list(EVIDENCE))
def test_counts_agree_with_the_named_queries(layout: Layout, evidence: str) -> None:
    engine = OxigraphEngine(open_store(layout))
    r = compute(engine, layout, evidence)
    assert r.levels == EVIDENCE[evidence]
    assert len(r.unaddressed) == count(layout, engine, "aichi-unaddressed", evidence=evidence)
    assert len(r.areas) == count(layout, engine, "colead-area-gaps", evidence=evidence)
    assert len(r.rio_gaps) == count(layout, engine, "rio20-unfollowed", evidence=evidence)
    assert len(r.mandates) == count(layout, engine, "open-mandates")
    coverage = run(engine, get_query(layout, "aichi-coverage"), {"evidence": evidence})
    assert [(c.supported, c.targets) for c in r.coverage] == [
        (row["supported"], row["targets"]) for row in coverage.records()
    ]
    for c in r.coverage:  # coverage and the unaddressed list are two views of one fact
        assert c.targets - c.supported == len(c.unaddressed)


def test_the_light_unfollowed_query_gives_the_named_ones_paragraphs(layout: Layout) -> None:
    """The gap report reads which Rio+20 paragraphs no EMG body follows up from an internal
    query without rio20-unfollowed's citations: the same paragraphs, in its order."""
    engine = OxigraphEngine(open_store(layout))
    light = internal_query("gaps-rio20-unfollowed", layout)
    found = {}
    for evidence in EVIDENCE:
        named = rows(engine, get_query(layout, "rio20-unfollowed"), evidence=evidence)
        mine = rows(engine, light, evidence=evidence)
        found[evidence] = [r["paragraph"] for r in mine]
        assert found[evidence] == list(dict.fromkeys(r["paragraph"] for r in named))
    assert len(found["stated"]) == 12 and found["report"] == []  # the levels tell them apart


FOLLOWS_UP = ox.NamedNode("https://w3id.org/emg-kg/ontology#followsUp")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_followers_names_are_the_named_queries(layout: Layout, lang: str) -> None:
    """The gap report reads rio20-followup's and colead-areas' rows without the followers'
    names and their names once per follower (gaps-names): the same rows, in order, at every
    level, with a follower named in English only (no name in Chinese) added to both."""
    store = open_store(layout)
    for name in ("rio20-followup", "colead-areas"):  # a follower of one linked item of each
        found = run(OxigraphEngine(store), get_query(layout, name), {"evidence": "stated"})
        row = next(r for r in found.records() if r["follower"])
        item = ox.NamedNode(str(row.get("node") or row["area"]))
        graph = ox.NamedNode(str(row["graph"]))
        who = ox.NamedNode(f"https://example.org/only-english/{name}")
        store.add(ox.Quad(who, FOLLOWS_UP, item, graph))
        label = ox.NamedNode("http://www.w3.org/2004/02/skos/core#prefLabel")
        store.add(ox.Quad(who, label, ox.Literal("Only English", language="en"), graph))
    engine = OxigraphEngine(store)
    reading = Reading(engine, layout, lang)
    names = reading.names()
    for name in ("rio20-followup", "colead-areas"):
        light = internal_query(f"gaps-{name}", layout)
        seen = set()
        for evidence in EVIDENCE:
            named = reading.rows(name, evidence=evidence)
            mine = reading.named(reading.rows(light, evidence=evidence), names)
            assert mine == named, (name, evidence)
            seen |= {(r["follower"], r["followerName"]) for r in named}
        english = f"<https://example.org/only-english/{name}>"
        assert (english, "Only English" if lang == "en" else "") in seen


def test_the_shipped_report(report: GapReport) -> None:
    assert report.evidence == "report" and report.as_of == "2012-12-04"
    assert len(report.targets) == 20 and 0 < len(report.unaddressed) < 20
    assert [c.goal for c in report.coverage] == [f"aichi:goal-{g}" for g in "ABCDE"]
    assert [a.area for a in report.areas] == ["area:biodiversity"]
    assert report.mandates and not any(m.past_due for m in report.mandates)


def test_looser_evidence_never_finds_more_gaps(layout: Layout) -> None:
    engine = OxigraphEngine(open_store(layout))
    sizes = [len(compute(engine, layout, e).unaddressed) for e in EVIDENCE]
    assert sizes == sorted(sizes, reverse=True)
    assert sizes[0] == 20  # the report names no single target itself


def test_every_line_names_its_evidence(report: GapReport) -> None:
    text = markdown(report)
    assert "Evidence level of every count: **report" in text
    for line in text.splitlines():
        if line.startswith("- Target ") or line.startswith("- The future we want"):
            assert "rests on" in line or "cited in" in line, line
        if line.startswith("| mandate:"):
            assert "para:" in line or "fn:" in line, line
            what = line.split(" | ")[1]  # the action, so a reader sees what was asked
            assert len(what) > 10 and "\n" not in what, line
    for t in report.targets:
        for s in t.supporters:
            assert s.rests_on and s.rests_on[0] == s.graph
            if s.graph.startswith("inf:"):  # an inference names the paragraphs it reads
                assert any(p.startswith("para:") for p in s.rests_on[1:]), s


def test_json_and_csv(report: GapReport) -> None:
    data = json.loads(to_json(report))
    assert data["unaddressed"] == [t.number for t in report.unaddressed]
    assert data["evidence"] == "report" and "derived" in data["evidence_words"]
    rows = list(csv.DictReader(io.StringIO(to_csv(report))))
    sections = {r["section"] for r in rows}
    assert {"unaddressed-target", "goal-coverage", "colead-area-gap", "open-mandate"} <= sections
    assert sum(r["section"] == "unaddressed-target" for r in rows) == len(report.unaddressed)


@pytest.mark.parametrize("fmt", ["md", "json", "csv"])
def test_gaps_command_formats(cli: Cli, fmt: str, tmp_path: Path) -> None:
    result = cli("gaps", "--format", fmt, "--lang", "en", "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["gaps.csv", "gaps.json", "gaps.md"]
    assert result.stdout == (tmp_path / f"gaps.{fmt}").read_text(encoding="utf-8")


def test_as_of_flags_past_due_and_checks_the_date(cli: Cli) -> None:
    later = json.loads(cli("gaps", "--format", "json", "--as-of", "2014-01-01").stdout)
    assert any(m["past_due"] for m in later["mandates"])
    bad = cli("gaps", "--as-of", "last year")
    assert bad.returncode == 2 and "not a date" in bad.stderr


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "mapping.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_user_mapping_is_merged_as_level_user(layout: Layout, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "agency,target,source\n"
        "UNDP,5,my reading of UNDP's 2013 strategic plan\n"
        "agency:WHO,aichi:target-1,WHO web page\n"
        "\n"
        "开发署,2,a second note\n",
    )
    before = gap_report(layout, "all", roles="aligns")
    after = gap_report(layout, mapping=path)
    assert after.evidence == "all" and after.user_links == 3
    # curated sources now link every target; the user's links show at level user, and a user
    # row (no role column) counts as implements, not as aligns
    assert {t.number for t in after.targets if any(s.level == "user" for s in t.supporters)} == {
        1,
        2,
        5,
    }
    aligned = gap_report(layout, "all", mapping=path, roles="aligns")
    assert len(aligned.unaddressed) == len(before.unaddressed)
    users = [s for t in after.targets for s in t.supporters if s.level == "user"]
    assert {s.who for s in users} == {"agency:UNDP", "agency:WHO"}
    assert str(path) in markdown(after)
    report_level = gap_report(layout, "report", mapping=path)  # an explicit level wins
    assert len(report_level.unaddressed) == len(gap_report(layout).unaddressed)


@pytest.mark.parametrize(
    "rows, line, words",
    [
        ("UNDP,5,ok\nagency:NoSuchAgency,3,x\n", 3, "unknown agency"),
        ("UNDP,21,too far\n", 2, "unknown target"),
        ("UNDP,5\n", 2, "got 2 cells"),
        ("UNDP,5,\n", 2, "got empty source"),
    ],
)
def test_a_bad_row_is_refused_with_its_line(
    cli: Cli, layout: Layout, tmp_path: Path, rows: str, line: int, words: str
) -> None:
    path = write(tmp_path, "agency,target,source\n" + rows)
    with pytest.raises(MappingError) as err:
        gap_report(layout, mapping=path)
    assert err.value.line == line and words in str(err.value)
    result = cli("gaps", "--mapping", str(path))
    assert result.returncode == 2
    assert f"mapping.csv:{line}:" in result.stderr and "nothing was merged" in result.stderr
    assert result.stdout == ""


def test_a_bad_header_is_refused(cli: Cli, tmp_path: Path) -> None:
    result = cli("gaps", "--mapping", str(write(tmp_path, "org,aichi\nUNDP,5\n")))
    assert result.returncode == 2 and "mapping.csv:1: the header must be" in result.stderr


def test_gaps_does_not_import_rdflib(layout: Layout) -> None:
    open_store(layout)  # the cache is warm
    argv = [sys.executable, "-X", "importtime", "-m", "emg_kg.cli", "gaps", "--format", "json"]
    subprocess.run(argv, capture_output=True)  # the gate parses each shipped query once
    result = subprocess.run(
        argv,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    imported = [line.rsplit("|", 1)[-1].strip() for line in result.stderr.splitlines()]
    assert not [m for m in imported if m.split(".")[0] == "rdflib"]
