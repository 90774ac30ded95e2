"""User mappings on every command (issue 9): ``query``, ``gaps``, ``analyze``, ``viz``, ``serve``
and the Python API take ``--mapping FILE.csv``; the user's source text shows in each output, an
optional role is kept, unknown organizations are minted (with a warning), and a file with bad
rows is refused whole, every bad line listed, nothing merged. All on the real graph."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.parse
import urllib.request
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from emg_kg.analysis.gaps import gap_report
from emg_kg.analysis.mapping import apply_mapping
from emg_kg.analysis.mapping_csv import USER
from emg_kg.api import load
from emg_kg.cli.gaps_report import markdown
from emg_kg.data.store import open_store
from emg_kg.errors import MappingError
from emg_kg.paths import Layout
from emg_kg.web.server import Settings, start

if TYPE_CHECKING:
    from conftest import Cli

SOURCE = "my reading of UNDP's 2013 strategic plan"
MINTED_SOURCE = "UNICEF annual report 2012, p. 4"
MAPPING = (
    "agency,target,source,role\n"
    f'UNDP,5,"{SOURCE}",implements\n'
    f'Fictional Reef Trust,11,"{MINTED_SOURCE}",\n'
    "开发署,2,a second note,monitors\n"
)
MINTED = USER + "org/fictional-reef-trust"


@pytest.fixture()
def mapping(tmp_path: Path) -> Path:
    path = tmp_path / "reefs.csv"
    path.write_text(MAPPING, encoding="utf-8")
    return path


def assert_summary(stderr: str, path: Path) -> None:
    """The terminal says what was merged, each source text, and which name was minted."""
    assert f"user mapping {path}: 3 link(s) merged at level user" in stderr
    assert SOURCE in stderr and MINTED_SOURCE in stderr
    assert f"{path}:3: organization 'Fictional Reef Trust' is not in the graph" in stderr


@pytest.mark.parametrize("engine", ["oxigraph", "rdflib"])
def test_query_takes_a_mapping_on_both_engines(cli: Cli, mapping: Path, engine: str) -> None:
    result = cli(
        "query", "aichi-supporters", "--param", "evidence=all", "--format", "json",
        "--engine", engine, "--mapping", str(mapping),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)["results"]["bindings"]
    user = {
        (r["target"]["value"].rsplit("-", 1)[-1], r["supporter"]["value"])
        for r in rows
        if r.get("level", {}).get("value", "").endswith("/user")
    }
    assert user == {
        ("5", "https://w3id.org/emg-kg/id/agency/UNDP"),
        ("2", "https://w3id.org/emg-kg/id/agency/UNDP"),
        ("11", MINTED),
    }
    assert_summary(result.stderr, mapping)


def test_query_sees_the_source_text_and_the_role(mapping: Path) -> None:
    query = (
        "SELECT ?source ?role WHERE { ?st emg:evidenceLevel level:user ; dct:source ?source ; "
        "emg:role ?role } ORDER BY ?source"
    )
    result = subprocess.run(
        [sys.executable, "-m", "emg_kg.cli", "query", "-", "--format", "csv",
         "--mapping", str(mapping)],
        input=query, capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()[1:]
    role = "https://w3id.org/emg-kg/id/support-role/"
    assert sorted(lines) == sorted(
        [
            f'"{MINTED_SOURCE}",{role}implements',  # the default role
            f"a second note,{role}monitors",
            f"{SOURCE},{role}implements",
        ]
    )


def test_analyze_coverage_counts_and_names_the_user_sources(cli: Cli, mapping: Path) -> None:
    only_user = ("analyze", "coverage", "--format", "json", "--evidence", "user")
    plain = json.loads(cli(*only_user).stdout)
    assert plain["covered"] == 0  # the shipped graph has no user links
    result = cli(*only_user, "--mapping", str(mapping))
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    by_target = {r["id"]: r for r in data["by_target"]}
    assert by_target["aichi:target-5"]["sources"] == [SOURCE]
    assert by_target["aichi:target-11"]["levels"] == {"user": 1}
    assert data["covered"] == 3  # targets 2, 5 and 11
    assert by_target["aichi:target-2"]["roles"] == {"monitors": 1}
    table = cli("analyze", "coverage", "--wide", "--mapping", str(mapping))
    assert SOURCE in table.stdout and "fictional-reef-trust" in table.stdout
    assert_summary(table.stderr, mapping)


def test_viz_views_and_matrix_take_a_mapping(cli: Cli, mapping: Path, tmp_path: Path) -> None:
    page = tmp_path / "at.html"
    result = cli("viz", "agency-target", "--mapping", str(mapping), "--out", str(page))
    assert result.returncode == 0, result.stderr
    html = page.read_text(encoding="utf-8")
    assert f"source: {SOURCE}".replace("'", "\\u0027") in html or f"source: {SOURCE}" in html
    assert "Fictional Reef Trust" in html
    assert_summary(result.stderr, mapping)
    result = cli("viz", "matrix", "--mapping", str(mapping), "--out", str(tmp_path / "m.svg"))
    assert result.returncode == 0, result.stderr
    assert "Fictional Reef Trust" in (tmp_path / "m.svg").read_text(encoding="utf-8")
    assert "Fictional Reef Trust,user," in (tmp_path / "m.csv").read_text("utf-8")  # its group
    assert_summary(result.stderr, mapping)


def test_gaps_shows_the_user_sources(cli: Cli, layout: Layout, mapping: Path) -> None:
    report = gap_report(layout, mapping=mapping, lang="en")
    text = markdown(report)
    assert f"user source: {SOURCE}" in text and f"user source: {MINTED_SOURCE}" in text
    assert 11 not in [t.number for t in report.unaddressed]
    result = cli("gaps", "--mapping", str(mapping), "--format", "json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["user_sources"].keys() == {
        SOURCE,
        MINTED_SOURCE,
        "a second note",
    }


def test_the_python_api_takes_a_mapping(mapping: Path) -> None:
    kg = load(mapping=mapping)
    assert kg.mapping is not None and list(kg.mapping.graphs) == [
        SOURCE,
        MINTED_SOURCE,
        "a second note",
    ]
    rows = kg.query("aichi-supporters", evidence="all")
    graphs = {r["graph"] for r in rows if str(r["level"]).endswith("/user")}
    assert graphs == set(kg.mapping.graphs.values())
    # each graph is described, with the user's words, in the provenance graph
    sources = kg.query(
        "SELECT ?s WHERE { GRAPH <https://w3id.org/emg-kg/id/graph/provenance> "
        "{ ?g a emg:UserMapping ; dct:source ?s } }"
    )
    assert {r["s"] for r in sources} == set(kg.mapping.graphs)
    plain = load().query("aichi-supporters", evidence="all")
    assert not [r for r in plain if str(r["level"]).endswith("/user")]  # the cache is untouched


def test_serve_loads_the_mapping_in_the_app_and_its_workers(mapping: Path) -> None:
    running = start(Layout(Path(__file__).resolve().parents[2]), Settings(
        port=0, workers=1, quiet=True, mapping=mapping))  # fmt: skip
    try:
        query = (
            "PREFIX dct: <http://purl.org/dc/terms/> SELECT ?s WHERE { <"
            + USER
            + "support/reefs-3> dct:source ?s }"
        )
        url = running.url + "sparql?" + urllib.parse.urlencode({"query": query, "format": "csv"})
        with urllib.request.urlopen(url, timeout=60) as resp:  # answered by a worker process
            assert MINTED_SOURCE in resp.read().decode("utf-8")
        page_url = running.url + "id/user/org/fictional-reef-trust"
        with urllib.request.urlopen(page_url, timeout=60) as resp:  # the app's own store
            page = resp.read().decode("utf-8")
        assert "Fictional Reef Trust" in page and MINTED_SOURCE in page
    finally:
        running.stop()


def test_serve_refuses_a_bad_mapping_before_listening(cli: Cli, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("agency,target,source\nUNDP,42,x\n", encoding="utf-8")
    result = cli("serve", "--port", "0", "--mapping", str(bad))
    assert result.returncode == 2 and f"{bad}:2: unknown target" in result.stderr
    assert "serving" not in result.stdout


def test_every_bad_row_is_listed_and_nothing_is_merged(
    cli: Cli, layout: Layout, tmp_path: Path
) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(
        "agency,target,source,role\n"
        "UNDP,5,fine,implements\n"
        "agency:NoSuchAgency,3,x,\n"
        "UNDP,21,too far,\n"
        "UNDP,99,x,funds\n"
        "UNDP,5,\n",
        encoding="utf-8",
    )
    store = open_store(layout)
    before = len(store)
    with pytest.raises(MappingError) as err:
        apply_mapping(store, path)
    message = str(err.value)
    assert err.value.line == 3 and "4 bad row(s); nothing was merged" in message
    for words in (
        "unknown agency 'agency:NoSuchAgency'",
        "line 4: unknown target '21'",
        "line 5: unknown role 'funds' (one of implements, aligns, monitors, benefits); "
        "unknown target '99'",  # every problem of a row, not just the first
        "line 6: expected 4 cells",
    ):
        assert words in message
    assert len(store) == before
    for command in (["query", "aichi-matrix"], ["analyze", "coverage"], ["gaps"]):
        result = cli(*command, "--mapping", str(path))
        assert result.returncode == 2 and result.stdout == ""
        assert "bad.csv:3:" in result.stderr and "line 6" in result.stderr
