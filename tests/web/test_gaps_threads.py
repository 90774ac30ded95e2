"""Inside `serve`, the gap report stays within the server's own limits: its queries, read
together elsewhere (query/together.py), are read at most ``--client-queries`` at once (what
one client may have running on the query workers), one report at a time."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from emg_kg.query.engines import OxigraphEngine
from emg_kg.web.server import Running


@pytest.fixture()
def watched(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """Every Oxigraph query in this process noted: its thread and how many ran at once."""
    seen: dict[str, Any] = {"threads": set(), "now": 0, "most": 0, "count": 0}
    lock, real = threading.Lock(), OxigraphEngine.execute

    def execute(self: OxigraphEngine, *args: Any, **kw: Any) -> Any:
        with lock:
            seen["threads"].add(threading.current_thread().name)
            seen["now"] += 1
            seen["count"] += 1
            seen["most"] = max(seen["most"], seen["now"])
        try:
            return real(self, *args, **kw)
        finally:
            with lock:
                seen["now"] -= 1

    monkeypatch.setattr(OxigraphEngine, "execute", execute)
    return seen


@pytest.mark.parametrize(("per_client", "evidence"), [(1, "curated"), (2, "all")])
def test_the_gap_report_reads_at_most_a_clients_share_at_once(
    server: Running,
    watched: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
    per_client: int,
    evidence: str,
) -> None:
    monkeypatch.setattr(server.app.settings, "per_client", per_client)
    monkeypatch.setattr(server.app, "_gaps", {})  # computed here, whatever other tests asked
    html = server.app.gaps("en", evidence)
    assert "Aichi" in html and watched["count"] >= 10
    assert 1 <= watched["most"] <= per_client
    if per_client == 1:  # one after the other, on the request's own thread
        assert watched["threads"] == {threading.current_thread().name}
