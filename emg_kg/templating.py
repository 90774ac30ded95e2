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

from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from .markup import href, qs

__all__ = ["environment", "render", "TEMPLATES"]

TEMPLATES = Path(__file__).parent / "templates"


@jinja2.pass_context
def _tr(context: jinja2.runtime.Context, zh: str, en: str) -> str:
    """The Chinese or the English words, by the page's ``lang``."""
    return zh if context["lang"] == "zh" else en


def _script_json(data: Any) -> Markup:
    """JSON safe inside a ``<script type="application/json">`` element (see
    :func:`emg_kg.viz_template.script_json`)."""
    from .viz_template import script_json

    return Markup(script_json(data))  # noqa: S704 (JSON with <, >, & escaped: no markup)


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    """The environment, built once: templates are compiled on first use and kept."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
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
