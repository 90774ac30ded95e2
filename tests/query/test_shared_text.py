"""The gap report's internal queries that repeat a named query's text keep it the same, word for
word: a rewrite applied to one and not the other (the supporters' classes DISTINCT for
Virtuoso's bag default graph had to be applied to both by hand) fails here.

An internal query marks each repeated block with ``# shared with NAME: begin`` and
``# shared with NAME: end``; the lines between must stand in ``queries/NAME.rq`` as they are,
consecutive and in order, whatever the indentation. The answers are held together too, on the
real data (tests/data/test_aichi_gaps.py, tests/analysis/test_gaps.py); this catches the changes
that the shipped data cannot see, such as a form written for a corpus of many reports."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
INTERNAL = ROOT / "queries" / "internal"
MARK = re.compile(r"^\s*# shared with ([\w-]+): (begin|end)\b")


def shared_blocks(text: str) -> list[tuple[str, list[str]]]:
    """Each marked block of ``text``: the named query it repeats, and its lines, stripped."""
    blocks: list[tuple[str, list[str]]] = []
    current: tuple[str, list[str]] | None = None
    for line in text.splitlines():
        mark = MARK.match(line)
        if mark and mark[2] == "begin":
            assert current is None, f"a block opens inside another: {line!r}"
            current = (mark[1], [])
        elif mark:
            assert current is not None and current[0] == mark[1], f"unopened block: {line!r}"
            blocks.append(current)
            current = None
        elif current is not None:
            current[1].append(line.strip())
    assert current is None, f"block for {current[0] if current else ''} never closed"
    return blocks


def repeats(block: list[str], named: str) -> bool:
    """Whether the block's lines stand in the named query's text, consecutive and in order."""
    lines = [line.strip() for line in named.splitlines()]
    return any(lines[i : i + len(block)] == block for i in range(len(lines) - len(block) + 1))


MARKED = sorted(p for p in INTERNAL.glob("*.rq") if shared_blocks(p.read_text(encoding="utf-8")))


def test_the_repeating_queries_are_marked() -> None:
    """The two internal queries that repeat a named query's text are both marked (so neither
    can drift unseen)."""
    assert {p.stem for p in MARKED} >= {
        "gaps-aichi-links",
        "gaps-colead-areas",
        "gaps-rio20-followup",
        "gaps-rio20-unfollowed",
    }


@pytest.mark.parametrize("path", MARKED, ids=lambda p: p.stem)
def test_a_shared_block_is_the_named_querys_text(path: Path) -> None:
    for name, block in shared_blocks(path.read_text(encoding="utf-8")):
        named = (ROOT / "queries" / f"{name}.rq").read_text(encoding="utf-8")
        assert block, f"{path.name}: an empty block shared with {name}"
        assert repeats(block, named), f"{path.name} no longer repeats {name}.rq: {block}"


def test_a_drifted_block_is_caught() -> None:
    """The check fails on a one-word change, on either side."""
    path = INTERNAL / "gaps-aichi-links.rq"
    (name, block), *_ = shared_blocks(path.read_text(encoding="utf-8"))
    named = (ROOT / "queries" / f"{name}.rq").read_text(encoding="utf-8")
    assert repeats(block, named)
    changed = [line.replace("SELECT DISTINCT", "SELECT", 1) for line in block]
    assert changed != block and not repeats(changed, named)
    assert not repeats(block, named.replace("SELECT DISTINCT ?target ?supporter", "SELECT ?x", 1))
    with pytest.raises(AssertionError, match="never closed"):
        shared_blocks("# shared with aichi-supporters: begin\nx\n")
