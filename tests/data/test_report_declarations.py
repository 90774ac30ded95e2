"""Many reports: a report is declared by data (graph_data/*.report.toml) and built beside the
shipped one, its IRIs and graphs carrying its own identity, without code changes.

The second report is made up for the tests (tests/data/fixtures/second-report); the shipped
report's IRIs and graph names must stay exactly as users cite them.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, SKOS, XSD

from emg_kg.cli.main import main
from emg_kg.data.build import Built, build
from emg_kg.data.namespaces import EMG, GRAPH_REPORT, SCHEMA
from emg_kg.data.reports import reports
from emg_kg.data.validate import validate
from emg_kg.errors import SourceError
from emg_kg.paths import Layout
from emg_kg.prefixes import ID

SECOND = ID + "report/test-second"


@pytest.fixture(scope="module")
def both(two_reports: Layout) -> Built:
    return build(two_reports)


def test_the_shipped_report_is_declared_with_the_names_users_cite(layout: Layout) -> None:
    (spec,) = reports(layout)
    assert spec.iri == ID + "report/gc27-emg" and spec.graph == str(GRAPH_REPORT)
    assert spec.markdown.name == "emg-progress-report-gc27.zh.md" and spec.language == "zh"
    assert spec.translation is not None
    assert spec.translation.graph == ID + "source/translation-en"


def test_a_second_report_is_built_under_its_own_identity(both: Built, built: Built) -> None:
    ds = both.dataset
    graph = ds.graph(URIRef(ID + "graph/report-test-second"))
    report = URIRef(SECOND)
    assert (report, RDF.type, EMG.Report) in graph
    assert (report, DCTERMS.identifier, Literal("TEST/EMG/2")) in graph
    assert (report, DCTERMS.issued, Literal("2014-01-15", datatype=XSD.date)) in graph
    assert (report, SKOS.prefLabel, Literal("Test progress report", lang="en")) in graph
    para2 = URIRef(SECOND + "/para/2")
    text = graph.value(para2, SCHEMA.text)
    assert text == Literal("环境管理小组请开发署编写一份关于保护区的说明。", lang="zh")
    assert (para2, EMG.footnoteRef, URIRef(SECOND + "/fn/1")) in graph
    assert (para2, DCTERMS.isPartOf, URIRef(SECOND + "/section/I")) in graph
    # the page break between paragraphs 2 and 3 is layout only
    assert str(graph.value(URIRef(SECOND + "/para/3"), SCHEMA.text)).startswith("开发署")
    # its curated facts sit in its own paragraphs' graphs
    mandate = URIRef(ID + "mandate/test-second-undp-note")
    assert (mandate, RDF.type, EMG.Mandate) in ds.graph(para2)
    # the shipped report's structure is exactly what it was
    shipped = ds.graph(GRAPH_REPORT)
    assert set(shipped) == set(built.dataset.graph(GRAPH_REPORT))
    assert not any(str(s).startswith(SECOND) for s, _p, _o in shipped)


def test_two_reports_conform(two_reports: Layout, both: Built) -> None:
    report = validate(two_reports, both)
    assert report.violations == []


def test_a_fact_citing_a_paragraph_the_second_report_lacks_is_refused(
    two_reports: Layout, both: Built
) -> None:
    """The mention and evidence rules hold for every report: a graph under the second
    report's IRI that is not one of its units is an error, as for the shipped one."""
    ds = both.dataset
    stray = ds.graph(URIRef(SECOND + "/para/9"))
    stray.add((URIRef(ID + "agency/UNDP"), SKOS.note, Literal("invented")))
    try:
        kinds = {v.check for v in validate(two_reports, both, shacl=False).violations}
    finally:
        ds.remove_graph(stray)
    assert "evidence" in kinds


def _declare(layout: Layout, text: str) -> Path:
    path = layout.data_dir / "broken.report.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "text, line, message",
    [
        ('id = "x"\nmarkdown = "emg-progress-report-gc27.zh.md"\nlanguage = zh\n', 3, "Invalid"),
        ('id = "x"\nmarkdown = "nothing.md"\n', None, "markdown: no file"),
        ('id = "x y"\nmarkdown = "emg-progress-report-gc27.zh.md"\n', None, "letters, digits"),
        ('id = "x"\nmarkdown = "emg-progress-report-gc27.zh.md"\ncolour = 1\n', None, "colour"),
        ('id = "gc27-emg"\nmarkdown = "emg-progress-report-gc27.zh.md"\n', None, "twice"),
    ],
)
def test_a_bad_declaration_names_its_file(
    copy_layout: Layout, text: str, line: int | None, message: str
) -> None:
    path = _declare(copy_layout, text)
    with pytest.raises(SourceError, match=message) as caught:
        reports(copy_layout)
    assert caught.value.path.name in (path.name, "gc27-emg.report.toml")
    assert caught.value.line == line


def test_a_bad_declaration_exits_2_without_a_traceback(
    copy_layout: Layout, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _declare(copy_layout, 'id = "x"\nmarkdown = "missing.zh.md"\n')
    monkeypatch.setenv("EMG_KG_ROOT", str(copy_layout.root))
    assert main(["validate"]) == 2
    err = capsys.readouterr().err
    assert "broken.report.toml" in err and "Traceback" not in err


def test_data_without_a_declaration_still_builds_the_shipped_report(copy_layout: Layout) -> None:
    (copy_layout.data_dir / "gc27-emg.report.toml").unlink()
    (spec,) = reports(copy_layout)
    assert spec.iri == ID + "report/gc27-emg" and spec.graph == str(GRAPH_REPORT)
    assert spec.translation is not None and spec.translation.markdown.is_file()
