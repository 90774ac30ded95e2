"""Bind and run one named, internal or ad-hoc query on any engine: the one row runner (the
notebook facade is :mod:`emg_kg.api`).

:func:`run` checks, binds and runs a :class:`~emg_kg.query.registry.NamedQuery` and returns the
engine-neutral :class:`~emg_kg.query.results.Result`; :func:`rows` is the same for code that
wants rows of terms (the web catalogue, ``show``, ``stats``, the gap report): it takes an engine
or a store (in memory, ``--store`` or ``--endpoint``) and a query or the name of one of the
code's own queries (``queries/internal/NAME.rq``). Values are bound by the engine's own means,
never pasted into the text: Oxigraph's ``substitutions`` (a bound variable must be projected),
rdflib's ``initBindings``, and for an endpoint :func:`emg_kg.query.remote.substitute`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from operator import itemgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import pyoxigraph as ox

from emg_kg.errors import QueryError
from emg_kg.heap import give_back
from emg_kg.paths import Layout, default_layout
from emg_kg.prefixes import PREFIXES
from emg_kg.query.engines import Engine, OxigraphEngine
from emg_kg.query.gate import check
from emg_kg.query.lookup import Reading
from emg_kg.query.registry import (
    NamedQuery,
    Param,
    coerce,
    declared_prefixes,
    internal_query,
    iri_term,
)
from emg_kg.query.remote import with_values
from emg_kg.query.resolve import (
    Names,
    Resolution,
    expand,
    names_from_rows,
    norm,
    resolve,
)
from emg_kg.query.results import Result, Term

if TYPE_CHECKING:
    from emg_kg.query.engines import StoreLike

__all__ = ["bind", "run", "rows", "lexical", "engine_of", "names", "resolve_param", "Rows"]
__all__ += ["Solutions", "project_prefixes", "by_value", "resolve_in"]

_TERMS = (ox.NamedNode, ox.BlankNode, ox.Literal, ox.Triple)


def engine_of(source: Engine | StoreLike) -> Engine:
    """An engine as it is; a store (in memory, on disk, an endpoint) behind Oxigraph's engine."""
    return source if isinstance(source, Engine) else OxigraphEngine(source)


class Solutions(list[dict[str, Term]]):
    """Rows as {variable: term} (unbound variables left out), with the query's ``variables``
    in order and its ``prefixes`` (for shortening IRIs the way the query writes them)."""

    def __init__(self, result: Result) -> None:
        super().__init__(
            {v: t for v, t in zip(result.variables, row, strict=True) if t is not None}
            for row in result.rows
        )
        self.variables, self.prefixes = result.variables, result.prefixes


#: A parameter's value: a string (resolved through its declared type), a term, or a tuple of
#: terms (a list: every row for each term, :func:`emg_kg.query.remote.with_values`).
Value = str | Term | tuple[Term, ...]


def rows(source: Engine | StoreLike, query: NamedQuery | str, /, **params: Value) -> Solutions:
    """The rows of a SELECT query as {variable: term}, unbound variables left out.

    ``query`` is a query, or the name of one of the code's own (``queries/internal/NAME.rq``);
    ``params`` are bound as :func:`run` binds them: a term as it is (a bound variable must be
    projected: Oxigraph substitutes only those), a tuple of terms as a list (``VALUES``: its
    column is kept, it tells the rows apart), a string through the declared type. Every
    engine and backend gives the same rows (the tests compare them). One of the code's own
    reads, part of a larger phase, which gives the memory back (:mod:`emg_kg.heap`) when it ends.
    """
    named = internal_query(query) if isinstance(query, str) else query
    result = run(engine_of(source), named, dict(params), phase_end=False)  # a part of a phase
    if result.kind != "select":
        raise QueryError(f"{named.name}: rows() is for SELECT queries, not {result.kind}")
    return Solutions(result)


def lexical(found: list[dict[str, Term]]) -> list[dict[str, str]]:
    """Rows with each term as its lexical value (an IRI's string), for code that wants text.

    >>> lexical([{"x": ox.NamedNode("http://example.org/a"), "n": ox.Literal("1")}])
    [{'x': 'http://example.org/a', 'n': '1'}]
    """
    return [{k: t.value for k, t in row.items() if not isinstance(t, ox.Triple)} for row in found]


def by_value(*variables: str) -> Callable[[Mapping[str, Term]], tuple[str, ...]]:
    """A sort key for rows of terms: each variable's lexical value, "" when unbound. For sorting
    in Python what Oxigraph sorts slowly (it reads a stored IRI's text at every comparison).

    >>> found = [{"g": ox.NamedNode("http://e.org/b")}, {"g": ox.NamedNode("http://e.org/a")}]
    >>> [r["g"].value for r in sorted(found, key=by_value("g"))]
    ['http://e.org/a', 'http://e.org/b']
    """

    def key(row: Mapping[str, Term]) -> tuple[str, ...]:
        return tuple(row[v].value if v in row else "" for v in variables)  # type: ignore[union-attr]

    return key


def names(engine: Engine | StoreLike) -> Names:
    """Every name in the graph the engine queries, read once per engine:
    ``queries/internal/names.rq``, ``types.rq`` and ``supers.rq`` (325,386 pairs at 2 M quads,
    7-8 s). The resolver reads only what it looks at (:func:`resolve_in`); this is the whole
    table, for a name of very many entities and for code that wants every name."""
    engine = engine_of(engine)
    return _cached(
        engine,
        "_names",
        lambda: names_from_rows(
            _pairs(engine, "names"), _pairs(engine, "types"), _pairs(engine, "supers")
        ),
    )


#: More entities than this under the name typed, and the resolver reads every name instead: a
#: message listing them would read each one's names (a support statement's label is shared by
#: 460 copies at 2 M quads).
HOLDERS_AT_MOST = 64


def _reading(engine: Engine) -> Reading:
    """The engine's names as the resolver reads them (:mod:`emg_kg.query.lookup`): the distinct
    name literals once per engine (``name-values.rq``, 0.1 s at 2 M quads), the rest on demand."""
    return _cached(
        engine,
        "_reading",
        lambda: Reading(
            lambda name, **bound: _pairs(engine, name, **bound),
            (literal for (literal,) in _pairs(engine, "name-values")),
        ),
    )


_T = TypeVar("_T")


_MAKING = threading.RLock()


def _cached(engine: Engine, attr: str, make: Callable[[], _T]) -> _T:
    """One of the engine's name caches: made on first use, then kept on the engine; made once
    when threads ask for it together (:mod:`emg_kg.query.together`)."""
    found: _T | None = getattr(engine, attr, None)
    if found is None:
        with _MAKING:
            found = getattr(engine, attr, None)
            if found is None:
                found = make()
                setattr(engine, attr, found)
    return found


def _pairs(engine: Engine, name: str, **bound: Term) -> list[tuple[Term | None, ...]]:
    return run(engine, internal_query(name), bound, phase_end=False).rows


def resolve_in(
    source: Engine | StoreLike,
    value: str,
    kinds: tuple[str, ...] = (),
    prefixes: dict[str, str] | None = None,
    what: str = "",
    lang: str = "en",
) -> Resolution:
    """``value`` through the one resolver, reading only the names it looks at (an IRI's own; the
    entities called the name typed; for a refusal, those of the few names it suggests): the
    answer and the message are the ones every name gives. Every name is read when read already,
    or when more than :data:`HOLDERS_AT_MOST` entities are called the name typed."""
    engine = engine_of(source)
    table: Names | None = getattr(engine, "_names", None)
    if table is None:
        reading = _reading(engine)
        iri_like = expand(value, prefixes if prefixes is not None else PREFIXES) is not None
        if iri_like or len(reading.holders(norm(value))) <= HOLDERS_AT_MOST:
            return resolve(value, reading, kinds, prefixes, what, lang)
        table = names(engine)
    return resolve(value, table, kinds, prefixes, what, lang)


def resolve_param(
    engine: Engine, param: Param, value: str, prefixes: dict[str, str], lang: str = "en"
) -> Resolution:
    """An ``iri`` parameter's value through the one resolver, restricted to its kinds."""
    every = {**project_prefixes(), **prefixes}
    kinds = tuple(iri_term(k, every, f"{param.name} kinds").value for k in param.kinds)
    return resolve_in(engine, value, kinds, every, f"parameter {param.name}", lang)


def project_prefixes() -> dict[str, str]:
    """The project's prefixes, offered to ad-hoc queries without declaring them."""
    return dict(PREFIXES)


def bind(
    query: NamedQuery,
    given: Mapping[str, Value],
    engine: Engine,
    lang: str | None = None,
    notes: list[Resolution] | None = None,
) -> dict[str, Term]:
    """Parameter values as RDF terms: declared types, defaults, ``--lang``; refuses unknowns.

    A value that is already a term (the code's own calls) is bound as it is; a tuple of terms
    (a list) is left to :func:`run`, which writes it as ``VALUES``. What each ``iri``
    parameter resolved to is appended to ``notes`` (the CLI prints them)."""
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
            if isinstance(value, tuple):  # a list: written as VALUES by run
                continue
            if isinstance(value, _TERMS):
                out[key] = value
                continue
            try:
                out[key] = iri_term(value, prefixes, key)
            except QueryError:
                out[key] = ox.Literal(value)
        return out
    values: dict[str, Value] = {p.name: p.default for p in query.params if p.default is not None}
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
        if isinstance(value, tuple):  # a list: written as VALUES by run
            continue
        if isinstance(value, _TERMS):
            out[key] = value
        elif param.type != "iri":
            out[key] = coerce(param, value, prefixes)
        else:
            lang_ = values.get("lang")
            found = resolve_param(engine, param, value, prefixes, str(lang_ or "en"))
            out[key] = ox.NamedNode(found.iri)
            if notes is not None:
                notes.append(found)
    return out


def run(
    engine: Engine,
    query: NamedQuery,
    params: Mapping[str, Value] | None = None,
    lang: str | None = None,
    notes: list[Resolution] | None = None,
    *,
    phase_end: bool = True,
) -> Result:
    """Check (:func:`~emg_kg.query.gate.check`), bind and run one query; parameter columns
    are hidden. The query's freed working memory is then given back to the system
    (:func:`emg_kg.heap.give_back`), unless ``phase_end`` is False: a caller that reads
    several queries together gives it back once, after the last.

    The gate's verdicts for the shipped queries (``queries/*.rq`` and ``queries/internal/*.rq``)
    are cached by text hash in the store's cache folder, so a shipped query imports the SPARQL
    parser only on its first run after it changed.
    """
    extra = None if query.builtin else project_prefixes()
    cache = None
    if query.builtin:  # shipped text (queries/*.rq, the code's own SPARQL): parsed once per text
        cache = _checkout(query.path).cache_dir
    verdict = check(query.text, query.name, extra, cache)
    given = dict(params or {})
    lists = {k: v for k, v in given.items() if isinstance(v, tuple)}
    bindings = bind(query, given, engine, lang, notes)
    text = with_values(query.text, _checked_lists(query, lists))
    result = engine.execute(text, query.name, bindings, extra, verdict)
    result.prefixes = {**(extra or {}), **declared_prefixes(query.text)}
    hidden = set(query.param_names) - set(lists)
    keep = [i for i, v in enumerate(result.variables) if v not in hidden]
    if len(keep) < len(result.variables):
        result.variables = [result.variables[i] for i in keep]
        result.rows = _columns(result.rows, keep)
    if phase_end:
        give_back()
    return result


def _checked_lists(
    query: NamedQuery, lists: dict[str, tuple[Term, ...]]
) -> dict[str, tuple[Term, ...]]:
    """The lists bound to ``query``'s declared parameters, each a tuple of terms (the code's own
    calls: a user's values are strings, resolved one by one)."""
    declared = set(query.param_names)
    for key, terms in lists.items():
        if declared and key not in declared:
            raise QueryError(f"{query.name}: unknown parameter {key}")
        if not all(isinstance(t, _TERMS) for t in terms):
            raise QueryError(f"{query.name}: parameter {key}: a list binds terms only")
    return lists


def _columns(rows: list[tuple[Term | None, ...]], keep: list[int]) -> list[tuple[Term | None, ...]]:
    """Only the ``keep`` columns of every row: one C-level ``itemgetter`` per row (a generator
    per row took five times as long: 33 ms for 21,000 rows of eleven columns).

    >>> _columns([(1, 2, 3), (4, 5, 6)], [0, 2]), _columns([(1, 2)], [1]), _columns([(1,)], [])
    ([(1, 3), (4, 6)], [(2,)], [()])
    """
    if len(keep) == 1:
        only = keep[0]
        return [(row[only],) for row in rows]
    if not keep:
        return [() for _ in rows]
    return list(map(itemgetter(*keep), rows))


def _checkout(path: Path | None) -> Layout:
    """The copy of the project a shipped query comes from (the folder holding ``queries/``)."""
    for parent in path.parents if path else ():
        if parent.name == "queries":
            return Layout(parent.parent)
    return default_layout()


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
