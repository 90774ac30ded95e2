"""``/queries/NAME`` (a named query's page, or its results as a file: ``/queries/NAME.csv``)
and ``/editor`` (ad-hoc SPARQL and its results): both run their query in the worker pool."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from emg_kg.errors import QueryError
from emg_kg.query.registry import get_query
from emg_kg.web.jobs import Job
from emg_kg.web.ui import PAGE_ROWS, editor_page, query_page

if TYPE_CHECKING:
    from emg_kg.web.routes.exchange import Exchange

__all__ = ["BAD_PAGE", "editor", "named", "page_number"]

_SUFFIX = re.compile(r"\.[a-z0-9+\-]{1,12}$")


def _table(ex: Exchange, job: Job) -> tuple[Any, str, int, str, int]:
    """Run ``job`` for a page's table: (the answer, or None; the error text; the status; the
    kind of result; how many rows the whole answer has). A failed query still gets its page,
    with the error and its status."""
    reply = ex.run(job)
    if reply.status == 200:
        return json.loads(reply.body), "", 200, reply.kind, reply.rows
    return None, reply.body.decode("utf-8", "replace"), reply.status, "select", 0


BAD_PAGE = "page={!r}: a page is a whole number from 1"


def page_number(one: dict[str, str]) -> int | None:
    """``?page=N`` (1 when absent), or None when it is not a whole number from 1."""
    text = one.get("page", "1")
    return int(text) if text.isdigit() and 0 < int(text) < 10**9 else None


def named(ex: Exchange, tail: str, one: dict[str, str], lang: str) -> None:
    """A named query's page (its form, and its results when every required parameter is
    given), or with a suffix its results as a download in that format."""
    app = ex.app
    name, dot, fmt = tail.rpartition(".") if _SUFFIX.search(tail) else (tail, "", "")
    try:
        query = get_query(app.layout, name)
    except QueryError as err:
        return ex.not_found(lang, str(err))
    values = {p.name: one[p.name] for p in query.params if p.name in one and p.name != "lang"}
    if "lang" in query.param_names:
        values["lang"] = lang
    missing = [p.name for p in query.params if p.required and p.name not in values]
    if dot:
        if missing:  # say it in the web's words, not the command line's
            example = "&".join(f"{m}=..." for m in missing)
            return ex.text(
                400,
                f"{name}: missing parameter(s) {', '.join(missing)}: "
                f"/queries/{name}.{fmt}?{example}",
            )
        reply = ex.run(Job(name=name, params=values, fmt=fmt, report=one.get("report", "")))
        disposition = {"Content-Disposition": f'attachment; filename="{name}.{fmt}"'}
        return ex.reply(reply, disposition)
    number = page_number(one)
    if number is None:
        return ex.text(400, BAD_PAGE.format(one.get("page")))
    answer, error, status, kind, total = None, "", 200, "select", 0
    report = one.get("report", "")
    if not missing:
        first = (number - 1) * PAGE_ROWS
        job = Job(name=name, params=values, table=True, report=report, first=first, shown=PAGE_ROWS)
        answer, error, status, kind, total = _table(ex, job)
    kept = {**values, "report": report} if report else values  # in every link of the page
    page = query_page(
        app.catalog, query, kept, lang, answer, error, missing, kind, (number, PAGE_ROWS, total)
    )
    ex.html(page, status)


def editor(ex: Exchange, text: str, lang: str) -> None:
    """The SPARQL editor, with the results of ``text`` when one is given."""
    answer, error, status, kind = None, "", 200, "select"
    if text.strip():
        answer, error, status, kind, _ = _table(ex, Job(text=text, table=True))
    page = editor_page(ex.app.catalog, text, lang, answer, error, kind, ex.app.queries())
    ex.html(page, status)
