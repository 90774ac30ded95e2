"""One query worker: a child process that holds its own view of the graph and answers jobs.

pyoxigraph cannot cancel a running query, so the server never runs a client's query in its own
process: :class:`Worker` starts ``python -c`` (not multiprocessing: spawning would re-import the
caller's ``__main__``, and fork() of a threaded server is unsafe) with two pipe ends and a
*source* saying where the quads are, one of (issue 10: ``serve`` on every engine)

* ``nquads:PATH``: the server's private N-Quads snapshot, bulk-loaded into memory (default);
* ``store:DIR``: a persistent Oxigraph store made by ``emg-kg load --store``, opened read-only
  (RocksDB lets any number of processes read one store: a worker starts in milliseconds);
* ``endpoint:URL``: a remote SPARQL endpoint; the worker forwards each query once the gate has
  passed it (credentials from the environment only, see :mod:`emg_kg.query.remote`).

The worker speaks a tiny protocol over the pipes: it receives a :class:`~emg_kg.web.jobs.Job`
and answers a :class:`~emg_kg.web.jobs.Reply` (bytes already serialized in the negotiated
format, at most ``Job.max_bytes``). It caps its address space (a query that tries to materialise
a huge join dies alone), and, except for an endpoint (which it must reach), leaves the network
(:func:`emg_kg.query.sandbox.wall`) before it reads anything.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from emg_kg.web.jobs import Reply

__all__ = ["WORKER_MEMORY", "Worker", "rss_kb", "renice", "worker_entry", "open_source"]

#: Address-space cap of a worker (bytes); a query past it fails alone (MemoryError or abort).
WORKER_MEMORY = 2 * 1024**3


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


def _too_many_bytes(size: int, limit: int) -> str:
    return (
        f"the answer is {size:,} bytes, over the server's limit of {limit:,} bytes "
        "(--max-bytes); add a LIMIT, select fewer or shorter values, or narrow the query"
    )


def open_source(source: str, root: Path) -> Any:
    """The store a worker answers from, by its source spec (see the module docstring)."""
    kind, _, where = source.partition(":")
    if kind == "nquads":
        import pyoxigraph as ox

        store = ox.Store()
        store.bulk_load(path=where, format=ox.RdfFormat.N_QUADS)
        return store
    from emg_kg.paths import Layout
    from emg_kg.query.engines import Backend, open_backend

    if kind == "store":
        return open_backend(Layout(root), Backend(store=Path(where)))
    if kind == "endpoint":
        return open_backend(Layout(root), Backend(endpoint=where))
    raise ValueError(f"unknown worker source {source!r}")


def _worker_main(
    conn_in: Connection, conn_out: Connection, source: str, root: str, memory: int
) -> None:
    """Child process: open the source, then answer jobs until the pipe closes."""
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    except (ImportError, ValueError, OSError):
        pass
    from emg_kg.data import namespaces  # noqa: F401
    from emg_kg.paths import Layout
    from emg_kg.query import gate, run  # noqa: F401 (run: imported now, not on the first query)
    from emg_kg.web.sparql import execute, warm

    store = open_source(source, Path(root))
    layout = Layout(Path(root))
    gate.preload(layout.cache_dir)  # a fresh worker must not re-parse the shipped queries
    warm(layout)
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
        if len(reply.body) > job.max_bytes:  # checked here, so the server never holds it
            reply = Reply.error(422, _too_many_bytes(len(reply.body), job.max_bytes))
        conn_out.send(reply)


def renice(worker: Worker, nice: int) -> bool:
    """Set a worker's nice value (Unix; False where it cannot be done).

    On two CPUs a runaway query competes with every other one for the processor, not only for
    a worker: niced (10), it runs on what the quick queries leave. Setting it back to 0 needs
    privileges most servers lack; then the worker is replaced instead."""
    try:
        os.setpriority(os.PRIO_PROCESS, worker.process.pid, nice)
        return True
    except (AttributeError, OSError):
        return False


def _exit_with(server: int) -> None:
    """Exit when the server process is gone, even mid-query (a SIGKILLed server cannot kill
    its workers, and a worker busy with a runaway query does not read its pipe's end)."""

    def watch() -> None:
        while os.getppid() == server:
            time.sleep(0.5)
        os._exit(0)

    threading.Thread(target=watch, name="exit-with-server", daemon=True).start()


def worker_entry(fd_in: str, fd_out: str, source: str, root: str, memory: str) -> None:
    """What ``python -c`` runs in a worker: wrap the inherited pipe ends, then serve."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C stops the server, which stops us
    if not source.startswith("endpoint:"):  # a worker for an endpoint must reach it
        from emg_kg.query.sandbox import wall

        wall("query worker")  # no network for user SPARQL, even past a gap in the gate
    # after the wall: unshare() of a user namespace fails once the process has a thread
    _exit_with(int(os.environ.get("EMG_KG_SERVER_PID") or os.getppid()))
    _worker_main(
        Connection(int(fd_in), writable=False),
        Connection(int(fd_out), readable=False),
        source,
        root,
        int(memory),
    )


class Worker:
    """A worker process and the two ends of its pipes; ``lane`` is "general", "reserved"
    (kept for quick queries) or "demoted" (a reserved one that overran, going on)."""

    def __init__(
        self, source: str, root: Path, memory: int, lane: str, keep_fds: tuple[int, ...]
    ) -> None:
        self.lane = lane
        down_r, down_w = os.pipe()
        up_r, up_w = os.pipe()
        package_parent = str(Path(__file__).resolve().parents[2])
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [package_parent, env.get("PYTHONPATH")]))
        env["EMG_KG_SERVER_PID"] = str(os.getpid())
        code = "import sys; from emg_kg.web.worker import worker_entry; worker_entry(*sys.argv[1:])"
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-c", code, str(down_r), str(up_w), source, str(root)]
                + [str(memory)],
                pass_fds=(down_r, up_w, *keep_fds),
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
