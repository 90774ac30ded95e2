"""Everyday use (issue 11): one language setting, output that fits the terminal, SPARQL errors
in words, and the small things (viz --out extensions, unwritable outputs, evidence links, "1
row", Turtle prefixes, packaging)."""

from __future__ import annotations

import doctest
import importlib
import os
import tomllib
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from emg_kg.analysis.projection import load_index, project
from emg_kg.cli import build_parser, main
from emg_kg.data.store import open_store
from emg_kg.query.results import display_width
from emg_kg.web.editor import DEFAULT_QUERY
from emg_kg.web.server import Running
from emg_kg.web.ui import results_table

ROOT = Path(__file__).resolve().parents[2]


def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=60) as resp:
            return resp.status, resp.read().decode("utf-8")
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode("utf-8")


def test_module_examples_run() -> None:
    """Every module's examples run with the suite (pytest --doctest-modules over emg_kg), not
    only those of a list kept by hand here."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["tool"]["pytest"]
    assert "--doctest-modules" in config["ini_options"]["addopts"].split()
    assert "emg_kg" in config["ini_options"]["testpaths"]
    for module in ("query.resolve", "lang", "query.results", "query.sparql_errors", "lru"):
        assert doctest.DocTestFinder().find(importlib.import_module(f"emg_kg.{module}")), module


# --- one language setting --------------------------------------------------------------------


def test_every_command_takes_lang_and_quiet() -> None:
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    for name, command in sub.choices.items():  # type: ignore[union-attr]
        options = {o for a in command._actions for o in a.option_strings}
        assert {"--lang", "--quiet"} <= options, name


def test_one_default_then_the_environment(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # the aichi-* queries used to default to English and the rest to Chinese
    for lines in queries_lang_params():
        assert "default=zh" in lines
    monkeypatch.delenv("EMG_KG_LANG", raising=False)
    assert main(["query", "aichi-targets", "--format", "csv"]) == 0
    assert "认识生物多样性的价值" in capsys.readouterr().out
    monkeypatch.setenv("EMG_KG_LANG", "en")
    assert main(["query", "aichi-targets", "--format", "csv"]) == 0
    assert "Awareness of biodiversity values" in capsys.readouterr().out
    assert main(["query", "aichi-targets", "--format", "csv", "--lang", "zh"]) == 0
    assert "认识生物多样性的价值" in capsys.readouterr().out
    monkeypatch.setenv("EMG_KG_LANG", "fr")
    assert main(["stats"]) == 2
    assert "EMG_KG_LANG='fr'" in capsys.readouterr().err


def queries_lang_params() -> list[str]:
    return [
        line
        for path in sorted((ROOT / "queries").glob("*.rq"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.startswith("# param: lang ")
    ]


def test_web_follows_accept_language_then_the_switch(server: Running) -> None:
    _, page = get(server.url, {"Accept-Language": "en-GB,en;q=0.9,zh;q=0.5"})
    assert '<html lang="en"' in page
    _, page = get(server.url + "?lang=zh", {"Accept-Language": "en"})
    assert '<html lang="zh"' in page
    _, page = get(server.url, {"Accept-Language": "fr, zh-CN;q=0.8"})
    assert '<html lang="zh"' in page


def test_chinese_target_labels_are_not_mixed_with_english() -> None:
    G = project(load_index(open_store_default()), "agency-target")
    targets = [d for _, d in G.nodes(data=True) if d.get("class") == "AichiTarget"]
    assert len(targets) == 20
    for d in targets:
        assert d["title_zh"] and not any(c.isascii() and c.isalpha() for c in d["title_zh"])
    # the editor's opening query filters names in the page's language
    assert 'lang(?name) = "en"' in DEFAULT_QUERY.replace("LANG", "en")
    assert 'lang(?name) = "zh"' in DEFAULT_QUERY.replace("LANG", "zh")


def open_store_default():  # type: ignore[no-untyped-def]
    from emg_kg.paths import default_layout

    return open_store(default_layout())


# --- output that fits, errors in words ----------------------------------------------------------


def test_tables_fit_the_terminal_and_wide_keeps_values(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("COLUMNS", "90")
    assert main(["query", "mandates", "--lang", "en"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert max(display_width(line) for line in lines) <= 90
    assert "--wide or --format csv gives whole values" in lines[-1]
    assert main(["query", "mandates", "--lang", "en", "--wide"]) == 0
    wide = capsys.readouterr().out.splitlines()
    assert max(display_width(line) for line in wide) > 300 and "cut to" not in wide[-1]
    assert main(["analyze", "centrality", "--top", "5", "--lang", "en"]) == 0
    assert max(display_width(line) for line in capsys.readouterr().out.splitlines()) <= 90


def test_sparql_errors_say_what_is_wrong(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], server: Running
) -> None:
    import io

    for engine in ("oxigraph", "rdflib"):
        monkeypatch.setattr("sys.stdin", io.StringIO("SELECT ?s WHERE { ?s a foo:Bar }"))
        assert main(["query", "-", "--engine", engine]) == 2
        err = capsys.readouterr().err
        assert "unknown prefix foo:" in err and "agency:" in err and "emg-kg prefixes" in err
        assert "\\u{" not in err
    monkeypatch.setattr("sys.stdin", io.StringIO("SELEC ?s WHERE { ?s ?p ?o }"))
    assert main(["query", "-"]) == 2
    assert "unknown keyword SELEC" in capsys.readouterr().err
    query = urllib.parse.quote("SELECT * WHERE { ?s a foo:Bar }")
    status, text = get(f"{server.url}sparql?query={query}")
    assert status == 400 and "unknown prefix foo:" in text


def test_prefixes_command_and_query_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["prefixes"]) == 0
    out = capsys.readouterr().out
    assert "agency:" in out and "https://w3id.org/emg-kg/id/agency/" in out
    with pytest.raises(SystemExit):
        main(["query", "--help"])
    assert "emg-kg prefixes" in capsys.readouterr().out


def test_construct_declares_only_the_prefixes_it_uses(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import io

    text = "CONSTRUCT { agency:UNDP skos:prefLabel ?l } WHERE { agency:UNDP skos:prefLabel ?l }"
    monkeypatch.setattr("sys.stdin", io.StringIO(text))
    assert main(["query", "-"]) == 0
    out = capsys.readouterr().out
    assert sorted(line.split()[1] for line in out.splitlines() if line.startswith("@prefix")) == [
        "agency:",
        "skos:",
    ]


# --- small things ----------------------------------------------------------------------------


def test_viz_out_extensions_are_honoured_or_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["viz", "matrix", "--out", str(tmp_path / "m.html")]) == 2
    assert "give a file ending in .svg" in capsys.readouterr().err
    assert main(["viz", "agency-target", "--out", str(tmp_path / "x.png")]) == 2
    assert "writes an HTML page" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []
    assert main(["viz", "matrix", "--out", str(tmp_path / "m.svg")]) == 0
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names in (["m.csv", "m.svg"], ["m.csv", "m.png", "m.svg"])  # the PNG needs chromium
    if os.environ.get("EMG_KG_REQUIRE_BROWSER") == "1":
        assert "m.png" in names


def test_an_unwritable_out_names_the_users_path(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    target = blocker / "view.html"
    assert main(["viz", "agency-target", "--out", str(target)]) == 2
    err = capsys.readouterr().err
    assert f"emg-kg: {target}:" in err and ".view.html." not in err


def test_evidence_in_result_tables_links_to_its_page() -> None:
    from emg_kg.web.catalog import Catalog

    cat = Catalog(open_store_default())
    answer = {
        "head": {"vars": ["evidence"]},
        "results": {"bindings": [{"evidence": {"type": "literal", "value": "para:13, fn:12"}}]},
    }
    html = results_table(cat, answer, "en")
    assert '<a href="/id/report/gc27-emg/para/13?lang=en"' in html
    assert '<a href="/id/report/gc27-emg/fn/12?lang=en"' in html
    assert "1 row<" in html


def test_packaging_metadata() -> None:
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert meta["project"]["license"] == "MIT"  # an SPDX expression, not a deprecated table
    find = meta["tool"]["setuptools"]["packages"]["find"]
    assert (
        "emg_kg.*" in find["include"]
    )  # emg_kg/views/templates and emg_kg/web/static are packaged too
    data = meta["tool"]["setuptools"]["package-data"]["emg_kg"]
    for folder in ("views/templates", "web/static"):
        assert any(glob.startswith(folder + "/") for glob in data)
        assert list((ROOT / "emg_kg" / folder).iterdir())
