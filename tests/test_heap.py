"""Freed heap given back where a phase ends (emg_kg/heap.py): glibc's trim runs here (this
machine's libc is glibc) and gives memory back; a user's own trimming settings are left alone;
and each phase gives back once: a load into memory, one query, the queries read together (once
for all of them, on threads or not), the gap report, a view."""

from __future__ import annotations

import platform
from typing import Any

import pyoxigraph as ox
import pytest

from emg_kg import heap
from emg_kg.analysis.bounded import view_of
from emg_kg.analysis.gaps import compute
from emg_kg.data.diskstore import load_memory
from emg_kg.query.engines import OxigraphEngine
from emg_kg.query.registry import get_query, internal_query
from emg_kg.query.run import run
from emg_kg.query.together import at_most, run_all

GLIBC = platform.libc_ver()[0] == "glibc"


@pytest.fixture(autouse=True)
def _untuned(monkeypatch: pytest.MonkeyPatch) -> None:
    """No trimming setting of the user's in the tests' environment unless a test sets one."""
    monkeypatch.delenv("MALLOC_TRIM_THRESHOLD_", raising=False)
    monkeypatch.delenv("GLIBC_TUNABLES", raising=False)


def _ended(work: Any) -> int:
    """How many phase ends ``work()`` gave back at."""
    before = heap.phases_ended()
    work()
    return heap.phases_ended() - before


@pytest.mark.skipif(not GLIBC, reason="malloc_trim is glibc's")
def test_freed_heap_in_holes_is_given_back() -> None:
    # blocks past pymalloc's 512 bytes come from glibc's heap; every other one freed leaves
    # holes below the blocks still held, which only a trim gives back
    blocks = [bytes(4096) for _ in range(20_000)]
    del blocks[::2]
    assert heap.give_back() is True
    assert len(blocks) == 10_000


@pytest.mark.parametrize(
    "name, value",
    [
        ("MALLOC_TRIM_THRESHOLD_", "131072"),
        ("GLIBC_TUNABLES", "glibc.malloc.arena_max=2:glibc.malloc.trim_threshold=131072"),
    ],
)
def test_a_users_trimming_setting_is_left_to_them(
    name: str, value: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(name, value)
    blocks = [bytes(4096) for _ in range(20_000)]
    del blocks[::2]
    assert heap.user_tuned()
    assert _ended(lambda: heap.give_back() is False) == 1  # a phase end all the same


def test_other_tunables_are_not_a_trimming_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GLIBC_TUNABLES", "glibc.malloc.arena_max=2")
    assert not heap.user_tuned()


def test_one_query_ends_one_phase(store: ox.Store, layout: Any) -> None:
    query, engine = get_query(layout, "aichi-targets"), OxigraphEngine(store)
    assert _ended(lambda: run(engine, query, {"lang": "en"})) == 1
    assert _ended(lambda: run(engine, query, {"lang": "en"}, phase_end=False)) == 0


@pytest.mark.parametrize("threads", [1, 2])
def test_queries_read_together_end_one_phase(store: ox.Store, layout: Any, threads: int) -> None:
    calls: list[Any] = [
        (internal_query("catalog-types"), {}),
        (get_query(layout, "aichi-targets"), {"lang": "en"}),
        (internal_query("gaps-names"), {"lang": "en"}),
    ]
    with at_most(threads):
        found: list[Any] = []
        assert _ended(lambda: found.extend(run_all(store, calls))) == 1
    assert len(found) == 3 and all(r.rows for r in found)


def test_the_gap_report_ends_one_phase(store: ox.Store, layout: Any) -> None:
    found: list[Any] = []
    assert _ended(lambda: found.append(compute(OxigraphEngine(store), layout))) == 1
    assert found[0].targets


def test_a_load_into_memory_and_a_view_each_end_one_phase(corpus_of: Any) -> None:
    loaded: list[Any] = []
    assert _ended(lambda: loaded.append(load_memory([corpus_of(2)]))) == 1
    store = loaded[0]
    assert len(store) > 0
    drawn: list[Any] = []
    assert _ended(lambda: drawn.append(view_of(store, "matrix"))) == 1
    assert drawn[0].number_of_edges() > 0
