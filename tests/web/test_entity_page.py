"""An entity page shows at most ROWS_SHOWN facts a table, says how many there are and links to
all of them: on the shipped graph the "curated" evidence level has more than that pointing to it
(a corpus's agency has thousands, a 3 MB page)."""

from __future__ import annotations

import re
import urllib.request
from typing import Any

import pyoxigraph as ox

from emg_kg.prefixes import ID, PREFIXES
from emg_kg.web.catalog import Catalog
from emg_kg.web.pages import EVIDENCE_SHOWN, ROWS_SHOWN, entity_page
from emg_kg.web.server import Running

PAGE = "id/evidence-level/curated"


def _get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=60) as reply:
        return str(reply.read().decode("utf-8"))


def _incoming(page: str) -> tuple[int, int]:
    """(the count in the heading, the rows of the incoming table)."""
    total = re.search(r"<h2>Pointing here \((\d+)\)</h2>", page)
    assert total, page[:2000]
    table = page[total.end() : page.index("</table>", total.end())]
    return int(total.group(1)), table.count("<tr") - 1  # less the header row


def test_a_long_table_shows_the_first_rows_and_links_to_all(server: Running) -> None:
    page = _get(f"{server.url}{PAGE}?lang=en")
    total, shown = _incoming(page)
    assert total > ROWS_SHOWN and shown == ROWS_SHOWN
    assert f"The first {ROWS_SHOWN} of {total} are shown." in page
    assert f'<a href="/{PAGE}?lang=en&amp;all=1">Show all</a>' in page
    every = _get(f"{server.url}{PAGE}?lang=en&all=1")
    assert _incoming(every) == (total, total)
    assert "are shown." not in every


def test_a_short_table_is_whole_and_says_nothing_more(server: Running) -> None:
    page = _get(f"{server.url}id/body/EMG?lang=zh")
    assert "仅显示" not in page and "全部显示" not in page
    assert re.search(r"<h2>指向本实体的 \((\d+)\)</h2>", page)


def test_a_fact_restated_in_many_reports_shows_its_first_evidence(four_reports: Any) -> None:
    """Four copies of the shipped report: SS.XII/2's issuer is stated in 7 graphs of each, 28 in
    all; the cell shows 10 and links to the rest."""
    store = four_reports
    decision = ox.NamedNode(ID + "decision/unep-gc-ss-xii-2")
    issuer = ox.NamedNode(PREFIXES["emg"] + "issuedBy")
    graphs = {q.graph_name for q in store.quads_for_pattern(decision, issuer, None, None)}
    assert len(graphs) == 28
    cat, where = Catalog(store), "/id/decision/unep-gc-ss-xii-2"
    page = entity_page(cat, decision.value, "en", where).decode("utf-8")
    cell = page[page.index(">issued by</a>") :]
    cell = cell[: cell.index("</tr>")]
    assert cell.count('class="ev"') == EVIDENCE_SHOWN
    assert f'<a href="{where}?lang=en&amp;all=1">18 more</a>' in cell
    every = entity_page(cat, decision.value, "en", where, every=True).decode("utf-8")
    cell = every[every.index(">issued by</a>") :]
    assert cell[: cell.index("</tr>")].count('class="ev"') == 28
