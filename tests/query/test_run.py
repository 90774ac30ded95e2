"""The one row runner (`emg_kg.query.run.rows`) and the code's own SPARQL in queries/internal/.

Every internal query runs through the same function on every backend (the in-memory store,
the on-disk store, a real Virtuoso) and on rdflib, and must give the same rows; values are bound
by the engines' own means, never pasted into the text, and an internal query is never offered to
users as a named query.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest

from emg_kg.cli import main
from emg_kg.errors import QueryError
from emg_kg.paths import Layout
from emg_kg.prefixes import PREFIXES
from emg_kg.query import gate
from emg_kg.query.engines import Engine
from emg_kg.query.registry import internal_query, load_queries, parse_header
from emg_kg.query.resolve import NAME_PROPERTIES
from emg_kg.query.run import lexical, rows

ROOT = Path(__file__).resolve().parents[2]
INTERNAL = sorted(p.stem for p in (ROOT / "queries" / "internal").glob("*.rq"))
UNDP = ox.NamedNode(PREFIXES["agency"] + "UNDP")
#: a value for each parameter an internal query declares, chosen so that each returns rows
DRYLANDS = ox.NamedNode(PREFIXES["mandate"] + "ss-xii-2-supports-drylands-action-plan")
PARA_39 = ox.NamedNode(PREFIXES["para"] + "39")
VALUES: dict[str, dict[str, ox.NamedNode | ox.Literal]] = {
    "page-supporters": {"x": ox.NamedNode(PREFIXES["aichi"] + "target-14")},
    "page-issued": {"x": DRYLANDS},
    "page-follows-from": {"x": DRYLANDS},
    "page-followed-by": {"x": ox.NamedNode(PREFIXES["mandate"] + "unccd-9-cop10-action-plan")},
    "show-text": {"x": ox.NamedNode(PREFIXES["para"] + "60")},
    "show-evidence-text": {"e": ox.NamedNode(PREFIXES["para"] + "60")},
    # the endpoint's protocol and load's manifest (read here from a graph of the report)
    "remote-quads": {"s": UNDP},
    "remote-has-graph": {"g": PARA_39},
    "load-manifest": {"manifest": PARA_39, "loaded": ox.NamedNode(PREFIXES["skos"] + "prefLabel")},
    # the shipped report leaves twelve paragraphs unfollowed at this level only
    "gaps-rio20-unfollowed": {"evidence": ox.Literal("stated")},
}


def _params(name: str) -> dict[str, ox.NamedNode | ox.Literal]:
    query = internal_query(name)
    return VALUES.get(name) or {p.name: UNDP for p in query.params}


#: Internal queries that read the whole default graph, which on Virtuoso also holds its own
#: system graphs (the virtrdf, LDP and OWL vocabularies): there it gives every row the store
#: gives, and more. The callers use them to name things, where extra names do no harm; the
#: endpoint's own readers of every graph leave the system graphs out themselves (remote.py).
ENDPOINT_EXTRA = {"catalog-types", "editor-terms", "types", "supers", "views-links"}
ENDPOINT_EXTRA |= {"remote-graphs", "remote-graph-sizes"}


def _set(found: list[dict[str, Any]]) -> set[str]:
    """Rows as comparable text. A set: the union of graphs is a bag on some engines (a fact in
    two graphs comes twice) and not on others; every caller reads the rows as a set."""
    return {json.dumps({k: str(v) for k, v in r.items()}, sort_keys=True) for r in found}


@pytest.mark.parametrize("name", INTERNAL)
def test_every_internal_query_is_self_contained_and_answers(name: str, store: ox.Store) -> None:
    query = internal_query(name)
    assert query.title and query.description, "each says what it is for"
    assert query.builtin, "self-contained: it gets no project prefixes"
    found = rows(store, name, **_params(name))
    assert found, f"{name} returns rows on the shipped data"
    assert all(p.name not in found.variables for p in query.params), "parameter columns hidden"


@pytest.mark.parametrize("kind", ["disk", "virtuoso", "rdflib"])
@pytest.mark.parametrize("name", INTERNAL)
def test_internal_queries_agree_on_every_backend(
    name: str, kind: str, store: ox.Store, request: pytest.FixtureRequest
) -> None:
    fixture = {"disk": "disk_store", "virtuoso": "endpoint_store", "rdflib": "rdflib_engine"}
    other: Engine | Any = request.getfixturevalue(fixture[kind])
    expected = rows(store, name, **_params(name))
    got = rows(other, name, **_params(name))
    assert got.variables == expected.variables
    if kind == "virtuoso" and name in ENDPOINT_EXTRA:
        assert _set(got) > _set(expected), f"{name} agrees now: drop it from ENDPOINT_EXTRA"
    else:
        assert _set(got) == _set(expected)


def test_a_bound_value_cannot_break_out_of_its_term(store: ox.Store) -> None:
    """A literal full of SPARQL syntax is one term: it matches nothing and runs no clause."""
    query = internal_query("show-text")
    evil = ox.Literal('x" } } SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } #')
    assert rows(store, query, x=evil) == []
    assert rows(store, query, x=ox.NamedNode(PREFIXES["para"] + "60"))


@pytest.mark.parametrize("kind", ["memory", "disk", "virtuoso", "rdflib"])
def test_a_list_binds_each_of_its_terms_and_keeps_its_column(
    kind: str, store: ox.Store, request: pytest.FixtureRequest
) -> None:
    """A tuple of terms is a list (``VALUES``, written by the runner on every engine): the rows
    of each term, told apart by the list's column; a literal in it stays one term."""
    fixture = {"disk": "disk_store", "virtuoso": "endpoint_store", "rdflib": "rdflib_engine"}
    engine: Engine | Any = store if kind == "memory" else request.getfixturevalue(fixture[kind])
    evil = ox.Literal('x" } } SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } #')
    found = rows(engine, "views-about", s=(UNDP, DRYLANDS, evil))
    assert found.variables == ["s", "p", "o", "g"]
    each = [
        {**r, "s": term} for term in (UNDP, DRYLANDS) for r in rows(engine, "views-about", s=term)
    ]
    assert {r["s"] for r in found} == {UNDP, DRYLANDS}
    assert _set(found) == _set(each)
    if kind != "rdflib":  # rdflib 7 fails on an empty VALUES block; the views never send one
        assert rows(engine, "views-about", s=()) == []


def test_a_bound_variable_must_be_projected(store: ox.Store) -> None:
    query = parse_header("unprojected", "SELECT ?p WHERE { ?x ?p ?o } LIMIT 1")
    query.builtin = True
    with pytest.raises(QueryError, match=r"unprojected: .*projection"):
        rows(store, query, x=UNDP)


def test_parameter_columns_are_hidden_and_the_others_keep_their_order(store: ox.Store) -> None:
    """A query projects its parameters (Oxigraph binds only projected variables); the rows a
    caller gets leave them out, wherever they stand, and keep every other column in order."""
    text = (
        "# param: x iri required -- the subject\n# param: lang lang default=zh -- names\n"
        "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
        "SELECT ?x ?name ?lang ?same WHERE { ?x skos:prefLabel ?name "
        "FILTER(LANG(?name) = ?lang) BIND(?x AS ?same) }"
    )
    query = parse_header("hidden", text)
    query.builtin = True
    found = rows(store, query, x=UNDP)
    assert found.variables == ["name", "same"]
    assert lexical(found) == [{"name": "联合国开发计划署", "same": UNDP.value}]
    one = parse_header("one", text.replace("?x ?name ?lang ?same WHERE", "?x ?name ?lang WHERE"))
    one.builtin = True
    assert lexical(rows(store, one, x=UNDP)) == [{"name": "联合国开发计划署"}]


def test_a_bound_value_reaches_a_subquery_that_projects_it(store: ox.Store) -> None:
    """pyoxigraph binds a value inside a subquery that projects the variable: what keeps
    ``entity-evidence``'s distinct graphs from being computed for every entity in the store
    (1.3 s to 0.4 s at 2 M quads). Here a subquery with LIMIT 1 returns UNDP's triple only if
    the value was bound inside it; computed for every subject, its one row is someone else's."""
    query = parse_header(
        "inside",
        "SELECT ?x ?p WHERE { { SELECT ?x ?p WHERE { ?x ?p ?o } ORDER BY DESC(?x) LIMIT 1 } }",
    )
    query.builtin = True
    assert [row["x"] for row in rows(store, query, x=UNDP)] == [UNDP]


def test_strings_are_bound_through_the_declared_type(store: ox.Store) -> None:
    """The runner takes a parameter as text too, resolved like `--param` (a label here)."""
    by_name = rows(store, "show-types", x="开发署")
    assert lexical(by_name) == lexical(rows(store, "show-types", x=UNDP))
    assert {"t": PREFIXES["emg"] + "UNSystemEntity"} in lexical(by_name)


def test_an_unknown_internal_query_names_the_ones_there_are() -> None:
    with pytest.raises(QueryError, match=r"no internal query 'nope' .*show-facts"):
        internal_query("nope")


def test_internal_queries_are_not_named_queries(
    layout: Layout, capsys: pytest.CaptureFixture[str]
) -> None:
    named = load_queries(layout)
    assert not set(named) & set(INTERNAL)
    assert main(["queries"]) == 0
    listed = capsys.readouterr().out
    assert "show-facts" not in listed and "internal" not in listed
    assert main(["query", "internal/show-facts"]) == 2
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "`show-facts`" not in readme and "queries/internal/" in readme


def test_names_query_reads_the_resolvers_name_properties() -> None:
    text = internal_query("names").text
    short = {
        iri: f"{p}:{iri[len(ns) :]}"
        for iri in NAME_PROPERTIES
        for p, ns in PREFIXES.items()
        if iri.startswith(ns) and p in ("skos", "dct", "rdfs")
    }
    assert all(name in text for name in short.values())


def test_an_edited_internal_query_is_read_and_its_verdict_cached(
    copy_layout: Layout, store: ox.Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Analysts may edit queries/internal/: the edit is run, and the gate's verdict for the new
    text is kept in the copy's cache like a named query's."""
    monkeypatch.delenv("EMG_KG_CACHE", raising=False)
    path = copy_layout.queries_dir / "internal" / "show-types.rq"
    text = path.read_text(encoding="utf-8").replace("SELECT DISTINCT ?x ?t", "SELECT ?x ?t")
    path.write_text(text + "LIMIT 1\n", encoding="utf-8")
    query = internal_query("show-types", copy_layout)
    assert query.text.endswith("LIMIT 1\n")
    assert len(rows(store, query, x=UNDP)) == 1
    cached = json.loads((copy_layout.cache_dir / f"gate-v{gate.GATE_VERSION}.json").read_text())
    assert gate._key(query.text, None) in cached
