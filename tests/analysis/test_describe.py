"""`stats` and `show` on the real graph: counts that add up, entities found by any name."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from emg_kg.analysis.describe import describe, resolve, short, stats
from emg_kg.cli import main
from emg_kg.prefixes import PREFIXES
from emg_kg.query.resolve import UnresolvedName

UNDP = ox.NamedNode(PREFIXES["agency"] + "UNDP")


@pytest.mark.parametrize(
    "name",
    ["agency:UNDP", "开发署", "联合国开发计划署", "UNDP", "undp", PREFIXES["agency"] + "UNDP"],
)
def test_resolve_by_iri_prefixed_name_label_or_alias(store: ox.Store, name: str) -> None:
    assert resolve(store, name) == UNDP


def test_resolve_by_decision_symbol(store: ox.Store) -> None:
    assert short(resolve(store, "SS.XII/2")) == "decision:unep-gc-ss-xii-2"


def test_resolve_unknown_names_and_parts_of_names(store: ox.Store) -> None:
    with pytest.raises(UnresolvedName, match="nothing is called 'Ministry of Silly Walks'"):
        resolve(store, "Ministry of Silly Walks")
    # a part of a name answers nothing (it used to pick the group); it is only suggested
    with pytest.raises(
        UnresolvedName, match="nothing is called '土地问题管理'; did you mean: .*group:img-land"
    ):
        resolve(store, "土地问题管理")
    assert short(resolve(store, "问题管理小组")) == "emg:IssueManagementGroup"  # an exact name


def test_show_groups_facts_under_the_paragraph_that_states_them(store: ox.Store) -> None:
    desc = describe(store, UNDP)
    assert desc.labels["zh"] and desc.labels["en"]
    para60 = PREFIXES["para"] + "60"
    assert para60 in desc.evidence
    _label, text, facts = desc.evidence[para60]
    assert "开发署" in text
    assert any(f.predicate == "org:hasMember" and not f.outgoing for f in facts)


def test_show_prints_paragraph_text(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["show", "世界气象组织"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("agency:WMO")
    assert "三个组织——工发组织代表总部在维也纳国际中心的联合国实体、世界气象组织以及环境署" in out


def test_show_unknown_entity_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["show", "no such thing at all"]) == 2
    assert "emg-kg: nothing is called 'no such thing at all'" in capsys.readouterr().err


def test_stats_counts_agree_with_the_store(store: ox.Store) -> None:
    result = stats(store)
    assert result["quads"] == len(store)
    per_class = result["entities per class"]
    assert isinstance(per_class, dict)
    assert per_class["emg:Paragraph"] == 61
    assert per_class["emg:AichiTarget"] == 20
    by_status = result["mandates by status"]
    assert isinstance(by_status, dict)
    assert sum(by_status.values()) == per_class["emg:Mandate"]
    levels = result["support statements by evidence level"]
    assert isinstance(levels, dict) and "level:stated" in levels
