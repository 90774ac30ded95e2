"""The answer cache of `emg-kg serve`: the served graph is a snapshot, so an answer can be kept.

The server's graph never changes while it runs (a private snapshot of the built data, or a
persistent store opened read-only), so the same query, with the same parameters, dataset,
format and limits, always gets the same bytes: many public endpoints keep such answers for that
reason. Since issue 9's BIP data the named queries over the Aichi targets and the whole-graph
``entity-evidence`` take 0.2-0.9 s each in the engine (docs/benchmarks-server.md), and a mix of
16 clients asking them again and again kept both CPUs busy re-computing answers they had just
sent; kept here, a repeated query costs a dictionary look-up and never reaches the pool.

Bounded by bytes (:class:`~emg_kg.lru.SizedLRU`, ``--result-cache``, 0 turns it off), least
recently used first out. Only answers that depend on nothing but the text are kept: 200s, and
the refusals 403 (update, SERVICE), 406 (no format fits) and 422 (over a limit); never a 503 or
a failure, which may go another way next time. With ``--endpoint`` the server keeps no
answers: someone else may change that graph.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Hashable
from typing import Any

from emg_kg.lru import SizedLRU
from emg_kg.web.jobs import Job, Reply

__all__ = ["Answers", "KEPT", "job_key"]

#: statuses whose answer depends only on the request (and the fixed graph)
KEPT = frozenset({200, 403, 406, 422})


def _frozen(value: Any) -> Hashable:
    """``value`` as a hashable: a dict as its sorted items, a list as a tuple, deeply."""
    if isinstance(value, dict):
        return tuple(sorted((key, _frozen(item)) for key, item in value.items()))
    if isinstance(value, list | tuple):
        return tuple(_frozen(item) for item in value)
    return value


def job_key(job: Job) -> Hashable:
    """Everything a worker's answer depends on: every field of the :class:`Job`, by name, so a
    field added to the job is in the key without anyone remembering it (``?report=`` once was
    not, and an answer for every report was served for one).

    >>> job_key(Job(params={"b": "2", "a": "1"})) == job_key(Job(params={"a": "1", "b": "2"}))
    True
    """
    return tuple((f.name, _frozen(getattr(job, f.name))) for f in dataclasses.fields(job))


class Answers:
    """A byte-bounded cache of replies; thread-safe."""

    def __init__(self, max_bytes: int) -> None:
        # the value carries the query text too, so a long text counts against the limit
        self.cache: SizedLRU[tuple[bytes, str, Reply]] = SizedLRU(max_bytes)
        self._lock = threading.Lock()
        self.counts = {"hits": 0, "misses": 0}

    def _count(self, key: str) -> None:
        with self._lock:
            self.counts[key] += 1

    def get_or_run(self, job: Job, run: Callable[[], Reply]) -> Reply:
        """The kept answer to ``job``, or ``run()``'s (kept when it may be).

        Two clients asking the same new query at once both run it: making the second wait
        for the first would let one client hold server threads past its per-client limits."""
        if self.cache.max_bytes <= 0:
            return run()
        key = job_key(job)
        found = self.cache.get(key)
        if found is not None:
            self._count("hits")
            return dataclasses.replace(found[2], seconds=0.0)
        self._count("misses")
        reply = run()
        if reply.status in KEPT:
            self.cache.put(key, (reply.body, job.text, reply))
        return reply

    def status(self) -> dict[str, Any]:
        """For /status: hits, misses, and how full the cache is."""
        with self._lock:
            counts = dict(self.counts)
        return {
            **counts,
            "kept": len(self.cache),
            "bytes": self.cache.size,
            "limit": self.cache.max_bytes,
        }
