"""The README's block of engine commands runs as printed, on a real persistent store and a
real Virtuoso (tests/virtuoso.py: a private one, so the session's shared server keeps what the
other tests load into it).

Only what cannot be printed is filled in: the endpoint's address (``http://host:8890``
becomes the private server's loopback port), the password (``...``), the user's own files
(``other-report.trig``, ``indicators.ttl``: written here), and ``serve``'s port (the printed
command takes the default 8000, which a test cannot count on; ``--port 0`` picks a free one).
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from emg_kg.data.diskstore import open_store_dir

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from virtuoso import PASSWORD, running  # noqa: E402  (tests/virtuoso.py)

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
BIN = Path(sys.executable).parent

#: The user's own files the block loads, small and real: a second report's paragraph graph
#: (TriG keeps its graph) and a Turtle file (its triples go into the file's own graph).
USER_FILES = {
    "other-report.trig": (
        "@prefix ex: <https://example.org/other/> .\n"
        'ex:para-1 { ex:unep ex:asked ex:undp . ex:undp ex:name "开发署"@zh . }\n'
    ),
    "indicators.ttl": (
        "@prefix ex: <https://example.org/ind/> .\n"
        'ex:indicator-1 ex:title "Trends in forest extent"@en .\n'
    ),
}


def engine_block() -> list[str]:
    """The README's shell block that shows the engines, one command per entry (a line ending
    in a backslash continues on the next)."""
    blocks = re.findall(r"```sh\n(.*?)```", README, flags=re.DOTALL)
    block = next(b for b in blocks if "emg-kg load --endpoint" in b)
    joined = block.replace("\\\n", " ")
    return [line.split("  #")[0].strip() for line in joined.splitlines() if line.strip()]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    with running(tmp_path_factory.mktemp("readme-virtuoso")) as started:
        yield started


def _filled(command: str, base: str) -> str:
    command = command.replace("http://host:8890", base)
    command = command.replace("PASSWORD=...", f"PASSWORD={PASSWORD}")
    if command.startswith("emg-kg serve"):
        command += " --port 0 --quiet"
    return command


def _env() -> dict[str, str]:
    """A user's shell: the installed `emg-kg` first on the PATH, no engine chosen beforehand."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("EMG_KG_")}
    return {**env, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}


def _run(command: str, cwd: Path) -> str:
    """One printed command through the shell, as a user types it; its output."""
    done = subprocess.run(
        ["bash", "-c", command], cwd=cwd, env=_env(), capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, f"`{command}` exited {done.returncode}:\n{done.stderr[-2000:]}"
    return done.stdout


def _serve(command: str, cwd: Path) -> int:
    """Start the printed `serve`, read its address, ask for /status; the HTTP status."""
    child = subprocess.Popen(
        shlex.split(command), cwd=cwd, env=_env(), stdout=subprocess.PIPE, text=True
    )
    try:
        assert child.stdout is not None
        line = child.stdout.readline()
        found = re.search(r"serving (http://\S+/)", line)
        assert found, f"`{command}` did not say where it serves: {line!r}"
        with urllib.request.urlopen(found[1] + "status", timeout=60) as reply:
            return int(reply.status)
    finally:
        child.terminate()
        child.wait(timeout=30)


def test_the_engine_block_has_every_engine() -> None:
    """The block the test runs is the one that shows a store, an endpoint and the web app."""
    block = engine_block()
    assert any(c.startswith("emg-kg load --store kg/ ") for c in block)
    assert any("emg-kg load --endpoint" in c and "--graph-store" in c for c in block)
    assert any(c.startswith("emg-kg serve --store") for c in block)


def test_the_readme_engine_commands_run_as_printed(server: Any, tmp_path: Path) -> None:
    for name, text in USER_FILES.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    base = server.url.removesuffix("/sparql")
    outputs: dict[str, str] = {}
    for command in (_filled(c, base) for c in engine_block()):
        if command.startswith("emg-kg serve"):
            assert _serve(command, tmp_path) == 200
        else:
            outputs[command] = _run(command, tmp_path)

    # the store holds the curated dataset and, beside it, the user's two files in their graphs
    store = open_store_dir(tmp_path / "kg", None)
    graphs = {g.value for g in store.named_graphs()}
    assert "https://example.org/other/para-1" in graphs
    assert (tmp_path / "indicators.ttl").resolve().as_uri() in graphs
    assert "https://w3id.org/emg-kg/id/report/gc27-emg/para/13" in graphs  # the curated data

    # the answers are the embedded default's: the user's files add no mandate, and the
    # endpoint was loaded with the curated dataset only
    in_memory = _run("emg-kg query open-mandates", tmp_path)
    on_store = next(v for k, v in outputs.items() if k.startswith("emg-kg query open-mandates"))
    assert on_store == in_memory and in_memory.count("\n") > 5
    gaps = next(v for k, v in outputs.items() if k.startswith("emg-kg gaps --endpoint"))
    assert gaps == _run("emg-kg gaps", tmp_path)
