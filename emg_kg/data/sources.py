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
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal as TypingLiteral

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, SKOS

from emg_kg.data.namespaces import EMG, EMGID, FN, GRAPH_REPORT, PARA, REPORT, SCHEMA, bind_prefixes
from emg_kg.errors import SourceError

__all__ = [
    "ASTERISK",
    "Kind",
    "Report",
    "Section",
    "Unit",
    "parse_report",
    "report_graph",
    "section_iri",
    "summary_iri",
    "unit_iri",
]

Kind = TypingLiteral["paragraph", "operative", "footnote", "summary", "section"]

#: Ident of the header footnote printed as "*" (it annotates the provisional agenda symbol).
ASTERISK = "asterisk"

_REPORT_PATH = "report/gc27-emg"


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


# --------------------------------------------------------------------------- IRIs


def section_iri(ident: str) -> URIRef:
    """``emgid:report/gc27-emg/section/IV-A``."""
    return EMGID[f"{_REPORT_PATH}/section/{ident}"]


def summary_iri() -> URIRef:
    """``emgid:report/gc27-emg/summary``."""
    return EMGID[f"{_REPORT_PATH}/summary"]


def unit_iri(unit: Unit) -> URIRef:
    """The IRI of a unit: ``para:20``, ``para:1-op3``, ``fn:12``, ``fn:asterisk``, ..."""
    if unit.kind in ("paragraph", "operative"):
        return PARA[unit.ident]
    if unit.kind == "footnote":
        return FN[unit.ident]
    if unit.kind == "summary":
        return summary_iri()
    return section_iri(unit.ident)


# --------------------------------------------------------------------------- Markdown layer

_HEADING = re.compile(r"^#{1,6}\s+(.*?)(?:\s+#+)?\s*$")
_PAGE_BREAK = re.compile(r"^(?:-{3,}|\*{3,}|_{3,})$")
_FOOTNOTE_DEF = re.compile(r"^<sup>\s*(\d+)\s*</sup>\s*(.*)$")
_ASTERISK_DEF = re.compile(r"^\\\*\s*(.+)$")
_NUMBERED = re.compile(r"^(\d+)\.\s+(.*)$")
_BULLET = re.compile(r"^[-+*]\s+(.*)$")
_SUBITEM = re.compile(r"^\((?:[a-z]|[ivx]+)\)\s")
_DECISION_OPENER = re.compile(r"^\*[^*]+[，,]\s*\*$")  # "*理事会，*": "The Governing Council,"

_SUP = re.compile(r"<sup>\s*(\d+)\s*</sup>")
_LINK = re.compile(r"\[([^\]]*)\]\([^)\s]*\)")
_AUTOLINK = re.compile(r"<((?:https?|ftp)://[^>\s]+|mailto:[^>\s]+)>")
_ESCAPE = re.compile(r"\\([\\`_{}\[\]()#+\-.!|])")
_LEFTOVER = re.compile(r"</?[A-Za-z][^>]*>|\]\(|`|<https?:")

_TOP = re.compile(r"^([一二三四五六七八九十]+)、\s*(.+)$")
_LETTER = re.compile(r"^([A-Z])[.．]\s*(.+)$")
_DIGIT = re.compile(r"^(\d+)[.．]\s*(.+)$")
_SUMMARY_HEADING = "摘要"

_NUMERALS = "一二三四五六七八九十"
_ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X")

#: A piece ending in one of these ends a clause, so a following block may start a new line.
_CLAUSE_END = "。；：，！？;:,!?"


def _is_cjk(char: str) -> bool:
    return "\u2e80" <= char <= "\u9fff" or "\u3000" <= char <= "\u303f" or "\uff00" <= char


def _glue(left: str, right: str) -> str:
    """Join two pieces of one sentence: no space around Chinese text, one between Latin words."""
    if not left or not right:
        return left + right
    if _is_cjk(left[-1]) or _is_cjk(right[0]):
        return left + right
    return f"{left} {right}"


@dataclass
class _Block:
    """Consecutive non-blank Markdown lines that form one block (a lazy continuation kept)."""

    line: int
    first: str
    raw: str


def _is_marker(stripped: str) -> bool:
    return bool(
        _HEADING.match(stripped)
        or _PAGE_BREAK.match(stripped)
        or _FOOTNOTE_DEF.match(stripped)
        or _ASTERISK_DEF.match(stripped)
        or _NUMBERED.match(stripped)
        or _BULLET.match(stripped)
        or _SUBITEM.match(stripped)
    )


def _blocks(lines: list[str]) -> Iterator[_Block]:
    """Group lines into blocks; headings and page breaks are always one line."""
    current: _Block | None = None
    for number, raw in enumerate(lines, 1):
        stripped = raw.strip()
        if not stripped:
            if current:
                yield current
            current = None
            continue
        single = bool(_HEADING.match(stripped) or _PAGE_BREAK.match(stripped))
        if current is None or single or _is_marker(stripped):
            if current:
                yield current
            current = _Block(number, stripped, stripped)
        else:
            current.raw = _glue(current.raw, stripped)
        if single:
            yield current
            current = None
    if current:
        yield current


# --------------------------------------------------------------------------- parser


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
        item = bool(_SUBITEM.match(text))
        prev = self.pieces[-1] if self.pieces else ""
        ends_clause = bool(prev) and prev[-1] in _CLAUSE_END
        if not prev:
            self.pieces.append(text)
            self.last_is_item = item
        elif item or (ends_clause and (self.multi_block or self.last_is_item or prev[-1] in "：:")):
            # a sub-item, or a new block after a finished clause: its own line
            self.pieces.append("\n" + text)
            self.last_is_item = item
        else:
            # the rest of a sentence cut by a page break or a footnote block
            self.pieces[-1] = _glue(prev, text)
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
        """Drop Markdown markup, keep visible text; footnote markers become references."""
        refs: list[str] = []
        text = _AUTOLINK.sub(r"\1", raw)
        text = _LINK.sub(r"\1", text)

        def sup(match: re.Match[str]) -> str:
            refs.append(str(int(match.group(1))))
            return ""

        text = _SUP.sub(sup, text)
        if "\\*" in text:
            refs.extend(ASTERISK for _ in range(text.count("\\*")))
            text = text.replace("\\*", "")
        text = text.replace("**", "").replace("*", "")
        text = _ESCAPE.sub(r"\1", text)
        leftover = _LEFTOVER.search(text)
        if leftover:
            raise self.error(line, f"markup not understood: {leftover.group(0)!r} in {raw!r}")
        self.cited.extend((ref, line) for ref in refs)
        return text.strip(), refs

    # -- blocks

    def feed(self, block: _Block) -> None:
        first = block.first
        if _PAGE_BREAK.match(first):
            return  # layout only: the text around it is joined
        heading = _HEADING.match(first)
        if heading:
            self.heading(heading.group(1), block.line)
            return
        fn = _FOOTNOTE_DEF.match(first)
        if fn:
            self.footnote(fn.group(1), _FOOTNOTE_DEF.sub(r"\2", block.raw), block.line)
            return
        star = _ASTERISK_DEF.match(first)
        if star:
            self.footnote("*", _ASTERISK_DEF.sub(r"\1", block.raw), block.line)
            return
        if self.phase == "header":
            if _NUMBERED.match(first):
                raise self.error(block.line, "numbered paragraph before the first section heading")
            text, refs = self.clean(block.raw, block.line)
            self.header.append((False, text))
            self.header_refs.extend(refs)
            return
        numbered = _NUMBERED.match(first)
        if numbered:
            rest = _NUMBERED.sub(r"\2", block.raw)
            self.numbered(int(numbered.group(1)), numbered.group(1), rest, block.line)
            return
        bullet = _BULLET.match(first)
        raw = _BULLET.sub(r"\1", block.raw) if bullet else block.raw
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
    for block in _blocks(content.splitlines()):
        parser.feed(block)
    return parser.finish()


# --------------------------------------------------------------------------- RDF


def _labels(graph: Graph, node: URIRef, zh: str, en: str) -> None:
    graph.add((node, SKOS.prefLabel, Literal(zh, lang="zh")))
    graph.add((node, SKOS.prefLabel, Literal(en, lang="en")))


def report_graph(report: Report) -> Graph:
    """The report's structure as triples (for the named graph ``emgid:graph/report``).

    Paragraph 1's ``schema:text`` holds the whole draft decision; its operative paragraphs are
    also nodes of their own (``para:1-opK``, part of ``para:1``) so facts can cite them exactly.
    """
    graph = Graph(identifier=GRAPH_REPORT)
    bind_prefixes(graph)
    graph.add((REPORT, RDF.type, EMG.Report))
    graph.add((REPORT, DCTERMS.title, Literal(report.title, lang="zh")))
    for ref in report.footnotes:
        graph.add((REPORT, EMG.footnoteRef, FN[ref]))

    for section in report.sections:
        node = section_iri(section.ident)
        parent = section_iri(section.parent) if section.parent else REPORT
        graph.add((node, RDF.type, EMG.Section))
        graph.add((node, DCTERMS.isPartOf, parent))
        graph.add((node, SCHEMA.position, Literal(section.position)))
        _labels(graph, node, section.title, "Section " + section.ident.replace("-", "."))

    for unit in report.units:
        if unit.kind == "section":
            continue
        node = unit_iri(unit)
        graph.add((node, SCHEMA.text, Literal(unit.text, lang="zh")))
        for ref in unit.footnotes:
            graph.add((node, EMG.footnoteRef, FN[ref]))
        if unit.kind == "summary":
            graph.add((node, RDF.type, EMG.Summary))
            graph.add((node, DCTERMS.isPartOf, REPORT))
            _labels(graph, node, "摘要", "Summary")
            continue
        graph.add((node, EMG.number, Literal(unit.number)))
        graph.add((node, SCHEMA.position, Literal(unit.position)))
        if unit.kind == "paragraph":
            graph.add((node, RDF.type, EMG.Paragraph))
            graph.add((node, DCTERMS.isPartOf, section_iri(unit.section or "")))
            _labels(graph, node, f"第{unit.number}段", f"Paragraph {unit.number}")
        elif unit.kind == "operative":
            host = unit.ident.split("-op", 1)[0]
            graph.add((node, RDF.type, EMG.OperativeParagraph))
            graph.add((node, DCTERMS.isPartOf, PARA[host]))
            _labels(
                graph,
                node,
                f"第{host}段执行部分第{unit.number}段",
                f"Paragraph {host}, operative paragraph {unit.number}",
            )
        else:
            graph.add((node, RDF.type, EMG.Footnote))
            graph.add((node, DCTERMS.isPartOf, REPORT))
            _labels(graph, node, f"脚注{unit.number}", f"Footnote {unit.number}")
    return graph
