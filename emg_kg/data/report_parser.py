"""The report's own structure, read from its Markdown copy.

Every curated fact cites a paragraph or footnote of the report (docs/modeling.md), so the
paragraphs, footnotes and sections must exist as nodes with their *whole* text: the mention
rule compares entity labels against that text. The Markdown copy was converted from a paginated
document, so the layout is not the structure:

* page breaks (``---`` lines, or just a blank line) and footnote blocks fall in the middle of
  paragraphs, even in the middle of a word; the pieces are joined back together;
* the draft decision inside paragraph 1 numbers its operative paragraphs 1-5 again;
* heading levels (``##`` ... ``#####``) and bold are used inconsistently, so sections are
  recognised by their numbering (``四、``, ``A.``, ``1.``), not by the number of ``#``;
* sub-items ``(b)`` ... may come as ``- (b)`` list items after a footnote block.

The parser is strict: anything it does not understand (a numbering gap, a duplicate number, a
footnote cited but never given, a heading of unknown form, leftover markup) raises
:class:`~emg_kg.errors.SourceError` naming the file and line, because silently mis-cut text
would put facts in the wrong evidence graph.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal as TypingLiteral

from emg_kg.data.report_markdown import (
    ASTERISK_DEF,
    BULLET,
    CLAUSE_END,
    FOOTNOTE_DEF,
    HEADING,
    NUMBERED,
    PAGE_BREAK,
    SUBITEM,
    Block,
    blocks,
    clean,
    glue,
)
from emg_kg.data.report_units import ASTERISK, Kind, Report, Section, Unit
from emg_kg.errors import SourceError

__all__ = ["parse_report"]

#: Section numbering (docs/modeling.md): 一、 at the top, then A., then 1.; the summary heading.
_DECISION_OPENER = re.compile(r"^\*[^*]+[，,]\s*\*$")  # "*理事会，*": "The Governing Council,"
_TOP = re.compile(r"^([一二三四五六七八九十]+)、\s*(.+)$")
_LETTER = re.compile(r"^([A-Z])[.．]\s*(.+)$")
_DIGIT = re.compile(r"^(\d+)[.．]\s*(.+)$")
_SUMMARY_HEADING = "摘要"
_NUMERALS = "一二三四五六七八九十"
_ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X")


@dataclass
class _Open:
    """A unit being assembled from its pieces."""

    kind: Kind
    ident: str
    number: str
    section: str | None
    position: int
    line: int
    multi_block: bool = False
    parent: _Open | None = None
    pieces: list[str] = field(default_factory=list)
    refs: list[str] = field(default_factory=list)
    last_is_item: bool = False

    def add(self, text: str, refs: list[str], *, parent_text: str | None = None) -> None:
        """Append one block; a paragraph's operative paragraph also feeds the paragraph."""
        item = bool(SUBITEM.match(text))
        prev = self.pieces[-1] if self.pieces else ""
        ends_clause = bool(prev) and prev[-1] in CLAUSE_END
        if not prev:
            self.pieces.append(text)
            self.last_is_item = item
        elif item or (ends_clause and (self.multi_block or self.last_is_item or prev[-1] in "：:")):
            # a sub-item, or a new block after a finished clause: its own line
            self.pieces.append("\n" + text)
            self.last_is_item = item
        else:
            # the rest of a sentence cut by a page break or a footnote block
            self.pieces[-1] = glue(prev, text)
        self.refs.extend(refs)
        if self.parent is not None:
            self.parent.add(parent_text if parent_text is not None else text, refs)

    def finish(self, path: Path) -> Unit:
        text = "".join(self.pieces).strip()
        if not text:
            raise SourceError(path, self.line, f"{self.kind} {self.number or self.ident} is empty")
        return Unit(
            kind=self.kind,
            ident=self.ident,
            number=self.number,
            text=text,
            section=self.section,
            footnotes=tuple(dict.fromkeys(self.refs)),
            position=self.position,
            source_line=self.line,
        )


class _Parser:
    """A single pass over the blocks; see the module docstring for the layout it expects."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.phase: TypingLiteral["header", "summary", "body"] = "header"
        self.header: list[tuple[bool, str]] = []  # (is_heading, text)
        self.header_refs: list[str] = []
        self.opened: list[_Open] = []
        self.sections: list[Section] = []
        self.section_units: list[Unit] = []
        self.top: Section | None = None
        self.letter: Section | None = None
        self.current: Section | None = None
        self.body: _Open | None = None  # where text continues (paragraph, operative, summary)
        self.decision: _Open | None = None  # the paragraph hosting a draft decision
        self.operatives = 0
        self.last_para = 0
        self.last_footnote = 0
        self.footnote_lines: dict[str, int] = {}
        self.cited: list[tuple[str, int]] = []  # (footnote ident, line of the citation)

    def error(self, line: int, message: str) -> SourceError:
        return SourceError(self.path, line, message)

    # -- inline markup

    def clean(self, raw: str, line: int) -> tuple[str, list[str]]:
        """Plain text and footnote references of ``raw``; the references are remembered, so
        :meth:`finish` can check that every cited footnote is given."""
        text, refs = clean(raw, self.path, line)
        self.cited.extend((ref, line) for ref in refs)
        return text, refs

    # -- blocks

    def feed(self, block: Block) -> None:
        first = block.first
        if PAGE_BREAK.match(first):
            return  # layout only: the text around it is joined
        heading = HEADING.match(first)
        if heading:
            self.heading(heading.group(1), block.line)
            return
        fn = FOOTNOTE_DEF.match(first)
        if fn:
            self.footnote(fn.group(1), FOOTNOTE_DEF.sub(r"\2", block.raw), block.line)
            return
        star = ASTERISK_DEF.match(first)
        if star:
            self.footnote("*", ASTERISK_DEF.sub(r"\1", block.raw), block.line)
            return
        if self.phase == "header":
            if NUMBERED.match(first):
                raise self.error(block.line, "numbered paragraph before the first section heading")
            text, refs = self.clean(block.raw, block.line)
            self.header.append((False, text))
            self.header_refs.extend(refs)
            return
        numbered = NUMBERED.match(first)
        if numbered:
            rest = NUMBERED.sub(r"\2", block.raw)
            self.numbered(int(numbered.group(1)), numbered.group(1), rest, block.line)
            return
        bullet = BULLET.match(first)
        raw = BULLET.sub(r"\1", block.raw) if bullet else block.raw
        self.text(raw, block.line)

    def heading(self, raw: str, line: int) -> None:
        text, refs = self.clean(raw, line)
        if refs:
            raise self.error(line, f"footnote marker in a heading: {raw!r}")
        self.body = None
        self.decision = None
        if text == _SUMMARY_HEADING and self.phase == "header":
            self.phase = "summary"
            self.body = self.open("summary", "summary", "", None, 0, line)
            self.body.multi_block = True
            return
        if self.section_heading(text, line):
            self.phase = "body"
            return
        if self.phase == "header":
            self.header.append((True, text))
            return
        raise self.error(
            line, f"heading not understood (expected 一、 / A. / 1. numbering): {text!r}"
        )

    def section_heading(self, text: str, line: int) -> bool:
        """Recognise 一、… / A. … / 1. … headings and check their numbering."""
        top, letter, digit = _TOP.match(text), _LETTER.match(text), _DIGIT.match(text)
        if top:
            number, title = top.group(1), top.group(2).strip()
            if len(number) != 1:
                raise self.error(line, f"section numeral not supported: {number!r}")
            position = _NUMERALS.index(number) + 1
            expected = (self.top.position + 1) if self.top else 1
            parent: Section | None = None
            ident = _ROMAN[position - 1]
        elif letter and self.top is not None:
            number, title = letter.group(1), letter.group(2).strip()
            position = ord(number) - ord("A") + 1
            parent = self.top
            expected = (self.letter.position + 1) if self.letter else 1
            ident = f"{parent.ident}-{number}"
        elif digit and self.top is not None and self.phase == "body":
            number, title = digit.group(1), digit.group(2).strip()
            position = int(number)
            parent = self.letter or self.top
            siblings = [s for s in self.sections if s.parent == parent.ident and s.number.isdigit()]
            expected = siblings[-1].position + 1 if siblings else 1
            ident = f"{parent.ident}-{number}"
        else:
            return False
        if position != expected:
            raise self.error(
                line, f"section {number!r} out of order: expected section number {expected}"
            )
        section = Section(ident, title, parent.ident if parent else None, number, position, line)
        self.sections.append(section)
        self.section_units.append(
            Unit("section", ident, number, title, section.parent, (), position, line)
        )
        if top:
            self.top, self.letter = section, None
        elif letter:
            self.letter = section
        self.current = section
        return True

    def open(
        self, kind: Kind, ident: str, number: str, section: str | None, position: int, line: int
    ) -> _Open:
        unit = _Open(kind, ident, number, section, position, line)
        self.opened.append(unit)
        return unit

    def numbered(self, n: int, printed: str, raw: str, line: int) -> None:
        if self.current is None:
            raise self.error(line, f"paragraph {n} is not under a section heading")
        if self.decision is not None and n == self.operatives + 1:
            self.operatives = n
            host = self.decision
            op = self.open("operative", f"{host.ident}-op{n}", printed, host.section, n, line)
            op.multi_block = True
            op.parent = host
            text, refs = self.clean(raw, line)
            op.add(text, refs, parent_text=f"{printed}. {text}")
            self.body = op
            return
        expected = self.last_para + 1
        if n != expected:
            if self.decision is not None:
                hint = f"operative paragraph {self.operatives + 1} or paragraph {expected}"
            else:
                hint = f"paragraph {expected}"
            if self.decision is not None:
                problem = f"number {n} follows operative paragraph {self.operatives}"
            elif n <= self.last_para:
                problem = f"paragraph number {n} repeats or goes back (after {self.last_para})"
            else:
                missing = f"{expected}" if n == expected + 1 else f"{expected}-{n - 1}"
                problem = f"paragraph number jumps from {self.last_para} to {n} ({missing} missing)"
            raise self.error(line, f"{problem}; expected {hint}")
        self.last_para = n
        self.decision = None
        para = self.open("paragraph", printed, printed, self.current.ident, n, line)
        text, refs = self.clean(raw, line)
        para.add(text, refs)
        self.body = para

    def text(self, raw: str, line: int) -> None:
        if self.body is None:
            where = f"section {self.current.ident}" if self.current else "the summary"
            raise self.error(
                line, f"text outside any numbered paragraph (in {where}): {raw[:40]!r}"
            )
        if self.body.kind == "paragraph" and self.decision is None and _DECISION_OPENER.match(raw):
            # "*理事会，*" opens a draft decision: its numbered paragraphs are operative ones.
            self.decision = self.body
            self.body.multi_block = True
            self.operatives = 0
        text, refs = self.clean(raw, line)
        self.body.add(text, refs)

    def footnote(self, printed: str, raw: str, line: int) -> None:
        if printed == "*":
            ident, position = ASTERISK, 0
            if ASTERISK in self.footnote_lines:
                raise self.error(line, "second '*' footnote")
        else:
            n = int(printed)
            if n != self.last_footnote + 1:
                raise self.error(
                    line, f"footnote {n} out of order: expected footnote {self.last_footnote + 1}"
                )
            self.last_footnote = n
            ident, position = str(n), n
        self.footnote_lines[ident] = line
        note = self.open("footnote", ident, printed, None, position, line)
        text, refs = self.clean(raw, line)
        note.add(text, refs)

    # -- result

    def finish(self) -> Report:
        if self.last_para == 0:
            raise self.error(1, "no numbered paragraphs found")
        for ref, line in self.cited:
            if ref not in self.footnote_lines:
                raise self.error(line, f"footnote {ref} is cited but never given")
        cited = {ref for ref, _ in self.cited}
        for ident, line in self.footnote_lines.items():
            if ident not in cited:
                raise self.error(line, f"footnote {ident} is never cited")
        headings = [i for i, (is_heading, _) in enumerate(self.header) if is_heading]
        if not headings and not self.header:
            raise self.error(1, "no cover page before the summary or first section")
        after = headings[-1] + 1 if headings else 0
        plain = [text for is_heading, text in self.header[after:] if not is_heading]
        series = self.header[headings[-1]][1] if headings else None
        title = plain[0] if plain else (series or self.header[0][1])
        byline = plain[1] if len(plain) > 1 else None
        units = [u.finish(self.path) for u in self.opened]
        units += self.section_units
        units.sort(key=lambda u: u.source_line)
        return Report(
            path=self.path,
            title=title,
            series=series if plain else None,
            byline=byline,
            header=tuple(text for _, text in self.header),
            footnotes=tuple(dict.fromkeys(self.header_refs)),
            units=units,
            sections=list(self.sections),
        )


def parse_report(path: Path) -> Report:
    """Read the Markdown report into its units; SourceError (file, line) on unknown layout."""
    try:
        content = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise SourceError(path, None, f"cannot read the report: {err}") from None
    parser = _Parser(path)
    for block in blocks(content.splitlines()):
        parser.feed(block)
    return parser.finish()
