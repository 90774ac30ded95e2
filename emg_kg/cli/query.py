"""`query`, `queries`, `prefixes`, `show` and `stats`: asking the graph, by named query, ad-hoc
SPARQL, one entity's page in text, or counts."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from emg_kg.cli.options import (
    Adder,
    add_engine_options,
    add_format_option,
    add_mapping_option,
    add_wide_option,
    backend,
    emit,
    open_graph,
    report_engine,
    say_resolved,
    table_width,
)
from emg_kg.paths import Layout

__all__ = ["add_prefixes", "add_queries", "add_query", "add_show", "add_stats"]


def cmd_stats(args: argparse.Namespace, layout: Layout) -> int:
    from emg_kg.analysis.describe import stats

    return emit(args, stats(open_graph(layout, args)), _print_stats)


def _print_stats(result: dict[str, Any]) -> None:
    for key, value in result.items():
        if isinstance(value, dict):
            print(f"{key}:")
            for name, count in value.items():
                print(f"  {count:6d}  {name}")
        else:
            print(f"{key}: {value}")


def cmd_show(args: argparse.Namespace, layout: Layout) -> int:
    from emg_kg.analysis.describe import describe, resolve, short

    store = open_graph(layout, args)
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
        if key in desc.translated:  # say whose words these are
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
    if getattr(args, "own_process", False) and backend(args).kind != "endpoint":
        wall("emg-kg query", warn=False)  # before any thread starts; a query needs no network
    query = adhoc(args.query, layout, sys.stdin.read() if args.query == "-" else None)
    params = _param_pairs(args.param)
    engine, merged = open_with_mapping(layout, args.engine, args.mapping, backend(args))
    if merged is not None:
        print(f"emg-kg: {merged.summary()}", file=sys.stderr)
    engine = report_engine(engine, args)  # issue 10: --report
    notes: list[Any] = []
    result = run(engine, query, params, args.lang, notes)
    say_resolved(args, notes)
    sys.stdout.buffer.write(render(result, args.format, table_width(args)))
    sys.stdout.flush()
    return 0


def cmd_prefixes(args: argparse.Namespace, layout: Layout) -> int:
    """The prefixes every ad-hoc query (``query -``, the web editor, /sparql) may use undeclared."""
    from emg_kg.prefixes import PREFIXES

    if args.format == "sparql":
        from emg_kg.prefixes import sparql_prologue

        print(sparql_prologue(), end="")
    else:
        from emg_kg.query.results import text_table

        print(text_table([["prefix", "namespace"], *([f"{p}:", i] for p, i in PREFIXES.items())]))
    return 0


def add_stats(add: Adder) -> None:
    p = add(
        "stats",
        cmd_stats,
        "count triples, entities per class, mandates by status, "
        "support statements by evidence level",
    )
    add_format_option(p, ["table", "json"])
    add_engine_options(p)


def add_show(add: Adder) -> None:
    p = add(
        "show",
        cmd_show,
        "print everything the graph says about one entity, with the paragraph behind each fact",
    )
    p.add_argument("entity", help="IRI, prefixed name (agency:UNDP), label or alias (开发署)")
    add_engine_options(p)


def add_queries(add: Adder) -> None:
    p = add(
        "queries",
        cmd_queries,
        "list the named queries (queries/*.rq) with their descriptions and parameters",
    )
    add_engine_options(p)


def add_query(add: Adder) -> None:
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
    add_format_option(
        p,
        ["table", "csv", "tsv", "json", "xml", "ttl", "jsonld"],
        default=None,
        help="output format (default: table for SELECT/ASK, ttl for CONSTRUCT)",
    )
    p.add_argument(
        "--engine",
        choices=["oxigraph", "rdflib"],
        default="oxigraph",
        help="SPARQL engine (default oxigraph, the cached store)",
    )
    add_mapping_option(p)
    add_wide_option(p)
    add_engine_options(p)


def add_prefixes(add: Adder) -> None:
    p = add(
        "prefixes",
        cmd_prefixes,
        "list the predeclared prefixes (emg:, agency:, para: ...) every ad-hoc query may use",
    )
    add_format_option(p, ["table", "sparql"])
