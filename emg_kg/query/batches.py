"""SPARQL 1.1 Update requests that replace many graphs in one request, for `emg-kg load`.

A corpus holds tens of thousands of small evidence graphs; sent one HTTP request each (the
Graph Store Protocol's ``PUT``) the requests, not the data, take the time. Here a batch of
graphs is replaced by at most three requests (standard SPARQL 1.1 Update), in this order:

1. ``DELETE DATA`` of the graphs' old records in the load manifest (if it holds any);
2. the graphs: ``DROP SILENT GRAPH <g>`` of each that the endpoint already holds (asked per
   batch, ``FILTER EXISTS``), so each is replaced, never doubled; a graph it does not hold, as
   in a first load, needs none (a drop costs Virtuoso 2 ms even then). Emptying the batch in
   one ``DELETE { GRAPH ?g { ?s ?p ?o } } WHERE { VALUES ?g { ... } GRAPH ?g { ?s ?p ?o } }``
   was faster at 200,000 quads, but at 2 million Virtuoso 7.2 failed on it ("Bad argument to
   iri_to_id (), 'nodeID://8192' is not valid bnode IRI"). Then one ``INSERT DATA { GRAPH <a>
   { ... } GRAPH <b> { ... } }`` of their triples, and
   ``INSERT { GRAPH <g> { ... } } WHERE {}`` (the template form, which inserts the same
   triples once) for a graph with a literal typed ``xsd:duration``, which Virtuoso 7.2 refuses
   in ``INSERT DATA`` (SR553, "can not be created from SQL value of type INTEGER");
3. ``INSERT DATA`` of the graphs' new records.

So at every point a record names what its graph holds (a request cut short, or killed with
its client, leaves a graph without a record, which the next load sends again). The body stays
within a bound (:data:`CHUNK`: Virtuoso answers a digest-authenticated request 401 before
reading its body and drops the connection, so a body of megabytes fails).

What cannot join a batch goes in requests of its own:

* a graph larger than the bound: emptied with its first piece, then one ``INSERT DATA`` per
  piece of whole lines; its record comes with the last piece;
* a graph with blank nodes: whole, alone, in the template form. A blank node's label holds
  within one operation (SPARQL 1.1 Query, the grammar note on blank nodes: one label may not
  appear in two operations of a request), so such a graph is neither cut nor batched (a node
  shared by two graphs becomes two, as over the Graph Store Protocol); Virtuoso 7.2 refuses
  blank nodes in ``INSERT DATA`` ("not allowed in a constant clause"), while the template gives
  them fresh nodes once, keeping the graph's structure.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence, Set
from dataclasses import dataclass, field

import pyoxigraph as ox

__all__ = ["CHUNK", "Payload", "Update", "updates", "pieces", "record"]

#: Which of the graphs named the endpoint holds (asked once per batch).
There = Callable[[Sequence[str]], Set[str]]

#: The largest request body sent (about): see the module docstring.
CHUNK = 256 * 1024


@dataclass
class Payload:
    """One graph to send: its IRI, its triples as N-Triples and their hash."""

    name: str
    body: bytes
    digest: str

    @property
    def blank(self) -> bool:
        return b"_:" in self.body

    @property
    def template(self) -> bool:
        """Whether its triples go in the template form (module docstring)."""
        return self.blank or b"XMLSchema#duration>" in self.body


@dataclass
class Update:
    """One request: its text and the graphs it finishes (their records are in it)."""

    text: bytes
    done: list[Payload] = field(default_factory=list)
    names: list[str] = field(default_factory=list)  # every graph it touches, for messages


def record(manifest: str, loaded: str, digest: str, name: str) -> bytes:
    """The manifest's triple for one graph, as N-Triples (a literal "HASH GRAPH")."""
    triple = ox.Triple(ox.NamedNode(manifest), ox.NamedNode(loaded), ox.Literal(f"{digest} {name}"))
    return ox.serialize([triple], format=ox.RdfFormat.N_TRIPLES) or b""


def pieces(body: bytes, limit: int) -> list[bytes]:
    """``body`` (N-Triples) cut at line ends into pieces of at most about ``limit`` bytes; a
    line longer than that goes whole."""
    out, start = [], 0
    while start < len(body):
        end = body.rfind(b"\n", start, start + limit) + 1
        if end <= start:
            end = body.find(b"\n", start + limit) + 1 or len(body)
        out.append(body[start:end])
        start = end
    return out or [b""]


class _Request:
    """The operations of one request as they are gathered (module docstring, 1-5)."""

    def __init__(self, manifest: str, loaded: str, there: There | None) -> None:
        self.manifest, self.loaded, self.there = manifest, loaded, there
        self.forget: list[bytes] = []
        self.empty: list[str] = []
        self.data: list[bytes] = []
        self.templates: list[bytes] = []
        self.keep: list[bytes] = []
        self.update = Update(b"")
        self.size = 0

    def graph(
        self, name: str, old: Iterable[str], body: bytes, template: bool, first: bool
    ) -> None:
        """Add a graph (or a piece of one: ``first`` empties the graph)."""
        self.forget += [record(self.manifest, self.loaded, h, name) for h in sorted(old)]
        iri = b"<%s>" % name.encode()
        if first:
            self.empty.append(name)
        block = b"GRAPH %s {\n%s}" % (iri, body)
        (self.templates if template else self.data).append(block)
        self.update.names.append(name)
        self.size += len(block) + 3 * len(iri) + 400  # the block, its IRI, two records

    def finish(self, payload: Payload) -> None:
        self.keep.append(record(self.manifest, self.loaded, payload.digest, payload.name))
        self.update.done.append(payload)

    def build(self) -> list[Update]:
        """The requests: the old records' deletion, the graphs, the new records. Three, not
        one: on Virtuoso 7.2 a manifest operation in the request that empties the graphs made it
        3-4x slower (70 graphs: 0.42 s against 0.13 s), and apart they cost 0.03 s."""
        m = self.manifest.encode()
        names = self.update.names
        out = []
        if self.forget:
            text = b"DELETE DATA { GRAPH <%s> {\n%s} }" % (m, b"".join(self.forget))
            out.append(Update(text, [], names))
        ops = []
        present = self.there(self.empty) if self.there and self.empty else set(self.empty)
        ops += [b"DROP SILENT GRAPH <%s>" % n.encode() for n in self.empty if n in present]
        if self.data:
            ops.append(b"INSERT DATA {\n%s\n}" % b"\n".join(self.data))
        ops += [b"INSERT {\n%s\n} WHERE {}" % t for t in self.templates]
        out.append(Update(b" ;\n".join(ops), [], names))
        if self.keep:
            text = b"INSERT DATA { GRAPH <%s> {\n%s} }" % (m, b"".join(self.keep))
            out.append(Update(text, self.update.done, names))
        return out


def updates(
    graphs: Iterable[Payload],
    old: dict[str, set[str]],
    manifest: str,
    loaded: str,
    limit: int = CHUNK,
    there: There | None = None,
) -> Iterator[Update]:
    """The requests that replace ``graphs`` on the endpoint and record them in ``manifest``
    (``old``: the records it holds, graph -> hashes, deleted with their graph's first piece;
    ``there``: which of some graphs the endpoint holds, the only ones dropped; None: drop all)."""
    batch = _Request(manifest, loaded, there)
    for graph in graphs:
        cost = len(graph.body) + 4 * len(graph.name) + 400  # the graph, its IRI, two records
        if graph.template or cost > limit:
            if batch.update.names:
                yield from batch.build()
                batch = _Request(manifest, loaded, there)
            yield from _alone(graph, old.get(graph.name, ()), manifest, loaded, limit, there)
            continue
        if batch.update.names and batch.size + cost > limit:
            yield from batch.build()
            batch = _Request(manifest, loaded, there)
        batch.graph(graph.name, old.get(graph.name, ()), graph.body, graph.template, True)
        batch.finish(graph)
    if batch.update.names:
        yield from batch.build()


def _alone(
    graph: Payload,
    old: Iterable[str],
    manifest: str,
    loaded: str,
    limit: int,
    there: There | None,
) -> Iterator[Update]:
    """A big graph in pieces (its record with the last), or a graph with blank nodes whole."""
    whole = [graph.body] if graph.blank else pieces(graph.body, max(limit - 1024, 1024))
    for number, piece in enumerate(whole):
        request = _Request(manifest, loaded, there)
        first = number == 0
        request.graph(graph.name, old if first else (), piece, graph.template, first)
        if number == len(whole) - 1:
            request.finish(graph)
        yield from request.build()
