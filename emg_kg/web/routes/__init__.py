"""The routing of `emg-kg serve`: one request in, one :class:`Answer` out, no sockets.

:class:`Exchange` (``exchange.py``) reads the request and routes it by path; each concern
answers in its own module: the SPARQL endpoint (``endpoint.py``), entity pages
(``entities.py``), named queries and the editor (``queries.py``), view pages and static files
(``files.py``). The HTTP status of an error comes from :mod:`emg_kg.web.errors`.
"""

from emg_kg.web.routes.exchange import MAX_BODY, Answer, Exchange

__all__ = ["MAX_BODY", "Answer", "Exchange"]
