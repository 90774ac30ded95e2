"""What the server asks of a query worker and what it answers: a :class:`Job` and a :class:`Reply`.

Both cross the pipe between the server and its worker processes, and the protocol code
(:mod:`emg_kg.web.sparql`) builds replies inside the worker, so they live apart from the pool
that carries them: the protocol and the pool both import this module, neither the other.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["Job", "Reply"]


@dataclass
class Job:
    """One query to run: SPARQL text, or a named query with its parameters."""

    text: str = ""
    name: str = ""  # a named query in queries/ (then ``text`` is ignored)
    params: dict[str, str] = field(default_factory=dict)
    accept: list[tuple[str, float]] = field(default_factory=list)  # from endpoint.preferences
    fmt: str = ""  # an explicit format key, wins over ``accept``
    table: bool = False  # answer SPARQL JSON whatever the kind (for HTML tables)
    # a named query's table: at most ``shown`` rows from row ``first`` (0: every row, bounded by
    # ``max_rows``); the reply's ``rows`` is then the whole answer's count
    first: int = 0
    shown: int = 0
    default_graph: list[str] = field(default_factory=list)
    named_graphs: list[str] = field(default_factory=list)
    report: str = ""  # ?report=ID: that report's graphs plus the shared ones (query/reports.py)
    max_rows: int = 10_000
    max_bytes: int = 8 * 1024**2  # a larger serialized answer is refused (422), not sent


@dataclass
class Reply:
    """What a worker (or the pool, on timeout) answers: an HTTP status, a type and a body."""

    status: int
    content_type: str
    body: bytes
    rows: int = 0
    kind: str = ""
    seconds: float = 0.0
    retry_after: int = 0  # seconds, for a 503 the client may retry (the Retry-After header)

    @classmethod
    def error(cls, status: int, message: str, retry_after: int = 0) -> Reply:
        body = (message + "\n").encode("utf-8")
        return cls(status, "text/plain; charset=utf-8", body, retry_after=retry_after)
