"""The text table of a named query's answer: every cell the term as the query writes it, the
lines fitted to the terminal, and the note saying so exactly when a value was cut.

results.table works each distinct term out once and reads the cut from the fitted widths
rather than rendering twice (docs/benchmarks-scale.md, fifth round): these hold it to what a
user sees on the shipped data."""

from __future__ import annotations

import pyoxigraph as ox

from emg_kg.api import Engine, run
from emg_kg.paths import Layout
from emg_kg.prefixes import shorten
from emg_kg.query.registry import get_query
from emg_kg.query.results import Result, display_width, render


def _answer(oxigraph: Engine, layout: Layout, name: str, lang: str = "zh") -> Result:
    return run(oxigraph, get_query(layout, name), {"lang": lang})


def test_each_cell_is_its_term_as_the_query_writes_it(oxigraph: Engine, layout: Layout) -> None:
    result = _answer(oxigraph, layout, "mandates", "en")
    lines = render(result, "table").decode().splitlines()
    assert lines[0].split() == result.variables
    assert len(lines) == len(result.rows) + 3  # header, rule, rows, note
    for line, row in zip(lines[2:], result.rows, strict=False):
        expected = [
            shorten(t.value, result.prefixes) if isinstance(t, ox.NamedNode) else str(t.value)
            for t in row
            if isinstance(t, ox.NamedNode | ox.Literal)
        ]
        at = 0
        for text in expected:  # each cell's text, in order, white space folded
            folded = " ".join(text.split())
            at = line.index(folded, at) + len(folded)
    assert lines[-1] == f"({len(result.rows)} rows)"


def test_a_fitted_table_says_it_cut_only_when_it_did(oxigraph: Engine, layout: Layout) -> None:
    result = _answer(oxigraph, layout, "mandates")
    cut = render(result, "table", 80).decode().splitlines()
    assert max(display_width(line) for line in cut[:-1]) <= 80
    assert "cut to 80 columns" in cut[-1]
    whole = render(result, "table").decode().splitlines()
    widest = max(display_width(line) for line in whole)
    assert widest > 80
    roomy = render(result, "table", widest).decode().splitlines()
    assert roomy[:-1] == whole[:-1] and "cut to" not in roomy[-1]


def test_display_width_counts_wide_characters_twice() -> None:
    assert display_width("UN 环境署 Ｆ") == 3 + 6 + 1 + 2
    assert display_width("…") == 1 and display_width("") == 0
