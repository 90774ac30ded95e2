"""A user's agency -> Aichi target mapping (CSV), checked whole and merged as level ``user``.

No public per-target support table exists for this report (see the project's public-facts
notes), so the gap analysis lets users bring their own: a CSV with the columns
``agency,target,source``, one link per row. Agencies are named by IRI, prefixed name, label or
acronym; targets by number (1-20), IRI or prefixed name. A file with any bad row is refused
whole, naming the line, because a half-merged mapping would give gaps that look real.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from .api import Engine, project_prefixes
from .errors import MappingError
from .queries import NamedQuery, parse_header

__all__ = ["COLUMNS", "Link", "read_mapping", "merge_mapping"]

COLUMNS = ("agency", "target", "source")
ID = "https://w3id.org/emg-kg/id/"
EMG = "https://w3id.org/emg-kg/ontology#"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
PROVENANCE = ox.NamedNode(ID + "graph/provenance")
_AGENCIES = parse_header(
    "mapping-agencies",
    """# title: agencies
PREFIX emg: <https://w3id.org/emg-kg/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX dct: <http://purl.org/dc/terms/>
SELECT DISTINCT ?s ?l WHERE {
  VALUES ?c { emg:UNSystemEntity emg:RegionalCommission emg:SecretariatDepartment
    emg:ConventionSecretariat emg:IntergovernmentalBody emg:CoordinationBody
    emg:IssueManagementGroup emg:ConsultationProcess emg:TaskTeam emg:NonUNOrganization }
  ?s a ?c .
  OPTIONAL { ?s skos:prefLabel|skos:altLabel|skos:hiddenLabel|skos:notation|dct:identifier ?l }
}""",
)
_TARGETS = parse_header(
    "mapping-targets",
    """# title: targets
PREFIX emg: <https://w3id.org/emg-kg/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT DISTINCT ?s ?l WHERE { ?s a emg:AichiTarget ; skos:notation ?l }""",
)


_AGENCIES.builtin = _TARGETS.builtin = True  # self-contained: no project prefixes needed


@dataclass(frozen=True)
class Link:
    """One row: this agency supports this target, says this source."""

    line: int
    agency: str
    target: str
    source: str


def _norm(text: str) -> str:
    from .resolve import norm

    return norm(text)


def _index(engine: Engine, query: NamedQuery) -> tuple[set[str], dict[str, set[str]]]:
    """Known IRIs, and normalized label -> IRIs."""
    from .api import run

    result = run(engine, query)
    iris: set[str] = set()
    labels: dict[str, set[str]] = {}
    for subject, label in result.rows:
        assert isinstance(subject, ox.NamedNode)
        iris.add(subject.value)
        if isinstance(label, ox.Literal):
            labels.setdefault(_norm(label.value), set()).add(subject.value)
    return iris, labels


def _resolve(
    value: str, kind: str, iris: set[str], labels: dict[str, set[str]], prefixes: dict[str, str]
) -> str:
    """The IRI a cell names through the one resolver (:mod:`emg_kg.resolve`: exact names only,
    among the entities of this column), or a ValueError saying why it names none (or several)."""
    from .resolve import Names, UnresolvedName, resolve

    given = value
    if kind == "target" and re.fullmatch(r"\d{1,3}", value):
        value = f"aichi:target-{int(value)}"
    names = Names()
    for key, found in labels.items():
        for iri in sorted(found & iris):
            names.add(iri, key)
    for iri in iris:
        names.types.setdefault(iri, set())
    try:
        return resolve(value, names, (), prefixes).iri
    except UnresolvedName as err:
        if err.ambiguous:
            raise ValueError(f"{kind} {given!r} is ambiguous: {err}") from None
        why = " (targets are 1-20)" if kind == "target" else " (not an organization or group)"
        raise ValueError(f"unknown {kind} {given!r}{why}: {err}") from None


#: A mapping's limits: 20 targets x a few hundred organizations stay far below them, and they
#: keep a mistaken file (a whole spreadsheet export) from taking minutes and gigabytes.
MAX_BYTES = 2 * 2**20
MAX_ROWS = 10_000
MAX_CELL = 2_000  # characters in one cell (a source citation fits)
_MAX_REPORTED = 20  # bad lines listed in one message


def _csv_rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    """(line, cells) of the CSV, header first, within the limits; MappingError past them."""
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise MappingError(
                path, None, f"the mapping is {size:,} bytes; the limit is {MAX_BYTES:,} (2 MiB)"
            )
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as err:
        raise MappingError(path, None, f"cannot read the mapping: {err}") from None
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)  # an open quote: an error
    rows = 0
    try:
        for row in reader:
            long = next((cell for cell in row if len(cell) > MAX_CELL), None)
            if long is not None:
                raise MappingError(
                    path,
                    reader.line_num,
                    f"a cell of {len(long):,} characters; the limit is {MAX_CELL:,}",
                )
            rows += 1
            if rows > MAX_ROWS + 1:
                raise MappingError(path, reader.line_num, f"more than {MAX_ROWS:,} rows")
            yield reader.line_num, row
    except csv.Error as err:  # the csv module's own cell cap (128 KiB) is met before ours
        message = str(err)
        if "field larger than field limit" in message:
            message = (
                f"a cell over {csv.field_size_limit():,} characters; the limit is {MAX_CELL:,}"
            )
        raise MappingError(path, max(1, reader.line_num), f"bad CSV: {message}") from None


def read_mapping(path: Path, engine: Engine) -> list[Link]:
    """Every row of the CSV, resolved; MappingError names the first bad line (and the rest).

    A file over :data:`MAX_BYTES`, :data:`MAX_ROWS` rows or a cell over :data:`MAX_CELL`
    characters is refused whole, naming the line.
    """
    rows = _csv_rows(path)
    _, first_row = next(rows, (1, []))
    agencies, targets = _index(engine, _AGENCIES), _index(engine, _TARGETS)
    prefixes = project_prefixes()
    errors: list[tuple[int, str]] = []
    links: list[Link] = []
    header = [h.strip().lower() for h in first_row]
    if tuple(header) != COLUMNS:
        raise MappingError(
            path, 1, f"the header must be {','.join(COLUMNS)}, not {','.join(header) or '(empty)'}"
        )
    for line, row in rows:
        if not any(cell.strip() for cell in row):
            continue
        cells = [cell.strip() for cell in row]
        if len(cells) != len(COLUMNS) or not all(cells):
            empty = [name for name, cell in zip(COLUMNS, cells, strict=False) if not cell]
            problem = (
                f"{len(cells)} cells" if len(cells) != len(COLUMNS) else f"empty {', '.join(empty)}"
            )
            errors.append(
                (
                    line,
                    f"expected 3 non-empty cells (agency,target,source), got {problem}: "
                    f"{','.join(row)!r}",
                )
            )
            continue
        try:
            agency = _resolve(cells[0], "agency", *agencies, prefixes)
            target = _resolve(cells[1], "target", *targets, prefixes)
        except ValueError as err:
            errors.append((line, str(err)))
            continue
        links.append(Link(line, agency, target, cells[2]))
    if errors:
        first, message = errors[0]
        more = "".join(f"; line {n}: {m}" for n, m in errors[1:_MAX_REPORTED])
        if len(errors) > _MAX_REPORTED:
            more += f"; and {len(errors) - _MAX_REPORTED:,} more bad lines"
        raise MappingError(path, first, f"{message}{more} (nothing was merged)")
    if not links:
        raise MappingError(path, None, "the mapping has no rows")
    return links


ROLE_IMPLEMENTS = ID + "support-role/implements"


def merge_mapping(store: ox.Store, links: list[Link], path: Path) -> ox.NamedNode:
    """Add the links as level-user support statements in one emg:UserMapping graph."""
    slug = re.sub(r"[^a-z0-9]+", "-", path.stem.lower()).strip("-") or "mapping"
    graph = ox.NamedNode(f"{ID}user-mapping/{slug}")
    label = ox.NamedNode("http://www.w3.org/2004/02/skos/core#prefLabel")
    source = ox.NamedNode("http://purl.org/dc/terms/source")
    quads = [
        ox.Quad(graph, RDF_TYPE, ox.NamedNode(EMG + "UserMapping"), PROVENANCE),
        ox.Quad(graph, label, ox.Literal(f"User mapping {path.name}", language="en"), PROVENANCE),
        ox.Quad(graph, source, ox.Literal(str(path)), PROVENANCE),
    ]
    for link in links:
        node = ox.NamedNode(f"{ID}support/user-{slug}-{link.line}")
        quads += [
            ox.Quad(node, RDF_TYPE, ox.NamedNode(EMG + "SupportStatement"), graph),
            ox.Quad(node, ox.NamedNode(EMG + "supporter"), ox.NamedNode(link.agency), graph),
            ox.Quad(node, ox.NamedNode(EMG + "supports"), ox.NamedNode(link.target), graph),
            ox.Quad(
                node,
                ox.NamedNode(EMG + "evidenceLevel"),
                ox.NamedNode(ID + "evidence-level/user"),
                graph,
            ),
            ox.Quad(node, source, ox.Literal(link.source), graph),
            # a user's "supports" row says the agency works towards the target (issue 9 roles)
            ox.Quad(node, ox.NamedNode(EMG + "role"), ox.NamedNode(ROLE_IMPLEMENTS), graph),
        ]
    store.extend(quads)
    return graph
