"""Ontology + curated TriG + the report's paragraphs -> one RDF dataset.

Each curated fact sits in a named graph whose name is its evidence (see docs/modeling.md), so
the build keeps named graphs and never flattens them; the union is only taken for output
formats that cannot carry graphs (Turtle, N-Triples) and for validation.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from rdflib import Dataset, Graph, URIRef
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.plugins.parsers.notation3 import BadSyntax
from rdflib.term import Node

from emg_kg.data.namespaces import GRAPH_ONTOLOGY, GRAPH_REPORT, bind_prefixes
from emg_kg.data.sources import parse_report, report_graph
from emg_kg.errors import SourceError
from emg_kg.paths import Layout

__all__ = ["Built", "build", "load_trig", "load_turtle", "union_graph"]


@dataclass
class Built:
    """The dataset plus, for each subject, the files that describe it (for error messages)."""

    dataset: Dataset
    origins: dict[Node, set[str]] = field(default_factory=lambda: defaultdict(set))

    def origin(self, node: Node) -> str:
        return ", ".join(sorted(self.origins.get(node, ()))) or "-"


def _bad_syntax(path: Path, err: BadSyntax) -> SourceError:
    # rdflib counts the newlines before the error, so the 1-based line is one more.
    return SourceError(path, err.lines + 1, f"bad syntax: {err._why}")


def _check_syntax(path: Path, fmt: ox.RdfFormat) -> None:
    """Oxigraph's parser reports exact lines and columns (rdflib's line count drifts)."""
    try:
        for _ in ox.parse(path=str(path), format=fmt):
            pass
    except SyntaxError as err:
        message = re.sub(r"^Parser error (at|between) [^:]*: ", "", err.msg)
        where = f"bad syntax at column {err.offset}"
        raise SourceError(path, err.lineno, f"{where}: {message}") from None
    except (OSError, ValueError) as err:
        raise SourceError(path, None, f"cannot read: {err}") from None
    except MemoryError:  # Oxigraph's token buffer is capped (16 MiB): a huge string or IRI
        raise SourceError(
            path,
            _long_line(path),
            f"a single token (string or IRI) is longer than the parser's limit of "
            f"{_TOKEN_LIMIT // 2**20} MiB; split the text or keep it outside the graph",
        ) from None


_TOKEN_LIMIT = 16 * 2**20


def _long_line(path: Path) -> int | None:
    """The first line longer than the token limit (where the huge token most likely is)."""
    try:
        with path.open("rb") as handle:
            for number, line in enumerate(handle, 1):
                if len(line) > _TOKEN_LIMIT:
                    return number
    except OSError:
        pass
    return None


def _parse(path: Path, fmt: ox.RdfFormat, target: Graph) -> None:
    """Check the syntax with Oxigraph (exact lines), then parse into ``target`` with rdflib."""
    _check_syntax(path, fmt)
    try:
        target.parse(path, format="turtle" if fmt == ox.RdfFormat.TURTLE else "trig")
    except BadSyntax as err:
        raise _bad_syntax(path, err) from None
    except Exception as err:  # rdflib raises assorted errors for bad literals, IRIs, encodings
        raise SourceError(path, None, f"cannot parse: {err}") from None


def load_turtle(path: Path) -> Graph:
    """Parse one Turtle file, naming file and line on a syntax error."""
    graph = Graph()
    _parse(path, ox.RdfFormat.TURTLE, graph)
    return graph


def load_trig(path: Path) -> Dataset:
    """Parse one curated TriG file; a triple outside a graph block is a fact without evidence."""
    ds = Dataset()
    _parse(path, ox.RdfFormat.TRIG, ds)
    stray = list(ds.default_graph)
    if stray:
        s, p, o = sorted(stray)[0]
        raise SourceError(
            path,
            _line_of(path, s),
            f"{len(stray)} triple(s) outside any named graph, e.g. <{s}> <{p}> {o.n3()}: "
            "every fact must sit in the graph of the paragraph, footnote or source stating it",
        )
    return ds


def _line_of(path: Path, node: Node) -> int | None:
    """Best effort: the first line naming the node's local name (rdflib keeps no positions)."""
    local = str(node).rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1]
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if local and local in line:
            return number
    return None


def build(layout: Layout) -> Built:
    """Build the whole dataset from one copy of the inputs. Raises SourceError on bad input."""
    built = Built(Dataset())
    ds = built.dataset
    bind_prefixes(ds)

    onto = ds.graph(GRAPH_ONTOLOGY)
    for path in layout.ontology_files():
        for triple in load_turtle(path):
            onto.add(triple)
            built.origins[triple[0]].add(path.name)

    report = ds.graph(GRAPH_REPORT)
    parsed = parse_report(layout.report_file)
    for triple in report_graph(parsed):
        report.add(triple)
        built.origins[triple[0]].add(layout.report_file.name)
    if layout.report_file_en.is_file():  # issue 11: the English text, in its own graph
        from emg_kg.data.translation import translation_graphs

        english, about = translation_graphs(parsed, parse_report(layout.report_file_en))
        for part in (english, about):
            graph = ds.graph(part.identifier)
            for triple in part:
                graph.add(triple)
                built.origins[triple[0]].add(layout.report_file_en.name)

    for path in layout.data_files():
        part = load_trig(path)
        for s, p, o, g in part.quads((None, None, None, None)):
            if g is None or g == DATASET_DEFAULT_GRAPH_ID:
                continue
            ds.graph(URIRef(str(g))).add((s, p, o))
            built.origins[s].add(path.name)
    return built


def union_graph(ds: Dataset) -> Graph:
    """All triples of all graphs in one graph (for SHACL and for Turtle output)."""
    union = Graph()
    bind_prefixes(union)
    for s, p, o, _g in ds.quads((None, None, None, None)):
        union.add((s, p, o))
    return union
