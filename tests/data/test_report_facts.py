"""What the report says that the graph used to miss (issue 9), checked on the real graph: NBSAPs
as an entity, para 21's kinds of capacity support, para 61's first volunteers, para 53's 54
organizations as coverage, one preferred date pair per meeting, decision dates from the adopting
meeting, and the section rule for short forms such as 问题管理小组."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pyoxigraph as ox
import pytest

from emg_kg.api import run
from emg_kg.data.build import Built, build
from emg_kg.data.validate import mention_failures
from emg_kg.paths import Layout
from emg_kg.query.engines import Engine
from emg_kg.query.registry import get_query, parse_header
from emg_kg.query.results import render
from emg_kg.web.catalog import Catalog

ID = "https://w3id.org/emg-kg/id/"
PARA = ID + "report/gc27-emg/para/"
SRC = ID + "source/"
CAPACITY = ID + "capacity-support/"


def select(engine: Engine, text: str) -> list[dict[str, str]]:
    """Rows of an ad-hoc query (project prefixes available), terms as plain strings."""
    result = run(engine, parse_header("test", text))
    return [
        {v: (t.value if t is not None else "") for v, t in zip(result.variables, row, strict=True)}
        for row in result.rows
    ]


def named(engine: Engine, layout: Layout, name: str, **params: str) -> list[dict[str, str]]:
    result = run(engine, get_query(layout, name), params)
    return list(csv.DictReader(io.StringIO(render(result, "csv").decode("utf-8"))))


def para_text(engine: Engine, n: int) -> str:
    rows = select(engine, f"SELECT ?t WHERE {{ <{PARA}{n}> schema:text ?t }}")
    return rows[0]["t"]


def test_nbsaps_are_an_entity_that_mandates_and_statements_link_to(oxigraph: Engine) -> None:
    labels = select(
        oxigraph,
        "SELECT ?l WHERE { doc:nbsap a emg:DocumentKind ; skos:prefLabel ?l }",
    )
    assert {r["l"] for r in labels} == {
        "国家生物多样性战略和行动计划",
        "national biodiversity strategies and action plans",
    }
    links = {
        (r["s"].removeprefix(ID), r["g"].removeprefix(ID))
        for r in select(oxigraph, "SELECT ?s ?g WHERE { GRAPH ?g { ?s dct:subject doc:nbsap } }")
    }
    report = "report/gc27-emg/para/"
    assert {
        ("mandate/som17-img-biodiversity-continue", report + "15"),
        ("doc/national-cooperation-note", report + "20"),
        ("mandate/mapping-report-recommends-un-system", report + "21"),
        ("mandate/som18-extends-img-biodiversity", report + "25"),
        ("aichi/target-17", "source/cbd-decision-x-2"),
        ("support/undp-aichi-target-17", "inference/nbsap-target-17"),
        ("support/img-biodiversity-aichi-target-17", "inference/img-biodiversity-target-17"),
    } <= links
    for n in (15, 20, 21, 25):  # each paragraph uses the report's own words for NBSAPs
        assert "国家生物多样性战略和行动计划" in para_text(oxigraph, n).replace(" ", "")


def test_para_21_kinds_of_capacity_support_are_facts(oxigraph: Engine) -> None:
    rows = select(
        oxigraph,
        "SELECT ?kind ?zh ?g WHERE { GRAPH ?g { agency:UN-system emg:offersSupport ?kind } "
        "?kind a emg:CapacitySupportKind ; skos:inScheme ?scheme ; skos:prefLabel ?zh "
        "FILTER(LANG(?zh) = 'zh') }",
    )
    assert {r["g"] for r in rows} == {PARA + "21"}
    assert sorted(r["kind"].removeprefix(CAPACITY) for r in rows) == [
        "awareness-raising",
        "information-exchange",
        "monitoring-evaluation-tools",
        "resource-mobilization",
    ]
    text = para_text(oxigraph, 21)
    assert all(r["zh"] in text for r in rows)  # the report's words, not a paraphrase


def test_para_61_first_volunteers_are_an_explicit_relation(oxigraph: Engine) -> None:
    mandate = "mandate:som18-decides-peer-review-pilots"
    rows = select(
        oxigraph, f"SELECT ?who ?g WHERE {{ GRAPH ?g {{ {mandate} emg:firstVolunteer ?who }} }}"
    )
    assert {r["who"].removeprefix(ID + "agency/") for r in rows} == {
        "VIC-UN-entities",
        "WMO",
        "UNEP",
    }
    assert {r["g"] for r in rows} == {PARA + "61"}
    count = select(oxigraph, "SELECT ?n WHERE { figure:peer-review-volunteers schema:value ?n }")
    assert int(count[0]["n"]) == len(rows) == 3  # "三个组织"
    assert not select(oxigraph, f"SELECT ?x WHERE {{ {mandate} dct:references ?x }}")
    assert select(
        oxigraph,
        "SELECT (1 AS ?x) WHERE { GRAPH para:61 "
        "{ agency:UNIDO prov:actedOnBehalfOf agency:VIC-UN-entities } }",
    )


def test_para_53_counts_organizations_covered_not_contributors(oxigraph: Engine) -> None:
    assert not select(
        oxigraph, "SELECT ?n WHERE { pub:climate-neutral-un-2012 emg:contributorCount ?n }"
    )
    rows = select(
        oxigraph,
        "SELECT ?v ?year ?g WHERE { GRAPH ?g { figure:ghg-inventory-2010-organizations "
        "emg:about pub:climate-neutral-un-2012 ; schema:value ?v ; emg:refYear ?year } }",
    )
    assert [(r["v"], r["year"], r["g"]) for r in rows] == [("54", "2010", PARA + "53")]
    assert "54个联合国组织" in para_text(oxigraph, 53).replace(" ", "")


@pytest.mark.parametrize("engine_name", ["oxigraph", "rdflib_engine"])
def test_meetings_query_gives_one_date_pair_per_meeting(
    layout: Layout, engine_name: str, request: pytest.FixtureRequest
) -> None:
    engine: Engine = request.getfixturevalue(engine_name)
    rows = named(engine, layout, "meetings")
    pairs: dict[str, set[tuple[str, str]]] = {}
    for r in rows:
        pairs.setdefault(r["meeting"], set()).add((r["start"], r["end"]))
    assert {m: p for m, p in pairs.items() if len(p) > 1} == {}
    cop11 = [r for r in rows if r["meeting"].endswith("/cbd-cop-11")]
    assert {(r["start"], r["end"], r["datedBy"]) for r in cop11} == {
        ("2012-10-08", "2012-10-19", SRC + "iisd-enb")
    }
    assert {r["otherDates"] for r in cop11} == {"2012-10-09/2012-10-18 (para:22)"}


def test_every_meeting_with_differing_dates_has_one_preferred_graph(oxigraph: Engine) -> None:
    """The data rule behind the queries: dates that differ across graphs need a preference
    naming one of the graphs that date the meeting; the report's dates stay in its graph."""
    rows = select(
        oxigraph,
        "SELECT ?m ?g ?s ?e WHERE { GRAPH ?g { ?m schema:startDate ?s "
        "OPTIONAL { ?m schema:endDate ?e } } }",
    )
    dated: dict[str, dict[str, tuple[str, str]]] = {}
    for r in rows:
        dated.setdefault(r["m"], {})[r["g"]] = (r["s"], r["e"])
    prefs = {
        r["m"]: r["p"] for r in select(oxigraph, "SELECT ?m ?p WHERE { ?m emg:preferredDating ?p }")
    }
    differing = {m for m, by in dated.items() if len(set(by.values())) > 1}
    assert differing == {ID + f"meeting/{m}" for m in ("cbd-cop-11", "unccd-cop-10", "emg-som-17")}
    for m in differing:
        assert prefs.get(m) in dated[m], m
    assert dated[ID + "meeting/cbd-cop-11"][PARA + "22"] == ("2012-10-09", "2012-10-18")


def test_mandate_dates_use_the_preferred_pair(oxigraph: Engine, layout: Layout) -> None:
    chain = named(
        oxigraph, layout, "mandate-chain", mandate="mandate:som18-extends-img-biodiversity"
    )
    steps: dict[str, set[str]] = {}
    for r in chain:
        steps.setdefault(r["step"], set()).add(r["issued"])
    assert all(len(v) == 1 for v in steps.values()), steps
    cop11 = ID + "mandate/cbd-xi-6-invites-emg-report-cop12"
    assert steps[cop11] == {"2012-10-08"}  # decision XI/6, adopted at COP 11 (IISD's dates)


def test_decisions_fall_back_to_the_adopting_meeting(oxigraph: Engine, layout: Layout) -> None:
    rows = named(oxigraph, layout, "decisions", lang="en")
    dates = {r["symbol"]: (r["date"], r["dateFrom"]) for r in rows}
    meeting = "adopting meeting"
    assert dates["X/2"] == ("2010-10-18/2010-10-29", meeting)
    assert dates["XI/6"] == ("2012-10-08/2012-10-19", meeting)
    assert dates["9/COP.10"] == ("2011-10-10/2011-10-21", meeting)
    assert dates["4/6"] == ("2012-05-07/2012-05-11", meeting)
    assert dates["58/209"] == ("", "")  # nothing public read says when: silent
    assert dates["66/288"] == ("2012-07-27", "decision")
    cop10 = select(
        oxigraph,
        "SELECT ?s ?e WHERE { GRAPH src:iisd-enb { meeting:cbd-cop-10 schema:startDate ?s ; "
        "schema:endDate ?e } }",
    )
    assert [(r["s"], r["e"]) for r in cop10] == [("2010-10-18", "2010-10-29")]


def test_a_short_form_names_its_sections_group_in_that_paragraphs_graph(
    oxigraph: Engine,
) -> None:
    """Para 24 says only 问题管理小组; in section IV.A that is the biodiversity IMG, so the
    meeting's group is stated in para 24's own graph, not in an inference."""
    text = para_text(oxigraph, 24)
    assert "问题管理小组" in text and "生物多样性问题管理小组" not in text
    assert select(
        oxigraph,
        "SELECT (1 AS ?x) WHERE { GRAPH para:24 "
        "{ meeting:img-biodiversity-7 emg:meetingOf group:img-biodiversity } }",
    )
    heading = select(
        oxigraph,
        "SELECT ?t WHERE { para:24 dct:isPartOf ?s . "
        "?s skos:prefLabel ?t FILTER(LANG(?t) = 'zh') }",
    )
    assert heading[0]["t"] == "生物多样性问题管理小组"


def add_facts(layout: Layout, text: str) -> Built:
    path: Path = layout.data_dir / "organizations.trig"
    path.write_text(path.read_text(encoding="utf-8") + "\n" + text + "\n", encoding="utf-8")
    return build(layout)


def test_a_short_form_does_not_reach_outside_its_section(copy_layout: Layout) -> None:
    # para 32 (section IV.B, land) says 问题管理小组 too, but that is the land IMG there
    built = add_facts(
        copy_layout, "para:32 { meeting:img-land-3 emg:chair group:img-biodiversity . }"
    )
    failures = {(str(u), str(n)) for u, n in mention_failures(built.dataset)}
    assert failures == {(PARA + "32", ID + "group/img-biodiversity")}


def test_without_the_short_form_the_paragraph_cannot_name_the_group(copy_layout: Layout) -> None:
    path: Path = copy_layout.data_dir / "organizations.trig"
    text = path.read_text(encoding="utf-8")
    short = 'group:img-biodiversity emg:sectionShortForm "问题管理小组"@zh .'
    assert short in text
    path.write_text(
        text.replace(short, "group:img-biodiversity a emg:IssueManagementGroup ."), "utf-8"
    )
    failures = {(str(u), str(n)) for u, n in mention_failures(build(copy_layout).dataset)}
    group = ID + "group/img-biodiversity"
    assert {(PARA + "20", group), (PARA + "24", group)} <= failures


def test_the_web_timeline_never_mixes_two_sources_dates(store: ox.Store) -> None:
    """The served timeline took the most precise start and end separately, which paired IISD's
    start of COP 11 with the report's end; with a preferred dating both come from one graph."""
    items = {i["x"].rsplit("/", 1)[-1]: i for i in Catalog(store).timeline()}
    cop11 = items["cbd-cop-11"]
    assert (cop11["date"], cop11.get("end"), cop11["g"]) == (
        "2012-10-08",
        "2012-10-19",
        SRC + "iisd-enb",
    )
    assert dict(cop11["sources"])[PARA + "22"] == "2012-10-09"  # the report's date still shown
    assert items["cbd-xi-6"]["date"] == "2012-10-08"  # dated by its adopting meeting
