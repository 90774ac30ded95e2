"""Validation on the real data, and on broken copies: exit codes and messages that point."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from emg_kg.data.build import Built, build
from emg_kg.data.validate import mention_failures, validate
from emg_kg.paths import Layout
from emg_kg.query.engines import Engine


def run_cli(layout: Layout, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "EMG_KG_ROOT": str(layout.root)}
    return subprocess.run(
        [sys.executable, "-m", "emg_kg.cli", *args], capture_output=True, text=True, env=env
    )


def test_shipped_data_conforms(layout: Layout, built: Built) -> None:
    report = validate(layout, built)
    assert report.conforms, "\n".join(map(str, report.violations[:40]))


def test_every_evidence_paragraph_names_what_its_facts_link(built: Built) -> None:
    failures = [f"{unit} does not name {node}" for unit, node in mention_failures(built.dataset)]
    assert not failures, "\n".join(failures[:40])


def test_validate_exits_0_on_shipped_data(layout: Layout) -> None:
    result = run_cli(layout, "validate")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "conforms" in result.stdout


def test_mandate_without_evidence_is_a_violation(copy_layout: Layout) -> None:
    path = copy_layout.data_dir / "mandates.trig"
    path.write_text(
        path.read_text(encoding="utf-8")
        + """
emgid:nowhere {
  mandate:orphan a emg:Mandate ; emg:verb verb:requests ; emg:addressee body:EMG ;
    emg:action "do something"@en .
}
""",
        encoding="utf-8",
    )
    result = run_cli(copy_layout, "validate")
    assert result.returncode == 1, result.stdout + result.stderr
    assert re.search(
        r"\[evidence\] emgid:nowhere graph: .*without evidence.*mandates\.trig", result.stdout
    ), result.stdout


def test_entity_without_chinese_label_is_a_violation(copy_layout: Layout) -> None:
    path = copy_layout.data_dir / "organizations.trig"
    text, count = re.subn(
        r';\s*skos:prefLabel "世界气象组织"@zh\s*\.', " .", path.read_text(encoding="utf-8")
    )
    assert count == 1, "the fixture no longer matches organizations.trig"
    path.write_text(text, encoding="utf-8")
    report = validate(copy_layout, build(copy_layout))
    messages = [str(v) for v in report.violations]
    assert any("agency:WMO" in m and "@zh" in m for m in messages), messages[:10]
    result = run_cli(copy_layout, "validate")
    assert result.returncode == 1
    assert "agency:WMO" in result.stdout and "organizations.trig" in result.stdout


def test_unloadable_file_exits_2_with_file_and_line(copy_layout: Layout) -> None:
    path = copy_layout.data_dir / "decisions.trig"
    path.write_text(
        path.read_text(encoding="utf-8") + "\npara:5 { decision:x dct:identifier }\n",
        encoding="utf-8",
    )
    line = len(path.read_text(encoding="utf-8").splitlines())
    result = run_cli(copy_layout, "validate")
    assert result.returncode == 2
    assert f"decisions.trig:{line}" in result.stderr, result.stderr


def test_dangling_reference_is_reported(copy_layout: Layout) -> None:
    path = copy_layout.data_dir / "organizations.trig"
    path.write_text(
        path.read_text(encoding="utf-8") + "\npara:60 { body:EMG org:hasMember agency:NOPE . }\n",
        encoding="utf-8",
    )
    report = validate(copy_layout, build(copy_layout), shacl=False)
    assert any(v.check == "dangling" and "agency:NOPE" in v.focus for v in report.violations)


def test_wrong_evidence_paragraph_breaks_the_mention_rule(copy_layout: Layout) -> None:
    path: Path = copy_layout.data_dir / "organizations.trig"
    path.write_text(
        path.read_text(encoding="utf-8") + "\npara:26 { body:EMG org:hasMember agency:WMO . }\n",
        encoding="utf-8",
    )
    report = validate(copy_layout, build(copy_layout), shacl=False)
    assert any(
        v.check == "mention" and v.focus == "agency:WMO" and v.path == "para:26"
        for v in report.violations
    ), [str(v) for v in report.violations][:5]


def test_every_minted_term_has_both_labels_and_a_definition(oxigraph: Engine) -> None:
    """Own terms only where W3C vocabularies lack one, and each explained in both languages."""
    rows = oxigraph.execute(
        """PREFIX owl: <http://www.w3.org/2002/07/owl#>
        PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        SELECT DISTINCT ?term ?en ?zh ?definition WHERE {
          VALUES ?kind { owl:Class owl:ObjectProperty owl:DatatypeProperty }
          ?term a ?kind FILTER(STRSTARTS(STR(?term), "https://w3id.org/emg-kg/ontology#"))
          OPTIONAL { ?term rdfs:label ?en FILTER(lang(?en) = "en") }
          OPTIONAL { ?term rdfs:label ?zh FILTER(lang(?zh) = "zh") }
          OPTIONAL { ?term skos:definition ?definition }
        }""",
        "ontology terms",
        {},
    ).rows
    assert len({row[0] for row in rows}) > 50
    missing = [row[0] for row in rows if None in row[1:]]
    assert not missing, f"terms without an @en or @zh label or a definition: {missing}"
