"""What the row comparisons share (bench/query_rows.py: old text against new; bench/corpus_rows.py:
Virtuoso against memory): which named queries run, with which parameters, on which corpus,
and an answer's rows as the JSON values both compare.

Not a command: the two scripts import it (the script's own folder is on ``sys.path``).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def named_queries(names: str) -> Iterator[tuple[str, Any]]:
    """(name, query) of every named query in ``names``, comma-separated (every one when
    empty), by name."""
    from emg_kg.paths import default_layout
    from emg_kg.query.registry import load_queries

    chosen = set(filter(None, names.split(",")))
    for name, query in sorted(load_queries(default_layout()).items()):
        if not chosen or name in chosen:
            yield name, query


def example_params(query: Any, given: Iterable[str] = ()) -> dict[str, str]:
    """The query's example parameters, replaced by ``given`` NAME=VALUE items it declares."""
    params = {p.name: p.example for p in query.params if p.example}
    pairs = dict(item.partition("=")[::2] for item in given)
    params.update({k: v for k, v in pairs.items() if k in query.param_names})
    return params


def corpus_file(path: Path) -> Any:
    """The corpus as the file `emg-kg load` takes: N-Quads, graphs as given."""
    import pyoxigraph as ox

    from emg_kg.data.bulk import RdfFile

    return RdfFile(path, ox.RdfFormat.N_QUADS, None)


def in_memory(path: Path) -> Any:
    """The in-memory store `emg-kg load` makes of the corpus (stored set-union default graph)."""
    from emg_kg.data.diskstore import load_memory

    return load_memory([corpus_file(path)])


def bindings(result: Any) -> tuple[list[str], list[list[dict[str, str] | None]]]:
    """The answer's variables and rows, in order: each row the SPARQL JSON binding of each
    variable (None where unbound), as `emg-kg query --format json` writes it."""
    from emg_kg.query.results import render

    answer = json.loads(render(result, "json"))
    names = answer["head"]["vars"]
    return names, [[b.get(n) for n in names] for b in answer["results"]["bindings"]]


def dumps(value: Any) -> str:
    """One value as compared and printed: JSON, non-ASCII text as it is."""
    return json.dumps(value, ensure_ascii=False)
