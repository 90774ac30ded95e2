"""Which reports the dataset holds, and who each one is: read from ``graph_data/*.report.toml``.

The report is one of many. Each is declared by data: a small TOML file beside its Markdown
gives its identity (``id``: the IRI every unit is minted under), the named graph of its
structure, its language and, optionally, a translation and its document symbol and date.
Nothing about a report is a constant in code, except that a copy of the data that declares no
report still builds the shipped one from its usual file name (:data:`SHIPPED`).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from emg_kg.errors import SourceError
from emg_kg.paths import REPORT_FILE, REPORT_FILE_EN, Layout
from emg_kg.prefixes import ID

__all__ = ["SHIPPED", "ReportSpec", "Translation", "read_report_spec", "reports"]

_IDENT = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_TOML_LINE = re.compile(r"at line (\d+)")


@dataclass(frozen=True)
class Translation:
    """A report's text in another language, in a graph of its own (never the report's words)."""

    markdown: Path
    language: str
    graph: str


@dataclass(frozen=True)
class ReportSpec:
    """One report the build reads, declared in a ``graph_data/*.report.toml`` file.

    ``ident`` is the report's identity: its IRI is ``emgid:report/IDENT`` and every unit is
    minted under it (``.../para/20``, ``.../fn/3``, ``.../section/IV-A``), so paragraphs of two
    reports never share an evidence graph. ``graph`` is the named graph of its structure.
    ``symbol``, ``date`` and ``labels`` (the document symbol, issue date and names), when
    given, are stated in that graph; the shipped report leaves them to documents.trig, where
    they cite a source.
    """

    ident: str
    markdown: Path
    language: str
    graph: str
    declared_in: Path | None = None
    translation: Translation | None = None
    symbol: str | None = None
    date: str | None = None
    #: The report's names by language (``[labels]`` in the declaration), for a report no
    #: curated file names; the shipped report's names are curated in documents.trig.
    labels: tuple[tuple[str, str], ...] = ()

    @property
    def iri(self) -> str:
        return f"{ID}report/{self.ident}"

    def files(self) -> list[Path]:
        """The files the report is built from (for the cache key)."""
        own = [self.declared_in] if self.declared_in else []
        own.append(self.markdown)
        if self.translation and self.translation.markdown.is_file():
            own.append(self.translation.markdown)
        return own


#: The shipped report's identity (IRIs and graph names that users cite: never change them).
SHIPPED = {"id": "gc27-emg", "markdown": REPORT_FILE, "language": "zh", "graph": "graph/report"}
_KEYS = {"id", "markdown", "language", "graph", "translation", "symbol", "date", "labels"}
_TRANSLATION_KEYS = {"markdown", "language", "graph"}


def _iri(value: str) -> str:
    """An IRI as declared: absolute, or relative to ``emgid:`` (``graph/report``)."""
    return value if "://" in value else ID + value


def _string(table: dict[str, Any], key: str, path: Path, default: str | None = None) -> str:
    value = table.get(key, default)
    if not isinstance(value, str) or not value.strip():
        raise SourceError(path, None, f"{key!r} must be a non-empty string")
    return value.strip()


def read_report_spec(path: Path, table: dict[str, Any] | None = None) -> ReportSpec:
    """Read one report declaration; SourceError (file, line) on anything it does not know."""
    if table is None:
        try:
            table = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as err:
            raise SourceError(path, None, f"cannot read the report declaration: {err}") from None
        except tomllib.TOMLDecodeError as err:
            line = _TOML_LINE.search(str(err))
            raise SourceError(path, int(line.group(1)) if line else None, str(err)) from None
    unknown = sorted(set(table) - _KEYS)
    if unknown:
        raise SourceError(path, None, f"unknown key(s) {unknown}; known: {sorted(_KEYS)}")
    ident = _string(table, "id", path)
    if not _IDENT.fullmatch(ident):
        raise SourceError(path, None, f"id {ident!r}: letters, digits, '.', '_' and '-' only")
    markdown = path.parent / _string(table, "markdown", path)
    if not markdown.is_file():
        raise SourceError(path, None, f"markdown: no file {markdown}")
    language = _string(table, "language", path, "zh")
    translation = None
    if "translation" in table:
        given = table["translation"]
        if not isinstance(given, dict) or set(given) - _TRANSLATION_KEYS:
            raise SourceError(path, None, f"[translation] takes {sorted(_TRANSLATION_KEYS)}")
        lang = _string(given, "language", path, "en")
        translation = Translation(
            path.parent / _string(given, "markdown", path),
            lang,
            _iri(_string(given, "graph", path, f"source/translation-{lang}-{ident}")),
        )
    labels = table.get("labels", {})
    if not isinstance(labels, dict) or not all(isinstance(v, str) for v in labels.values()):
        raise SourceError(path, None, '[labels] maps a language tag to a name: en = "..."')
    return ReportSpec(
        ident,
        markdown,
        language,
        _iri(_string(table, "graph", path, f"graph/report-{ident}")),
        path if path.suffix == ".toml" else None,
        translation,
        _string(table, "symbol", path) if "symbol" in table else None,
        _string(table, "date", path) if "date" in table else None,
        tuple(sorted(labels.items())),
    )


def reports(layout: Layout) -> list[ReportSpec]:
    """Every report declared in ``graph_data/*.report.toml`` (in file-name order); without any
    declaration, the shipped report by its file name. SourceError when two reports share an
    id or a graph."""
    declared = [read_report_spec(p) for p in layout.report_declarations()]
    if not declared:
        table: dict[str, Any] = dict(SHIPPED)
        if (layout.data_dir / REPORT_FILE_EN).is_file():
            table["translation"] = {"markdown": REPORT_FILE_EN, "graph": "source/translation-en"}
        declared = [read_report_spec(layout.data_dir / "shipped.report.toml", table)]
    seen: dict[str, Path] = {}
    for spec in declared:
        where = spec.declared_in or spec.markdown
        for key in (spec.ident, spec.graph):
            if key in seen:
                raise SourceError(where, None, f"{key!r} is declared twice (also in {seen[key]})")
            seen[key] = where
    return declared
