"""The web catalogue orders and chooses in Python what its whole-store readings no longer order in
SPARQL (an ORDER BY on stored IRIs took minutes at 2 M quads): an entity's display label is its
longest in each language (ties by text), names come in (IRI, property, text) order, blank nodes
are left out, and each entity's classes are sorted."""

from __future__ import annotations

from typing import Any

import pyoxigraph as ox
import pytest

from emg_kg.prefixes import ID, PREFIXES
from emg_kg.query.together import at_most
from emg_kg.web.catalog import Catalog

PREF, LABEL = PREFIXES["skos"] + "prefLabel", PREFIXES["rdfs"] + "label"
X = ox.NamedNode(ID + "agency/X")
GRAPH = ox.NamedNode(ID + "source/test")


def _catalog() -> Catalog:
    store = ox.Store()
    for p, text, lang in [
        (PREF, "Short", "en"),
        (LABEL, "A longer name", "en"),
        (PREF, "Bbb", "zh"),
        (LABEL, "Aaa", "zh"),
    ]:
        store.add(ox.Quad(X, ox.NamedNode(p), ox.Literal(text, language=lang), GRAPH))
    store.add(ox.Quad(ox.BlankNode(), ox.NamedNode(PREF), ox.Literal("Blank"), GRAPH))
    for cls in ("UNSystemEntity", "Agency"):
        store.add(ox.Quad(X, ox.NamedNode(PREFIXES["rdf"] + "type"), ox.NamedNode(ID + cls), GRAPH))
    return Catalog(store)


def test_the_longest_label_in_each_language_ties_by_text() -> None:
    cat = _catalog()
    assert cat.labels[X.value] == {"en": "A longer name", "zh": "Aaa"}
    assert cat.label(X.value, "en") == "A longer name"


def test_names_are_ordered_and_blank_nodes_left_out() -> None:
    cat = _catalog()
    assert [(p, text) for _, text, _, p in cat.names] == [
        ("label", "A longer name"),
        ("label", "Aaa"),
        ("name", "Bbb"),
        ("name", "Short"),
    ]
    assert {iri for iri, *_ in cat.names} == {X.value}
    assert cat.types[X.value] == [ID + "Agency", ID + "UNSystemEntity"]


@pytest.fixture(scope="module")
def four_on_disk(corpus_of: Any, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The four-report corpus in a persistent store, opened read-only as `serve --store` does."""
    from emg_kg.data.diskstore import load_store_dir, open_store_dir

    target = tmp_path_factory.mktemp("four-on-disk") / "store"
    load_store_dir(target, [corpus_of(4)], None)
    return open_store_dir(target, None)


def _fields(cat: Catalog) -> dict[str, object]:
    """Everything the catalogue read, field by field (the store aside)."""
    return {k: v for k, v in vars(cat).items() if k != "store"}


@pytest.mark.parametrize("which", ["store", "four_reports", "four_on_disk"])
def test_read_together_it_is_the_catalogue_read_one_query_after_the_other(
    which: str, request: pytest.FixtureRequest
) -> None:
    """The six readings are read at once (query/together.py); worked on in the same order, they
    make the same catalogue, field by field, as when read one after the other."""
    store = request.getfixturevalue(which)
    together = _fields(Catalog(store))
    with at_most(1):
        alone = _fields(Catalog(store))
    assert list(together) == list(alone)
    for key, value in alone.items():
        assert together[key] == value, key
    assert together["names"] and together["evidence"] and together["terms"]
