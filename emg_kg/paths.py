"""The only module that knows where the ontology, the data, the reports and the queries live.

The embedded default is the project checkout this package sits in; ``EMG_KG_ROOT`` points the
tool at another copy (a test fixture, an analyst's edited data) without touching code.

Reports are declared by data, not code: each ``graph_data/*.report.toml`` names one report's
Markdown text and its identity (read by :mod:`emg_kg.data.reports`). Adding a report is adding
its Markdown, its declaration and its curated TriG to ``graph_data/``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Layout", "default_layout"]

#: The shipped report's text (a copy of the data without ``*.report.toml`` declares this one).
REPORT_FILE = "emg-progress-report-gc27.zh.md"
REPORT_FILE_EN = "emg-progress-report-gc27.en.md"  # the project's unofficial translation


@dataclass(frozen=True)
class Layout:
    """Where one copy of the project's inputs lives."""

    root: Path

    @property
    def ontology_dir(self) -> Path:
        return self.root / "ontology"

    @property
    def data_dir(self) -> Path:
        return self.root / "graph_data"

    @property
    def queries_dir(self) -> Path:
        return self.root / "queries"

    @property
    def report_file(self) -> Path:
        return self.data_dir / REPORT_FILE

    @property
    def report_file_en(self) -> Path:
        """The English text of the report (loaded when present; see emg_kg.data.translation)."""
        return self.data_dir / REPORT_FILE_EN

    @property
    def shapes_file(self) -> Path:
        return self.ontology_dir / "shapes.ttl"

    def ontology_files(self) -> list[Path]:
        """Ontology Turtle files (the SHACL shapes are kept apart: they describe, not state)."""
        return sorted(p for p in self.ontology_dir.glob("*.ttl") if p.name != "shapes.ttl")

    def report_declarations(self) -> list[Path]:
        """The ``*.report.toml`` files declaring the reports, in name order."""
        return sorted(self.data_dir.glob("*.report.toml"))

    def data_files(self) -> list[Path]:
        """Curated TriG files, in a fixed order so builds are reproducible."""
        return sorted(self.data_dir.glob("*.trig"))

    def source_files(self) -> list[Path]:
        """Every file the graph is built from; the cache key is computed over these."""
        texts = sorted(self.data_dir.glob("*.md"))  # every report's text and translation
        return [
            *self.ontology_files(),
            self.shapes_file,
            *self.report_declarations(),
            *texts,
            *self.data_files(),
        ]

    @property
    def cache_dir(self) -> Path:
        env = os.environ.get("EMG_KG_CACHE")
        return Path(env) if env else self.root / ".emg-kg-cache"


def default_layout() -> Layout:
    """The embedded default: ``EMG_KG_ROOT`` if set, else the checkout holding this package."""
    env = os.environ.get("EMG_KG_ROOT")
    return Layout(Path(env).resolve() if env else Path(__file__).resolve().parent.parent)
