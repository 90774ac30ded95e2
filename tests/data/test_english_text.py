"""The English text of the report in the graph (emg_kg.data.translation): its own graph, marked as
the project's unofficial translation everywhere it is shown, checked against the Chinese units,
and reachable by an English reader from the README alone."""

from __future__ import annotations

import re
import subprocess
import sys
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from markupsafe import escape
from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, RDF

from emg_kg.data.build import Built, build
from emg_kg.data.namespaces import EMG, GRAPH_PROVENANCE, GRAPH_REPORT, SCHEMA
from emg_kg.data.translation import NOTE, TRANSLATION_EN
from emg_kg.data.validate import validate
from emg_kg.paths import Layout
from emg_kg.web.server import Running

ROOT = Path(__file__).resolve().parents[2]
PARA_60 = "https://w3id.org/emg-kg/id/report/gc27-emg/para/60"


def test_every_unit_has_one_english_text_in_its_own_graph(built: Built) -> None:
    ds = built.dataset
    report, english = ds.graph(GRAPH_REPORT), ds.graph(TRANSLATION_EN)
    units = set(report.subjects(SCHEMA.text, None))
    assert len(units) == 84  # the summary, 61 paragraphs, 5 operative paragraphs, 17 footnotes
    for unit in units:
        texts = list(english.objects(unit, SCHEMA.text))
        assert len(texts) == 1 and isinstance(texts[0], Literal) and texts[0].language == "en"
        assert {o.language for o in report.objects(unit, SCHEMA.text)} == {"zh"}  # type: ignore[union-attr]
    provenance = ds.graph(GRAPH_PROVENANCE)
    assert (TRANSLATION_EN, RDF.type, EMG.Translation) in provenance
    description = str(provenance.value(TRANSLATION_EN, DCTERMS.description))
    assert "UNOFFICIAL TRANSLATION" in description and "not the official" in description


def test_the_draft_decision_is_translated(built: Built) -> None:
    english = built.dataset.graph(TRANSLATION_EN)
    op2 = english.value(URIRef(PARA_60.replace("/60", "/1-op2")), SCHEMA.text)
    assert "drylands" in str(op2)


def test_validation_finds_a_paragraph_missing_from_the_english(copy_layout: Layout) -> None:
    path = copy_layout.report_file_en
    text = path.read_text(encoding="utf-8")
    cut = re.sub(r"\n61\. [^\n]*\n", "\n", text, count=1)  # the last paragraph
    assert cut != text
    path.write_text(cut, encoding="utf-8")
    report = validate(copy_layout, build(copy_layout), shacl=False)
    found = [v for v in report.violations if v.check == "translation"]
    assert [v.message for v in found] == [
        "paragraph 61 (emg-progress-report-gc27.zh.md:273) is missing"
    ]
    assert all("emg-progress-report-gc27.en.md" in v.source for v in found)


def test_show_marks_the_translation(capsys: pytest.CaptureFixture[str]) -> None:
    from emg_kg.cli import main

    assert main(["show", "UNDP", "--lang", "en", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "== Paragraph 60" in out and f"[{NOTE['en']}]" in out
    assert "provided comments" in out
    assert main(["show", "UNDP", "--quiet"]) == 0
    assert NOTE["en"] not in capsys.readouterr().out  # Chinese: the report's own words


def test_pages_and_search_in_english(server: Running) -> None:
    with urllib.request.urlopen(f"{server.url}id/report/gc27-emg/para/60?lang=en") as resp:
        page = resp.read().decode("utf-8")
    note = escape(NOTE["en"])  # as the templates escape it
    assert "provided comments" in page and note in page
    assert "环境管理小组秘书处编制了" in page  # the report's own words stay on the page
    with urllib.request.urlopen(f"{server.url}id/agency/UNDP?lang=en") as resp:
        assert note in resp.read().decode("utf-8")
    query = urllib.parse.urlencode({"q": "biodiversity", "lang": "en"})
    with urllib.request.urlopen(f"{server.url}search?{query}") as resp:
        page = resp.read().decode("utf-8")
    passages = re.search(r"(\d+) passages", page)
    assert passages and int(passages.group(1)) > 5 and note in page


def test_the_readme_walk_through_for_an_english_reader() -> None:
    """README "Reading the report in English": find where the report says UNDP commented on
    the peer-review options paper, and read it in the report's words."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Reading the report in English", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"^\$ (emg-kg .+)$", section, re.M)
    assert len(commands) == 2, commands
    outputs = []
    for command in commands:
        args = [a.strip('"') for a in re.findall(r'"[^"]*"|\S+', command)][1:]
        result = subprocess.run(
            [sys.executable, "-m", "emg_kg.cli", *args],
            capture_output=True,
            text=True,
            env={"EMG_KG_LANG": "en", "PATH": "/usr/bin:/bin", "COLUMNS": "200"},
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        outputs.append(result.stdout)
    assert "para:60" in outputs[0]
    assert "UNDP" in outputs[1] and "provided comments" in outputs[1]
    assert NOTE["en"] in outputs[1] and "开发署" in outputs[1]  # the note and the original


def test_english_text_is_searchable_by_query(oxigraph) -> None:  # type: ignore[no-untyped-def]
    from emg_kg.api import run
    from emg_kg.paths import default_layout
    from emg_kg.query.registry import get_query

    result = run(oxigraph, get_query(default_layout(), "search"), {"text": "options paper"}, "en")
    rows = result.records()
    assert any(r["entity"] == PARA_60 and r["passage"] == 1 for r in rows)
