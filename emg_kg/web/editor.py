"""What the SPARQL editor (YASGUI, bundled in ``emg_kg/web/``) is told about this graph.

The editor page carries one JSON block, read by ``web/editor.js``: the project's prefixes (so
completion and the prefix menu know them), the named queries as ready-to-run examples, and the
classes and properties the graph uses with their labels (so term completion needs no network:
YASGUI's own completers ask lov.linkeddata.es, which the page's Content-Security-Policy refuses).

A named query's parameters are variables that the command line and the web app bind by
substitution (SEP-0007). An example must run as it stands in the editor, so its parameters are
written into the text the same way: each use of the variable becomes the value, and where the
query projects the variable the projection becomes ``(value AS ?var)``, and in ``GROUP BY``
``(value)`` (a bare constant is not a grouping condition).

>>> from emg_kg.query.registry import parse_header
>>> q = parse_header("t", '''# param: lang lang default=zh -- language
... SELECT ?x ?lang WHERE { ?x ?p ?l FILTER(lang(?l) = ?lang) }''')
>>> print(example_text(q, "en").splitlines()[-1])
SELECT ?x ("en" AS ?lang) WHERE { ?x ?p ?l FILTER(lang(?l) = "en") }
"""

from __future__ import annotations

import re
from typing import Any

from emg_kg.errors import QueryError
from emg_kg.prefixes import PREFIXES
from emg_kg.query.registry import NamedQuery, coerce, declared_prefixes
from emg_kg.web.catalog import Catalog

__all__ = ["example_text", "examples", "terms", "editor_config", "DEFAULT_QUERY"]

#: The query the editor opens with: the Aichi targets and how many bodies support each.
DEFAULT_QUERY = """PREFIX emg: <https://w3id.org/emg-kg/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?target ?name (COUNT(DISTINCT ?supporter) AS ?supporters) WHERE {
  ?target a emg:AichiTarget ; skos:prefLabel ?name .
  FILTER(lang(?name) = "LANG")
  OPTIONAL { ?s emg:supports ?target ; emg:supporter ?supporter }
} GROUP BY ?target ?name ORDER BY DESC(?supporters) ?target
"""

# Strings, IRIs and comments are copied as they are; a variable may be replaced.
_TOKEN = re.compile(
    r"(?P<opaque>\"\"\"(?:[^\"\\]|\\.|\"(?!\"\"))*\"\"\"|'''(?:[^'\\]|\\.|'(?!''))*'''"
    r"|\"(?:[^\"\\\n]|\\.)*\"|'(?:[^'\\\n]|\\.)*'|<[^<>\"{}|^`\\\s]*>|#[^\n]*)"
    r"|(?P<select>\bSELECT\b)|(?P<group>\bGROUP\s+BY\b)"
    r"|(?P<open>[{}]|\b(?:WHERE|HAVING|ORDER|LIMIT|OFFSET|VALUES)\b)|(?P<var>[?$][A-Za-z_]\w*)",
    re.IGNORECASE,
)

_PARAM_LINE = re.compile(r"^#\s*param:\s*(?P<name>\w+)\b.*$", re.MULTILINE)


def example_text(q: NamedQuery, lang: str) -> str:
    """The query's text with its parameters set (``lang`` to the page's, others to their
    default or example), so it runs unchanged in the editor; parameters without a value stay."""
    prefixes = declared_prefixes(q.text)
    values: dict[str, str] = {}
    for p in q.params:
        value = lang if p.type == "lang" else (p.default or p.example)
        if value is None:
            continue
        try:
            term = str(coerce(p, value, prefixes))
        except QueryError:
            continue  # a value the query cannot take as it stands: leave the variable free
        prefix, colon, _ = value.partition(":")
        values[p.name] = value if p.type == "iri" and colon and prefix in prefixes else term
    if not values:
        return q.text
    out: list[str] = []
    clause, last, selects = "", 0, 0  # "select" and "group" take a value in their own forms
    for m in _TOKEN.finditer(q.text):
        out.append(q.text[last : m.start()])
        last = m.end()
        token = m.group(0)
        if m.group("select") or m.group("group"):
            clause = "select" if m.group("select") else "group"
            selects += 1 if m.group("select") else 0
        elif m.group("open"):
            clause = ""
        elif m.group("var") and token[1:] in values:
            value = values[token[1:]]
            # a subquery projecting a parameter (entity-evidence) drops it: the outer
            # (value AS ?v) may not bind a variable a subquery already projects
            inner = "" if selects > 1 else f"({value} AS {token})"
            forms = {"select": inner, "group": f"({value})"}
            token = forms.get(clause, value)
        out.append(token)
    out.append(q.text[last:])
    # the header no longer declares them: the text is an ordinary query now
    return _PARAM_LINE.sub(
        lambda m: (
            f"# parameter {m['name']} is set to {values[m['name']]} in this example"
            if m["name"] in values
            else m.group(0)
        ),
        "".join(out),
    )


def examples(queries: dict[str, NamedQuery], lang: str) -> list[dict[str, str]]:
    """The named queries as the editor's example menu: name, title and runnable text."""
    return [
        {"name": name, "title": q.title or name, "query": example_text(q, lang)}
        for name, q in queries.items()
    ]


def terms(cat: Catalog, lang: str) -> list[dict[str, str]]:
    """Every class and property the graph uses (and the ontology declares): IRI, kind, label."""
    return [
        {"iri": t, "kind": kind, "label": cat.label(t, lang) if t in cat.labels else ""}
        for t, kind in cat.terms
    ]


def editor_config(
    cat: Catalog, queries: dict[str, NamedQuery], lang: str, query: str = ""
) -> dict[str, Any]:
    """The JSON block the editor page hands to ``web/editor.js``."""
    return {
        "lang": lang,
        "endpoint": "/sparql",
        "query": query or DEFAULT_QUERY.replace("LANG", lang),
        # longest namespace first: YASR shortens an IRI with the first prefix that fits
        "prefixes": dict(sorted(PREFIXES.items(), key=lambda kv: -len(kv[1]))),
        "examples": examples(queries, lang),
        "terms": terms(cat, lang),
    }
