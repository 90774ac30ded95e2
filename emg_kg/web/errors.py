"""The HTTP status of each error the web side answers with: one table, by error type.

The command line turns the same errors into exit codes (:attr:`EmgKgError.exit_code`); the web
side does not derive its status from those: a query the gate refuses is a 403 here and exit 2
there, a name nothing matches a 404 here and exit 1 there. A type not in the table takes the
status of its nearest base class that is.

>>> from emg_kg.errors import EntityNotFound, QueryError
>>> status_of(EntityNotFound("no entity 'X'")), status_of(QueryError("syntax error"))
(404, 400)
>>> status_of(RuntimeError("a bug"))
500
"""

from __future__ import annotations

from emg_kg.errors import (
    EmgKgError,
    EntityNotFound,
    MappingError,
    QueryError,
    SourceError,
    TooManyRows,
)
from emg_kg.query.gate import RefusedError

__all__ = ["STATUS", "status_of"]

#: error type -> HTTP status
STATUS: dict[type[BaseException], int] = {
    EmgKgError: 400,  # the request could not be served as asked
    QueryError: 400,  # a malformed query or a missing parameter
    TooManyRows: 422,  # a well-formed query whose answer is over the server's --max-rows
    RefusedError: 403,  # an update, LOAD or SERVICE: this endpoint is read-only
    EntityNotFound: 404,  # a name or IRI that nothing in the graph matches
    SourceError: 500,  # the server's own data could not be read: not the client's fault
    MappingError: 500,  # the server's --mapping file (checked at start, so only by a bug)
}


def status_of(err: BaseException) -> int:
    """The status for ``err``: its type's in :data:`STATUS`, else its nearest base's, else 500."""
    for kind in type(err).__mro__:
        if kind in STATUS:
            return STATUS[kind]
    return 500
