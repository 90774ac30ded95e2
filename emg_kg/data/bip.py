"""Import the Biodiversity Indicators Partnership (BIP) spreadsheets as curated TriG.

The BIP file (UNEP-WCMC, repository ``unepwcmc/BIP-Indicators-page``, ``db/bip.xls``) lists
indicators, the Aichi targets each measures and the partner organizations that keep them. It is
the largest public, machine-readable agency -> target table, and it says one thing only: a
partner produces or maintains an indicator of the target (``role:monitors``), not that it works
to achieve the target. Each file version becomes one source graph (``src:bip-2012-10-05``,
``src:bip-2016-06-28``) holding its indicators (titles as published, typos kept) and one
support statement per partner x indicator x target, each naming its sheet and row.

The output is written by hand-rolled, sorted Turtle so that the same ``.xls`` always gives the
same bytes (a test re-runs the import and compares). Regenerate with ``emg-kg import-bip``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from emg_kg.data.bip_partners import PARTNERS, PROPER_TITLES, name_of
from emg_kg.errors import SourceError
from emg_kg.paths import Layout

__all__ = ["VERSIONS", "Version", "Row", "read_version", "render", "import_all"]

REPOSITORY = "https://github.com/unepwcmc/BIP-Indicators-page"
SHEET_INDICATORS, SHEET_PARTNERS = 0, 5
FIRST_ROW = 2  # rows 0-1 are headings (lib/tasks/import_spreadsheet.rake)
COL_TITLE, COL_SLUG, COL_TARGETS, COL_PARTNERS = 1, 2, 6, 13
INACTIVE = " (inactive)"


@dataclass(frozen=True)
class Version:
    """One version of ``db/bip.xls``: its date, the commit that holds it, the local copy."""

    date: str
    commit: str
    message: str
    previous: str | None = None

    @property
    def name(self) -> str:
        return f"bip-{self.date}"

    @property
    def xls(self) -> str:
        return f"{self.name}.xls"


VERSIONS = (
    Version(
        "2012-10-05",
        "336219fabd3724d07c4059a17ade6e0f75fa57cf",
        "Updated indicators spreadsheet on request",
    ),
    Version(
        "2016-06-28",
        "a3d2f57d9fccc377d4c04b196a39cd0dd52c6a65",
        "data update",
        previous="bip-2012-10-05",
    ),
)


@dataclass(frozen=True)
class Row:
    """One indicator row: where it is, its title and slug as published, targets, partners."""

    row: int  # 1-based, as a spreadsheet program shows it
    title: str
    slug: str
    key: str  # the IRI's local name: the slug, unless an earlier row of the file has it
    targets: tuple[int, ...]
    partners: tuple[tuple[int, str], ...]  # (partner code, partner name as published)


def _codes(value: object, path: Path, row: int, what: str) -> list[int]:
    """``4.0`` or ``"5; 6; 12"`` or ``"43, 44"`` -> [4] / [5, 6, 12] / [43, 44]."""
    if isinstance(value, float):
        return [int(value)]
    out = []
    for token in re.split(r"[;,]", str(value)):
        token = token.strip()
        if not token:
            continue
        if not re.fullmatch(r"\d+(\.0)?", token):
            raise SourceError(path, row, f"{what} code {token!r} is not a number")
        out.append(int(float(token)))
    return out


def read_version(path: Path) -> list[Row]:
    """The indicator rows of one BIP file, partner codes resolved to their published names.

    Raises SourceError (naming the file and the 1-based row) for an unreadable file, a code
    that is not a number or a partner code missing from the partner sheet.
    """
    import xlrd

    try:
        book = xlrd.open_workbook(str(path))
        sheet, partner_sheet = (
            book.sheet_by_index(SHEET_INDICATORS),
            book.sheet_by_index(SHEET_PARTNERS),
        )
    except (OSError, xlrd.XLRDError, IndexError) as err:
        raise SourceError(path, None, f"cannot read the BIP spreadsheet: {err}") from None
    names: dict[int, str] = {}
    for r in range(1, partner_sheet.nrows):
        code, name = partner_sheet.cell_value(r, 1), partner_sheet.cell_value(r, 2)
        if code != "":
            names[int(code)] = str(name).strip()
    rows: list[Row] = []
    for r in range(FIRST_ROW, sheet.nrows):
        values = sheet.row_values(r)
        title = str(values[COL_TITLE]).strip()
        if not title:
            continue
        partners = []
        for code in _codes(values[COL_PARTNERS], path, r + 1, "partner"):
            if code not in names:
                raise SourceError(path, r + 1, f"partner code {code} is not in the partner sheet")
            partners.append((code, names[code]))
        slug = str(values[COL_SLUG]).strip()
        key = _local(slug)
        if any(earlier.slug == slug for earlier in rows):  # 2016: two indicators share "rli"
            key += "-" + _local(title.removesuffix(INACTIVE).strip().lower())
        rows.append(
            Row(
                r + 1,
                title,
                slug,
                re.sub("-+", "-", key).strip("-"),
                tuple(_codes(values[COL_TARGETS], path, r + 1, "target")),
                tuple(partners),
            )
        )
    return rows


# --- Turtle output -----------------------------------------------------------------------------


def _lit(text: str, lang: str = "en") -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"@{lang}' if lang else f'"{escaped}"'


def _local(slug: str) -> str:
    return re.sub(r"[^A-Za-z0-9-]", "-", slug)


HEADER = """\
# GENERATED FILE, do not edit: `emg-kg import-bip` writes it from
# graph_data/bip/{xls}, a byte-for-byte copy of db/bip.xls at commit
# {commit} of the public repository unepwcmc/BIP-Indicators-page
# (UNEP-WCMC's Biodiversity Indicators Partnership page).
# One source graph, src:{name}: the file's indicators (titles as published, typos kept; the
# entity's proper name in skos:prefLabel) and one support statement per partner x indicator x
# target of the active indicators, role:monitors, level:curated, as of {date} (and, if a newer
# version exists, emg:supersededOn its date), each naming its sheet and row.
# Partner names -> IRIs: emg_kg/bip_partners.py; the organizations themselves:
# organizations.trig (named in the report) and organizations-external.trig (not named).
@prefix emg:       <https://w3id.org/emg-kg/ontology#> .
@prefix agency:    <https://w3id.org/emg-kg/id/agency/> .
@prefix conv:      <https://w3id.org/emg-kg/id/convention/> .
@prefix support:   <https://w3id.org/emg-kg/id/support/> .
@prefix aichi:     <https://w3id.org/emg-kg/id/aichi/> .
@prefix indicator: <https://w3id.org/emg-kg/id/indicator/> .
@prefix level:     <https://w3id.org/emg-kg/id/evidence-level/> .
@prefix role:      <https://w3id.org/emg-kg/id/support-role/> .
@prefix src:       <https://w3id.org/emg-kg/id/source/> .
@prefix prov:      <http://www.w3.org/ns/prov#> .
@prefix skos:      <http://www.w3.org/2004/02/skos/core#> .
@prefix dct:       <http://purl.org/dc/terms/> .
@prefix foaf:      <http://xmlns.com/foaf/0.1/> .
@prefix rdfs:      <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd:       <http://www.w3.org/2001/XMLSchema#> .
"""


def _source(v: Version, rows: list[Row], statements: int) -> list[str]:
    partners = {name for r in rows for _, name in r.partners}
    note = (
        f"UNEP-WCMC, Biodiversity Indicators Partnership indicator spreadsheet, repository "
        f'unepwcmc/BIP-Indicators-page, file db/bip.xls, commit {v.commit} ("{v.message}", '
        f"{v.date}). Read with xlrd by emg_kg/bip.py: sheet 'Indicator Master Sheet' from row 3 "
        f"(title in column B, slug C, target codes G, partner codes N), partner codes resolved "
        f"through sheet 'Partner Codes'. {len(rows)} indicators, {len(partners)} distinct partner "
        f"names, {statements} partner x indicator x target statements (none for the indicators "
        "the file marks inactive). A partner code on an "
        "indicator row means the organization is a BIP partner for an indicator of that target "
        "(it produces or maintains the indicator): a monitoring role; it does not say the "
        "organization works to achieve the target."
    )
    lines = [
        f"  src:{v.name}",
        "    a emg:ExternalSource ;",
        "    skos:prefLabel "
        + _lit(f"Biodiversity Indicators Partnership indicator spreadsheet, version {v.date}")
        + " ,",
        "        " + _lit(f"生物多样性指标伙伴关系指标表（{v.date} 版）", "zh") + " ;",
        '    emg:labelNote "unofficial translation"@en ;',
        "    dct:title "
        + _lit(f"Biodiversity Indicators Partnership indicator spreadsheet (db/bip.xls), {v.date}")
        + " ;",
        f"    foaf:page <{REPOSITORY}/blob/{v.commit}/db/bip.xls> ;",
        f"    rdfs:seeAlso <{REPOSITORY}> ;",
        f'    dct:identifier "{v.commit}" ;',
        f'    emg:asOf "{v.date}"^^xsd:date ;',
    ]
    if v.previous:
        lines.append(f"    prov:wasRevisionOf src:{v.previous} ;")
    lines.append(f"    skos:note {_lit(note)} .")
    return lines


def _proper(row: Row) -> str:
    return PROPER_TITLES.get(row.key, row.title.removesuffix(INACTIVE).strip())


def _indicator(row: Row) -> list[str]:
    title = _proper(row)
    partners = sorted({PARTNERS[name] for _, name in row.partners})
    lines = [
        f"  indicator:{row.key}",
        "    a emg:Indicator , emg:ExternalEntity ;",
        f"    skos:prefLabel {_lit(title)} ;",
        f"    dct:title {_lit(row.title)} ;",
        f"    dct:identifier {_lit(row.slug, '')} ;",
        '    emg:sourceSheet "Indicator Master Sheet" ;',
        f"    emg:sourceRow {row.row} ;",
    ]
    if row.title.endswith(INACTIVE):
        lines.append("    emg:inactive true ;")
    lines.append(
        "    emg:measures " + " , ".join(f"aichi:target-{t}" for t in sorted(set(row.targets)))
    )
    lines[-1] += " ;" if partners else " ."
    if partners:
        lines.append("    emg:indicatorPartner " + " , ".join(partners) + " .")
    return lines


def _successor(v: Version) -> str:
    """The date of the next version of the file, or "" for the latest."""
    later = [w.date for w in VERSIONS if w.previous == v.name]
    return later[0] if later else ""


def _statements(v: Version, row: Row) -> list[list[str]]:
    """One statement per partner x target; none for an indicator the file marks inactive (its
    partners no longer keep it as of that version, so no monitoring link stands)."""
    out: list[list[str]] = []
    if row.title.endswith(INACTIVE):
        return out
    seen: set[tuple[str, int]] = set()
    title = _proper(row)
    for code, published in row.partners:
        who = PARTNERS[published]
        for target in row.targets:
            if (who, target) in seen:  # one partner under two codes (Terralingua: 29 and 46)
                continue
            seen.add((who, target))
            name, name_zh = name_of(who), name_of(who, "zh")
            local = f"bip-{v.date}-{row.key}-{who.split(':')[1]}-t{target}"
            why = (
                f"Sheet 'Indicator Master Sheet', row {row.row}: indicator \"{row.title}\" with "
                f"target code(s) covering {target} and partner code {code}, which sheet 'Partner "
                f'Codes\' names "{published}". A BIP partner for an indicator of the target '
                "produces or maintains that indicator: a monitoring role, not a statement that "
                "the organization works to achieve the target."
            )
            out.append(
                [
                    f"  support:{local}",
                    "    a emg:SupportStatement ;",
                    "    skos:prefLabel "
                    + _lit(f"{name} monitors Aichi Target {target} (BIP indicator: {title})")
                    + " ,",
                    "        "
                    + _lit(
                        f"{name_zh} 通过生物多样性指标伙伴关系指标“{title}”监测爱知目标 {target}",
                        "zh",
                    )
                    + " ;",
                    f"    emg:supporter {who} ;",
                    f"    emg:supports aichi:target-{target} ;",
                    "    emg:role role:monitors ;",
                    "    emg:evidenceLevel level:curated ;",
                    f'    emg:asOf "{v.date}"^^xsd:date ;',
                    *(
                        [f'    emg:supersededOn "{_successor(v)}"^^xsd:date ;']
                        if _successor(v)
                        else []
                    ),
                    f"    emg:viaIndicator indicator:{row.key} ;",
                    '    emg:sourceSheet "Indicator Master Sheet" ;',
                    f"    emg:sourceRow {row.row} ;",
                    f"    emg:sourceText {_lit(published, '')} ;",
                    f"    emg:reasoning {_lit(why)} .",
                ]
            )
    return out


def render(v: Version, rows: list[Row]) -> str:
    """The TriG text of one version: provenance, indicators, statements, in file order."""
    unknown = sorted({n for r in rows for _, n in r.partners} - set(PARTNERS))
    if unknown:
        raise SourceError(
            v.xls, None, f"partner names without an IRI in emg_kg/bip_partners.py: {unknown}"
        )
    statements = [s for r in rows for s in _statements(v, r)]
    blocks = ["<https://w3id.org/emg-kg/id/graph/provenance> {", *_source(v, rows, len(statements))]
    blocks += ["}", "", f"src:{v.name} {{"]
    body = [_indicator(r) for r in rows] + statements
    for i, lines in enumerate(body):
        if i:
            blocks.append("")
        blocks += lines
    blocks.append("}")
    header = HEADER.format(xls=v.xls, commit=v.commit, name=v.name, date=v.date)
    return header + "\n" + "\n".join(blocks) + "\n"


def import_all(layout: Layout, out_dir: Path | None = None) -> dict[Path, bytes]:
    """Every version's TriG bytes, keyed by the path it belongs at (``graph_data/bip-*.trig``)."""
    out_dir = out_dir or layout.data_dir
    files = {}
    for v in VERSIONS:
        rows = read_version(layout.data_dir / "bip" / v.xls)
        files[out_dir / f"{v.name}.trig"] = render(v, rows).encode("utf-8")
    return files
