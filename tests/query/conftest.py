"""The query tests' backends beyond the in-memory store: the persistent on-disk store that
`emg-kg load --store` makes, and a real Virtuoso loaded by `emg-kg load --endpoint`."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pyoxigraph as ox
import pytest

from emg_kg.paths import Layout
from emg_kg.query.engines import Backend, open_backend
from emg_kg.query.loader import curated_files, load_endpoint
from emg_kg.query.remote import RemoteStore


@pytest.fixture(scope="session")
def disk_store(layout: Layout, tmp_path_factory: pytest.TempPathFactory) -> ox.Store:
    from emg_kg.data.diskstore import load_store_dir

    target = tmp_path_factory.mktemp("store") / "emg"
    files, curated = curated_files(layout)
    load_store_dir(target, files, curated)
    return open_backend(layout, Backend(store=target))  # type: ignore[return-value]


@pytest.fixture(scope="session")
def endpoint_store(layout: Layout, virtuoso: Any) -> Iterator[RemoteStore]:
    saved = {k: os.environ.get(k) for k in virtuoso.env()}
    os.environ.update(virtuoso.env())
    try:
        files, _ = curated_files(layout)
        load_endpoint(virtuoso.url, virtuoso.graph_store, files, lambda _m: None)
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    yield RemoteStore(virtuoso.url)
