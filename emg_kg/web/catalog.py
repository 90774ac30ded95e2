"""What the web pages need to name things: labels, types, evidence texts, search, timeline.

The server reads these once from its store at start-up, so a page names every entity it links
without one query per link (the shipped graph is a few thousand quads; at 2 M quads the reading
takes some 15 s and holds every name and label in memory). :meth:`Catalog.search` matches
labels, aliases, symbols and the report's paragraph text, in Chinese and English, ignoring
whitespace and case.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox

from emg_kg.prefixes import ID, PREFIXES, shorten
from emg_kg.query.resolve import norm
from emg_kg.query.results import Result
from emg_kg.query.run import Solutions, lexical, rows
from emg_kg.query.together import answers

__all__ = ["Catalog", "Evidence", "Hit"]

SKOS, RDFS, DCT = PREFIXES["skos"], PREFIXES["rdfs"], PREFIXES["dct"]
_NAME_KINDS = {
    SKOS + "prefLabel": "name",
    SKOS + "altLabel": "alias",
    SKOS + "hiddenLabel": "wording",
    SKOS + "notation": "notation",
    DCT + "identifier": "symbol",
    RDFS + "label": "label",
}
_STATEMENTS = tuple(ID + kind for kind in ("support/", "inference/", "figure/"))


@dataclass
class Evidence:
    """A named graph that is evidence: its number, names and the text it stands for."""

    iri: str
    kind: str  # paragraph, footnote, source, inference, other
    labels: dict[str, str] = field(default_factory=dict)
    number: str = ""
    text: str = ""
    text_en: str = ""  # the project's unofficial English translation (src:translation-en)


@dataclass
class Hit:
    iri: str
    matched: str
    kind: str  # name, alias, wording, symbol, notation, label, text
    score: int


class Catalog:
    """Labels, types and evidence of every IRI in a store, read once."""

    def __init__(self, store: ox.Store) -> None:
        self.store = store
        self.labels: dict[str, dict[str, str]] = defaultdict(dict)
        self.names: list[tuple[str, str, str, str]] = []  # iri, text, normalized, kind
        self.types: dict[str, list[str]] = defaultdict(list)
        self.evidence: dict[str, Evidence] = {}
        self.texts: dict[str, str] = {}  # paragraph/footnote IRI -> its text
        self.texts_en: dict[str, str] = {}  # ... -> its unofficial English translation
        # the six readings are independent: read together (query/together.py: two at once
        # on two cores), each worked on here, in this order, as soon as it is read
        read = answers(store, [(name, {}) for name in _READINGS])
        try:
            self._read(read)
        finally:
            read.close()

    def _read(self, found: Iterator[Result]) -> None:
        """Fill the catalogue from the readings' answers, in :data:`_READINGS`' order, each
        taken when it is worked on and dropped after (the next ones are read meanwhile)."""
        # the three whole-store readings are ordered and filtered here, not in SPARQL (an
        # ORDER BY on stored IRIs and a per-triple FILTER: 155 s against 10 s at 2 M quads)
        for s, p, label in sorted(_values(next(found), iris_only=True)):
            self.names.append((s, label, norm(label, space=""), _NAME_KINDS[p]))
        longest: dict[tuple[str, str], str] = {}
        for s, label, lang in _values(next(found), iris_only=True):
            kept = longest.get((s, lang))
            if kept is None or (-len(label), label) < (-len(kept), kept):
                longest[(s, lang)] = label
        for (s, lang), label in sorted(longest.items()):
            self.labels[s][lang] = label
        for s, t in _values(next(found)):
            self.types[s].append(t)
        for kinds in self.types.values():
            kinds.sort()
        for s, text, lang in _values(next(found)):
            (self.texts_en if lang == "en" else self.texts)[s] = text
        self._load_evidence(next(found))
        #: every class and property, for the query editor: (IRI, "class" or "property")
        self.terms = _values(next(found))

    def _load_evidence(self, answer: Result) -> None:
        found = lexical(Solutions(answer))
        kinds = {
            "Paragraph": "paragraph",
            "OperativeParagraph": "paragraph",
            "Footnote": "footnote",
            "Summary": "paragraph",
            "ExternalSource": "source",
            "Inference": "inference",
        }
        for r in found:
            g = r["g"]
            ev = self.evidence.get(g)
            if ev is None:
                ev = self.evidence[g] = Evidence(g, "other", dict(self.labels.get(g, {})))
            kind = kinds.get(r.get("kind", "").rsplit("#", 1)[-1], "")
            if kind:
                ev.kind = kind
            ev.number = ev.number or r.get("n", "")
            if len(r.get("text", "")) > len(ev.text):
                ev.text = r["text"]
            ev.text_en = self.texts_en.get(g, "")

    # --- naming ------------------------------------------------------------------------

    def short(self, iri: str) -> str:
        """A prefixed name; an IRI of ours no prefix covers as its path (``graph/report``)."""
        name = shorten(iri)
        if name.startswith("<") and iri.startswith(ID) and len(iri) > len(ID):
            return iri[len(ID) :]
        return name

    def label(self, iri: str, lang: str = "zh") -> str:
        """The preferred label in ``lang``, else in the other language, else a short name."""
        found = self.labels.get(iri, {})
        other = "en" if lang == "zh" else "zh"
        return found.get(lang) or found.get(other) or found.get("") or self.short(iri)

    def is_class(self, iri: str, local: str) -> bool:
        return any(t.endswith("#" + local) for t in self.types.get(iri, []))

    def exists(self, iri: str) -> bool:
        """Whether the graph mentions ``iri`` at all (as subject, object or graph name)."""
        if iri in self.types or iri in self.labels or iri in self.evidence:
            return True
        return bool(rows(self.store, "catalog-mentions", x=ox.NamedNode(iri)))

    # --- search ------------------------------------------------------------------------

    def search(self, query: str, limit: int = 50) -> tuple[list[Hit], list[Hit]]:
        """Entities whose names match, and paragraphs/footnotes whose text does."""
        want = norm(query, space="")
        if not want:
            return [], []
        best: dict[str, Hit] = {}
        for iri, text, key, kind in self.names:
            if want not in key or not iri.startswith(ID):
                continue
            score = 0 if key == want else 1 if key.startswith(want) else 2
            score = score * 10 + (0 if kind in ("name", "alias") else 1)
            if iri not in best or score < best[iri].score:
                best[iri] = Hit(iri, text, kind, score)
        # within a match quality, things (groups, reports, meetings) before the statements
        # about them (support statements, inferences, figures), whose names repeat the things'
        entities = sorted(
            best.values(),
            key=lambda h: (
                h.score // 10,
                h.iri.startswith(_STATEMENTS),
                h.score % 10,
                self.label(h.iri, "en"),
            ),
        )
        passages: list[Hit] = []
        for kind, texts in (("text", self.texts), ("text-en", self.texts_en)):
            for iri, text in texts.items():
                pos = norm(text, space="").find(want)
                if pos >= 0 and not any(h.iri == iri for h in passages):
                    passages.append(Hit(iri, _snippet(text, query), kind, pos))
        passages.sort(key=lambda h: _natural(self.short(h.iri)))
        return entities[:limit], passages[:limit]

    # --- timeline ----------------------------------------------------------------------

    def timeline(self) -> list[dict[str, Any]]:
        """Meetings and decisions with a date, one row each, in date order.

        Sources may give one date more or less precisely (``2011-09`` in the report,
        ``2011-09-19`` in a public record): the most precise start and end win, each row with
        the graph (evidence) of its start date as ``g`` and every graph dating it, with the date
        it gives, as ``sources``; an end equal to the start is dropped. Where a meeting has a
        preferred dating (``emg:preferredDating``, sources disagree), its start and end come
        from that graph only, so a row never mixes one source's start with another's end.
        """
        found = lexical(rows(self.store, "catalog-timeline"))
        best: dict[str, dict[str, Any]] = {}

        def better(new: str, old: str) -> bool:  # more precise, then earlier
            return (len(new), -_day(new)) > (len(old), -_day(old)) if old else bool(new)

        for r in found:
            x = r["x"]
            item = best.setdefault(
                x, {"x": x, "kind": r["kind"], "date": "", "g": "", "sources": {}}
            )
            item["sources"].setdefault(r["g"], set()).add(r["date"])
            pref = r.get("pref")
            if pref and r["g"] != pref:  # another source's date: listed, not used
                continue
            if pref and r.get("ge", pref) != pref:
                r = {k: v for k, v in r.items() if k != "end"}
            if better(r["date"], item["date"]) or (
                r["date"] == item["date"] and r["g"] < item["g"]
            ):
                item["date"], item["g"] = r["date"], r["g"]
            if better(r.get("end", ""), item.get("end", "")):
                item["end"] = r["end"]
        for item in best.values():
            if item.get("end", "") <= item["date"]:  # none, the same day, or inconsistent
                item.pop("end", None)
            item["sources"] = sorted(
                ((g, ", ".join(sorted(dates))) for g, dates in item["sources"].items()),
                key=lambda gd: (gd[0] != item["g"], gd[0]),
            )
        return sorted(best.values(), key=lambda i: (i["date"], i["kind"], i["x"]))


#: What the catalogue reads (``queries/internal/NAME.rq``), in the order it works on them.
_READINGS = (
    "catalog-names",
    "catalog-labels",
    "catalog-types",
    "catalog-texts",
    "catalog-evidence",
    "editor-terms",
)


def _values(answer: Result, iris_only: bool = False) -> list[tuple[str, ...]]:
    """An answer's rows as tuples of lexical values ("" unbound), with ``iris_only`` only
    those whose first term is an IRI: the whole-store readings (880,000 rows at 2 M quads) as
    tuples, not dicts of terms (5 s less)."""
    found = answer.rows
    return [
        tuple("" if t is None else t.value for t in row)  # type: ignore[union-attr]
        for row in found
        if not iris_only or isinstance(row[0], ox.NamedNode)
    ]


def _day(date: str) -> int:
    """A sortable number for a (partial) ISO date: 2011-09 -> 20110900."""
    digits = "".join(ch for ch in date if ch.isdigit())[:8]
    return int(digits.ljust(8, "0")) if digits else 0


def _natural(name: str) -> tuple[object, ...]:
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", name))


def _snippet(text: str, query: str, width: int = 60) -> str:
    """Some text around the first match (whitespace-insensitive) of ``query`` in ``text``."""
    flat = " ".join(text.split())
    pattern = r"\s*".join(re.escape(c) for c in query.strip() if not c.isspace())
    match = re.search(pattern, flat, re.I) if pattern else None
    if not match:
        return flat[: 2 * width] + ("…" if len(flat) > 2 * width else "")
    start, end = max(0, match.start() - width), min(len(flat), match.end() + width)
    return ("…" if start else "") + flat[start:end] + ("…" if end < len(flat) else "")
