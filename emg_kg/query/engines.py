"""The SPARQL engines behind every query, all behind one :class:`Engine` interface.

Where the quads live is the *backend* (:class:`Backend`): the in-memory Oxigraph store filled
from the cache (the default), a persistent on-disk Oxigraph store (``--store DIR``, see
:mod:`emg_kg.diskstore`) or any SPARQL 1.1 endpoint (``--endpoint URL``, see
:mod:`emg_kg.remote`). The same :class:`OxigraphEngine` runs on all three, since the endpoint
is wrapped to look like a store; rdflib's engine is the in-memory cross-check. All answer over
the union of all evidence graphs and return one engine-neutral
:class:`~emg_kg.results.Result`, so their answers can be compared byte for byte. rdflib is
imported only when its engine is used: a cold ``emg-kg query`` must not pay for it.
"""

from __future__ import annotations

import gc
import os
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Union

import pyoxigraph as ox

from emg_kg.errors import QueryError, TooManyRows
from emg_kg.paths import Layout
from emg_kg.query.results import Result, Term
from emg_kg.query.sparql_errors import explain, oxigraph_errors

if TYPE_CHECKING:
    from rdflib import Dataset

    from emg_kg.data.diskstore import MergedStore
    from emg_kg.query.gate import Verdict
    from emg_kg.query.remote import RemoteStore

__all__ = [
    "ENGINES",
    "Backend",
    "Engine",
    "OxigraphEngine",
    "RdflibEngine",
    "collect",
    "dataset_options",
    "open_backend",
    "open_engine",
]

ENGINES = ("oxigraph", "rdflib")


#: What the commands read from: an Oxigraph store (memory or disk) or an endpoint behind the
#: same methods.
StoreLike = Union[ox.Store, "MergedStore", "RemoteStore"]


@dataclass(frozen=True)
class Backend:
    """Where the quads are: neither field = the in-memory store built from the cache.

    The defaults come from ``EMG_KG_STORE`` / ``EMG_KG_ENDPOINT`` (so the API, the server and
    notebooks can be pointed at a store without code); the command line overrides them."""

    store: Path | None = None
    endpoint: str | None = None

    @classmethod
    def from_env(cls, store: Path | None = None, endpoint: str | None = None) -> Backend:
        if store is None and endpoint is None:
            env_store, env_endpoint = (
                os.environ.get("EMG_KG_STORE"),
                os.environ.get("EMG_KG_ENDPOINT"),
            )
            store = Path(env_store) if env_store else None
            endpoint = env_endpoint or None
        if store is not None and endpoint is not None:
            raise QueryError("give either a store (--store) or an endpoint (--endpoint), not both")
        return cls(store, endpoint)

    @property
    def kind(self) -> str:
        return "endpoint" if self.endpoint else "disk" if self.store else "memory"


def open_backend(layout: Layout, backend: Backend | None = None) -> StoreLike:
    """The store behind ``backend`` (default: the in-memory store filled from the cache)."""
    backend = backend or Backend()
    if backend.endpoint:
        from emg_kg.query.remote import RemoteStore

        return RemoteStore(backend.endpoint)
    if backend.store is not None:
        from emg_kg.data.diskstore import open_store_dir

        return open_store_dir(backend.store, layout)
    from emg_kg.data.store import open_store

    return open_store(layout)


class Engine:
    """A SPARQL engine over the union of all evidence graphs."""

    name = "engine"

    def execute(
        self,
        text: str,
        where: str,
        bindings: dict[str, Term],
        prefixes: dict[str, str] | None = None,
        dataset: Verdict | None = None,
    ) -> Result:
        """Run ``text``; ``dataset`` (the gate's verdict) carries its FROM / FROM NAMED."""
        raise NotImplementedError


class OxigraphEngine(Engine):
    """Oxigraph's SPARQL on a store in memory or on disk, or an endpoint's on its own data."""

    name = "oxigraph"

    def __init__(self, store: StoreLike) -> None:
        self.store = store
        self.name = getattr(store, "kind", "oxigraph")  # "endpoint" for a RemoteStore

    def execute(
        self,
        text: str,
        where: str,
        bindings: dict[str, Term],
        prefixes: dict[str, str] | None = None,
        dataset: Verdict | None = None,
    ) -> Result:
        subs = {ox.Variable(k): v for k, v in bindings.items()}
        graphs = dataset_options(
            self.store,  # type: ignore[arg-type]
            dataset.default_graphs if dataset else None,
            dataset.named_graphs if dataset else None,
            where,
        )
        with oxigraph_errors(where, text, prefixes):
            answer = self.store.query(
                text,
                prefixes=prefixes,
                substitutions=subs or None,
                **graphs,  # type: ignore[arg-type]
            )
            try:
                return collect(answer)
            finally:
                del answer  # see collect


def collect(
    answer: Any, limit: int | None = None, prefixes: dict[str, str] | None = None
) -> Result:
    """The boolean, rows or triples of a store's ``answer``; over ``limit`` rows, TooManyRows
    (the evaluation is lazy, so it really stops there).

    A pyoxigraph result must be dropped on the thread that made it. Stopped early or failing
    (a ``SERVICE`` that cannot be reached fails while the rows are read), it must not stay in a
    frame that the error's traceback keeps: whoever frees the error, maybe on another thread (a
    server's event loop, the garbage collector), would drop it there ("PyQuerySolutions is
    unsendable, but is being dropped on another thread").

    The cyclic garbage collector is paused while the rows are read (:data:`paused_gc`): here,
    where every answer's rows are made (the runner's, the web app's ad-hoc queries'), and only
    here: the runner's column selection after it copies 21,160 rows in 25-65 ms at 2 M quads
    with the collector on or off."""
    try:
        with paused_gc():
            if isinstance(answer, ox.QueryBoolean | bool):
                return Result("ask", boolean=bool(answer), prefixes=dict(prefixes or {}))
            most = limit if limit is not None else -1
            if hasattr(answer, "variables"):  # ox.QuerySolutions, or an endpoint's Solutions
                names = [v.value for v in answer.variables]
                rows: list[tuple[Term | None, ...]] = []
                for solution in answer:
                    if len(rows) == most:
                        raise TooManyRows(most)
                    rows.append(tuple(solution))
                return Result("select", names, rows, prefixes=dict(prefixes or {}))
            triples: list[ox.Triple] = []
            for triple in answer:
                if len(triples) == most:
                    raise TooManyRows(most)
                triples.append(triple)
            return Result("graph", triples=triples, prefixes=dict(prefixes or {}))
    finally:
        del answer


class _Pause:
    """The collector's one pause for the whole process: a count of the blocks inside it.

    ``gc.disable`` is process-wide and the server answers on several threads, so a block that
    saved and restored the flag itself could switch the collector on under another block still
    inside, or read "off" from another block, switch it off after that one switched it back on,
    and leave it off for good (8 threads in and out of such a block did at once). The first
    block in saves the flag and switches the collector off, the last one out restores it."""

    def __init__(self) -> None:
        self.lock, self.inside, self.was_on = threading.Lock(), 0, False

    @contextmanager
    def __call__(self) -> Iterator[None]:
        with self.lock:
            if not self.inside:
                self.was_on = gc.isenabled()
                gc.disable()
            self.inside += 1
        try:
            yield
        finally:
            with self.lock:
                self.inside -= 1
                if not self.inside and self.was_on:
                    gc.enable()


#: Python's cyclic garbage collector off for the block, then back as it was before the first
#: block that overlaps it. Rows and their terms hold no cycles, but each collection walks every
#: object made so far: reading 55,893 rows of twelve columns at 2 M quads, 0.6 s of the 2.7 s a
#: query took.
paused_gc = _Pause()


class RdflibEngine(Engine):
    name = "rdflib"

    def __init__(self, dataset: Dataset) -> None:
        self.dataset = dataset

    def execute(
        self,
        text: str,
        where: str,
        bindings: dict[str, Term],
        prefixes: dict[str, str] | None = None,
        dataset: Verdict | None = None,
    ) -> Result:
        from pyparsing import ParseException

        if dataset is not None and dataset.names_graphs:
            raise QueryError(
                f"{where}: FROM / FROM NAMED are not run on rdflib (it would fetch the IRI "
                "from the network); use GRAPH <iri> { ... } or --engine oxigraph"
            )
        init = {k: _to_rdflib(v) for k, v in bindings.items()}
        try:
            answer = self.dataset.query(text, initBindings=init, initNs=prefixes or {})
            if answer.type == "SELECT":
                names = [str(v) for v in answer.vars or []]
                rows = [tuple(_from_rdflib(t) for t in row) for row in answer]  # type: ignore[union-attr]
                return Result("select", names, rows)
            if answer.type == "ASK":
                return Result("ask", boolean=bool(answer.askAnswer))
            assert answer.graph is not None
            return Result(
                "graph",
                triples=[ox.Triple(*(_from_rdflib(t) for t in triple)) for triple in answer.graph],
            )
        except ParseException as err:
            raise QueryError(
                f"{where}: syntax error at line {err.lineno}, column {err.col}: {err.msg}"
            ) from None
        except Exception as err:  # rdflib raises bare Exceptions for unknown prefixes and more
            if "prefix" in str(err).lower():
                raise QueryError(f"{where}: {explain(text, str(err), prefixes or {})}") from None
            raise QueryError(f"{where}: the query failed: {err}") from None


def dataset_options(
    store: ox.Store,
    default_graphs: tuple[str, ...] | list[str] | None,
    named_graphs: tuple[str, ...] | list[str] | None,
    where: str = "query",
) -> dict[str, object]:
    """pyoxigraph's dataset options under the SPARQL 1.1 rules.

    Nothing named (both None): the default graph is the union of all graphs and every graph is
    a named graph. Otherwise exactly the graphs named: FROM (or ``default-graph-uri``) merge
    into the default graph, FROM NAMED (``named-graph-uri``) are the named graphs, and a side
    left unnamed is empty. Each IRI must name a graph the store holds, else a QueryError.
    """
    if default_graphs is None and named_graphs is None:
        return {"use_default_graph_as_union": True}
    nodes: dict[str, list[ox.NamedNode]] = {"default_graph": [], "named_graphs": []}
    for key, iris in (("default_graph", default_graphs), ("named_graphs", named_graphs)):
        for iri in iris or ():
            try:
                node = ox.NamedNode(iri)
            except ValueError:
                raise QueryError(f"{where}: graph {iri!r} is not an IRI") from None
            if not store.contains_named_graph(node):
                raise QueryError(
                    f"{where}: no graph <{iri}> in this dataset: FROM, FROM NAMED, "
                    "default-graph-uri and named-graph-uri take the name of one of its graphs "
                    "(list them with SELECT DISTINCT ?g { GRAPH ?g { } })"
                )
            nodes[key].append(node)
    return dict(nodes)


def _to_rdflib(term: Term) -> Any:
    from rdflib import BNode, Literal, URIRef

    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        return Literal(term.value, datatype=URIRef(term.datatype.value))
    raise QueryError("RDF-star terms cannot be bound on rdflib")


def _from_rdflib(term: Any) -> Any:
    from rdflib import BNode, Literal, URIRef

    if term is None:
        return None
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(re.sub(r"\W", "", str(term)) or "b")
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise QueryError(f"unexpected term from rdflib: {term!r}")


def open_engine(layout: Layout, name: str = "oxigraph", backend: Backend | None = None) -> Engine:
    """Oxigraph on ``backend`` (default the cached in-memory store), or an rdflib Dataset
    (default graph = union) of the cached quads."""
    from emg_kg.data.store import cached_nquads

    if name == "oxigraph":
        return OxigraphEngine(open_backend(layout, backend))
    if backend is not None and backend.kind != "memory":
        raise QueryError("--engine rdflib runs in memory only; drop --store/--endpoint")
    if name == "rdflib":
        from rdflib import Dataset

        dataset = Dataset(default_union=True)
        dataset.parse(cached_nquads(layout), format="nquads")
        return RdflibEngine(dataset)
    raise QueryError(f"unknown engine {name!r}; use one of {', '.join(ENGINES)}")
