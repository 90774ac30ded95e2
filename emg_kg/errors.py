"""The few exceptions the CLI turns into one-line messages and exit codes.

Exit codes follow pySHACL: 1 means the data does not conform, 2 means something could not be
loaded or run at all.
"""

from __future__ import annotations

from pathlib import Path

__all__ = [
    "EmgKgError",
    "SourceError",
    "QueryError",
    "TooManyRows",
    "MappingError",
    "EntityNotFound",
]


class EmgKgError(Exception):
    """Base class: anything the CLI reports as ``emg-kg: <message>`` with exit code 2."""

    exit_code = 2


class SourceError(EmgKgError):
    """A data file (report, Turtle/TriG, CSV) could not be read; names the file and line."""

    def __init__(self, path: Path | str, line: int | None, message: str) -> None:
        self.path = Path(path)
        self.line = line
        self.message = message
        where = f"{self.path}:{line}" if line else str(self.path)
        super().__init__(f"{where}: {message}")


class QueryError(EmgKgError):
    """A SPARQL query is malformed, refused (update, LOAD, SERVICE) or lacks a parameter."""


class TooManyRows(QueryError):
    """An answer longer than the caller's row limit (the server's ``--max-rows``)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        super().__init__(
            f"the result has more than {limit} rows (the server's --max-rows "
            "limit); add a LIMIT or narrow the query"
        )


class MappingError(SourceError):
    """A user-supplied agency -> target mapping has a bad row; nothing is merged."""


class EntityNotFound(EmgKgError):
    """No entity matches the IRI, prefixed name, label or alias the user gave."""

    exit_code = 1
