"""The report's structure as RDF: the IRIs of its units and the triples of its graph.

Every curated fact cites a paragraph or footnote of the report (docs/modeling.md), so the
paragraphs, footnotes and sections must exist as nodes with their *whole* text: the mention
rule compares entity labels against that text. The Markdown is cut into units by
:mod:`emg_kg.data.report_parser` (its docstring says how, and why it is strict); this module
names the units and writes them out. The names are re-exported here, so callers import the
report's parts from one place.
"""

from __future__ import annotations

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, SKOS

from emg_kg.data.namespaces import EMG, EMGID, FN, GRAPH_REPORT, PARA, REPORT, SCHEMA, bind_prefixes
from emg_kg.data.report_parser import parse_report
from emg_kg.data.report_units import ASTERISK, Kind, Report, Section, Unit

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

_REPORT_PATH = "report/gc27-emg"


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
