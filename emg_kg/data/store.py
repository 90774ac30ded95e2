"""Serialize the dataset, and keep a cached Oxigraph store so queries skip the build.

Output files are written next to their final place and renamed over it only once every format
has serialized, so a failed build leaves the previous output whole. Line-based formats are
sorted, so the same input gives the same bytes.
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox

import emg_kg
from emg_kg.paths import Layout

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

    from emg_kg.data.namespaces import PREFIXES, bind_prefixes

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
    from emg_kg.data.build import union_graph

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


def _version() -> str:
    """The installed version, read from the ``dist-info`` folder's name when there is one:
    ``importlib.metadata`` costs 50 ms to import, a tenth of a cold query's budget."""
    for entry in sys.path:
        for found in glob.glob(os.path.join(entry or ".", "emg_kg-*.dist-info")):
            return os.path.basename(found)[len("emg_kg-") : -len(".dist-info")]
    return str(emg_kg.__version__)


def fingerprint(layout: Layout) -> str:
    """A hash of every input file (name and bytes) and the package version.

    Remembered in the cache folder beside the files' sizes and modification times, so a
    start with unchanged inputs stats them instead of reading and hashing them."""
    version, files = _version(), layout.source_files()
    stamp = hashlib.sha256(version.encode())
    for path in files:
        st = path.stat() if path.exists() else None
        stamp.update(
            f"{path}\0{st.st_size if st else -1}\0{st.st_mtime_ns if st else -1}\n".encode()
        )
    memo = layout.cache_dir / "fingerprint.json"
    try:
        known = json.loads(memo.read_text(encoding="utf-8"))
        if known.get("stamp") == stamp.hexdigest():
            return str(known["fingerprint"])
    except (OSError, ValueError, KeyError, AttributeError):
        pass
    digest = hashlib.sha256(version.encode())
    for path in files:
        digest.update(path.name.encode() + b"\0")
        digest.update(path.read_bytes() if path.exists() else b"<missing>")
    value = digest.hexdigest()[:16]
    try:
        atomic_write(
            {memo: json.dumps({"stamp": stamp.hexdigest(), "fingerprint": value}).encode()}
        )
    except OSError:
        pass  # a read-only cache folder: hashed again next time
    return value


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
            from emg_kg.data.build import (
                build,  # rdflib costs ~0.35 s to import: only on a cache miss
            )

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
