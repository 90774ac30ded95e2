"""A named query's page shows one stretch of a long answer (PAGE_ROWS rows) and links to the
others: at 2 M quads `mandates` has 21,160 rows and `open-mandates` 7,820, over any answer
limit as a whole. The worker sends only the stretch and the whole answer's count."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from typing import Any

from emg_kg.paths import Layout
from emg_kg.query.registry import get_query
from emg_kg.web.catalog import Catalog
from emg_kg.web.jobs import Job
from emg_kg.web.server import Running
from emg_kg.web.sparql import execute
from emg_kg.web.ui import PAGE_ROWS, query_page, timeline_page


def _bindings(body: bytes) -> list[dict[str, Any]]:
    return list(json.loads(body)["results"]["bindings"])


def test_the_worker_sends_one_stretch_and_the_whole_count(
    four_reports: Any, layout: Layout
) -> None:
    whole = execute(four_reports, layout, Job(name="mandates", params={"lang": "en"}, table=True))
    rows = _bindings(whole.body)
    assert whole.status == 200 and whole.rows == len(rows) > 300  # four reports' mandates
    job = Job(name="mandates", params={"lang": "en"}, table=True, first=100, shown=50, max_rows=100)
    stretch = execute(four_reports, layout, job)
    assert stretch.status == 200 and stretch.rows == len(rows)
    assert _bindings(stretch.body) == rows[100:150]
    past = execute(four_reports, layout, Job(name="mandates", table=True, first=10**6, shown=50))
    assert past.status == 200 and _bindings(past.body) == [] and past.rows == len(rows)
    refused = execute(four_reports, layout, Job(name="mandates", table=True, max_rows=100))
    assert refused.status == 422  # a download or a table without a stretch: the limit holds


def test_the_page_says_which_rows_and_links_the_others(four_reports: Any, layout: Layout) -> None:
    query = get_query(layout, "mandates")
    job = Job(name="mandates", params={"lang": "en"}, table=True, first=100, shown=50)
    reply = execute(four_reports, layout, job)
    answer = json.loads(reply.body)
    page = query_page(
        Catalog(four_reports), query, {}, "en", answer, "", (), "select", (3, 50, reply.rows)
    ).decode("utf-8")
    nav = (
        f'<p class="count pages">Rows 101-150 of {reply.rows}'
        ' · <a href="/queries/mandates?lang=en" rel="first">first</a>'
        ' · <a href="/queries/mandates?lang=en&amp;page=2" rel="prev">previous</a>'
        ' · <a href="/queries/mandates?lang=en&amp;page=4" rel="next">next</a></p>'
    )
    assert page.count(nav) == 2  # above and below the table
    assert page.count("<tr>") == 51  # the header and 50 rows


def test_the_shipped_listings_fit_one_page(server: Running) -> None:
    with urllib.request.urlopen(server.url + "queries/mandates?lang=en", timeout=60) as reply:
        page = reply.read().decode("utf-8")
    assert PAGE_ROWS > 92 and '<p class="count">92 rows</p>' in page
    assert 'class="count pages"' not in page
    url = server.url + "queries/mandates?lang=zh&page=2"
    with urllib.request.urlopen(url, timeout=60) as reply:
        beyond = reply.read().decode("utf-8")
    assert "本页没有行，共 92 行" in beyond and 'rel="prev">上一页</a>' in beyond
    for bad in ("0", "x", "-1"):
        try:
            urllib.request.urlopen(server.url + f"queries/mandates?page={bad}", timeout=60)
        except urllib.error.HTTPError as err:
            assert err.code == 400 and b"a page is a whole number from 1" in err.read()
        else:
            raise AssertionError(f"page={bad} was accepted")


def test_the_timeline_pages_like_a_query(store: Any) -> None:
    cat = Catalog(store)
    whole = timeline_page(cat, "en").decode("utf-8")
    total = whole.count("<tr>") - 1
    assert total > 20 and 'class="count pages"' not in whole  # the shipped report: one page
    second = timeline_page(cat, "en", 2, 10).decode("utf-8")
    assert second.count("<tr>") == 11 and f"{total} meetings and decisions" in second
    assert second.count(f'<p class="count pages">Rows 11-20 of {total}') == 2
    assert '<a href="/timeline?lang=en" rel="prev">previous</a>' in second
    assert '<a href="/timeline?lang=en&amp;page=3" rel="next">next</a>' in second
    rows = re.findall(r"<tr><td>.*?</tr>", whole)
    assert re.findall(r"<tr><td>.*?</tr>", second) == rows[10:20]


def test_the_timeline_refuses_a_page_that_is_not_a_number(server: Running) -> None:
    try:
        urllib.request.urlopen(server.url + "timeline?page=zero", timeout=60)
    except urllib.error.HTTPError as err:
        assert err.code == 400 and b"a page is a whole number from 1" in err.read()
    else:
        raise AssertionError("page=zero was accepted")
