"""The Markdown layer of a report: lines into blocks, inline markup into plain text.

The report's Markdown copy was converted from a paginated document, so this layer only groups
lines (a heading or a page break is one block; a numbered paragraph, a footnote or a list item
starts one; other lines continue the block) and strips inline markup, turning footnote markers
into references. What the blocks mean is the parser's business
(:mod:`emg_kg.data.report_parser`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from emg_kg.data.report_units import ASTERISK
from emg_kg.errors import SourceError

__all__ = [
    "ASTERISK_DEF",
    "BULLET",
    "CLAUSE_END",
    "Block",
    "FOOTNOTE_DEF",
    "HEADING",
    "NUMBERED",
    "PAGE_BREAK",
    "SUBITEM",
    "blocks",
    "clean",
    "glue",
]

#: What starts a block: a heading, a page break, a footnote (numbered or the ``\*`` one), a
#: numbered paragraph, a list item, a sub-item ``(b)``.
HEADING, PAGE_BREAK, FOOTNOTE_DEF, ASTERISK_DEF, NUMBERED, BULLET, SUBITEM = map(
    re.compile,
    (
        r"^#{1,6}\s+(.*?)(?:\s+#+)?\s*$",
        r"^(?:-{3,}|\*{3,}|_{3,})$",
        r"^<sup>\s*(\d+)\s*</sup>\s*(.*)$",
        r"^\\\*\s*(.+)$",
        r"^(\d+)\.\s+(.*)$",
        r"^[-+*]\s+(.*)$",
        r"^\((?:[a-z]|[ivx]+)\)\s",
    ),
)
#: Blocks that are always one line.
_SINGLE = (HEADING, PAGE_BREAK)
_MARKERS = (*_SINGLE, FOOTNOTE_DEF, ASTERISK_DEF, NUMBERED, BULLET, SUBITEM)

#: Inline markup: footnote markers, links, autolinks, backslash escapes, and what is left over
#: when the text still holds markup this layer does not understand.
_SUP, _LINK, _AUTOLINK, _ESCAPE, _LEFTOVER = map(
    re.compile,
    (
        r"<sup>\s*(\d+)\s*</sup>",
        r"\[([^\]]*)\]\([^)\s]*\)",
        r"<((?:https?|ftp)://[^>\s]+|mailto:[^>\s]+)>",
        r"\\([\\`_{}\[\]()#+\-.!|])",
        r"</?[A-Za-z][^>]*>|\]\(|`|<https?:",
    ),
)

#: A piece ending in one of these ends a clause, so a following block may start a new line.
CLAUSE_END = "。；：，！？;:,!?"


def _is_cjk(char: str) -> bool:
    return "\u2e80" <= char <= "\u9fff" or "\u3000" <= char <= "\u303f" or "\uff00" <= char


def glue(left: str, right: str) -> str:
    """Join two pieces of one sentence: no space around Chinese text, one between Latin words."""
    if not left or not right:
        return left + right
    if _is_cjk(left[-1]) or _is_cjk(right[0]):
        return left + right
    return f"{left} {right}"


@dataclass
class Block:
    """Consecutive non-blank Markdown lines that form one block (a lazy continuation kept)."""

    line: int
    first: str
    raw: str


def _matches(patterns: tuple[re.Pattern[str], ...], stripped: str) -> bool:
    return any(p.match(stripped) for p in patterns)


def blocks(lines: list[str]) -> Iterator[Block]:
    """Group lines into blocks; headings and page breaks are always one line."""
    current: Block | None = None
    for number, raw in enumerate(lines, 1):
        stripped = raw.strip()
        if not stripped:
            if current:
                yield current
            current = None
            continue
        single = _matches(_SINGLE, stripped)
        if current is None or single or _matches(_MARKERS, stripped):
            if current:
                yield current
            current = Block(number, stripped, stripped)
        else:
            current.raw = glue(current.raw, stripped)
        if single:
            yield current
            current = None
    if current:
        yield current


def clean(raw: str, path: Path, line: int) -> tuple[str, list[str]]:
    """Drop Markdown markup, keep visible text; footnote markers become references.

    Markup left over (HTML tags, a broken link, backticks) is a SourceError naming the file
    and line: text cut wrongly would put facts in the wrong evidence graph."""
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
        raise SourceError(path, line, f"markup not understood: {leftover.group(0)!r} in {raw!r}")
    return text.strip(), refs
