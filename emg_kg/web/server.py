"""`emg-kg serve`: the SPARQL endpoint, the entity pages and the web app, on Starlette + uvicorn.

One :class:`App` holds the built graph (an in-memory Oxigraph store loaded from a private
snapshot of the cached N-Quads) for the pages, and a :class:`~emg_kg.web.pool.QueryPool` of worker
processes for every query a client writes (the endpoint, the editor, the named queries), so a
runaway query is killed at the time limit instead of hanging a thread. The HTTP side is
:mod:`emg_kg.web.app` (limits, timeouts), the routing :mod:`emg_kg.web.routes`; the pages are built
in :mod:`emg_kg.web.pages` and :mod:`emg_kg.web.ui`, the protocol in :mod:`emg_kg.web.sparql`.

The snapshot is unlinked as soon as it is open (Linux): the server and its workers read it
through ``/proc/self/fd``, so no ``/tmp`` file survives the server, even a SIGKILL.

>>> from emg_kg.paths import default_layout
>>> running = start(default_layout(), Settings(port=0))      # doctest: +SKIP
>>> running.url                                              # doctest: +SKIP
'http://127.0.0.1:40123/'
>>> running.stop()                                           # doctest: +SKIP
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from emg_kg.data.store import cached_nquads
from emg_kg.errors import EmgKgError
from emg_kg.paths import Layout
from emg_kg.query.registry import NamedQuery, load_queries
from emg_kg.web.answers import Answers
from emg_kg.web.app import listen, make_server
from emg_kg.web.catalog import Catalog
from emg_kg.web.jobs import Job, Reply
from emg_kg.web.options import Settings
from emg_kg.web.pool import QueryPool
from emg_kg.web.views import Views, gap_report

__all__ = ["Settings", "App", "Running", "start", "serve"]


class Snapshot:
    """A private copy of the cached N-Quads that nothing can leave behind.

    The cache may be rebuilt (and the old file pruned) by another command while we serve, and
    a respawned worker must load the same data: so the server copies it. Where the platform has
    ``/proc/self/fd`` the copy is unlinked at once and read through its descriptor (which the
    workers inherit), so even a SIGKILL leaves no file; elsewhere it is removed on close.
    """

    def __init__(self, source: Path, extra: bytes = b"") -> None:
        fd, name = tempfile.mkstemp(prefix="emg-kg-serve-", suffix=".nq")
        self.fd: int | None = None
        self.path = Path(name)
        try:
            with os.fdopen(os.dup(fd), "wb") as out, open(source, "rb") as src:
                shutil.copyfileobj(src, out)
                out.write(extra)  # a user mapping's N-Quads (serve --mapping, issue 9)
            if Path(f"/proc/self/fd/{fd}").exists():
                os.unlink(name)
                self.fd, self.path = fd, Path(f"/proc/self/fd/{fd}")
            else:
                os.close(fd)
        except BaseException:
            os.close(fd)
            Path(name).unlink(missing_ok=True)
            raise

    @property
    def keep_fds(self) -> tuple[int, ...]:
        return () if self.fd is None else (self.fd,)

    def close(self) -> None:
        if self.fd is None:
            self.path.unlink(missing_ok=True)
        else:
            os.close(self.fd)
            self.fd = None


class App:
    """The graph, its catalog of names, the query workers and the cached views and answers.

    Where the graph lives is ``settings.backend`` (issue 10): by default the in-memory store
    loaded from a private snapshot of the cached N-Quads; with ``--store DIR`` the persistent
    store, opened read-only here and in every worker; with ``--endpoint URL`` a remote SPARQL
    endpoint, which the pages read and the workers forward the gated queries to.
    """

    def __init__(self, layout: Layout, settings: Settings) -> None:
        self.layout, self.settings = layout, settings
        backend = settings.backend
        self.snapshot: Snapshot | None = None
        if backend is not None and backend.kind != "memory":
            if settings.mapping is not None:
                raise EmgKgError(
                    "--mapping merges into the in-memory store only; drop --store/--endpoint"
                )
            from emg_kg.query.engines import open_backend

            self.store: Any = open_backend(layout, backend)  # refuses a missing or stale store
            where = backend.store.resolve() if backend.store else None
            source = f"store:{where}" if where else f"endpoint:{backend.endpoint}"
            self._start(source, (), answers=0 if backend.endpoint else None)
            return
        extra = b""
        if settings.mapping is not None:  # issue 9: read and validated whole before any copy
            from emg_kg.analysis.mapping import apply_mapping
            from emg_kg.data.store import open_store

            merged = apply_mapping(open_store(layout), settings.mapping)
            extra = merged.nquads()
            print(f"emg-kg: {merged.summary()}", file=sys.stderr)
        self.snapshot = Snapshot(cached_nquads(layout), extra)
        try:
            self.store = ox.Store()
            self.store.bulk_load(path=str(self.snapshot.path), format=ox.RdfFormat.N_QUADS)
            self._start(f"nquads:{self.snapshot.path}", self.snapshot.keep_fds)
        except BaseException:
            self.snapshot.close()
            raise

    def _start(self, source: str, keep_fds: tuple[int, ...], answers: int | None = None) -> None:
        """The catalog, the caches and the query workers, on ``self.store`` and ``source``
        (``answers``: the answer cache's size, when not the settings')."""
        settings = self.settings
        self.catalog = Catalog(self.store)
        self.views = Views(self.store, cache_bytes=settings.view_cache)
        self.answers = Answers(settings.result_cache if answers is None else answers)
        self._gaps: dict[str, str] = {}
        self._lock = threading.Lock()
        self.pool = QueryPool(
            source, self.layout.root, settings.workers, limits=settings.limits(), keep_fds=keep_fds
        )

    def gaps(self, lang: str, evidence: str = "report") -> str:
        """The gap report (HTML), computed once per language and level: the graph is fixed.
        One report at a time, its queries read at most ``per_client`` at once
        (``--client-queries``: no more than one client may have running on the workers)."""
        from emg_kg.query.together import at_most

        key = f"{lang}/{evidence}"
        with self._lock:
            if key not in self._gaps:
                with at_most(self.settings.per_client):
                    self._gaps[key] = gap_report(self.catalog, self.layout, lang, evidence)
            return self._gaps[key]

    def queries(self) -> dict[str, NamedQuery]:
        return load_queries(self.layout)

    def run(self, job: Job, client: str = "") -> Reply:
        """Answer ``job`` from the answer cache, or run it in the pool for ``client``."""
        job.max_rows, job.max_bytes = self.settings.max_rows, self.settings.max_bytes
        return self.answers.get_or_run(job, lambda: self.pool.run(job, client))

    def status(self, details: bool) -> dict[str, Any]:
        """What /status says: the pool's counters and the answer cache's."""
        return {**self.pool.status(details), "answers": self.answers.status()}

    def close(self) -> None:
        self.pool.close()
        if self.snapshot is not None:
            self.snapshot.close()


def raise_open_files_limit() -> int:
    """Raise the soft limit on open files to the hard one (each connection is a descriptor)."""
    try:
        import resource

        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if hard == resource.RLIM_INFINITY:
            hard = max(soft, 1 << 16)
        if soft < hard:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        return int(hard)
    except (ImportError, ValueError, OSError):
        return 0


@dataclass
class Running:
    """A server running in a background thread (tests, benchmarks)."""

    app: App
    server: Any  # uvicorn.Server
    sock: socket.socket
    thread: threading.Thread

    @property
    def address(self) -> tuple[str, int]:
        host, port = self.sock.getsockname()[:2]
        return str(host), int(port)

    @property
    def url(self) -> str:
        host, port = self.address
        return f"http://{host}:{port}/"

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(15)
        self.sock.close()
        self.app.close()


def _prepare(layout: Layout, settings: Settings) -> tuple[App, socket.socket, Any]:
    raise_open_files_limit()
    sock = listen(settings.host, settings.port, settings.backlog)
    try:
        app = App(layout, settings)
    except BaseException:
        sock.close()
        raise
    return app, sock, make_server(app)


def start(layout: Layout, settings: Settings) -> Running:
    """Build the app and serve it from a daemon thread; ``stop()`` it when done."""
    app, sock, server = _prepare(layout, settings)
    thread = threading.Thread(
        target=lambda: asyncio.run(server.serve(sockets=[sock])),
        name="emg-kg-serve",
        daemon=True,
    )
    thread.start()
    for _ in range(500):  # until it accepts (a few ms)
        if server.started or not thread.is_alive():
            break
        threading.Event().wait(0.01)
    return Running(app, server, sock, thread)


def serve(layout: Layout, settings: Settings) -> int:
    """Serve until SIGTERM or Ctrl-C (``emg-kg serve``), then stop cleanly: the connections
    are given a few seconds, the workers are killed, the snapshot is closed."""
    stopping: list[int] = []
    for sig in (signal.SIGTERM, signal.SIGINT):  # uvicorn re-raises them after its shutdown
        signal.signal(sig, lambda signum, frame: stopping.append(signum))
    app, sock, server = _prepare(layout, settings)
    host, port = sock.getsockname()[:2]
    print(
        f"emg-kg: serving http://{host!s}:{port}/ (SPARQL endpoint /sparql; "
        f"{app.pool.size} query workers + {settings.reserved} reserved, time limit "
        f"{settings.timeout:g} s, at most {settings.max_rows} rows and {settings.max_bytes} "
        "bytes); Ctrl-C stops",
        flush=True,
    )
    try:
        if not stopping:  # (a signal while loading: stop at once)
            server.run(sockets=[sock])
        if stopping:
            print("emg-kg: stopping", file=sys.stderr)
    finally:
        sock.close()
        app.close()
    return 0
