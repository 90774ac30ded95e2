"""``/views/NAME`` (a view page, from the app's cache) and ``/static/NAME`` (the style sheet
and scripts shipped in the package): whole pages and files, not built per request."""

from __future__ import annotations

from importlib import resources
from typing import TYPE_CHECKING

from emg_kg.views.template import vis_js

if TYPE_CHECKING:
    from emg_kg.web.routes.exchange import Exchange

__all__ = ["static", "view"]

_STATIC_TYPES = {
    "css": "text/css",
    "js": "text/javascript",
    "svg": "image/svg+xml",
    "txt": "text/plain",
}


def view(ex: Exchange, name: str, one: dict[str, str], lang: str) -> None:
    """A view page with its own Content-Security-Policy; the neighbourhood needs ?entity=."""
    entity = one.get("entity")
    if name == "neighbourhood" and not entity:
        return ex.not_found(lang, "the neighbourhood view needs ?entity=IRI")
    page = ex.app.views.page(name, lang, entity)
    if page is None and name == "neighbourhood":
        return ex.not_found(lang, f"no entity <{entity}> in the graph's views")
    if page is None:
        names = ", ".join(n for n, _ in ex.app.views.names(lang))
        return ex.not_found(lang, f"no view {name!r}; there are: {names}")
    body, ctype, csp = page
    ex.send(200, body, ctype, {"Content-Security-Policy": csp})


def static(ex: Exchange, name: str) -> None:
    """A file of ``emg_kg/web/static/`` (a plain name, no folders), cached for an hour."""
    if not name or "/" in name or name.startswith("."):
        return ex.text(404, "no such file")
    try:
        if name == "vis-network.min.js":  # the editor's network view: pyvis ships it
            body = vis_js().encode("utf-8")
        else:
            body = resources.files("emg_kg.web").joinpath("static", name).read_bytes()
    except (FileNotFoundError, IsADirectoryError, OSError):
        return ex.text(404, "no such file")
    ctype = _STATIC_TYPES.get(name.rsplit(".", 1)[-1], "application/octet-stream")
    cache = {"Cache-Control": "max-age=3600"}
    ex.send(200, body, ctype + "; charset=utf-8", cache, bounded=False)  # our own files
