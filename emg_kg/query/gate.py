"""The query gate: what a SPARQL text may do, decided by parsing it, before any engine sees it.

Every path that runs a user's SPARQL (``emg-kg query``, :func:`~emg_kg.query.run.run`, the editor
and the endpoint's workers through :func:`emg_kg.web.sparql.execute`) calls :func:`check` first. A
text pattern cannot be the gate (``?z .SERVICE``, ``\\u0053ERVICE``, comments and odd whitespace
all slip past one), so the decision is taken on two readings that must both agree:

1. **A lexer** (:func:`scan`): ``\\uXXXX`` escapes expanded as SPARQL 1.1 §19.2 requires, then
   the text cut into tokens (IRIs, strings, comments, variables and prefixed names are whole
   tokens, so a label or an IRI saying "SERVICE" is not a keyword). It measures the nesting
   depth of ``{ ( [`` *before any parser sees the text* (deep nesting crashes pyoxigraph and
   exhausts pyparsing's recursion) and finds bare ``SERVICE`` and update keywords.
2. **rdflib's SPARQL parser** (``parseQuery`` + ``translateQuery``): the parse tree and the
   algebra are walked for ``ServiceGraphPattern`` at any depth (OPTIONAL, UNION, MINUS,
   subqueries, EXISTS); only the four query forms parse, so every update form is refused; the
   algebra gives the query's ``FROM`` / ``FROM NAMED`` IRIs (the dataset rules need them).

Fail closed: a text rdflib cannot read is handed to Oxigraph's parser (on an empty store, only
once the lexer found no SERVICE), and refused with Oxigraph's syntax error if it fails too; a
query only Oxigraph reads passes on the lexer's word alone, and not at all if it names graphs.
Verdicts are remembered by text hash (the last 512 in memory; those of the shipped queries also
on disk), so ``emg-kg query NAME`` does not import the parser (~0.2 s) on every run and a worker
does not parse the same query twice.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
import tempfile
import threading
from collections import OrderedDict
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from emg_kg.errors import QueryError

__all__ = ["MAX_DEPTH", "RefusedError", "Verdict", "Scan", "scan", "check", "preload"]

#: Deepest nesting of ``{ ( [`` a query may have; real queries stay under 15. pyoxigraph
#: segfaults near 3,000 and rdflib's parser needs a raised recursion limit past ~30.
MAX_DEPTH = 64
GATE_VERSION = 1  # bump when the verdict rules change: cached verdicts are then ignored

UPDATE_WORDS = frozenset(
    {"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH"}
)
_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_LOCAL_CHAR = r"(?:[\w:]|%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?#@%])"
_LOCAL_MID = r"(?:[\w.:\-]|%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?#@%])"
_LOCAL_END = r"(?:[\w:\-]|%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?#@%])"
# One alternative per SPARQL token class, tried in this order at each position; the last one
# takes any single character, so the scan never skips text it did not classify.
_TOKEN = re.compile(
    r"(?P<ws>\s+)"
    r"|(?P<comment>#[^\n\r]*)"
    r"|(?P<iri><[^<>\"{}|^`\\\x00-\x20]*>)"
    r'|(?P<string>"""(?:[^"\\]|\\[\s\S]|"(?!""))*"""|'
    r"'''(?:[^'\\]|\\[\s\S]|'(?!''))*'''|"
    r'"(?:[^"\\\n\r]|\\.)*"|'
    r"'(?:[^'\\\n\r]|\\.)*')"
    r"|(?P<var>[?$]\w+)"
    r"|(?P<bnode>_:\w(?:[\w.\-]*[\w\-])?)"
    rf"|(?P<pname>(?:[^\W\d_](?:[\w.\-]*[\w\-])?)?:(?:{_LOCAL_CHAR}(?:{_LOCAL_MID}*{_LOCAL_END})?)?)"
    r"|(?P<lang>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)"
    r"|(?P<number>\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)"
    r"|(?P<word>[^\W\d]\w*)"
    r"|(?P<other>[\s\S])"
)
_OPEN, _CLOSE = frozenset("{(["), frozenset("})]")


class RefusedError(QueryError):
    """A query the project will not run (an update, LOAD or SERVICE): exit 2, HTTP 403."""


@dataclass(frozen=True)
class Verdict:
    """What the gate learned of an allowed query.

    ``default_graphs`` / ``named_graphs`` are the IRIs of its ``FROM`` / ``FROM NAMED``
    clauses; both are None when it names no graph (then the union of all graphs is queried).
    """

    kind: str = ""  # select, construct, ask, describe ("" when only Oxigraph could parse it)
    default_graphs: tuple[str, ...] | None = None
    named_graphs: tuple[str, ...] | None = None

    @property
    def names_graphs(self) -> bool:
        return self.default_graphs is not None or self.named_graphs is not None


@dataclass(frozen=True)
class Scan:
    """The lexer's reading: deepest nesting (and its line), and the bare keywords it met."""

    depth: int
    depth_line: int
    service_line: int  # 0 when no bare SERVICE
    update: tuple[str, int] | None  # the first update keyword and its line
    from_line: int  # 0 when no bare FROM


def expand_escapes(text: str) -> str:
    """``\\uXXXX`` / ``\\UXXXXXXXX`` replaced by their characters, everywhere (SPARQL §19.2)."""

    def char(match: re.Match[str]) -> str:
        code = int(match.group(1) or match.group(2), 16)
        return chr(code) if code <= 0x10FFFF else "\ufffd"

    return _ESCAPE.sub(char, text)


def scan(text: str) -> Scan:
    """Lex ``text`` (escapes expanded): nesting depth and bare SERVICE / update / FROM words."""
    text = expand_escapes(text)
    depth = deepest = deepest_line = service = from_line = 0
    update: tuple[str, int] | None = None
    line, previous, pending = 1, "", 0
    for match in _TOKEN.finditer(text):
        kind, value = match.lastgroup, match.group()
        if kind in ("ws", "comment"):
            line += value.count("\n")
            continue
        if pending and value == "{" and not service:
            service = pending  # SERVICE:x { ... } is SERVICE + the prefixed name :x
        pending = 0
        if kind == "pname":  # a keyword glued to an empty-prefix name reads as both
            prefix = value.split(":", 1)[0].upper()
            if prefix == "SERVICE" and previous != "GRAPH":
                pending = line
            elif prefix == "FROM" and not from_line:
                from_line = line
        if kind == "other":
            if value in _OPEN:
                depth += 1
                if depth > deepest:
                    deepest, deepest_line = depth, line
            elif value in _CLOSE:
                depth = max(0, depth - 1)
        elif kind == "word":
            word = value.upper()
            if word == "SERVICE" and not service:
                service = line
            elif word in UPDATE_WORDS and update is None:
                update = (word, line)
            elif word == "FROM" and not from_line:
                from_line = line
        line += value.count("\n")
        previous = value.upper()
    return Scan(deepest, deepest_line, service, update, from_line)


def check(
    text: str,
    where: str = "query",
    prefixes: dict[str, str] | None = None,
    cache_dir: Path | None = None,
) -> Verdict:
    """Allow a read-only query without SERVICE, or raise; the verdict carries its dataset.

    Raises :class:`RefusedError` for updates and SERVICE, :class:`~emg_kg.errors.QueryError`
    for nesting past :data:`MAX_DEPTH` and for text neither parser can read. ``prefixes`` are
    the ones the engine will be given (they resolve ``FROM fn:12``); ``cache_dir``, given for
    the shipped queries only, also keeps verdicts on disk by a hash of the text and prefixes.
    """
    key = _key(text, prefixes)
    cached = _recall(key)
    if cached is not None:
        return cached
    with _COLD_LOCK:  # threads (query.together): one parse per text, no lost cache write
        return _check_cold(text, where, prefixes, cache_dir, key)


def _check_cold(
    text: str, where: str, prefixes: dict[str, str] | None, cache_dir: Path | None, key: str
) -> Verdict:
    """:func:`check` for a text not in memory: from the disk cache, else parsed."""
    cached = _recall(key) or (_read_cache(cache_dir, key) if cache_dir else None)
    if cached is not None:
        _remember(key, cached)
        return cached
    lexed = scan(text)
    if lexed.depth > MAX_DEPTH:
        raise QueryError(
            f"{where}: refused: brackets {{ ( [ nested {lexed.depth} deep (line "
            f"{lexed.depth_line}); the limit is {MAX_DEPTH}"
        )
    if lexed.update:
        word, line = lexed.update
        raise RefusedError(
            f"{where}: refused: {word} at line {line}: queries are read-only (no updates or "
            "LOAD); the graph is rebuilt from graph_data/"
        )
    if lexed.service_line:
        raise RefusedError(_service_message(where, lexed.service_line))
    verdict = _parse(text, where, prefixes)
    if verdict is None:  # rdflib could not read it; Oxigraph could (else it raised)
        if lexed.from_line:
            raise QueryError(
                f"{where}: FROM at line {lexed.from_line} in a query rdflib's parser cannot "
                "read: the graphs it names cannot be checked; use GRAPH <iri> { ... }"
            )
        verdict = Verdict()
    _remember(key, verdict)
    if cache_dir:
        _write_cache(cache_dir, key, verdict)
    return verdict


def _service_message(where: str, line: int) -> str:
    return (
        f"{where}: refused: SERVICE at line {line}: federated queries would fetch from the "
        "network; this tool only queries its own graph"
    )


_PARSE_LOCK = threading.Lock()


def _parse(text: str, where: str, prefixes: dict[str, str] | None) -> Verdict | None:
    """The parser's verdict; None when only Oxigraph can read the text (QueryError if neither)."""
    verdict = parse_verdict(text, where, prefixes)
    if verdict is None:
        _oxigraph_syntax(text, where, prefixes)
    return verdict


def parse_verdict(text: str, where: str, prefixes: dict[str, str] | None) -> Verdict | None:
    """rdflib's parse tree and algebra walked for SERVICE (RefusedError); None if unreadable."""
    from rdflib.plugins.sparql.algebra import translateQuery
    from rdflib.plugins.sparql.parser import parseQuery

    with _PARSE_LOCK:  # the recursion limit is process-wide; depth <= MAX_DEPTH needs ~8,000
        old = sys.getrecursionlimit()
        sys.setrecursionlimit(max(old, 20_000))
        try:
            tree = parseQuery(text)
            _refuse_service(tree, where, text)
            query = translateQuery(tree, initNs=prefixes or {})
        except RefusedError:
            raise
        except Exception:  # ParseException, unknown prefixes, RecursionError...
            return None
        finally:
            sys.setrecursionlimit(old)
    _refuse_service(query.algebra, where, text)
    kind = query.algebra.name.removesuffix("Query").lower()
    clauses = dict.get(query.algebra, "datasetClause") or []
    if not clauses:
        return Verdict(kind)
    # CompValue.get resolves variables and raises on a missing key: use the plain dict's get
    default = tuple(str(c["default"]) for c in clauses if dict.get(c, "default") is not None)
    named = tuple(str(c["named"]) for c in clauses if dict.get(c, "named") is not None)
    return Verdict(kind, default, named)


def _refuse_service(tree: Any, where: str, text: str) -> None:
    """Walk a parse tree or algebra (nested dicts and lists) for a SERVICE at any depth."""
    stack, seen = [tree], set()
    while stack:
        node = stack.pop()
        if id(node) in seen or isinstance(node, (str, bytes)):
            continue
        seen.add(id(node))
        if getattr(node, "name", None) == "ServiceGraphPattern":
            raise RefusedError(_service_message(where, scan(text).service_line or 1))
        if isinstance(node, dict):
            stack.extend(node.values())
        elif isinstance(node, (list, tuple)) or type(node).__name__ == "ParseResults":
            stack.extend(node)


def _oxigraph_syntax(text: str, where: str, prefixes: dict[str, str] | None) -> None:
    """Raise Oxigraph's syntax error for ``text`` (a QueryError), or return if it parses.

    Only reached once the lexer found no SERVICE; on an empty store, and the answer is not
    iterated (Oxigraph reports syntax errors before evaluating).
    """
    import pyoxigraph as ox

    from emg_kg.query.sparql_errors import oxigraph_errors

    with oxigraph_errors(where, text, prefixes):
        ox.Store().query(text, prefixes=prefixes)


#: Verdicts by text hash, most recent last: a worker answering the same editor query again
#: (or a named query) does not parse it again (rdflib's parser takes 50-700 ms a query).
_MEMO: OrderedDict[str, Verdict] = OrderedDict()
MEMO_SIZE = 512
_MEMO_LOCK = threading.Lock()
#: Held while a text not in memory is checked: rdflib's SPARQL parser is not made for threads,
#: and the disk cache is read, changed and replaced whole.
_COLD_LOCK = threading.Lock()


def _recall(key: str) -> Verdict | None:
    with _MEMO_LOCK:
        verdict = _MEMO.get(key)
        if verdict is not None:
            _MEMO.move_to_end(key)
        return verdict


def _remember(key: str, verdict: Verdict) -> None:
    with _MEMO_LOCK:
        _MEMO[key] = verdict
        _MEMO.move_to_end(key)
        while len(_MEMO) > MEMO_SIZE:
            _MEMO.popitem(last=False)


def _key(text: str, prefixes: dict[str, str] | None) -> str:
    payload = json.dumps([GATE_VERSION, text, sorted((prefixes or {}).items())])
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _cache_file(cache_dir: Path) -> Path:
    return cache_dir / f"gate-v{GATE_VERSION}.json"


def _from_json(entry: Any) -> Verdict | None:
    try:
        return Verdict(
            str(entry["kind"]),
            None if entry["default_graphs"] is None else tuple(entry["default_graphs"]),
            None if entry["named_graphs"] is None else tuple(entry["named_graphs"]),
        )
    except (KeyError, TypeError):
        return None


def _read_cache(cache_dir: Path, key: str) -> Verdict | None:
    try:
        return _from_json(json.loads(_cache_file(cache_dir).read_text(encoding="utf-8"))[key])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def preload(cache_dir: Path) -> int:
    """Put every verdict kept on disk into memory; how many.

    A fresh query worker calls it: the shipped queries' verdicts are then known without
    rdflib's parser, which takes up to 3 s for the largest of them on a busy machine (a
    worker respawned under load used to pay that for every shipped query again)."""
    try:
        entries = json.loads(_cache_file(cache_dir).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return 0
    count = 0
    for key, entry in entries.items() if isinstance(entries, dict) else ():
        verdict = _from_json(entry)
        if verdict is not None:
            _remember(str(key), verdict)
            count += 1
    return count


def _write_cache(cache_dir: Path, key: str, verdict: Verdict) -> None:
    """Add one verdict (atomically; a read-only checkout simply keeps no cache)."""
    path = _cache_file(cache_dir)
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        entries = {}
    if not isinstance(entries, dict):
        entries = {}
    entries[key] = asdict(verdict)
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=cache_dir, prefix=".gate-", suffix=".tmp")
    except OSError:
        return
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(entries, handle, sort_keys=True)
        os.replace(tmp, path)
    except OSError:
        Path(tmp).unlink(missing_ok=True)
