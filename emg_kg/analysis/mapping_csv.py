"""Reading a user's agency -> Aichi target mapping (CSV): limits, header, rows resolved.

Split from :mod:`emg_kg.analysis.mapping` (which turns the rows into quads and merges them) so
that what a file must look like, and how each cell is resolved against the graph, reads on its
own. A file with any bad row is refused whole, listing every bad line, because a half-merged
mapping would give gaps that look real; an agency the graph does not know is not an error but
an organization to mint (``minted``), unless it was written as an IRI or prefixed name.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from emg_kg.errors import MappingError
from emg_kg.prefixes import ID
from emg_kg.query.engines import Engine
from emg_kg.query.registry import NamedQuery, internal_query
from emg_kg.query.run import project_prefixes

__all__ = [
    "COLUMNS",
    "ROLES",
    "DEFAULT_ROLE",
    "USER",
    "MAX_BYTES",
    "MAX_ROWS",
    "MAX_CELL",
    "Link",
    "read_mapping",
    "slug",
]

COLUMNS = ("agency", "target", "source")
OPTIONAL_COLUMNS = ("role",)
#: The kinds of support (the ``role:`` scheme); a row without a role says the organization works
#: towards the target (``implements``), as the report's own support statements do.
ROLES = ("implements", "aligns", "monitors", "benefits")
DEFAULT_ROLE = "implements"
USER = ID + "user/"


@dataclass(frozen=True)
class Link:
    """One row: this agency supports this target in this role, says this source.

    ``minted`` is the name as written when the agency is not in the graph and was minted."""

    line: int
    agency: str
    target: str
    source: str
    role: str = DEFAULT_ROLE
    minted: str | None = None


def _norm(text: str) -> str:
    from emg_kg.query.resolve import norm

    return norm(text)


def slug(text: str) -> str:
    """A name part for IRIs minted from free text (a file stem, an organization's name)."""
    return re.sub(r"[^\w]+", "-", text.casefold()).strip("-_") or "x"


def _index(engine: Engine, query: NamedQuery) -> tuple[set[str], dict[str, set[str]]]:
    """Known IRIs, and normalized label -> IRIs."""
    from emg_kg.query.run import run

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
    """The IRI a cell names through the one resolver (:mod:`emg_kg.query.resolve`: exact names only,
    among the entities of this column), or a ValueError saying why it names none (or several)."""
    from emg_kg.query.resolve import Names, UnresolvedName, resolve

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


def _names_an_iri(value: str, prefixes: dict[str, str]) -> bool:
    """Whether a cell is written as an IRI or prefixed name (a typo there is an error, while
    an unknown plain name is an organization to mint)."""
    if value.startswith("<") or re.match(r"https?://", value):
        return True
    prefix, sep, _ = value.partition(":")
    return bool(sep) and prefix in prefixes


def _header(path: Path, header: list[str]) -> dict[str, int]:
    """Column name -> index; the three columns are required, ``role`` optional, any order."""
    names = [h.strip().lower() for h in header]
    unknown = [n for n in names if n not in COLUMNS + OPTIONAL_COLUMNS]
    missing = [c for c in COLUMNS if c not in names]
    if unknown or missing or len(set(names)) != len(names):
        raise MappingError(
            path,
            1,
            f"the header must be {','.join(COLUMNS)} (and optionally role), "
            f"not {','.join(names) or '(empty)'}",
        )
    return {n: i for i, n in enumerate(names)}


def _link(
    line: int,
    cells: list[str],
    col: dict[str, int],
    agencies: tuple[set[str], dict[str, set[str]]],
    targets: tuple[set[str], dict[str, set[str]]],
    prefixes: dict[str, str],
) -> Link | list[str]:
    """One non-empty row as a Link, or every problem it has (a row is reported whole)."""
    if len(cells) != len(col) or not all(cells[col[c]] for c in COLUMNS):
        empty = [c for c in COLUMNS if len(cells) == len(col) and not cells[col[c]]]
        got = f"{len(cells)} cells" if len(cells) != len(col) else f"empty {', '.join(empty)}"
        return [f"expected {len(col)} cells ({','.join(col)}), got {got}: {cells!r}"]
    problems: list[str] = []
    role = cells[col["role"]].lower() if "role" in col and cells[col["role"]] else DEFAULT_ROLE
    if role not in ROLES:
        problems.append(f"unknown role {role!r} (one of {', '.join(ROLES)})")
    name, minted, agency = cells[col["agency"]], None, ""
    try:
        agency = _resolve(name, "agency", *agencies, prefixes)
    except ValueError as err:
        if _names_an_iri(name, prefixes) or not str(err).startswith("unknown"):
            problems.append(str(err))
        else:  # a plain name the graph does not know: the user's own organization
            agency, minted = f"{USER}org/{slug(name)}", name
    target = ""
    try:
        target = _resolve(cells[col["target"]], "target", *targets, prefixes)
    except ValueError as err:
        problems.append(str(err))
    return problems or Link(line, agency, target, cells[col["source"]], role, minted)


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
    """Every row of the CSV, resolved; MappingError names the first bad line and lists every
    bad line (up to 20) with all its problems. Nothing is merged here: the caller merges only a
    mapping that read whole.

    A file over :data:`MAX_BYTES`, :data:`MAX_ROWS` rows or a cell over :data:`MAX_CELL`
    characters is refused whole, naming the line.
    """
    rows = _csv_rows(path)
    _, first_row = next(rows, (1, []))
    agencies = _index(engine, internal_query("mapping-agencies"))
    targets = _index(engine, internal_query("mapping-targets"))
    prefixes = project_prefixes()
    errors: list[tuple[int, str]] = []
    links: list[Link] = []
    col = _header(path, first_row)
    for line, row in rows:
        if not any(cell.strip() for cell in row):
            continue
        found = _link(line, [c.strip() for c in row], col, agencies, targets, prefixes)
        if isinstance(found, Link):
            links.append(found)
        else:
            errors.append((line, "; ".join(found)))
    if errors:
        first, message = errors[0]
        more = "".join(f"; line {n}: {m}" for n, m in errors[1:_MAX_REPORTED])
        if len(errors) > _MAX_REPORTED:
            more += f"; and {len(errors) - _MAX_REPORTED:,} more bad lines"
        raise MappingError(
            path, first, f"{message}{more} ({len(errors)} bad row(s); nothing was merged)"
        )
    if not links:
        raise MappingError(path, None, "the mapping has no rows")
    return links
