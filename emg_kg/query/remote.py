"""Any SPARQL 1.1 endpoint as a store: the protocol over plain urllib, no client library.

:class:`RemoteStore` offers the few ``pyoxigraph.Store`` methods the commands use (``query``,
``quads_for_pattern``, ``named_graphs``, ``len``), so ``show``, ``stats``, the views and the gap
report run unchanged on Virtuoso, Fuseki, GraphDB or QLever. Two things differ from Oxigraph
and are handled here, once:

* **Default graph = union.** Oxigraph is asked for it (``use_default_graph_as_union``); an
  endpoint is expected to answer a query without ``FROM`` over the union of its graphs, which
  is Virtuoso's own behaviour (Fuseki: ``tdb2:unionDefaultGraph true``). The whole-dataset
  readers (``quads_for_pattern``, ``named_graphs``, ``len``) are graph-aware instead: they read
  ``GRAPH ?g`` (``queries/internal/remote-*.rq``) and leave out the engine's own system graphs
  (:data:`SYSTEM_GRAPHS`) and the load manifest, so a fresh Virtuoso's 2,500 bookkeeping
  triples are not counted as ours.
* **Parameters.** Oxigraph substitutes bound variables (SEP-0007); a plain endpoint cannot, so
  the term is written into the text where the variable stood (``(term AS ?v)`` in a
  projection), which is what the substitution means.
* **Virtuoso 7's answers** are put right where they are plainly wrong and the fix is safe:
  booleans come back as ``"1"^^xsd:boolean`` (read as ``true``), and ``SELECT DISTINCT``
  sometimes returns the same row twice (duplicates are dropped, order kept). An answer the
  engine cut at its row cap (Virtuoso: ``X-SPARQL-MaxRows``, never more than 1,048,576 rows) is
  an error, never rows taken as the whole answer. Dialect differences that need the query
  itself changed are in docs/engines.md.

Credentials come only from the environment (``EMG_KG_ENDPOINT_USER`` and
``EMG_KG_ENDPOINT_PASSWORD``; basic or digest, whichever the server asks for), never from the
command line, where every user of the machine could read them.
"""

from __future__ import annotations

import json
import os
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable, Iterator
from typing import Any

import pyoxigraph as ox

from emg_kg.errors import QueryError

__all__ = [
    "RemoteStore",
    "Solutions",
    "Solution",
    "substitute",
    "with_values",
    "SYSTEM_GRAPHS",
    "MANIFEST",
]

#: Graphs a fresh engine holds for itself (Virtuoso 7); never counted as the dataset's.
SYSTEM_GRAPHS = (
    "http://www.openlinksw.com/schemas/virtrdf#",
    "http://www.w3.org/ns/ldp#",
    "http://localuriqaserver/sparql",
    "http://www.w3.org/2002/07/owl#",
)
#: The graph in which `emg-kg load` records what it loaded (graph -> content hash).
MANIFEST = "urn:emg-kg:load-manifest"
USER_ENV, PASSWORD_ENV = "EMG_KG_ENDPOINT_USER", "EMG_KG_ENDPOINT_PASSWORD"
Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple

_BOOLEAN = "http://www.w3.org/2001/XMLSchema#boolean"
_FIRST_SELECT = re.compile(r"(?<![\w:])SELECT\s+(DISTINCT\b)?", re.I)
_TOKEN = re.compile(
    r'(?P<opaque>"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|'
    r"<[^<>\"{}|^`\\\s]*>|#[^\n]*)|[?$](?P<var>\w+)|(?P<kw>(?<![\w:])(?:SELECT|WHERE)(?![\w:]))|"
    r"(?P<order>(?<![\w:])(?:GROUP\s+BY|ORDER\s+BY|HAVING)(?![\w:]))|"
    r"(?P<punct>[{}()])",
    re.I,
)


class Solution:
    """One row: indexed by position, variable name or ``ox.Variable``, like Oxigraph's."""

    __slots__ = ("_names", "_values")

    def __init__(self, names: dict[str, int], values: tuple[Term | None, ...]) -> None:
        self._names, self._values = names, values

    def __getitem__(self, key: int | str | ox.Variable) -> Term | None:
        if isinstance(key, int):
            return self._values[key]
        name = key.value if isinstance(key, ox.Variable) else key
        return self._values[self._names[name]]

    def __len__(self) -> int:
        return len(self._values)

    def __iter__(self) -> Iterator[Term | None]:
        return iter(self._values)


class Solutions(list[Solution]):
    """The rows of a SELECT answer with its ``variables`` (like ``ox.QuerySolutions``)."""

    def __init__(self, variables: list[str], rows: Iterable[Solution]) -> None:
        super().__init__(rows)
        self.variables = [ox.Variable(v) for v in variables]


def _sparql(term: Term) -> str:
    if isinstance(term, ox.Triple):
        raise QueryError("RDF-star terms cannot be bound on a SPARQL endpoint")
    return str(term)  # N-Triples syntax, which SPARQL reads


def substitute(text: str, bindings: dict[str, Term]) -> str:
    """Write each bound variable's term where the variable stands (SEP-0007 semantics)."""
    if not bindings:
        return text
    out: list[str] = []
    pos, depth, brace, projecting, ordering = 0, 0, 0, False, False
    for match in _TOKEN.finditer(text):
        out.append(text[pos : match.start()])
        pos = match.end()
        token = match.group(0)
        if match.group("kw"):
            projecting, ordering = token.upper() == "SELECT", False
            depth = 0
        elif match.group("order"):
            projecting, ordering = False, True
        elif match.group("punct"):
            if token == "{":
                brace += 1
                projecting = ordering = False
            elif token == "}":
                brace -= 1
                ordering = False
            elif projecting:
                depth += 1 if token == "(" else -1
        elif match.group("var") in bindings:
            value = _sparql(bindings[match.group("var")])
            if projecting:
                token = f"({value} AS {token})" if depth == 0 else value
            elif brace == 0 or ordering:  # GROUP BY, ORDER BY, HAVING, of a subquery too
                token = f"({value})"
            else:
                token = value
        out.append(token)
    out.append(text[pos:])
    return "".join(out)


def with_values(text: str, lists: dict[str, tuple[Term, ...]]) -> str:
    """``text`` with ``VALUES ?v { term ... }`` for each list as the first thing in its outer
    group (the first ``{`` that is not in a string, an IRI or a comment): each variable bound
    to each of its terms in turn, on every engine alike. The terms are written in N-Triples
    syntax (:func:`_sparql`, as :func:`substitute` writes them), never the caller's text.

    >>> with_values("SELECT ?x WHERE { ?x ?p '{' }", {"x": (ox.NamedNode("http://e.org/a"),)})
    "SELECT ?x WHERE { VALUES ?x { <http://e.org/a> } ?x ?p '{' }"
    """
    if not lists:
        return text
    block = " ".join(
        f"VALUES ?{var} {{ {' '.join(map(_sparql, terms))} }}" for var, terms in lists.items()
    )
    for match in _TOKEN.finditer(text):
        if match.group("punct") == "{":
            return f"{text[: match.end()]} {block}{text[match.end() :]}"
    raise QueryError("a list of values is bound only in a query with a group { ... }")


def _is_distinct(text: str) -> bool:
    from emg_kg.query.registry import _OPAQUE

    first = _FIRST_SELECT.search(_OPAQUE.sub(" ", text))
    return bool(first and first.group(1))


def _term(cell: dict[str, Any]) -> Term:
    kind, value = cell["type"], cell["value"]
    if kind == "uri":
        return ox.NamedNode(value)
    if kind == "bnode":
        return ox.BlankNode(re.sub(r"\W", "", value) or "b")
    if kind in ("literal", "typed-literal"):
        if cell.get("xml:lang"):
            return ox.Literal(value, language=cell["xml:lang"])
        if cell.get("datatype") == _BOOLEAN and value in ("0", "1"):
            return ox.Literal(value == "1")  # Virtuoso's booleans, in the canonical form
        if cell.get("datatype"):
            return ox.Literal(value, datatype=ox.NamedNode(cell["datatype"]))
        return ox.Literal(value)
    if kind == "triple":
        parts = cell["value"]
        return ox.Triple(
            _term(parts["subject"]),  # type: ignore[arg-type]
            _term(parts["predicate"]),  # type: ignore[arg-type]
            _term(parts["object"]),
        )
    raise QueryError(f"unexpected term in the endpoint's answer: {cell!r}")


class RemoteStore:
    """A SPARQL 1.1 endpoint behind the subset of ``pyoxigraph.Store`` the commands use."""

    kind = "endpoint"

    def __init__(self, url: str, timeout: float = 300.0) -> None:
        if not re.match(r"https?://", url):
            raise QueryError(f"--endpoint {url!r}: give an http:// or https:// URL")
        self.url = url
        self.timeout = timeout
        self.opener = opener_for(url)
        self._skip = frozenset((*SYSTEM_GRAPHS, MANIFEST))

    # --- the protocol ------------------------------------------------------------------------

    def request(self, text: str, accept: str) -> tuple[str, bytes]:
        """POST ``text`` as a query form; returns the content type and the body."""
        body = urllib.parse.urlencode({"query": text}).encode()
        req = urllib.request.Request(
            self.url,
            data=body,
            headers={
                "Accept": accept,
                "Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
            },
        )
        try:
            with self.opener.open(req, timeout=self.timeout) as reply:
                cap = reply.headers.get("X-SPARQL-MaxRows")
                if cap:  # Virtuoso's sign that it cut the answer (ResultSetMaxRows, 2**20 at most)
                    raise QueryError(
                        f"{self.url}: the endpoint cut the answer at {cap} rows "
                        "(X-SPARQL-MaxRows: its ResultSetMaxRows, at most 1,048,576 on Virtuoso "
                        "7); the rows after them are missing, so nothing is shown: narrow the "
                        "query (a LIMIT, a filter, DISTINCT)"
                    )
                return reply.headers.get("Content-Type", ""), reply.read()
        except urllib.error.HTTPError as err:
            detail = err.read().decode("utf-8", "replace").strip().splitlines()
            message = " ".join(detail[:3])[:400]
            raise QueryError(f"{self.url}: HTTP {err.code}: {message}") from None
        except (urllib.error.URLError, OSError) as err:
            reason = getattr(err, "reason", err)
            raise QueryError(f"{self.url}: cannot reach the endpoint: {reason}") from None

    def query(
        self,
        text: str,
        use_default_graph_as_union: bool = True,
        prefixes: dict[str, str] | None = None,
        substitutions: dict[ox.Variable, Term] | None = None,
        default_graph: Any = None,
        named_graphs: Any = None,
    ) -> Solutions | bool | list[ox.Triple]:
        """SELECT -> :class:`Solutions`, ASK -> bool, CONSTRUCT/DESCRIBE -> triples.

        The dataset is the endpoint's: without FROM its default graph is taken to be the union;
        FROM / FROM NAMED in the text (the gate's ``default_graph``/``named_graphs``) are
        sent as written and applied by the endpoint itself."""
        del use_default_graph_as_union, default_graph, named_graphs
        bound = {k.value: v for k, v in (substitutions or {}).items()}
        head = "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in (prefixes or {}).items())
        text = substitute(text, bound)
        kind, body = self.request(
            head + text,
            "application/sparql-results+json, application/n-triples;q=0.9, text/turtle;q=0.8",
        )
        if "json" in kind:
            answer = json.loads(body)
            if "boolean" in answer:
                return bool(answer["boolean"])
            names = list(answer["head"].get("vars", []))
            index = {n: i for i, n in enumerate(names)}
            rows = [
                tuple(_term(b[n]) if n in b else None for n in names)
                for b in answer["results"]["bindings"]
            ]
            if _is_distinct(text):
                rows = list(dict.fromkeys(rows))
            return Solutions(names, (Solution(index, row) for row in rows))
        try:
            return [
                ox.Triple(q.subject, q.predicate, q.object)
                for q in ox.parse(body, format=ox.RdfFormat.TURTLE)
            ]
        except SyntaxError as err:
            raise QueryError(f"{self.url}: unreadable answer ({kind}): {err}") from None

    # --- whole-dataset readers (graph-aware, without the engine's own graphs) ------------------

    def internal(self, name: str, **bound: Term) -> Solutions:
        """The rows of ``queries/internal/NAME.rq`` with ``bound`` written in (see the module):
        the protocol queries of this backend and of `emg-kg load`, which run below the runner."""
        from emg_kg.query.registry import internal_query

        variables = {ox.Variable(k): v for k, v in bound.items()}
        answer = self.query(internal_query(name).text, substitutions=variables)
        assert isinstance(answer, Solutions)
        return answer

    def _ours(self, graph: Term | None) -> bool:
        """Whether ``graph`` is the dataset's: not an engine's system graph, nor the manifest."""
        return isinstance(graph, ox.NamedNode) and graph.value not in self._skip

    def quads_for_pattern(
        self, s: Term | None, p: Term | None, o: Term | None, g: Term | None = None
    ) -> Iterator[ox.Quad]:
        pattern = {"s": s, "p": p, "o": o, "g": g}
        bound = {name: term for name, term in pattern.items() if term is not None}
        for row in self.internal("remote-quads", **bound):
            if g is None and not self._ours(row["g"]):
                continue
            terms = [row[n] if pattern[n] is None else pattern[n] for n in pattern]
            yield ox.Quad(*terms)  # type: ignore[arg-type]

    def contains_named_graph(self, graph: ox.NamedNode) -> bool:
        return bool(self.internal("remote-has-graph", g=graph))

    def named_graphs(self) -> Iterator[ox.NamedNode]:
        for row in self.internal("remote-graphs"):
            if self._ours(row[0]):
                yield row[0]  # type: ignore[misc]

    def __len__(self) -> int:
        sizes = self.internal("remote-graph-sizes")
        return sum(int(n.value) for g, n in sizes if self._ours(g) and isinstance(n, ox.Literal))


def opener_for(url: str) -> urllib.request.OpenerDirector:
    """An opener that answers basic or digest challenges with the environment's credentials."""
    user, password = os.environ.get(USER_ENV), os.environ.get(PASSWORD_ENV)
    handlers: list[urllib.request.BaseHandler] = []
    if user and password:
        passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
        parts = urllib.parse.urlsplit(url)
        passwords.add_password(None, f"{parts.scheme}://{parts.netloc}/", user, password)
        handlers += [
            urllib.request.HTTPBasicAuthHandler(passwords),
            urllib.request.HTTPDigestAuthHandler(passwords),
        ]
    return urllib.request.build_opener(*handlers)
