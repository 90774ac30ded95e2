"""The report's text in English: the project's own unofficial translation, kept apart.

``graph_data/emg-progress-report-gc27.en.md`` has the same structure as the Chinese copy (the
same paragraph, operative paragraph, sub-paragraph and footnote numbers), so
:func:`emg_kg.data.sources.parse_report` cuts it into the same units. Its text goes into its own
named graph, ``src:translation-en``, as ``schema:text "..."@en`` of each unit, so a reader can
always tell the report's words (Chinese, in ``emgid:graph/report``) from the translation, and
the graph is described in the provenance graph as an ``emg:Translation`` whose description is
the file's own opening comment (who translated it, from what, and that it is not official).

A unit missing from either file is not loaded; :func:`mismatches` says which, and validation
reports them (file and line), so the two texts cannot drift apart unnoticed.
"""

from __future__ import annotations

import re
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, SKOS

from emg_kg.data.namespaces import EMG, GRAPH_PROVENANCE, SCHEMA, SRC
from emg_kg.data.sources import Report, parse_report, section_iri, unit_iri

__all__ = ["TRANSLATION_EN", "NOTE", "translation_graphs", "mismatches", "load"]

TRANSLATION_EN = SRC["translation-en"]
#: What every page and `show` says next to the English text.
NOTE = {
    "en": "Unofficial translation by the emg-kg project (src:translation-en); the report's "
    "own text is Chinese.",
    "zh": "英文为 emg-kg 项目的非官方译文（src:translation-en）；报告原文为中文。",
}
_COMMENT = re.compile(r"\A\s*<!--(.*?)-->", re.S)
_DEFAULT_DESCRIPTION = (
    "The emg-kg project's own unofficial English translation of the Chinese text of the report; "
    "not the official United Nations English text."
)


def _description(path: Path) -> str:
    """The file's opening HTML comment (its own statement of provenance), white space folded."""
    match = _COMMENT.match(path.read_text(encoding="utf-8"))
    return " ".join(match.group(1).split()) if match else _DEFAULT_DESCRIPTION


def _ids(report: Report) -> dict[tuple[str, str], int]:
    return {(u.kind, u.ident): u.source_line for u in report.units if u.kind != "section"}


def mismatches(zh: Report, en: Report) -> list[tuple[Path, int | None, str]]:
    """Units (paragraphs, operative paragraphs, footnotes, the summary) and sections found in
    one text and not the other: (file, line, message)."""
    out: list[tuple[Path, int | None, str]] = []
    mine, theirs = _ids(zh), _ids(en)
    for (kind, ident), line in sorted(theirs.items()):
        if (kind, ident) not in mine:
            out.append((en.path, line, f"{kind} {ident} is not in {zh.path.name}"))
    for (kind, ident), line in sorted(mine.items()):
        if (kind, ident) not in theirs:
            out.append((en.path, None, f"{kind} {ident} ({zh.path.name}:{line}) is missing"))
    zh_sections = {s.ident for s in zh.sections}
    for section in en.sections:
        if section.ident not in zh_sections:
            out.append((en.path, section.source_line, f"section {section.ident} is extra"))
    missing = zh_sections - {s.ident for s in en.sections}
    out += [(en.path, None, f"section {ident} is missing") for ident in sorted(missing)]
    return out


def load(zh_path: Path, en_path: Path) -> tuple[Report, Report]:
    return parse_report(zh_path), parse_report(en_path)


def translation_graphs(
    zh: Report, en: Report, graph: URIRef = TRANSLATION_EN
) -> tuple[Graph, Graph]:
    """The translated text (graph ``src:translation-en`` for the shipped report; another
    report's translation graph is declared in its ``*.report.toml``) and the triples describing
    that graph (for the provenance graph). Only units present in both texts are loaded; the
    units are ``zh``'s (the report's own IRIs), the language ``en``'s."""
    text = Graph(identifier=graph)
    known, base, lang = _ids(zh), zh.iri, en.language
    for unit in en.units:
        if unit.kind != "section" and (unit.kind, unit.ident) in known:
            text.add((unit_iri(unit, base), SCHEMA.text, Literal(unit.text, lang=lang)))
    zh_sections = {s.ident for s in zh.sections}
    for section in en.sections:
        if section.ident in zh_sections:
            title = Literal(section.title, lang=lang)
            text.add((section_iri(section.ident, base), DCTERMS.title, title))
    report = URIRef(base)
    text.add((report, DCTERMS.title, Literal(en.title, lang=lang)))

    about = Graph(identifier=GRAPH_PROVENANCE)
    node: URIRef = graph
    about.add((node, RDF.type, EMG.Translation))
    about.add((node, SKOS.prefLabel, Literal("报告英文本（emg-kg 项目非官方译文）", lang="zh")))
    about.add(
        (
            node,
            SKOS.prefLabel,
            Literal("English text of the report (unofficial translation)", lang="en"),
        )
    )
    about.add((node, DCTERMS.description, Literal(_description(en.path), lang="en")))
    about.add((node, DCTERMS.language, Literal(lang)))
    about.add((node, DCTERMS.source, Literal(f"graph_data/{en.path.name}")))
    about.add((node, PROV.wasDerivedFrom, report))
    about.add((node, SKOS.note, Literal(NOTE["en"], lang="en")))
    about.add((node, SKOS.note, Literal(NOTE["zh"], lang="zh")))
    return text, about
