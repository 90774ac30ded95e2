"""What the query gate costs: the lexer, rdflib's parser, and a cold `emg-kg query`.

    python bench/gate.py

Prints medians in milliseconds of CPU time (the build machine is shared, so wall-clock times
swing with the load; CPU time does much less). The cold runs are new processes with the store
cache built; "named" has the gate's verdict cached (no parser import), "ad hoc" parses every
time; for them both CPU (user + system of the child) and wall time are given.
"""

from __future__ import annotations

import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from emg_kg import gate  # noqa: E402
from emg_kg.paths import default_layout  # noqa: E402
from emg_kg.prefixes import PREFIXES  # noqa: E402
from emg_kg.store import open_store  # noqa: E402


def median_ms(run: object, times: int) -> float:
    samples = []
    for _ in range(times):
        started = time.process_time()
        run()  # type: ignore[operator]
        samples.append((time.process_time() - started) * 1000)
    return statistics.median(samples)


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def cold(argv: list[str], stdin: str = "", times: int = 5) -> str:
    """Median CPU and wall milliseconds of a new process running ``argv``."""
    subprocess.run(argv, input=stdin, capture_output=True, check=True, text=True)  # warm-up
    cpu, wall = [], []
    for _ in range(times):
        cpu_before, started = _children_cpu(), time.perf_counter()
        subprocess.run(argv, input=stdin, capture_output=True, check=True, text=True)
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((_children_cpu() - cpu_before) * 1000)
    return f"{statistics.median(cpu):.0f} ms CPU, {statistics.median(wall):.0f} ms wall"


def main() -> None:
    open_store(default_layout())
    started = time.process_time()
    from rdflib.plugins.sparql.parser import parseQuery  # noqa: F401

    print(f"importing rdflib's SPARQL parser: {(time.process_time() - started) * 1000:.0f} ms")
    queries = {p.stem: p.read_text(encoding="utf-8") for p in sorted(ROOT.glob("queries/*.rq"))}
    print("\n| query | chars | lexer ms | parser ms |\n|---|---:|---:|---:|")
    lex, parse = [], []
    for name, text in queries.items():
        lex.append(median_ms(lambda t=text: gate.scan(t), 20))
        parse.append(median_ms(lambda t=text: gate.parse_verdict(t, "q", dict(PREFIXES)), 5))
        print(f"| `{name}` | {len(text)} | {lex[-1]:.2f} | {parse[-1]:.1f} |")
    print(f"| median | | {statistics.median(lex):.2f} | {statistics.median(parse):.1f} |")
    cli = [sys.executable, "-m", "emg_kg.cli", "query"]
    adhoc = "SELECT (COUNT(*) AS ?n) WHERE { ?s a emg:AichiTarget }"
    print(f"\ncold `emg-kg query aichi-targets` (verdict cached): {cold([*cli, 'aichi-targets'])}")
    print(f"cold `emg-kg query -` (ad hoc, parsed): {cold([*cli, '-'], adhoc)}")


if __name__ == "__main__":
    main()
