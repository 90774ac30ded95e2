"""One resolver for every name a user types: commands, query parameters, the API, the web app.

A name is an IRI, a prefixed name, or a label, acronym, alias or symbol. Only an **exact** match
answers (labels compared after Unicode NFKC normalisation, case folding and collapsing runs of
white space, so ``ｕｎｄｐ`` and ``UNDP`` are one name, but ``UN operations`` never matches
``nope``). Fuzzy matching only *suggests* ("did you mean ..."), it never answers: a name that
matches nothing, or several things, is an :class:`UnresolvedName` (exit 2, HTTP 400) listing
the candidates with their kind.

A parameter may accept only some kinds (``kinds=org:Organization|org:Post`` on its ``# param:``
line in a query header): candidates of other kinds are not answers, and a name that only such a
candidate carries is reported as such ("CBD is an emg:Convention, not a ...").

Examples
--------
>>> names = Names()
>>> names.add("https://w3id.org/emg-kg/id/agency/UNDP", "UNDP", "en")
>>> names.add("https://w3id.org/emg-kg/id/agency/UNDP", "开发署", "zh")
>>> names.types["https://w3id.org/emg-kg/id/agency/UNDP"] = {PREFIXES["emg"] + "UNSystemEntity"}
>>> resolve("ｕｎｄｐ", names).short
'agency:UNDP'
>>> resolve("nope", names)  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
emg_kg.query.resolve.UnresolvedName: nothing is called 'nope'; did you mean: agency:UNDP (UNDP, ...)
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from emg_kg.errors import QueryError
from emg_kg.prefixes import PREFIXES, shorten

__all__ = [
    "UnresolvedName",
    "Names",
    "Resolution",
    "norm",
    "resolve",
    "expand",
    "suggestions",
    "names_from_rows",
]

SKOS = PREFIXES["skos"]
#: The properties whose values name an entity (queries/internal/names.rq lists the same).
NAME_PROPERTIES = (
    SKOS + "prefLabel",
    SKOS + "altLabel",
    SKOS + "hiddenLabel",
    SKOS + "notation",
    PREFIXES["dct"] + "identifier",
    PREFIXES["rdfs"] + "label",
)
_SPACE = re.compile(r"\s+")
_GENERIC = {PREFIXES["skos"] + "Concept", PREFIXES["prov"] + "Entity", PREFIXES["owl"] + "Thing"}
#: Things that share a name with an entity without being what a user means by it: the report's
#: sections (titled after the group they describe), ontology terms and concept schemes. When a
#: name is exact for one entity and for such things, the entity wins.
_YIELDING = (
    {PREFIXES["emg"] + t for t in ("Section", "Summary", "Paragraph", "Footnote")}
    | {PREFIXES["owl"] + t for t in ("Class", "ObjectProperty", "DatatypeProperty")}
    | {PREFIXES["skos"] + "ConceptScheme"}
)


class UnresolvedName(QueryError):
    """A name that matches nothing, or several things (bad input: exit 2, HTTP 400)."""

    def __init__(
        self, message: str, candidates: list[tuple[str, str]] | None = None, ambiguous: bool = False
    ) -> None:
        super().__init__(message)
        self.candidates = candidates or []  # (IRI, kind): the matches, or the suggestions
        self.ambiguous = ambiguous


def norm(text: str, space: str = " ") -> str:
    """The one normaliser: text as names are compared: NFKC (full-width = half-width), case
    folded, each run of white space one ``space`` (the web app's search passes ``""``: it
    ignores white space, which Chinese text puts anywhere).

    >>> norm(" ＵＮＤＰ\\u3000Country  Office ")
    'undp country office'
    >>> norm("环境管理 小组", space="")
    '环境管理小组'
    """
    return _SPACE.sub(space, unicodedata.normalize("NFKC", text).strip()).casefold()


@dataclass
class Names:
    """Every name in the graph: normalised label -> IRIs, each IRI's labels and kinds."""

    by_name: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    labels: dict[str, dict[str, str]] = field(default_factory=lambda: defaultdict(dict))
    types: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    supers: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))

    def add(self, iri: str, label: str, lang: str | None = None) -> None:
        key = norm(label)
        if key:
            self.by_name[key].add(iri)
            self.labels[iri].setdefault(lang or "", label)

    def keys(self) -> Iterable[str]:
        """Every name (normalised) that something is called, in no particular order."""
        return self.by_name.keys()

    def holders(self, key: str) -> list[str]:
        """The entities called ``key`` (a normalised name), sorted."""
        return sorted(self.by_name.get(key, ()))

    def known(self, iri: str) -> bool:
        return iri in self.types or iri in self.labels

    def kinds(self, iri: str) -> set[str]:
        """An entity's classes and all their superclasses."""
        direct = self.types.get(iri, set())
        return direct.union(*(self.supers.get(t, set()) for t in direct))

    def kind(self, iri: str) -> str:
        """The most specific class an entity has (a short name), for messages."""
        own = self.types.get(iri, set()) - _GENERIC
        below = {c for t in own for c in self.supers.get(t, set())}
        best = sorted(own - below) or sorted(own)
        return shorten(best[0]) if best else "entity"

    def label(self, iri: str, lang: str = "en") -> str:
        mine = self.labels.get(iri, {})
        return mine.get(lang) or mine.get("en") or mine.get("zh") or next(iter(mine.values()), "")


@dataclass(frozen=True)
class Resolution:
    """What a name resolved to and how (for the stderr note)."""

    given: str
    iri: str
    how: str  # "IRI", "prefixed name" or "name"
    label: str
    kind: str
    what: str = ""  # "parameter body", for the note

    @property
    def short(self) -> str:
        return shorten(self.iri)

    def note(self) -> str:
        where = f"{self.what}: " if self.what else ""
        return f"{where}{self.given!r} -> {self.short} ({self.label}, {self.kind})"


def names_from_rows(
    labels: Iterable[Any], types: Iterable[Any] = (), supers: Iterable[Any] = ()
) -> Names:
    """Names from the rows of ``queries/internal/names.rq``, ``types.rq`` and ``supers.rq``
    (pairs of pyoxigraph terms; :func:`emg_kg.query.run.names` runs them)."""
    names = Names()
    for s, literal in labels:
        if s is not None and literal is not None:
            names.add(s.value, literal.value, getattr(literal, "language", None))
    for table, rows in ((names.types, types), (names.supers, supers)):
        for s, c in rows:
            if s is not None and c is not None:
                table[s.value].add(c.value)
    return names


def expand(value: str, prefixes: dict[str, str]) -> tuple[str, str] | None:
    """An IRI and how it was written, or None when ``value`` is not IRI-like."""
    text = value.strip()
    if text.startswith("<") and text.endswith(">"):
        return text[1:-1], "IRI"
    if re.match(r"(https?|urn):", text):
        return text, "IRI"
    prefix, sep, local = text.partition(":")
    if sep and prefix in prefixes and re.fullmatch(r"[\w.\-/]*", local):
        return prefixes[prefix] + local, "prefixed name"
    return None


def _accepts(names: Names, iri: str, kinds: tuple[str, ...]) -> bool:
    return not kinds or bool(names.kinds(iri) & set(kinds))


def _listing(names: Names, iris: Iterable[str], lang: str) -> str:
    return "; ".join(f"{shorten(i)} ({names.label(i, lang)}, {names.kind(i)})" for i in iris)


def suggestions(value: str, names: Names, kinds: tuple[str, ...] = (), limit: int = 6) -> list[str]:
    """Close names (difflib) and names containing the text, of accepted kinds: hints only.

    The ``limit`` closest names that some entity of an accepted kind holds, best first, then
    those containing the text (or contained in it), shortest first; each name's entities of
    accepted kinds in IRI order, until ``limit`` entities. A name's entities are looked at only
    when its turn comes, so names read from an engine as needed (``emg_kg.query.lookup``) give the
    same hints as the whole table while reading the entities of a few names only."""
    want = norm(value)
    keys = list(names.keys())
    # every close name, best first (difflib's order: score, then the name), filtered below in
    # that order: the same as difflib's ``limit`` best of the names of accepted kinds
    close = difflib.get_close_matches(want, keys, n=max(len(keys), 1), cutoff=0.5)
    contains = sorted(k for k in keys if len(want) >= 3 and (want in k or k in want) and len(k) > 1)
    out: list[str] = []

    def take(key: str) -> bool:
        """Add the name's entities of accepted kinds; whether it has any."""
        fits = [i for i in names.holders(key) if _accepts(names, i, kinds)]
        out.extend([i for i in fits if i not in out])
        return bool(fits)

    fitting = 0  # close names held by an entity of an accepted kind: difflib's ``limit`` best
    for key in close:
        if fitting == limit or len(out) >= limit:
            break
        fitting += take(key)
    for key in sorted(contains, key=len):
        if len(out) >= limit:
            break
        take(key)
    return out[:limit]


def resolve(
    value: str,
    names: Names,
    kinds: tuple[str, ...] = (),
    prefixes: dict[str, str] | None = None,
    what: str = "",
    lang: str = "en",
) -> Resolution:
    """The one entity ``value`` names, of one of ``kinds`` (class IRIs; empty = any).

    ``what`` names the parameter in messages (``parameter body``). Raises UnresolvedName."""
    prefixes = prefixes if prefixes is not None else PREFIXES
    where = f"{what}: " if what else ""
    wanted = "one of the accepted kinds (" + ", ".join(shorten(k) for k in kinds) + ")"
    expanded = expand(value, prefixes)
    if expanded:
        iri, how = expanded
        if not names.known(iri):
            hint = suggestions(iri.rsplit("/", 1)[-1].rsplit("#", 1)[-1], names, kinds)
            raise UnresolvedName(
                f"{where}no entity <{iri}> in the graph"
                + (f"; did you mean: {_listing(names, hint, lang)}" if hint else ""),
                [(h, names.kind(h)) for h in hint],
            )
        if not _accepts(names, iri, kinds):
            raise UnresolvedName(f"{where}{shorten(iri)} is a {names.kind(iri)}, not {wanted}")
        return Resolution(value, iri, how, names.label(iri, lang), names.kind(iri), what)
    exact = names.holders(norm(value))
    fits = [i for i in exact if _accepts(names, i, kinds)]
    if len(fits) > 1:
        fits = [i for i in fits if not names.types.get(i, set()) & _YIELDING] or fits
    if len(fits) == 1:
        found = fits[0]
        return Resolution(value, found, "name", names.label(found, lang), names.kind(found), what)
    if len(fits) > 1:
        raise UnresolvedName(
            f"{where}{value!r} names {len(fits)} entities: {_listing(names, fits, lang)}; "
            "give one of these prefixed names",
            [(i, names.kind(i)) for i in fits],
            ambiguous=True,
        )
    hint = suggestions(value, names, kinds)
    message = f"{where}nothing is called {value!r}"
    if exact:  # the name exists, but only on entities of other kinds
        message = f"{where}{value!r} is {_listing(names, exact, lang)}, not {wanted}"
    if hint:
        message += f"; did you mean: {_listing(names, hint, lang)}"
    raise UnresolvedName(message, [(h, names.kind(h)) for h in hint])
