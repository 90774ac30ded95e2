"""`emg-kg load`: the curated dataset and any RDF the user brings, into a store or an endpoint.

Into a local store (``--store DIR``) the files are streamed by Oxigraph's bulk loader, never
parsed by rdflib (:mod:`emg_kg.diskstore` makes the swap atomic). Into an endpoint the
dataset is sent graph by graph with the SPARQL 1.1 Graph Store Protocol: ``PUT`` replaces a
graph, so loading twice never doubles it. After the graphs, a manifest graph
(:data:`~emg_kg.remote.MANIFEST`) records each graph's content hash; a load that failed half-way
is resumed by running the same command again: graphs whose hash the manifest already holds are
skipped.
"""

from __future__ import annotations

import hashlib
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from emg_kg.data.bulk import RdfFile, bulk_load
from emg_kg.data.diskstore import load_store_dir
from emg_kg.errors import EmgKgError
from emg_kg.paths import Layout
from emg_kg.query.remote import MANIFEST, RemoteStore, opener_for

__all__ = ["curated_files", "load_local", "load_endpoint", "EndpointLoad", "Progress"]

#: One literal "HASH GRAPH-IRI" per graph: the graph's IRI is not written as an IRI, so queries
#: about a graph (``show``, ``GRAPH ?g { ?x ?p ?g }``) never meet the manifest.
LOADED = ox.NamedNode("urn:emg-kg:loaded")


def curated_files(layout: Layout) -> tuple[list[RdfFile], str]:
    """The curated dataset (the cached N-Quads: built through rdflib only when small inputs
    changed) and its fingerprint."""
    from emg_kg.data.store import cached_nquads, fingerprint

    path = cached_nquads(layout)
    return [RdfFile(path, ox.RdfFormat.N_QUADS, None)], fingerprint(layout)


class Progress:
    """A one-line progress bar on a terminal, a line per tenth of the work otherwise."""

    def __init__(self, total: int, what: str, out: Callable[[str], None] | None = None) -> None:
        self.total, self.what, self.done = max(total, 1), what, 0
        self.tty = out is None and sys.stderr.isatty()
        self.out = out or (lambda m: print(m, file=sys.stderr, flush=True))
        self._shown = -1

    def step(self, note: str = "") -> None:
        self.done += 1
        tenth = self.done * 10 // self.total
        if self.tty:
            bar = "#" * (self.done * 30 // self.total)
            sys.stderr.write(f"\r[{bar:<30}] {self.done}/{self.total} {self.what} {note[:40]}")
            if self.done >= self.total:
                sys.stderr.write("\n")
        elif tenth != self._shown or self.done == self.total:
            self._shown = tenth
            self.out(f"  {self.done}/{self.total} {self.what} {note}".rstrip())


def load_local(
    target: Path, files: Sequence[RdfFile], curated: str | None, out: Callable[[str], None]
) -> dict[str, object]:
    """Bulk-load into ``target`` (see :func:`emg_kg.diskstore.load_store_dir`)."""
    return load_store_dir(target, files, curated, out)


@dataclass
class EndpointLoad:
    """What a load into an endpoint did."""

    graphs: int = 0
    sent: int = 0
    skipped: int = 0
    quads: int = 0
    seconds: float = 0.0
    failed: list[str] = field(default_factory=list)


def _graph_url(base: str, graph: ox.NamedNode | None) -> str:
    query = urllib.parse.urlencode({"graph": graph.value}) if graph else "default"
    return f"{base}{'&' if '?' in base else '?'}{query}"


#: The largest request body sent: a larger graph goes as one PUT and then POSTs (appends).
#: Virtuoso answers a digest-authenticated request 401 first, before reading its body, and
#: drops the connection: a body of megabytes then fails (broken pipe, connection reset).
CHUNK = 256 * 1024


def _pieces(body: bytes) -> list[bytes]:
    """``body`` (N-Triples) cut at line ends into pieces of at most about :data:`CHUNK`; a
    graph with blank nodes goes whole (a blank node's label holds within one request only)."""
    if b"_:" in body:
        return [body]
    pieces, start = [], 0
    while start < len(body):
        end = body.rfind(b"\n", start, start + CHUNK) + 1
        if end <= start:  # one line longer than CHUNK: it goes whole
            end = body.find(b"\n", start + CHUNK) + 1 or len(body)
        pieces.append(body[start:end])
        start = end
    return pieces or [b""]


def _put(opener: urllib.request.OpenerDirector, url: str, body: bytes, timeout: float) -> None:
    """Replace one graph: PUT the first piece, POST (append) the others (Graph Store
    Protocol); if a piece fails the graph's hash is not recorded, so a resumed load sends the
    whole graph again."""
    for number, piece in enumerate(_pieces(body)):
        req = urllib.request.Request(
            url,
            data=piece,
            method="POST" if number else "PUT",
            headers={"Content-Type": "application/n-triples"},
        )
        with opener.open(req, timeout=timeout) as reply:
            reply.read()


def _manifest(remote: RemoteStore) -> dict[str, str]:
    """Graph -> content hash, as the last load recorded it (empty for a fresh endpoint)."""
    rows = remote.internal("load-manifest", manifest=ox.NamedNode(MANIFEST), loaded=LOADED)
    texts = [r["h"].value for r in rows if isinstance(r["h"], ox.Literal)]
    pairs = [t.split(" ", 1) for t in texts]
    return {p[1]: p[0] for p in pairs if len(p) == 2}


def load_endpoint(
    endpoint: str,
    graph_store: str | None,
    files: Sequence[RdfFile],
    out: Callable[[str], None],
    force: bool = False,
    timeout: float = 600.0,
) -> EndpointLoad:
    """Send every graph of ``files`` to the endpoint's graph store, replacing each graph."""
    start = time.perf_counter()
    remote = RemoteStore(endpoint)
    store_url = graph_store or endpoint
    opener = opener_for(store_url)
    staged = ox.Store()  # in memory: groups the files' quads by graph, streaming the parse
    for item in files:
        bulk_load(staged, item)
    named = [g for g in staged.named_graphs() if isinstance(g, ox.NamedNode)]
    graphs: list[ox.NamedNode | None] = [*sorted(named, key=lambda g: g.value)]
    if any(True for _ in staged.quads_for_pattern(None, None, None, ox.DefaultGraph())):
        graphs.insert(0, None)
    done = {} if force else _manifest(remote)
    result = EndpointLoad(graphs=len(graphs))
    bar = Progress(len(graphs), "graphs")
    recorded = dict(done)
    try:
        for graph in graphs:
            name = graph.value if graph else ""
            pattern = graph if graph is not None else ox.DefaultGraph()
            triples = [
                ox.Triple(q.subject, q.predicate, q.object)
                for q in staged.quads_for_pattern(None, None, None, pattern)
            ]
            body = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b""
            digest = hashlib.sha256(body).hexdigest()
            result.quads += len(triples)
            if graph is not None and done.get(name) == digest:
                result.skipped += 1
                bar.step("(unchanged)")
                continue
            try:
                _put(opener, _graph_url(store_url, graph), body, timeout)
            except urllib.error.HTTPError as err:
                detail = err.read().decode("utf-8", "replace").strip()[:300]
                raise EmgKgError(
                    f"{store_url}: HTTP {err.code} while loading graph <{name or 'default'}>: "
                    f"{detail}"
                ) from None
            except (urllib.error.URLError, OSError) as err:
                reason = getattr(err, "reason", err)
                raise EmgKgError(
                    f"{store_url}: cannot send graph <{name or 'default'}>: {reason}"
                ) from None
            if graph is not None:
                recorded[name] = digest
            result.sent += 1
            bar.step(name.rsplit("/", 1)[-1])
    except EmgKgError as err:
        _record(opener, store_url, recorded, timeout)
        raise EmgKgError(
            f"{err}\n  {result.sent + result.skipped} of {len(graphs)} graphs are loaded; run "
            "the same command again to resume (graphs already loaded are skipped)"
        ) from None
    _record(opener, store_url, recorded, timeout)
    result.seconds = time.perf_counter() - start
    return result


def _record(
    opener: urllib.request.OpenerDirector, store_url: str, hashes: dict[str, str], timeout: float
) -> None:
    """Replace the manifest graph with the hashes of the graphs now on the endpoint."""
    manifest = ox.NamedNode(MANIFEST)
    triples = [
        ox.Triple(manifest, LOADED, ox.Literal(f"{h} {g}")) for g, h in sorted(hashes.items())
    ]
    body = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b""
    try:
        _put(opener, _graph_url(store_url, ox.NamedNode(MANIFEST)), body, timeout)
    except (urllib.error.URLError, OSError):
        pass  # best effort: without it the next run sends every graph again, which is safe
