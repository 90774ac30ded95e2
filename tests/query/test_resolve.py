"""The one resolver (emg_kg.query.resolve): exact names answer, restricted to the kinds a parameter
accepts; fuzzy matches only suggest; unknown or ambiguous names are exit 2 / HTTP 400."""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest

from emg_kg.api import KG
from emg_kg.cli import main
from emg_kg.paths import default_layout
from emg_kg.query.engines import Engine
from emg_kg.query.resolve import Names, UnresolvedName, norm, resolve
from emg_kg.web.server import Running


def body(value: str, *extra: str) -> list[str]:
    return ["query", "mandates-for-body", "--param", f"body={value}", "--format", "csv", *extra]


def test_cbd_is_the_convention_not_a_body(capsys: pytest.CaptureFixture[str]) -> None:
    # "CBD" names exactly one thing, the convention (conv:CBD), which is not an organization,
    # body, group or post: the body parameter refuses it and suggests the COP and secretariat
    assert main(body("CBD")) == 2
    err = capsys.readouterr().err
    assert "'CBD' is conv:CBD" in err and "emg:Convention" in err
    assert "did you mean" in err and "body:CBD-COP" in err and "agency:CBD-Secretariat" in err


def test_the_cop_by_its_name_and_what_it_resolved_to(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(body("CBD COP", "--lang", "en")) == 0
    out, err = capsys.readouterr()
    assert len(out.strip().splitlines()) == 5  # header and the COP's four mandates
    assert "parameter body: 'CBD COP' -> body:CBD-COP" in err
    assert "emg:IntergovernmentalBody" in err
    assert main(body("body:CBD-COP", "--quiet")) == 0
    assert capsys.readouterr().err == ""


def test_unknown_name_exit_2_with_suggestions(capsys: pytest.CaptureFixture[str]) -> None:
    # it used to match an inference because "UN operations" contains "nope" without spaces
    assert main(body("NOPE")) == 2
    err = capsys.readouterr().err
    # suggestions by closeness; with the organizations outside the report, SCOPE comes first
    assert "nothing is called 'NOPE'; did you mean: " in err and "agency:UNEP (" in err
    assert "inf:" not in err


def test_a_co_lead_area_is_not_a_body(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(body("green economy")) == 2
    err = capsys.readouterr().err
    assert "'green economy' is area:green-economy" in err and "emg:CoLeadArea" in err
    assert "did you mean: group:img-green-economy" in err


def test_names_are_compared_without_case_width_or_extra_spaces() -> None:
    assert norm("ＵＮＤＰ") == norm("undp") == norm(" UNDP ")
    assert norm("UN operations") != norm("nope")
    names = Names()
    names.add("urn:x:a", "Green  Economy")
    assert resolve("green economy", names).iri == "urn:x:a"
    names.add("urn:x:b", "GREEN ECONOMY")
    with pytest.raises(UnresolvedName, match="names 2 entities") as info:
        resolve("green economy", names)
    assert info.value.ambiguous and [c for c, _ in info.value.candidates] == ["urn:x:a", "urn:x:b"]


def test_every_command_uses_it(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["show", "ｗｍｏ", "--quiet"]) == 0  # full-width letters
    assert capsys.readouterr().out.startswith("agency:WMO")
    assert main(["analyze", "path", "--from", "WMO", "--to", "NOPE"]) == 2
    assert "nothing is called 'NOPE'" in capsys.readouterr().err


def test_both_engines_and_the_api(oxigraph: Engine, rdflib_engine: Engine) -> None:
    for engine in ("oxigraph", "rdflib"):
        kg = KG(default_layout(), engine)
        rows = kg.query("mandates-for-body", body="CBD COP", lang="en")
        assert len(rows) == 4
        with pytest.raises(UnresolvedName, match="did you mean"):
            kg.query("mandates-for-body", body="NOPE")
    assert oxigraph is not rdflib_engine


def test_web_answers_400_with_the_candidates(server: Running) -> None:
    url = f"{server.url}queries/mandates-for-body.csv?body=CBD"
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(url, timeout=30)
    assert info.value.code == 400
    text = info.value.read().decode("utf-8")
    assert "conv:CBD" in text and "body:CBD-COP" in text
    with urllib.request.urlopen(f"{server.url}queries/mandates-for-body.csv?body=CBD%20COP") as ok:
        assert ok.status == 200
        assert len(ok.read().decode("utf-8").strip().splitlines()) == 5
