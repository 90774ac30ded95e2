"""What a parsed report is made of: its citable units, its sections, the report as a whole.

Kept apart from the parser (:mod:`emg_kg.data.report_parser`) and from the RDF it becomes
(:mod:`emg_kg.data.sources`), so the translation and validation read the same units without
importing either.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal as TypingLiteral

__all__ = ["ASTERISK", "Kind", "Report", "Section", "Unit"]

Kind = TypingLiteral["paragraph", "operative", "footnote", "summary", "section"]

#: Ident of the header footnote printed as "*" (it annotates the provisional agenda symbol).
ASTERISK = "asterisk"


@dataclass(frozen=True)
class Unit:
    """One citable piece of the report, with its whole, markup-free text.

    ``ident`` is the local name of the unit's IRI (``"20"``, ``"1-op3"``, ``"asterisk"``,
    ``"summary"``, ``"IV-A"``), so code and curated data name units the same way; ``number`` is
    the number as printed (``"3"`` for ``1-op3``, ``"*"`` for the asterisk footnote).
    ``footnotes`` lists the footnote idents the text cites (markers removed from ``text``).
    ``source_line`` is 1-based, for error messages and for finding the unit in the Markdown.
    """

    kind: Kind
    ident: str
    number: str
    text: str
    section: str | None
    footnotes: tuple[str, ...]
    position: int
    source_line: int


@dataclass(frozen=True)
class Section:
    """A numbered heading of the report body.

    ``ident`` is ``"IV"``, ``"IV-A"`` or ``"V-B-1"`` (Roman for the Chinese numeral, so IRIs stay
    ASCII); ``title`` is the heading without its number; ``parent`` is the enclosing section's
    ident (``None`` for 一 ... 五, which are part of the report itself); ``position`` is the
    order among its siblings (四 -> 4, A -> 1).
    """

    ident: str
    title: str
    parent: str | None
    number: str = ""
    position: int = 0
    source_line: int = 0

    @property
    def heading(self) -> str:
        """The heading as printed, numbering included (``"四、加强……"``, ``"A. 生物……"``)."""
        sep = "、" if re.fullmatch(r"[一二三四五六七八九十]+", self.number) else ". "
        return f"{self.number}{sep}{self.title}"


@dataclass
class Report:
    """The parsed report: cover page, summary, sections, paragraphs and footnotes.

    ``header`` keeps the cover-page lines (cleaned) in order; ``title`` is the document title
    (the line after the last cover heading), ``series`` that heading and ``byline`` the line
    after the title. ``footnotes`` are the footnotes the cover page cites (the ``*``).
    ``units`` are in document order (the order in which each unit starts).
    """

    path: Path
    title: str
    series: str | None
    byline: str | None
    header: tuple[str, ...]
    footnotes: tuple[str, ...]
    units: list[Unit] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)

    def of_kind(self, kind: Kind) -> list[Unit]:
        """The units of one kind, in document order."""
        return [u for u in self.units if u.kind == kind]

    def unit(self, kind: Kind, ident: str) -> Unit:
        """The unit of that kind and ident; KeyError if the report has none."""
        for u in self.units:
            if u.kind == kind and u.ident == ident:
                return u
        raise KeyError(f"{kind} {ident}")

    @property
    def paragraphs(self) -> list[Unit]:
        return self.of_kind("paragraph")

    @property
    def operatives(self) -> list[Unit]:
        return self.of_kind("operative")

    @property
    def footnote_units(self) -> list[Unit]:
        return self.of_kind("footnote")
