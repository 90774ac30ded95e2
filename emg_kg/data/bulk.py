"""Bulk loading of RDF files into an Oxigraph store, with the stored set-union default graph.

**The default graph is the set-union of the named graphs, stored.** Oxigraph's
``use_default_graph_as_union`` is a bag: a fact restated in 400 reports' paragraph graphs is
seen 400 times by every pattern, and joins multiply (one named query took 17 GB at 200 k
quads). SPARQL's own union is an RDF merge, a set, which is also what rdflib answers. So a load
writes every distinct triple once into the default graph as well (docs/engines.md says what
that costs and what was tried instead).

Two things bound a load's memory and time: Oxigraph's bulk loader buffers what it is given
(up to 2 GB per thread, no setting for it in pyoxigraph), so a line-based file goes in pieces;
and the union is written from the text where the text allows, not through Python objects.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from emg_kg.errors import SourceError

__all__ = ["FORMATS", "RdfFile", "rdf_file", "bulk_load", "load_files"]

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


#: How much of a line-based file one bulk load takes at a time. Oxigraph's bulk loader buffers
#: up to 2 GB per thread before it writes: 2 M quads in one load peaked at 1.6-1.8 GiB, in
#: pieces of this size at 0.4 GiB, whatever the file's size (docs/benchmarks-scale.md).
CHUNK_BYTES = 64 << 20
#: How many quads of a union read back from the store one ``bulk_extend`` takes at a time.
UNION_BATCH = 250_000


def load_files(
    store: ox.Store,
    files: Sequence[RdfFile],
    progress: Callable[[str], None] = lambda _m: None,
    chunk: int | None = None,
) -> None:
    """Bulk-load ``files`` into ``store`` and write the stored union of their graphs.

    When no file holds a blank node, each piece of N-Quads carries its own triples: the piece
    and the piece with its graph names cut go to the loader together (one read of the file,
    one load per piece). The bulk loader renames blank nodes at every load, so otherwise the
    union is read back from the store after the files (57 s at 2 M quads in memory; a union
    parsed from the file again would hold other blank nodes than its graphs)."""
    plain = all(_without_blank_nodes(item) for item in files)
    for number, item in enumerate(files, 1):
        progress(f"[{number}/{len(files)}] loading {item.path}")
        if not plain:  # each file still in pieces where it can be (bulk_load)
            bulk_load(store, item)
            continue
        for piece, lines in _pieces(item.path, chunk or CHUNK_BYTES):
            _load_with_union(store, item, piece, lines)
    if not plain:
        progress("storing the union of all graphs as the default graph")
        _extend(store, store.quads_for_pattern(None, None, None, None))


def bulk_load(store: ox.Store, item: RdfFile, chunk: int | None = None) -> None:
    """Stream one file into ``store`` as it is, without the union; a syntax error names the
    file and line. A line-based file without blank nodes goes in pieces of whole lines, so the
    loader's buffer stays small; any other file goes whole, since the bulk loader renames blank
    nodes at every load and a node split across two loads would become two."""
    if not _without_blank_nodes(item):
        _load(store, item, path=str(item.path))
        return
    for piece, lines in _pieces(item.path, chunk or CHUNK_BYTES):
        _load(store, item, piece, lines)


def _pieces(path: Path, chunk: int) -> Iterator[tuple[bytes, int]]:
    """The file in pieces of about ``chunk`` bytes of whole lines, each with the number of
    lines before it (so an error in a piece is named by its line in the file)."""
    lines = 0
    with path.open("rb") as handle:
        rest = b""
        for block in iter(lambda: handle.read(chunk), b""):
            block = rest + block
            cut = block.rfind(b"\n") + 1
            rest = block[cut:]
            if cut:
                yield block[:cut], lines
                lines += block.count(b"\n", 0, cut)
        if rest:
            yield rest + b"\n", lines


def _load(
    store: ox.Store,
    item: RdfFile,
    data: bytes | None = None,
    lines: int = 0,
    path: str | None = None,
    period: int = 0,
) -> None:
    """One bulk load of ``data`` (lines ``lines + 1`` on of the file) or of the whole file.

    ``period``: ``data`` is copies of one text of that many lines (a piece and its triples),
    so an error at line ``n`` of the data is at line ``(n - 1) % period + 1`` of the piece."""
    try:
        store.bulk_load(data, path=path, format=item.format, to_graph=item.graph)
    except SyntaxError as err:
        message = re.sub(r"^Parser error (at|between) [^:]*: ", "", err.msg or str(err))
        line = err.lineno
        if line and period:
            line = (line - 1) % period + 1
        where = line + lines if line else None
        raise SourceError(item.path, where, f"bad syntax: {message}") from None
    except (OSError, ValueError) as err:
        raise SourceError(item.path, None, f"cannot load: {err}") from None


#: An N-Quads statement in a named graph as Oxigraph, rdflib and the corpus write it: subject,
#: predicate and object (an IRI, or a literal with its language or datatype), each followed by
#: one space, then the graph's IRI and " ." at the end of the line; group 1 is the statement's
#: triple. A literal runs from its first quote to the last one before the graph term (an
#: escaped quote inside it changes nothing).
_QUAD = re.compile(
    rb'^(<[^<>"\s]*> <[^<>"\s]*> (?:<[^<>"\s]*>|"[^\n]*"(?:@[A-Za-z0-9-]+|\^\^<[^<>"\s]*>)?))'
    rb' <[^<>"\s]*> \.$',
    re.MULTILINE,
)


def _triples(piece: bytes) -> bytes | None:
    """The piece's statements with their graph names cut (N-Triples of their triples), or None
    when a line is not a statement in a named graph written as :data:`_QUAD` says: a
    default-graph triple (its object, an IRI, would read as a graph name), a comment (a quad
    followed by ``# ... <IRI> .`` would keep its graph), other spacing. One pass of a regular
    expression: 3.3 s of CPU over the 2 M corpus, where cutting the last IRI of every line
    without this check took 2.2 s."""
    cut, count = _QUAD.subn(rb"\1 .", piece)
    return cut if count == piece.count(b"\n") else None


def _load_with_union(store: ox.Store, item: RdfFile, piece: bytes, lines: int) -> None:
    """A piece of a file without blank nodes, and its triples into the default graph.

    An N-Triples piece is loaded twice: into its graph and as it is. An N-Quads piece whose
    every line is a statement in a named graph (:func:`_triples`) goes to the loader together
    with its triples, in one load (2 M quads: 18.7 s of CPU in memory where the pieces and
    then the union parsed into Python took 27.5 s, 38 s on disk where they took 43 s; the
    loader is given about twice the text, so a load on disk peaks at 1.0 GiB rather than
    0.44). Any other piece is loaded alone and its triples are parsed into Python. Which way
    a piece goes is decided before it is loaded, so it is loaded once."""
    if item.format == ox.RdfFormat.N_TRIPLES:
        _load(store, item, piece, lines)
        _load(store, RdfFile(item.path, item.format, None), piece, lines)
        return
    triples = _triples(piece) if item.graph is None else None  # else into the file's graph
    if triples is not None:
        _load(store, item, piece + triples, lines, period=piece.count(b"\n"))
        return
    _load(store, item, piece, lines)
    _extend(store, ox.parse(piece, format=item.format))


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
