"""Query workers that can be stopped: each SPARQL query runs in a child process.

pyoxigraph cannot cancel a running query, so the server never runs a client's query in its own
process. A :class:`QueryPool` keeps a few worker processes (:mod:`emg_kg.web.worker`: what a
worker is, how it starts, what it reads), each with its own view of the graph. A query that
overruns the time limit has its worker killed (SIGKILL) and replaced in the background, so one
bad query costs one respawn, not a hung thread. This module is the sharing: who gets a worker.

Fairness (issue 8): a client (a peer address) may have only ``per_client`` queries running; at
most ``max_queue`` wait (``client_queue`` per client), and the rest get a 503 with Retry-After.
``reserved`` extra workers are kept for quick queries: a client with nothing running may use
one, but only for ``quick`` seconds; a query that overruns there is moved to a general worker
(the reserved one is replaced, or, when no other is demoted, the query goes on there, reniced,
while a new reserved worker starts), so two slow clients cannot make ``ASK {}`` wait; and a query
still running after ``nice_after`` seconds (1) on a general worker has that worker reniced (it
yields the CPU to quick queries; once it answers it is set back, or replaced where that needs
privileges the server lacks).
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from emg_kg.web.jobs import Job, Reply
from emg_kg.web.worker import WORKER_MEMORY, Worker, renice, rss_kb

__all__ = ["Job", "Reply", "Limits", "QueryPool", "rss_kb"]


@dataclass
class _Slot:
    """A request waiting for a worker (or holding one once ``ready`` is set)."""

    client: str
    quick_ok: bool = True  # may it take a reserved worker?
    ready: threading.Event = field(default_factory=threading.Event)
    worker: Worker | None = None


@dataclass
class Limits:
    """How the pool shares its workers (see the module docstring and ``emg-kg serve --help``)."""

    timeout: float = 10.0  # seconds a query may run before its worker is killed
    queue_wait: float = 30.0  # seconds a request may wait for a worker before a 503
    reserved: int = 0  # extra workers kept for quick queries (the server: --reserved-workers)
    quick: float = 3.0  # seconds a query may run on a reserved worker before it moves
    nice_after: float = 1.0  # seconds after which a general worker's query is reniced
    per_client: int = 2  # queries one client may have running at once
    client_queue: int = 8  # queries one client may have waiting
    max_queue: int = 64  # queries waiting in all


class QueryPool:
    """``size`` general query workers plus ``limits.reserved`` ones; :meth:`run` is safe from
    many threads and answers a :class:`Reply` whatever happens (503 + Retry-After when busy).

    ``timeout`` and ``queue_wait`` are shorthands for a :class:`Limits` with the other fields at
    their defaults; ``keep_fds`` are descriptors the workers inherit (the server's unlinked
    snapshot).
    """

    def __init__(
        self,
        source: Path | str,
        root: Path,
        size: int = 2,
        timeout: float = 10.0,
        queue_wait: float = 30.0,
        memory: int = WORKER_MEMORY,
        *,
        limits: Limits | None = None,
        keep_fds: tuple[int, ...] = (),
    ) -> None:
        # a Path is an N-Quads file; a str a worker source spec (emg_kg.web.worker)
        self.source = f"nquads:{source}" if isinstance(source, Path) else source
        self.root, self.size = root, max(1, size)
        self.limits = limits or Limits(timeout=timeout, queue_wait=queue_wait)
        self.timeout = self.limits.timeout
        self.memory, self.keep_fds = memory, keep_fds
        self._idle: dict[str, list[Worker]] = {"general": [], "reserved": []}
        self._waiting: deque[_Slot] = deque()  # requests waiting for a worker, oldest first
        self._running: Counter[str] = Counter()  # client -> queries running
        self._all: set[Worker] = set()
        self._lock = threading.Lock()
        self._closed = False
        self.counts = {
            "queries": 0,
            "timeouts": 0,
            "respawns": 0,
            "errors": 0,
            "busy": 0,
            "moved": 0,  # overran on a reserved worker, moved to a general one
            "demoted": 0,  # overran on a reserved worker, went on there (a new one replaced it)
        }
        self._demoted = 0  # demoted workers still running their query
        lanes = ["general"] * self.size + ["reserved"] * max(0, self.limits.reserved)
        workers = [self._spawn(lane) for lane in lanes]
        for worker in workers:
            if not worker.wait_ready(60):
                self.close()
                raise RuntimeError("a query worker did not start (see its error output above)")
            self._release(worker)

    @property
    def retry_after(self) -> int:
        return max(1, round(self.timeout))

    def _spawn(self, lane: str) -> Worker:
        worker = Worker(self.source, self.root, self.memory, lane, self.keep_fds)
        with self._lock:
            self._all.add(worker)
        return worker

    def _retire(self, worker: Worker) -> None:
        """Kill ``worker`` and start another in its lane (a demoted one is not replaced: its
        lane got a new worker when it was demoted)."""
        worker.kill()
        with self._lock:
            self._all.discard(worker)
            self.counts["respawns"] += 1
        if not self._closed and worker.lane != "demoted":
            threading.Thread(target=self._replace, args=(worker.lane,), daemon=True).start()

    def _replace(self, lane: str) -> None:
        """Start a worker in place of a killed one; retry (with a pause) until one starts."""
        for attempt in range(10):
            worker = self._spawn(lane)
            ok = worker.wait_ready(60)
            if ok and not self._closed:
                self._release(worker)
                return
            worker.kill()
            with self._lock:
                self._all.discard(worker)
            if self._closed:
                return
            print(
                f"emg-kg: a query worker failed to start (attempt {attempt + 1})", file=sys.stderr
            )
            time.sleep(min(30.0, 2.0**attempt))

    def _dispatch(self) -> None:
        """Hand idle workers to waiting requests, oldest first, skipping a client that is at
        its limit; a reserved worker only to a client with nothing running. Under the lock."""
        general, reserved = self._idle["general"], self._idle["reserved"]
        i = 0
        while i < len(self._waiting) and (general or reserved):
            slot = self._waiting[i]
            running = self._running[slot.client]
            if running < self.limits.per_client and general:
                worker = general.pop()
            elif running == 0 and slot.quick_ok and reserved:
                worker = reserved.pop()
            else:
                i += 1
                continue
            del self._waiting[i]
            self._running[slot.client] += 1
            slot.worker = worker
            slot.ready.set()

    def _release(self, worker: Worker) -> None:
        with self._lock:
            self._idle[worker.lane].append(worker)
            self._dispatch()

    def _done(self, client: str) -> None:
        with self._lock:
            self._running[client] -= 1
            if self._running[client] <= 0:
                del self._running[client]
            self._dispatch()  # a request of this client may have been waiting for its turn

    def _count(self, key: str) -> None:
        with self._lock:
            self.counts[key] += 1

    def _busy(self, why: str) -> Reply:
        self._count("busy")
        return Reply.error(503, f"{why}; try again in a moment", self.retry_after)

    def _enqueue(self, slot: _Slot, front: bool = False) -> Reply | None:
        with self._lock:
            if self._closed:
                return Reply.error(503, "the server is shutting down")
            mine = sum(1 for s in self._waiting if s.client == slot.client)
            if not front and len(self._waiting) >= self.limits.max_queue:
                too_many = f"{len(self._waiting)} queries are already waiting"
            elif not front and mine >= self.limits.client_queue:
                too_many = f"you already have {mine} queries waiting"
            else:
                (self._waiting.appendleft if front else self._waiting.append)(slot)
                self._dispatch()
                return None
        return self._busy(too_many)

    def _wait(self, slot: _Slot) -> Worker | None:
        if slot.ready.wait(self.limits.queue_wait):
            return slot.worker
        with self._lock:
            if slot.worker is None:
                self._waiting.remove(slot)
            return slot.worker  # it may have been handed one just now

    def run(self, job: Job, client: str = "") -> Reply:
        """Run one job for ``client`` (its address); a 503 when it overruns or waits too long."""
        slot = _Slot(client)
        refused = self._enqueue(slot)
        if refused is not None:
            return refused
        while True:
            worker = self._wait(slot)
            if worker is None:
                if self._closed:
                    return Reply.error(503, "the server is shutting down")
                return self._busy(f"no query worker was free for {self.limits.queue_wait:g} s")
            try:
                reply = self._exchange(worker, job)
            finally:
                self._done(client)
            if reply is not None:
                return reply
            if worker.lane != "reserved":  # general, or demoted: past the time limit
                break
            self._count("moved")  # overran its quick turn: go on, on a general worker
            slot = _Slot(client, quick_ok=False)
            refused = self._enqueue(slot, front=True)
            if refused is not None:
                return refused
        self._count("timeouts")
        return Reply.error(
            503,
            f"query stopped: it ran longer than the time limit of "
            f"{self.timeout:g} s (the server's --timeout); its worker was "
            "replaced. Narrow the query or add a LIMIT.",
        )

    def _exchange(self, worker: Worker, job: Job) -> Reply | None:
        """Send ``job`` to ``worker`` and wait for its reply; None when it overran (the
        worker is then retired)."""
        self._count("queries")
        general = worker.lane == "general"
        first = min(self.limits.nice_after if general else self.limits.quick, self.timeout)
        niced = demoted = False
        try:
            worker.send_conn.send(job)
            answered = worker.conn.poll(first)
            if not answered and not general:
                demoted = self._demote(worker)  # go on here; the lane gets a fresh worker
            if not answered and (general or demoted):
                niced = renice(worker, 10)  # a slow query yields the CPU to quick ones
                answered = worker.conn.poll(self.timeout - first)
            if answered:
                reply: Reply = worker.conn.recv()
                if demoted or (niced and not renice(worker, 0)):
                    self._retire(worker)
                else:
                    self._release(worker)
                if reply.status >= 500:
                    self._count("errors")
                return reply
        except (EOFError, OSError):
            if self._closed:  # close() killed it under us
                return Reply.error(503, "the server is shutting down", self.retry_after)
            self._count("errors")
            self._retire(worker)
            return Reply.error(500, "the query worker died (out of memory?); it was replaced")
        finally:
            if demoted:
                with self._lock:
                    self._demoted -= 1
        self._retire(worker)
        return None

    def _demote(self, worker: Worker) -> bool:
        """Let a reserved worker whose query overran its quick turn go on as a general one
        (reniced), and start a new reserved worker: the work is not lost, the lane stays
        open. At most ``reserved`` such workers at once; past that the query is moved."""
        with self._lock:
            if self._closed or self._demoted >= max(1, self.limits.reserved):
                return False
            self._demoted += 1
            self.counts["demoted"] += 1
            worker.lane = "demoted"
        threading.Thread(target=self._replace, args=("reserved",), daemon=True).start()
        return True

    def status(self, details: bool = True) -> dict[str, Any]:
        """Counters, and (``details``) the PID and memory of every worker, for /status."""
        with self._lock:
            workers = [
                {"pid": w.process.pid, "lane": w.lane, "rss_kb": rss_kb(w.process.pid)}
                for w in self._all
            ]
            counts = dict(self.counts)
            idle = sum(len(v) for v in self._idle.values())
            waiting = len(self._waiting)
        out: dict[str, Any] = {
            "size": self.size,
            "reserved": self.limits.reserved,
            "idle": idle,
            "waiting": waiting,
            "timeout": self.timeout,
            **counts,
        }
        if details:
            out.update(workers=workers, server_pid=os.getpid(), server_rss_kb=rss_kb())
        return out

    def close(self) -> None:
        """Kill every worker (idle or busy) and refuse further jobs."""
        self._closed = True
        with self._lock:
            workers = list(self._all)
            self._all.clear()
            for lane in self._idle.values():
                lane.clear()
            while self._waiting:  # wake every waiting request: it gets no worker
                self._waiting.popleft().ready.set()
        for worker in workers:
            worker.kill()
