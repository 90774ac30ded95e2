"""The same corpus on three engines: every named query answers the same rows.

A small corpus from bench/corpus.py (the shipped dataset and two copies as further reports:
three reports, every report-owned IRI renamed, shared entities restated in every copy) is
loaded the way `emg-kg load` does into the in-memory engine for big inputs (the stored
set-union default graph), a persistent store (`--store`) and a private Virtuoso
(`--endpoint`, its own server so the shipped-data comparison in test_engines.py is not
disturbed). Every named query with its example parameters must give the in-memory engine's
rows on the others. Rows are compared as multisets: rows tied on every ORDER BY key come in
the store's internal order, which differs between engines. Where Virtuoso 7.2's dialect
differs, the difference is the documented one (docs/engines.md) and nothing more.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from emg_kg.data.bulk import RdfFile
from emg_kg.data.diskstore import load_memory, load_store_dir, open_store_dir
from emg_kg.errors import QueryError
from emg_kg.paths import Layout
from emg_kg.query.engines import Engine, OxigraphEngine
from emg_kg.query.loader import load_endpoint
from emg_kg.query.registry import get_query, internal_query
from emg_kg.query.remote import RemoteStore
from emg_kg.query.results import Result, render
from emg_kg.query.run import run

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from virtuoso import credentials, running  # noqa: E402  (tests/virtuoso.py)

ROOT = Path(__file__).resolve().parents[2]
NAMES = sorted(p.stem for p in (ROOT / "queries").glob("*.rq"))
REPORTS = 3
#: Named queries with no rows on the shipped data either (every Rio+20 paragraph is followed).
EMPTY = {"rio20-unfollowed"}


@pytest.fixture(scope="module")
def corpus(corpus_of: Any) -> RdfFile:
    return corpus_of(REPORTS)  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def memory(corpus: RdfFile) -> Engine:
    return OxigraphEngine(load_memory([corpus]))


@pytest.fixture(scope="module")
def disk(corpus: RdfFile, tmp_path_factory: pytest.TempPathFactory) -> Engine:
    target = tmp_path_factory.mktemp("corpus-store") / "store"
    load_store_dir(target, [corpus], None)
    return OxigraphEngine(open_store_dir(target, None))


@pytest.fixture(scope="module")
def virtuoso_corpus(corpus: RdfFile, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    with running(tmp_path_factory.mktemp("virtuoso-corpus")) as server:
        with credentials(server):
            load_endpoint(server.url, server.graph_store, [corpus], lambda _m: None)
        yield OxigraphEngine(RemoteStore(server.url))


def _rows(result: Result) -> list[str]:
    """The answer's rows as a sorted list (each row one JSON array of its terms)."""
    answer = json.loads(render(result, "json"))
    names = answer["head"]["vars"]
    rows = [[b.get(n) for n in names] for b in answer["results"]["bindings"]]
    return sorted(json.dumps(r, ensure_ascii=False) for r in rows)


def _run(engine: Engine, layout: Layout, name: str) -> Result:
    query = get_query(layout, name)
    return run(engine, query, {p.name: p.example for p in query.params if p.example})


def test_a_large_graph_is_sent_in_pieces_of_whole_lines() -> None:
    """Virtuoso drops a digest-authenticated request of megabytes (batches.CHUNK): a graph is
    sent in pieces cut at line ends; a graph with blank nodes goes whole."""
    from emg_kg.query.batches import CHUNK, Payload, pieces

    line = b"<urn:s> <urn:p> " + b'"' + b"x" * 1000 + b'" .\n'
    body = line * (3 * CHUNK // len(line))
    parts = pieces(body, CHUNK)
    assert len(parts) == 4 and b"".join(parts) == body
    assert all(p.endswith(b"\n") and len(p) <= CHUNK for p in parts)
    assert Payload("urn:g", body + b"_:b <urn:p> _:c .\n", "").blank
    assert not Payload("urn:g", body, "").blank
    assert pieces(b"", CHUNK) == [b""]


def test_the_corpus_holds_several_reports(memory: Engine) -> None:
    text = (
        "SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } "
        "FILTER(STRSTARTS(STR(?g), 'https://w3id.org/emg-kg/id/graph/report')) }"
    )
    (row,) = memory.execute(text, "count", {}).rows
    assert int(row[0].value) == REPORTS  # type: ignore[union-attr]


@pytest.mark.parametrize("name", NAMES)
def test_the_disk_store_answers_the_corpus_as_memory(
    name: str, layout: Layout, memory: Engine, disk: Engine
) -> None:
    expected = _rows(_run(memory, layout, name))
    assert expected or name in EMPTY, f"{name}: no rows on the corpus"
    assert _rows(_run(disk, layout, name)) == expected


@pytest.mark.parametrize("name", NAMES)
def test_virtuoso_answers_the_corpus_as_memory(
    name: str, layout: Layout, memory: Engine, virtuoso_corpus: Engine
) -> None:
    expected = _rows(_run(memory, layout, name))
    if name == "aichi-matrix":  # docs/engines.md: Virtuoso 7.2's SQL compiler gives up
        with pytest.raises(QueryError, match="SQ156"):
            _run(virtuoso_corpus, layout, name)
        return
    assert _rows(_run(virtuoso_corpus, layout, name)) == expected


#: The gap report's own texts (queries/internal/gaps-*.rq), which it reads instead of some
#: named queries: they must answer the corpus alike on every engine too.
GAP_TEXTS = sorted(p.stem for p in (ROOT / "queries" / "internal").glob("gaps-*.rq"))


@pytest.mark.parametrize("name", GAP_TEXTS)
def test_the_gap_reports_own_texts_answer_the_corpus_alike(
    name: str, layout: Layout, memory: Engine, disk: Engine, virtuoso_corpus: Engine
) -> None:
    query = internal_query(name, layout)
    expected = _rows(run(memory, query, {}))
    assert expected or name == "gaps-rio20-unfollowed", f"{name}: no rows on the corpus"
    assert _rows(run(disk, query, {})) == expected
    assert _rows(run(virtuoso_corpus, query, {})) == expected
