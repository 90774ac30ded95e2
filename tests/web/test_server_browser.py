"""The web app in a real browser: headless Chromium (Playwright) against the server on loopback.

Skipped when Chromium or Playwright is missing, unless ``EMG_KG_REQUIRE_BROWSER=1`` (then it
fails). Every request the browser makes is checked to stay on the loopback server.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from emg_kg.web.server import Running


@pytest.fixture()
def page(browser: Any, server: Running) -> Iterator[Any]:
    # a Chinese reader's browser: the app follows Accept-Language (issue 11), so the tests that
    # start in Chinese say so; test_english_browser_opens_in_english covers the other case
    context = browser.new_context(
        accept_downloads=True, base_url=server.url.rstrip("/"), locale="zh-CN"
    )
    outside: list[str] = []

    def guard(route: Any) -> None:
        url = route.request.url
        if url.startswith(server.url) or url.startswith(("data:", "blob:", "about:")):
            route.continue_()
        else:
            outside.append(url)
            route.abort()

    context.route("**/*", guard)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda err: errors.append(str(err)))
    yield tab
    context.close()
    assert not outside, f"the app tried to load from outside: {outside}"
    assert not errors, f"script errors: {errors}"


def test_search_open_follow(page: Any) -> None:
    """Search for UNDP by its Chinese short name, open its page, follow a link to evidence."""
    page.goto("/")
    page.fill("form.bigsearch input[name=q]", "开发署")
    page.click("form.bigsearch button")
    page.wait_for_url(re.compile(r"/search\?"))
    first = page.locator("table.hits a").first
    assert "/id/agency/UNDP" in first.get_attribute("href")
    first.click()
    page.wait_for_url(re.compile(r"/id/agency/UNDP"))
    assert "联合国开发计划署" in page.inner_text("h1")
    assert "United Nations Development Programme" in page.inner_text(".subtitle")
    assert page.locator("svg.neighbourhood").count() == 1
    # the paragraph behind a fact: its number is the link, its text folded underneath
    evidence = page.locator("table.facts a.ev", has_text="第13段").first
    evidence.click()
    page.wait_for_url(re.compile(r"/id/report/gc27-emg/para/13"))
    assert "开发署" in page.inner_text("blockquote.quote")
    # switch language, then follow an entity link from the paragraph's facts
    page.click("header .langs a[hreflang=en]")
    page.wait_for_url(re.compile(r"lang=en"))
    assert page.inner_text("h1") == "Paragraph 13"
    page.locator("table.facts a[href^='/id/agency/UNDP']").first.click()
    page.wait_for_url(re.compile(r"/id/agency/UNDP"))
    assert page.inner_text("h1") == "United Nations Development Programme"


def test_run_named_query_and_download_csv(page: Any, tmp_path: Path) -> None:
    page.goto("/queries")
    page.click("ul.gallery a[href^='/queries/search']")
    page.wait_for_url(re.compile(r"/queries/search"))
    page.fill("form.params input[name=text]", "开发署")
    page.click("form.params button[type=submit]")
    page.wait_for_selector("table.results")
    assert page.locator("table.results a[href^='/id/agency/UNDP']").count() >= 1
    share = page.get_attribute("a.share", "href")
    assert "text=" in share and "/queries/search" in share
    with page.expect_download() as info:
        page.click("a.download:text('CSV')")
    path = tmp_path / "search.csv"
    info.value.save_as(path)
    text = path.read_text(encoding="utf-8")
    assert "https://w3id.org/emg-kg/id/agency/UNDP" in text
    assert info.value.suggested_filename == "search.csv"


def test_editor_form_works_without_scripts(browser: Any, server: Running) -> None:
    """With scripts off, the editor page is a plain form (YASGUI is tested in
    test_editor_browser.py)."""
    context = browser.new_context(java_script_enabled=False, base_url=server.url.rstrip("/"))
    page = context.new_page()
    try:
        page.goto("/editor?lang=en")
        page.fill(
            "textarea[name=query]",
            "SELECT DISTINCT ?target WHERE { ?target a emg:AichiTarget } ORDER BY ?target",
        )
        page.click("form.editor button")
        page.wait_for_selector("table.results")
        assert page.locator("table.results tbody tr").count() == 20
        rows = page.inner_text("table.results")
        page.goto(page.get_attribute("a.share", "href"))
        assert page.inner_text("table.results") == rows
    finally:
        context.close()


def test_open_a_view(page: Any) -> None:
    page.goto("/views")
    page.click("a[href^='/views/agency-target']")
    page.wait_for_url(re.compile(r"/views/agency-target"))
    page.wait_for_selector("canvas")  # vis-network drew the graph, offline
    assert page.locator("canvas").count() >= 1


def test_a_view_links_back_into_the_app(page: Any) -> None:
    """Served by the app, a view has a way out: the other language, the centre's page, home."""
    emg = "https%3A%2F%2Fw3id.org%2Femg-kg%2Fid%2Fbody%2FEMG"
    page.goto(f"/views/neighbourhood?entity={emg}&lang=en")
    page.wait_for_selector("canvas")
    page.click("#nav >> text=中文")
    page.wait_for_url(re.compile(r"lang=zh"))
    assert "entity=" in page.url and page.locator("#nav >> text=首页").count() == 1
    page.click("#nav >> text=实体页面")
    page.wait_for_url(re.compile(r"/id/body/EMG"))
    page.click("header .langs a[hreflang=en]")
    page.wait_for_url(re.compile(r"lang=en"))


def test_timeline_and_mandate_chain(page: Any) -> None:
    page.goto("/timeline?lang=en")
    assert page.locator("table.timeline tbody tr").count() > 5
    page.goto("/id/mandate/gc27-draft-op2-drylands-action-plan?lang=en")
    assert page.locator("ol.chain li").count() >= 2


def test_language_switch_stays_on_the_page(page: Any) -> None:
    """The switch keeps the path and the parameters: it used to drop the evidence level on the
    home page and send a 404 page home."""
    for path, kept in (
        ("/?evidence=curated", "evidence=curated"),
        ("/id/agency/NOPE", "/id/agency/NOPE"),
        ("/search?q=UNDP", "q=UNDP"),
        ("/queries/search?text=UNDP", "text=UNDP"),
        ("/id/report/gc27-emg/para/20", "/id/report/gc27-emg/para/20"),
    ):
        page.goto(path)
        page.click("header .langs a[hreflang=en]")
        page.wait_for_url(re.compile(r"lang=en"))
        assert kept in page.url, (path, page.url)
        page.click("header .langs a[hreflang=zh]")
        page.wait_for_url(re.compile(r"lang=zh"))
        assert kept in page.url, (path, page.url)
    page.goto("/?evidence=curated&lang=en")
    assert page.locator(".note strong", has_text="curated").count() == 1


def test_search_box_keeps_the_query(page: Any) -> None:
    """The header's search box used to come back empty on the results page."""
    page.goto("/?lang=en")
    page.fill("form.bigsearch input[name=q]", "旱地")
    page.click("form.bigsearch button")
    page.wait_for_url(re.compile(r"/search\?"))
    assert page.input_value("header form.search input[name=q]") == "旱地"
    assert page.locator("table.passages tbody tr").count() >= 1


def test_share_links_reproduce_the_results(page: Any) -> None:
    page.goto("/queries/mandate-chain?mandate=mandate:gc27-draft-op2-drylands-action-plan&lang=en")
    rows = page.inner_text("table.results")
    page.goto(page.get_attribute("a.share", "href"))
    assert page.inner_text("table.results") == rows
    # the editor's share link: test_editor_browser.py


def test_english_browser_opens_in_english(browser: Any, server: Running) -> None:
    """An English browser (Accept-Language: en-GB) gets English pages, and the switch still
    takes it to Chinese."""
    context = browser.new_context(base_url=server.url.rstrip("/"), locale="en-GB")
    try:
        tab = context.new_page()
        tab.goto("/id/report/gc27-emg/para/60")
        assert tab.inner_text("h1") == "Paragraph 60"
        assert "provided comments" in tab.inner_text("blockquote.quote")
        assert "Unofficial translation" in tab.inner_text("p.translation")
        tab.click("header .langs a[hreflang=zh]")
        tab.wait_for_url(re.compile(r"lang=zh"))
        assert tab.inner_text("h1") == "第60段"
    finally:
        context.close()
