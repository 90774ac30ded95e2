"""`emg-kg load`: the curated dataset and any RDF the user brings, into a store or an endpoint.

Into a local store (``--store DIR``) the files are streamed by Oxigraph's bulk loader, never
parsed by rdflib (:mod:`emg_kg.diskstore` makes the swap atomic).

Into an endpoint the files are staged in an in-memory Oxigraph store (which groups the quads by
graph) and each graph is replaced, never doubled, one of two ways:

* by default the Graph Store Protocol, at the endpoint URL or ``--graph-store URL``: one
  ``PUT`` per graph (then ``POST``s of :data:`CHUNK` pieces for a big one). It works at every
  size measured (2 million quads into Virtuoso 7.2: 417 s, 46,351 requests);
* with ``--update URL`` (Virtuoso: ``/sparql-auth``), SPARQL 1.1 Update: many small graphs per
  request, ``DROP SILENT GRAPH`` of those already there, then one ``INSERT DATA``
  (:mod:`emg_kg.query.batches`). A corpus is tens of thousands of small evidence graphs, and one
  request per graph is most of the time (200,000 quads: 4,655 requests, 18-21 s; batched, 647
  requests, 10-19 s). It is not the default because Virtuoso 7.2 failed on it part-way at 2
  million quads (an internal ``iri_to_id`` error that depends on the server's state;
  docs/benchmarks-scale.md, "Loading an endpoint at scale (ld)").

A manifest graph (:data:`~emg_kg.query.remote.MANIFEST`) holds one record per graph loaded,
its content hash. It is written as the load goes, never after: with the update service a
batch's old records are deleted before its graphs are sent, the new ones inserted after; over
the Graph Store Protocol the records of graphs about to change are removed before any is sent,
and the new ones appended every :data:`FLUSH` graphs. So a record always names what its graph
holds on the endpoint, and a load stopped anyhow (an error, Ctrl-C, SIGKILL, a lost
connection) is resumed by running the same command again: the graphs whose record matches are
skipped, the others sent, and the endpoint ends as one clean load leaves it.
"""

from __future__ import annotations

import hashlib
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from emg_kg.data.bulk import RdfFile, bulk_load
from emg_kg.data.diskstore import load_store_dir
from emg_kg.errors import EmgKgError
from emg_kg.paths import Layout
from emg_kg.query.batches import CHUNK, Payload, pieces, record, updates
from emg_kg.query.remote import MANIFEST, RemoteStore, opener_for

__all__ = [
    "curated_files",
    "load_local",
    "load_endpoint",
    "EndpointLoad",
    "Progress",
    "CHUNK",
    "MANIFEST",
]

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
    requests: int = 0
    seconds: float = 0.0
    failed: list[str] = field(default_factory=list)


#: Over the Graph Store Protocol, the records of the graphs sent are appended every FLUSH graphs.
FLUSH = 200
_UPDATE = {"Content-Type": "application/sparql-update; charset=utf-8"}


def _graph_url(base: str, name: str) -> str:
    query = urllib.parse.urlencode({"graph": name}) if name else "default"
    return f"{base}{'&' if '?' in base else '?'}{query}"


def _send(
    opener: urllib.request.OpenerDirector,
    req: urllib.request.Request,
    timeout: float,
    names: Sequence[str],
    hint: str = "",
) -> None:
    """Send one request; a refusal or a lost connection becomes an :class:`EmgKgError` naming
    the request's graphs."""
    what = ", ".join(f"<{n or 'default'}>" for n in names[:3])
    what += f" and {len(names) - 3} more graphs" if len(names) > 3 else ""
    try:
        with opener.open(req, timeout=timeout) as reply:
            reply.read()
    except urllib.error.HTTPError as err:
        detail = err.read().decode("utf-8", "replace").strip()[:300]
        raise EmgKgError(
            f"{req.full_url}: HTTP {err.code} while loading {what}: {detail}{hint}"
        ) from None
    except (urllib.error.URLError, OSError) as err:
        reason = getattr(err, "reason", err)
        raise EmgKgError(f"{req.full_url}: cannot send {what}: {reason}") from None


def _put(
    opener: urllib.request.OpenerDirector,
    url: str,
    payload: Payload,
    timeout: float,
    limit: int = CHUNK,
    append: bool = False,
) -> int:
    """Replace (or, with ``append``, add to) one graph over the Graph Store Protocol: PUT the
    first piece, POST the others; a graph with blank nodes goes whole (a blank node's label
    holds within one request only). Returns the number of requests."""
    parts = [payload.body] if payload.blank else pieces(payload.body, limit)
    for number, piece in enumerate(parts):
        method = "POST" if number or append else "PUT"
        headers = {"Content-Type": "application/n-triples"}
        _send(
            opener,
            urllib.request.Request(url, piece, headers, method=method),
            timeout,
            [payload.name],
        )
    return len(parts)


def _manifest(remote: RemoteStore) -> dict[str, set[str]]:
    """Graph -> the content hashes recorded for it (empty for a fresh endpoint)."""
    rows = remote.internal("load-manifest", manifest=ox.NamedNode(MANIFEST), loaded=LOADED)
    texts = [r["h"].value for r in rows if isinstance(r["h"], ox.Literal)]
    found: dict[str, set[str]] = {}
    for digest, _, name in (t.partition(" ") for t in texts):
        if name:
            found.setdefault(name, set()).add(digest)
    return found


def _stage(files: Sequence[RdfFile]) -> tuple[ox.Store, list[str]]:
    """The files in an in-memory store (grouped by graph, the parse streamed) and the graphs'
    names, sorted ("" for the default graph, first)."""
    staged = ox.Store()
    for item in files:
        bulk_load(staged, item)
    names = sorted(g.value for g in staged.named_graphs() if isinstance(g, ox.NamedNode))
    if any(True for _ in staged.quads_for_pattern(None, None, None, ox.DefaultGraph())):
        names.insert(0, "")
    return staged, names


def _payloads(staged: ox.Store, names: Iterable[str]) -> Iterator[Payload]:
    """Each graph's triples as N-Triples, with their hash."""
    for name in names:
        pattern = ox.NamedNode(name) if name else ox.DefaultGraph()
        triples = [
            ox.Triple(q.subject, q.predicate, q.object)
            for q in staged.quads_for_pattern(None, None, None, pattern)
        ]
        if any(isinstance(t, ox.BlankNode) for q in triples for t in (q.subject, q.object)):
            triples = _canonical(triples)
        body = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b""
        yield Payload(name, body, hashlib.sha256(body).hexdigest())


def _canonical(triples: list[ox.Triple]) -> list[ox.Triple]:
    """A graph with blank nodes with canonical labels (RDFC-1.0) in sorted order: the staging
    store names blank nodes anew at every load, so its text, and its hash, would differ at every
    run and the graph would be sent every time."""
    dataset = ox.Dataset(ox.Quad(t.subject, t.predicate, t.object) for t in triples)
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return sorted((ox.Triple(q.subject, q.predicate, q.object) for q in dataset), key=str)


def load_endpoint(
    endpoint: str,
    graph_store: str | None,
    files: Sequence[RdfFile],
    out: Callable[[str], None],
    force: bool = False,
    timeout: float = 600.0,
    update: str | None = None,
    limit: int = CHUNK,
) -> EndpointLoad:
    """Replace every graph of ``files`` on the endpoint (see the module docstring): by SPARQL
    Update at ``update`` if given, in requests of at most about ``limit`` bytes, else over the
    Graph Store Protocol at ``graph_store`` (by default the endpoint URL)."""
    start = time.perf_counter()
    remote = RemoteStore(endpoint)
    staged, names = _stage(files)
    result = EndpointLoad(graphs=len(names))
    bar = Progress(len(names), "graphs")
    if update and names and not names[0]:
        raise EmgKgError(
            "triples outside a named graph cannot be replaced by a SPARQL update (an engine's "
            "default graph may be the union of all its graphs): give --graph IRI, or load "
            "without --update (over the Graph Store Protocol)"
        )
    job = _Job(staged, names, _manifest(remote), force, result, bar, timeout, limit, remote)
    try:
        if update:
            _over_update(update, job)
        else:
            _over_graph_store(graph_store or endpoint, job)
    except EmgKgError as err:
        raise EmgKgError(
            f"{err}\n  {result.sent + result.skipped} of {len(names)} graphs are loaded; run "
            "the same command again to resume (graphs already loaded are skipped)"
        ) from None
    result.seconds = time.perf_counter() - start
    return result


@dataclass
class _Job:
    """One load into an endpoint, as both ways of sending see it."""

    staged: ox.Store
    names: list[str]
    records: dict[str, set[str]]
    force: bool
    result: EndpointLoad
    bar: Progress
    timeout: float
    limit: int
    remote: RemoteStore | None = None

    def wanted(self) -> Iterator[Payload]:
        """The graphs to send: those whose one record is not their hash (all with ``force``)."""
        for payload in _payloads(self.staged, self.names):
            self.result.quads += payload.body.count(b"\n")  # one line per triple (N-Triples)
            if not self.force and self.records.get(payload.name) == {payload.digest}:
                self.result.skipped += 1
                self.bar.step("(unchanged)")
                continue
            yield payload

    def sent(self, payload: Payload) -> None:
        self.result.sent += 1
        self.bar.step(payload.name.rsplit("/", 1)[-1])


def _present(remote: RemoteStore) -> Callable[[Sequence[str]], set[str]]:
    """Which of some graphs the endpoint holds (the batch's graphs that need a drop)."""

    def there(names: Sequence[str]) -> set[str]:
        values = " ".join(f"<{n}>" for n in names)
        exists = "FILTER EXISTS { GRAPH ?g { ?s ?p ?o } }"
        text = f"SELECT ?g WHERE {{ VALUES ?g {{ {values} }} {exists} }}"
        try:
            rows = remote.query(text)
        except EmgKgError as err:
            raise EmgKgError(f"cannot tell which graphs are there: {err}") from None
        return {r[0].value for r in rows if isinstance(r[0], ox.NamedNode)}  # type: ignore[union-attr]

    return there


def _over_update(url: str, job: _Job) -> None:
    """Batches of graphs, each request with its graphs' records (:mod:`emg_kg.query.batches`)."""
    opener = opener_for(url)
    hint = (
        "\n  (the update service: give --update URL, Virtuoso's .../sparql-auth, or load over "
        "the Graph Store Protocol: without --update)"
    )
    there = _present(job.remote) if job.remote else None
    for request in updates(job.wanted(), job.records, MANIFEST, LOADED.value, job.limit, there):
        req = urllib.request.Request(url, request.text, _UPDATE, method="POST")
        _send(opener, req, job.timeout, request.names, "" if job.result.requests else hint)
        job.result.requests += 1
        for payload in request.done:
            job.sent(payload)


def _over_graph_store(url: str, job: _Job) -> None:
    """One graph per request (a PUT, then POSTs for a big graph); the records of the graphs
    about to change removed first, the new ones appended every :data:`FLUSH` graphs."""
    opener = opener_for(url)
    manifest = _graph_url(url, MANIFEST)
    digests = {p.name: p.digest for p in _payloads(job.staged, job.names)}  # hashes only
    sending = {n for n, d in digests.items() if job.force or job.records.get(n) != {d}}
    if sending & job.records.keys():
        kept = [(n, h) for n, hs in job.records.items() if n not in sending for h in sorted(hs)]
        lines = b"".join(record(MANIFEST, LOADED.value, h, n) for n, h in kept)
        job.result.requests += _put(opener, manifest, Payload(MANIFEST, lines, ""), job.timeout)
    pending: list[Payload] = []

    def flush() -> None:
        lines = b"".join(record(MANIFEST, LOADED.value, p.digest, p.name) for p in pending)
        if lines:
            records = Payload(MANIFEST, lines, "")
            job.result.requests += _put(opener, manifest, records, job.timeout, append=True)
        pending.clear()

    try:
        for payload in job.wanted():
            target = _graph_url(url, payload.name)
            job.result.requests += _put(opener, target, payload, job.timeout, job.limit)
            if payload.name:
                pending.append(payload)
            job.sent(payload)
            if len(pending) >= FLUSH:
                flush()
    finally:
        try:
            flush()
        except EmgKgError:
            pass  # best effort: a graph without its record is sent again next time, which is safe
