"""Validation on the real data, and on broken copies: exit codes and messages that point."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from emg_kg.build import Built, build
from emg_kg.paths import Layout
from emg_kg.validate import mention_failures, validate


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
