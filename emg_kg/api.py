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

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox

from .engines import ENGINES, Backend, Engine, OxigraphEngine, RdflibEngine, open_engine
from .errors import QueryError
from .gate import check
from .paths import Layout, default_layout
from .queries import (
    NamedQuery,
    Param,
    adhoc,
    coerce,
    declared_prefixes,
    iri_term,
    load_queries,
    parse_header,
)
from .resolve import (
    NAMES_QUERY,
    SUPERS_QUERY,
    TYPES_QUERY,
    Names,
    Resolution,
    names_from_rows,
    resolve,
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
    "names",
    "resolve_param",
    "KG",
    "Rows",
    "load",
    "ENGINES",
]


def names(engine: Engine) -> Names:
    """Every name in the graph the engine queries, read once per engine (the resolver's input)."""
    cached: Names | None = getattr(engine, "_names", None)
    if cached is None:

        def rows(query: str) -> list[tuple[Term | None, ...]]:
            return engine.execute(query, "name lookup", {}).rows

        cached = names_from_rows(rows(NAMES_QUERY), rows(TYPES_QUERY), rows(SUPERS_QUERY))
        engine._names = cached  # type: ignore[attr-defined]
    return cached


def resolve_param(
    engine: Engine, param: Param, value: str, prefixes: dict[str, str], lang: str = "en"
) -> Resolution:
    """An ``iri`` parameter's value through the one resolver, restricted to its kinds."""
    every = {**project_prefixes(), **prefixes}
    kinds = tuple(iri_term(k, every, f"{param.name} kinds").value for k in param.kinds)
    return resolve(value, names(engine), kinds, every, f"parameter {param.name}", lang)


def project_prefixes() -> dict[str, str]:
    """The project's prefixes, offered to ad-hoc queries (imports rdflib via namespaces)."""
    from .prefixes import PREFIXES

    return dict(PREFIXES)


def bind(
    query: NamedQuery,
    given: dict[str, str],
    engine: Engine,
    lang: str | None = None,
    notes: list[Resolution] | None = None,
) -> dict[str, Term]:
    """Parameter values as RDF terms: declared types, defaults, ``--lang``; refuses unknowns.

    What each ``iri`` parameter resolved to is appended to ``notes`` (the CLI prints them)."""
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
        if param.type != "iri":
            out[key] = coerce(param, value, prefixes)
            continue
        found = resolve_param(engine, param, value, prefixes, values.get("lang") or "en")
        out[key] = ox.NamedNode(found.iri)
        if notes is not None:
            notes.append(found)
    return out


def run(
    engine: Engine,
    query: NamedQuery,
    params: dict[str, str] | None = None,
    lang: str | None = None,
    notes: list[Resolution] | None = None,
) -> Result:
    """Check (:func:`emg_kg.gate.check`), bind and run one query; parameter columns are hidden.

    The gate's verdicts for the shipped queries are cached by text hash in the store's cache
    folder, so a named query imports the SPARQL parser only on its first run after it changed.
    """
    extra = None if query.builtin else project_prefixes()
    cache = None
    if query.builtin:  # shipped text (queries/*.rq, the code's own SPARQL): parsed once per text
        cache = (Layout(query.path.parent.parent) if query.path else default_layout()).cache_dir
    verdict = check(query.text, query.name, extra, cache)
    bindings = bind(query, params or {}, engine, lang, notes)
    result = engine.execute(query.text, query.name, bindings, extra, verdict)
    result.prefixes = {**(extra or {}), **declared_prefixes(query.text)}
    hide = [i for i, v in enumerate(result.variables) if v in query.param_names]
    if hide:
        result.variables = [v for i, v in enumerate(result.variables) if i not in hide]
        result.rows = [tuple(t for i, t in enumerate(r) if i not in hide) for r in result.rows]
    return result


def open_with_mapping(
    layout: Layout,
    engine: str = "oxigraph",
    mapping: Path | None = None,
    backend: Backend | None = None,
) -> tuple[Engine, Merged | None]:
    """An engine over the graph plus a user mapping (see :mod:`emg_kg.mapping`), merged all or
    nothing; the mapping is read against the Oxigraph store whatever the engine, so both
    engines see the same quads. Raises MappingError (every bad line) before merging.
    ``backend`` (--store/--endpoint) is read as it is: a mapping merges in memory only."""
    if backend is not None and backend.kind != "memory":
        if mapping is not None:
            raise QueryError(
                "--mapping merges into the in-memory store only; drop --store/--endpoint"
            )
        return open_engine(layout, engine, backend), None
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
        store: str | None = None,
        endpoint: str | None = None,
    ) -> None:
        self.layout = layout or default_layout()
        backend = Backend.from_env(Path(store) if store else None, endpoint)
        self.engine, self.mapping = open_with_mapping(
            self.layout, engine, Path(mapping) if mapping is not None else None, backend
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
    root: str | None = None,
    engine: str = "oxigraph",
    mapping: str | Path | None = None,
    store: str | None = None,
    endpoint: str | None = None,
) -> KG:
    """Load the graph (from ``root``, default the checkout; or open ``store``/``endpoint``,
    else $EMG_KG_STORE/$EMG_KG_ENDPOINT) for notebook use, with a user mapping CSV merged if
    ``mapping`` is given (in memory only)."""
    return KG(Layout(Path(root)) if root else None, engine, mapping, store, endpoint)
