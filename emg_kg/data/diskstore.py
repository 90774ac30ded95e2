"""The persistent Oxigraph store (``--store DIR``): loaded once, opened read-only in milliseconds.

A load never touches ``DIR`` until it has finished: the quads are bulk-loaded into a sibling
temporary directory, a marker file is written last, and only then is the directory renamed into
place (the old store, if any, is moved aside first and removed after). A load killed half-way
leaves a ``.DIR.loading-*`` directory that nothing opens and the next load removes. The marker
records what was loaded (the curated data's fingerprint, the package version, each user file's
hash), so opening a store built from older curated files is refused rather than silently
answering from stale data.

The default graph of a loaded store is the stored set-union of its named graphs
(:mod:`emg_kg.data.bulk`): :class:`MergedStore` queries that graph; ``GRAPH ?g`` still sees the
evidence graphs, and the whole-store readers (``len``, ``quads_for_pattern``) leave the stored
union out, so counts and views are unchanged; a walk of every quad goes graph by graph.
"""

from __future__ import annotations

import gc
import hashlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pyoxigraph as ox

import emg_kg
from emg_kg.data.bulk import RdfFile, load_files
from emg_kg.errors import EmgKgError
from emg_kg.heap import give_back
from emg_kg.paths import Layout

__all__ = [
    "MARKER",
    "MergedStore",
    "load_memory",
    "load_store_dir",
    "union_size",
    "open_store_dir",
    "read_marker",
]

MARKER = "emg-kg-store.json"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def union_size(store: ox.Store) -> int:
    """How many triples the default graph (the stored union) holds: a walk of that graph
    alone, not of every quad."""
    row = next(iter(store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")))  # type: ignore[arg-type]
    return int(row[0].value)


class MergedStore:
    """An Oxigraph store whose default graph is the stored set-union of its named graphs.

    It answers the ``pyoxigraph.Store`` methods the commands use; a query's default graph is
    the stored union whatever ``use_default_graph_as_union`` says."""

    kind = "oxigraph"

    def __init__(self, store: ox.Store, union_triples: int | None = None) -> None:
        self.store, self._union = store, union_triples

    @property
    def union_triples(self) -> int:
        """The stored union's size: from the marker, or counted on first use (the in-memory
        engine's load does not wait for it)."""
        if self._union is None:
            self._union = union_size(self.store)
        return self._union

    def query(self, query: str, use_default_graph_as_union: bool = False, **options: Any) -> Any:
        del use_default_graph_as_union
        return self.store.query(query, use_default_graph_as_union=False, **options)

    def quads_for_pattern(self, s: Any, p: Any, o: Any, g: Any = None) -> Iterator[ox.Quad]:
        """The quads of the named graphs, never the stored union's copies.

        A walk of the whole store (no term given) reads the named graphs one by one, graph
        after graph, and never meets the union (2 M quads: 8.9 s of CPU, where reading every
        quad and dropping the union's 1.67 M took 15.2 s); a pattern with a term given reads
        its few matches and drops the union's among them (one seek per graph, 45,133 graphs at
        2 M, would cost 0.3-0.4 s where that costs 0.04-0.15 s)."""
        if g is not None:
            return self.store.quads_for_pattern(s, p, o, g)
        if s is None and p is None and o is None:
            return self._named_quads()
        quads = self.store.quads_for_pattern(s, p, o, None)
        return (q for q in quads if not isinstance(q.graph_name, ox.DefaultGraph))

    def _named_quads(self) -> Iterator[ox.Quad]:
        for graph in self.store.named_graphs():
            yield from self.store.quads_for_pattern(None, None, None, graph)

    def named_graphs(self) -> Iterator[ox.NamedNode | ox.BlankNode]:
        return self.store.named_graphs()

    def contains_named_graph(self, graph: ox.NamedNode | ox.BlankNode) -> bool:
        return self.store.contains_named_graph(graph)

    def __len__(self) -> int:
        return len(self.store) - self.union_triples


def load_memory(files: Sequence[RdfFile]) -> MergedStore:
    """The in-memory engine for big inputs: bulk-loaded, with the stored union; the load's
    freed buffers are given back to the system (:func:`emg_kg.heap.give_back`)."""
    store = ox.Store()
    load_files(store, files)
    give_back()
    return MergedStore(store)


def read_marker(path: Path) -> dict[str, object] | None:
    try:
        data = json.loads((path / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _is_replaceable(path: Path) -> bool:
    """Only an emg-kg store (or an empty directory) is ever removed by a load."""
    return not path.exists() or read_marker(path) is not None or not any(path.iterdir())


def load_store_dir(
    target: Path,
    files: Sequence[RdfFile],
    curated: str | None,
    progress: Callable[[str], None] = lambda _m: None,
) -> dict[str, object]:
    """Bulk-load ``files`` into a new store at ``target`` (atomically replacing the old one).

    ``curated`` is the fingerprint of the curated data among ``files`` (None when they are not
    loaded); it is what :func:`open_store_dir` checks against. Returns the marker written."""
    target = target.absolute()
    if target.exists() and not target.is_dir():
        raise EmgKgError(f"--store {target}: exists and is not a directory")
    if target.exists() and not _is_replaceable(target):
        raise EmgKgError(
            f"--store {target}: a non-empty directory that is not an emg-kg store; "
            "refusing to replace it (give a new or empty directory)"
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    for stale in target.parent.glob(f".{target.name}.loading-*"):
        shutil.rmtree(stale, ignore_errors=True)  # a load that was killed half-way
    temp = Path(tempfile.mkdtemp(prefix=f".{target.name}.loading-", dir=target.parent))
    try:
        start = time.perf_counter()
        store = ox.Store(str(temp))
        load_files(store, files, progress)
        union = union_size(store)
        quads = len(store) - union
        graphs = sum(1 for _ in store.named_graphs())
        store.flush()
        del store
        gc.collect()  # closes RocksDB before the directory is renamed
        marker: dict[str, object] = {
            "format": 1,
            "emg_kg": emg_kg.__version__,
            "pyoxigraph": ox.__version__,
            "curated": curated,
            "files": [
                {
                    "path": str(f.path),
                    "sha256": _sha256(f.path),
                    "graph": f.graph.value if f.graph else None,
                }
                for f in files
            ],
            "quads": quads,
            "graphs": graphs,
            "union_triples": union,
            "load_s": round(time.perf_counter() - start, 3),
        }
        (temp / MARKER).write_text(json.dumps(marker, indent=1) + "\n", encoding="utf-8")
        os.chmod(temp, 0o755)
    except BaseException:
        shutil.rmtree(temp, ignore_errors=True)
        raise
    old = None
    if target.exists():
        old = target.parent / f".{target.name}.old-{os.getpid()}"
        os.replace(target, old)
    os.replace(temp, target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    return marker


def open_store_dir(path: Path, layout: Layout | None) -> MergedStore:
    """Open a loaded store read-only; refuses a missing, half-loaded or stale one.

    With ``layout``, a store that holds the curated data must hold the current curated data."""
    hint = f"run `emg-kg load --store {path}`"
    if not path.is_dir():
        raise EmgKgError(f"--store {path}: no store there; {hint}")
    marker = read_marker(path)
    if marker is None:
        raise EmgKgError(f"--store {path}: not a finished emg-kg store (no {MARKER}); {hint}")
    if layout is not None and marker.get("curated"):
        from emg_kg.data.store import fingerprint

        if marker["curated"] != fingerprint(layout):
            raise EmgKgError(
                f"--store {path}: loaded from older curated data (fingerprint "
                f"{marker['curated']}, now {fingerprint(layout)}); {hint} again"
            )
    try:
        return MergedStore(ox.Store.read_only(str(path)), int(marker.get("union_triples", 0)))  # type: ignore[call-overload]
    except OSError as err:
        raise EmgKgError(f"--store {path}: cannot open: {err}") from None
