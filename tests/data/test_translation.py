"""The English text of the report lines up with the Chinese one, unit for unit.

The English Markdown is the project's own unofficial translation (no official English text was
found). English evidence text is attached to the same paragraph, operative paragraph and footnote
IRIs as the Chinese, so both files must segment into the same units with the same numbers, the
same footnote citations and the same sub-paragraph letters; both are read with the project's own
parser (emg_kg.data.sources), not with a parser written for the test. Document symbols (SS.XII/2,
9/COP.10, UNEP/GC.27/1 ...) and figures are copied, never translated, so each unit must keep them.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from emg_kg.data.sources import Report, Unit, parse_report

DATA = Path(__file__).resolve().parents[2] / "graph_data"
ZH_MD = DATA / "emg-progress-report-gc27.zh.md"
EN_MD = DATA / "emg-progress-report-gc27.en.md"

#: A document symbol: ASCII pieces joined by "/" (SS.XII/2, ICCD/COP(10)/31/Add.1, 66/288).
_SYMBOL = re.compile(r"[A-Za-z0-9][A-Za-z0-9.()\-]*(?:/[A-Za-z0-9][A-Za-z0-9.()\-]*)+")
#: A word: "and/or", "Council/Global" (Forum) are words joined by a slash, not symbols.
_WORD = re.compile(r"[A-Za-z][a-z]+")
_SUBITEM = re.compile(r"^\(([a-z]+)\)", re.MULTILINE)
_CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")
#: Arabic figures; a Chinese month ("11 月") is spelled out in English, so it is left out.
_FIGURE = re.compile(r"\d[\d,.]*\d|\d")
_MONTH = re.compile(r"\d+\s*月")


@pytest.fixture(scope="module")
def zh() -> Report:
    return parse_report(ZH_MD)


@pytest.fixture(scope="module")
def en() -> Report:
    return parse_report(EN_MD)


def _key(unit: Unit) -> tuple[str, str, str, str | None, tuple[str, ...]]:
    return (unit.kind, unit.ident, unit.number, unit.section, unit.footnotes)


def _pairs(zh: Report, en: Report) -> list[tuple[Unit, Unit]]:
    return list(zip(zh.units, en.units, strict=True))


def test_same_units_in_the_same_order(zh: Report, en: Report) -> None:
    assert [_key(u) for u in en.units] == [_key(u) for u in zh.units]


def test_same_paragraph_footnote_and_section_ids(zh: Report, en: Report) -> None:
    for kind in ("paragraph", "operative", "footnote", "summary"):
        assert [u.ident for u in en.of_kind(kind)] == [u.ident for u in zh.of_kind(kind)], kind
    assert [(s.ident, s.parent, s.number) for s in en.sections] == [
        (s.ident, s.parent, s.number) for s in zh.sections
    ]
    assert len(en.paragraphs) == 61
    assert len(en.operatives) == 5
    assert [u.ident for u in en.footnote_units] == ["asterisk", *(str(n) for n in range(1, 17))]


def test_same_cover_page(zh: Report, en: Report) -> None:
    # The English file opens with its provenance comment; the cover page follows line for line.
    assert en.header[0].startswith("<!-- UNOFFICIAL TRANSLATION")
    assert len(en.header[1:]) == len(zh.header)
    assert en.footnotes == zh.footnotes == ("asterisk",)
    assert en.title.startswith("Coordination across the United Nations system, including the")
    assert en.series == "Progress report requested by previous sessions of the Governing Council"
    assert en.byline == "Report of the Executive Director"


def test_the_file_says_it_is_an_unofficial_translation() -> None:
    head = EN_MD.read_text(encoding="utf-8").split("-->", 1)[0]
    assert head.startswith("<!--")
    assert "UNOFFICIAL TRANSLATION" in head
    assert "emg-progress-report-gc27.zh.md" in head


def test_same_sub_paragraph_letters(zh: Report, en: Report) -> None:
    for z, e in _pairs(zh, en):
        assert _SUBITEM.findall(e.text) == _SUBITEM.findall(z.text), e.ident
    assert _SUBITEM.findall(en.unit("paragraph", "11").text) == list("abcdefgh")
    assert _SUBITEM.findall(en.unit("paragraph", "21").text) == list("abcde")


def _symbols(text: str) -> Counter[str]:
    """The symbols of a text; a full stop is not part of one, nor are words such as and/or."""
    found = (s.rstrip(".") for s in _SYMBOL.findall(text))
    return Counter(s for s in found if not all(_WORD.fullmatch(p) for p in s.split("/")))


def test_document_symbols_kept_in_each_unit(zh: Report, en: Report) -> None:
    for z, e in _pairs(zh, en):
        assert _symbols(e.text) == _symbols(z.text), e.ident
    assert "SS.XII/2" in en.unit("paragraph", "2").text
    assert "9/COP.10" in en.unit("footnote", "14").text


def test_figures_kept_in_each_unit(zh: Report, en: Report) -> None:
    renamed = {("paragraph", "53"): {"170": "1.7"}}  # 170万吨 = 1.7 million tonnes
    for z, e in _pairs(zh, en):
        figures = Counter(_FIGURE.findall(_MONTH.sub("", z.text)))
        for old, new in renamed.get((z.kind, z.ident), {}).items():
            figures[new] += figures.pop(old)
        missing = figures - Counter(_FIGURE.findall(e.text))
        assert not missing, (e.kind, e.ident, dict(missing))


def test_no_chinese_left_in_the_english_text(en: Report) -> None:
    for unit in en.units:
        assert not _CJK.search(unit.text), (unit.kind, unit.ident, unit.text[:60])
    for section in en.sections:
        assert not _CJK.search(section.title), section.ident


def test_split_paragraphs_read_whole(en: Report) -> None:
    # Page breaks and footnote blocks cut these paragraphs; the parser joins the pieces.
    assert (
        "Chief Executives Board for Coordination that the Board take up"
        in en.unit("operative", "1-op3").text
    )
    assert "an approach applicable across" in en.unit("paragraph", "15").text
    assert "through green economy approaches." in en.unit("paragraph", "42").text
    assert "options for rationalizing" in en.unit("paragraph", "55").text
