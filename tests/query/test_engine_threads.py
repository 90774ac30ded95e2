"""A failing answer is not dropped on another thread (query/engines.py ``collect``).

pyoxigraph's results may only be dropped on the thread that made them. A query that fails while
its rows are read (a ``SERVICE`` that cannot be reached) used to leave the result in
``OxigraphEngine.execute``'s frame, which the error's traceback keeps: a caller that freed the
error on another thread (a server's event loop) leaked it with "PyQuerySolutions is unsendable,
but is being dropped on another thread".
"""

from __future__ import annotations

import socket
import sys
import threading
from typing import Any

import pyoxigraph as ox
import pytest

from emg_kg.errors import QueryError, TooManyRows
from emg_kg.query.engines import OxigraphEngine, collect, paused_gc


def _closed_port() -> int:
    """A loopback port nothing listens on: a connection is refused at once, offline."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_a_query_failing_while_read_is_not_dropped_on_another_thread(
    store: ox.Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    unraisable: list[Any] = []
    monkeypatch.setattr(sys, "unraisablehook", unraisable.append)
    text = (
        "SELECT * WHERE { GRAPH ?g { ?s ?p ?o } "
        f"SERVICE <http://127.0.0.1:{_closed_port()}/sparql> {{ ?s ?p ?o }} }}"
    )
    kept: list[BaseException] = []
    try:
        OxigraphEngine(store).execute(text, "the query", {})
    except QueryError as err:  # kept, as a caller may keep it
        kept.append(err)
    assert kept and "the query: the query failed" in str(kept[0])
    other = threading.Thread(target=kept.clear)  # the error freed on another thread
    other.start()
    other.join()
    assert [str(u.exc_value) for u in unraisable] == []


def test_collect_stops_at_the_limit_and_says_so(store: ox.Store) -> None:
    answer = store.query("SELECT ?s WHERE { GRAPH ?g { ?s ?p ?o } }")
    with pytest.raises(TooManyRows, match="more than 3 rows"):
        collect(answer, 3)
    del answer
    three = collect(store.query("SELECT ?s WHERE { GRAPH ?g { ?s ?p ?o } } LIMIT 3"), 3)
    assert three.kind == "select" and len(three.rows) == 3
    asked = collect(store.query("ASK { GRAPH ?g { ?s ?p ?o } }"))
    assert asked.kind == "ask" and asked.boolean is True


def test_collect_leaves_the_garbage_collector_as_it_found_it(store: ox.Store) -> None:
    """Paused while the rows are read (speed), on again after, even when the read fails."""
    import gc

    assert gc.isenabled()
    assert len(collect(store.query("SELECT ?s WHERE { GRAPH ?g { ?s ?p ?o } }")).rows) > 3
    assert gc.isenabled()
    with pytest.raises(TooManyRows):
        collect(store.query("SELECT ?s WHERE { GRAPH ?g { ?s ?p ?o } }"), 3)
    assert gc.isenabled()
    gc.disable()
    try:
        collect(store.query("SELECT ?s WHERE { GRAPH ?g { ?s ?p ?o } } LIMIT 3"))
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_overlapping_pauses_on_threads_keep_the_collector_off_until_the_last_leaves() -> None:
    """The collector's flag is the whole process's: a thread leaving its pause while another
    is still inside must not switch it back on, and the last one out must."""
    import gc

    inside, leave = threading.Event(), threading.Event()

    def second() -> None:
        with paused_gc():
            inside.set()
            leave.wait(10)

    other = threading.Thread(target=second)
    assert gc.isenabled()
    with paused_gc():
        other.start()
        assert inside.wait(10)
    try:
        assert not gc.isenabled()  # the other thread is still reading its rows
    finally:
        leave.set()
        other.join()
    assert gc.isenabled()


def test_many_threads_in_and_out_of_the_pause_leave_the_collector_on() -> None:
    """Eight threads entering and leaving their pauses as fast as they can, switching threads
    as often as Python allows: a pause that saved the flag on its own saw "off" from another
    and left the collector off for good, in most runs in the first round."""
    import gc

    def busy() -> None:
        for _ in range(2000):
            with paused_gc():
                pass

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        for _ in range(10):  # rounds, until one leaves the collector off
            threads = [threading.Thread(target=busy) for _ in range(8)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            if not gc.isenabled():
                break
    finally:
        sys.setswitchinterval(interval)
        enabled = gc.isenabled()
        gc.enable()
    assert enabled
