"""The one Jinja2 environment every HTML page and fragment is rendered with.

Markup lives in ``emg_kg/templates/`` (``web/`` for the pages of ``emg-kg serve``, ``view.html``
for the self-contained pages of ``emg-kg viz``), never in Python strings: a template escapes
every value it prints (autoescaping is on for ``.html`` and ``.svg``), so text from the graph
or the request cannot become markup, and a variable a template expects but is not given is an
error (``StrictUndefined``) rather than an empty string on the page.

>>> page = render("web/not_found.html", title="?", lang="en", what="<script>", search="",
...                 path="/x", params={})
>>> '<p class="error">&lt;script&gt;</p>' in page
True
>>> render("web/not_found.html", lang="en")
Traceback (most recent call last):
jinja2.exceptions.UndefinedError: 'title' is undefined
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from emg_kg.lang import words
from emg_kg.links import href, qs

__all__ = ["environment", "render", "TEMPLATES"]

#: The template folders: the web app's pages (``emg_kg/templates/web``), pieces of the views
#: (``emg_kg/templates/views``) and the view page itself (``views/templates/view.html``).
TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
VIEW_TEMPLATES = Path(__file__).resolve().parent / "templates"


@jinja2.pass_context
def _tr(context: jinja2.runtime.Context, zh: str, en: str) -> str:
    """The Chinese or the English words, by the page's ``lang`` (:func:`emg_kg.lang.words`)."""
    return words(context["lang"], zh, en)


_SCRIPT_ESCAPES = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}


def script_json(data: Any) -> str:
    """JSON that can sit inside a ``<script>`` element whatever strings it holds.

    >>> script_json({"label": "</script><b>&\u2028"})
    '{"label":"\\\\u003c/script\\\\u003e\\\\u003cb\\\\u003e\\\\u0026\\\\u2028"}'
    """
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return re.sub("[<>&\u2028\u2029]", lambda m: _SCRIPT_ESCAPES[m.group()], text)


def _script_json(data: Any) -> Markup:
    """:func:`script_json` as a filter: JSON with ``<``, ``>`` and ``&`` escaped is no markup."""
    return Markup(script_json(data))  # noqa: S704


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    """The environment, built once: templates are compiled on first use and kept."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([TEMPLATES, VIEW_TEMPLATES]),
        autoescape=jinja2.select_autoescape(("html", "svg"), default_for_string=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.globals.update(qs=qs, href=href, tr=_tr)
    env.filters["script_json"] = _script_json
    return env


def render(name: str, **context: Any) -> str:
    """Template ``name`` (relative to ``emg_kg/templates``) rendered with ``context``."""
    return environment().get_template(name).render(**context)
