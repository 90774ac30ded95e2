"""`load` and `import-bip`: getting data in, into a persistent store or endpoint, or from the
Biodiversity Indicators Partnership spreadsheets into graph_data/."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from emg_kg.cli.options import Adder, add_engine_options, backend
from emg_kg.errors import EmgKgError
from emg_kg.paths import Layout

__all__ = ["add_import_bip", "add_load"]


def cmd_load(args: argparse.Namespace, layout: Layout) -> int:
    from emg_kg.data.bulk import rdf_file
    from emg_kg.query.loader import curated_files, load_endpoint, load_local

    where = backend(args)
    if where.kind == "memory":
        raise EmgKgError("load needs --store DIR or --endpoint URL (or $EMG_KG_STORE)")
    files, curated = ([], None) if args.no_curated else curated_files(layout)
    files = [*files, *(rdf_file(path, args.graph) for path in args.files)]
    if not files:
        raise EmgKgError("nothing to load: give RDF files or drop --no-curated")

    def say(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    if where.endpoint:
        if args.batch_bytes < 1024:
            raise EmgKgError("--batch-bytes: give at least 1024")
        done = load_endpoint(
            where.endpoint,
            args.graph_store,
            files,
            say,
            args.force,
            update=args.update,
            limit=args.batch_bytes,
        )
        print(
            f"loaded {done.quads} quads in {done.graphs} graphs into {where.endpoint} "
            f"({done.sent} sent in {done.requests} requests, {done.skipped} unchanged) "
            f"in {done.seconds:.1f} s"
        )
        return 0
    assert where.store is not None
    marker = load_local(where.store, files, curated, say)
    print(
        f"loaded {marker['quads']} quads in {marker['graphs']} graphs into {where.store} "
        f"in {marker['load_s']} s"
    )
    return 0


def cmd_import_bip(args: argparse.Namespace, layout: Layout) -> int:
    from emg_kg.data.bip import import_all
    from emg_kg.data.store import atomic_write

    files = import_all(layout, args.out)
    if args.check:
        stale = [p for p, data in files.items() if not p.is_file() or p.read_bytes() != data]
        for path in stale:
            print(f"out of date: {path}", file=sys.stderr)
        return 1 if stale else 0
    atomic_write(files)
    for path in files:
        print(f"wrote {path}")
    return 0


def add_load(add: Adder) -> None:
    p = add(
        "load",
        cmd_load,
        "load the dataset (and any RDF files given) into a persistent store or a SPARQL "
        "endpoint; a store is replaced atomically, an endpoint graph by graph, resumable",
    )
    p.add_argument(
        "files",
        nargs="*",
        type=Path,
        metavar="FILE",
        help="more RDF to load with ours: N-Quads, TriG, Turtle, N-Triples, JSON-LD, RDF/XML",
    )
    p.add_argument(
        "--graph",
        metavar="IRI",
        help="graph for the triples of the files given (default: one per file, its file: IRI)",
    )
    p.add_argument("--no-curated", action="store_true", help="load only the files given")
    how = p.add_mutually_exclusive_group()
    how.add_argument(
        "--update",
        metavar="URL",
        help="endpoint: send the graphs by SPARQL 1.1 Update to this service, many per request "
        "(Virtuoso: .../sparql-auth; Fuseki: .../DATASET/update); Virtuoso 7.2 failed on it at "
        "2 million quads, so it is not the default",
    )
    how.add_argument(
        "--graph-store",
        metavar="URL",
        help="endpoint: the Graph Store Protocol URL the graphs go to (the default way, one "
        "request per graph), if not the endpoint URL itself "
        "(Virtuoso: .../sparql-graph-crud-auth; Fuseki: .../DATASET/data)",
    )
    p.add_argument(
        "--batch-bytes",
        type=int,
        default=256 * 1024,
        metavar="N",
        help="endpoint: the largest request body, about (default 262144: Virtuoso answers "
        "digest authentication before reading a body and drops a big one)",
    )
    p.add_argument(
        "--force", action="store_true", help="endpoint: send every graph, even unchanged ones"
    )
    add_engine_options(p, report=False)


def add_import_bip(add: Adder) -> None:
    p = add(
        "import-bip",
        cmd_import_bip,
        "regenerate graph_data/bip-*.trig from the Biodiversity Indicators Partnership "
        "spreadsheets in graph_data/bip/ (exit 1 with --check if a committed file differs)",
    )
    p.add_argument("--out", type=Path, help="write here instead of graph_data/")
    p.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 if a file is out of date"
    )
