"""Issue 4's views and issue 3's gap report, as the web app serves them.

Thin adapters: the views are built by :mod:`emg_kg.projection` and drawn by :mod:`emg_kg.viz`
(self-contained pages with vis-network inlined, so nothing loads from the internet); this
module only caches the pages per view and language. The gap report is issue 3's
(:func:`emg_kg.gaps.compute`) drawn as HTML, with a plainer fallback on its named queries.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pyoxigraph as ox

from emg_kg.lang import message, words
from emg_kg.lru import SizedLRU
from emg_kg.paths import Layout
from emg_kg.prefixes import ID
from emg_kg.views.templating import render
from emg_kg.web.catalog import Catalog
from emg_kg.web.markup import href, qs
from emg_kg.web.markup import link as make_link

__all__ = ["Views", "gap_report", "VIEW_CSP"]

#: The views' own pages run inline script and style and nothing else.
VIEW_CSP = (
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:"
)
_MATRIX = "agency-target-matrix"
#: The pages drawn from the engine, reading only what they draw, while the whole index is not
#: built (the other views read it whole).
_FROM_ENGINE = ("whole", "neighbourhood", "agency-target", _MATRIX)
#: The most entities a gap list of the home page names; its query lists them all (7,820 open
#: mandates at 2 M quads made a 1.5 MB home page).
ITEMS_SHOWN = 100


class Views:
    """The named views as pages, built on first request and cached (a few hundred kB each)."""

    def __init__(self, store: ox.Store, cache_bytes: int = 64 * 1024**2) -> None:
        self.store = store
        self._index: Any = None
        self._entities: set[str] | None = None  # the whole view's nodes, without the graph
        self._schemes: set[str] | None = None  # classes whose entities the whole view leaves out
        # bounded by size (issue 8): any client can ask for a new neighbourhood page
        self._pages: SizedLRU[tuple[bytes, str, str]] = SizedLRU(cache_bytes)
        self._lock = threading.Lock()

    def cache_size(self) -> tuple[int, int, int]:
        """(pages, bytes, limit) of the page cache, for /status."""
        return len(self._pages), self._pages.size, self._pages.max_bytes

    def _idx(self) -> Any:
        from emg_kg.analysis.metrics import load_index

        if self._index is None:
            self._index = load_index(self.store)
        return self._index

    def names(self, lang: str) -> list[tuple[str, str]]:
        """(view name, title) for every view the app serves."""
        from emg_kg.analysis.metrics import VIEWS
        from emg_kg.views.viz import TITLES

        i = 1 if lang == "zh" else 0
        out = [(v, TITLES.get(v, (v, v))[i]) for v in VIEWS]
        out.append((_MATRIX, message("matrix_view", lang)))
        return out

    def link(self, iri: str, lang: str) -> str:
        """The interactive neighbourhood of ``iri``, if the whole view has it: decided from the
        entity's classes where they settle it, so an entity page does not wait for the views'
        index (19 s at 2 M quads); from the index for an untyped entity."""
        from emg_kg.analysis.bounded import whole_skeleton
        from emg_kg.analysis.projection import in_whole_view, scheme_classes

        with self._lock:
            if self._schemes is None:
                self._schemes = scheme_classes(self.store)
            schemes = self._schemes
        known = in_whole_view(self.store, iri, schemes)  # the store reads on any thread
        if known is None:
            with self._lock:
                if self._entities is None:
                    typed, links = whole_skeleton(self.store)
                    self._entities = {*typed, *(x for s, _, o in links for x in (s, o))}
                known = iri in self._entities
        return f"/views/neighbourhood{qs(entity=iri, lang=lang)}" if known else ""

    def page(
        self, name: str, lang: str, entity: str | None = None
    ) -> tuple[bytes, str, str] | None:
        """(body, content type, CSP) of a view page, or None when there is no such view.

        The whole view, a neighbourhood, the agency-target view and the matrix are read from
        the engine, only what they draw (:func:`~emg_kg.analysis.bounded.view_of`: the EMG's
        neighbourhood at 2 M quads, 13,374 entities around it, and the whole view without the
        whole index), outside the lock, so other pages and entity pages' links do not wait for
        them; the views that need the whole index build it once, under the lock."""
        from emg_kg.analysis.metrics import VIEWS

        if name not in (*VIEWS, "neighbourhood", _MATRIX):
            return None
        if name == "neighbourhood" and not entity:
            return None
        key = (name, lang, entity or "")
        with self._lock:
            cached = self._pages.get(key)
            if cached is not None:
                return cached
            from_engine = self._index is None and name in _FROM_ENGINE
            if not from_engine:
                idx = self._idx()
                page = self._draw(lambda: self._graph(idx, name, entity), name, lang, entity)
        if from_engine:
            page = self._draw(lambda: self._graph(None, name, entity), name, lang, entity)
        if page is not None:
            with self._lock:
                self._pages.put(key, page)
        return page

    def _graph(self, idx: Any, name: str, entity: str | None) -> Any:
        """The view ``name`` (the matrix: agency-target) from the whole index ``idx``, or from
        the engine when ``idx`` is None (the matrix: one edge per distinct link)."""
        from emg_kg.analysis.bounded import view_of
        from emg_kg.analysis.metrics import select
        from emg_kg.views import WHOLE_LIMIT

        if idx is None:  # the matrix: the agency-target view's distinct links
            view = "matrix" if name == _MATRIX else name
            return view_of(self.store, view, entity, 1, WHOLE_LIMIT)
        view = "agency-target" if name == _MATRIX else name
        return select(idx, view, entity, 1, WHOLE_LIMIT)

    def _draw(
        self, graph: Callable[[], Any], name: str, lang: str, entity: str | None
    ) -> tuple[bytes, str, str] | None:
        """One view page of the view ``graph()`` gives; None when the entity is not in the
        view (or is not an IRI)."""
        from emg_kg.views.matrix import matrix_svg
        from emg_kg.views.template import render_page
        from emg_kg.views.viz import matrix_data, page_data

        try:
            G = graph()
        except (KeyError, ValueError):
            return None
        if name == _MATRIX:
            svg = matrix_svg(matrix_data(G, lang), lang)
            return (svg.encode("utf-8"), "image/svg+xml; charset=utf-8", VIEW_CSP)
        data = page_data(G, lang)
        data["nav"] = _view_nav(name, lang, entity)
        html = render_page(data)
        return (html.encode("utf-8"), "text/html; charset=utf-8", VIEW_CSP)


def _view_nav(name: str, lang: str, entity: str | None) -> list[tuple[str, str]]:
    """Links from a view back into the app: home, all views, the same view in the other
    language, and the centre's entity page. Our own URLs only; the page sets them as text."""
    from urllib.parse import urlencode

    other = "en" if lang == "zh" else "zh"
    query = {"entity": entity} if entity else {}
    nav = [
        (f"/?lang={lang}", message("home", lang)),
        (f"/views?lang={lang}", message("all_views", lang)),
        (f"/views/{name}?{urlencode({**query, 'lang': other})}", message("other_language", lang)),
    ]
    if entity and entity.startswith(ID):
        nav.append((f"/id/{entity[len(ID) :]}?lang={lang}", message("entity_page", lang)))
    return nav


EVIDENCE = ("stated", "report", "curated", "all")


def gap_report(catalog: Catalog, layout: Layout, lang: str, evidence: str = "report") -> str:
    """The gap report as an HTML fragment, from :func:`emg_kg.analysis.gaps.compute`: the same
    figures as ``emg-kg gaps`` (the named gap queries, run in-process: they are curated and
    read-only). A failure is an error the route reports, never a second, different report."""
    from emg_kg.analysis.gaps import compute
    from emg_kg.query.engines import OxigraphEngine

    report = compute(OxigraphEngine(catalog.store), layout, evidence, lang=lang)

    def link(name: str, text: str = "") -> dict[str, Any]:
        iri = _expand(name)
        return make_link(href(iri, lang), text or catalog.label(iri, lang))

    def targets(numbers: list[int]) -> list[dict[str, Any]]:
        return [link(f"aichi:target-{n}", str(n)) for n in numbers]

    def section(zh_title: str, en_title: str, query: str, count: int) -> dict[str, Any]:
        link_ = f"/queries/{query}{qs(evidence=evidence, lang=lang)}"
        return {"title": words(lang, zh_title, en_title), "link": link_, "count": count}

    caveat, headlines = "", []
    if report.aichi:  # issue 9: the caveat in words, and the headlines by role
        from emg_kg.data.aichi_gaps import CAVEAT

        a = report.aichi
        caveat = words(
            lang,
            "所计证据中没有任何联系，并不表示无人开展工作",
            f"Targets without a link have {CAVEAT}",
        )
        headlines = [
            (message("no_un_or_mea", lang), a.no_un_or_mea),
            (message("only_monitored", lang), a.only_monitored),
            (message("only_blanket", lang), a.only_blanket),
        ]
    coverage = [
        [
            [link(c.goal, c.name)],
            f"{c.supported}/{c.targets} ({c.percent}%)",
            [x for i, t in enumerate(targets(c.unaddressed)) for x in ((", ", t) if i else (t,))],
        ]
        for c in report.coverage
    ]
    head = message("coverage_head", lang).split("|")
    sections = [
        {
            **section(
                "各战略目标的爱知目标覆盖情况",
                "Aichi coverage per strategic goal",
                "aichi-coverage",
                len(report.unaddressed),
            ),
            "head": head,
            "table": coverage,
        },
        {
            **section(
                "无小组跟进的共同牵头领域",
                "Co-lead areas no EMG group works on",
                "colead-area-gaps",
                len(report.areas),
            ),
            "items": [([link(a.area, a.name)], a.note) for a in report.areas],
            "sep": "br",
        },
        {
            **section(
                "无环境管理小组机构跟进的里约+20段落",
                "Cited Rio+20 paragraphs no EMG body follows up",
                "rio20-unfollowed",
                len(report.rio_gaps),
            ),
            "items": [([link(r.paragraph, r.name)], None) for r in report.rio_gaps],
        },
        {
            **section(
                "截至报告日期仍未完成的任务",
                "Mandates still open at the report date",
                "open-mandates",
                len(report.mandates),
            ),
            "items": [
                ([link(m.mandate)], f"{m.due or ''}{' ⚠' if m.past_due else ''}")
                for m in report.mandates
            ],
            "sep": "space",
        },
    ]
    for s in sections:  # a corpus has thousands of open mandates: the query lists them all
        if "items" in s:
            s["more"] = max(len(s["items"]) - ITEMS_SHOWN, 0)
            s["items"] = s["items"][:ITEMS_SHOWN]
    return render(
        "web/gap_report.html",
        lang=lang,
        switch=EVIDENCE,
        evidence=evidence,
        evidence_words=report.evidence_words,
        caveat=caveat,
        headlines=[(name, targets(ns)) for name, ns in headlines],
        sections=sections,
    )


def _expand(name: str) -> str:
    """A prefixed name (``aichi:target-3``) as a full IRI; IRIs pass through."""
    from emg_kg.prefixes import PREFIXES

    prefix, sep, local = name.strip("<>").partition(":")
    return PREFIXES[prefix] + local if sep and prefix in PREFIXES else name.strip("<>")
