"""Shared fixtures: the real graph, built once per session, editable copies of the inputs, the
server on loopback and a headless Chromium.

Chromium is /usr/bin/chromium (or $EMG_KG_CHROMIUM), driven by Playwright with a fresh temporary
profile. Without it the browser tests are skipped, unless EMG_KG_REQUIRE_BROWSER=1 (CI), where they
fail: in CI a browser test never skips silently. Virtuoso (Debian's virtuoso-opensource, the
engine-equivalence tests' real SPARQL endpoint) works the same way with EMG_KG_REQUIRE_VIRTUOSO=1.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol

import pyoxigraph as ox
import pytest

from emg_kg.data.build import Built, build
from emg_kg.data.store import open_store
from emg_kg.paths import Layout, default_layout
from emg_kg.query.engines import Engine, open_engine
from emg_kg.web.server import Running, Settings, start

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("EMG_KG_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def layout() -> Layout:
    return default_layout()


@pytest.fixture(scope="session")
def built(layout: Layout) -> Built:
    return build(layout)


@pytest.fixture(scope="session")
def store(layout: Layout) -> ox.Store:
    return open_store(layout)


@pytest.fixture(scope="session")
def oxigraph(layout: Layout) -> Engine:
    return open_engine(layout, "oxigraph")


@pytest.fixture(scope="session")
def rdflib_engine(layout: Layout) -> Engine:
    """rdflib's own SPARQL engine over the same quads: every query must agree on both."""
    return open_engine(layout, "rdflib")


@pytest.fixture()
def copy_layout(tmp_path: Path) -> Layout:
    """A private copy of ontology/, graph_data/ and queries/ that a test may break."""
    for name in ("ontology", "graph_data", "queries"):
        if (ROOT / name).exists():
            shutil.copytree(ROOT / name, tmp_path / name)
    return Layout(tmp_path)


@pytest.fixture(scope="session")
def two_reports(tmp_path_factory: pytest.TempPathFactory) -> Layout:
    """A copy of the inputs with a second, made-up report beside the shipped one
    (tests/data/fixtures/second-report: its Markdown, declaration and curated TriG)."""
    root = tmp_path_factory.mktemp("two-reports")
    for name in ("ontology", "graph_data", "queries"):
        shutil.copytree(ROOT / name, root / name)
    for path in (ROOT / "tests/data/fixtures/second-report").glob("test-second.*"):
        shutil.copy(path, root / "graph_data" / path.name)
    return Layout(root)


@pytest.fixture(scope="session")
def corpus_of(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """``corpus_of(n)``: an N-Quads file of the shipped report and ``n - 1`` copies of it as
    further reports (bench/corpus.py), written once per ``n`` for the session."""
    from emg_kg.data.bulk import RdfFile

    sys.path.insert(0, str(ROOT / "bench"))
    from corpus import copy_of, template

    written: dict[int, RdfFile] = {}

    def make(reports: int) -> RdfFile:
        if reports not in written:
            lines = template()
            copies = [line for k in range(1, reports) for line in copy_of(lines, k)]
            path = tmp_path_factory.mktemp(f"corpus-{reports}") / "corpus.nq"
            path.write_text("\n".join([*lines, *copies]) + "\n", encoding="utf-8")
            written[reports] = RdfFile(path, ox.RdfFormat.N_QUADS, None)
        return written[reports]

    return make


@pytest.fixture(scope="session")
def four_reports(corpus_of: Any) -> Any:
    """The shipped report and three copies, loaded in memory as `emg-kg load` loads a corpus
    (the stored set-union default graph): what only a corpus has, such as a fact stated in 28
    graphs or 136 open mandates."""
    from emg_kg.data.diskstore import load_memory

    return load_memory([corpus_of(4)])


class Cli(Protocol):
    """The `cli` fixture's type (annotations: `if TYPE_CHECKING: from conftest import Cli`)."""

    def __call__(
        self, *args: str, stdin: str | None = None, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]: ...


def _run_cli(
    *args: str, stdin: str | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`emg-kg ARGS` in a subprocess, as a user runs it (so exit codes, stdout and stderr are
    the real ones); `stdin` is its input, `env` is added to this process's environment."""
    return subprocess.run(
        [sys.executable, "-m", "emg_kg.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
    )


@pytest.fixture(scope="session")
def cli() -> Cli:
    """The one runner of the `emg-kg` command for every test that runs it whole."""
    return _run_cli


@pytest.fixture(scope="session")
def server() -> Iterator[Running]:
    """The web app on a free loopback port, two workers."""
    running = start(default_layout(), Settings(port=0, workers=2, quiet=True))
    yield running
    running.stop()


def _browser_missing() -> str:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:  # pragma: no cover - the test extra installs it
        return "playwright is not installed"
    if not Path(CHROMIUM).exists():
        return f"there is no Chromium at {CHROMIUM}"
    return ""


@pytest.fixture(scope="session")
def virtuoso(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """Virtuoso open source on free loopback ports with its own temporary database, stopped
    after the session; the curated dataset is loaded with `emg-kg load --endpoint`."""
    from virtuoso import running

    with running(tmp_path_factory.mktemp("virtuoso")) as server:
        yield server


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    missing = _browser_missing()
    if missing:
        if os.environ.get("EMG_KG_REQUIRE_BROWSER") == "1":
            pytest.fail(f"EMG_KG_REQUIRE_BROWSER=1 but {missing}")
        pytest.skip(missing)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        # launch() starts from a fresh, temporary profile every time
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def disk_store(layout: Layout, tmp_path_factory: pytest.TempPathFactory) -> ox.Store:
    """The persistent on-disk store that `emg-kg load --store` makes of the curated files."""
    from emg_kg.data.diskstore import load_store_dir
    from emg_kg.query.engines import Backend, open_backend
    from emg_kg.query.loader import curated_files

    target = tmp_path_factory.mktemp("store") / "emg"
    files, curated = curated_files(layout)
    load_store_dir(target, files, curated)
    return open_backend(layout, Backend(store=target))  # type: ignore[return-value]


@pytest.fixture(scope="session")
def endpoint_store(layout: Layout, virtuoso: Any) -> Iterator[Any]:
    """A real Virtuoso loaded by `emg-kg load --endpoint`, as a store (query/remote.py)."""
    from virtuoso import credentials

    from emg_kg.query.loader import curated_files, load_endpoint
    from emg_kg.query.remote import RemoteStore

    with credentials(virtuoso):
        files, _ = curated_files(layout)
        load_endpoint(virtuoso.url, virtuoso.graph_store, files, lambda _m: None)
    yield RemoteStore(virtuoso.url)
