"""Several queries read at once on one engine (query/together.py): the same answers as the one
runner gives one after the other, in the order asked, on every engine (the in-memory store, the
persistent store, a real Virtuoso); the first error in that order; a bound on the threads; and
the process-wide state the threads share (the collector's pause, the runner's name caches, the
gate's verdicts) made or kept once."""

from __future__ import annotations

import gc
import sys
import threading
from collections.abc import Callable
from typing import Any

import pyoxigraph as ox
import pytest

from emg_kg.errors import QueryError
from emg_kg.query import gate
from emg_kg.query.engines import Engine, OxigraphEngine, paused_gc
from emg_kg.query.registry import NamedQuery, get_query, internal_query, parse_header
from emg_kg.query.results import Result, Term
from emg_kg.query.run import names, run
from emg_kg.query.together import (
    ENDPOINT_MOST,
    MOST,
    answers,
    at_most,
    few_arenas,
    run_all,
    width,
)


class Watched(OxigraphEngine):
    """Oxigraph's engine, noting which thread ran each query and how many ran at once."""

    def __init__(self, store: Any) -> None:
        super().__init__(store)
        self.lock = threading.Lock()
        self.threads: list[str] = []
        self.ran: list[str] = []
        self.now = self.most = 0

    def execute(self, text: str, where: str, *rest: Any, **kw: Any) -> Result:
        with self.lock:
            self.threads.append(threading.current_thread().name)
            self.ran.append(where)
            self.now += 1
            self.most = max(self.most, self.now)
        try:
            return super().execute(text, where, *rest, **kw)
        finally:
            with self.lock:
                self.now -= 1


def _calls(layout: Any) -> list[tuple[NamedQuery, dict[str, str | Term]]]:
    """Independent queries of the gap report and the catalogue, with their values."""
    return [
        (internal_query("gaps-aichi-links"), {"lang": "en"}),
        (internal_query("catalog-types"), {}),
        (internal_query("gaps-open-mandates"), {"asOf": "2012-12-04", "lang": "zh"}),
        (get_query(layout, "colead-area-gaps"), {"evidence": "stated", "lang": "en"}),
        (internal_query("gaps-names"), {"lang": "en"}),
        (get_query(layout, "aichi-targets"), {"lang": "en"}),
    ]


def _rows(result: Result) -> tuple[list[str], list[str]]:
    """Variables, and rows as text in a fixed order (an endpoint may order unordered rows
    differently from one answer to the next)."""
    return result.variables, sorted(repr(row) for row in result.rows)


@pytest.fixture(params=["memory", "disk", "endpoint"])
def backend(request: pytest.FixtureRequest) -> Any:
    fixture = {"memory": "store", "disk": "disk_store", "endpoint": "endpoint_store"}
    return request.getfixturevalue(fixture[request.param])


def test_the_answers_are_the_runners_in_the_order_asked(backend: Any, layout: Any) -> None:
    calls = _calls(layout)
    alone = [run(OxigraphEngine(backend), query, values) for query, values in calls]
    engine = Watched(backend)
    together = run_all(engine, calls)
    assert [_rows(r) for r in together] == [_rows(r) for r in alone]
    assert all(r.rows for r in together)  # every query answers rows here: nothing vacuous
    threads = width(engine, len(calls))
    assert engine.most <= threads
    if threads == 1:  # a one-core machine: on the caller's own thread, as before
        assert set(engine.threads) == {threading.current_thread().name}
    else:
        assert all(name.startswith("emg-kg-query") for name in engine.threads)
    if engine.name == "endpoint":
        assert engine.most <= ENDPOINT_MOST


def test_the_bound_on_threads(store: ox.Store, monkeypatch: pytest.MonkeyPatch) -> None:
    from emg_kg.query.engines import RdflibEngine
    from emg_kg.query.remote import RemoteStore

    monkeypatch.setattr("os.cpu_count", lambda: 16)
    memory, remote = OxigraphEngine(store), OxigraphEngine(RemoteStore("http://127.0.0.1:9/"))
    assert width(memory, 10) == MOST and width(memory, 3) == 3 and width(memory, 1) == 1
    assert width(remote, 10) == ENDPOINT_MOST
    assert width(RdflibEngine(None), 10) == 1  # type: ignore[arg-type]
    with at_most(3):
        assert width(memory, 10) == 3
        with at_most(5):  # a nested block keeps the smaller bound
            assert width(memory, 10) == 3
        with at_most(1):
            assert width(memory, 10) == 1
    assert width(memory, 10) == MOST
    monkeypatch.setattr("os.cpu_count", lambda: 2)
    assert width(memory, 10) == 2


def test_within_at_most_one_they_run_one_after_the_other_on_the_callers_thread(
    store: ox.Store, layout: Any
) -> None:
    engine = Watched(store)
    with at_most(1):
        run_all(engine, _calls(layout))
    assert engine.most == 1 and set(engine.threads) == {threading.current_thread().name}


def _error(call: Callable[[], object]) -> BaseException:
    with pytest.raises(QueryError) as caught:
        call()
    return caught.value


def test_the_first_error_in_the_order_asked_as_the_runner_raises_it(
    store: ox.Store, layout: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    unraisable: list[Any] = []
    monkeypatch.setattr(sys, "unraisablehook", unraisable.append)
    engine = OxigraphEngine(store)
    service = parse_header(
        "reaches-out", "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }"
    )
    needs = internal_query("page-issued")  # a required parameter, not given
    ok: tuple[NamedQuery, dict[str, str]] = (internal_query("catalog-types"), {})
    for first, second in ((service, needs), (needs, service)):
        alone = _error(lambda first=first: run(engine, first, {}))  # type: ignore[misc]
        found = _error(lambda f=first, s=second: run_all(engine, [ok, (f, {}), ok, (s, {})]))  # type: ignore[misc]
        assert type(found) is type(alone) and str(found) == str(alone)
    assert isinstance(_error(lambda: run(engine, service, {})), gate.RefusedError)
    gc.collect()
    assert not [t for t in threading.enumerate() if t.name.startswith("emg-kg-query")]
    assert [str(u.exc_value) for u in unraisable] == []


def test_closing_the_iterator_early_stops_the_rest(store: ox.Store, layout: Any) -> None:
    engine = Watched(store)
    calls = _calls(layout) * 3
    read = answers(engine, calls)
    assert next(read).rows
    read.close()
    assert len(engine.ran) < len(calls)  # the ones not started were cancelled
    assert not [t for t in threading.enumerate() if t.name.startswith("emg-kg-query")]


def test_the_collectors_pause_is_given_back(store: ox.Store, layout: Any) -> None:
    assert gc.isenabled()
    run_all(OxigraphEngine(store), _calls(layout) * 2)
    assert gc.isenabled() and paused_gc.inside == 0
    gc.disable()
    try:
        run_all(OxigraphEngine(store), _calls(layout))
        assert not gc.isenabled()  # left as it was before
    finally:
        gc.enable()


def test_threads_asking_for_the_name_table_make_it_once(store: ox.Store) -> None:
    engine = Watched(store)
    start = threading.Barrier(4)
    tables: list[object] = []

    def ask() -> None:
        start.wait()
        tables.append(names(engine))

    threads = [threading.Thread(target=ask) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(tables) == 4 and all(t is tables[0] for t in tables)
    assert engine.ran.count("internal/names") == 1


def test_a_text_checked_by_threads_at_once_is_parsed_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    parsed: list[str] = []
    real = gate._parse

    def counted(text: str, *rest: Any) -> Any:
        parsed.append(text)
        return real(text, *rest)

    monkeypatch.setattr(gate, "_parse", counted)
    text = f"SELECT ?s WHERE {{ ?s ?p ?o }} LIMIT {threading.get_ident() % 1000 + 7919}"
    start = threading.Barrier(4)
    verdicts: list[gate.Verdict] = []

    def check() -> None:
        start.wait()
        verdicts.append(gate.check(text, "threads"))

    threads = [threading.Thread(target=check) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert parsed == [text] and len(verdicts) == 4 and all(v == verdicts[0] for v in verdicts)


def test_rdflib_reads_one_after_the_other(rdflib_engine: Engine, layout: Any) -> None:
    calls = _calls(layout)[:2]
    together = run_all(rdflib_engine, calls)
    alone = [run(rdflib_engine, query, values) for query, values in calls]
    assert [_rows(r) for r in together] == [_rows(r) for r in alone]


def test_the_arenas_are_capped_once_before_the_first_threads(
    store: ox.Store, layout: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """glibc's malloc takes the cap (this machine's libc is glibc); a cap the user set in
    ``$MALLOC_ARENA_MAX`` is left as it is."""
    few_arenas.cache_clear()
    monkeypatch.setenv("MALLOC_ARENA_MAX", "4")
    assert few_arenas() is False
    few_arenas.cache_clear()
    monkeypatch.delenv("MALLOC_ARENA_MAX")
    monkeypatch.setattr("os.cpu_count", lambda: 2)  # two threads, so a pool
    assert len(run_all(store, _calls(layout))) == len(_calls(layout))
    assert few_arenas.cache_info().misses == 1  # asked before the pool, once
    assert few_arenas() is True
