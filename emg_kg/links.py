"""Where the app's pages and the views link to: server paths of IRIs, query strings.

Plain functions over the project's prefixes, below every layer that draws a page: the views
(``emg-kg viz`` pages served by the app link back into it) and the web app both use them, and
the one Jinja2 environment (:mod:`emg_kg.views.templating`) offers them to every template.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from emg_kg.prefixes import ID, PREFIXES

__all__ = ["href", "link", "local_path", "qs", "LANGS", "ID", "ONTOLOGY"]

ONTOLOGY = PREFIXES["emg"]  # the project's own classes and properties: /ontology/NAME
LANGS = ("zh", "en")


def qs(**params: str | None) -> str:
    """A query string (with ``?``) of the non-empty parameters."""
    kept = {k: v for k, v in params.items() if v}
    return "?" + urlencode(kept) if kept else ""


def local_path(iri: str) -> str | None:
    """The server path of an entity IRI (``/id/agency/UNDP``) or of an ontology term
    (``/ontology/AichiTarget``), or None if it is not ours."""
    if iri.startswith(ID):
        return "/" + iri[len(ID) - 3 :]
    local = iri[len(ONTOLOGY) :]
    if iri.startswith(ONTOLOGY) and local and "/" not in local and "?" not in local:
        return "/ontology/" + local
    return None


def href(iri: str, lang: str) -> str:
    """Where a link to ``iri`` goes: its page on this server, else the IRI itself."""
    path = local_path(iri)
    return path + qs(lang=lang) if path else iri


def link(
    target: str, text: str, title: str | None = None, cls: str | None = None
) -> dict[str, Any]:
    """A link as a part of a table cell (``templates/web/macros.html`` draws it, escaped)."""
    return {"a": target, "text": text, "title": title, "cls": cls}
