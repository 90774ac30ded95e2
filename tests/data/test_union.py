"""The stored set-union default graph (data/diskstore.py) holds every triple of every graph
once, with the same blank nodes as the graphs, whichever way a file is loaded."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from emg_kg.data.diskstore import RdfFile, bulk_load, load_memory, rdf_file
from emg_kg.errors import SourceError

#: A blank node in a named graph, a language literal with an escaped quote, a typed literal,
#: a default-graph triple, and (last) a statement written without spaces.
NQUADS = (
    '_:b <http://x/p> "1" <http://x/g1> .\n'
    '<http://x/s> <http://x/name> "a \\" b"@en <http://x/g1> .\n'
    '<http://x/s> <http://x/n> "2"^^<http://www.w3.org/2001/XMLSchema#integer> <http://x/g2> .\n'
    '<http://x/s> <http://x/name> "a \\" b"@en <http://x/g2> .\n'
    "<http://x/s> <http://x/p> <http://x/o> .\n"
)
TIGHT = "<http://x/t><http://x/p><http://x/o><http://x/g3>.\n"
ASK_SAME_BLANK = 'ASK { ?b <http://x/p> "1" . GRAPH <http://x/g1> { ?b <http://x/p> "1" } }'


def _union(store: ox.Store) -> set[str]:
    return {str(q.triple) for q in store.quads_for_pattern(None, None, None, ox.DefaultGraph())}


def _named(store: ox.Store) -> set[str]:
    return {
        str(q.triple)
        for q in store.quads_for_pattern(None, None, None, None)
        if not isinstance(q.graph_name, ox.DefaultGraph)
    }


@pytest.mark.parametrize("tight", [False, True], ids=["spaced", "tight"])
def test_the_union_of_an_nquads_file(tmp_path: Path, tight: bool) -> None:
    path = tmp_path / "data.nq"
    path.write_text(NQUADS + (TIGHT if tight else ""), encoding="utf-8")
    merged = load_memory([RdfFile(path, ox.RdfFormat.N_QUADS, None)])
    store = merged.store
    union = _union(store)
    assert union == _named(store) | {"<http://x/s> <http://x/p> <http://x/o>"}
    assert len(union) == (5 if tight else 4)  # the restated name is there once
    assert store.query(ASK_SAME_BLANK)
    assert len(merged) == (5 if tight else 4)  # the quads as given, without the union


def test_a_corpus_without_blank_nodes_gets_the_same_union(tmp_path: Path) -> None:
    """No ``_:`` in the file: the union is parsed from it again (the fast way), and it is the
    same union as read back from the store."""
    path = tmp_path / "data.nq"
    path.write_text(NQUADS.replace("_:b", "<http://x/b>") + TIGHT, encoding="utf-8")
    store = load_memory([RdfFile(path, ox.RdfFormat.N_QUADS, None)]).store
    assert _union(store) == _named(store) | {"<http://x/s> <http://x/p> <http://x/o>"}
    assert len(_union(store)) == 5


def test_the_union_of_a_turtle_file_keeps_its_blank_nodes(tmp_path: Path) -> None:
    path = tmp_path / "data.ttl"
    path.write_text('[] <http://x/p> "1" .\n<http://x/s> <http://x/p> "2" .\n', "utf-8")
    item = rdf_file(path, "http://x/g1")
    store = load_memory([item]).store
    assert len(_union(store)) == 2 and store.query(ASK_SAME_BLANK)


def test_a_file_loaded_in_pieces_is_the_file_loaded_whole(tmp_path: Path) -> None:
    """A line-based file without blank nodes goes in pieces of whole lines (the loader's buffer
    stays small): a piece of a few bytes still cuts only between lines, and the store holds
    exactly what one load of the whole file holds."""
    path = tmp_path / "data.nq"
    path.write_text(NQUADS.replace("_:b", "<http://x/b>") + TIGHT, encoding="utf-8")
    item = RdfFile(path, ox.RdfFormat.N_QUADS, None)
    whole = ox.Store()
    whole.bulk_load(path=str(path), format=ox.RdfFormat.N_QUADS)
    for chunk in (7, 64, 1 << 20):
        pieces = ox.Store()
        bulk_load(pieces, item, chunk)
        assert set(pieces) == set(whole), chunk


def test_a_bad_line_in_a_later_piece_is_named_by_its_line_in_the_file(tmp_path: Path) -> None:
    path = tmp_path / "data.nq"
    good = NQUADS.replace("_:b", "<http://x/b>")
    path.write_text(good * 3 + "<http://x/s> <http://x/p> oops <http://x/g> .\n", "utf-8")
    with pytest.raises(SourceError) as err:
        bulk_load(ox.Store(), RdfFile(path, ox.RdfFormat.N_QUADS, None), 100)
    assert err.value.path == path and err.value.line == 16
    assert "bad syntax" in str(err.value) and "Parser error" not in str(err.value)
