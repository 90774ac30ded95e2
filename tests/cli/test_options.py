"""The option blocks the commands share (cli/options.py): the same option means the same thing
on every command that takes it."""

from __future__ import annotations

from pathlib import Path

import pytest

from emg_kg.cli import build_parser, main
from emg_kg.cli.main import COMMANDS


def _commands() -> dict[str, set[str]]:
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    return {
        name: {o for a in p._actions for o in a.option_strings}
        for name, p in sub.choices.items()  # type: ignore[union-attr]
    }


def test_every_command_is_registered_once_in_help_order() -> None:
    names = list(_commands())
    assert len(names) == len(set(names)) == len(COMMANDS)
    assert names[:2] == ["build", "validate"] and names[-2:] == ["demo", "prefixes"]


def test_the_engine_block_is_on_every_command_that_reads_the_graph() -> None:
    commands = _commands()
    readers = {"query", "queries", "gaps", "show", "stats", "analyze", "viz", "load", "serve"}
    assert {n for n, options in commands.items() if "--store" in options} == readers
    assert all("--endpoint" in commands[n] for n in readers)
    mapped = {n for n, options in commands.items() if "--mapping" in options}
    assert mapped == {"query", "gaps", "analyze", "viz", "serve"}


@pytest.mark.parametrize(
    "argv",
    [
        ["gaps", "--format", "json"],
        ["analyze", "centrality"],
        ["query", "aichi-coverage"],
    ],
)
def test_a_mapping_is_refused_with_a_store(
    argv: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mapping = tmp_path / "map.csv"
    mapping.write_text("agency,target,source\n", "utf-8")
    code = main([*argv, "--store", str(tmp_path / "store"), "--mapping", str(mapping)])
    captured = capsys.readouterr()
    assert code == 2
    assert "--mapping merges into the in-memory store only" in captured.err
    assert captured.out == "" and "Traceback" not in captured.err
