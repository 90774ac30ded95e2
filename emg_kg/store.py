"""Serialize the dataset, and keep a cached Oxigraph store so queries skip the build.

Output files are written next to their final place and renamed over it only once every format
has serialized, so a failed build leaves the previous output whole. Line-based formats are
sorted, so the same input gives the same bytes.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox

from . import __version__
from .paths import Layout

if TYPE_CHECKING:
    from rdflib import Dataset

__all__ = [
    "OUTPUT_FILES",
    "write_outputs",
    "atomic_write",
    "fingerprint",
    "cached_nquads",
    "open_store",
]

#: Output file -> what it holds.
OUTPUT_FILES = {
    "emg.trig": "the dataset, one named graph per evidence source (TriG)",
    "emg.nq": "the same dataset as sorted N-Quads",
    "emg.ttl": "the union of all graphs (Turtle; evidence graphs flattened)",
    "emg.nt": "the union as sorted N-Triples",
    "emg.jsonld": "the dataset as JSON-LD, named graphs kept",
}


def _sorted_lines(text: str) -> str:
    lines = sorted({line for line in text.splitlines() if line.strip()})
    return "\n".join(lines) + "\n"


def _trig(ds: Dataset) -> str:
    """TriG with graphs in IRI order (rdflib's own order follows hash seeds)."""
    from rdflib import Graph

    from .namespaces import PREFIXES, bind_prefixes

    header = [f"@prefix {p}: <{iri}> ." for p, iri in PREFIXES.items()]
    parts: list[str] = []
    for g in sorted((g for g in ds.graphs() if len(g)), key=lambda g: str(g.identifier)):
        plain = Graph()
        bind_prefixes(plain)
        for triple in g:
            plain.add(triple)
        body = plain.serialize(format="turtle")
        header += [
            line for line in body.splitlines() if line.startswith("@prefix") and line not in header
        ]
        lines = [
            f"    {line}" if line else ""
            for line in body.splitlines()
            if not line.startswith("@prefix")
        ]
        name = plain.namespace_manager.normalizeUri(g.identifier)
        parts.append(f"\n{name} {{\n" + "\n".join(lines).strip("\n") + "\n}\n")
    return "\n".join(header) + "\n" + "".join(parts)


def _canonical_json(value: object, in_list: bool = False) -> object:
    """JSON-LD with every unordered array sorted, so the bytes do not depend on hash seeds."""
    if isinstance(value, dict):
        return {k: _canonical_json(v, k == "@list") for k, v in value.items()}
    if isinstance(value, list):
        items = [_canonical_json(v) for v in value]
        if in_list:
            return items
        return sorted(items, key=lambda v: json.dumps(v, sort_keys=True, ensure_ascii=False))
    return value


def _jsonld(ds: Dataset) -> str:
    raw = json.loads(ds.serialize(format="json-ld"))
    return json.dumps(_canonical_json(raw), ensure_ascii=False, indent=1, sort_keys=True) + "\n"


def serialize_all(ds: Dataset) -> dict[str, bytes]:
    """Every output format as bytes, deterministic for the same dataset."""
    from .build import union_graph

    union = union_graph(ds)
    return {
        "emg.trig": _trig(ds).encode("utf-8"),
        "emg.nq": _sorted_lines(ds.serialize(format="nquads")).encode("utf-8"),
        "emg.ttl": union.serialize(format="turtle").encode("utf-8"),
        "emg.nt": _sorted_lines(union.serialize(format="nt")).encode("utf-8"),
        "emg.jsonld": _jsonld(ds).encode("utf-8"),
    }


def atomic_write(files: dict[Path, bytes]) -> None:
    """Write every file to a temporary sibling first, then rename all into place.

    A failure while staging removes the temporaries and leaves every previous file whole. The new
    files get the mode of the file they replace, or rw-r--r-- (mkstemp's 0600 would hide shared
    outputs from colleagues and web servers)."""
    staged: list[tuple[Path, Path]] = []
    try:
        for target, data in files.items():
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
                fd, name = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
            except OSError as err:  # name the user's path, not an internal temporary file
                raise OSError(err.errno, err.strerror, str(target)) from None
            staged.append((Path(name), target))
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            mode = target.stat().st_mode & 0o777 if target.exists() else 0o644
            os.chmod(name, mode)
    except BaseException:
        for temp, _ in staged:
            temp.unlink(missing_ok=True)
        raise
    for temp, target in staged:
        try:
            os.replace(temp, target)
        except OSError as err:
            temp.unlink(missing_ok=True)
            raise OSError(err.errno, err.strerror, str(target)) from None


def write_outputs(ds: Dataset, out_dir: Path, layout: Layout | None = None) -> list[Path]:
    """Write every format into ``out_dir``; returns the paths written.

    With ``layout``, the N-Quads just serialized also fill the store cache, so the commands
    that follow (query, gaps, views) do not build and serialize the same dataset again."""
    blobs = serialize_all(ds)
    files = {out_dir / name: data for name, data in blobs.items()}
    atomic_write(files)
    if layout is not None:
        cached_nquads(layout, blobs["emg.nq"])
    return list(files)


def fingerprint(layout: Layout) -> str:
    """A hash of every input file (name and bytes) and the package version."""
    digest = hashlib.sha256(__version__.encode())
    for path in layout.source_files():
        digest.update(path.name.encode() + b"\0")
        digest.update(path.read_bytes() if path.exists() else b"<missing>")
    return digest.hexdigest()[:16]


def _prune(cache_dir: Path, keep: Path) -> None:
    for old in cache_dir.glob("emg-*.nq"):
        if old != keep:
            old.unlink(missing_ok=True)


def cached_nquads(layout: Layout, built_nquads: bytes | None = None) -> Path:
    """The built dataset as N-Quads, rebuilt only when an input file changed (or taken from
    ``built_nquads``, the N-Quads of a dataset the caller has just built from the same files)."""
    path = layout.cache_dir / f"emg-{fingerprint(layout)}.nq"
    if not path.exists():
        blob = built_nquads
        if blob is None:
            from .build import build  # rdflib costs ~0.35 s to import: only on a cache miss

            blob = serialize_all(build(layout).dataset)["emg.nq"]
        atomic_write({path: blob})
        _prune(layout.cache_dir, path)
    return path


def open_store(layout: Layout, extra: Iterable[Path] = ()) -> ox.Store:
    """An in-memory Oxigraph store loaded from the cache (and any extra N-Quads files)."""
    store = ox.Store()
    for path in (cached_nquads(layout), *extra):
        store.bulk_load(path=str(path), format=ox.RdfFormat.N_QUADS)
    return store
