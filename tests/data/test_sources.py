"""The report's structure, read from the real Markdown copy, and errors on layouts we do not know.

The split-paragraph checks matter: curated facts cite paragraphs by number and the mention rule
reads their text, so a paragraph cut by a page break or a footnote block must read whole.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import BNode, Literal
from rdflib.namespace import DCTERMS, RDF, SKOS

from emg_kg.data.namespaces import EMG, FN, PARA, REPORT, SCHEMA
from emg_kg.data.sources import Kind, Report, parse_report, report_graph, section_iri, summary_iri
from emg_kg.errors import SourceError

REPORT_MD = Path(__file__).resolve().parents[2] / "graph_data" / "emg-progress-report-gc27.zh.md"


@pytest.fixture(scope="module")
def report() -> Report:
    return parse_report(REPORT_MD)


def text(report: Report, kind: Kind, ident: str) -> str:
    return report.unit(kind, ident).text


# ---------------------------------------------------------------- counts and numbering


def test_sixty_one_paragraphs_in_order(report: Report) -> None:
    paras = report.paragraphs
    assert [p.number for p in paras] == [str(n) for n in range(1, 62)]
    assert [p.ident for p in paras] == [p.number for p in paras]
    assert [p.position for p in paras] == list(range(1, 62))
    assert all(p.section for p in paras)


def test_footnotes_one_to_sixteen_plus_asterisk(report: Report) -> None:
    notes = report.footnote_units
    assert [n.ident for n in notes] == ["asterisk", *(str(n) for n in range(1, 17))]
    assert report.unit("footnote", "asterisk").number == "*"
    assert report.unit("footnote", "asterisk").text == "UNEP/GC.27/1。"
    assert report.footnotes == ("asterisk",)  # cited by the cover page ("临时议程*")


def test_five_operative_paragraphs_inside_paragraph_1(report: Report) -> None:
    ops = report.operatives
    assert [o.ident for o in ops] == [f"1-op{k}" for k in range(1, 6)]
    assert [o.number for o in ops] == ["1", "2", "3", "4", "5"]
    assert all(o.section == "I" for o in ops)
    para1 = text(report, "paragraph", "1")
    for op in ops:
        assert f"{op.number}. {op.text}" in para1


def test_sections(report: Report) -> None:
    parents = {s.ident: s.parent for s in report.sections}
    assert parents == {
        "I": None,
        "II": None,
        "III": None,
        "IV": None,
        "IV-A": "IV",
        "IV-B": "IV",
        "IV-C": "IV",
        "V": None,
        "V-A": "V",
        "V-B": "V",
        "V-B-1": "V-B",
        "V-B-2": "V-B",
        "V-C": "V",
    }
    titles = {s.ident: s.title for s in report.sections}
    assert titles["I"] == "建议行动"
    assert titles["IV"] == "加强联合国系统内环境活动方案制定的一致性，包括主流化问题"
    assert titles["V-B-1"] == "支持气候中和的联合国的活动"
    where = {p.number: p.section for p in report.paragraphs}
    assert (where["1"], where["2"], where["11"], where["15"], where["26"]) == (
        "I",
        "II",
        "III",
        "IV-A",
        "IV-B",
    )
    assert (where["34"], where["45"], where["52"], where["53"], where["55"], where["61"]) == (
        "IV-C",
        "V-A",
        "V-B",
        "V-B-1",
        "V-B-2",
        "V-C",
    )


def test_cover_page_and_summary(report: Report) -> None:
    assert report.title == "整个联合国系统内的协调，包括环境管理小组的协调"
    assert report.byline == "执行主任的报告"
    assert "政策性议题：国际环境治理；联合国系统内部围绕环境事项的协调与合作" in report.header
    summary = text(report, "summary", "summary")
    assert summary.startswith("根据联合国环境规划署理事会第 SS.XII/2 号决议第 4 段")
    assert summary.endswith("《我们希望的 未来》。")
    assert summary.count("\n") == 1
    assert "UNEP/GC.27/1" not in summary


# ---------------------------------------------------------------- whole texts


def test_operative_3_reads_across_the_footnote_block(report: Report) -> None:
    op3 = text(report, "operative", "1-op3")
    assert "并欢迎其决定向行政首长协调理事会建议由该委员会接手" in op3
    assert op3.endswith("以确保联合国系统各层面落实和实施该框架；")
    assert report.unit("operative", "1-op3").footnotes == ("6",)
    assert report.unit("operative", "1-op2").footnotes == ("4", "5")
    assert "并欢迎其决定向行政首长协调理事会建议由该委员会接手" in text(report, "paragraph", "1")


def test_paragraph_1_holds_the_whole_draft_decision(report: Report) -> None:
    para1 = text(report, "paragraph", "1")
    lines = para1.split("\n")
    assert lines[0] == "理事会不妨考虑按照以下措辞通过一项决定："
    assert lines[1] == "理事会，"
    assert lines[2].startswith("认识到 联合国环境规划署")
    assert (
        "忆及 其关于促进整个联合国系统内的协调（包括环境管理小组内的协调）的第 SS.XII/2 号决定，"
        in lines
    )
    assert lines[-1].startswith("5. 邀请执行主任以环境管理小组主席的身份")
    assert lines[-1].endswith("以供参考和研读。")
    assert "《我们希望的未来》而做出的战略考虑" in para1  # footnote 2's marker removed in place
    assert report.unit("paragraph", "1").footnotes == ("1", "2", "3", "4", "5", "6")


def test_paragraph_15_reads_across_the_page_break(report: Report) -> None:
    para15 = text(report, "paragraph", "15")
    assert "而制定一项适用于整个联合国系统的方法" in para15
    assert para15.endswith("以支持修订和实施国家生物多样性战略和行动计划。")
    assert "\n" not in para15


def test_paragraph_21_keeps_its_sub_items(report: Report) -> None:
    lines = text(report, "paragraph", "21").split("\n")
    assert lines[0].endswith("报告建议联合国系统应进一步开展以下工作：")
    assert [line[:3] for line in lines[1:]] == ["(a)", "(b)", "(c)", "(d)", "(e)"]
    assert lines[-1] == "(e) 查明区域一级的合作，以支持《生物多样性公约》和“爱知目标”的实施工作。"
    assert report.unit("paragraph", "21").footnotes == ()


def test_paragraph_11_sub_items_a_to_h(report: Report) -> None:
    lines = text(report, "paragraph", "11").split("\n")
    assert [line[:3] for line in lines[1:]] == [f"({c})" for c in "abcdefgh"]


def test_paragraph_42_continues_after_footnote_15(report: Report) -> None:
    para42 = text(report, "paragraph", "42")
    assert "通过绿色经济的方法实现可持续发展。作为环境管理小组报告的一项后续行动" in para42
    assert para42.endswith("以便协助成员国努力迈向包容的绿色经济。")
    assert report.unit("paragraph", "42").footnotes == ()
    assert report.unit("paragraph", "41").footnotes == ("15",)


def test_paragraph_55_joins_mid_word(report: Report) -> None:
    assert "使联合国旅行政策和做法合理化的备选方案" in text(report, "paragraph", "55")


def test_footnote_references(report: Report) -> None:
    refs = {u.ident: u.footnotes for u in report.paragraphs if u.footnotes}
    assert refs == {
        "1": ("1", "2", "3", "4", "5", "6"),
        "3": ("7",),
        "19": ("8",),
        "20": ("9",),
        "22": ("10",),
        "23": ("11", "12"),
        "28": ("13",),
        "29": ("14",),
        "41": ("15",),
        "60": ("16",),
    }
    defined = {n.ident for n in report.footnote_units}
    cited = {ref for u in report.units for ref in u.footnotes} | set(report.footnotes)
    assert cited == defined


def test_links_become_their_visible_text(report: Report) -> None:
    assert text(report, "paragraph", "10").endswith("均可参见该小组网站(www.unemg.org)。")
    assert (
        text(report, "footnote", "8") == "载于 http://www.cbd.int/recommendations/wgri/?m=wgri-04。"
    )
    assert text(report, "footnote", "7").endswith("载于该小组网站(www.unemg.org)。")


def test_no_markup_and_no_footnote_text_in_body(report: Report) -> None:
    notes = [n.text for n in report.footnote_units]
    for unit in report.units:
        for junk in ("<sup>", "</sup>", "**", "---", "](", "<http", "#", "*", "\\", "- ("):
            assert junk not in unit.text, (unit.kind, unit.ident, junk)
        assert unit.text == unit.text.strip()
        if unit.kind != "footnote":
            for note in notes:
                assert note not in unit.text, (unit.ident, note)


def test_source_lines(report: Report) -> None:
    lines = REPORT_MD.read_text(encoding="utf-8").splitlines()
    for unit in report.paragraphs + report.operatives:
        assert lines[unit.source_line - 1].startswith(f"{unit.number}. ")
    assert report.unit("footnote", "12").source_line == 173
    assert report.unit("section", "IV-A").source_line == 128


# ---------------------------------------------------------------- RDF


def test_report_graph(report: Report) -> None:
    g = report_graph(report)
    assert (REPORT, RDF.type, EMG.Report) in g
    assert (REPORT, EMG.footnoteRef, FN["asterisk"]) in g

    p20 = PARA["20"]
    assert (p20, RDF.type, EMG.Paragraph) in g
    assert (p20, EMG.number, Literal("20")) in g
    assert (p20, DCTERMS.isPartOf, section_iri("IV-A")) in g
    assert (p20, SCHEMA.position, Literal(20)) in g
    assert (p20, EMG.footnoteRef, FN["9"]) in g
    assert (p20, SKOS.prefLabel, Literal("第20段", lang="zh")) in g
    assert (p20, SKOS.prefLabel, Literal("Paragraph 20", lang="en")) in g
    assert g.value(p20, SCHEMA.text) == Literal(text(report, "paragraph", "20"), lang="zh")

    op3 = PARA["1-op3"]
    assert (op3, RDF.type, EMG.OperativeParagraph) in g
    assert (op3, DCTERMS.isPartOf, PARA["1"]) in g
    assert (op3, EMG.number, Literal("3")) in g
    assert (op3, SKOS.prefLabel, Literal("第1段执行部分第3段", lang="zh")) in g
    assert (op3, SKOS.prefLabel, Literal("Paragraph 1, operative paragraph 3", lang="en")) in g

    fn12 = FN["12"]
    assert (fn12, RDF.type, EMG.Footnote) in g
    assert (fn12, DCTERMS.isPartOf, REPORT) in g
    assert (fn12, SKOS.prefLabel, Literal("脚注12", lang="zh")) in g
    assert (fn12, SKOS.prefLabel, Literal("Footnote 12", lang="en")) in g
    assert (FN["asterisk"], EMG.number, Literal("*")) in g

    iv_a = section_iri("IV-A")
    assert str(iv_a) == "https://w3id.org/emg-kg/id/report/gc27-emg/section/IV-A"
    assert (iv_a, RDF.type, EMG.Section) in g
    assert (iv_a, DCTERMS.isPartOf, section_iri("IV")) in g
    assert (section_iri("IV"), DCTERMS.isPartOf, REPORT) in g
    assert (section_iri("V-B-1"), DCTERMS.isPartOf, section_iri("V-B")) in g
    assert (iv_a, SKOS.prefLabel, Literal("生物多样性问题管理小组", lang="zh")) in g
    assert (iv_a, SKOS.prefLabel, Literal("Section IV.A", lang="en")) in g
    assert (iv_a, SCHEMA.position, Literal(1)) in g

    assert (summary_iri(), RDF.type, EMG.Summary) in g
    assert str(summary_iri()) == "https://w3id.org/emg-kg/id/report/gc27-emg/summary"

    assert len(set(g.subjects(RDF.type, EMG.Paragraph))) == 61
    assert len(set(g.subjects(RDF.type, EMG.OperativeParagraph))) == 5
    assert len(set(g.subjects(RDF.type, EMG.Footnote))) == 17
    for target in g.objects(None, EMG.footnoteRef):
        assert (target, RDF.type, EMG.Footnote) in g
    for node in g.all_nodes():
        assert not isinstance(node, BNode)
    for subject in set(g.subjects(RDF.type, None)):
        if subject != REPORT:
            assert len(list(g.objects(subject, SKOS.prefLabel))) == 2, subject


# ---------------------------------------------------------------- malformed copies


def broken(tmp_path: Path, old: str, new: str) -> Path:
    """A copy of the report with one exact substitution (which must apply once)."""
    content = REPORT_MD.read_text(encoding="utf-8")
    assert content.count(old) == 1, old
    path = tmp_path / "report.md"
    path.write_text(content.replace(old, new), encoding="utf-8")
    return path


def line_of(path: Path, needle: str) -> int:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if needle in line:
            return number
    raise AssertionError(needle)


# A broken copy of the report (old text -> new) and what its error must say; the error must
# name the line where the new text ends.
MALFORMED = [
    ("\n17. 环境管理小组", "\n16. 环境管理小组", "repeats"),
    ("\n30. 环境署理事会", "\n31. 环境署理事会", "30 missing"),
    ("\n4. 请执行主任", "\n6. 请执行主任", "operative paragraph 4"),
    ("<sup>13</sup> 报告中", "<sup>14</sup> 报告中", "footnote 14"),
    ("第一批自愿机构。", "第一批自愿机构。<sup>17</sup>", "footnote 17"),
    ("<sup>11</sup> 同上。", "<sup>11</sup> 同上。\n\n<sup>11</sup> 又同上。", "footnote 11"),
    ("## C. 绿色经济", "## 绿色经济", "heading not understood"),
    ("## C. 绿色经济", "## D. 绿色经济", "out of order"),
    ("### 三、 环境", "### 四、 环境", "out of order"),
    ("## 二、引言\n", "## 二、引言\n\n一段没有编号的文字。\n", "outside"),
    ("问题管理小组第六次会议报告全文", "问题管理小组`第六次`会议报告全文", "markup"),
]


@pytest.mark.parametrize(("old", "new", "message"), MALFORMED)
def test_malformed_copy_names_the_line(tmp_path: Path, old: str, new: str, message: str) -> None:
    path = broken(tmp_path, old, new)
    with pytest.raises(SourceError) as caught:
        parse_report(path)
    err = caught.value
    assert err.path == path
    assert err.line == line_of(path, new.strip().splitlines()[-1])
    assert message in str(err)
    assert f"{path}:{err.line}" in str(err)


def test_uncited_footnote_is_an_error(tmp_path: Path) -> None:
    path = broken(tmp_path, "目的或目标的信息；", "目的或目标的信息；<sup>9</sup>")
    parse_report(path)  # a second citation of the same footnote is fine
    path = broken(tmp_path, "的可能性。<sup>9</sup>", "的可能性。")
    with pytest.raises(SourceError, match="footnote 9 is never cited") as caught:
        parse_report(path)
    assert caught.value.line == line_of(path, "<sup>9</sup> 问题管理小组")


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="cannot read"):
        parse_report(tmp_path / "nope.md")
