"""A user's agency -> Aichi target mapping (CSV), checked whole and merged as level ``user``.

No public per-target support table covers this report, so every command that reads the graph
(``query``, ``gaps``, ``analyze``, ``viz``, ``serve`` and :class:`emg_kg.api.KG`) lets users
bring their own: a CSV with the columns ``agency,target,source`` and an optional ``role``, one
link per row. Agencies are named by IRI, prefixed name, label or acronym; targets by number
(1-20), IRI or prefixed name; the role is one of
:data:`emg_kg.analysis.mapping_csv.ROLES` (default ``DEFAULT_ROLE`` there).

What the user wrote is kept as the user's: every distinct ``source`` text becomes its own
graph (an ``emg:UserMapping`` whose ``dct:source`` is that text), so every output that names a
statement's evidence names the user's source too. An organization the graph does not know is
minted under ``user:org/`` (with a warning), not refused: users bring organizations the report
never names. A file with any bad row is refused whole, listing every bad line, because a
half-merged mapping would give gaps that look real.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from emg_kg.analysis.mapping_csv import USER, Link, read_mapping, slug
from emg_kg.errors import QueryError
from emg_kg.paths import Layout
from emg_kg.prefixes import ID
from emg_kg.query.engines import ENGINES, Backend, Engine, OxigraphEngine, RdflibEngine, open_engine

__all__ = [
    "Merged",
    "mapping_quads",
    "merge_mapping",
    "apply_mapping",
    "open_with_mapping",
]

ROLE = ID + "support-role/"
EMG = "https://w3id.org/emg-kg/ontology#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCT = "http://purl.org/dc/terms/"
ORG = "http://www.w3.org/ns/org#"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
PROVENANCE = ox.NamedNode(ID + "graph/provenance")


@dataclass
class Merged:
    """A mapping as merged: its links, the quads added and one graph per source text."""

    path: Path
    links: list[Link]
    quads: list[ox.Quad] = field(default_factory=list)
    graphs: dict[str, str] = field(default_factory=dict)  # source text -> graph IRI

    def nquads(self) -> bytes:
        """The added quads as N-Quads (for the server's snapshot and the rdflib engine)."""
        return ox.serialize(self.quads, format=ox.RdfFormat.N_QUADS) or b""

    def summary(self) -> str:
        """One line per source, for the terminal: what was merged and what the user cited."""
        minted = sorted({link.minted for link in self.links if link.minted})
        lines = [
            f"user mapping {self.path}: {len(self.links)} link(s) merged at level user"
            + (f", {len(minted)} organization(s) minted" if minted else "")
        ]
        for text, graph in self.graphs.items():
            count = sum(1 for link in self.links if link.source == text)
            lines.append(f"  source: {text} ({count} link(s), graph <{graph}>)")
        return "\n".join(lines)


def mapping_quads(links: list[Link], path: Path) -> Merged:
    """The quads for ``links``: one ``emg:UserMapping`` graph per source text (described in the
    provenance graph), a level-user support statement per row, minted organizations."""
    name_part = slug(path.stem) or "mapping"
    merged = Merged(path, links)

    def q(s: str, p: str, o: ox.NamedNode | ox.Literal, g: ox.NamedNode) -> None:
        merged.quads.append(ox.Quad(ox.NamedNode(s), ox.NamedNode(p), o, g))

    def both(text_en: str, text_zh: str) -> list[ox.Literal]:
        return [ox.Literal(text_en, language="en"), ox.Literal(text_zh, language="zh")]

    for link in links:
        if link.source in merged.graphs:
            continue
        name = f"{USER}mapping/{name_part}/{len(merged.graphs) + 1}"
        merged.graphs[link.source] = name
        lines = ", ".join(str(k.line) for k in links if k.source == link.source)
        q(name, RDF_TYPE.value, ox.NamedNode(EMG + "UserMapping"), PROVENANCE)
        for label in both(
            f"User mapping {path.name}: {link.source}", f"用户映射 {path.name}：{link.source}"
        ):
            q(name, SKOS + "prefLabel", label, PROVENANCE)
        q(name, DCT + "source", ox.Literal(link.source), PROVENANCE)
        q(name, SKOS + "note", ox.Literal(f"{path}, lines {lines}", language="en"), PROVENANCE)
    minted: set[str] = set()
    for link in links:
        graph = ox.NamedNode(merged.graphs[link.source])
        node = f"{USER}support/{name_part}-{link.line}"
        q(node, RDF_TYPE.value, ox.NamedNode(EMG + "SupportStatement"), graph)
        for label in both(
            f"User mapping {path.name}, line {link.line}", f"用户映射 {path.name} 第 {link.line} 行"
        ):
            q(node, SKOS + "prefLabel", label, graph)
        q(node, EMG + "supporter", ox.NamedNode(link.agency), graph)
        q(node, EMG + "supports", ox.NamedNode(link.target), graph)
        q(node, EMG + "evidenceLevel", ox.NamedNode(ID + "evidence-level/user"), graph)
        q(node, EMG + "role", ox.NamedNode(ROLE + link.role), graph)
        q(node, DCT + "source", ox.Literal(link.source), graph)
        if link.minted and link.agency not in minted:
            minted.add(link.agency)
            q(
                link.agency,
                RDF_TYPE.value,
                ox.NamedNode("http://www.w3.org/ns/org#Organization"),
                graph,
            )
            for label in both(link.minted, link.minted):
                q(link.agency, SKOS + "prefLabel", label, graph)
            q(
                link.agency,
                SKOS + "note",
                ox.Literal(
                    f"Not in the report graph: named in the user mapping {path.name}, "
                    f"line {link.line}, and minted there.",
                    language="en",
                ),
                graph,
            )
    return merged


def merge_mapping(store: ox.Store, links: list[Link], path: Path) -> Merged:
    """Add the links to ``store`` (see :func:`mapping_quads`); returns what was added."""
    merged = mapping_quads(links, path)
    store.extend(merged.quads)
    return merged


def _stderr(message: str) -> None:
    print(f"emg-kg: {message}", file=sys.stderr)


def apply_mapping(store: ox.Store, path: Path, warn: Callable[[str], None] = _stderr) -> Merged:
    """Read ``path`` against ``store``, then merge it: all or nothing.

    Every organization minted is reported through ``warn`` (stderr by default), naming the file
    and line, so a misspelt name is noticed rather than silently becoming a new organization.
    Raises MappingError (every bad line listed) before anything is added."""
    links = read_mapping(path, OxigraphEngine(store))
    merged = merge_mapping(store, links, path)
    seen: set[str] = set()
    for link in links:
        if link.minted and link.agency not in seen:
            seen.add(link.agency)
            warn(
                f"warning: {path}:{link.line}: organization {link.minted!r} is not in the "
                f"graph; minted as <{link.agency}> (level user)"
            )
    return merged


def open_with_mapping(
    layout: Layout,
    engine: str = "oxigraph",
    mapping: Path | None = None,
    backend: Backend | None = None,
) -> tuple[Engine, Merged | None]:
    """An engine over the graph plus a user mapping (read by :func:`apply_mapping`), merged all or
    nothing; the mapping is read against the Oxigraph store whatever the engine, so both
    engines see the same quads. Raises MappingError (every bad line) before merging.
    ``backend`` (--store/--endpoint) is read as it is: a mapping merges in memory only."""
    if backend is not None and backend.kind != "memory":
        if mapping is not None:
            raise QueryError(
                "--mapping merges into the in-memory store only; drop --store/--endpoint"
            )
        return open_engine(layout, engine, backend), None
    if mapping is None:
        return open_engine(layout, engine), None
    from emg_kg.data.store import open_store

    if engine not in ENGINES:
        raise QueryError(f"unknown engine {engine!r}; use one of {', '.join(ENGINES)}")
    store = open_store(layout)
    merged = apply_mapping(store, Path(mapping))
    if engine == "oxigraph":
        return OxigraphEngine(store), merged
    opened = open_engine(layout, engine)
    assert isinstance(opened, RdflibEngine)
    opened.dataset.parse(data=merged.nquads().decode("utf-8"), format="nquads")
    return opened, merged
