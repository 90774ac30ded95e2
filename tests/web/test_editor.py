"""The SPARQL editor's data and files: runnable examples, local terms, the vendored scripts and
their licences, and the static route that serves them (the browser side is in
test_editor_browser.py)."""

from __future__ import annotations

import hashlib
import re
import urllib.request
from pathlib import Path

import pytest
from markupsafe import escape

from emg_kg.api import Engine, run
from emg_kg.paths import Layout
from emg_kg.query.registry import get_query, load_queries, parse_header
from emg_kg.web.catalog import Catalog
from emg_kg.web.editor import editor_config, example_text, terms
from emg_kg.web.server import Running

ROOT = Path(__file__).resolve().parents[2]
WEB = ROOT / "emg_kg" / "web" / "static"
NAMES = sorted(p.stem for p in (ROOT / "queries").glob("*.rq"))


@pytest.mark.parametrize("name", NAMES)
def test_each_example_runs_as_it_stands_and_answers_like_the_named_query(
    name: str, layout: Layout, oxigraph: Engine
) -> None:
    """The menu's text has the parameters written in; run as plain SPARQL (no bindings) it
    gives the named query's rows for the same values."""
    query = get_query(layout, name)
    text = example_text(query, "en")
    plain = parse_header("example", text)
    assert not plain.params, "every parameter with a default or example is set in the text"
    values = {
        p.name: "en" if p.type == "lang" else (p.default or p.example or "") for p in query.params
    }
    named = run(oxigraph, query, values)
    example = run(oxigraph, plain, {})
    keep = [v for v in named.variables if v not in values]
    assert [v for v in example.variables if v not in values] == keep
    assert [{k: r[k] for k in keep} for r in example.records()] == [
        {k: r[k] for k in keep} for r in named.records()
    ]


def test_example_text_substitutes_variables_not_strings_or_iris() -> None:
    q = parse_header(
        "t",
        "# param: lang lang default=zh -- language\nPREFIX ex: <http://ex/?lang>\n"
        'SELECT ?lang ?x WHERE { ?x ex:p "?lang" FILTER(lang(?x) = ?lang) } # ?lang\n',
    )
    text = example_text(q, "en")
    assert 'SELECT ("en" AS ?lang) ?x WHERE' in text
    assert '"?lang"' in text and "<http://ex/?lang>" in text and "# ?lang" in text
    assert 'FILTER(lang(?x) = "en")' in text
    assert "# param:" not in text and 'parameter lang is set to "en"' in text


def test_terms_are_the_graph_s_classes_and_properties_with_labels(store: object) -> None:
    cat = Catalog(store)  # type: ignore[arg-type]
    found = {t["iri"]: t for t in terms(cat, "en")}
    aichi = found["https://w3id.org/emg-kg/ontology#AichiTarget"]
    assert aichi["kind"] == "class" and aichi["label"]
    assert found["https://w3id.org/emg-kg/ontology#supporter"]["kind"] == "property"
    assert found["http://www.w3.org/2004/02/skos/core#prefLabel"]["kind"] == "property"


def test_config_holds_prefixes_examples_and_the_page_language(
    store: object, layout: Layout
) -> None:
    cat = Catalog(store)  # type: ignore[arg-type]
    config = editor_config(cat, load_queries(layout), "en")
    assert config["prefixes"]["emg"] == "https://w3id.org/emg-kg/ontology#"
    assert len(config["examples"]) == len(NAMES)
    assert 'FILTER(lang(?name) = "en")' in config["query"]
    # YASR shortens with the first prefix that fits: the longest namespace must come first
    spaces = list(config["prefixes"].values())
    assert spaces == sorted(spaces, key=len, reverse=True)


def test_vendored_files_match_their_record_and_carry_their_licences() -> None:
    record = (WEB / "VENDORED.txt").read_text(encoding="utf-8")
    rows = [line.split() for line in record.splitlines() if line and not line.startswith("#")]
    assert {r[0] for r in rows} == {"yasgui.min.js", "yasgui.min.css", "chart.umd.min.js"}
    for name, package, digest in rows:
        assert re.fullmatch(r"@?[\w./-]+@\d+\.\d+\.\d+", package)
        assert hashlib.sha256((WEB / name).read_bytes()).hexdigest() == digest, name
    licences = (WEB / "THIRD-PARTY-LICENSES.txt").read_text(encoding="utf-8")
    for bundled in ("@zazuko/yasgui", "codemirror", "datatables.net", "jquery", "chart.js"):
        assert bundled in licences, bundled
    assert (ROOT / "tools" / "vendor-web.sh").stat().st_mode & 0o111, "the copy is reproducible"


@pytest.mark.parametrize(
    "name, ctype",
    [
        ("yasgui.min.js", "text/javascript"),
        ("yasgui.min.css", "text/css"),
        ("chart.umd.min.js", "text/javascript"),
        ("editor.js", "text/javascript"),
        ("vis-network.min.js", "text/javascript"),
        ("style.css", "text/css"),
        ("THIRD-PARTY-LICENSES.txt", "text/plain"),
    ],
)
def test_static_route_serves_the_editor_files(server: Running, name: str, ctype: str) -> None:
    with urllib.request.urlopen(server.url + "static/" + name) as answer:
        assert answer.status == 200
        assert answer.headers["Content-Type"].startswith(ctype)
        body = answer.read()
    assert len(body) > 1000
    assert b"sourceMappingURL" not in body, "no request for a .map file the server lacks"


@pytest.mark.parametrize("path", ["editor?lang=en", "?lang=en"])
def test_editor_pages_keep_the_strict_policy(server: Running, path: str) -> None:
    with urllib.request.urlopen(server.url + path) as answer:
        csp = answer.headers["Content-Security-Policy"]
        page = answer.read().decode()
    assert "script-src 'self'" in csp and "unsafe" not in csp
    assert 'id="emg-editor-config"' in page and "/static/editor.js" in page
    assert not re.search(r"<script(?![^>]*(src=\"/static/|type=\"application/json\"))", page), (
        "no inline script: the policy would refuse it"
    )


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_opening_query_is_in_the_page_s_language(server: Running, lang: str) -> None:
    """Regression: the editor's example filtered on "zh" in English mode too."""
    with urllib.request.urlopen(server.url + f"editor?lang={lang}") as answer:
        page = answer.read().decode()
    # the plain form (escaped as the templates escape: markupsafe)
    assert page.count(escape(f'FILTER(lang(?name) = "{lang}")')) == 1
    assert f'FILTER(lang(?name) = \\"{lang}\\")' in page  # the editor's settings (JSON)
    other = "zh" if lang == "en" else "en"
    assert escape(f'lang(?name) = "{other}"') not in page
