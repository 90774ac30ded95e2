"""Build: the dataset's shape, reproducible bytes, atomic output, errors naming file and line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import Dataset, Graph
from rdflib.compare import isomorphic

from emg_kg.data.build import Built, build, union_graph
from emg_kg.data.namespaces import GRAPH_ONTOLOGY, GRAPH_REPORT
from emg_kg.data.store import OUTPUT_FILES, cached_nquads, fingerprint, write_outputs
from emg_kg.errors import SourceError
from emg_kg.paths import Layout


def test_every_curated_fact_is_in_a_named_graph(built: Built) -> None:
    assert len(built.dataset.default_graph) == 0
    names = {g.identifier for g in built.dataset.graphs() if len(g)}
    assert GRAPH_ONTOLOGY in names and GRAPH_REPORT in names
    assert len(names) > 60  # paragraphs, footnotes, sources and inferences


def test_outputs_are_written_and_round_trip(built: Built, tmp_path: Path) -> None:
    paths = write_outputs(built.dataset, tmp_path)
    assert sorted(p.name for p in paths) == sorted(OUTPUT_FILES)
    assert {p.stat().st_mode & 0o777 for p in paths} == {0o644}  # readable by colleagues
    union = union_graph(built.dataset)
    for name, fmt in (("emg.ttl", "turtle"), ("emg.nt", "nt")):
        assert isomorphic(Graph().parse(tmp_path / name, format=fmt), union), name
    for name, fmt in (("emg.trig", "trig"), ("emg.nq", "nquads"), ("emg.jsonld", "json-ld")):
        back = Dataset()
        back.parse(tmp_path / name, format=fmt)
        assert len(back) == len(built.dataset), name


def test_same_input_same_bytes_across_processes(tmp_path: Path) -> None:
    """Hash seeds differ between processes; the bytes must not."""
    outs = []
    for seed in ("1", "2"):
        out = tmp_path / seed
        subprocess.run(
            [sys.executable, "-m", "emg_kg.cli", "build", "--out", str(out)],
            check=True,
            capture_output=True,
            env={"PYTHONHASHSEED": seed, "PATH": ""},
        )
        outs.append({p.name: p.read_bytes() for p in sorted(out.iterdir())})
    assert outs[0].keys() == set(OUTPUT_FILES)
    for name in OUTPUT_FILES:
        assert outs[0][name] == outs[1][name], f"{name} differs between runs"


def test_failed_build_leaves_previous_output_whole(
    copy_layout: Layout, built: Built, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    write_outputs(built.dataset, out)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    bad = copy_layout.data_dir / "mandates.trig"
    bad.write_text(bad.read_text(encoding="utf-8") + "\nmandate:broken {\n", encoding="utf-8")
    with pytest.raises(SourceError):
        write_outputs(build(copy_layout).dataset, out)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_bad_turtle_names_file_and_line(copy_layout: Layout) -> None:
    path = copy_layout.data_dir / "meetings.trig"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines.insert(10, 'para:7 { meeting:emg-som-18 schema:startDate "2012-11-27 . }')
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(SourceError) as err:
        build(copy_layout)
    assert err.value.path == path
    assert err.value.line == 11
    assert "meetings.trig:11" in str(err.value)


def test_fact_outside_any_graph_is_refused(copy_layout: Layout) -> None:
    path = copy_layout.data_dir / "organizations.trig"
    path.write_text(
        path.read_text(encoding="utf-8")
        + '\nagency:UNDP skos:altLabel "Programme des Nations Unies"@fr .\n',
        encoding="utf-8",
    )
    with pytest.raises(SourceError, match="outside any named graph") as err:
        build(copy_layout)
    assert err.value.path == path


def test_unwritable_output_is_a_clear_error(tmp_path: Path) -> None:
    """An output folder that cannot be created: one line naming it, exit 2, no traceback."""
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    result = subprocess.run(
        [sys.executable, "-m", "emg_kg.cli", "build", "--out", str(blocker / "out")],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and str(blocker) in result.stderr
    assert blocker.read_text() == "not a folder"


def test_build_fills_the_store_cache_with_its_own_bytes(
    copy_layout: Layout, tmp_path: Path
) -> None:
    """`build` and `demo` serialize once: the cache the queries read is the N-Quads written."""
    built = build(copy_layout)
    write_outputs(built.dataset, tmp_path / "out", copy_layout)
    cached = list(copy_layout.cache_dir.glob("emg-*.nq"))
    assert len(cached) == 1
    assert cached[0].read_bytes() == (tmp_path / "out" / "emg.nq").read_bytes()
    assert cached_nquads(copy_layout) == cached[0]  # a hit: nothing is built again


def test_the_remembered_fingerprint_follows_every_edit(copy_layout: Layout) -> None:
    """A start with unchanged inputs takes the fingerprint from the cache folder (by the files'
    sizes and times), and any edit, even one that keeps the size, gives a new one."""
    first = fingerprint(copy_layout)
    assert (copy_layout.cache_dir / "fingerprint.json").is_file()
    assert fingerprint(copy_layout) == first
    source = copy_layout.source_files()[0]
    text = source.read_bytes()
    source.write_bytes(text.replace(b"a", b"b", 1))  # the same size, new bytes and time
    assert fingerprint(copy_layout) != first
    source.write_bytes(text)
    assert fingerprint(copy_layout) == first  # the hash is of the bytes, as before
