"""`emg-kg serve`: the SPARQL endpoint, the entity pages and the web app, on the standard library.

One :class:`App` holds the built graph (an in-memory Oxigraph store loaded from the cached
N-Quads) for the pages, and a :class:`~emg_kg.pool.QueryPool` of worker processes for every
query a client writes (the endpoint, the editor, the named queries), so a runaway query is
killed at the time limit instead of hanging a thread. The request handler
(:mod:`emg_kg.routes`) only routes; the pages are built in :mod:`emg_kg.pages` and
:mod:`emg_kg.ui`, the protocol in :mod:`emg_kg.endpoint`.

>>> from emg_kg.paths import default_layout
>>> running = start(default_layout(), Settings(port=0))      # doctest: +SKIP
>>> running.url                                              # doctest: +SKIP
'http://127.0.0.1:40123/'
>>> running.stop()                                           # doctest: +SKIP
"""

from __future__ import annotations

import os
import shutil
import signal
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from .catalog import Catalog
from .paths import Layout
from .pool import Job, QueryPool, Reply
from .queries import NamedQuery, load_queries
from .routes import AppServer, Handler
from .store import cached_nquads
from .webviews import Views, gap_report

__all__ = ["Settings", "App", "Running", "start", "serve", "make_server"]


@dataclass
class Settings:
    """What ``emg-kg serve`` takes: where to listen and how much a query may cost."""

    host: str = "127.0.0.1"
    port: int = 8000
    timeout: float = 10.0
    max_rows: int = 10_000
    workers: int = max(2, min(4, os.cpu_count() or 2))
    quiet: bool = False
    mapping: Path | None = None  # a user mapping CSV, merged into what the app and workers load


class App:
    """The graph, its catalog of names, the query workers and the cached views."""

    def __init__(self, layout: Layout, settings: Settings) -> None:
        self.layout, self.settings = layout, settings
        # A private copy: the cache may be rebuilt (and the old file pruned) by another
        # command while we serve, and a respawned worker must load the same snapshot.
        fd, name = tempfile.mkstemp(prefix="emg-kg-serve-", suffix=".nq")
        os.close(fd)
        self.snapshot = Path(name)
        try:
            shutil.copyfile(cached_nquads(layout), self.snapshot)
            self.store = ox.Store()
            self.store.bulk_load(path=name, format=ox.RdfFormat.N_QUADS)
            if settings.mapping is not None:  # issue 9: validated whole, then appended
                from .mapping import apply_mapping

                merged = apply_mapping(self.store, settings.mapping)
                with self.snapshot.open("ab") as snapshot:
                    snapshot.write(merged.nquads())
                print(f"emg-kg: {merged.summary()}", file=sys.stderr)
            self.catalog = Catalog(self.store)
            self.views = Views(self.store)
            self._gaps: dict[str, str] = {}
            self._lock = threading.Lock()
            self.pool = QueryPool(
                self.snapshot,
                layout.root,
                settings.workers,
                settings.timeout,
                queue_wait=max(30.0, 3 * settings.timeout),
            )
        except BaseException:
            self.snapshot.unlink(missing_ok=True)
            raise

    def gaps(self, lang: str, evidence: str = "report") -> str:
        """The gap report (HTML), computed once per language and level: the graph is fixed."""
        key = f"{lang}/{evidence}"
        with self._lock:
            if key not in self._gaps:
                self._gaps[key] = gap_report(self.catalog, self.layout, lang, evidence)
            return self._gaps[key]

    def queries(self) -> dict[str, NamedQuery]:
        return load_queries(self.layout)

    def run(self, job: Job) -> Reply:
        job.max_rows = self.settings.max_rows
        return self.pool.run(job)

    def close(self) -> None:
        self.pool.close()
        self.snapshot.unlink(missing_ok=True)


@dataclass
class Running:
    """A server running in a background thread (tests, benchmarks)."""

    server: AppServer
    thread: threading.Thread

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}/"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.server.app.close()
        self.thread.join(10)


def make_server(layout: Layout, settings: Settings) -> AppServer:
    app = App(layout, settings)
    try:
        server = AppServer((settings.host, settings.port), Handler)
    except OSError:
        app.close()
        raise
    server.app = app
    return server


def start(layout: Layout, settings: Settings) -> Running:
    """Build the app and serve it from a daemon thread; ``stop()`` it when done."""
    server = make_server(layout, settings)
    thread = threading.Thread(target=server.serve_forever, name="emg-kg-serve", daemon=True)
    thread.start()
    return Running(server, thread)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def serve(layout: Layout, settings: Settings) -> int:
    """Serve until interrupted (``emg-kg serve``)."""
    server = make_server(layout, settings)
    signal.signal(signal.SIGTERM, _interrupt)  # `kill` stops as cleanly as Ctrl-C
    host, port = server.server_address[:2]
    print(
        f"emg-kg: serving http://{host!s}:{port}/ (SPARQL endpoint /sparql; "
        f"{server.app.pool.size} query workers, time limit {settings.timeout:g} s, "
        f"at most {settings.max_rows} rows); Ctrl-C stops",
        flush=True,
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print("emg-kg: stopping", file=sys.stderr)
    finally:
        server.server_close()
        server.app.close()
    return 0
