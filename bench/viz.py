"""Benchmark the views: HTML write time and size, and time-to-drawn / time-to-stable in headless
Chromium, for synthetic views of 100, 1,000 and 10,000 nodes (plus the real views).

    .venv/bin/python bench/viz.py [--sizes 100,1000,10000] [--runs 3] [--pyvis]

Not a test: it prints a Markdown table for docs/benchmarks-viz.md. "drawn" is the first
vis-network ``afterDrawing`` event and "stable" the last one before the page stays idle for
1 s, both in ms since navigation start (``performance.now()``); with physics off they are close.
``--pyvis`` also times assembling the same nodes and edges with ``pyvis.network.Network``.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import networkx as nx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from emg_kg.viz import page_data, positions, write_view  # noqa: E402

CLASSES = [
    ("UNSystemEntity", "organization"),
    ("IntergovernmentalBody", "organization"),
    ("CoordinationBody", "organization"),
    ("IssueManagementGroup", "organization"),
    ("Meeting", "meeting"),
    ("Decision", "document"),
    ("Document", "document"),
    ("Mandate", "mandate"),
    ("SupportStatement", "statement"),
    ("AichiTarget", "concept"),
]
LEVELS = ["stated", "stated", "stated", "derived", "curated"]
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--no-first-run",
]


def synthetic(n: int, seed: int = 7) -> nx.MultiDiGraph:
    """A view-like graph: a preferential-attachment tree plus 30 % extra links, ten classes,
    Chinese and English labels of realistic length, one to three evidence paragraphs each."""
    rnd = random.Random(seed)
    tree = nx.barabasi_albert_graph(n, 1, seed=seed)
    G = nx.MultiDiGraph(view="synthetic", title=f"synthetic {n}")
    for i in tree:
        cls, family = CLASSES[rnd.randrange(len(CLASSES))]
        paras = sorted({f"para:{rnd.randint(1, 70)}" for _ in range(rnd.randint(1, 3))})
        G.add_node(
            i,
            iri=f"https://w3id.org/emg-kg/id/x/{i}",
            short=f"emgid:x/{i}",
            label_en=f"Entity {i} of the synthetic view",
            label_zh=f"合成视图中的实体{i}号",
            paragraphs=paras,
            **{"class": cls, "family": family},
        )
    links = list(tree.edges()) + [(rnd.randrange(n), rnd.randrange(n)) for _ in range(n * 3 // 10)]
    for u, v in links:
        if u != v:
            level = rnd.choice(LEVELS)
            G.add_edge(
                u, v, predicate="emg:test", evidence=[f"para:{rnd.randint(1, 70)}"], level=level
            )
    return G


def time_write(G: nx.MultiDiGraph, out: Path, runs: int) -> dict[str, float]:
    """Median wall time of the layout alone and of the whole write (layout included), and the
    CPU time of the write (steadier than wall time on a shared machine)."""
    lay, total, cpu = [], [], []
    for _ in range(runs):
        t = time.perf_counter()
        positions(G)
        lay.append(time.perf_counter() - t)
        t, c = time.perf_counter(), time.process_time()
        write_view(G, out, "zh")
        total.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    return {
        "layout_s": statistics.median(lay),
        "write_s": statistics.median(total),
        "write_cpu_s": statistics.median(cpu),
        "size_mb": out.stat().st_size / 1e6,
    }


def time_browser(browser: Any, page_file: Path, runs: int) -> dict[str, float]:
    """Until the page first draws and until it stops drawing; a view that opens on an overview
    (over 200 nodes) is then shown whole, and the time until that stops drawing is ``all_ms``."""
    drawn, stable, whole = [], [], []
    url = page_file.resolve().as_uri()
    for _ in range(runs):
        context = browser.new_context(viewport={"width": 1400, "height": 900})
        context.route("**/*", lambda r: r.continue_() if r.request.url == url else r.abort())
        page = context.new_page()
        page.goto(url)
        page.wait_for_function("window.emg && emg.times.drawn !== null", timeout=60000)
        while page.evaluate("performance.now() - emg.times.last") < 1000:
            page.wait_for_timeout(200)
        d, s = page.evaluate("[emg.times.drawn, emg.times.last]")
        drawn.append(d)
        stable.append(s)
        if page.evaluate("emg.data.overview.length > 0"):
            start = page.evaluate(
                "(() => { const t = performance.now(); emg.showOverview(false); return t; })()"
            )
            page.wait_for_function(f"emg.times.last > {start}", timeout=60000)
            while page.evaluate("performance.now() - emg.times.last") < 1000:
                page.wait_for_timeout(200)
            whole.append(page.evaluate("emg.times.last") - start)
        context.close()
    return {
        "drawn_ms": statistics.median(drawn),
        "stable_ms": statistics.median(stable),
        "all_ms": statistics.median(whole) if whole else float("nan"),
    }


def time_pyvis(G: nx.MultiDiGraph) -> float:
    from pyvis.network import Network

    t = time.perf_counter()
    net = Network(directed=True)
    for n, d in G.nodes(data=True):
        net.add_node(n, label=d["label_zh"])
    for u, v in G.edges():
        net.add_edge(u, v)
    return time.perf_counter() - t


def real_views() -> list[tuple[str, nx.MultiDiGraph]]:
    from emg_kg.analysis import load_index, select
    from emg_kg.paths import default_layout
    from emg_kg.projection import VIEWS
    from emg_kg.store import open_store

    idx = load_index(open_store(default_layout()))
    return [(view, select(idx, view)) for view in VIEWS]


HEAD = [
    "view",
    "nodes",
    "links",
    "layout (s)",
    "write incl. layout (s)",
    "write CPU (s)",
    "size (MB)",
    "drawn (ms)",
    "stable (ms)",
    "all shown (ms)",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,1000,10000")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--real", action="store_true", help="also the views of the real graph")
    parser.add_argument("--pyvis", action="store_true", help="also time pyvis's Network")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    graphs = [(f"synthetic {int(n):,}", synthetic(int(n))) for n in args.sizes.split(",")]
    graphs += real_views() if args.real else []
    rows = []
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for i, (name, G) in enumerate(graphs):
            out = Path(tmp) / f"view-{i}.html"
            row: dict[str, Any] = {
                "view": name,
                "nodes": G.number_of_nodes(),
                "links": len(page_data(G, "zh")["edges"]),
            }
            row.update(time_write(G, out, args.runs))
            row.update(time_browser(browser, out, args.runs))
            if args.pyvis:
                row["pyvis_s"] = time_pyvis(G)
            rows.append(row)
            print(row, file=sys.stderr)
        browser.close()
    head = HEAD + (["pyvis Network (s)"] if args.pyvis else [])
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for r in rows:
        cells = [
            r["view"],
            f"{r['nodes']:,}",
            f"{r['links']:,}",
            f"{r['layout_s']:.2f}",
            f"{r['write_s']:.2f}",
            f"{r['write_cpu_s']:.2f}",
            f"{r['size_mb']:.2f}",
            f"{r['drawn_ms']:.0f}",
            f"{r['stable_ms']:.0f}",
            f"{r['all_ms']:.0f}" if r["all_ms"] == r["all_ms"] else "-",  # NaN: no overview
        ]
        if args.pyvis:
            cells.append(f"{r['pyvis_s']:.2f}")
        print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
