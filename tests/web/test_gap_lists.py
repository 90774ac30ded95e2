"""The home page's gap lists name at most ITEMS_SHOWN entities each and link to the query that
lists them all: a corpus of four reports has 136 open mandates (2 M quads: 7,820, a 1.5 MB
home page); the shipped report's 34 are listed whole."""

from __future__ import annotations

import re
from typing import Any

from emg_kg.paths import Layout
from emg_kg.web.catalog import Catalog
from emg_kg.web.views import ITEMS_SHOWN, gap_report


def _open_mandates(html: str) -> tuple[int, int, str]:
    """(the count in the heading, the items listed, what follows the list)."""
    head = re.search(r'<h3><a href="/queries/open-mandates[^"]*">[^<]+</a> \((\d+)\)</h3>', html)
    assert head, html[-3000:]
    listed = html[head.end() : html.index("</ul>", head.end())]
    return int(head.group(1)), listed.count("<li>"), html[html.index("</ul>", head.end()) :]


def test_a_long_gap_list_names_the_first_and_links_to_its_query(
    four_reports: Any, layout: Layout
) -> None:
    total, listed, after = _open_mandates(gap_report(Catalog(four_reports), layout, "en"))
    assert total == 136 and listed == ITEMS_SHOWN
    assert after.startswith(
        f'</ul><p class="more">The first {ITEMS_SHOWN} of 136 are listed. '
        '<a href="/queries/open-mandates?evidence=report&amp;lang=en">All in the query</a></p>'
    )


def test_a_short_gap_list_is_whole(store: Any, layout: Layout) -> None:
    total, listed, after = _open_mandates(gap_report(Catalog(store), layout, "zh"))
    assert total == listed == 34
    assert 'class="more"' not in after
