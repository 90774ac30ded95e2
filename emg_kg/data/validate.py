"""SHACL and integrity checks over the built dataset, returned as a report object.

SHACL (pySHACL) checks each node's shape; the integrity checks below cover what shapes cannot
see: that each fact's graph is real evidence, that the evidence paragraph actually names what the
fact links (the mention rule of docs/modeling.md), and that nothing points at an undefined IRI.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from rdflib import RDF, Dataset, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, SKOS
from rdflib.term import Node

from emg_kg.data.build import Built, load_turtle, union_graph
from emg_kg.data.namespaces import (
    EMG,
    GRAPH_ONTOLOGY,
    GRAPH_PROVENANCE,
    GRAPH_REPORT,
    PREFIXES,
    SCHEMA,
    SH,
)
from emg_kg.paths import Layout
from emg_kg.prefixes import ID

__all__ = ["Violation", "ValidationReport", "validate", "evidence_units", "mention_failures"]

#: n-ary nodes and vocabulary individuals: they are not "named" in the text, what they link is.
UNNAMED_PREFIXES = tuple(
    PREFIXES[p]
    for p in (
        "mandate",
        "support",
        "figure",
        "post",
        "verb",
        "status",
        "level",
        "role",
        "src",
        "inf",
        "para",
        "fn",
    )
) + (ID + "report/", ID + "graph/")
LEVEL_GRAPH_KIND = {"stated": "report", "derived": "inference", "curated": "source", "user": "user"}
SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Violation:
    """One problem: the node it concerns, the property or graph, a message, the file(s)."""

    check: str
    focus: str
    path: str
    message: str
    source: str

    def __str__(self) -> str:
        return f"[{self.check}] {self.focus} {self.path}: {self.message} ({self.source})"


@dataclass
class ValidationReport:
    violations: list[Violation] = field(default_factory=list)

    @property
    def conforms(self) -> bool:
        return not self.violations

    def by_check(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for v in self.violations:
            counts[v.check] = counts.get(v.check, 0) + 1
        return counts


def _qname(g: Graph | Dataset, node: Node) -> str:
    if isinstance(node, URIRef):
        try:
            return g.namespace_manager.normalizeUri(node)
        except Exception:
            return f"<{node}>"
    return node.n3() if hasattr(node, "n3") else str(node)


def _squash(text: str) -> str:
    return SPACE.sub("", text)


def evidence_units(ds: Dataset) -> dict[URIRef, str]:
    """Report units (paragraphs, operative paragraphs, footnotes, summary) -> their text."""
    report = ds.graph(GRAPH_REPORT)
    return {s: str(o) for s, o in report.subject_objects(SCHEMA.text) if isinstance(s, URIRef)}


def _graph_kind(ds: Dataset, name: URIRef, units: dict[URIRef, str]) -> str | None:
    if name in units:
        return "report"
    prov = ds.graph(GRAPH_PROVENANCE)
    if (name, RDF.type, EMG.ExternalSource) in prov:
        return "source"
    if (name, RDF.type, EMG.Inference) in prov:
        return "inference"
    if (name, RDF.type, EMG.UserMapping) in prov:
        return "user"
    if (name, RDF.type, EMG.Translation) in prov:
        return "translation"
    return None


def _labels(union: Graph, node: Node) -> list[str]:
    out: list[str] = []
    for prop in (
        SKOS.prefLabel,
        SKOS.altLabel,
        SKOS.hiddenLabel,
        SKOS.notation,
        DCTERMS.identifier,
        DCTERMS.title,
    ):
        out.extend(_squash(str(o)) for o in union.objects(node, prop) if isinstance(o, Literal))
    return [label for label in out if label]


def _curated_graphs(ds: Dataset) -> Iterator[Graph]:
    fixed = {GRAPH_REPORT, GRAPH_ONTOLOGY, GRAPH_PROVENANCE}
    for g in ds.graphs():
        if isinstance(g.identifier, URIRef) and g.identifier not in fixed and len(g):
            yield g


def section_headings(ds: Dataset) -> dict[URIRef, str]:
    """Report unit -> the headings of the sections it stands in (squashed, joined): the scope
    in which a section short form (``emg:sectionShortForm``) names its entity."""
    report = ds.graph(GRAPH_REPORT)
    out: dict[URIRef, str] = {}
    for unit in evidence_units(ds):
        titles, node, seen = [], report.value(unit, DCTERMS.isPartOf), set()
        while isinstance(node, URIRef) and node not in seen:
            seen.add(node)
            titles += [_squash(str(t)) for t in report.objects(node, SKOS.prefLabel)]
            node = report.value(node, DCTERMS.isPartOf)
        out[unit] = "|".join(titles)
    return out


def _named_by_section(
    union: Graph, node: Node, text: str, headings: str, labels: list[str]
) -> bool:
    """The section rule (docs/modeling.md): a short form names the entity in a paragraph of a
    section whose heading names the entity by one of its labels."""
    if not headings or not any(label in headings for label in labels):
        return False
    forms = (_squash(str(f)) for f in union.objects(node, EMG.sectionShortForm))
    return any(form and form in text for form in forms)


def mention_failures(ds: Dataset, union: Graph | None = None) -> Iterator[tuple[URIRef, Node]]:
    """(evidence unit, entity) pairs where the unit's text names none of the entity's labels
    (nor, inside the entity's own section, its section short form)."""
    union = union if union is not None else union_graph(ds)
    units = evidence_units(ds)
    headings = section_headings(ds)
    cache: dict[Node, list[str]] = {}
    for g in _curated_graphs(ds):
        name = g.identifier
        if name not in units:
            continue
        text = _squash(units[name])  # type: ignore[index]
        seen: set[Node] = set()
        for s, _p, o in g:
            for node in (s, o):
                if node in seen or not isinstance(node, URIRef):
                    continue
                seen.add(node)
                iri = str(node)
                if not iri.startswith(ID) or iri.startswith(UNNAMED_PREFIXES):
                    continue
                labels = cache.setdefault(node, _labels(union, node))
                if not any(label in text for label in labels) and not _named_by_section(
                    union,
                    node,
                    text,
                    headings.get(name, ""),  # type: ignore[call-overload]
                    labels,
                ):
                    yield name, node  # type: ignore[misc]


def _shacl(layout: Layout, union: Graph, built: Built) -> Iterator[Violation]:
    import pyshacl

    shapes = load_turtle(layout.shapes_file)
    _conforms, results, _text = pyshacl.validate(
        union, shacl_graph=shapes, inference="none", allow_warnings=True
    )
    assert isinstance(results, Graph)
    for result in results.subjects(RDF.type, SH.ValidationResult):
        severity = results.value(result, SH.resultSeverity)
        if severity != SH.Violation:
            continue
        focus = results.value(result, SH.focusNode)
        path = results.value(result, SH.resultPath)
        message = results.value(result, SH.resultMessage) or "violates its shape"
        yield Violation(
            "shacl",
            _qname(union, focus) if focus is not None else "-",
            _qname(union, path) if path is not None else "-",
            str(message),
            built.origin(focus) if focus is not None else "-",
        )


def _integrity(built: Built, union: Graph) -> Iterator[Violation]:
    ds = built.dataset
    units = evidence_units(ds)
    onto = ds.graph(GRAPH_ONTOLOGY)
    typed: set[Node] = set(union.subjects(RDF.type, None))

    for g in _curated_graphs(ds):
        kind = _graph_kind(ds, g.identifier, units)  # type: ignore[arg-type]
        if kind is None:
            sample = next(iter(g))[0]
            yield Violation(
                "evidence",
                _qname(ds, g.identifier),
                "graph",
                "graph name is neither a report paragraph/footnote nor a described source or "
                f"inference ({len(g)} facts without evidence)",
                built.origin(sample),
            )
        for stmt in g.subjects(EMG.evidenceLevel, None):
            level = g.value(stmt, EMG.evidenceLevel)
            want = LEVEL_GRAPH_KIND.get(str(level).rsplit("/", 1)[-1])
            if kind is not None and want is not None and want != kind:
                yield Violation(
                    "evidence",
                    _qname(ds, stmt),
                    "emg:evidenceLevel",
                    f"level {_qname(ds, level)} (a {want} fact) sits in a {kind} graph "  # type: ignore[arg-type]
                    f"{_qname(ds, g.identifier)}",
                    built.origin(stmt),
                )

    for node in sorted({n for t in union for n in (t[0], t[2]) if isinstance(n, URIRef)}, key=str):
        iri = str(node)
        if iri.startswith(ID) and node not in typed:
            yield Violation(
                "dangling",
                _qname(union, node),
                "rdf:type",
                "used but never defined (no rdf:type in any graph)",
                "-",
            )
        if iri.startswith(str(EMG)) and (node, None, None) not in onto:
            yield Violation(
                "vocabulary",
                _qname(union, node),
                "-",
                "ontology term not declared in ontology/",
                "-",
            )
    for pred in sorted(set(union.predicates()), key=str):
        if str(pred).startswith(str(EMG)) and (pred, None, None) not in onto:
            yield Violation(
                "vocabulary",
                _qname(union, pred),
                "-",
                "property not declared in ontology/",
                built.origin(pred),
            )

    external = set(union.subjects(RDF.type, EMG.ExternalEntity))
    for subject in sorted(typed, key=str):
        if not str(subject).startswith(ID):
            continue
        langs = {
            o.language for o in union.objects(subject, SKOS.prefLabel) if isinstance(o, Literal)
        }
        # An entity the report does not name has a Chinese name only where a public source
        # gives one (docs/modeling.md, "Organizations from outside the report").
        for lang in ("en",) if subject in external else ("zh", "en"):
            if lang not in langs:
                yield Violation(
                    "label",
                    _qname(union, subject),
                    "skos:prefLabel",
                    f"no @{lang} label",
                    built.origin(subject),
                )

    for unit, entity in mention_failures(ds, union):
        labels = ", ".join(sorted(set(_labels(union, entity)))[:4]) or "no labels"
        yield Violation(
            "mention",
            _qname(union, entity),
            _qname(ds, unit),
            f"the evidence text does not name this entity (tried: {labels})",
            built.origin(entity),
        )


def _translation(layout: Layout) -> Iterator[Violation]:
    """The English text has the same paragraphs, footnotes and sections as the Chinese one."""
    if not layout.report_file_en.is_file():
        return
    from emg_kg.data.sources import parse_report
    from emg_kg.data.translation import mismatches

    zh, en = parse_report(layout.report_file), parse_report(layout.report_file_en)
    for path, line, message in mismatches(zh, en):
        where = f"{path.name}:{line}" if line else path.name
        yield Violation("translation", "src:translation-en", "schema:text", message, where)


def validate(layout: Layout, built: Built, shacl: bool = True) -> ValidationReport:
    """Run every check; the report lists violations, it never raises for bad data."""
    union = union_graph(built.dataset)
    report = ValidationReport(list(_integrity(built, union)))
    report.violations.extend(_translation(layout))
    if shacl:
        report.violations.extend(_shacl(layout, union, built))
    return report
