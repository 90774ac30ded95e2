"""The README's main command, end to end: `emg-kg demo` (what `make demo` runs)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path


def test_demo_builds_validates_reports_gaps_and_writes_every_view(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = subprocess.run(
        [sys.executable, "-m", "emg_kg.cli", "demo", "--out", str(out)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    text = result.stdout
    assert "the data conforms" in text
    # a short summary and the page to open first (issue 11), not the whole gap report
    lines = text.strip().splitlines()
    assert len(lines) < 15, text
    assert "Aichi targets without a supporter" in text and "mandate(s) open on" in text
    first = next(line for line in lines if line.startswith("open first: "))
    assert Path(first.removeprefix("open first: ")).is_file()
    for name in ("emg.ttl", "emg.nt", "emg.jsonld", "emg.trig", "emg.nq"):
        assert (out / name).stat().st_size > 100_000, name
    gaps = json.loads((out / "gaps.json").read_text(encoding="utf-8"))
    assert gaps["evidence"] == "report" and len(gaps["targets"]) == 20
    assert (out / "gaps.md").read_text(encoding="utf-8").startswith("# Gap analysis")
    views = sorted(p.name for p in (out / "views").iterdir())
    for name in ("agency-target", "mandates", "citations", "organizations", "whole"):
        assert f"{name}.html" in views
    assert "agency-target-matrix.svg" in views and "agency-target-matrix.csv" in views
    assert not [p for p in out.rglob(".*")], "temporary files left behind"
