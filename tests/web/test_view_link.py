"""Whether the whole view has an entity, decided without the views' index (the web app's entity
page offers the neighbourhood only then): the same answer as the index's `entities`, for every
IRI of the shipped graph and for the cases the shipped graph lacks (a scheme's subclass, an
untyped entity that links or does not)."""

from __future__ import annotations

import pyoxigraph as ox

from emg_kg.analysis.index import load_index
from emg_kg.analysis.projection import SKOS, entities, in_whole_view, scheme_classes
from emg_kg.prefixes import ID
from emg_kg.web.views import Views

RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
SUBCLASS = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#subClassOf")
EMG = "https://w3id.org/emg-kg/ontology#"


def _whole(store: ox.Store) -> set[str]:
    typed, links = entities(load_index(store))
    return {*typed, *(x for s, _, o in links for x in (s, o))}


def test_the_shipped_graph_is_decided_from_classes_as_the_index_decides(
    store: ox.Store,
) -> None:
    idx = load_index(store)
    whole = _whole(store)
    every = {*idx.types, *(x for s, _, o in idx.links for x in (s, o))}
    every |= {s for s, _ in idx.literals}
    schemes = scheme_classes(store)
    assert schemes == {SKOS + "ConceptScheme"}
    decided = {iri: in_whole_view(store, iri, schemes) for iri in sorted(every)}
    assert None not in decided.values()  # every entity of the shipped graph is typed
    assert {iri for iri, known in decided.items() if known} == whole
    assert len(whole) > 700
    assert decided[ID + "agency/UNDP"] is True
    assert decided[ID + "report/gc27-emg/para/1"] is False  # a paragraph: not an entity


def _small() -> ox.Store:
    """A scheme typed by a subclass of skos:ConceptScheme, an untyped entity linked to a typed
    one, an untyped entity linked to nothing but the scheme."""
    g = ox.NamedNode(ID + "report/t/para/1")
    n = ox.NamedNode
    store = ox.Store()
    for s, p, o in [
        (n(EMG + "Vocabulary"), SUBCLASS, n(SKOS + "ConceptScheme")),
        (n(ID + "scheme/levels"), RDF_TYPE, n(EMG + "Vocabulary")),
        (n(ID + "agency/A"), RDF_TYPE, n(EMG + "Agency")),
        (n(ID + "agency/B"), n(EMG + "partnerOf"), n(ID + "agency/A")),
        (n(ID + "agency/C"), n(EMG + "listedIn"), n(ID + "scheme/levels")),
    ]:
        store.add(ox.Quad(s, p, o, g))
    return store


def test_a_scheme_subclass_and_untyped_entities_get_the_index_answer() -> None:
    store = _small()
    schemes = scheme_classes(store)
    assert schemes == {SKOS + "ConceptScheme", EMG + "Vocabulary"}
    assert in_whole_view(store, ID + "scheme/levels", schemes) is False
    assert in_whole_view(store, ID + "agency/A", schemes) is True
    assert in_whole_view(store, ID + "agency/B", schemes) is None  # untyped: the index says
    assert _whole(store) == {ID + "agency/A", ID + "agency/B"}
    views = Views(store)
    assert views.link(ID + "agency/A", "en").startswith("/views/neighbourhood?")
    assert views._index is None  # a typed entity was decided without the index
    assert views.link(ID + "scheme/levels", "en") == ""
    assert views.link(ID + "agency/B", "en").startswith("/views/neighbourhood?")
    assert views.link(ID + "agency/C", "en") == ""  # it links only to a scheme
    # an untyped entity is decided from the whole view's skeleton, still without the index
    assert views._index is None and views._entities == _whole(store)
