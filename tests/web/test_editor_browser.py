"""The SPARQL editor (YASGUI) in headless Chromium, offline: typing and running a query, the
table, chart, timeline and network views, the examples menu, term completion, the share link.

Uses the ``page`` fixture of test_server_browser.py (every request must stay on the loopback
server, and no script error may occur).
"""

from __future__ import annotations

import re
from typing import Any

from test_server_browser import page  # noqa: F401 (the fixture)

from emg_kg.web.server import Running

TARGETS = "SELECT DISTINCT ?target WHERE { ?target a emg:AichiTarget } ORDER BY ?target"
PREFIX = "PREFIX emg: <https://w3id.org/emg-kg/ontology#>\n"


def ready(page: Any, path: str = "/editor?lang=en") -> None:  # noqa: F811
    page.goto(path)
    page.wait_for_selector("#yasgui .CodeMirror")
    assert page.locator("#editor-fallback").is_hidden(), "the plain form gives way to YASGUI"


def type_query(page: Any, text: str) -> None:  # noqa: F811
    page.click("#yasgui .CodeMirror")
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    page.keyboard.insert_text(text)


def run_and_wait(page: Any) -> None:  # noqa: F811
    page.click("#yasgui .yasqe_queryButton")
    page.wait_for_selector("#yasgui .yasr_results table tbody tr")


def test_a_typed_query_runs_and_shows_a_table(page: Any) -> None:  # noqa: F811
    ready(page)
    type_query(page, PREFIX + TARGETS)
    run_and_wait(page)
    assert page.locator("#yasgui .yasr_results table tbody tr").count() == 20
    # an IRI of the graph links to the app's own page, not to w3id.org
    link = page.locator("#yasgui .yasr_results table a", has_text="target-1").first
    assert link.get_attribute("href").startswith("/id/aichi/target-1")


def test_the_default_query_as_a_chart(page: Any) -> None:  # noqa: F811
    ready(page)
    run_and_wait(page)
    page.click("#yasgui .select_chart")
    page.wait_for_selector("#yasgui .emg-chart canvas")
    drawn = page.evaluate(
        """() => { const c = Chart.getChart(document.querySelector('#yasgui .emg-chart canvas'));
                   return [c.data.labels.length, c.data.datasets.map(d => d.label)]; }"""
    )
    assert drawn == [20, ["supporters"]]
    box = page.locator("#yasgui .emg-chart canvas").bounding_box()
    assert box["width"] > 300 and box["height"] > 200


def test_an_example_from_the_menu_runs_and_shows_a_timeline(page: Any) -> None:  # noqa: F811
    ready(page)
    page.select_option("#examples", "meetings")
    page.wait_for_selector("#yasgui .yasr_results table tbody tr")
    text = page.evaluate("() => emgEditor.tab.getYasqe().getValue()")
    assert "# title: Meetings" in text and 'FILTER(LANG(?name) = "en")' in text
    assert page.locator("#yasgui .yasr_results table tbody tr").count() > 10
    page.click("#yasgui .select_timeline")
    page.wait_for_selector("#yasgui .emg-timeline canvas")
    labels = page.evaluate(
        """() => Chart.getChart(document.querySelector('#yasgui .emg-timeline canvas'))
                 .data.labels"""
    )
    assert len(labels) > 10 and any("2012-06-20" in label for label in labels)


def test_a_result_with_two_iri_columns_as_a_network(page: Any) -> None:  # noqa: F811
    ready(page)
    type_query(
        page,
        PREFIX + "SELECT ?support ?supporter ?target WHERE { ?support emg:supporter ?supporter ; "
        "emg:supports ?target } LIMIT 40",
    )
    run_and_wait(page)
    page.click("#yasgui .select_network")
    page.wait_for_selector("#yasgui .emg-network canvas")
    assert page.locator("#yasgui .emg-network canvas").bounding_box()["height"] > 300


def test_terms_complete_from_the_graph_s_ontology(page: Any) -> None:  # noqa: F811
    ready(page)
    type_query(page, PREFIX + "SELECT * WHERE { ?x a emg:AichiT")
    page.keyboard.press("Control+Space")
    hint = page.locator(".CodeMirror-hints li", has_text="emg:AichiTarget").first
    hint.wait_for()
    assert "Aichi" in hint.inner_text()  # the label follows the name


def test_the_share_link_reproduces_the_query_and_its_results(page: Any) -> None:  # noqa: F811
    ready(page)
    query = PREFIX + "SELECT ?t WHERE { ?t a emg:AichiTarget } ORDER BY ?t LIMIT 3"
    type_query(page, query)
    run_and_wait(page)
    rows = page.inner_text("#yasgui .yasr_results table tbody")
    share = page.get_attribute("#share", "href")
    assert re.search(r"/editor\?query=.*&lang=en$", share)
    page.goto(share)
    page.wait_for_selector("#yasgui .yasr_results table tbody tr")  # runs by itself
    assert page.evaluate("() => emgEditor.tab.getYasqe().getValue()") == query
    assert page.inner_text("#yasgui .yasr_results table tbody") == rows


def test_the_home_page_has_the_editor(page: Any) -> None:  # noqa: F811
    ready(page, "/?lang=en")
    assert page.locator("form.bigsearch").count() == 1
    run_and_wait(page)
    assert page.locator("#yasgui .yasr_results table tbody tr").count() == 20


def test_every_request_stays_on_the_loopback_server(page: Any, server: Running) -> None:  # noqa: F811
    """Beyond the fixture's guard (which refuses anything else): list what the editor asked for
    while typing, completing, running, charting and drawing a network, and check each."""
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url))
    ready(page)
    type_query(page, PREFIX + "SELECT * WHERE { ?x a emg:AichiT")
    page.keyboard.press("Control+Space")
    page.locator(".CodeMirror-hints li").first.wait_for()
    page.keyboard.press("Escape")
    page.select_option("#examples", "organizations")
    page.wait_for_selector("#yasgui .yasr_results table tbody tr")
    page.click("#yasgui .select_network")
    page.wait_for_selector("#yasgui .emg-network canvas")
    assert any(url.endswith("/sparql") for url in asked), "the query went to the local endpoint"
    assert any("/static/yasgui.min.js" in url for url in asked)
    assert [url for url in asked if not url.startswith(server.url)] == []
    assert server.url.startswith("http://127.0.0.1:")
