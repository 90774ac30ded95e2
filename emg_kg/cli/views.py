"""`analyze` and `viz`: the graph's views (networkx projections), their metrics in text or
JSON, and their pages (HTML, or the agency x target matrix as SVG and CSV)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from emg_kg.cli.options import (
    Adder,
    add_engine_options,
    add_format_option,
    add_mapping_option,
    add_wide_option,
    check_suffix,
    emit,
    open_graph,
    say_resolved,
    table_width,
)
from emg_kg.paths import Layout
from emg_kg.views import WHOLE_LIMIT  # a constant in a module that imports nothing: cheap

__all__ = ["VIEW_NAMES", "add_analyze", "add_viz"]

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


def _count(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number (0 or more)")
    return int(text)


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
    """--role and --as-of, for the agency-target view and the matrix."""
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
    idx = load_index(open_graph(layout, args, getattr(args, "mapping", None)))
    notes: list[Any] = []
    entity = find(idx, args.entity, notes) if getattr(args, "entity", None) else None
    say_resolved(args, notes)
    try:
        return select(idx, view, entity, getattr(args, "depth", 1), _limit(args)), idx
    except (KeyError, ValueError) as err:
        raise EntityNotFound(f"{args.entity or 'an entity'} is not in the {view} view") from err


def _drawn_view(args: argparse.Namespace, layout: Layout, view: str) -> Any:
    """The view `viz` draws, read from the engine as far as the view allows
    (:func:`~emg_kg.analysis.bounded.view_of`: the whole view, a neighbourhood and the
    agency-target view without the whole index), restricted to --entity's neighbourhood."""
    from emg_kg.analysis.bounded import view_of
    from emg_kg.errors import EntityNotFound
    from emg_kg.query.run import resolve_in

    if view == "neighbourhood" and not getattr(args, "entity", None):
        raise EntityNotFound("the neighbourhood view needs --entity X (and --depth N)")
    store = open_graph(layout, args, getattr(args, "mapping", None))
    entity = None
    if getattr(args, "entity", None):
        found = resolve_in(store, args.entity)
        say_resolved(args, [found])
        entity = found.iri
    try:
        return view_of(store, view, entity, getattr(args, "depth", 1), _limit(args))
    except (KeyError, ValueError) as err:
        raise EntityNotFound(f"{args.entity or 'an entity'} is not in the {view} view") from err


def _limit(args: argparse.Namespace) -> int | None:
    """The whole view's node limit: --limit (0: none), by default :data:`WHOLE_LIMIT`; None
    for `analyze`, which measures every node."""
    if not hasattr(args, "limit"):
        return None
    return WHOLE_LIMIT if args.limit is None else (args.limit or None)


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
    return emit(args, result, lambda r: _print_analysis(args, r))


def _print_analysis(args: argparse.Namespace, result: Any) -> int:
    """`analyze` for reading: a table, or the path step by step (1: there is none)."""
    name = f"label_{args.lang}"
    if args.analysis == "centrality":
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
        G = _drawn_view(args, layout, "matrix")  # the agency-target view's distinct links
        paths = write_matrix(_filtered(G, args), args.out, args.lang, png=True)
        print(f"wrote {', '.join(map(str, paths))}")
        if not any(p.suffix == ".png" for p in paths):
            print("no PNG: chromium was not found to render the SVG", file=sys.stderr)
        return 0
    G = _drawn_view(args, layout, args.view)
    if args.role or args.as_of:
        G = _filtered(G, argparse.Namespace(role=args.role, as_of=args.as_of))
    path = write_view(G, args.out, args.lang, args.evidence)
    nodes, links, statements = link_counts(G, args.evidence)
    print(  # the page's own count: parallel statements between two nodes are one link
        f"wrote {path} ({nodes} nodes, {links} links drawn for {statements} statements)"
    )
    if G.graph.get("left_out"):
        print(
            f"  the {nodes} most connected of {G.graph['entities']} entities; "
            f"{G.graph['left_out']} left out (--limit N to draw more, 0 for all)"
        )
    return 0


def _add_view_options(p: argparse.ArgumentParser, entity: str, depth: int, verb: str) -> None:
    """The options `analyze` and `viz` share: a neighbourhood (--entity, --depth), the evidence
    levels, --role and --as-of, and --mapping (after the command's own)."""
    p.add_argument("--entity", help=entity)
    p.add_argument(
        "--depth", type=int, default=depth, help=f"neighbourhood depth (default {depth})"
    )
    p.add_argument(
        "--evidence",
        type=_levels,
        metavar="LEVELS",
        help=f"{verb} only links of these "
        "evidence levels (comma-separated: stated,curated,derived,user)",
    )
    _add_filters(p)


def add_analyze(add: Adder) -> None:
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
    _add_view_options(p, "analyse only this entity's neighbourhood in the view", 2, "use")
    p.add_argument("--top", type=int, default=20, help="centrality: rows shown (default 20)")
    add_mapping_option(p)
    add_format_option(p, ["table", "json"])
    add_wide_option(p)
    add_engine_options(p)


def add_viz(add: Adder) -> None:
    p = add(
        "viz",
        cmd_viz,
        "write an interactive view as one self-contained HTML page "
        "(or the agency x target matrix as SVG and CSV)",
    )
    p.add_argument("view", choices=[*VIEW_NAMES, "matrix"])
    _add_view_options(p, "centre: show only this entity's neighbourhood", 1, "draw")
    p.add_argument(
        "--out",
        type=Path,
        required=True,
        help="output file (.html; for matrix: .svg, .csv and, with chromium, .png)",
    )
    p.add_argument(
        "--limit",
        type=_count,
        metavar="N",
        help=f"whole view and a neighbourhood: draw at most N entities, the most connected "
        f"(a neighbourhood keeps its centre), and say on the page "
        f"how many are left out (default {WHOLE_LIMIT}; 0 draws every entity)",
    )
    add_mapping_option(p)
    add_engine_options(p)
