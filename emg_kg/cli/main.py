"""The `emg-kg` command: option parsing, output and exit codes; the work is done elsewhere.

Exit codes: 0 success, 1 the data does not conform / nothing found, 2 a file or query could not
be loaded or run. Heavy libraries (rdflib, pySHACL, networkx, pyvis) are imported only by the
commands that need them.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from emg_kg.cli.options import (
    add_common_options,
    check_suffix,
    cmd_prefixes,
    say_resolved,
    table_width,
)
from emg_kg.errors import EmgKgError
from emg_kg.paths import Layout, default_layout

if TYPE_CHECKING:
    import pyoxigraph as ox

    from emg_kg.data.build import Built
    from emg_kg.query.engines import Backend

__all__ = ["main", "build_parser"]

DEFAULT_OUT = Path("out")


# --- issue 2: build, validate, stats, show -------------------------------------------------


def cmd_build(args: argparse.Namespace, layout: Layout) -> int:
    _build_and_write(layout, args.out)
    return 0


def _build_and_write(layout: Layout, out: Path) -> Built:
    """Build once, write every format, and fill the store cache from the same bytes."""
    from emg_kg.data.build import build
    from emg_kg.data.store import write_outputs

    built = build(layout)
    paths = write_outputs(built.dataset, out, layout)
    print(f"built {len(built.dataset)} quads from {len(layout.data_files())} data files")
    for path in paths:
        print(f"  wrote {path}")
    return built


def run_validation(
    layout: Layout, out: Callable[[str], None] = print, built: Built | None = None
) -> bool:
    """Validate (``built``, or a fresh build) and print the violations; returns whether the
    data conforms."""
    from emg_kg.data.build import build
    from emg_kg.data.validate import validate

    report = validate(layout, built if built is not None else build(layout))
    if report.conforms:
        out("validate: the data conforms (SHACL shapes and integrity checks)")
        return True
    out(f"validate: {len(report.violations)} violation(s)")
    for violation in report.violations:
        out(f"  {violation}")
    counts = ", ".join(f"{k}: {v}" for k, v in sorted(report.by_check().items()))
    out(f"validate: by check: {counts}")
    return False


def cmd_validate(args: argparse.Namespace, layout: Layout) -> int:
    return 0 if run_validation(layout) else 1


def _store(
    layout: Layout, args: argparse.Namespace | None = None, mapping: Path | None = None
) -> ox.Store:
    """The store the command reads: --store DIR, --endpoint URL, or the cached in-memory store,
    with a user mapping merged (all or nothing, in memory only) when one is given."""
    from emg_kg.data.store import open_store
    from emg_kg.query.engines import open_backend

    backend = _backend(args)
    if backend.kind != "memory":
        if mapping is not None:
            raise EmgKgError(
                "--mapping merges into the in-memory store only; drop --store/--endpoint"
            )
        return open_backend(layout, backend)  # type: ignore[return-value]
    store = open_store(layout)
    if mapping is not None:  # issue 9: --mapping on every command that reads the graph
        from emg_kg.analysis.mapping import apply_mapping

        print(f"emg-kg: {apply_mapping(store, mapping).summary()}", file=sys.stderr)
    return store


def add_mapping_option(p: argparse.ArgumentParser) -> None:
    """``--mapping FILE.csv``, the same on query, gaps, analyze, viz and serve (issue 9)."""
    p.add_argument(
        "--mapping",
        type=Path,
        metavar="FILE.csv",
        help="merge a user agency -> target mapping first (columns agency,target,source and "
        "optionally role), as level user; a file with a bad row is refused whole (exit 2); at "
        "most 2 MiB, 10,000 rows, 2,000 characters a cell",
    )


def cmd_stats(args: argparse.Namespace, layout: Layout, store: ox.Store | None = None) -> int:
    from emg_kg.analysis.describe import stats

    result = stats(store if store is not None else _store(layout, args))
    if args.format == "json":
        print(json.dumps(result, ensure_ascii=False, indent=2))
        return 0
    for key, value in result.items():
        if isinstance(value, dict):
            print(f"{key}:")
            for name, count in value.items():
                print(f"  {count:6d}  {name}")
        else:
            print(f"{key}: {value}")
    return 0


def cmd_show(args: argparse.Namespace, layout: Layout) -> int:
    from emg_kg.analysis.describe import describe, resolve, short

    store = _store(layout, args)
    notes: list[Any] = []
    node = resolve(store, args.entity, notes)
    say_resolved(args, notes)
    desc = describe(store, node, args.lang)
    print(f"{short(node)}  <{desc.iri}>")
    for lang in ("zh", "en", ""):
        if desc.labels.get(lang):
            print(f"  names ({lang or 'no language'}): {' | '.join(sorted(desc.labels[lang]))}")
    print(f"  types: {', '.join(desc.types)}")
    if desc.text:  # a paragraph or footnote: its text, and whose words the English is
        print(f"\n   {desc.text}")
        if desc.text != desc.original:
            from emg_kg.data.translation import NOTE

            print(f"   [{NOTE['en']}]\n   原文: {desc.original}")
    for key, (label, text, facts) in desc.evidence.items():
        print()
        print(f"== {label}")
        if text:
            print(f"   {text}")
        if key in desc.translated:  # issue 11: say whose words these are
            from emg_kg.data.translation import NOTE

            print(f"   [{NOTE['en']}]")
        for fact in facts:
            arrow = (
                f"{fact.predicate} -> {fact.value}"
                if fact.outgoing
                else (f"{fact.value} -> {fact.predicate} -> this")
            )
            print(f"   * {arrow}")
    return 0


# --- issue 4: analysis and views ----------------------------------------------------------

VIEW_NAMES = ("agency-target", "mandates", "citations", "organizations", "whole", "neighbourhood")
EVIDENCE_LEVELS = ("stated", "curated", "derived", "user")


def _levels(text: str) -> list[str]:
    levels = [t.strip() for t in text.split(",") if t.strip()]
    bad = [t for t in levels if t not in EVIDENCE_LEVELS]
    if bad or not levels:
        raise argparse.ArgumentTypeError(f"evidence levels are {', '.join(EVIDENCE_LEVELS)}")
    return levels


def _roles(text: str) -> list[str]:
    from emg_kg.data.aichi_gaps import ROLES, parse_roles
    from emg_kg.errors import QueryError

    try:
        roles = parse_roles(text)
    except QueryError as err:
        raise argparse.ArgumentTypeError(str(err)) from None
    return list(ROLES) if roles == "all" else roles.split(",")


def _date(text: str) -> str:
    import datetime as dt

    try:
        dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date YYYY-MM-DD") from None
    return text


def _filtered(G: Any, args: argparse.Namespace) -> Any:
    """The view restricted to --evidence, --role and --as-of (each only when given)."""
    from emg_kg.analysis.metrics import at_date, at_levels, at_roles

    if getattr(args, "evidence", None):
        G = at_levels(G, args.evidence)
    if getattr(args, "role", None):
        G = at_roles(G, args.role)
    if getattr(args, "as_of", None):
        G = at_date(G, args.as_of)
    return G


def _add_filters(p: argparse.ArgumentParser) -> None:
    """--role and --as-of, for the agency-target view and the matrix (issue 9)."""
    p.add_argument(
        "--role",
        type=_roles,
        metavar="ROLES",
        help="keep only Aichi links of these roles (comma-separated: "
        "implements,aligns,monitors,benefits)",
    )
    p.add_argument(
        "--as-of",
        type=_date,
        metavar="DATE",
        help="keep only Aichi links stated as of DATE (the BIP file version in force then)",
    )


def _view(args: argparse.Namespace, layout: Layout, view: str) -> tuple[Any, Any]:
    """The projected view (and the index), restricted to --entity's neighbourhood if given."""
    from emg_kg.analysis.metrics import find, load_index, select
    from emg_kg.errors import EntityNotFound

    if view == "neighbourhood" and not getattr(args, "entity", None):
        raise EntityNotFound("the neighbourhood view needs --entity X (and --depth N)")
    idx = load_index(_store(layout, args, getattr(args, "mapping", None)))
    notes: list[Any] = []
    entity = find(idx, args.entity, notes) if getattr(args, "entity", None) else None
    say_resolved(args, notes)
    try:
        return select(idx, view, entity, getattr(args, "depth", 1)), idx
    except (KeyError, ValueError) as err:
        raise EntityNotFound(f"{args.entity or 'an entity'} is not in the {view} view") from err


def _print_table(rows: list[list[str]], width: int | None = None) -> None:
    """Columns padded by display width (a Chinese character takes two cells), fitted to
    ``width`` (the terminal's; None keeps whole values)."""
    from emg_kg.query.results import text_table

    print(text_table(rows, width), end="")


def cmd_analyze(args: argparse.Namespace, layout: Layout) -> int:
    from emg_kg.analysis import metrics as analysis
    from emg_kg.errors import EntityNotFound

    default = {"coverage": "agency-target"}.get(args.analysis, "whole")
    G, idx = _view(args, layout, args.view or default)
    G = _filtered(G, args)
    name = f"label_{args.lang}"
    if args.analysis == "path":
        if not (args.source and args.target):
            raise EntityNotFound("path needs --from X --to Y")
        notes: list[Any] = []
        ends = [analysis.find(idx, x, notes) for x in (args.source, args.target)]
        say_resolved(args, notes)
        try:
            result: Any = analysis.explain_path(G, *ends)
        except analysis.nx.NodeNotFound as err:
            raise EntityNotFound(str(err)) from None
    else:
        result = {
            "centrality": lambda: analysis.centrality(G, top=args.top),
            "coverage": lambda: analysis.coverage(G),
            "components": lambda: analysis.components(G),
        }[args.analysis]()
    if args.format == "json":
        print(json.dumps(result, ensure_ascii=False, indent=2))
    elif args.analysis == "centrality":
        rows = [[r["id"], str(r["degree"]), f"{r['betweenness']:.4f}", r[name]] for r in result]
        _print_table([["entity", "degree", "betweenness", "name"], *rows], table_width(args))
    elif args.analysis == "coverage":
        print(
            f"{result['covered']} of {result['targets']} Aichi targets have a link in the "
            f"evidence counted (levels: {', '.join(args.evidence or ['all'])}; roles: "
            f"{', '.join(args.role or ['all'])}; as of: {args.as_of or 'any date'})"
        )
        print(f"  without one: {', '.join(result['uncovered']) or '-'}: {result['caveat']}")
        print(f"  no UN-system or MEA link: {', '.join(result['no_un_or_mea']) or '-'}")
        print(f"  only monitored: {', '.join(result['only_monitored']) or '-'}")
        for g in result["goals"]:
            print(
                f"  {g['goal']}: {g['covered']}/{g['targets']}  without: "
                f"{', '.join(g['uncovered']) or '-'}"
            )
        rows = [
            [
                r["id"],
                ", ".join(f"{k}:{v}" for k, v in r["levels"].items()) or "-",
                ", ".join(f"{k}:{v}" for k, v in r["roles"].items()) or "-",
                ", ".join(r["supporters"]) or "(no link in the evidence counted)",
                "; ".join(r.get("sources", [])),
            ]
            for r in result["by_target"]
        ]
        _print_table(
            [["target", "levels", "roles", "supporters", "sources"], *rows], table_width(args)
        )
    elif args.analysis == "components":
        rows = [
            [
                str(c["size"]),
                str(c["links"]),
                c["hub"],
                ", ".join(f"{k} {v}" for k, v in list(c["classes"].items())[:4]),
            ]
            for c in result
        ]
        _print_table([["size", "links", "hub", "classes"], *rows], table_width(args))
    else:
        if not result["connected"]:
            print(f"no path from {args.source} to {args.target} in this view")
            return 1
        print(f"{result['from']['id']} ({result['from'][name]})")
        for s in result["steps"]:
            link = f"-[{s['predicate']}]->" if s["direction"] == "->" else f"<-[{s['predicate']}]-"
            print(
                f"  {link} {s['to']} ({s['to_label_zh' if args.lang == 'zh' else 'to_label']})"
                f"   evidence: "
                f"{', '.join(s['evidence']) or '-'} ({s['level']})"
            )
    return 0


def cmd_viz(args: argparse.Namespace, layout: Layout) -> int:
    from emg_kg.views.viz import link_counts, write_matrix, write_view

    check_suffix(args.out, ".svg" if args.view == "matrix" else ".html", args.view)
    if args.view == "matrix":
        G, _ = _view(args, layout, "agency-target")
        paths = write_matrix(_filtered(G, args), args.out, args.lang, png=True)
        print(f"wrote {', '.join(map(str, paths))}")
        if not any(p.suffix == ".png" for p in paths):
            print("no PNG: chromium was not found to render the SVG", file=sys.stderr)
        return 0
    G, _ = _view(args, layout, args.view)
    if args.role or args.as_of:
        G = _filtered(G, argparse.Namespace(role=args.role, as_of=args.as_of))
    path = write_view(G, args.out, args.lang, args.evidence)
    nodes, links, statements = link_counts(G, args.evidence)
    print(  # the page's own count: parallel statements between two nodes are one link
        f"wrote {path} ({nodes} nodes, {links} links drawn for {statements} statements)"
    )
    return 0


def add_view_commands(add: Callable[[str, Handler, str], argparse.ArgumentParser]) -> None:
    """Register `analyze` and `viz` (called from build_parser)."""
    p = add(
        "analyze",
        cmd_analyze,
        "network analysis: centrality of organizations, coverage of "
        "the Aichi targets, components, or the path between two entities with its evidence",
    )
    p.add_argument("analysis", choices=["centrality", "coverage", "components", "path"])
    p.add_argument(
        "--from",
        dest="source",
        metavar="ENTITY",
        help="path: start entity (IRI, prefixed name, label)",
    )
    p.add_argument("--to", dest="target", metavar="ENTITY", help="path: end entity")
    p.add_argument(
        "--view",
        choices=VIEW_NAMES[:-1],
        help="projection to analyse (default: whole; agency-target for coverage)",
    )
    p.add_argument("--entity", help="analyse only this entity's neighbourhood in the view")
    p.add_argument("--depth", type=int, default=2, help="neighbourhood depth (default 2)")
    p.add_argument(
        "--evidence",
        type=_levels,
        metavar="LEVELS",
        help="use only links of these "
        "evidence levels (comma-separated: stated,curated,derived,user)",
    )
    _add_filters(p)
    p.add_argument("--top", type=int, default=20, help="centrality: rows shown (default 20)")
    add_mapping_option(p)
    p.add_argument("--format", choices=["table", "json"], default="table")
    p.add_argument(
        "--wide", action="store_true", help="tables: whole values, not fitted to the terminal"
    )
    p = add(
        "viz",
        cmd_viz,
        "write an interactive view as one self-contained HTML page "
        "(or the agency x target matrix as SVG and CSV)",
    )
    p.add_argument("view", choices=[*VIEW_NAMES, "matrix"])
    p.add_argument("--entity", help="centre: show only this entity's neighbourhood")
    p.add_argument("--depth", type=int, default=1, help="neighbourhood depth (default 1)")
    p.add_argument(
        "--evidence",
        type=_levels,
        metavar="LEVELS",
        help="draw only links of "
        "these evidence levels (comma-separated: stated,curated,derived,user)",
    )
    _add_filters(p)
    p.add_argument(
        "--out",
        type=Path,
        required=True,
        help="output file (.html; for matrix: .svg, .csv and, with chromium, .png)",
    )
    add_mapping_option(p)


# --- issue 5: serve ---------------------------------------------------------------------------


def cmd_serve(args: argparse.Namespace, layout: Layout) -> int:
    from emg_kg.web.options import Settings, apply_limit_options
    from emg_kg.web.server import serve

    if args.timeout <= 0 or args.max_rows <= 0 or (args.workers or 1) <= 0:
        raise EmgKgError("--timeout, --max-rows and --workers must be positive")
    settings = Settings(args.host, args.port, args.timeout, args.max_rows, quiet=args.quiet)
    settings.workers = args.workers or settings.workers
    settings.mapping = args.mapping
    settings.backend = _backend(args)  # issue 10: --store DIR / --endpoint URL
    try:
        apply_limit_options(settings, args)  # issue 8: limits for an exposed server
    except ValueError as err:
        raise EmgKgError(str(err)) from None
    try:
        return serve(layout, settings)
    except OSError as err:
        raise EmgKgError(f"cannot listen on {args.host}:{args.port}: {err.strerror}") from None


def add_serve_command(add: Callable[[str, Handler, str], argparse.ArgumentParser]) -> None:
    """Register `serve` (called from build_parser; the server is imported only to run it)."""
    p = add(
        "serve",
        cmd_serve,
        "serve the graph: a read-only SPARQL 1.1 endpoint (/sparql), "
        "a page for every entity (/id/...), search, named queries, views and a timeline",
    )
    p.add_argument("--host", default="127.0.0.1", help="address (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="port (default 8000; 0 picks one)")
    p.add_argument(
        "--timeout",
        type=float,
        default=10.0,
        metavar="S",
        help="seconds a query may run before its worker process is killed (default 10)",
    )
    p.add_argument(
        "--max-rows",
        type=int,
        default=10_000,
        metavar="N",
        help="most rows (or triples) a query may return (default 10000)",
    )
    p.add_argument("--workers", type=int, help="query worker processes (default: CPUs, 2-4)")
    p.add_argument("--quiet", action="store_true", help="do not log each request")
    from emg_kg.web.options import add_limit_options

    add_limit_options(p)  # issue 8
    add_engine_options(p)  # issue 10
    add_mapping_option(p)


# --- issue 3: queries and gaps ---------------------------------------------------------------


def cmd_queries(args: argparse.Namespace, layout: Layout) -> int:
    from emg_kg.query.registry import load_queries

    for name, query in load_queries(layout).items():
        print(f"{name}: {query.title}")
        print(f"    {query.description}")
        for p in query.params:
            how = "required" if p.required else f"default {p.default}" if p.default else "optional"
            choices = f", one of {'|'.join(p.choices)}" if p.choices else ""
            print(f"    --param {p.name}=<{p.type}>  ({how}{choices}) {p.doc}")
    return 0


def _param_pairs(pairs: list[str]) -> dict[str, str]:
    from emg_kg.errors import QueryError

    out = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise QueryError(f"--param takes KEY=VALUE, not {pair!r}")
        out[key.strip()] = value
    return out


def cmd_query(args: argparse.Namespace, layout: Layout) -> int:
    from emg_kg.analysis.mapping import open_with_mapping
    from emg_kg.query.registry import adhoc
    from emg_kg.query.results import render
    from emg_kg.query.run import run
    from emg_kg.query.sandbox import wall

    # `emg-kg query` itself, not main([...]) in a host; an --endpoint query needs the network
    # (the gate has refused SERVICE and updates before the text is sent)
    if getattr(args, "own_process", False) and _backend(args).kind != "endpoint":
        wall("emg-kg query", warn=False)  # before any thread starts; a query needs no network
    query = adhoc(args.query, layout, sys.stdin.read() if args.query == "-" else None)
    params = _param_pairs(args.param)
    engine, merged = open_with_mapping(layout, args.engine, args.mapping, _backend(args))
    if merged is not None:
        print(f"emg-kg: {merged.summary()}", file=sys.stderr)
    notes: list[Any] = []
    result = run(engine, query, params, args.lang, notes)
    say_resolved(args, notes)
    sys.stdout.buffer.write(render(result, args.format, table_width(args)))
    sys.stdout.flush()
    return 0


def cmd_gaps(args: argparse.Namespace, layout: Layout) -> int:
    from emg_kg.analysis.gaps import gap_report
    from emg_kg.cli.gaps_report import markdown, to_csv, to_json, write_all

    backend = _backend(args)
    store = _store(layout, args) if backend.kind != "memory" else None
    if store is not None and args.mapping:
        raise EmgKgError("--mapping merges into the in-memory store only; drop --store/--endpoint")
    report = gap_report(
        layout, args.evidence, args.as_of, args.lang, args.mapping, store, roles=args.role
    )
    print({"md": markdown, "json": to_json, "csv": to_csv}[args.format](report), end="")
    if args.out:
        for path in write_all(report, args.out):
            print(f"wrote {path}", file=sys.stderr)
    return 0


def add_query_commands(add: Callable[[str, Handler, str], argparse.ArgumentParser]) -> None:
    """Register `queries`, `query` and `gaps` (called from build_parser)."""
    add(
        "queries",
        cmd_queries,
        "list the named queries (queries/*.rq) with their descriptions and parameters",
    )
    p = add(
        "query",
        cmd_query,
        "run a named query, a .rq file or SPARQL from stdin (-); "
        "read-only: updates, LOAD and SERVICE are refused, brackets nest at most 64 deep, "
        "FROM / FROM NAMED take the graphs of the dataset (exit 2 otherwise); runs without "
        "network access on Linux. Ad-hoc SPARQL may use the project prefixes without "
        "declaring them: `emg-kg prefixes` lists them",
    )
    p.add_argument("query", help="a named query (see `emg-kg queries`), a .rq file, or - for stdin")
    p.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="bind a parameter (repeatable); IRIs as <iri>, prefix:name or a label",
    )
    p.add_argument(
        "--format",
        choices=["table", "csv", "tsv", "json", "xml", "ttl", "jsonld"],
        help="output format (default: table for SELECT/ASK, ttl for CONSTRUCT)",
    )
    p.add_argument(
        "--engine",
        choices=["oxigraph", "rdflib"],
        default="oxigraph",
        help="SPARQL engine (default oxigraph, the cached store)",
    )
    add_mapping_option(p)
    p.add_argument(
        "--wide", action="store_true", help="tables: whole values, not fitted to the terminal"
    )
    p = add(
        "gaps",
        cmd_gaps,
        "gap analysis: unaddressed Aichi targets, coverage per goal, "
        "co-lead areas, open mandates, unfollowed Rio+20 paragraphs",
    )
    p.add_argument(
        "--evidence",
        choices=["stated", "report", "curated", "all"],
        help="evidence level counted (default report = stated in the report or "
        "derived from its text; all when --mapping is given)",
    )
    p.add_argument(
        "--as-of",
        default="2012-12-04",
        metavar="DATE",
        help="date for open mandates and for the Aichi support statements counted (dated "
        "statements from their date on, the BIP version in force; default the report date, "
        "2012-12-04)",
    )
    p.add_argument(
        "--role",
        default="all",
        metavar="ROLES",
        help="Aichi links counted: all (default) or a comma-separated list of "
        "implements,aligns,monitors,benefits",
    )
    add_mapping_option(p)
    p.add_argument(
        "--format",
        choices=["md", "json", "csv"],
        default="md",
        help="output on stdout (default md)",
    )
    p.add_argument("--out", type=Path, help="also write gaps.md, gaps.json and gaps.csv here")


# --- issue 10: engines and loading -----------------------------------------------------------


def _backend(args: argparse.Namespace | None) -> Backend:
    """--store/--endpoint, else $EMG_KG_STORE/$EMG_KG_ENDPOINT; no args (demo): in memory."""
    from emg_kg.query.engines import Backend

    if args is None:
        return Backend()
    return Backend.from_env(getattr(args, "store", None), getattr(args, "endpoint", None))


def add_engine_options(p: argparse.ArgumentParser) -> None:
    """The shared engine option block: where the commands read the graph from."""
    group = p.add_argument_group("engine (default: the in-memory store built from the data)")
    where = group.add_mutually_exclusive_group()
    where.add_argument(
        "--store",
        type=Path,
        metavar="DIR",
        help="a persistent Oxigraph store made by `emg-kg load --store DIR` (or $EMG_KG_STORE)",
    )
    where.add_argument(
        "--endpoint",
        metavar="URL",
        help="a SPARQL 1.1 endpoint (or $EMG_KG_ENDPOINT); credentials only from "
        "$EMG_KG_ENDPOINT_USER and $EMG_KG_ENDPOINT_PASSWORD",
    )


def cmd_load(args: argparse.Namespace, layout: Layout) -> int:
    from emg_kg.data.diskstore import rdf_file
    from emg_kg.query.loader import curated_files, load_endpoint, load_local

    backend = _backend(args)
    if backend.kind == "memory":
        raise EmgKgError("load needs --store DIR or --endpoint URL (or $EMG_KG_STORE)")
    files, curated = ([], None) if args.no_curated else curated_files(layout)
    files = [*files, *(rdf_file(path, args.graph) for path in args.files)]
    if not files:
        raise EmgKgError("nothing to load: give RDF files or drop --no-curated")

    def say(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    if backend.endpoint:
        done = load_endpoint(backend.endpoint, args.graph_store, files, say, args.force)
        print(
            f"loaded {done.quads} quads in {done.graphs} graphs into {backend.endpoint} "
            f"({done.sent} sent, {done.skipped} unchanged) in {done.seconds:.1f} s"
        )
        return 0
    assert backend.store is not None
    marker = load_local(backend.store, files, curated, say)
    print(
        f"loaded {marker['quads']} quads in {marker['graphs']} graphs into {backend.store} "
        f"in {marker['load_s']} s"
    )
    return 0


def add_load_command(add: Callable[[str, Handler, str], argparse.ArgumentParser]) -> None:
    """Register `load` (called from build_parser)."""
    p = add(
        "load",
        cmd_load,
        "load the dataset (and any RDF files given) into a persistent store or a SPARQL "
        "endpoint; a store is replaced atomically, an endpoint graph by graph",
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
    p.add_argument(
        "--graph-store",
        metavar="URL",
        help="the endpoint's Graph Store Protocol URL, if not the endpoint URL itself "
        "(Virtuoso: .../sparql-graph-crud-auth; Fuseki: .../DATASET/data)",
    )
    p.add_argument(
        "--force", action="store_true", help="endpoint: send every graph, even unchanged ones"
    )
    add_engine_options(p)


# --- issue 9: the BIP importer ------------------------------------------------------------------


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


def add_import_commands(add: Callable[[str, Handler, str], argparse.ArgumentParser]) -> None:
    """Register `import-bip` (called from build_parser)."""
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


# --- issue 11: one language setting, what names resolved to, output that fits ----------------
# (the options and the `prefixes` command live in cli_options.py)

# --- the main job ----------------------------------------------------------------------------


def cmd_demo(args: argparse.Namespace, layout: Layout) -> int:
    """The main job: build, validate, write the gap report and the views, print a summary.

    One build serves the outputs, the validation and the store cache; one store serves the
    summary, the gap report and the views. The screen gets a short summary and the page to
    open first; the whole gap report is in ``gaps.md`` (``emg-kg gaps`` prints it)."""
    from emg_kg.data.build import build
    from emg_kg.data.store import write_outputs

    built = build(layout)
    paths = write_outputs(built.dataset, args.out, layout)
    print(f"built {len(built.dataset)} quads from {len(layout.data_files())} data files")
    print(f"  wrote {', '.join(p.name for p in paths)} into {args.out}")
    if not run_validation(layout, built=built):
        return 1
    store = _store(layout)
    from emg_kg.analysis.describe import stats

    counts = stats(store)
    mandates = counts["mandates by status"]
    assert isinstance(mandates, dict)
    print(
        f"graph: {counts['triples']} triples in {counts['named graphs']} named graphs; "
        f"{sum(mandates.values())} mandates ({', '.join(f'{v} {k}' for k, v in mandates.items())})"
    )
    from emg_kg.analysis.gaps import gap_report  # issue 3: the gap report, written
    from emg_kg.cli.gaps_report import write_all as write_gaps

    gap = gap_report(layout, lang=args.lang, store=store)
    written = write_gaps(gap, args.out)
    print(
        f"gaps ({gap.evidence_words}): {len(gap.unaddressed)} of {len(gap.targets)} Aichi "
        f"targets without a supporter, {len(gap.areas)} co-lead area(s) nobody works on, "
        f"{len(gap.mandates)} mandate(s) open on {gap.as_of}, {len(gap.rio_gaps)} Rio+20 "
        f"paragraph(s) not followed up"
    )
    print(f"  the whole report: {written[0]} (or: emg-kg gaps)")
    from emg_kg.views.viz import write_all  # issue 4: every view and the coverage matrix

    views = write_all(store, args.out / "views", args.lang)
    first = args.out / "views" / "agency-target.html"
    print(f"views: wrote {len(views)} files into {args.out / 'views'}")
    print(f"\nopen first: {first.resolve()}")
    print("then browse everything (entity pages, search, queries): emg-kg serve")
    return 0


# --- parser ------------------------------------------------------------------------------------

Handler = Callable[[argparse.Namespace, Layout], int]
ENGINE_COMMANDS = ("query", "queries", "gaps", "show", "stats", "analyze", "viz")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="emg-kg",
        description="Knowledge graph of the UN Environment Management Group progress report "
        "(UNEP GC.27): build, validate, query, find gaps, visualize.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, handler: Handler, help: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help, description=help)
        p.set_defaults(handler=handler)
        return p

    p = add(
        "build",
        cmd_build,
        "build the graph and write it as TriG, N-Quads, Turtle, N-Triples and JSON-LD",
    )
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder (default: out)")
    add(
        "validate",
        cmd_validate,
        "check the data against the SHACL shapes and integrity rules "
        "(exit 1 when it does not conform, 2 when a file cannot be loaded)",
    )
    p = add(
        "stats",
        cmd_stats,
        "count triples, entities per class, mandates by status, "
        "support statements by evidence level",
    )
    p.add_argument("--format", choices=["table", "json"], default="table")
    p = add(
        "show",
        cmd_show,
        "print everything the graph says about one entity, with the paragraph behind each fact",
    )
    p.add_argument("entity", help="IRI, prefixed name (agency:UNDP), label or alias (开发署)")
    add_query_commands(add)  # issue 3
    add_view_commands(add)  # issue 4
    add_import_commands(add)  # issue 9
    add_serve_command(add)  # issue 5
    add_load_command(add)  # issue 10
    for name, sub_parser in sub.choices.items():  # issue 10: one engine option block
        if name in ENGINE_COMMANDS:
            add_engine_options(sub_parser)
    p = add("demo", cmd_demo, "the main job: build, validate, summarize, gap report, views")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder (default: out)")
    p = add(
        "prefixes",
        cmd_prefixes,
        "list the predeclared prefixes (emg:, agency:, para: ...) every ad-hoc query may use",
    )
    p.add_argument("--format", choices=["table", "sparql"], default="table")
    add_common_options(sub.choices.values())  # issue 11
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; with ``argv`` None (the ``emg-kg`` program) the process is ours, and
    ``query`` cuts its network access before running a query (see emg_kg/sandbox.py)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    args.own_process = argv is None
    try:
        if getattr(args, "lang", None) is None:
            from emg_kg.lang import default_lang

            args.lang = default_lang()
        return int(args.handler(args, default_layout()))
    except EmgKgError as err:
        print(f"emg-kg: {err}", file=sys.stderr)
        return err.exit_code
    except BrokenPipeError:
        return 0
    except OSError as err:  # an output folder that cannot be written, a port in use ...
        where = f"{err.filename}: " if err.filename else ""
        print(f"emg-kg: {where}{err.strerror or err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
