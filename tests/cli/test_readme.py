"""The README documents every command and every named query (datasette's habit: a command or
query nobody can find is one nobody uses)."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest

from emg_kg.cli import build_parser
from emg_kg.query.engines import Engine

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def subcommands() -> list[str]:
    parser = build_parser()
    actions = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return sorted(name for action in actions for name in action.choices)


@pytest.mark.parametrize("command", subcommands())
def test_every_command_is_in_the_readme(command: str) -> None:
    assert f"emg-kg {command}" in README, f"README.md does not document `emg-kg {command}`"


@pytest.mark.parametrize("name", sorted(p.stem for p in (ROOT / "queries").glob("*.rq")))
def test_every_named_query_is_in_the_readme(name: str) -> None:
    assert f"`{name}`" in README, f"README.md does not document the named query `{name}`"


def test_every_command_has_help() -> None:
    parser = build_parser()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                assert sub.description, f"`emg-kg {name}` has no description"


def readme_sparql() -> list[str]:
    """The README's self-contained example queries (the header sample starts with a comment)."""
    blocks = re.findall(r"```sparql\n(.*?)```", README, flags=re.DOTALL)
    return [b for b in blocks if b.startswith("PREFIX")]


@pytest.mark.parametrize("text", readme_sparql(), ids=lambda t: t.splitlines()[-2][:40])
def test_readme_queries_run_unchanged_and_agree_on_both_engines(
    text: str, oxigraph: Engine, rdflib_engine: Engine
) -> None:
    """They promise to run in any SPARQL editor: no project prefix is predeclared here."""
    answers = {
        engine.name: sorted(map(repr, engine.execute(text, "README", {}).rows))
        for engine in (oxigraph, rdflib_engine)
    }
    assert answers["oxigraph"], "a README example returns nothing"
    assert answers["oxigraph"] == answers["rdflib"]


def test_readme_python_examples_run() -> None:
    """The notebook examples run as printed (``.df()`` needs pandas, which is optional)."""
    blocks = re.findall(r"```python\n(.*?)```", README, flags=re.DOTALL)
    assert len(blocks) >= 2
    for block in blocks:
        namespace: dict[str, object] = {}
        exec(compile(block.replace(".df()", ""), "README.md", "exec"), namespace)  # noqa: S102
    kg = namespace["kg"]
    targets = kg.query("SELECT DISTINCT ?t WHERE { ?t a emg:AichiTarget }")  # type: ignore[attr-defined]
    assert len(targets) == 20
