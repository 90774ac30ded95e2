"""The server over real HTTP on loopback: SPARQL 1.1 Protocol (SPARQLWrapper and curl), formats
and content negotiation, refusals, time and size limits, entity pages and the app's pages."""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import warnings
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from email.message import Message
from http.client import HTTPConnection
from pathlib import Path

import pytest
import rdflib
from SPARQLWrapper import CSV, JSON, JSONLD, N3, POST, POSTDIRECTLY, TSV, TURTLE, XML, SPARQLWrapper

from emg_kg.paths import default_layout
from emg_kg.query.registry import load_queries
from emg_kg.web.server import Running, Settings, start
from emg_kg.web.sparql import choose, preferences

ROOT = Path(__file__).resolve().parents[2]
UNDP = "https://w3id.org/emg-kg/id/agency/UNDP"
SELECT = f"""PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?l WHERE {{ <{UNDP}> skos:altLabel ?l }} ORDER BY ?l"""
CONSTRUCT = f"CONSTRUCT {{ <{UNDP}> ?p ?o }} WHERE {{ <{UNDP}> ?p ?o }}"
# A three-way cross join of every triple, counted: ~10^11 rows, never finishes.
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
NAMED = sorted(load_queries(default_layout()).items())
HAS_CURL = shutil.which("curl") is not None


@pytest.fixture(scope="module")
def limited() -> Iterator[Running]:
    """One worker, a 1 s time limit and at most 20 rows; no answer cache (the limits are
    tested on the pool)."""
    running = start(
        default_layout(),
        Settings(port=0, workers=1, timeout=1.0, max_rows=20, quiet=True, result_cache=0),
    )
    yield running
    running.stop()


def http(url: str, data: bytes | None = None, **headers: str) -> tuple[int, Message, bytes]:
    """(status, headers, body); the headers are looked up case-insensitively, as HTTP says."""
    request = urllib.request.Request(
        url, data=data, headers={k.replace("_", "-"): v for k, v in headers.items()}
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as resp:
            return resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as err:
        return err.code, err.headers, err.read()


def curl(*args: str) -> tuple[int, str, bytes]:
    """(status, content type, body) of a curl call (``-g``: no globbing of brackets)."""
    done = subprocess.run(
        ["curl", "-sS", "-g", "-o", "-", "-w", "\n%{http_code} %{content_type}", *args],
        capture_output=True,
        timeout=60,
        check=True,
    )
    body, _, tail = done.stdout.rpartition(b"\n")
    status, _, ctype = tail.decode().partition(" ")
    return int(status), ctype, body


def sparql_url(running: Running, query: str, **params: str) -> str:
    return running.url + "sparql?" + urllib.parse.urlencode({"query": query, **params})


def wrapper(running: Running, query: str, fmt: str, only_conneg: bool = False) -> SPARQLWrapper:
    sw = SPARQLWrapper(running.url + "sparql")
    sw.setQuery(query)
    sw.setReturnFormat(fmt)
    sw.setOnlyConneg(only_conneg)
    return sw


# --- content negotiation (unit) ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "kind", "expected"),
    [
        (None, "select", "json"),
        ("*/*", "graph", "ttl"),
        ("text/csv;q=0.5, application/sparql-results+xml;q=0.9", "select", "xml"),
        ("text/*;q=0.3, application/sparql-results+json;q=0.2", "select", "csv"),
        ("application/ld+json, text/turtle;q=0.8", "graph", "jsonld"),
        ("text/html, application/xhtml+xml, application/xml;q=0.9, */*;q=0.8", "select", "xml"),
        ("application/json", "graph", "jsonld"),
        ("text/turtle", "select", None),
        ("text/csv;q=0", "select", None),
    ],
)
def test_choose_format(accept: str | None, kind: str, expected: str | None) -> None:
    assert choose(kind, preferences(accept)) == expected


def test_format_parameter_wins_over_accept() -> None:
    assert choose("select", preferences("text/csv"), "tsv") == "tsv"
    assert choose("graph", preferences("text/turtle"), "json") == "jsonld"
    assert choose("graph", [], "xml") == "rdfxml"
    assert choose("select", [], "turtle") is None


# --- SPARQLWrapper: every result format --------------------------------------------------------


def test_sparqlwrapper_select_json(server: Running) -> None:
    answer = wrapper(server, SELECT, JSON).query().convert()
    labels = {b["l"]["value"] for b in answer["results"]["bindings"]}  # type: ignore[index]
    assert {"UNDP", "开发署"} <= labels


@pytest.mark.parametrize("only_conneg", [False, True])
def test_sparqlwrapper_select_every_format(server: Running, only_conneg: bool) -> None:
    xml = wrapper(server, SELECT, XML, only_conneg).query().convert()
    assert "开发署" in xml.toxml()  # type: ignore[union-attr]
    csv = wrapper(server, SELECT, CSV, only_conneg).query().convert()
    assert csv.decode().splitlines()[0] == "l" and "开发署" in csv.decode()  # type: ignore[union-attr]
    tsv = wrapper(server, SELECT, TSV, only_conneg).query().convert()
    assert tsv.decode().splitlines()[0] == "?l" and '"开发署"@zh' in tsv.decode()  # type: ignore[union-attr]


def test_sparqlwrapper_ask(server: Running) -> None:
    assert wrapper(server, f"ASK {{ <{UNDP}> ?p ?o }}", JSON).query().convert()["boolean"] is True  # type: ignore[index]
    xml = wrapper(server, "ASK { <urn:nothing> ?p ?o }", XML).query().convert()
    assert "<boolean>false</boolean>" in xml.toxml()  # type: ignore[union-attr]


@pytest.mark.parametrize("fmt", [TURTLE, N3, JSONLD, XML])
def test_sparqlwrapper_construct_and_describe(server: Running, fmt: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # rdflib's ConjunctiveGraph
        for query in (CONSTRUCT, f"DESCRIBE <{UNDP}>"):
            result = wrapper(server, query, fmt).query()
            data = result.convert()
            if isinstance(data, bytes):
                graph = rdflib.Graph().parse(data=data, format="turtle")
            else:
                graph = data
            assert (rdflib.URIRef(UNDP), rdflib.RDF.type, None) in graph


def test_sparqlwrapper_post_form_and_direct(server: Running) -> None:
    sw = wrapper(server, SELECT, JSON)
    sw.setMethod(POST)
    assert len(sw.query().convert()["results"]["bindings"]) >= 2  # type: ignore[index]
    sw.setRequestMethod(POSTDIRECTLY)
    assert len(sw.query().convert()["results"]["bindings"]) >= 2  # type: ignore[index]


def test_sparqlwrapper_update_is_refused(server: Running) -> None:
    sw = wrapper(server, "INSERT DATA { <urn:a> <urn:b> <urn:c> }", JSON)
    sw.setMethod(POST)
    with pytest.raises(urllib.error.HTTPError) as info:
        sw.query()
    assert info.value.code == 403


def test_sparqlwrapper_takes_every_named_query_for_a_select() -> None:
    """SPARQLWrapper 2.0 guesses a query's form from the first keyword in its text, comments
    included, and its comment filter drops only every other line of a block of comments: a
    description saying "addressee" (ADD) or "asked" (ASK) made it send a named query as an
    update, which the endpoint refuses (403). The headers of the .rq files avoid those words."""
    guessed = {}
    for name, query in NAMED:
        client = SPARQLWrapper("http://127.0.0.1/sparql")
        client.setQuery(query.text)  # type: ignore[attr-defined]
        guessed[name] = client.queryType
    assert {n: form for n, form in guessed.items() if form != "SELECT"} == {}


@pytest.mark.parametrize(("name", "query"), NAMED, ids=[n for n, _ in NAMED])
def test_every_named_query_through_the_endpoint(server: Running, name: str, query: object) -> None:
    """The .rq text unchanged (parameters unbound), and the named route with its examples."""
    text = query.text  # type: ignore[attr-defined]
    answer = wrapper(server, text, JSON).query().convert()
    assert "head" in answer  # type: ignore[operator]
    params = {
        p.name: p.example or p.default
        for p in query.params  # type: ignore[attr-defined]
        if (p.example or p.default) and p.name != "lang"
    }
    status, headers, body = http(
        server.url + f"queries/{name}.csv?" + urllib.parse.urlencode({**params, "lang": "en"})
    )
    assert status == 200, body
    assert headers["Content-Type"].startswith("text/csv")
    assert f'filename="{name}.csv"' in headers["Content-Disposition"]


# --- curl: formats, conneg, refusals -----------------------------------------------------------

needs_curl = pytest.mark.skipif(not HAS_CURL, reason="curl is not installed")


def get(query: str, *args: str) -> list[str]:
    """curl's arguments for a GET of `query` (then `args`, e.g. ``-H 'Accept: ...'``)."""
    return ["--get", "--data-urlencode", f"query={query}", *args]


@needs_curl
@pytest.mark.parametrize(
    ("accept", "ctype", "marker"),
    [
        ("application/sparql-results+json", "application/sparql-results+json", b'"bindings"'),
        ("application/sparql-results+xml", "application/sparql-results+xml", b"<sparql"),
        ("text/csv", "text/csv", b"l\r\n"),
        ("text/tab-separated-values", "text/tab-separated-values", b"?l\n"),
        (
            "text/csv;q=0.2, application/sparql-results+xml;q=0.7, */*;q=0.1",
            "application/sparql-results+xml",
            b"<sparql",
        ),
    ],
)
def test_curl_select_formats(server: Running, accept: str, ctype: str, marker: bytes) -> None:
    status, got, body = curl(*get(SELECT, "-H", f"Accept: {accept}"), server.url + "sparql")
    assert status == 200 and got.startswith(ctype) and marker in body


@needs_curl
@pytest.mark.parametrize(
    ("accept", "fmt", "ctype", "rdf_format"),
    [
        ("text/turtle", "", "text/turtle", "turtle"),
        ("application/n-triples", "", "application/n-triples", "nt"),
        ("application/ld+json", "", "application/ld+json", "json-ld"),
        ("application/rdf+xml", "", "application/rdf+xml", "xml"),
        ("text/csv", "ntriples", "application/n-triples", "nt"),
        ("application/ld+json;q=0.4, text/turtle;q=0.9", "", "text/turtle", "turtle"),
    ],
)
def test_curl_construct_formats(
    server: Running, accept: str, fmt: str, ctype: str, rdf_format: str
) -> None:
    extra = ["--data-urlencode", f"format={fmt}"] if fmt else []
    args = get(CONSTRUCT, "-H", f"Accept: {accept}", *extra)
    status, got, body = curl(*args, server.url + "sparql")
    assert status == 200 and got.startswith(ctype)
    graph = rdflib.Graph().parse(data=body, format=rdf_format)
    assert (rdflib.URIRef(UNDP), rdflib.RDF.type, None) in graph


_UPDATE_BODY = ["-H", "Content-Type: application/sparql-update", "--data-binary"]
_INSERT = "INSERT DATA { <urn:a> <urn:b> <urn:c> }"
_LOAD = "LOAD <http://example.org/data.ttl>"
_SERVICE = "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }"


@needs_curl
@pytest.mark.parametrize(
    ("args", "status", "ctype", "word"),
    [
        # POST: the query as the body, then as a form
        (
            ["-H", "Content-Type: application/sparql-query", "-H", "Accept: text/csv"]
            + ["--data-binary", SELECT],
            200,
            "text/csv",
            "开发署".encode(),
        ),
        (
            ["--data-urlencode", f"query={SELECT}", "--data-urlencode", "format=json"],
            200,
            "application/sparql-results+json",
            b'"bindings"',
        ),
        (get(SELECT, "-H", "Accept: text/turtle"), 406, "text/plain", b"offered"),
        (get("SELECT ?x WHERE {"), 400, "text/plain", b"syntax"),
        # refusals: updates, LOAD, SERVICE, CLEAR
        (["--data-urlencode", f"update={_INSERT}"], 403, "text/plain", b"read-only"),
        ([*_UPDATE_BODY, "DELETE WHERE { ?s ?p ?o }"], 403, "text/plain", b"read-only"),
        (["--data-urlencode", f"query={_LOAD}"], 403, "text/plain", b"LOAD"),
        (get(_SERVICE), 403, "text/plain", b"SERVICE"),
        (get("CLEAR ALL"), 403, "text/plain", b"CLEAR"),
    ],
)
def test_curl_status_type_and_words(
    server: Running, args: list[str], status: int, ctype: str, word: bytes
) -> None:
    got_status, got_ctype, body = curl(*args, server.url + "sparql")
    assert (got_status, got_ctype.startswith(ctype)) == (status, True), body
    assert word in body


def test_service_description(server: Running) -> None:
    status, headers, body = http(server.url + "sparql", Accept="text/turtle")
    assert status == 200 and headers["Content-Type"].startswith("text/turtle")
    graph = rdflib.Graph().parse(data=body, format="turtle")
    sd = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
    service = graph.value(predicate=rdflib.RDF.type, object=sd.Service)
    assert service is not None and str(service).endswith("/sparql")
    assert (service, sd.supportedLanguage, sd.SPARQL11Query) in graph
    assert (service, sd.feature, sd.UnionDefaultGraph) in graph
    assert len(set(graph.objects(None, sd.namedGraph))) > 20
    status, headers, body = http(server.url + "sparql", Accept="text/html")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert b"<textarea" in body


def test_cors(server: Running) -> None:
    request = urllib.request.Request(
        server.url + "sparql",
        method="OPTIONS",
        headers={
            "Origin": "http://example.org",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    with urllib.request.urlopen(request) as resp:
        assert resp.status == 204
        assert resp.headers["Access-Control-Allow-Origin"] == "*"
        assert "POST" in resp.headers["Access-Control-Allow-Methods"]
        assert "content-type" in resp.headers["Access-Control-Allow-Headers"].lower()
    _, headers, _ = http(sparql_url(server, SELECT), Origin="http://example.org")
    assert headers["Access-Control-Allow-Origin"] == "*"


def test_dataset_parameters(server: Running) -> None:
    """default-graph-uri replaces the union; named-graph-uri limits GRAPH."""
    para13 = "https://w3id.org/emg-kg/id/report/gc27-emg/para/13"
    query = f"SELECT ?l WHERE {{ <{UNDP}> <http://www.w3.org/2004/02/skos/core#altLabel> ?l }}"
    _, _, body = http(sparql_url(server, query, **{"default-graph-uri": para13}))
    assert [b["l"]["value"] for b in json.loads(body)["results"]["bindings"]] == ["开发署"]
    graphs = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    _, _, body = http(sparql_url(server, graphs, **{"named-graph-uri": para13}))
    assert [b["g"]["value"] for b in json.loads(body)["results"]["bindings"]] == [para13]


# --- limits ------------------------------------------------------------------------------------


def test_time_limit_stops_the_query_and_the_server_keeps_serving(limited: Running) -> None:
    started = time.monotonic()
    status, _, body = http(sparql_url(limited, SLOW))
    elapsed = time.monotonic() - started
    assert status == 503 and b"time limit of 1 s" in body
    assert elapsed < 5
    for _ in range(3):  # the worker was replaced: the next queries are answered
        status, _, body = http(sparql_url(limited, SELECT))
        assert status == 200 and "开发署" in body.decode()
    _, _, body = http(limited.url + "status")
    status_doc = json.loads(body)
    assert status_doc["timeouts"] >= 1 and status_doc["respawns"] >= 1
    assert len(status_doc["workers"]) == 2  # one general, one reserved for quick queries


def test_result_size_limit(limited: Running) -> None:
    status, _, body = http(sparql_url(limited, "SELECT * WHERE { ?s ?p ?o }"))
    assert status == 422 and b"more than 20 rows" in body
    status, _, _ = http(sparql_url(limited, "SELECT * WHERE { ?s ?p ?o } LIMIT 20"))
    assert status == 200
    status, _, body = http(sparql_url(limited, "CONSTRUCT WHERE { ?s ?p ?o }"))
    assert status == 422


def test_large_body_is_refused(server: Running) -> None:
    status, _, _ = http(
        server.url + "sparql", data=b"#" * (2 << 20), Content_Type="application/sparql-query"
    )
    assert status == 413


def test_hostile_paths_and_hosts(server: Running) -> None:
    status, headers, _ = http(server.url + "queries/search.csv%0d%0aX-Injected:%20yes")
    assert status == 400 and "X-Injected" not in headers
    status, headers, _ = http(server.url + "id/agency/UNDP%0d%0aX-Injected:%20yes")
    assert status == 400 and "X-Injected" not in headers
    host, port = server.address
    conn = HTTPConnection(str(host), port, timeout=30)
    conn.putrequest("GET", "/sparql", skip_host=True)
    conn.putheader("Host", '"><evil')
    conn.putheader("Accept", "text/turtle")
    conn.endheaders()
    resp = conn.getresponse()
    body = resp.read()
    conn.close()
    assert resp.status == 200 and b"evil" not in body
    rdflib.Graph().parse(data=body, format="turtle")


def test_service_description_formats(server: Running) -> None:
    for fmt, ctype in (
        ("json", "application/ld+json"),
        ("nt", "application/n-triples"),
        ("xml", "application/rdf+xml"),
        ("turtle", "text/turtle"),
    ):
        status, headers, _ = http(server.url + f"sparql?format={fmt}")
        assert status == 200 and headers["Content-Type"].startswith(ctype), fmt


def test_server_serves_a_private_snapshot() -> None:
    """Workers respawn from a copy, so a rebuilt (pruned) cache cannot starve the pool."""
    running = start(default_layout(), Settings(port=0, workers=1, quiet=True))
    snapshot = running.app.snapshot
    try:  # a private copy, unlinked at once: read through its descriptor, never a /tmp file
        assert snapshot.fd is not None and snapshot.path.exists()
        assert Path(os.readlink(snapshot.path)).parent != default_layout().cache_dir
        assert not Path(os.readlink(snapshot.path).removesuffix(" (deleted)")).exists()
    finally:
        running.stop()
    assert snapshot.fd is None


# --- entity pages ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "ctype", "rdf_format"),
    [
        ("text/turtle", "text/turtle", "turtle"),
        ("application/ld+json", "application/ld+json", "json-ld"),
        ("application/n-triples", "application/n-triples", "nt"),
    ],
)
def test_entity_content_negotiation(
    server: Running, accept: str, ctype: str, rdf_format: str
) -> None:
    status, headers, body = http(server.url + "id/agency/UNDP", Accept=accept)
    assert status == 200 and headers["Content-Type"].startswith(ctype)
    graph = rdflib.Graph().parse(data=body, format=rdf_format)
    assert (rdflib.URIRef(UNDP), rdflib.SKOS.altLabel, rdflib.Literal("开发署", lang="zh")) in graph


def test_entity_quads_keep_the_evidence(server: Running) -> None:
    _, _, body = http(server.url + "id/agency/UNDP?format=nq")
    ds = rdflib.Dataset()
    ds.parse(data=body, format="nquads")
    graphs = {str(c) for _, _, _, c in ds.quads((rdflib.URIRef(UNDP), None, None, None))}
    assert "https://w3id.org/emg-kg/id/report/gc27-emg/para/13" in graphs


def test_entity_html_page(server: Running) -> None:
    status, headers, body = http(
        server.url + "id/agency/UNDP", Accept="text/html,application/xhtml+xml,*/*;q=0.8"
    )
    page = body.decode()
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert "联合国开发计划署" in page and "United Nations Development Programme" in page
    assert "第13段" in page  # the paragraph behind a fact, by number
    assert "<svg" in page  # the neighbourhood
    assert headers["Vary"] == "Accept"
    en = http(server.url + "id/agency/UNDP?lang=en")[2].decode()
    assert "<h1>United Nations Development Programme</h1>" in en


def test_aichi_target_page_lists_supporters(server: Running) -> None:
    page = http(server.url + "id/aichi/target-17?lang=en")[2].decode()
    assert "Who supports it" in page and "/id/agency/UNDP" in page
    assert "/id/evidence-level/" in page


def test_mandate_page_shows_its_chain(server: Running) -> None:
    page = http(server.url + "id/mandate/gc27-draft-op2-drylands-action-plan?lang=en")[2].decode()
    chain = page.split('class="chain"', 1)[1].split("</ol>", 1)[0]
    assert "/id/mandate/unccd-9-cop10-action-plan" in chain and 'class="self"' in chain


def test_unknown_entity_is_404(server: Running) -> None:
    assert http(server.url + "id/agency/NOPE")[0] == 404
    page = http(server.url + "id/agency/undp?lang=en")[2].decode()  # wrong case: offer a search
    assert 'class="search" href="/search?q=undp&amp;lang=en"' in page
    assert http(server.url + "id/agency/%3Cbad%3E")[0] == 404


# --- the app's pages ---------------------------------------------------------------------------


def test_home_has_search_gaps_and_links(server: Running) -> None:
    page = http(server.url)[2].decode()
    assert 'action="/search"' in page and "/timeline" in page and "/editor" in page
    for name, _ in NAMED:
        assert f"/queries/{name}" in page
    assert "/views/agency-target" in page and "/id/aichi/target-" in page  # a gap
    assert "/id/mandate/" in page  # an open mandate
    stated = http(server.url + "?evidence=stated&lang=en")[2].decode()
    assert "<strong>stated</strong>" in stated


def test_search_by_chinese_alias(server: Running) -> None:
    page = http(server.url + "search?" + urllib.parse.urlencode({"q": "开发署"}))[2].decode()
    first = re.search(r'<table class="hits">.*?href="([^"]+)"', page, re.S)
    assert first and first.group(1).startswith("/id/agency/UNDP")
    assert "/id/report/gc27-emg/para/13" in page  # paragraph text matches too


def test_labels_and_input_are_escaped(server: Running) -> None:
    evil = '<script>alert("x")</script>'
    page = http(server.url + "search?" + urllib.parse.urlencode({"q": evil}))[2].decode()
    assert evil not in page and "&lt;script&gt;" in page
    page = http(server.url + "editor?" + urllib.parse.urlencode({"query": evil}))[2].decode()
    assert evil not in page


def test_query_page_runs_and_shares(server: Running) -> None:
    url = server.url + "queries/search?" + urllib.parse.urlencode({"text": "开发署", "lang": "en"})
    page = http(url)[2].decode()
    assert "/id/agency/UNDP" in page and 'class="results"' in page
    assert 'class="download" href="/queries/search.csv?' in page
    _, headers, body = http(
        server.url + "queries/search.json?" + urllib.parse.urlencode({"text": "UNDP"})
    )
    assert headers["Content-Type"] == "application/sparql-results+json"
    assert json.loads(body)["results"]["bindings"]


def test_editor_runs_a_query(server: Running) -> None:
    page = http(server.url + "editor?" + urllib.parse.urlencode({"query": SELECT}))[2].decode()
    assert 'class="results"' in page and "开发署" in page
    page = http(server.url + "editor?" + urllib.parse.urlencode({"query": "SELECT"}))[2].decode()
    assert 'class="error"' in page


def test_timeline_is_in_date_order(server: Running) -> None:
    page = http(server.url + "timeline?lang=en")[2].decode()
    dates = re.findall(r"<tr><td>(\d{4}[-\d]*)", page)
    assert dates and dates == sorted(dates)
    assert "/id/meeting/" in page


def test_views_are_served_offline(server: Running) -> None:
    views = re.findall(r'href="/views/([\w-]+)', http(server.url + "views")[2].decode())
    assert "agency-target" in views and len(views) >= 5
    for name in views:
        status, headers, body = http(server.url + f"views/{name}")
        assert status == 200, name
        assert not re.search(rb"""(src|href)\s*=\s*["']?(https?:)?//""", body), name
        assert "default-src 'none'" in headers["Content-Security-Policy"]


def test_app_pages_load_nothing_from_the_internet(server: Running) -> None:
    for path in ("", "queries", "editor", "timeline", "views", "id/agency/UNDP", "search?q=EMG"):
        status, headers, body = http(server.url + path)
        assert status == 200, path
        assert not re.search(
            rb"""<(script|link|img|iframe)[^>]+(src|href)\s*=\s*["']?(https?:)?//""", body
        ), path
        assert "default-src 'self'" in headers["Content-Security-Policy"]
    css = http(server.url + "static/style.css")[2]
    assert b"url(" not in css and b"@import" not in css


# --- found by the web audit: each test names the bug it pins --------------------------------


def test_unknown_format_is_406_not_json(server: Running) -> None:
    """``format=xlsx`` used to fall back to SPARQL JSON (and a download named search.xlsx)."""
    status, _, body = http(sparql_url(server, "ASK {}", format="bogus"))
    assert status == 406 and b"bogus" in body
    status, headers, _ = http(server.url + "queries/search.xlsx?text=UNDP")
    assert status == 406 and "Content-Disposition" not in headers
    assert http(server.url + "queries/search.tsv?text=UNDP")[0] == 200


def test_bad_dataset_iri_is_400(server: Running) -> None:
    """A ``default-graph-uri`` that is not an IRI used to crash the worker's query (500)."""
    for key in ("default-graph-uri", "named-graph-uri"):
        status, _, body = http(sparql_url(server, "ASK {}", **{key: "not an iri"}))
        assert status == 400 and key.encode() in body


def test_every_entity_iri_resolves(server: Running) -> None:
    """Every IRI under the id space: HTML, and non-empty Turtle and JSON-LD. Graph names
    (``id/graph/provenance``) used to answer an empty Turtle file and ``[]``."""
    query = """SELECT DISTINCT ?s WHERE { { ?s ?p ?o } UNION { ?o ?p ?s }
        UNION { GRAPH ?s { ?a ?b ?c } }
        FILTER(isIRI(?s) && STRSTARTS(STR(?s), "https://w3id.org/emg-kg/id/")) }"""
    answer = json.loads(http(sparql_url(server, query, format="json"))[2])
    iris = [b["s"]["value"] for b in answer["results"]["bindings"]]
    assert len(iris) > 300

    def check(iri: str) -> list[str]:
        path = urllib.parse.quote(iri[len("https://w3id.org/emg-kg/") :], safe="/:@!$&'()*+,;=-._~")
        bad = []
        for accept, ctype in (
            ("text/html,*/*;q=0.8", "text/html"),
            ("text/turtle", "text/turtle"),
            ("application/ld+json", "application/ld+json"),
        ):
            status, headers, body = http(server.url + path, Accept=accept)
            ok = status == 200 and headers["Content-Type"].startswith(ctype)
            if not ok or len(body.strip()) < 3:
                bad.append(f"{iri} {accept}: {status} {len(body)} bytes")
        return bad

    with ThreadPoolExecutor(8) as pool:
        bad = [b for found in pool.map(check, iris) for b in found]
    assert not bad, bad[:10]
    turtle = http(server.url + "id/graph/provenance", Accept="text/turtle")[2]
    assert len(rdflib.Graph().parse(data=turtle, format="turtle")) > 100


def test_timeline_has_one_row_per_meeting(server: Running) -> None:
    """A meeting dated by two sources (``2011-09`` and ``2011-09-19``) used to get a row per
    start × end date; now one row, the precise date, every source listed with its date."""
    page = http(server.url + "timeline?lang=en")[2].decode()
    rows = re.findall(r"<tr><td>(.*?)</td>.*?<td><a href=\"(/id/[^\"?]+)", page)
    names = [name for _, name in rows]
    assert names and len(names) == len(set(names)), [n for n in names if names.count(n) > 1]
    som17 = page.split('href="/id/meeting/emg-som-17', 1)[0].rsplit("<tr>", 1)[1]
    assert som17.startswith("<td>2011-09-19</td>")
    row = page.split('href="/id/meeting/emg-som-17', 1)[1].split("</tr>", 1)[0]
    assert "/id/report/gc27-emg/para/51" in row and "2011-09<" in row  # the report's own date
    assert not re.search(r"<td>([\d-]+) – \1</td>", page)  # no "2012 – 2012"


def test_ontology_terms_resolve_locally(server: Running) -> None:
    """Types and properties linked to w3id.org (offline: nowhere); now /ontology/NAME."""
    page = http(server.url + "id/agency/UNDP?lang=en")[2].decode()
    assert 'href="/ontology/UNSystemEntity?lang=en"' in page
    assert "https://w3id.org/emg-kg/ontology#" not in re.sub(r"<code>.*?</code>", "", page)
    status, _, body = http(server.url + "ontology/UNSystemEntity?lang=en")
    assert status == 200 and "/id/agency/UNDP" in body.decode()  # its instances point here
    status, headers, _ = http(server.url + "ontology/UNSystemEntity", Accept="text/turtle")
    assert status == 200 and headers["Content-Type"].startswith("text/turtle")
    assert http(server.url + "ontology/NoSuchTerm")[0] == 404


def test_query_page_errors_are_readable(server: Running) -> None:
    """Missing or bad parameters: a message on the page (4xx for a bad value), the CSV's
    message in the web's words (it used to say ``give --param mandate=VALUE``)."""
    page = http(server.url + "queries/mandate-chain?lang=en")[2].decode()
    assert 'class="note missing"' in page and "mandate" in page
    status, _, body = http(server.url + "queries/mandate-chain.csv")
    assert status == 400 and b"--param" not in body and b"mandate=" in body
    status, _, body = http(server.url + "queries/mandate-chain?mandate=nonsense&lang=en")
    assert status == 400 and 'class="error"' in body.decode() and b"Traceback" not in body
    status, _, body = http(server.url + "editor?" + urllib.parse.urlencode({"query": "SELEC x"}))
    assert status == 400 and 'class="error"' in body.decode() and b"Traceback" not in body


def test_neighbourhood_view_says_what_is_missing(server: Running) -> None:
    """It used to answer "no view 'neighbourhood'" without the entity and for an unknown one."""
    status, _, body = http(server.url + "views/neighbourhood?lang=en")
    assert status == 404 and b"?entity=" in body
    status, _, body = http(server.url + "views/nope?lang=en")
    assert status == 404 and b"agency-target" in body  # the views there are


def test_editor_offers_rdf_downloads_for_construct(server: Running) -> None:
    """A CONSTRUCT used to be offered as CSV/TSV downloads, which answer 406."""
    query = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 3"
    page = http(server.url + "editor?" + urllib.parse.urlencode({"query": query}))[2].decode()
    links = re.findall(r'class="download" href="([^"]+)"', page)
    assert links and all("format=csv" not in link for link in links)
    for link in links:
        status, _, body = http(server.url + html.unescape(link).lstrip("/"))
        assert status == 200 and body, link


def test_mandate_chain_is_dated_and_links_the_table(server: Running) -> None:
    """The chain on a mandate's page was a bare list in walk order; now each step has its
    issue date, earlier steps in date order, and a link to the mandate-chain query."""
    page = http(server.url + "id/mandate/gc27-draft-op2-drylands-action-plan?lang=en")[2].decode()
    chain = page.split('class="chain"', 1)[1].split("</ol>", 1)[0]
    dates = re.findall(r'<span class="tag">([\d-]+)</span>', chain)
    assert len(dates) >= 3 and dates == sorted(dates)
    link = re.search(r'href="(/queries/mandate-chain\?[^"]+)">as a table', page)
    assert link
    table = http(server.url + html.unescape(link.group(1)).lstrip("/"))[2].decode()
    assert 'class="results"' in table and "/id/mandate/unccd-9-cop10-action-plan" in table


def test_search_puts_things_before_statements_about_them(server: Running) -> None:
    """旱地 listed support statements and inferences ("… supports …") among the first hits,
    before the drylands report itself."""
    page = http(server.url + "search?" + urllib.parse.urlencode({"q": "旱地"}))[2].decode()
    hits = re.findall(r'<tr><td><a href="(/id/[^"?]+)', page.split('class="hits"', 1)[1])
    first_statement = next(
        i for i, h in enumerate(hits) if h.startswith(("/id/support/", "/id/inference/"))
    )
    assert "/id/pub/global-drylands" in hits[:first_statement]


# --- the command line --------------------------------------------------------------------------


def test_cli_serve_starts_answers_and_stops() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "emg_kg.cli", "serve", "--port", "0", "--quiet", "--workers", "1"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        match = re.search(r"http://127\.0\.0\.1:\d+/", line)
        assert match, line
        status, _, body = http(
            match.group(0) + "sparql?" + urllib.parse.urlencode({"query": SELECT}),
            Accept="text/csv",
        )
        assert status == 200 and "开发署" in body.decode()
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(15)
    assert proc.returncode == 0


def test_a_page_over_the_byte_limit_is_a_page_that_says_what_to_do() -> None:
    """A view of a corpus can be megabytes (the mandates view at 2 M quads: 9.2 MB): over
    --max-bytes it is refused with a page in the app's layout and the reader's language that
    names the limit and offers the smaller pages, not a bare line of text."""
    running = start(default_layout(), Settings(port=0, workers=1, quiet=True, max_bytes=100_000))
    try:
        status, headers, body = http(running.url + "views/whole?lang=en")
        page = body.decode("utf-8")
        assert status == 422 and headers["Content-Type"].startswith("text/html"), page[:300]
        assert "over the server&#39;s limit of 100,000 bytes (--max-bytes)" in page
        assert "search for it above and open the neighbourhood" in page
        assert 'href="/static/style.css"' in page  # the app's layout
        status, _, body = http(running.url + "views/whole", Accept_Language="zh-CN")
        assert status == 422 and "超过服务器的上限 100,000 字节" in body.decode("utf-8")
        status, _, body = http(running.url + "views?lang=en")  # a small page still answers
        assert status == 200
    finally:
        running.stop()
    # a hub's page with all its facts: the evidence query, paged, and the page without all=1
    running = start(default_layout(), Settings(port=0, workers=1, quiet=True, max_bytes=50_000))
    try:
        status, _, body = http(running.url + "id/agency/UNEP?all=1&lang=en")
        page = html.unescape(body.decode("utf-8"))
        assert status == 422 and "over the server's limit of 50,000 bytes" in page
        assert (
            '<a href="/queries/entity-evidence?entity=https%3A%2F%2Fw3id.org%2Femg-kg%2Fid%2F'
            'agency%2FUNEP&amp;lang=en">' in body.decode("utf-8")
        )
        assert "neighbourhood" not in page  # the views' advice is for views
        status, _, _ = http(running.url + "queries/entity-evidence?entity=agency:UNEP&lang=en")
        assert status == 200  # what it offers answers under the same limit
    finally:
        running.stop()
