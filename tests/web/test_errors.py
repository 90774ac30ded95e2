"""The web side's HTTP status comes from the error's type (web/errors.py), not from the CLI's
exit code; and `serve`'s settings take their worker count when made, not when imported."""

from __future__ import annotations

import os

import pytest

from emg_kg.errors import EmgKgError, EntityNotFound, MappingError, QueryError, SourceError
from emg_kg.query.gate import RefusedError, check
from emg_kg.web.errors import STATUS, status_of
from emg_kg.web.options import Settings, default_workers


@pytest.mark.parametrize(
    ("err", "status", "exit_code"),
    [
        (RefusedError("no updates"), 403, 2),  # exit 2 on the command line, but 403 here
        (EntityNotFound("no entity"), 404, 1),
        (QueryError("syntax error"), 400, 2),
        (EmgKgError("bad request"), 400, 2),
        (SourceError("graph_data/x.trig", 3, "bad"), 500, 2),  # the server's data, not the client
        (MappingError("map.csv", 2, "bad row"), 500, 2),
    ],
)
def test_status_by_type_not_exit_code(err: EmgKgError, status: int, exit_code: int) -> None:
    assert status_of(err) == status
    assert err.exit_code == exit_code


def test_a_subclass_takes_its_nearest_base() -> None:
    class Unlisted(QueryError):
        pass

    assert Unlisted not in STATUS
    assert status_of(Unlisted("x")) == 400
    assert status_of(KeyError("a bug")) == 500


def test_the_gate_refusal_is_403() -> None:
    with pytest.raises(RefusedError) as caught:
        check("INSERT DATA { <urn:a> <urn:b> <urn:c> }", "query", {})
    assert status_of(caught.value) == 403


def test_workers_are_counted_when_settings_are_made() -> None:
    expected = max(2, min(4, os.cpu_count() or 2))
    assert default_workers() == expected
    assert Settings().workers == expected
    assert Settings(workers=1).workers == 1
    assert Settings(workers=3).threads == 3 + Settings().reserved + Settings().max_queue + 16
