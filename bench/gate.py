"""What the query gate costs: the lexer, rdflib's parser, and a cold `emg-kg query`.

    python bench/gate.py

Prints medians in milliseconds. The cold runs are new processes with the store cache built;
"named" has the gate's verdict cached (no parser import), "ad hoc" parses every time.
"""

from __future__ import annotations

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
        started = time.perf_counter()
        run()  # type: ignore[operator]
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def cold(argv: list[str], stdin: str = "", times: int = 5) -> float:
    def once() -> None:
        subprocess.run(argv, input=stdin, capture_output=True, text=True, check=True)

    once()  # warms the gate's verdict cache for named queries
    return median_ms(once, times)


def main() -> None:
    open_store(default_layout())
    started = time.perf_counter()
    from rdflib.plugins.sparql.parser import parseQuery  # noqa: F401

    print(f"importing rdflib's SPARQL parser: {(time.perf_counter() - started) * 1000:.0f} ms")
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
    named = cold([*cli, "aichi-targets"])
    print(f"\ncold `emg-kg query aichi-targets` (verdict cached): {named:.0f} ms")
    print(f"cold `emg-kg query -` (ad hoc, parsed): {cold([*cli, '-'], adhoc):.0f} ms")


if __name__ == "__main__":
    main()
