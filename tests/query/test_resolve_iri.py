"""A parameter given as an IRI or prefixed name is checked against that entity's own names and
classes, not against every name in the store (24 s at 2 M quads); an unknown or wrong-kind IRI
still gets the full answer."""

from __future__ import annotations

import pytest

from emg_kg.data.store import open_store
from emg_kg.paths import Layout
from emg_kg.query.engines import OxigraphEngine
from emg_kg.query.registry import Param, get_query
from emg_kg.query.resolve import UnresolvedName
from emg_kg.query.run import resolve_param


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


def test_a_name_reads_every_name(layout: Layout) -> None:
    engine = _fresh(layout)
    found = resolve_param(engine, _body(layout), "环境管理小组", {}, "zh")
    assert found.iri.endswith("/body/EMG") and engine._names is not None  # type: ignore[attr-defined]


def test_an_unknown_or_wrong_kind_iri_is_refused_as_before(layout: Layout) -> None:
    engine = _fresh(layout)
    with pytest.raises(UnresolvedName, match="no entity .*did you mean: body:EMG"):
        resolve_param(engine, _body(layout), "body:EMGG", {}, "zh")
    with pytest.raises(UnresolvedName, match="aichi:target-5 is a .*not one of the accepted"):
        resolve_param(_fresh(layout), _body(layout), "aichi:target-5", {}, "zh")
