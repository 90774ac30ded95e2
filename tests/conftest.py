"""Shared fixtures: the real graph, built once per session, and editable copies of the inputs."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest

from emg_kg.build import Built, build
from emg_kg.paths import Layout, default_layout
from emg_kg.store import open_store

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def layout() -> Layout:
    return default_layout()


@pytest.fixture(scope="session")
def built(layout: Layout) -> Built:
    return build(layout)


@pytest.fixture(scope="session")
def store(layout: Layout) -> ox.Store:
    return open_store(layout)


@pytest.fixture()
def copy_layout(tmp_path: Path) -> Layout:
    """A private copy of ontology/, graph_data/ and queries/ that a test may break."""
    for name in ("ontology", "graph_data", "queries"):
        if (ROOT / name).exists():
            shutil.copytree(ROOT / name, tmp_path / name)
    return Layout(tmp_path)
