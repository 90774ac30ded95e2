"""Oversized inputs end in one clear line naming file and line, exit 2, never a traceback:
a mapping CSV past its size, row or cell limits, and a TriG token past Oxigraph's 16 MiB."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from emg_kg.analysis.mapping_csv import MAX_BYTES, MAX_CELL, MAX_ROWS, read_mapping
from emg_kg.api import Engine
from emg_kg.data.build import build
from emg_kg.errors import MappingError, SourceError
from emg_kg.paths import Layout

HEADER = "agency,target,source\n"


def gaps(mapping: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "emg_kg.cli", "gaps", "--mapping", str(mapping)],
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_a_cell_over_the_csv_modules_limit_is_exit_2(tmp_path: Path) -> None:
    """A 200,000-character cell used to end in a _csv.Error traceback with exit 1."""
    path = tmp_path / "cell.csv"
    path.write_text(HEADER + "UNDP,1,ok\nUNDP,2," + "x" * 200_000 + "\n", encoding="utf-8")
    result = gaps(path)
    assert result.returncode == 2, result.stderr
    assert f"{path}:3:" in result.stderr and "cell" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("body", "line", "words"),
    [
        ("UNDP,1," + "x" * (MAX_CELL + 1) + "\n", 2, "a cell of"),
        ("UNDP,1,ok\n" * (MAX_ROWS + 1), MAX_ROWS + 2, f"more than {MAX_ROWS:,} rows"),
        ('UNDP,1,"an unterminated quote\n' + "UNDP,2,x\n" * 3, 5, "bad CSV"),
    ],
    ids=["long-cell", "too-many-rows", "open-quote"],
)
def test_mapping_limits_name_the_line(
    tmp_path: Path, oxigraph: Engine, body: str, line: int, words: str
) -> None:
    path = tmp_path / "mapping.csv"
    path.write_text(HEADER + body, encoding="utf-8")
    with pytest.raises(MappingError, match=words) as err:
        read_mapping(path, oxigraph)
    assert err.value.path == path and err.value.line == line


def test_a_mapping_over_the_size_limit_is_refused_before_reading(
    tmp_path: Path, oxigraph: Engine
) -> None:
    path = tmp_path / "huge.csv"
    path.write_text(HEADER + "UNDP,1,src\n" * (MAX_BYTES // 11 + 1), encoding="utf-8")
    with pytest.raises(MappingError, match="the limit is 2,097,152") as err:
        read_mapping(path, oxigraph)
    assert err.value.path == path


def test_a_mapping_at_the_row_limit_is_read(tmp_path: Path, oxigraph: Engine) -> None:
    path = tmp_path / "full.csv"
    rows = "".join(f"UNDP,{i % 20 + 1},row {i}\n" for i in range(MAX_ROWS))
    path.write_text(HEADER + rows, encoding="utf-8")
    assert len(read_mapping(path, oxigraph)) == MAX_ROWS


def test_a_trig_token_over_16_mib_is_a_source_error(copy_layout: Layout) -> None:
    """Oxigraph caps a token at 16 MiB and raised MemoryError, uncaught."""
    path = copy_layout.data_dir / "zz-huge.trig"
    path.write_text(
        "@prefix ex: <http://example.org/> .\n\nex:g {\n  ex:a ex:b "
        f'"{"x" * (17 * 2**20)}" .\n}}\n',
        encoding="utf-8",
    )
    with pytest.raises(SourceError, match="longer than the parser's limit of 16 MiB") as err:
        build(copy_layout)
    assert err.value.path == path and err.value.line == 4
    result = subprocess.run(
        [sys.executable, "-m", "emg_kg.cli", "validate"],
        capture_output=True,
        text=True,
        env={**os.environ, "EMG_KG_ROOT": str(copy_layout.root)},
        timeout=300,
    )
    assert result.returncode == 2 and f"{path}:4:" in result.stderr, result.stderr[-400:]
    assert "Traceback" not in result.stderr
