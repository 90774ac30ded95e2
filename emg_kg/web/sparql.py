"""The SPARQL 1.1 Protocol side of the server: content negotiation, running, describing.

Pure functions, importable in a worker process: :func:`preferences` reads an ``Accept`` header,
:func:`choose` picks a format once the result's kind (rows, boolean, graph) is known, and
:func:`execute` runs a :class:`~emg_kg.web.pool.Job` on a store and serializes the answer with
pyoxigraph's own SPARQL result and RDF serializers. Updates, ``LOAD`` and ``SERVICE`` are
refused here too (:func:`emg_kg.query.gate.check`), before the engine sees the text. The dataset
follows SPARQL 1.1: ``default-graph-uri`` / ``named-graph-uri`` override the query's own
``FROM`` / ``FROM NAMED``, and with neither the default graph is the union of all graphs.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pyoxigraph as ox

from emg_kg.errors import EmgKgError, QueryError, TooManyRows
from emg_kg.query.gate import RefusedError
from emg_kg.query.results import Result, render
from emg_kg.web.errors import status_of

if TYPE_CHECKING:
    from emg_kg.paths import Layout
    from emg_kg.query.registry import Param
    from emg_kg.web.jobs import Job, Reply

__all__ = [
    "FORMATS",
    "ALIASES",
    "preferences",
    "choose",
    "execute",
    "service_description",
    "RefusedError",
    "warm",
]

#: format key -> (media type sent, the kinds it serves, other media types that ask for it)
FORMATS: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]] = {
    "json": ("application/sparql-results+json", ("select", "ask"), ("application/json",)),
    "xml": ("application/sparql-results+xml", ("select", "ask"), ("application/xml", "text/xml")),
    "csv": ("text/csv; charset=utf-8", ("select", "ask"), ()),
    "tsv": ("text/tab-separated-values; charset=utf-8", ("select", "ask"), ()),
    "ttl": ("text/turtle; charset=utf-8", ("graph",), ("application/x-turtle", "text/n3")),
    "nt": ("application/n-triples", ("graph",), ("text/plain",)),
    "jsonld": ("application/ld+json", ("graph",), ("application/json",)),
    "rdfxml": ("application/rdf+xml", ("graph",), ("application/xml", "text/xml")),
}
_GRAPH = {
    "ttl": ox.RdfFormat.TURTLE,
    "nt": ox.RdfFormat.N_TRIPLES,
    "jsonld": ox.RdfFormat.JSON_LD,
    "rdfxml": ox.RdfFormat.RDF_XML,
}
#: ``format=`` values (also SPARQLWrapper's ``output``/``results``) -> format key per kind
ALIASES: dict[str, dict[str, str]] = {
    "json": {"rows": "json", "graph": "jsonld"},
    "xml": {"rows": "xml", "graph": "rdfxml"},
    "csv": {"rows": "csv"},
    "tsv": {"rows": "tsv"},
    "ttl": {"graph": "ttl"},
    "turtle": {"graph": "ttl"},
    "n3": {"graph": "ttl"},
    "nt": {"graph": "nt"},
    "ntriples": {"graph": "nt"},
    "n-triples": {"graph": "nt"},
    "jsonld": {"graph": "jsonld"},
    "json-ld": {"graph": "jsonld"},
    "rdfxml": {"graph": "rdfxml"},
    "rdf+xml": {"graph": "rdfxml"},
    "rdf": {"graph": "rdfxml"},
}
_SD = "http://www.w3.org/ns/sparql-service-description#"
_RESULT_IRIS = {
    "json": "SPARQL_Results_JSON",
    "xml": "SPARQL_Results_XML",
    "csv": "SPARQL_Results_CSV",
    "tsv": "SPARQL_Results_TSV",
    "ttl": "Turtle",
    "nt": "N-Triples",
    "jsonld": "JSON-LD",
    "rdfxml": "RDF_XML",
}


def preferences(accept: str | None) -> list[tuple[str, float]]:
    """``Accept`` as (media range, q) pairs, in header order; [] when absent or ``*/*`` only."""
    out: list[tuple[str, float]] = []
    for part in (accept or "").split(","):
        fields = [f.strip() for f in part.split(";")]
        media = fields[0].lower()
        if "/" not in media:
            continue
        q = 1.0
        for f in fields[1:]:
            key, _, value = f.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = max(0.0, min(1.0, float(value)))
                except ValueError:
                    q = 0.0
        out.append((media, q))
    return out


def _quality(media: str, prefs: list[tuple[str, float]]) -> float:
    """q of the most specific range matching ``media`` (exact > type/* > */*); -1 if none."""
    kind = media.split("/")[0]
    best, rank = -1.0, -1
    for rng, q in prefs:
        r = 2 if rng == media else 1 if rng == f"{kind}/*" else 0 if rng == "*/*" else -1
        if r > rank:
            best, rank = q, r
    return best


def choose(
    kind: str, prefs: list[tuple[str, float]], fmt: str = "", offered: list[str] | None = None
) -> str | None:
    """The format key to answer with, or None when nothing acceptable is offered (406).

    ``kind`` is ``select``, ``ask`` or ``graph``; ``fmt`` (a ``format=`` value or a media type)
    wins over the header; with no preference the first offered format is used.
    """
    group = "graph" if kind == "graph" else "rows"
    candidates = offered or [k for k, v in FORMATS.items() if kind in v[1]]
    if fmt:
        key = fmt.strip().lower()
        if key in ALIASES:
            picked = ALIASES[key].get(group)
            return picked if picked in candidates else None
        prefs = preferences(key)
        if not prefs:  # format=xlsx: neither a format name nor a media type
            return None
    if not prefs:
        return candidates[0]
    best, best_q = None, 0.0
    for key in candidates:
        media = FORMATS[key][0].split(";")[0] if key in FORMATS else key
        alts = FORMATS[key][2] if key in FORMATS else ()
        # wildcards match the primary media type; the aliases only when asked by name
        exact = [q for rng, q in prefs if rng in alts]
        q = max([_quality(media, prefs), *exact])
        if q > best_q:
            best, best_q = key, q
    return best


def _shipped(layout: Layout) -> frozenset[str]:
    """The texts of the shipped queries (read once per worker)."""
    if layout.root not in _SHIPPED:
        from emg_kg.query.registry import load_queries

        _SHIPPED[layout.root] = frozenset(q.text for q in load_queries(layout).values())
    return _SHIPPED[layout.root]


_SHIPPED: dict[object, frozenset[str]] = {}


def warm(layout: Layout) -> None:
    """What a fresh worker does before it says it is ready: read the shipped texts and import
    rdflib's SPARQL parser (0.5 s idle, over 2 s on a busy machine: paid by the first query
    otherwise, which then overran a short time limit on every respawned worker)."""
    from emg_kg.query.gate import parse_verdict

    _shipped(layout)
    parse_verdict("ASK {}", "warm-up", None)


def _rows(store: ox.Store, job: Job, layout: Layout) -> Result:
    """Run ad-hoc SPARQL, stopping at ``max_rows`` (the evaluation is lazy, so it really stops).

    The store may also be a persistent store or an endpoint (``serve --store/--endpoint``)."""
    from emg_kg.prefixes import PREFIXES
    from emg_kg.query.engines import collect, dataset_options
    from emg_kg.query.gate import check

    # a shipped query's verdict is kept on disk too, so a fresh worker need not parse it
    cache = layout.cache_dir if job.text in _shipped(layout) else None
    verdict = check(job.text, "query", PREFIXES, cache)  # RefusedError (403), QueryError (400)
    default, named = verdict.default_graphs, verdict.named_graphs
    if job.default_graph or job.named_graphs:  # the protocol's dataset wins (Protocol §2.1.4)
        default, named = tuple(job.default_graph), tuple(job.named_graphs)
    options: dict[str, object] = {"prefixes": PREFIXES}
    options.update(dataset_options(store, default, named))
    try:
        answer = store.query(job.text, **options)  # type: ignore[arg-type]
    except SyntaxError as err:
        from emg_kg.query.sparql_errors import explain

        raise QueryError(f"syntax error: {explain(job.text, str(err), PREFIXES)}") from None
    try:
        return collect(answer, job.max_rows, PREFIXES)
    finally:
        del answer  # see collect


def _as_table(result: Result) -> bytes:
    """SPARQL JSON for any kind: a graph becomes rows ?subject ?predicate ?object."""
    if result.kind == "graph":
        rows = [(t.subject, t.predicate, t.object) for t in result.triples]
        result = Result("select", ["subject", "predicate", "object"], rows)  # type: ignore[arg-type]
    return result.sparql_json()


def _window(result: Result, first: int, shown: int) -> Result:
    """``shown`` rows (or triples) of ``result`` from ``first``: a named query's page of a
    corpus's listing (21,160 mandates at 2 M quads, over any answer limit as a whole)."""
    from dataclasses import replace

    end = first + shown
    return replace(result, rows=result.rows[first:end], triples=result.triples[first:end])


def _expand(declared: list[Param], given: dict[str, str]) -> dict[str, str]:
    """IRI parameters given as a project prefixed name (``group:img-land``) as full IRIs, even
    when the query does not declare that prefix (the web form and the URL use them freely)."""
    from emg_kg.prefixes import PREFIXES

    out = dict(given)
    for param in declared:
        value = out.get(param.name, "")
        prefix, sep, local = value.partition(":")
        if param.type == "iri" and sep and prefix in PREFIXES and "/" not in local:
            out[param.name] = f"<{PREFIXES[prefix]}{local}>"
    return out


def execute(store: ox.Store, layout: Layout, job: Job) -> Reply:
    """Run ``job`` on ``store`` and serialize it in the negotiated format (worker side)."""
    from emg_kg.web.jobs import Reply

    try:
        if job.report:
            from emg_kg.query.reports import report_view

            store = report_view(store, job.report)
        if job.name:
            from emg_kg.query.engines import OxigraphEngine
            from emg_kg.query.registry import get_query
            from emg_kg.query.run import run

            query = get_query(layout, job.name)
            result = run(OxigraphEngine(store), query, _expand(query.params, job.params))
            total = len(result)
            if job.table and job.shown:  # a page of the table: the rest is one link away
                result = _window(result, job.first, job.shown)
            elif total > job.max_rows:
                raise TooManyRows(job.max_rows)
        else:
            result = _rows(store, job, layout)
            total = len(result)
    except EmgKgError as err:  # refused: 403, malformed: 400 ... (web/errors.py)
        return Reply.error(status_of(err), str(err))
    if job.table:  # the whole answer's count, also for a page of it
        return Reply(200, "application/sparql-results+json", _as_table(result), total, result.kind)
    key = choose(result.kind, job.accept, job.fmt)
    if key is None:
        wanted = job.fmt or ", ".join(m for m, _ in job.accept)
        offered = ", ".join(
            FORMATS[k][0].split(";")[0] for k in FORMATS if result.kind in FORMATS[k][1]
        )
        return Reply.error(
            406,
            f"cannot answer {'an' if result.kind == 'ask' else 'a'} {result.kind.upper()} "
            f"query as {wanted}; offered: {offered}",
        )
    if result.kind == "graph":
        body = ox.serialize(result.triples, format=_GRAPH[key], prefixes=result.prefixes) or b""
    else:
        body = render(result, key)
    return Reply(200, FORMATS[key][0], body, len(result), result.kind)


def service_description(endpoint: str, store: ox.Store) -> list[ox.Triple]:
    """A SPARQL 1.1 Service Description of the endpoint (triples; serialize as negotiated)."""
    sd, ns = ox.NamedNode(endpoint), lambda local: ox.NamedNode(_SD + local)
    rdf_type = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    fmt_ns = "http://www.w3.org/ns/formats/"
    dataset, default = ox.NamedNode(endpoint + "#dataset"), ox.NamedNode(endpoint + "#default")
    triples = [
        ox.Triple(sd, rdf_type, ns("Service")),
        ox.Triple(sd, ns("endpoint"), sd),
        ox.Triple(sd, ns("supportedLanguage"), ns("SPARQL11Query")),
        ox.Triple(sd, ns("feature"), ns("UnionDefaultGraph")),
        ox.Triple(sd, ns("defaultDataset"), dataset),
        ox.Triple(dataset, rdf_type, ns("Dataset")),
        ox.Triple(dataset, ns("defaultGraph"), default),
        ox.Triple(default, rdf_type, ns("Graph")),
        ox.Triple(
            default,
            ns("triples"),
            ox.Literal(
                str(len(store)), datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")
            ),
        ),
    ]
    for key in FORMATS:
        triples.append(ox.Triple(sd, ns("resultFormat"), ox.NamedNode(fmt_ns + _RESULT_IRIS[key])))
    for i, graph in enumerate(sorted(store.named_graphs(), key=lambda g: str(g)), 1):
        node = ox.NamedNode(f"{endpoint}#graph-{i}")
        triples += [
            ox.Triple(dataset, ns("namedGraph"), node),
            ox.Triple(node, rdf_type, ns("NamedGraph")),
            ox.Triple(node, ns("name"), graph),
        ]
    return triples


def graph_json(result_json: bytes) -> dict[str, object]:
    """A SPARQL JSON answer as a dict (the HTML pages read tables this way)."""
    return dict(json.loads(result_json))
