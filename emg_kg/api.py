"""Run named or ad-hoc queries on either engine; the Python API for notebooks.

>>> from emg_kg.api import load
>>> kg = load()                                          # doctest: +SKIP
>>> kg.query("mandates-for-body", body="body:EMG").df()  # doctest: +SKIP
>>> mine = load(mapping="my-links.csv")                  # doctest: +SKIP
>>> mine.query("aichi-supporters", evidence="all")       # doctest: +SKIP

Oxigraph (the cached store) is the default: it answers in milliseconds without importing
rdflib. ``engine="rdflib"`` runs the same query on rdflib's own SPARQL engine over the same
quads, which is how the tests check that every named query means the same on both.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox

from .engines import ENGINES, Engine, OxigraphEngine, RdflibEngine, open_engine
from .errors import QueryError
from .paths import Layout, default_layout
from .queries import (
    NamedQuery,
    adhoc,
    check_read_only,
    coerce,
    declared_prefixes,
    iri_term,
    load_queries,
    parse_header,
)
from .results import Result, Term

if TYPE_CHECKING:
    from .mapping import Merged

__all__ = [
    "Engine",
    "OxigraphEngine",
    "RdflibEngine",
    "open_engine",
    "open_with_mapping",
    "bind",
    "run",
    "KG",
    "Rows",
    "load",
    "ENGINES",
]

_LABELS = """PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT DISTINCT ?s ?l WHERE {
  VALUES ?p { skos:prefLabel skos:altLabel skos:hiddenLabel skos:notation
              <http://purl.org/dc/terms/identifier> }
  ?s ?p ?l FILTER(isIRI(?s)) }"""


def _resolve_label(engine: Engine, value: str, name: str) -> ox.NamedNode:
    """An entity by label, acronym or symbol: an exact match first, then a unique substring."""
    rows = engine.execute(_LABELS, "label lookup", {}).rows
    want = re.sub(r"\s+", "", value).casefold()
    norm = [
        (s, re.sub(r"\s+", "", t.value if isinstance(t, ox.Literal) else "").casefold())
        for s, t in rows
        if isinstance(s, ox.NamedNode)
    ]
    found = sorted({s.value for s, t in norm if t == want and isinstance(s, ox.NamedNode)})
    if not found:
        found = sorted(
            {s.value for s, t in norm if want and want in t and isinstance(s, ox.NamedNode)}
        )
    if len(found) == 1:
        return ox.NamedNode(found[0])
    if not found:
        raise QueryError(f"parameter {name}: nothing is called {value!r}")
    raise QueryError(
        f"parameter {name}: {value!r} matches {len(found)} entities "
        f"({', '.join(found[:5])}...); give an IRI or prefixed name"
    )


def _resolve_iri(engine: Engine, value: str, name: str) -> ox.NamedNode:
    """A prefixed name the query does not declare (any project prefix), else a label."""
    if re.fullmatch(r"[\w-]+:[\w.\-]*", value.strip()):
        try:
            return iri_term(value, project_prefixes(), name)
        except QueryError:
            pass
    return _resolve_label(engine, value, name)


def project_prefixes() -> dict[str, str]:
    """The project's prefixes, offered to ad-hoc queries (imports rdflib via namespaces)."""
    from .prefixes import PREFIXES

    return dict(PREFIXES)


def bind(
    query: NamedQuery, given: dict[str, str], engine: Engine, lang: str | None = None
) -> dict[str, Term]:
    """Parameter values as RDF terms: declared types, defaults, ``--lang``; refuses unknowns."""
    declared = {p.name: p for p in query.params}
    prefixes = (
        {**project_prefixes(), **declared_prefixes(query.text)}
        if (not declared and given)
        else declared_prefixes(query.text)
    )
    unknown = sorted(set(given) - set(declared)) if declared else []
    if unknown:
        raise QueryError(
            f"{query.name}: unknown parameter(s) {', '.join(unknown)}; it takes "
            f"{', '.join(declared) or 'none'}"
        )
    if not declared:  # an undeclared ad-hoc query: IRIs where they look like IRIs, else strings
        out: dict[str, Term] = {}
        for key, value in given.items():
            try:
                out[key] = iri_term(value, prefixes, key)
            except QueryError:
                out[key] = ox.Literal(value)
        return out
    values = {p.name: p.default for p in query.params if p.default is not None}
    if lang and "lang" in declared and "lang" not in given:
        values["lang"] = lang
    values.update(given)
    missing = [p.name for p in query.params if p.required and p.name not in values]
    if missing:
        raise QueryError(
            f"{query.name}: missing parameter(s) {', '.join(missing)} "
            f"(give --param {missing[0]}=VALUE)"
        )
    out = {}
    for key, value in values.items():
        param = declared[key]
        try:
            out[key] = coerce(param, value, prefixes)
        except QueryError:
            if param.type != "iri":
                raise
            out[key] = _resolve_iri(engine, value, key)
    return out


def run(
    engine: Engine, query: NamedQuery, params: dict[str, str] | None = None, lang: str | None = None
) -> Result:
    """Check, bind and run one query; parameter columns are hidden from the result."""
    check_read_only(query.text, rdflib_engine=engine.name == "rdflib")
    bindings = bind(query, params or {}, engine, lang)
    extra = None if query.builtin else project_prefixes()
    result = engine.execute(query.text, query.name, bindings, extra)
    result.prefixes = {**(extra or {}), **declared_prefixes(query.text)}
    hide = [i for i, v in enumerate(result.variables) if v in query.param_names]
    if hide:
        result.variables = [v for i, v in enumerate(result.variables) if i not in hide]
        result.rows = [tuple(t for i, t in enumerate(r) if i not in hide) for r in result.rows]
    return result


def open_with_mapping(
    layout: Layout, engine: str = "oxigraph", mapping: Path | None = None
) -> tuple[Engine, Merged | None]:
    """An engine over the graph plus a user mapping (see :mod:`emg_kg.mapping`), merged all or
    nothing; the mapping is read against the Oxigraph store whatever the engine, so both
    engines see the same quads. Raises MappingError (every bad line) before merging."""
    if mapping is None:
        return open_engine(layout, engine), None
    from .mapping import apply_mapping
    from .store import open_store

    if engine not in ENGINES:
        raise QueryError(f"unknown engine {engine!r}; use one of {', '.join(ENGINES)}")
    store = open_store(layout)
    merged = apply_mapping(store, Path(mapping))
    if engine == "oxigraph":
        return OxigraphEngine(store), merged
    opened = open_engine(layout, engine)
    assert isinstance(opened, RdflibEngine)
    opened.dataset.parse(data=merged.nquads().decode("utf-8"), format="nquads")
    return opened, merged


class Rows(list[dict[str, Any]]):
    """Rows as dicts; ``.df()`` gives a pandas DataFrame when pandas is installed."""

    def __init__(self, result: Result) -> None:
        super().__init__(result.records() if result.kind == "select" else [])
        self.result = result

    def df(self) -> Any:
        try:
            import pandas as pd
        except ImportError:
            raise ImportError("pandas is not installed: pip install pandas") from None
        return pd.DataFrame(list(self), columns=self.result.variables)


class KG:
    """The report graph, loaded once, queried by name, file or SPARQL text.

    ``mapping`` (a CSV path) merges a user agency -> target mapping first; ``self.mapping``
    then says what was merged (its links, and the graph of each source text)."""

    def __init__(
        self,
        layout: Layout | None = None,
        engine: str = "oxigraph",
        mapping: str | Path | None = None,
    ) -> None:
        self.layout = layout or default_layout()
        self.engine, self.mapping = open_with_mapping(
            self.layout, engine, Path(mapping) if mapping is not None else None
        )

    def queries(self) -> dict[str, NamedQuery]:
        return load_queries(self.layout)

    def query(self, query: str, /, lang: str | None = None, **params: str) -> Rows:
        """Run a named query (``"open-mandates"``), a ``.rq`` path or SPARQL text."""
        if "{" in query:
            named = parse_header("query", query)
        else:
            named = adhoc(query, self.layout)
        return Rows(run(self.engine, named, {k: str(v) for k, v in params.items()}, lang))


def load(
    root: str | None = None, engine: str = "oxigraph", mapping: str | Path | None = None
) -> KG:
    """Load the graph (from ``root``, default the checkout) for notebook use, with a user
    mapping CSV merged if ``mapping`` is given."""
    return KG(Layout(Path(root)) if root else None, engine, mapping)
