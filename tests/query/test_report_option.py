"""`--report ID`: every named query and the gap report per report, or (default) spanning all.

The dataset here holds the shipped report and a made-up second one
(tests/data/fixtures/second-report: a mandate and an Aichi support statement of its own).
Restricting the dataset to one report must give, for the shipped report, exactly the answers
of the shipped dataset alone, for every named query; the second report sees only its own facts
plus the shared ones, and the default spans both.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from emg_kg.analysis.gaps import compute
from emg_kg.api import load
from emg_kg.cli.main import main
from emg_kg.data.store import open_store
from emg_kg.errors import QueryError
from emg_kg.paths import Layout
from emg_kg.prefixes import ID
from emg_kg.query.engines import Engine, OxigraphEngine
from emg_kg.query.registry import get_query
from emg_kg.query.reports import list_reports, report_view
from emg_kg.query.results import render
from emg_kg.query.run import run

ROOT = Path(__file__).resolve().parents[2]
NAMES = sorted(p.stem for p in (ROOT / "queries").glob("*.rq"))
SECOND = ID + "report/test-second"


@pytest.fixture(scope="module")
def corpus(two_reports: Layout) -> ox.Store:
    return open_store(two_reports)


def _engine(store: ox.Store, report: str | None) -> Engine:
    return OxigraphEngine(report_view(store, report))


def _examples(layout: Layout, name: str) -> dict[str, str]:
    return {p.name: p.example for p in get_query(layout, name).params if p.example}


def test_the_reports_and_their_graphs_are_read_from_the_data(corpus: ox.Store) -> None:
    shipped, second = list_reports(corpus)
    assert (shipped.ident, second.ident) == ("gc27-emg", "test-second")
    assert ID + "graph/report" in shipped.graphs
    assert ID + "report/gc27-emg/para/20" in shipped.graphs
    assert ID + "source/translation-en" in shipped.graphs  # derived from the report
    assert ID + "inference/gc27-draft-op4-renews-ss-xii-2-op4" in shipped.graphs
    assert second.graphs == {
        ID + "graph/report-test-second",
        SECOND + "/para/2",
        SECOND + "/para/3",
    }
    shared = ID + "graph/ontology"
    assert all(shared not in r.graphs for r in (shipped, second))


@pytest.mark.parametrize("name", NAMES)
def test_one_report_answers_as_if_it_were_alone(
    name: str, layout: Layout, oxigraph: Engine, corpus: ox.Store
) -> None:
    query, params = get_query(layout, name), _examples(layout, name)
    alone = render(run(oxigraph, query, params), "json")
    assert render(run(_engine(corpus, "gc27-emg"), query, params), "json") == alone


def _mandates(engine: Engine, layout: Layout) -> set[str]:
    rows = run(engine, get_query(layout, "mandates"), {}).records()
    return {str(r["mandate"]) for r in rows}


def test_mandates_per_report_and_spanning(layout: Layout, corpus: ox.Store) -> None:
    mine = ID + "mandate/test-second-undp-note"
    every, shipped = (
        _mandates(_engine(corpus, None), layout),
        _mandates(_engine(corpus, "gc27-emg"), layout),
    )
    assert _mandates(_engine(corpus, "test-second"), layout) == {mine}
    assert every == shipped | {mine} and mine not in shipped and len(shipped) > 50


def test_the_gap_report_per_report_and_spanning(two_reports: Layout, corpus: ox.Store) -> None:
    def addressed(report: str | None) -> list[int]:
        gaps = compute(_engine(corpus, report), two_reports, "stated")
        return [t.number for t in gaps.targets if t.addressed]

    # only the second report states support for an Aichi target (target 11, by UNDP)
    assert addressed("test-second") == [11] and addressed(None) == [11]
    assert addressed("gc27-emg") == []
    opened = compute(_engine(corpus, "test-second"), two_reports, "stated").mandates
    assert [m.mandate for m in opened] == ["mandate:test-second-undp-note"]


def test_report_on_the_command_line_and_in_the_api(
    two_reports: Layout, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("EMG_KG_ROOT", str(two_reports.root))
    assert main(["query", "mandates", "--report", "test-second", "--format", "csv"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 2 and "test-second-undp-note" in out[1]
    assert main(["query", "mandates", "--report", "nope"]) == 2
    assert "no such report in this dataset (it holds: gc27-emg, test-second)" in (
        capsys.readouterr().err
    )
    kg = load(str(two_reports.root), report=f"<{SECOND}>")
    assert [r["mandate"] for r in kg.query("mandates")] == [ID + "mandate/test-second-undp-note"]
    with pytest.raises(QueryError, match="oxigraph"):
        load(str(two_reports.root), engine="rdflib", report="test-second")


def test_a_query_naming_its_own_dataset_keeps_it_within_the_report(corpus: ox.Store) -> None:
    """FROM (or default-graph-uri) picks graphs among those the report sees; another
    report's graph is not in its dataset, and saying so is an error, not an empty answer."""
    from emg_kg.query.gate import check

    engine = OxigraphEngine(report_view(corpus, "test-second"))

    def count(graph: str) -> int:
        text = f"SELECT (COUNT(*) AS ?n) FROM <{graph}> WHERE {{ ?s ?p ?o }}"
        (row,) = engine.execute(text, "t", {}, None, check(text, "t")).rows
        return int(row[0].value)  # type: ignore[union-attr]

    mine = ID + "graph/report-test-second"
    assert count(mine) == sum(
        1 for _ in corpus.quads_for_pattern(None, None, None, ox.NamedNode(mine))
    )
    with pytest.raises(QueryError, match="no graph"):
        count(ID + "graph/report")
