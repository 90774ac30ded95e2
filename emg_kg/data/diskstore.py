"""The persistent Oxigraph store (``--store DIR``): loaded once, opened read-only in milliseconds.

A load never touches ``DIR`` until it has finished: the quads are bulk-loaded into a sibling
temporary directory, a marker file is written last, and only then is the directory renamed into
place (the old store, if any, is moved aside first and removed after). A load killed half-way
leaves a ``.DIR.loading-*`` directory that nothing opens and the next load removes. The marker
records what was loaded (the curated data's fingerprint, the package version, each user file's
hash), so opening a store built from older curated files is refused rather than silently
answering from stale data.

**The default graph is the set-union of the named graphs, stored.** Oxigraph's
``use_default_graph_as_union`` is a bag: a fact restated in 400 reports' paragraph graphs is
seen 400 times by every pattern, and joins multiply (one named query took 17 GB at 200 k
quads). SPARQL's own union is an RDF merge, a set, which is also what rdflib answers. So a load
writes every distinct triple once into the default graph, and :class:`MergedStore` queries
that graph; ``GRAPH ?g`` still sees the evidence graphs, and the whole-store readers (``len``,
``quads_for_pattern``) leave the stored union out, so counts and views are unchanged.
"""

from __future__ import annotations

import functools
import gc
import hashlib
import itertools
import json
import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox

import emg_kg
from emg_kg.errors import EmgKgError, SourceError
from emg_kg.paths import Layout

__all__ = [
    "MARKER",
    "MergedStore",
    "RdfFile",
    "rdf_file",
    "bulk_load",
    "load_memory",
    "load_store_dir",
    "merge_union",
    "union_size",
    "open_store_dir",
    "read_marker",
]

MARKER = "emg-kg-store.json"
FORMATS = {
    ".nq": ox.RdfFormat.N_QUADS,
    ".nquads": ox.RdfFormat.N_QUADS,
    ".trig": ox.RdfFormat.TRIG,
    ".ttl": ox.RdfFormat.TURTLE,
    ".nt": ox.RdfFormat.N_TRIPLES,
    ".jsonld": ox.RdfFormat.JSON_LD,
    ".json": ox.RdfFormat.JSON_LD,
    ".rdf": ox.RdfFormat.RDF_XML,
    ".owl": ox.RdfFormat.RDF_XML,
}


@dataclass(frozen=True)
class RdfFile:
    """One file to load; triples of a triple format (and of a quad format's default graph,
    which Oxigraph keeps apart) go into ``graph``."""

    path: Path
    format: ox.RdfFormat
    graph: ox.NamedNode | None


def rdf_file(path: Path, graph: str | None = None) -> RdfFile:
    """A user file with its format (from the extension) and its graph: ``graph`` if given,
    else the file's own ``file:`` IRI, so each file's facts stay traceable to the file."""
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        known = ", ".join(sorted(FORMATS))
        raise SourceError(path, None, f"unknown RDF format {path.suffix!r}; use one of {known}")
    if not path.is_file():
        raise SourceError(path, None, "no such file")
    if fmt.supports_datasets:
        return RdfFile(path, fmt, ox.NamedNode(graph) if graph else None)
    return RdfFile(path, fmt, ox.NamedNode(graph or path.resolve().as_uri()))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


#: How much of a line-based file one bulk load takes at a time. Oxigraph's bulk loader buffers
#: up to 2 GB per thread before it writes: 2 M quads in one load peaked at 1.6-1.8 GiB, in
#: pieces of this size at 0.4 GiB, whatever the file's size (docs/benchmarks-scale.md).
CHUNK_BYTES = 64 << 20
#: How many quads of the union one ``bulk_extend`` takes at a time (the same buffer).
UNION_BATCH = 250_000


def bulk_load(store: ox.Store, item: RdfFile, chunk: int | None = None) -> None:
    """Stream one file into ``store``; a syntax error names the file and line.

    A line-based file without blank nodes goes in pieces of whole lines, so the loader's
    buffer stays small; any other file goes whole, since the bulk loader renames blank nodes
    at every load and a node split across two loads would become two."""
    if not _without_blank_nodes(item):
        _load(store, item, path=str(item.path))
        return
    chunk = chunk or CHUNK_BYTES
    lines = 0
    with item.path.open("rb") as handle:
        rest = b""
        for block in iter(lambda: handle.read(chunk), b""):
            block = rest + block
            cut = block.rfind(b"\n") + 1
            rest = block[cut:]
            if cut:
                _load(store, item, block[:cut], lines)
                lines += block.count(b"\n", 0, cut)
        if rest:
            _load(store, item, rest, lines)


def _load(
    store: ox.Store,
    item: RdfFile,
    data: bytes | None = None,
    lines: int = 0,
    path: str | None = None,
) -> None:
    """One bulk load of ``data`` (lines ``lines + 1`` on of the file) or of the whole file."""
    try:
        store.bulk_load(data, path=path, format=item.format, to_graph=item.graph)
    except SyntaxError as err:
        message = re.sub(r"^Parser error (at|between) [^:]*: ", "", err.msg or str(err))
        line = err.lineno + lines if err.lineno else None
        raise SourceError(item.path, line, f"bad syntax: {message}") from None
    except (OSError, ValueError) as err:
        raise SourceError(item.path, None, f"cannot load: {err}") from None


def merge_union(store: ox.Store, files: Sequence[RdfFile]) -> None:
    """Write the set-union of every graph's triples into the default graph.

    The bulk loader renames blank nodes at every load, so a union parsed from the files again
    holds other blank nodes than the graphs: then the union is read back from the store itself
    (57 s at 2 M quads in memory, 31 s just to read them back on disk). Line-based files with
    no blank node (the curated data, a corpus) are parsed again instead, which is as fast in
    memory and faster on disk; one SPARQL INSERT was ten times slower (docs/engines.md). The
    triples go in batches, for the loader's buffer (:data:`CHUNK_BYTES`)."""
    if all(_without_blank_nodes(item) for item in files):
        for item in files:
            _extend(store, ox.parse(path=str(item.path), format=item.format))
        return
    _extend(store, store.quads_for_pattern(None, None, None, None))


def _extend(store: ox.Store, quads: Iterator[ox.Quad] | Iterator[ox.Triple]) -> None:
    """Each (quad's) triple into the default graph, :data:`UNION_BATCH` at a time."""
    triples = (ox.Quad(q.subject, q.predicate, q.object) for q in quads)
    while batch := list(itertools.islice(triples, UNION_BATCH)):
        store.bulk_extend(batch)


def _without_blank_nodes(item: RdfFile) -> bool:
    """An N-Quads or N-Triples file in which ``_:`` never occurs (a literal that contains it
    only sends the load and the union the slower, always right way). A load asks twice (the
    pieces, then the union), so the scan is kept for the file as it is on disk."""
    if item.format not in (ox.RdfFormat.N_QUADS, ox.RdfFormat.N_TRIPLES):
        return False
    stat = item.path.stat()
    return _scan(item.path, stat.st_size, stat.st_mtime_ns)


@functools.lru_cache(maxsize=64)
def _scan(path: Path, size: int, mtime_ns: int) -> bool:
    """No ``_:`` in the file (``size`` and ``mtime_ns`` key the cache, so a changed file is
    read again)."""
    del size, mtime_ns
    tail = b""
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 22), b""):
            if b"_:" in tail + block[:1] or b"_:" in block:
                return False
            tail = block[-1:]
    return True


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
        if g is not None:
            return self.store.quads_for_pattern(s, p, o, g)
        quads = self.store.quads_for_pattern(s, p, o, None)
        return (q for q in quads if not isinstance(q.graph_name, ox.DefaultGraph))

    def named_graphs(self) -> Iterator[ox.NamedNode | ox.BlankNode]:
        return self.store.named_graphs()

    def contains_named_graph(self, graph: ox.NamedNode | ox.BlankNode) -> bool:
        return self.store.contains_named_graph(graph)

    def __len__(self) -> int:
        return len(self.store) - self.union_triples


def load_memory(files: Sequence[RdfFile]) -> MergedStore:
    """The in-memory engine for big inputs: bulk-loaded, with the stored union."""
    store = ox.Store()
    for item in files:
        bulk_load(store, item)
    merge_union(store, files)
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
        for number, item in enumerate(files, 1):
            progress(f"[{number}/{len(files)}] loading {item.path}")
            bulk_load(store, item)
        progress("storing the union of all graphs as the default graph")
        merge_union(store, files)
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
