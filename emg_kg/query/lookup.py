"""Names read from an engine only as the resolver looks at them.

Reading every (entity, name) pair of a store takes 7-8 s at 2 M quads (325,386 pairs), and the
resolver needs few of them: the entities called the name typed, an IRI's own names and classes,
and for a refusal's "did you mean" the entities of the few close names its suggestions list.
:class:`Reading` is a :class:`~emg_kg.query.resolve.Names` that reads those when asked: every
distinct name (``queries/internal/name-values.rq``, normalised here; 0.1 s at 2 M quads), the
entities of one name with their classes (``name-holders.rq``, one query per literal), an entity's
own names or classes (``names.rq``, ``types.rq`` with the entity bound), the class tree once
(``supers.rq``). What it answers is what the whole table answers: the resolver decides on the
same entities, names and classes (tests/query/test_resolve_iri.py holds them equal).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable

import pyoxigraph as ox

from emg_kg.query.resolve import Names, norm
from emg_kg.query.results import Term

__all__ = ["Reading", "Read"]

#: Runs one of the code's own queries (``queries/internal/NAME.rq``) with the given terms bound,
#: and returns its rows (``emg_kg.query.run`` supplies one per engine).
Read = Callable[..., list[tuple[Term | None, ...]]]


class Reading(Names):
    """The names of a store, read as the resolver asks for them (see the module's docstring).

    ``values`` is every distinct name literal, read once per engine; the rest is read on demand
    and kept, so a second name typed on the same engine reads only what the first did not."""

    def __init__(self, read: Read, values: Iterable[Term | None]) -> None:
        super().__init__()
        self._read = read
        self._values: dict[str, list[ox.Literal]] = defaultdict(list)
        for literal in values:
            if isinstance(literal, ox.Literal) and norm(literal.value):
                self._values[norm(literal.value)].append(literal)
        self._held: set[str] = set()  # names whose entities (and their classes) are read
        self._typed: set[str] = set()  # entities whose classes are read
        self._named: set[str] = set()  # entities whose own names are read
        for t, c in read("supers"):
            if isinstance(t, ox.NamedNode | ox.BlankNode) and isinstance(c, ox.NamedNode):
                self.supers[t.value].add(c.value)

    def keys(self) -> Iterable[str]:
        """Every distinct name in the store (including any that only blank nodes carry: those
        have no holders, so they never answer nor suggest)."""
        return self._values.keys()

    def holders(self, key: str) -> list[str]:
        if key not in self._held:  # (marked read only once all is in: the server's threads)
            found = [
                (s.value, t)
                for literal in self._values.get(key, ())
                for _, s, t in self._read("name-holders", given=literal)
                if isinstance(s, ox.NamedNode)
            ]
            for s, t in found:
                if isinstance(t, ox.NamedNode):
                    self.types[s].add(t.value)
            self._typed.update(s for s, _ in found)
            if found:
                self.by_name[key].update(s for s, _ in found)
            self._held.add(key)
        return super().holders(key)

    def known(self, iri: str) -> bool:
        self._classes(iri)
        self._names(iri)
        return super().known(iri)

    def kinds(self, iri: str) -> set[str]:
        self._classes(iri)
        return super().kinds(iri)

    def kind(self, iri: str) -> str:
        self._classes(iri)
        return super().kind(iri)

    def label(self, iri: str, lang: str = "en") -> str:
        self._names(iri)
        return super().label(iri, lang)

    def _classes(self, iri: str) -> None:
        if iri not in self._typed:
            for _, t in self._read("types", s=ox.NamedNode(iri)):
                if isinstance(t, ox.NamedNode):
                    self.types[iri].add(t.value)
            self._typed.add(iri)

    def _names(self, iri: str) -> None:
        """The entity's own names, in the order names.rq gives them (the first of a language
        is its label, as in the whole table)."""
        if iri not in self._named:
            for _, literal in self._read("names", s=ox.NamedNode(iri)):
                if isinstance(literal, ox.Literal):
                    self.add(iri, literal.value, literal.language)
            self._named.add(iri)
