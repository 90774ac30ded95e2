"""The stored set-union default graph (data/bulk.py) holds every triple of every graph
once, with the same blank nodes as the graphs, whichever way a file is loaded."""

from __future__ import annotations

import itertools
from pathlib import Path

import pyoxigraph as ox
import pytest

from emg_kg.data.bulk import RdfFile, _triples, bulk_load, load_files, rdf_file
from emg_kg.data.diskstore import load_memory, load_store_dir, open_store_dir
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
#: NQUADS without its blank node and its default-graph triple: lines that carry their triples.
PLAIN = NQUADS.replace("_:b", "<http://x/b>").replace(
    "<http://x/s> <http://x/p> <http://x/o> .\n", ""
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


#: Lines the union must not take at their word: a default-graph triple whose object is an IRI
#: (it ends like a quad), a comment, a literal that reads like a graph term, and a tab.
AWKWARD = (
    "<http://x/s> <http://x/p> <http://x/o2> .\n"
    "# a comment <http://x/c> .\n"
    '<http://x/s> <http://x/note> "see <http://x/y> ." <http://x/g4> .\n'
    "<http://x/s>\t<http://x/p> <http://x/o3> <http://x/g4> .\n"
)


@pytest.mark.parametrize("chunk", [7, 200, 1 << 20])
def test_the_union_of_nquads_cut_as_text_is_the_union_parsed(tmp_path: Path, chunk: int) -> None:
    """A piece of N-Quads without blank nodes is loaded with a copy of itself whose graph names
    are cut; a piece with any line that does not end in a graph name is loaded alone and its
    triples parsed instead. Pieces of
    7 bytes (every line its own piece), 200 (plain and awkward lines together) and 1 MiB."""
    path = tmp_path / "data.nq"
    path.write_text(PLAIN * 3 + AWKWARD + PLAIN, encoding="utf-8")
    item = RdfFile(path, ox.RdfFormat.N_QUADS, None)
    store = ox.Store()
    load_files(store, [item], chunk=chunk)
    whole = ox.Store()
    whole.bulk_load(path=str(path), format=ox.RdfFormat.N_QUADS)
    assert set(store.quads_for_pattern(None, None, None, None)) - set(whole) == {
        q for q in store.quads_for_pattern(None, None, None, ox.DefaultGraph())
    } - set(whole)  # the file's statements, as given, and the union beside them
    assert set(whole) <= set(store)
    defaults = {"<http://x/s> <http://x/p> <http://x/o2>"}
    assert _union(store) == _named(store) | defaults
    assert '<http://x/s> <http://x/note> "see <http://x/y> ."' in _union(store)
    assert len(_union(store)) == 6  # three plain triples, three awkward ones


def test_the_union_of_an_ntriples_file_is_its_triples(tmp_path: Path) -> None:
    path = tmp_path / "data.nt"
    path.write_text(
        '<http://x/s> <http://x/p> <http://x/o> .\n<http://x/s> <http://x/n> "1" .\n', "utf-8"
    )
    store = load_memory([rdf_file(path, "http://x/g1")]).store
    assert _union(store) == _named(store) and len(_union(store)) == 2


def test_a_walk_of_a_loaded_store_goes_graph_by_graph_without_the_union(tmp_path: Path) -> None:
    """``MergedStore.quads_for_pattern`` with no term walks the named graphs one by one (each
    graph's quads together, the stored union never read), in memory and on disk alike; a
    pattern with a term given drops the union's copies among its matches."""
    path = tmp_path / "data.nq"
    lines = [
        f"<http://x/s{i % 5}> <http://x/p{i % 3}> <http://x/o{i % 7}> <http://x/g{i % 4}> .\n"
        for i in range(60)
    ]
    path.write_text("".join(lines), encoding="utf-8")
    item = RdfFile(path, ox.RdfFormat.N_QUADS, None)
    load_store_dir(tmp_path / "store", [item], None)
    whole = ox.Store()
    whole.bulk_load(path=str(path), format=ox.RdfFormat.N_QUADS)
    for merged in (load_memory([item]), open_store_dir(tmp_path / "store", None)):
        walk = list(merged.quads_for_pattern(None, None, None, None))
        assert sorted(map(str, walk)) == sorted(map(str, whole)) and len(walk) == len(merged)
        runs = [g for g, _ in itertools.groupby(walk, key=lambda q: q.graph_name)]
        assert len(runs) == len(set(runs)) == 4  # one run per graph
        s1 = ox.NamedNode("http://x/s1")
        assert set(merged.quads_for_pattern(s1, None, None, None)) == set(
            whole.quads_for_pattern(s1, None, None, None)
        )


#: Lines that end like a statement in a named graph and are not one: a default-graph triple
#: whose object is an IRI (it used to lose its object to the cut and fail the combined load), a
#: quad followed by a comment ending in an IRI (the cut took the comment's IRI and the triple
#: kept its graph: the union missed it), a default-graph triple with a spaced datatype.
NOT_IN_A_NAMED_GRAPH = (
    "<http://x/s> <http://x/p> <http://x/o2> .\n",
    "<http://x/s> <http://x/p> <http://x/o5> <http://x/g5> . # see <http://x/c> .\n",
    '<http://x/s> <http://x/n> "7" ^^ <http://www.w3.org/2001/XMLSchema#integer> .\n',
)


@pytest.mark.parametrize("line", NOT_IN_A_NAMED_GRAPH, ids=["iri-object", "comment", "datatype"])
def test_a_piece_whose_lines_cannot_be_cut_is_known_before_it_is_loaded(
    tmp_path: Path, line: str
) -> None:
    """The cut is decided on the piece's text, before any load: such a piece is loaded alone and
    its triples parsed, and the union holds the line's triple all the same."""
    assert _triples(PLAIN.encode()) is not None
    assert _triples((PLAIN + line).encode()) is None
    path = tmp_path / "data.nq"
    path.write_text(PLAIN + line, encoding="utf-8")
    store = load_memory([RdfFile(path, ox.RdfFormat.N_QUADS, None)]).store
    whole = ox.Store()
    whole.bulk_load(path=str(path), format=ox.RdfFormat.N_QUADS)
    assert _union(store) == {str(q.triple) for q in whole}


def test_a_bad_line_in_a_piece_loaded_with_its_triples_is_named_by_its_line(
    tmp_path: Path,
) -> None:
    """A line of the right shape with a bad escape fails the one load of the piece and its
    triples: named by its line in the file, whichever copy the loader read it in."""
    path = tmp_path / "data.nq"
    path.write_text(PLAIN * 4 + '<http://x/s> <http://x/p> "a\\q" <http://x/g> .\n', "utf-8")
    with pytest.raises(SourceError) as err:
        load_files(ox.Store(), [RdfFile(path, ox.RdfFormat.N_QUADS, None)], chunk=100)
    assert err.value.path == path and err.value.line == 17
    assert "escape" in str(err.value)
