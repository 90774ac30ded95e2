"""The benchmark's corpus (bench/corpus.py) holds many reports, each a report of its own: the
report list finds every copy with its own graphs, and ``--report`` picks one of them."""

from __future__ import annotations

import sys
from pathlib import Path

import pyoxigraph as ox
import pytest

from emg_kg.data.bulk import RdfFile
from emg_kg.data.diskstore import MergedStore, load_memory
from emg_kg.paths import Layout
from emg_kg.query.engines import OxigraphEngine
from emg_kg.query.registry import get_query
from emg_kg.query.reports import list_reports, report_view
from emg_kg.query.run import rows

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> MergedStore:
    sys.path.insert(0, str(ROOT / "bench"))
    from corpus import copy_of, template

    lines = template()  # the shipped data, and two copies of it as reports 1 and 2
    path = tmp_path_factory.mktemp("corpus") / "corpus.nq"
    copies = [line for k in (1, 2) for line in copy_of(lines, k)]
    path.write_text("\n".join([*lines, *copies]) + "\n", encoding="utf-8")
    return load_memory([RdfFile(path, ox.RdfFormat.N_QUADS, None)])


def test_every_copy_is_a_report_with_its_own_graphs(corpus: MergedStore) -> None:
    reports = list_reports(corpus)
    assert [r.ident for r in reports] == ["gc27-emg", "r1-emg", "r2-emg"]
    shipped, first, second = (r.graphs for r in reports)
    assert len(shipped) == len(first) == len(second) > 100
    assert not (shipped & first or first & second or shipped & second)


def test_one_report_answers_as_the_shipped_one(layout: Layout, corpus: MergedStore) -> None:
    def mandates(report: str | None) -> set[str]:
        engine = OxigraphEngine(report_view(corpus, report))
        return {str(r["mandate"]) for r in rows(engine, get_query(layout, "mandates"))}

    shipped, copy = mandates("gc27-emg"), mandates("r2-emg")
    assert len(shipped) == len(copy) > 10
    assert all("/mandate/r2-" in m for m in copy)  # str(): <IRI>
    assert mandates(None) == shipped | copy | mandates("r1-emg")
