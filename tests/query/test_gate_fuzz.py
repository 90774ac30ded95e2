"""Property-based fuzz of the query gate: the shipped queries pass untouched; with a SERVICE
clause spliced in anywhere a group opens or closes, in any spelling, the gate refuses them.

Bounded: a fixed number of examples and no per-example deadline (the suite stays fast and a
slow CI machine does not flake).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from emg_kg.prefixes import PREFIXES
from emg_kg.query import gate
from emg_kg.query.gate import RefusedError, check
from emg_kg.web.editor import DEFAULT_QUERY

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = {p.stem: p.read_text(encoding="utf-8") for p in sorted((ROOT / "queries").glob("*.rq"))}
#: the SPARQL the code itself runs (queries/internal/, through the gate) and its constants
INTERNAL = {
    **{
        f"internal/{p.stem}": p.read_text(encoding="utf-8")
        for p in sorted((ROOT / "queries" / "internal").glob("*.rq"))
    },
    "editor-default": DEFAULT_QUERY.replace("LANG", "en"),
}
TARGETS = [
    "<http://127.0.0.1:9/sparql>",
    "<http://[::1]:9/>",
    "?svc",
    "<HTTP://localhost:9/x>",
    ":sparql",  # SERVICE:sparql is SERVICE + the prefixed name :sparql
]
EMPTY_PREFIX = "PREFIX : <http://127.0.0.1:9/>\n"


@pytest.mark.parametrize("text", [*SHIPPED.values(), *INTERNAL.values()], ids=[*SHIPPED, *INTERNAL])
def test_every_query_the_project_runs_passes_the_gate_and_parses(text: str) -> None:
    verdict = gate.parse_verdict(text, "q", dict(PREFIXES))
    assert verdict is not None, "rdflib's parser reads it (no fallback needed)"
    assert not verdict.names_graphs
    assert check(text, prefixes=dict(PREFIXES)) == verdict


def _points(text: str) -> list[int]:
    """Offsets just inside every ``{`` and just before every ``}`` (outside strings, IRIs and
    comments): a group pattern may hold a SERVICE clause there."""
    out = []
    for match in gate._TOKEN.finditer(text):
        if match.group() == "{":
            out.append(match.end())
        elif match.group() == "}":
            out.append(match.start())
    return out


@st.composite
def keyword(draw: st.DrawFn, word: str) -> str:
    """``word`` with each letter upper or lower case, or as a ``\\u``/``\\U`` escape."""
    out = []
    for char in word:
        how = draw(st.sampled_from(["upper", "lower", "u", "U"]))
        if how == "upper":
            out.append(char.upper())
        elif how == "lower":
            out.append(char.lower())
        else:
            code = ord(draw(st.sampled_from([char.upper(), char.lower()])))
            out.append(f"\\u{code:04X}" if how == "u" else f"\\U{code:08x}")
    return "".join(out)


SPACE = st.sampled_from([" ", "\n", "\t", "  ", "\r\n", " #SERVICE comment\n", "#\n"])
GAP = st.sampled_from(["", " ", "\n", "#c\n"])  # where SPARQL needs no white space
LEAD = st.sampled_from(["", " ", ".", " . ", " ;", "\n"])
WRAP = st.sampled_from(
    [
        "{}",
        "OPTIONAL {{ {} }}",
        "{{ {} }} UNION {{ ?a ?b ?c }}",
        "MINUS {{ {} }}",
        "FILTER EXISTS {{ {} }}",
        "FILTER NOT EXISTS {{ {} }}",
        "{{ SELECT * WHERE {{ {} }} }}",
        "GRAPH ?g {{ {{ {} }} }}",
    ]
)


@st.composite
def service_clause(draw: st.DrawFn) -> str:
    word = draw(keyword("SERVICE"))
    silent = draw(st.sampled_from(["", draw(keyword("SILENT"))]))
    head = word + (draw(SPACE) + silent if silent else "")
    clause = f"{head}{draw(GAP)}{draw(st.sampled_from(TARGETS))}{draw(GAP)}{{ ?s ?p ?o }}"
    return draw(LEAD) + draw(WRAP).format(clause) + " "


@st.composite
def mutated(draw: st.DrawFn) -> str:
    text = EMPTY_PREFIX + SHIPPED[draw(st.sampled_from(sorted(SHIPPED)))]
    for _ in range(draw(st.integers(1, 2))):
        at = draw(st.sampled_from(_points(text)))
        text = text[:at] + draw(service_clause()) + text[at:]
    return text


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_service_spliced_into_a_shipped_query_is_refused(text: str) -> None:
    with pytest.raises(RefusedError, match="SERVICE"):
        check(text, prefixes=dict(PREFIXES))


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_the_parser_alone_refuses_every_mutation_it_can_read(text: str) -> None:
    """The second reading on its own: whenever rdflib parses the mutated query, its tree walk
    finds the SERVICE (the lexer is not needed for the refusal)."""
    try:
        verdict = gate.parse_verdict(text, "q", dict(PREFIXES))
    except RefusedError:
        return
    assert verdict is None, "a SERVICE query that parsed must have been refused"
