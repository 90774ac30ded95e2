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
from rdflib.namespace import DCTERMS, RDF, SKOS, XSD

from emg_kg.data.namespaces import EMG, GRAPH_REPORT, SCHEMA, bind_prefixes
from emg_kg.data.report_parser import parse_report
from emg_kg.data.report_units import ASTERISK, SHIPPED_IRI, Kind, Report, Section, Unit

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


def _under(report: str, path: str) -> URIRef:
    return URIRef(f"{report}/{path}")


def section_iri(ident: str, report: str = SHIPPED_IRI) -> URIRef:
    """``emgid:report/gc27-emg/section/IV-A`` (under another ``report``'s IRI for its own)."""
    return _under(report, f"section/{ident}")


def summary_iri(report: str = SHIPPED_IRI) -> URIRef:
    """``emgid:report/gc27-emg/summary``."""
    return _under(report, "summary")


def unit_iri(unit: Unit, report: str = SHIPPED_IRI) -> URIRef:
    """The IRI of a unit: ``para:20``, ``para:1-op3``, ``fn:12``, ``fn:asterisk``, ...

    For the shipped report these are the ``para:`` and ``fn:`` prefixes; another report's
    units sit under its own IRI (``emgid:report/ID/para/3``)."""
    if unit.kind in ("paragraph", "operative"):
        return _under(report, f"para/{unit.ident}")
    if unit.kind == "footnote":
        return _under(report, f"fn/{unit.ident}")
    if unit.kind == "summary":
        return summary_iri(report)
    return section_iri(unit.ident, report)


# --------------------------------------------------------------------------- RDF


def _labels(graph: Graph, node: URIRef, zh: str, en: str) -> None:
    graph.add((node, SKOS.prefLabel, Literal(zh, lang="zh")))
    graph.add((node, SKOS.prefLabel, Literal(en, lang="en")))


def report_graph(
    report: Report,
    graph_iri: str = str(GRAPH_REPORT),
    symbol: str | None = None,
    date: str | None = None,
    labels: tuple[tuple[str, str], ...] = (),
) -> Graph:
    """The report's structure as triples, for its named graph (the shipped report's is
    ``emgid:graph/report``; another's is declared in its ``*.report.toml``).

    Paragraph 1's ``schema:text`` holds the whole draft decision; its operative paragraphs are
    also nodes of their own (``para:1-opK``, part of ``para:1``) so facts can cite them exactly.
    ``symbol``, ``date`` and ``labels`` (language, name) from the declaration are stated when
    given.
    """
    base, lang = report.iri, report.language
    top = URIRef(base)
    graph = Graph(identifier=URIRef(graph_iri))
    bind_prefixes(graph)
    graph.add((top, RDF.type, EMG.Report))
    graph.add((top, DCTERMS.title, Literal(report.title, lang=lang)))
    if symbol:
        graph.add((top, DCTERMS.identifier, Literal(symbol)))
    if date:
        graph.add((top, DCTERMS.issued, Literal(date, datatype=XSD.date)))
    for language, name in labels:
        graph.add((top, SKOS.prefLabel, Literal(name, lang=language)))
    for ref in report.footnotes:
        graph.add((top, EMG.footnoteRef, _under(base, f"fn/{ref}")))

    for section in report.sections:
        node = section_iri(section.ident, base)
        parent = section_iri(section.parent, base) if section.parent else top
        graph.add((node, RDF.type, EMG.Section))
        graph.add((node, DCTERMS.isPartOf, parent))
        graph.add((node, SCHEMA.position, Literal(section.position)))
        _labels(graph, node, section.title, "Section " + section.ident.replace("-", "."))

    for unit in report.units:
        if unit.kind == "section":
            continue
        node = unit_iri(unit, base)
        graph.add((node, SCHEMA.text, Literal(unit.text, lang=lang)))
        for ref in unit.footnotes:
            graph.add((node, EMG.footnoteRef, _under(base, f"fn/{ref}")))
        if unit.kind == "summary":
            graph.add((node, RDF.type, EMG.Summary))
            graph.add((node, DCTERMS.isPartOf, top))
            _labels(graph, node, "摘要", "Summary")
            continue
        graph.add((node, EMG.number, Literal(unit.number)))
        graph.add((node, SCHEMA.position, Literal(unit.position)))
        if unit.kind == "paragraph":
            graph.add((node, RDF.type, EMG.Paragraph))
            graph.add((node, DCTERMS.isPartOf, section_iri(unit.section or "", base)))
            _labels(graph, node, f"第{unit.number}段", f"Paragraph {unit.number}")
        elif unit.kind == "operative":
            host = unit.ident.split("-op", 1)[0]
            graph.add((node, RDF.type, EMG.OperativeParagraph))
            graph.add((node, DCTERMS.isPartOf, _under(base, f"para/{host}")))
            _labels(
                graph,
                node,
                f"第{host}段执行部分第{unit.number}段",
                f"Paragraph {host}, operative paragraph {unit.number}",
            )
        else:
            graph.add((node, RDF.type, EMG.Footnote))
            graph.add((node, DCTERMS.isPartOf, top))
            _labels(graph, node, f"脚注{unit.number}", f"Footnote {unit.number}")
    return graph
