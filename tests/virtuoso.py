"""Start and stop a private Virtuoso for the tests: its own ini, database and loopback ports.

Debian's ``virtuoso-opensource`` package installs ``virtuoso-t`` (and starts nothing when no
init system runs it). The ini written here keeps everything in one temporary directory, moves
both ports off the defaults (1111, 8890) to free loopback ports, lifts the 10,000-row result
cap and the query time limits (so answers are whole), and keeps the buffers small (100,000
pages of 8 KiB; a bigger corpus asks for more, ``bench/corpus_rows.py --buffers``).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

INI = """[Database]
DatabaseFile = {d}/virtuoso.db
ErrorLogFile = {d}/virtuoso.log
LockFile = {d}/virtuoso.lck
TransactionFile = {d}/virtuoso.trx
xa_persistent_file = {d}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
Striping = 0
TempStorage = TempDatabase
[TempDatabase]
DatabaseFile = {d}/virtuoso-temp.db
TransactionFile = {d}/virtuoso-temp.trx
Striping = 0
[Parameters]
ServerPort = 127.0.0.1:{sql}
DisableUnixSocket = 1
CaseMode = 2
DirsAllowed = ., {d}{dirs}
NumberOfBuffers = {buffers}
MaxDirtyBuffers = {dirty}
ThreadsPerQuery = 2
MaxQueryMem = 1G
CheckpointInterval = 0
[HTTPServer]
ServerPort = 127.0.0.1:{http}
ServerRoot = {d}
ServerThreads = 4
MaxClientConnections = 4
Charset = UTF-8
[SPARQL]
ResultSetMaxRows = {max_rows}
MaxSortedTopRows = 100000000
MaxQueryCostEstimationTime = 0
MaxQueryExecutionTime = 0
"""
USER, PASSWORD = "dba", "dba"  # the fresh database's administrator, on loopback only


def find_virtuoso() -> str | None:
    return os.environ.get("EMG_KG_VIRTUOSO") or shutil.which("virtuoso-t")


def require_virtuoso() -> str:
    """The binary, else skip the test; fail instead when EMG_KG_REQUIRE_VIRTUOSO=1 (CI)."""
    import pytest

    binary = find_virtuoso()
    if binary:
        return binary
    if os.environ.get("EMG_KG_REQUIRE_VIRTUOSO") == "1":
        pytest.fail("EMG_KG_REQUIRE_VIRTUOSO=1 but virtuoso-t is not installed")
    pytest.skip("virtuoso: virtuoso-t is not installed")


@contextlib.contextmanager
def running(
    directory: Path,
    buffers: int = 100_000,
    dirs: tuple[Path, ...] = (),
    max_rows: int = 100_000_000,
) -> Iterator[Virtuoso]:
    """A private Virtuoso in ``directory`` for the duration of the block (always stopped);
    ``dirs`` are the other directories its bulk loader may read; ``max_rows`` its
    ResultSetMaxRows (it never sends more than 1,048,576 rows, whatever this says)."""
    server = Virtuoso(require_virtuoso(), directory, buffers, dirs, max_rows)
    try:
        server.start()
        yield server
    finally:
        server.stop()


@contextlib.contextmanager
def credentials(server: Virtuoso) -> Iterator[None]:
    """The load's credentials in the environment for the block, then as they were."""
    saved = {k: os.environ.get(k) for k in server.env()}
    os.environ.update(server.env())
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Virtuoso:
    """One server process; ``url`` is its SPARQL endpoint, ``graph_store`` its GSP URL,
    ``update`` its SPARQL Update service (``/sparql-auth``: the endpoint with digest
    authentication, which takes updates from ``dba``)."""

    def __init__(
        self,
        binary: str,
        directory: Path,
        buffers: int = 100_000,
        dirs: tuple[Path, ...] = (),
        max_rows: int = 100_000_000,
    ) -> None:
        self.binary, self.dir = binary, directory
        self.buffers, self.dirs, self.max_rows = buffers, dirs, max_rows
        self.http = free_port()
        self.sql = free_port()
        self.url = f"http://127.0.0.1:{self.http}/sparql"
        self.graph_store = f"http://127.0.0.1:{self.http}/sparql-graph-crud-auth"
        self.update = f"http://127.0.0.1:{self.http}/sparql-auth"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 90.0) -> None:
        ini = self.dir / "virtuoso.ini"
        ini.write_text(
            INI.format(
                d=self.dir,
                sql=self.sql,
                http=self.http,
                dirs="".join(f", {d}" for d in self.dirs),
                buffers=self.buffers,
                dirty=self.buffers * 3 // 4,
                max_rows=self.max_rows,
            ),
            encoding="utf-8",
        )
        self.process = subprocess.Popen(
            [self.binary, "-c", str(ini), "+foreground"],
            cwd=self.dir,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + timeout
        query = urllib.parse.urlencode({"query": "ASK {}"})
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                log = (self.dir / "virtuoso.log").read_text(errors="replace")[-2000:]
                raise RuntimeError(f"virtuoso-t exited ({self.process.returncode}):\n{log}")
            try:
                with urllib.request.urlopen(f"{self.url}?{query}", timeout=5) as reply:
                    if reply.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"virtuoso did not answer on {self.url} within {timeout:.0f} s")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def bulk_load(self, path: Path, default_graph: str = "urn:emg-kg:bulk") -> str:
        """Load one RDF file with Virtuoso's own bulk loader (isql: ``ld_dir``, then
        ``rdf_loader_run``, then a checkpoint). An N-Quads file keeps its graphs;
        ``default_graph`` takes the triples without one. Its directory must be the server's
        or one of ``dirs``. Returns the loader's state of the file (its error, if any)."""
        isql = os.environ.get("EMG_KG_ISQL") or shutil.which("isql-vt") or "isql"
        script = (
            f"ld_dir('{path.parent}', '{path.name}', '{default_graph}');\n"
            "rdf_loader_run();\ncheckpoint;\n"
            "select ll_state, ll_error from DB.DBA.LOAD_LIST;\n"
        )
        done = subprocess.run(
            [isql, f"127.0.0.1:{self.sql}", USER, PASSWORD, "VERBOSE=OFF", "BANNER=OFF"],
            input=script,
            capture_output=True,
            text=True,
            check=True,
        )
        return " ".join(done.stdout.replace("SQL>", " ").split())

    def env(self) -> dict[str, str]:
        """The environment a load needs: credentials come from here, never the command line."""
        return {"EMG_KG_ENDPOINT_USER": USER, "EMG_KG_ENDPOINT_PASSWORD": PASSWORD}
