"""HTML comes from Jinja2 templates (emg_kg/templates/) with autoescaping: a label holding
markup shows as text on every page, a template missing a variable fails loudly, and no Python
module builds markup in strings."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import jinja2
import pyoxigraph as ox
import pytest

from emg_kg.data.store import open_store
from emg_kg.paths import Layout
from emg_kg.query.registry import load_queries
from emg_kg.views.templating import environment, render
from emg_kg.web.catalog import Catalog
from emg_kg.web.pages import entity_page
from emg_kg.web.ui import query_page, search_page
from emg_kg.web.views import gap_report

PACKAGE = Path(__file__).resolve().parents[2] / "emg_kg"
NASTY = '<script>alert("x")</script>'
ESCAPED = "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;"
XSS = "https://w3id.org/emg-kg/id/agency/XSS-TEST"
#: HTML and SVG elements; a string naming one as a tag is markup built in Python (a regular
#: expression's named group, ``(?P<select>...)``, is not)
TAG = re.compile(
    r"(?<!\?P)<(a|abbr|b|blockquote|body|br|button|circle|code|details|div|em|footer|form|g|h[1-6]|head"
    r"|header|html|i|input|label|li|line|link|main|meta|nav|ol|option|p|path|polygon|pre|rect"
    r"|script|section|select|span|strong|style|summary|svg|table|tbody|td|text|textarea|th"
    r"|thead|title|tr|ul)\b[^<>]*>",
    re.IGNORECASE,
)
#: module -> why it may keep a string that looks like a tag (none at present)
ALLOWED: dict[str, str] = {}


@pytest.fixture(scope="module")
def nasty_catalog(layout: Layout) -> Catalog:
    """The real graph plus one agency whose names are markup."""
    store = open_store(layout)
    graph = ox.NamedNode("https://w3id.org/emg-kg/id/graph/test-xss")
    node = ox.NamedNode(XSS)
    skos = "http://www.w3.org/2004/02/skos/core#"
    for lang in ("zh", "en"):
        label = ox.Literal(NASTY, language=lang)
        store.add(ox.Quad(node, ox.NamedNode(skos + "prefLabel"), label, graph))
    kind = ox.NamedNode("https://w3id.org/emg-kg/ontology#UNSystemEntity")
    store.add(ox.Quad(node, ox.NamedNode(_RDF_TYPE), kind, graph))
    return Catalog(store)


_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


def _strings(tree: ast.AST) -> list[tuple[int, str]]:
    """Every string literal of a module but its docstrings (they may show markup in prose)."""
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings
    ]


def test_no_markup_is_built_in_python() -> None:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        name = str(path.relative_to(PACKAGE))
        for line, text in _strings(ast.parse(path.read_text(encoding="utf-8"))):
            if TAG.search(text) and name not in ALLOWED:
                found.append(f"{name}:{line}: {text[:60]!r}")
    assert not found, "markup belongs in emg_kg/templates/:\n" + "\n".join(found)


def test_the_tag_pattern_finds_markup() -> None:
    """The check above can fail: an f-string's literal parts are string constants too."""
    tree = ast.parse('def f(x):\n    """<p>prose</p>"""\n    return f\'<td class="a">{x}</td>\'')
    assert [text for _, text in _strings(tree) if TAG.search(text)] == ['<td class="a">']
    assert not TAG.search("SELECT ?x WHERE { ?x a <https://w3id.org/emg-kg/ontology#Agency> }")
    assert not TAG.search(r"(?P<select>\bSELECT\b)")


def test_a_label_with_markup_is_escaped_on_the_entity_page(nasty_catalog: Catalog) -> None:
    page = entity_page(nasty_catalog, XSS, "en", "/id/agency/XSS-TEST").decode("utf-8")
    assert NASTY not in page
    assert f"<title>{ESCAPED} · emg-kg</title>" in page and f"<h1>{ESCAPED}</h1>" in page


def test_a_label_with_markup_is_escaped_on_the_search_page(nasty_catalog: Catalog) -> None:
    page = search_page(nasty_catalog, 'alert("x")', "en").decode("utf-8")
    assert NASTY not in page
    assert f'<a href="/id/agency/XSS-TEST?lang=en">{ESCAPED}</a>' in page
    # the searched text itself, in the title and the search box
    assert 'value="alert(&#34;x&#34;)"' in page


def test_a_label_with_markup_is_escaped_on_a_query_page(
    nasty_catalog: Catalog, layout: Layout
) -> None:
    query = load_queries(layout)["mandates"]
    answer = {
        "head": {"vars": ["x", "note"]},
        "results": {
            "bindings": [
                {"x": {"type": "uri", "value": XSS}, "note": {"type": "literal", "value": NASTY}}
            ]
        },
    }
    values = {"body": NASTY}
    page = query_page(nasty_catalog, query, values, "en", answer, NASTY).decode("utf-8")
    assert NASTY not in page
    assert f'title="{XSS}">{ESCAPED}</a>' in page  # the label of the IRI
    assert f"<td>{ESCAPED}</td>" in page  # a literal
    assert f'<p class="error">{ESCAPED}</p>' in page  # an error message


def test_the_gap_report_renders_from_its_template(nasty_catalog: Catalog, layout: Layout) -> None:
    html = gap_report(nasty_catalog, layout, "en")
    assert html.count("<h3>") == 4 and "Aichi coverage per strategic goal" in html


def test_a_missing_variable_is_an_error_not_an_empty_string() -> None:
    with pytest.raises(jinja2.UndefinedError, match="'title' is undefined"):
        render("web/views.html", lang="en", path="/views", params={}, views=[])
    page = render("web/views.html", title="V", lang="en", path="/views", params={}, views=[])
    assert "<h1>V</h1>" in page


def test_one_environment_autoescaping_html_and_svg() -> None:
    env = environment()
    assert env is environment()  # built once
    assert env.undefined is jinja2.StrictUndefined
    assert env.autoescape("web/base.html") and env.autoescape("web/neighbourhood.svg")  # type: ignore[operator]
