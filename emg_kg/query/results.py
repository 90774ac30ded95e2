"""Query results, engine-neutral, and the formats they are written in.

Both engines' answers are turned into one :class:`Result` holding pyoxigraph terms, so the
output of ``--engine rdflib`` and ``--engine oxigraph`` is byte-for-byte comparable. SELECT and
ASK results are written by pyoxigraph's own SPARQL 1.1 result serializers (JSON, XML, CSV,
TSV); graphs (CONSTRUCT, DESCRIBE) by its RDF serializers (Turtle, JSON-LD); ``table`` is for
people at a terminal.
"""

from __future__ import annotations

import functools
import json
import shutil
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox

from emg_kg.errors import QueryError
from emg_kg.prefixes import shorten

__all__ = [
    "Term",
    "Result",
    "render",
    "short",
    "short_iri",
    "TermTexts",
    "frozen_prefixes",
    "to_python",
    "fit",
    "text_table",
    "terminal_width",
    "rows_note",
    "used_prefixes",
    "RESULT_FORMATS",
    "GRAPH_FORMATS",
]

Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple
XSD = "http://www.w3.org/2001/XMLSchema#"
RESULT_FORMATS = {
    "json": ox.QueryResultsFormat.JSON,
    "xml": ox.QueryResultsFormat.XML,
    "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV,
}
GRAPH_FORMATS = {"ttl": ox.RdfFormat.TURTLE, "jsonld": ox.RdfFormat.JSON_LD}
_INTEGERS = {
    XSD + t
    for t in (
        "integer",
        "int",
        "long",
        "short",
        "nonNegativeInteger",
        "positiveInteger",
        "nonPositiveInteger",
        "negativeInteger",
    )
}
CELL_WIDTH = 60


@dataclass
class Result:
    """What a query returned: rows (SELECT), a boolean (ASK) or triples (CONSTRUCT/DESCRIBE)."""

    kind: str  # "select", "ask" or "graph"
    variables: list[str] = field(default_factory=list)
    rows: list[tuple[Term | None, ...]] = field(default_factory=list)
    boolean: bool | None = None
    triples: list[ox.Triple] = field(default_factory=list)
    prefixes: dict[str, str] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.rows) if self.kind == "select" else len(self.triples)

    def records(self) -> list[dict[str, Any]]:
        """Rows as dicts of plain Python values (IRIs as strings, numbers as numbers)."""
        if self.kind != "select":
            raise QueryError("records() is for SELECT results; use .triples or .boolean")
        return [
            {v: to_python(t) for v, t in zip(self.variables, row, strict=True)} for row in self.rows
        ]

    def column(self, name: str) -> list[Any]:
        index = self.variables.index(name)
        return [to_python(row[index]) for row in self.rows]

    def sparql_json(self) -> bytes:
        """The SPARQL 1.1 JSON form (also the bridge to pyoxigraph's other serializers)."""
        if self.kind == "ask":
            return json.dumps({"head": {}, "boolean": bool(self.boolean)}).encode()
        bindings = [
            {v: _json_term(t) for v, t in zip(self.variables, row, strict=True) if t is not None}
            for row in self.rows
        ]
        doc = {"head": {"vars": self.variables}, "results": {"bindings": bindings}}
        return json.dumps(doc, ensure_ascii=False).encode("utf-8")


def _json_term(term: Term) -> dict[str, Any]:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        out: dict[str, Any] = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value != XSD + "string":
            out["datatype"] = term.datatype.value
        return out
    return {
        "type": "triple",
        "value": {k: _json_term(getattr(term, k)) for k in ("subject", "predicate", "object")},
    }


def to_python(term: Term | None) -> Any:
    """A plain value: IRI string, int, float, bool or the literal's lexical form."""
    if term is None:
        return None
    if isinstance(term, ox.Literal):
        datatype = term.datatype.value
        try:
            if datatype in _INTEGERS:
                return int(term.value)
            if datatype in (XSD + "decimal", XSD + "double", XSD + "float"):
                return float(term.value)
        except ValueError:
            return term.value
        if datatype == XSD + "boolean":
            return term.value in ("true", "1")
        return term.value
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, ox.NamedNode):
        return term.value
    return str(term)


def short(term: Term | None, prefixes: Mapping[str, str] | None = None) -> str:
    """A term as a table shows it: an IRI through the one shortener
    (:func:`emg_kg.prefixes.shorten`; ``prefixes`` default to the project's), a literal as its
    lexical form.

    A local part that is not a plain name (a slash, a space) keeps the whole IRI, so the
    result can be pasted back into SPARQL.

    >>> ns = {"ex": "http://example.org/", "exa": "http://example.org/a/"}
    >>> [short(ox.NamedNode(f"http://example.org/{x}"), ns) for x in ("a/b", "c", "a/b/c")]
    ['exa:b', 'ex:c', '<http://example.org/a/b/c>']
    >>> short(ox.Literal("开发署", language="zh"), ns)
    '开发署'
    """
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        return shorten(term.value, prefixes)
    return term.value if isinstance(term, ox.Literal) else str(term)


def frozen_prefixes(prefixes: Mapping[str, str]) -> frozenset[tuple[str, str]]:
    """A prefix table as :func:`short_iri` takes it: hashable, its hash kept (a frozenset's is),
    so a cache lookup does not hash forty prefixes again at every call."""
    return frozenset(prefixes.items())


@functools.lru_cache(maxsize=1 << 17)
def short_iri(
    iri: str, prefixes: frozenset[tuple[str, str]] | None = None, paths: bool = False
) -> str:
    """The one shortener (:func:`emg_kg.prefixes.shorten`), each IRI worked out once per prefix
    table (``prefixes`` from :func:`frozen_prefixes`; None: the project's): a corpus repeats the
    same graphs and organizations in thousands of rows, and the shortener tries every prefix each
    time (58,000 calls, 0.9 s, for the gap report at 2 M quads). Bounded, as the views ask for
    hundreds of thousands of names at corpus size.

    >>> ns = frozen_prefixes({"ex": "http://example.org/"})
    >>> short_iri("http://example.org/a", ns), short_iri("http://example.org/a/b", ns, paths=True)
    ('ex:a', 'ex:a/b')
    """
    return shorten(iri, None if prefixes is None else dict(prefixes), paths=paths)


def used_prefixes(triples: list[ox.Triple], prefixes: dict[str, str]) -> dict[str, str]:
    """Only the prefixes some IRI of ``triples`` is written with (not forty for one triple)."""
    used: dict[str, str] = {}
    for triple in triples:
        for term in (triple.subject, triple.predicate, triple.object, _datatype(triple.object)):
            name = short(term, prefixes) if isinstance(term, ox.NamedNode) else ""
            prefix = name.partition(":")[0]
            if name and not name.startswith("<") and prefix in prefixes:
                used[prefix] = prefixes[prefix]
    return dict(sorted(used.items()))


def _datatype(term: object) -> ox.NamedNode | None:
    if isinstance(term, ox.Literal) and not term.language:
        return term.datatype
    return None


_WIDE = frozenset(("W", "F"))


@functools.lru_cache(maxsize=1 << 16)
def display_width(text: str) -> int:
    """Terminal cells a text takes: a Chinese character counts two.

    Each text worked out once (a listing repeats its names and IRIs in thousands of rows),
    an ASCII text by its length, the rest without a Python step per character: a table of
    `mandates` at 200 k quads (2,116 rows) spent 1.5 s of its 1.9 s here, a generator per cell.

    >>> display_width("UNEP"), display_width("环境署"), display_width("ＵＮ"), display_width("")
    (4, 6, 4, 0)
    """
    if text.isascii():
        return len(text)
    return len(text) + sum(map(_WIDE.__contains__, map(unicodedata.east_asian_width, text)))


def clip(text: str, limit: int) -> str:
    """One line of at most ``limit`` display cells, cut with an ellipsis.

    White space is folded first; the cut counts display cells, so a Chinese text is cut at
    half as many characters, never in the middle of a wide one.

    >>> clip("环境管理小组  progress\\nreport", 40)
    '环境管理小组 progress report'
    >>> clip("环境管理小组 progress report", 10), clip("Environment Management Group", 10)
    ('环境管理…', 'Environme…')
    """
    text = " ".join(text.split())
    if display_width(text) <= limit:
        return text
    out, used = "", 0
    for char in text:
        step = display_width(char)
        if used + step > limit - 1:
            break
        out, used = out + char, used + step
    return out + "…"


def pad(text: str, width: int) -> str:
    return text + " " * (width - display_width(text))


def terminal_width() -> int:
    """Columns of the terminal (``COLUMNS``, else the terminal's, else 80)."""
    return shutil.get_terminal_size((80, 24)).columns


def fit(widths: list[int], total: int, gap: int = 2, floor: int = 4) -> list[int]:
    """Column widths that fit ``total`` cells with ``gap`` between columns: the widest columns
    give way first, none below ``floor`` (a table of many columns may still overflow).

    >>> fit([10, 50, 30], 60)
    [10, 23, 23]
    >>> fit([5, 5], 80)
    [5, 5]
    """
    budget = total - gap * (len(widths) - 1)
    if sum(widths) <= budget:
        return widths
    low, high = floor, max(widths)  # the largest cap that fits, by bisection
    while low < high:
        cap = (low + high + 1) // 2
        if sum(min(w, cap) for w in widths) <= budget:
            low = cap
        else:
            high = cap - 1
    return [min(w, low) for w in widths]


def text_table(rows: list[list[str]], width: int | None = None, rule: bool = False) -> str:
    """Rows (the first is the header) aligned by display width and, unless ``width`` is None,
    clipped so that every line fits ``width`` cells; full values belong in CSV or JSON."""
    return _text_table(rows, width, rule)[0]


def _text_table(
    rows: list[list[str]], width: int | None = None, rule: bool = False
) -> tuple[str, bool]:
    """:func:`text_table`, and whether a value was cut to fit (a column made narrower than its
    widest value: that value, at least, is clipped)."""
    if not rows:
        return "", False
    natural = [max(display_width(r[i]) for r in rows) for i in range(len(rows[0]))]
    widths = natural if width is None else fit(natural, width)
    cells = [
        [clip(c, w) if display_width(c) > w else c for c, w in zip(r, widths, strict=True)]
        for r in rows
    ]
    lines = [
        "  ".join(pad(c, w) for c, w in zip(row, widths, strict=True)).rstrip() for row in cells
    ]
    if rule:
        lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines) + "\n", widths != natural


def rows_note(count: int, noun: str = "row") -> str:
    """``(1 row)``, ``(2 rows)``: the count with a plural that agrees."""
    return f"({count} {noun}{'s' if count != 1 else ''})"


def table(result: Result, width: int | None = None) -> str:
    """An aligned text table (CJK characters count double), fitted to ``width`` cells (None:
    every value whole)."""
    if result.kind == "ask":
        return "true\n" if result.boolean else "false\n"
    text = TermTexts(frozen_prefixes(result.prefixes), fold=True).__getitem__
    rows = [list(result.variables), *([*map(text, row)] for row in result.rows)]
    body, cut = _text_table(rows, width, rule=True)
    note = rows_note(len(result.rows))
    if cut:
        note = f"{note[:-1]}; cut to {width} columns: --wide or --format csv gives whole values)"
    return body + note + "\n"


class TermTexts(dict[Term | None, str]):
    """Terms as a table shows them (:func:`short`, through the cached shortener; "" for
    unbound), each worked out on its first lookup, so that a cell is one dict lookup: a listing
    repeats the same IRIs and names in thousands of rows. ``iris`` (if given) gets each IRI's
    text -> the IRI; ``fold`` folds white space, as a table cell does.

    >>> texts = TermTexts(frozen_prefixes({"ex": "http://example.org/"}), fold=True)
    >>> [texts[t] for t in (ox.NamedNode("http://example.org/a"), ox.Literal("a  b"), None)]
    ['ex:a', 'a b', '']
    """

    def __init__(
        self,
        prefixes: frozenset[tuple[str, str]],
        iris: dict[str, str] | None = None,
        fold: bool = False,
    ) -> None:
        super().__init__()
        self.prefixes, self.iris, self.fold = prefixes, iris, fold

    def __missing__(self, term: Term | None) -> str:
        if isinstance(term, ox.NamedNode):
            text = short_iri(term.value, self.prefixes)
            if self.iris is not None:
                self.iris[text] = term.value
        else:
            text = short(term)
        if self.fold:
            text = " ".join(text.split())
        self[term] = text
        return text


def render(result: Result, fmt: str | None = None, width: int | None = None) -> bytes:
    """The result in ``fmt`` (table, json, xml, csv, tsv, ttl, jsonld); None picks a default.

    ``width`` fits a table to a terminal; a graph in Turtle declares only the prefixes it uses.
    """
    if result.kind == "graph":
        fmt = "ttl" if fmt in (None, "table") else fmt
        if fmt not in GRAPH_FORMATS:
            raise QueryError(f"a graph result is written as ttl or jsonld, not {fmt}")
        used = used_prefixes(result.triples, result.prefixes)
        graph = ox.serialize(result.triples, format=GRAPH_FORMATS[fmt], prefixes=used)
        assert graph is not None
        return graph
    fmt = fmt or "table"
    if fmt == "table":
        return table(result, width).encode("utf-8")
    if fmt not in RESULT_FORMATS:
        raise QueryError(
            f"a {result.kind.upper()} result is written as table, json, xml, csv or tsv, not {fmt}"
        )
    parsed = ox.parse_query_results(result.sparql_json(), ox.QueryResultsFormat.JSON)
    data = parsed.serialize(format=RESULT_FORMATS[fmt])
    assert data is not None
    return data
