"""A pyoxigraph result is dropped on the thread that made it (web/sparql.py).

pyoxigraph's results may only be dropped on their own thread; one dropped on another is leaked
with "PyQuerySolutions is unsendable, but is being dropped on another thread". An answer stopped
at ``--max-rows`` used to stay in the frame that the error's traceback keeps, so whoever freed
the error on another thread (a caller keeping it, the garbage collector run by a server thread
while a test held it) dropped the result there.
"""

from __future__ import annotations

import sys
import threading
from typing import Any

import pyoxigraph as ox
import pytest

from emg_kg.paths import Layout
from emg_kg.web import sparql
from emg_kg.web.jobs import Job


def test_a_result_stopped_at_max_rows_is_not_dropped_on_another_thread(
    store: ox.Store, layout: Layout, monkeypatch: pytest.MonkeyPatch
) -> None:
    unraisable: list[Any] = []
    monkeypatch.setattr(sys, "unraisablehook", unraisable.append)
    kept: list[BaseException] = []
    try:
        sparql._rows(store, Job(text="SELECT * WHERE { ?s ?p ?o }", max_rows=1), layout)
    except Exception as err:  # kept, as a caller may keep it
        kept.append(err)
    assert "more than 1 rows" in str(kept[0])
    other = threading.Thread(target=kept.clear)  # the error freed on another thread
    other.start()
    other.join()
    assert [str(u.exc_value) for u in unraisable] == []
