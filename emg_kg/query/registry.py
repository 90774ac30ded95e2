"""The named-query registry: `.rq` files with a comment header, run with bound parameters.

A named query is data (datasette's habit): ``queries/NAME.rq`` is plain SPARQL with its own
PREFIX lines, so it runs unchanged in any SPARQL editor; its comment header says what it is::

    # title: Mandates to or from a body
    # description: Every mandate a body issued or received, with the paragraph stating it.
    # param: body iri required example=body:EMG -- the body (IRI, prefixed name, label)
    # param: lang lang default=zh -- language of the labels

A parameter is a variable the query projects. Values are never pasted into the text: Oxigraph
substitutes them (``substitutions``, SEP-0007, which insists the variable is projected) and
rdflib pre-binds them (``initBindings``); the output then hides the parameter columns. Queries
are read-only: an update, ``LOAD`` or ``SERVICE`` is refused before any engine sees it, since
both engines would fetch a ``SERVICE`` IRI over the network; :mod:`emg_kg.query.gate` decides that
by parsing the query (:func:`check_read_only` is its short form).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from emg_kg.errors import QueryError
from emg_kg.paths import Layout, default_layout
from emg_kg.query.gate import Verdict, check

__all__ = [
    "Param",
    "NamedQuery",
    "load_queries",
    "get_query",
    "internal_query",
    "parse_header",
    "adhoc",
    "check_read_only",
    "declared_prefixes",
    "coerce",
    "XSD",
]

XSD = "http://www.w3.org/2001/XMLSchema#"
PARAM_TYPES = ("iri", "string", "lang", "date", "integer")
_HEADER = re.compile(r"#\s*(title|description|param|empty|example)\s*:\s*(.*)$", re.I)
_PARAM = re.compile(
    r"(?P<name>[A-Za-z_]\w*)\s+(?P<type>\w+)\s+(?P<flags>(?:(?:required|default=\S+|"
    r"example=\S+|one-of=\S+|kinds=\S+)\s*)*)--\s*(?P<doc>.+)$"
)
_PREFIX = re.compile(r"PREFIX\s+([\w.-]*):\s*<([^>]*)>", re.I)
# Strings, IRIs and comments are blanked before looking for keywords, so a label that says
# "SERVICE" or an IRI ending in /load is not mistaken for one.
_OPAQUE = re.compile(
    r'"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|'
    r"<[^<>\"{}|^`\\\s]*>|#[^\n]*"
)
_LANG_TAG = re.compile(r"[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*")


@dataclass(frozen=True)
class Param:
    """One declared parameter: the variable it binds, its type, default and an example."""

    name: str
    type: str
    doc: str
    default: str | None = None
    required: bool = False
    example: str | None = None
    choices: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()  # iri: the classes (prefixed names) a value may be, see resolve


@dataclass
class NamedQuery:
    """A query with its header; ``name`` is the file stem, or ``-``/the path when ad hoc."""

    name: str
    text: str
    title: str = ""
    description: str = ""
    params: list[Param] = field(default_factory=list)
    empty: str = ""  # why the query may legitimately return no rows on the shipped data
    examples: list[str] = field(default_factory=list)
    path: Path | None = None
    builtin: bool = False  # one of queries/*.rq: self-contained, gets no extra prefixes

    @property
    def param_names(self) -> list[str]:
        return [p.name for p in self.params]


def parse_header(name: str, text: str, path: Path | None = None) -> NamedQuery:
    """Read the leading ``# key: value`` comments; ``#   more`` continues the previous key."""
    query = NamedQuery(name=name, text=text, path=path)
    where = str(path or name)
    last: str | None = None
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if not stripped.startswith("#"):
            if stripped:
                break
            continue
        match = _HEADER.match(stripped)
        if match:
            key, value = match.group(1).lower(), match.group(2).strip()
            if key == "param":
                query.params.append(_parse_param(where, number, value))
            elif key == "example":
                query.examples.append(value)
            else:
                setattr(query, key, value)
            last = key
        elif last in ("title", "description", "empty") and stripped.lstrip("#").strip():
            setattr(query, last, f"{getattr(query, last)} {stripped.lstrip('#').strip()}")
    return query


def _parse_param(where: str, line: int, value: str) -> Param:
    match = _PARAM.match(value)
    if not match or match["type"] not in PARAM_TYPES:
        raise QueryError(
            f"{where}:{line}: bad parameter line {value!r}; expected 'NAME TYPE "
            "[required|default=V] [example=V] [one-of=A|B] [kinds=C|D] -- description', "
            f"TYPE one of {PARAM_TYPES}"
        )
    flags = match["flags"].split()
    opts = dict(f.split("=", 1) for f in flags if "=" in f)
    choices = tuple(opts["one-of"].split("|")) if "one-of" in opts else ()
    kinds = tuple(opts["kinds"].split("|")) if "kinds" in opts else ()
    return Param(
        match["name"],
        match["type"],
        match["doc"].strip(),
        opts.get("default"),
        "required" in flags,
        opts.get("example"),
        choices,
        kinds,
    )


def load_queries(layout: Layout) -> dict[str, NamedQuery]:
    """Every ``queries/*.rq`` file by name (the file stem), sorted by name."""
    queries = {}
    for path in sorted(layout.queries_dir.glob("*.rq")):
        queries[path.stem] = parse_header(path.stem, path.read_text(encoding="utf-8"), path)
        queries[path.stem].builtin = True
    return queries


def get_query(layout: Layout, name: str) -> NamedQuery:
    """A named query by name; the error lists the names there are."""
    path = layout.queries_dir / f"{name}.rq"
    if not re.fullmatch(r"[\w.-]+", name) or not path.is_file():
        names = ", ".join(sorted(load_queries(layout)))
        raise QueryError(f"no named query {name!r}; there are: {names}")
    query = parse_header(name, path.read_text(encoding="utf-8"), path)
    query.builtin = True
    return query


#: internal queries read so far: path -> (modification time, query)
_INTERNAL: dict[Path, tuple[int, NamedQuery]] = {}


def internal_query(name: str, layout: Layout | None = None) -> NamedQuery:
    """One of the code's own queries, ``queries/internal/NAME.rq``: plain SPARQL an analyst can
    read and edit, never listed as a named query (``emg-kg query --list``, the web catalogue).

    Read once per process while the file is unchanged (the web pages run some per request).
    """
    folder = (layout or default_layout()).queries_dir / "internal"
    path = folder / f"{name}.rq"
    try:
        stamp = path.stat().st_mtime_ns
    except OSError:
        names = ", ".join(sorted(p.stem for p in folder.glob("*.rq"))) or "none"
        raise QueryError(f"no internal query {name!r} in {folder}; there are: {names}") from None
    known = _INTERNAL.get(path)
    if known is None or known[0] != stamp:
        query = parse_header(f"internal/{name}", path.read_text(encoding="utf-8"), path)
        query.builtin = True
        known = _INTERNAL[path] = (stamp, query)
    return known[1]


def adhoc(source: str, layout: Layout, stdin_text: str | None = None) -> NamedQuery:
    """A query given as a named query, a ``.rq`` file, or ``-`` (the text of stdin)."""
    if source == "-":
        return parse_header("-", stdin_text or "")
    path = Path(source)
    if path.suffix == ".rq" or path.is_file():
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as err:
            raise QueryError(f"cannot read {source}: {err.strerror}") from None
        return parse_header(str(path), text, path)
    return get_query(layout, source)


def check_read_only(
    text: str, rdflib_engine: bool = False, prefixes: dict[str, str] | None = None
) -> Verdict:
    """The gate (:func:`emg_kg.query.gate.check`): refuse updates, LOAD, SERVICE and deep nesting;
    on rdflib also FROM / FROM NAMED, which rdflib would fetch from the network."""
    verdict = check(text, "query", prefixes)
    if rdflib_engine and verdict.names_graphs:
        raise QueryError(
            "refused: FROM / FROM NAMED would make rdflib fetch the IRI from the "
            "network; use GRAPH <iri> { ... } or --engine oxigraph"
        )
    return verdict


def declared_prefixes(text: str) -> dict[str, str]:
    """The PREFIX lines of a query, for resolving prefixed parameters and shortening output."""
    bare = _OPAQUE.sub(lambda m: " " if m.group(0).startswith("#") else m.group(0), text)
    return {m.group(1): m.group(2) for m in _PREFIX.finditer(bare)}


def coerce(param: Param, value: str, prefixes: dict[str, str]) -> ox.NamedNode | ox.Literal:
    """A parameter value as an RDF term of the declared type (IRIs are resolved elsewhere)."""
    if param.choices and value not in param.choices:
        raise QueryError(
            f"parameter {param.name}: {value!r} is not one of {', '.join(param.choices)}"
        )
    if param.type == "iri":
        return iri_term(value, prefixes, param.name)
    if param.type == "lang":
        if not _LANG_TAG.fullmatch(value):
            raise QueryError(f"parameter {param.name}: {value!r} is not a language tag (zh, en)")
        return ox.Literal(value.lower())
    if param.type == "date":
        try:
            dt.date.fromisoformat(value)
        except ValueError:
            raise QueryError(
                f"parameter {param.name}: {value!r} is not a date YYYY-MM-DD"
            ) from None
        return ox.Literal(value, datatype=ox.NamedNode(XSD + "date"))
    if param.type == "integer":
        if not re.fullmatch(r"[+-]?\d+", value):
            raise QueryError(f"parameter {param.name}: {value!r} is not an integer")
        return ox.Literal(str(int(value)), datatype=ox.NamedNode(XSD + "integer"))
    return ox.Literal(value)


def iri_term(value: str, prefixes: dict[str, str], name: str = "iri") -> ox.NamedNode:
    """``<iri>``, ``http(s)://...`` or a prefixed name the query declares; else QueryError."""
    text = value.strip()
    if text.startswith("<") and text.endswith(">"):
        text = text[1:-1]
    if re.match(r"(https?|urn):", text):
        if re.search(r"[\s<>\"{}|^`\\]", text):
            raise QueryError(f"parameter {name}: {value!r} is not a valid IRI")
        return ox.NamedNode(text)
    prefix, sep, local = text.partition(":")
    if sep and prefix in prefixes and re.fullmatch(r"[\w.\-]*", local):
        return ox.NamedNode(prefixes[prefix] + local)
    raise QueryError(f"parameter {name}: {value!r} is not an IRI or a known prefixed name")
