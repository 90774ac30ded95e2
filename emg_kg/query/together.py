"""Several independent queries read at once on one engine, through the one runner.

The gap report reads ten queries and the web app's catalogue six before it answers, each on its
own: one after the other they kept one core of two busy (4.5 s and 15 s at 2 M quads). pyoxigraph
evaluates a query with Python's lock released for much of the work, so a few threads read a few
queries at once (the report: 3.2 s instead of 4.5-4.9 when the second core is free).
:func:`answers` runs each query through :func:`emg_kg.query.run.run` (nothing else: the same
checks, bindings and rows) on a small pool of threads and gives the answers back in the order
asked; :func:`run_all` is the same as a list.

The bound (:func:`width`): the machine's cores, at most :data:`MOST`; at most
:data:`ENDPOINT_MOST` HTTP requests at once to an endpoint (a user's engine is not flooded); one
thread (the caller's, as before) on rdflib's engine, whose SPARQL parser is not thread-safe, and
within :func:`at_most` (the web server bounds one request by its per-client limit). Errors come
as the runner raises them, in the order asked: the first query that fails raises its own error
(every query after it that has not started is cancelled, every one running is awaited), so a
failure reads the same as when the queries ran one after the other.

Why each engine is safe: an Oxigraph store in memory or on disk (RocksDB, read-only) answers
queries from many threads (its ``query`` is a read on a snapshot), and each answer is read and
dropped on the thread that made it (:func:`emg_kg.query.engines.collect`); an endpoint's store
makes one ``urllib`` request per query (no shared connection); the collector's pause is counted
across threads (:data:`emg_kg.query.engines.paused_gc`); the gate's verdicts and the runner's
name caches are made under a lock, once (:mod:`emg_kg.query.gate`, ``run._cached``).
"""

from __future__ import annotations

import ctypes
import functools
import os
from collections.abc import Generator, Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing, contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING

from emg_kg.heap import give_back
from emg_kg.query.engines import Engine, OxigraphEngine
from emg_kg.query.registry import NamedQuery, internal_query
from emg_kg.query.results import Result, Term
from emg_kg.query.run import engine_of, run

if TYPE_CHECKING:
    from emg_kg.query.engines import StoreLike

__all__ = [
    "MOST",
    "ENDPOINT_MOST",
    "ARENAS",
    "Call",
    "answers",
    "at_most",
    "few_arenas",
    "run_all",
    "width",
]

#: Queries read at once on one engine, at most (and never more than the machine's cores).
MOST = 4
#: HTTP requests at once to one SPARQL endpoint, at most.
ENDPOINT_MOST = 2

#: glibc's malloc arenas the process may make, at most, once queries are read on threads (see
#: :func:`few_arenas`).
ARENAS = 2
_M_ARENA_MAX = -8  # mallopt's parameter number, glibc's malloc.h

#: A query (or the name of one of the code's own, ``queries/internal/NAME.rq``) and its values.
Call = tuple[NamedQuery | str, Mapping[str, str | Term]]

_LIMIT: ContextVar[int | None] = ContextVar("emg_kg_query_threads", default=None)


@contextmanager
def at_most(threads: int) -> Iterator[None]:
    """Within the block (on this thread), :func:`answers` reads at most ``threads`` queries at
    once (at least one); nested blocks keep the smaller bound."""
    outer = _LIMIT.get()
    bound = max(1, threads) if outer is None else min(outer, max(1, threads))
    token = _LIMIT.set(bound)
    try:
        yield
    finally:
        _LIMIT.reset(token)


def width(engine: Engine, asked: int) -> int:
    """How many of ``asked`` queries :func:`answers` reads at once on ``engine`` (see the
    module): 1 means one after the other on the caller's own thread."""
    if not isinstance(engine, OxigraphEngine):
        return 1
    most = min(os.cpu_count() or 1, MOST)
    if engine.name == "endpoint":
        most = min(most, ENDPOINT_MOST)
    limit = _LIMIT.get()
    if limit is not None:
        most = min(most, limit)
    return max(1, min(most, asked))


def answers(source: Engine | StoreLike, calls: Iterable[Call]) -> Generator[Result, None, None]:
    """Each call's :class:`~emg_kg.query.results.Result` from :func:`~emg_kg.query.run.run`,
    in the order asked, the queries read up to :func:`width` at once; the caller may work on
    one answer while the next ones are read. Close the iterator (or read it to the end) to
    stop: the queries not yet started are then cancelled and the running ones awaited."""
    engine = engine_of(source)
    jobs = [(internal_query(q) if isinstance(q, str) else q, dict(p)) for q, p in calls]
    threads = width(engine, len(jobs))
    if threads <= 1:
        try:
            for query, params in jobs:
                yield run(engine, query, params, phase_end=False)
        finally:
            give_back()
        return
    few_arenas()
    pool = ThreadPoolExecutor(threads, thread_name_prefix="emg-kg-query")
    try:
        futures = [
            pool.submit(run, engine, query, params, phase_end=False) for query, params in jobs
        ]
        for future in futures:
            yield future.result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        give_back()  # once, when every query is read (emg_kg.heap)


def run_all(source: Engine | StoreLike, calls: Iterable[Call]) -> list[Result]:
    """Every call's answer (:func:`answers`), in the order asked."""
    with closing(answers(source, calls)) as found:
        return list(found)


@functools.cache
def few_arenas() -> bool:
    """Cap glibc's malloc arenas at :data:`ARENAS` (``mallopt(M_ARENA_MAX)``) before the first
    threads read queries, unless ``$MALLOC_ARENA_MAX`` already says; True when capped here.

    glibc gives a thread that meets a busy allocator an arena of its own (up to eight per
    core), and memory one arena frees is not reused by another: at 2 M quads in memory, the
    gap report read on threads after the named queries raised the process's peak by 215 MiB
    (1,714 MiB against 1,499); with two arenas by 46 MiB, and the report took 1.7 s, not 1.4.
    One arena kept the peak flat but made the threads wait on one lock (3.7 s, slower than one
    after the other). Elsewhere than glibc there is no ``mallopt``, and nothing is done."""
    if "MALLOC_ARENA_MAX" in os.environ:
        return False
    mallopt = getattr(ctypes.CDLL(None), "mallopt", None)
    return bool(mallopt and mallopt(_M_ARENA_MAX, ARENAS) == 1)
