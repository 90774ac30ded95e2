"""`?report=ID` on the web: a named query's page and download, and /sparql, for one report.

The worker runs the job on the store seen through that report (emg_kg.query.reports), the
same view `--report` gives the command line: checked on a dataset with a made-up second report
(tests/data/fixtures/second-report) and, through the running server, on the shipped data.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request

import pyoxigraph as ox
import pytest

from emg_kg.data.store import open_store
from emg_kg.paths import Layout
from emg_kg.prefixes import ID
from emg_kg.web.jobs import Job
from emg_kg.web.server import Running
from emg_kg.web.sparql import execute

MINE = ID + "mandate/test-second-undp-note"


@pytest.fixture(scope="module")
def corpus(two_reports: Layout) -> ox.Store:
    return open_store(two_reports)


def _values(body: bytes, var: str) -> list[str]:
    return [b[var]["value"] for b in json.loads(body)["results"]["bindings"] if var in b]


def test_a_job_for_one_report(two_reports: Layout, corpus: ox.Store) -> None:
    one = execute(corpus, two_reports, Job(name="mandates", table=True, report="test-second"))
    assert one.status == 200 and _values(one.body, "mandate") == [MINE]
    every = execute(corpus, two_reports, Job(name="mandates", table=True))
    assert MINE in _values(every.body, "mandate") and every.rows > 50
    text = f"SELECT ?m WHERE {{ ?m a <{ID.replace('id/', 'ontology#')}Mandate> }}"
    ad_hoc = execute(corpus, two_reports, Job(text=text, table=True, report="test-second"))
    assert _values(ad_hoc.body, "m") == [MINE]
    wrong = execute(corpus, two_reports, Job(name="mandates", table=True, report="nope"))
    assert wrong.status == 400 and b"it holds: gc27-emg, test-second" in wrong.body


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=60) as reply:
            return reply.status, reply.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


def test_report_in_the_address(server: Running) -> None:
    base = server.url + "queries/mandates.csv"
    status, every = _get(base)
    assert status == 200 and _get(base + "?report=gc27-emg") == (200, every)
    status, body = _get(base + "?report=nope")
    assert status == 400 and b"no such report" in body
    status, page = _get(server.url + "queries/mandates?report=gc27-emg")
    assert status == 200 and b"gc27-draft" in page
    assert b'href="/queries/mandates.csv?lang=zh&amp;report=gc27-emg" download>CSV' in page
    status, page = _get(server.url + "queries/mandates?report=gc27-emg&page=2&lang=en")
    assert status == 200 and b"No rows on this page; 92 in all" in page
    assert b'href="/queries/mandates?lang=en&amp;report=gc27-emg" rel="prev"' in page
    query = urllib.parse.urlencode(
        {"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", "report": "emgid:report/gc27-emg"}
    )
    status, body = _get(server.url + "sparql?" + query + "&format=json")
    assert status == 200 and int(_values(body, "n")[0]) > 5000
