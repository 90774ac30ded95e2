"""A mistyped name is refused with the same message and "did you mean" as the whole table of names
gives, without reading that table (325,386 pairs, 7-8 s at 2 M quads): the resolver reads the
distinct names, then the entities of only the names it looks at (emg_kg.query.lookup).

Mistyped values made from the shipped graph's own names: a letter dropped or changed, a Chinese
name cut short, unknown IRIs and prefixed names, names of entities of other kinds than a
parameter takes; each resolved as any kind and as each kind set the named queries' ``iri``
parameters take. Both paths must give the same entity, or the same refusal with the same
candidates, and the cheap one must not read every name."""

from __future__ import annotations

import difflib
from collections.abc import Callable
from typing import Any

import pytest

from emg_kg.data.store import open_store
from emg_kg.paths import Layout
from emg_kg.prefixes import PREFIXES, shorten
from emg_kg.query.engines import Engine, OxigraphEngine
from emg_kg.query.registry import iri_term, load_queries
from emg_kg.query.resolve import (
    Names,
    Resolution,
    UnresolvedName,
    _accepts,
    norm,
    resolve,
    suggestions,
)
from emg_kg.query.run import names, resolve_in


def _outcome(resolve_: Callable[..., Resolution], *args: Any, **kwargs: Any) -> str:
    try:
        return resolve_(*args, **kwargs).note()
    except UnresolvedName as err:
        return f"refused: {err} {err.candidates} {err.ambiguous}"


def _kinds(layout: Layout) -> dict[str, tuple[str, ...]]:
    """Each kind set an ``iri`` parameter of a named query takes, and any kind."""
    out: dict[str, tuple[str, ...]] = {"any": ()}
    for query in load_queries(layout).values():
        for p in query.params:
            if p.type == "iri" and p.kinds:
                out[p.name] = tuple(iri_term(k, PREFIXES, "kinds").value for k in p.kinds)
    return out


def _changed(text: str, at: int) -> str:
    return text[:at] + ("q" if text[at] != "q" else "z") + text[at + 1 :]


def _typos(table: Names, kinds: tuple[str, ...], step: int) -> list[str]:
    """Mistyped and misplaced values from the shipped names (one in ``step`` of each sort)."""
    every = sorted({label for mine in table.labels.values() for label in mine.values()})
    wide = [v for v in every if len(v) > 2]
    chinese = [v for v in every if any("\u4e00" <= c <= "\u9fff" for c in v) and len(v) > 2]
    out = [v[: len(v) // 2] + v[len(v) // 2 + 1 :] for v in wide[::step]]  # a letter dropped
    out += [_changed(v, len(v) // 3) for v in wide[1::step]]  # a letter changed
    out += [v[:-1] for v in chinese[::step]] + [v[:-2] for v in chinese[2::step]]  # cut short
    iris = sorted(table.labels)
    for iri in iris[:: step * 4]:  # unknown IRIs and prefixed names, some of known prefixes
        out += [f"<{iri}x>", shorten(iri)[:-1] or "x", shorten(iri).upper()]
    if kinds:  # names only entities of other kinds carry
        other = [
            v
            for v in every
            if not any(_accepts(table, i, kinds) for i in table.by_name.get(norm(v), ()))
        ]
        out += other[::step]
    return sorted(set(out) - set(every))


@pytest.fixture(scope="module")
def table(layout: Layout) -> Names:
    return names(OxigraphEngine(open_store(layout)))


@pytest.mark.parametrize("param", ["any", "body", "mandate"])
def test_a_mistyped_name_is_refused_as_every_name_refuses_it(
    layout: Layout, table: Names, param: str
) -> None:
    kinds = _kinds(layout)[param]
    values = _typos(table, kinds, step=24 if param == "any" else 48)
    engine = OxigraphEngine(open_store(layout))  # one engine: what it read is kept between names
    refused = 0
    for value in values:
        ours = _outcome(resolve_in, engine, value, kinds, what="x", lang="zh")
        assert ours == _outcome(resolve, value, table, kinds, what="x", lang="zh"), value
        refused += ours.startswith("refused")
    assert getattr(engine, "_names", None) is None  # every name was not read
    assert len(values) > 120 and refused > 100


def _pooled(value: str, names: Names, kinds: tuple[str, ...], limit: int = 6) -> list[str]:
    """The suggestions as first written: difflib's ``limit`` best of the names of accepted kinds
    (a pool made first, from every name), then the names containing the text."""
    want = norm(value)
    pool = {k: v for k, v in names.by_name.items() if any(_accepts(names, i, kinds) for i in v)}
    close = difflib.get_close_matches(want, list(pool), n=limit, cutoff=0.5)
    contains = sorted(k for k in pool if len(want) >= 3 and (want in k or k in want) and len(k) > 1)
    out: list[str] = []
    for key in [*close, *sorted(contains, key=len)]:
        for iri in sorted(pool[key]):
            if iri not in out and _accepts(names, iri, kinds):
                out.append(iri)
    return out[:limit]


def test_the_suggestions_are_the_ones_a_pool_of_every_name_gives(
    layout: Layout, table: Names
) -> None:
    """Filtering difflib's whole ranking lazily gives difflib's best of the filtered pool, ties
    and all (a name dropped for its kinds lets the next one in)."""
    found = 0
    for param, kinds in _kinds(layout).items():
        for value in _typos(table, kinds, step=96)[::2]:
            got = suggestions(value, table, kinds)
            assert got == _pooled(value, table, kinds), (param, value)
            found += bool(got)
    assert found > 50


def test_an_endpoint_refuses_as_its_whole_table_does(endpoint_store: Any, layout: Layout) -> None:
    """On Virtuoso too (its default graph also holds its own vocabularies' names)."""
    table_ = names(OxigraphEngine(endpoint_store))
    engine: Engine = OxigraphEngine(endpoint_store)
    body = _kinds(layout)["body"]
    for value, kinds in [("UNDPX", ()), ("CBD", body), ("agency:UNDPX", body), ("开发", ())]:
        ours = _outcome(resolve_in, engine, value, kinds, lang="zh")
        assert ours == _outcome(resolve, value, table_, kinds, lang="zh"), value
        assert ours.startswith("refused")
    assert getattr(engine, "_names", None) is None
