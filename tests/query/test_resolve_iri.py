"""A value given as an IRI or prefixed name is checked against that entity's own names and
classes, and a typed name against the names of the entities it matches exactly, not against every
name in the store (7-24 s at 2 M quads); an unknown name or IRI, or one of another kind, gets its
suggestions from the entities of the few names they list (tests/query/test_resolve_typos.py holds
many such), and every answer and message is the one the whole table gives."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pyoxigraph as ox
import pytest

from emg_kg.data.store import open_store
from emg_kg.paths import Layout
from emg_kg.prefixes import PREFIXES
from emg_kg.query import run as run_module
from emg_kg.query.engines import OxigraphEngine
from emg_kg.query.registry import Param, get_query, internal_query
from emg_kg.query.resolve import Resolution, UnresolvedName, norm, resolve
from emg_kg.query.run import names, resolve_in, resolve_param

NAMES = internal_query("names").text


def _fresh(layout: Layout) -> OxigraphEngine:
    return OxigraphEngine(open_store(layout))


def _body(layout: Layout) -> Param:
    return next(p for p in get_query(layout, "mandates-for-body").params if p.name == "body")


@pytest.mark.parametrize("value", ["body:EMG", "<https://w3id.org/emg-kg/id/body/EMG>"])
def test_an_iri_reads_only_its_own_names(layout: Layout, value: str) -> None:
    engine = _fresh(layout)
    found = resolve_param(engine, _body(layout), value, {}, "zh")
    assert found.iri == "https://w3id.org/emg-kg/id/body/EMG"
    assert found.label == "联合国环境管理小组" and found.kind == "emg:CoordinationBody"
    assert getattr(engine, "_names", None) is None  # every name was not read


def test_a_name_reads_only_the_names_of_what_it_names(layout: Layout) -> None:
    engine = _fresh(layout)
    found = resolve_param(engine, _body(layout), "环境管理小组", {}, "zh")
    assert found.iri.endswith("/body/EMG") and found.label == "联合国环境管理小组"
    assert getattr(engine, "_names", None) is None  # every name was not read


def test_an_unknown_name_reads_only_the_names_it_suggests(layout: Layout) -> None:
    engine = _fresh(layout)
    with pytest.raises(
        UnresolvedName, match="nothing is called 'UNDPX'; did you mean: agency:UNDP"
    ):
        resolve_in(engine, "UNDPX")
    assert getattr(engine, "_names", None) is None  # every name was not read
    reading = engine._reading  # type: ignore[attr-defined]
    # the names of the six suggested entities, the entities of a few close names
    assert 0 < len(reading.labels) <= 6 and 0 < len(reading._held) < 20


def _outcome(resolve_: Callable[..., Resolution], *args: Any, **kwargs: Any) -> str:
    try:
        return resolve_(*args, **kwargs).note()
    except UnresolvedName as err:
        return f"refused: {err} {err.candidates} {err.ambiguous}"


@pytest.mark.parametrize("cap", [run_module.HOLDERS_AT_MOST, 1])
@pytest.mark.parametrize("as_body", [False, True])
def test_every_name_resolves_as_the_whole_table_resolves_it(
    layout: Layout, monkeypatch: pytest.MonkeyPatch, cap: int, as_body: bool
) -> None:
    """Every name in the shipped graph as any kind, every name of a body as a body
    (mandates-for-body's kinds) and one in 40 of the others (each refusal computes suggestions
    from every name, twice), also with the holders capped at one entity (the fallback to every
    name): the same entity, or the same refusal with the same suggestions."""
    table = names(_fresh(layout))
    read = _fresh(layout).execute(NAMES, "names", {}).rows
    every = sorted({label.value for _, label in read if isinstance(label, ox.Literal)})
    body = _body(layout)
    kinds = tuple(PREFIXES[k.split(":")[0]] + k.split(":")[1] for k in body.kinds)
    want = kinds if as_body else ()
    if as_body:
        bodies = {
            v for v in every if any(table.kinds(i) & set(kinds) for i in table.by_name[norm(v)])
        }
        every = sorted(bodies | set(every[::40]))
    monkeypatch.setattr(run_module, "HOLDERS_AT_MOST", cap)
    engine = _fresh(layout)
    for value in every:
        ours = _outcome(resolve_in, engine, value, want, what="x")
        assert ours == _outcome(resolve, value, table, want, what="x"), value
    # only a name of more entities than the cap reads every name
    assert len(every) > (200 if as_body else 2000)
    assert (getattr(engine, "_names", None) is None) == (cap > 1)
