"""Query workers that can be stopped: each SPARQL query runs in a child process.

pyoxigraph cannot cancel a running query, so the server never runs a client's query in its own
process. A :class:`QueryPool` keeps a few worker processes, each holding its own in-memory store
loaded from the cached N-Quads. A query that overruns the time limit has its worker killed
(SIGKILL) and replaced in the background, so one bad query costs one respawn, not a hung thread.
Workers also cap their address space, so a query that tries to materialise a huge join dies
alone instead of taking the machine with it.

The worker speaks a tiny protocol over a pipe: it receives a :class:`Job` and answers with a
:class:`Reply` (bytes already serialized in the negotiated format).
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

__all__ = ["Job", "Reply", "QueryPool", "rss_kb"]

#: Address-space cap of a worker (bytes); a query past it fails alone (MemoryError or abort).
WORKER_MEMORY = 2 * 1024**3


@dataclass
class Job:
    """One query to run: SPARQL text, or a named query with its parameters."""

    text: str = ""
    name: str = ""  # a named query in queries/ (then ``text`` is ignored)
    params: dict[str, str] = field(default_factory=dict)
    accept: list[tuple[str, float]] = field(default_factory=list)  # from endpoint.preferences
    fmt: str = ""  # an explicit format key, wins over ``accept``
    table: bool = False  # answer SPARQL JSON whatever the kind (for HTML tables)
    default_graph: list[str] = field(default_factory=list)
    named_graphs: list[str] = field(default_factory=list)
    max_rows: int = 10_000


@dataclass
class Reply:
    """What a worker (or the pool, on timeout) answers: an HTTP status, a type and a body."""

    status: int
    content_type: str
    body: bytes
    rows: int = 0
    kind: str = ""
    seconds: float = 0.0

    @classmethod
    def error(cls, status: int, message: str) -> Reply:
        return cls(status, "text/plain; charset=utf-8", (message + "\n").encode("utf-8"))


def rss_kb(pid: int | str = "self") -> int:
    """Resident memory of a process in kB (0 where /proc is not available)."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def _worker_main(
    conn_in: Connection, conn_out: Connection, nquads: str, root: str, memory: int
) -> None:
    """Child process: load the store, then answer jobs until the pipe closes."""
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    except (ImportError, ValueError, OSError):
        pass
    import pyoxigraph as ox

    from . import api, namespaces  # noqa: F401 (imported now, not on the first query)
    from .endpoint import execute
    from .paths import Layout

    store = ox.Store()
    store.bulk_load(path=nquads, format=ox.RdfFormat.N_QUADS)
    layout = Layout(Path(root))
    conn_out.send("ready")
    while True:
        try:
            job = conn_in.recv()
        except (EOFError, OSError, KeyboardInterrupt):
            return
        started = time.perf_counter()
        try:
            reply = execute(store, layout, job)
        except MemoryError:
            reply = Reply.error(507, "the query ran out of memory in its worker; narrow it")
        except Exception as err:  # a worker must answer, whatever went wrong
            reply = Reply.error(500, f"the query failed: {type(err).__name__}: {err}")
        reply.seconds = time.perf_counter() - started
        conn_out.send(reply)


def worker_entry(fd_in: str, fd_out: str, nquads: str, root: str, memory: str) -> None:
    """What ``python -c`` runs in a worker: wrap the inherited pipe ends, then serve."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C stops the server, which stops us
    from .sandbox import wall

    wall("query worker")  # no network for user SPARQL, even past a gap in the gate
    _worker_main(
        Connection(int(fd_in), writable=False),
        Connection(int(fd_out), readable=False),
        nquads,
        root,
        int(memory),
    )


class _Worker:
    """A worker as a plain subprocess (not multiprocessing: spawning would re-import the
    caller's ``__main__``, and fork() of a threaded server is unsafe)."""

    def __init__(self, nquads: Path, root: Path, memory: int) -> None:
        down_r, down_w = os.pipe()
        up_r, up_w = os.pipe()
        package_parent = str(Path(__file__).resolve().parent.parent)
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [package_parent, env.get("PYTHONPATH")]))
        code = "import sys; from emg_kg.pool import worker_entry; worker_entry(*sys.argv[1:])"
        try:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-c",
                    code,
                    str(down_r),
                    str(up_w),
                    str(nquads),
                    str(root),
                    str(memory),
                ],
                pass_fds=(down_r, up_w),
                stdin=subprocess.DEVNULL,
                env=env,
            )
        finally:
            os.close(down_r)
            os.close(up_w)
        self.send_conn = Connection(down_w, readable=False)
        self.conn = Connection(up_r, writable=False)

    def wait_ready(self, timeout: float) -> bool:
        try:
            return bool(self.conn.poll(timeout)) and self.conn.recv() == "ready"
        except (EOFError, OSError):
            return False

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        try:
            self.process.wait(5)
        except subprocess.TimeoutExpired:
            pass
        self.send_conn.close()
        self.conn.close()


@dataclass
class _Slot:
    ready: threading.Event = field(default_factory=threading.Event)
    worker: _Worker | None = None


class QueryPool:
    """A fixed number of query worker processes; :meth:`run` is safe from many threads.

    Parameters
    ----------
    nquads, root : the cached dataset and the project root (for named queries)
    size : how many workers (queries that run at the same time)
    timeout : seconds a query may run before its worker is killed
    queue_wait : seconds a request may wait for a free worker before a 503
    """

    def __init__(
        self,
        nquads: Path,
        root: Path,
        size: int = 2,
        timeout: float = 10.0,
        queue_wait: float = 30.0,
        memory: int = WORKER_MEMORY,
    ) -> None:
        self.nquads, self.root, self.size = nquads, root, max(1, size)
        self.timeout, self.queue_wait, self.memory = timeout, queue_wait, memory
        self._idle: list[_Worker] = []
        self._waiting: deque[_Slot] = deque()  # requests waiting for a worker, oldest first
        self._all: set[_Worker] = set()
        self._lock = threading.Lock()
        self._closed = False
        self.counts = {"queries": 0, "timeouts": 0, "respawns": 0, "errors": 0, "busy": 0}
        workers = [self._spawn() for _ in range(self.size)]
        for worker in workers:
            if not worker.wait_ready(60):
                self.close()
                raise RuntimeError("a query worker did not start (see its error output above)")
            self._release(worker)

    def _spawn(self) -> _Worker:
        worker = _Worker(self.nquads, self.root, self.memory)
        with self._lock:
            self._all.add(worker)
        return worker

    def _retire(self, worker: _Worker) -> None:
        worker.kill()
        with self._lock:
            self._all.discard(worker)
            self.counts["respawns"] += 1
        if not self._closed:
            threading.Thread(target=self._replace, daemon=True).start()

    def _replace(self) -> None:
        """Start a worker in place of a killed one; retry (with a pause) until one starts."""
        for attempt in range(10):
            worker = self._spawn()
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

    def _acquire(self, timeout: float) -> _Worker | None:
        """A free worker, handed out first come, first served (a plain queue lets a newcomer
        take a worker from under a thread that was woken for it, which makes long tails)."""
        with self._lock:
            if self._idle and not self._waiting:
                return self._idle.pop()
            slot = _Slot()
            self._waiting.append(slot)
        if slot.ready.wait(timeout):
            return slot.worker
        with self._lock:
            if slot.worker is None:
                self._waiting.remove(slot)
            return slot.worker  # it may have been handed one just now

    def _release(self, worker: _Worker) -> None:
        with self._lock:
            if self._waiting:
                slot = self._waiting.popleft()
                slot.worker = worker
                slot.ready.set()
            else:
                self._idle.append(worker)

    def _count(self, key: str) -> None:
        with self._lock:
            self.counts[key] += 1

    def run(self, job: Job) -> Reply:
        """Run one job on a free worker; a 503 when it overruns or no worker frees up."""
        if self._closed:
            return Reply.error(503, "the server is shutting down")
        worker = self._acquire(self.queue_wait)
        if worker is None and self._closed:
            return Reply.error(503, "the server is shutting down")
        if worker is None:
            self._count("busy")
            return Reply.error(
                503,
                f"all {self.size} query workers stayed busy for {self.queue_wait:g} s; try again",
            )
        self._count("queries")
        try:
            worker.send_conn.send(job)
            if worker.conn.poll(self.timeout):
                reply: Reply = worker.conn.recv()
                self._release(worker)
                if reply.status >= 500:
                    self._count("errors")
                return reply
        except (EOFError, OSError):
            self._count("errors")
            self._retire(worker)
            return Reply.error(500, "the query worker died (out of memory?); it was replaced")
        self._count("timeouts")
        self._retire(worker)
        return Reply.error(
            503,
            f"query stopped: it ran longer than the time limit of "
            f"{self.timeout:g} s (the server's --timeout); its worker was "
            "replaced. Narrow the query or add a LIMIT.",
        )

    def status(self) -> dict[str, Any]:
        """Counters and the memory of every worker, for /status and the load benchmark."""
        with self._lock:
            workers = [{"pid": w.process.pid, "rss_kb": rss_kb(w.process.pid)} for w in self._all]
            counts = dict(self.counts)
        return {
            "workers": workers,
            "idle": len(self._idle),
            "size": self.size,
            "timeout": self.timeout,
            "server_pid": os.getpid(),
            "server_rss_kb": rss_kb(),
            **counts,
        }

    def close(self) -> None:
        """Kill every worker (idle or busy) and refuse further jobs."""
        self._closed = True
        with self._lock:
            workers = list(self._all)
            self._all.clear()
            self._idle.clear()
            while self._waiting:  # wake every waiting request: it gets no worker
                self._waiting.popleft().ready.set()
        for worker in workers:
            worker.kill()
