"""SPARQL syntax errors in words: what is wrong and what would be right.

Oxigraph's parser reports what it expected as grammar character classes (a wall of Unicode
ranges for an unknown prefix) and, for a misspelt ``SELECT``, only the last alternative it
tried ("expected CONSTRUCT"). :func:`explain` looks at the query itself and says it plainly:

>>> explain("SELECT ?s { ?s a foo:Bar }", "expected one of Prefix not found", {"emg": "x"})
'unknown prefix foo: (declare it with PREFIX foo: <...>; predeclared: emg:; `emg-kg prefixes` ...'
>>> explain("SELEC ?s WHERE { ?s ?p ?o }", "expected CONSTRUCT", {})
'unknown keyword SELEC: a query starts with SELECT, ASK, CONSTRUCT or DESCRIBE (after any ...'
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

from emg_kg.errors import QueryError

__all__ = ["explain", "syntax_error", "oxigraph_errors", "FORMS"]

FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")
_COMMENT = re.compile(r"#[^\n]*")
_IRI = re.compile(r"<[^<>\s]*>")
_STRING = re.compile(r'"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'')
_PROLOGUE = re.compile(r"\s*(?:(?:PREFIX\s+[\w.-]*:\s*<[^>]*>|BASE\s*<[^>]*>)\s*)*", re.I)
_PREFIXED = re.compile(r"(?<![\w?$<@\"'.:/#-])([A-Za-z][\w.-]*|):(?=[\w%\\]|[\s;,.)}\]]|$)")
_DECLARED = re.compile(r"PREFIX\s+([\w.-]*):", re.I)
_CHAR_CLASS = re.compile(r"\[(?:'[^']*'(?:\s*\.\.=\s*'[^']*')?\s*\|?\s*)+\]")


def _bare(text: str) -> str:
    """The query without comments, strings and IRIs (where a colon means nothing)."""
    for pattern in (_COMMENT, _STRING, _IRI):
        text = pattern.sub(lambda m: " " * len(m.group(0)), text)
    return text


def unknown_prefixes(text: str, known: dict[str, str]) -> list[str]:
    """Prefixes the query uses but neither declares nor finds among ``known``."""
    bare = _bare(text)
    declared = set(_DECLARED.findall(bare)) | set(known)
    used = [m.group(1) for m in _PREFIXED.finditer(_DECLARED.sub(" ", bare))]
    return sorted({p for p in used if p not in declared})


def explain(text: str, message: str, known: dict[str, str]) -> str:
    """``message`` (the parser's) in words when the query shows what went wrong, else the
    message with its character-class lists shortened."""
    missing = unknown_prefixes(text, known)
    if "Prefix not found" in message or "namespace prefix" in message.lower() or missing:
        if missing:
            names = ", ".join(f"{p}:" for p in missing)
            offered = ", ".join(f"{p}:" for p in known) or "none"
            return (
                f"unknown prefix {names} (declare it with PREFIX {missing[0]}: <...>; "
                f"predeclared: {offered}; `emg-kg prefixes` lists them)"
            )
    rest = _bare(text)[_PROLOGUE.match(_bare(text)).end() :]  # type: ignore[union-attr]
    word = re.match(r"[A-Za-z]+", rest)
    if word and word.group(0).upper() not in FORMS:
        return (
            f"unknown keyword {word.group(0)}: a query starts with SELECT, ASK, CONSTRUCT or "
            "DESCRIBE (after any PREFIX and BASE lines)"
        )
    short = _CHAR_CLASS.sub("a name character", message)
    return " ".join(short.split())


_OX_ERROR = re.compile(r"error at (\d+):(\d+):\s*(.*)", re.S)


def syntax_error(
    where: str, err: SyntaxError, text: str, prefixes: dict[str, str] | None
) -> QueryError:
    """Oxigraph's syntax error as one line naming the query, line and column, explained."""
    match = _OX_ERROR.match(str(err))
    if match:
        line, col, msg = match.groups()
        msg = explain(text, msg, prefixes or {})
        return QueryError(f"{where}: syntax error at line {line}, column {col}: {msg.strip()}")
    return QueryError(f"{where}: syntax error: {explain(text, str(err), prefixes or {})}")


@contextmanager
def oxigraph_errors(where: str, text: str, prefixes: dict[str, str] | None) -> Iterator[None]:
    """Oxigraph's errors on ``text`` as QueryErrors naming ``where``: a syntax error explained
    (:func:`syntax_error`), any other failure said as it is. One policy for the engine's run
    and the gate's parse."""
    try:
        yield
    except SyntaxError as err:
        raise syntax_error(where, err, text, prefixes) from None
    except (RuntimeError, OSError, ValueError, TypeError) as err:
        raise QueryError(f"{where}: the query failed: {err}") from None
