"""The second wall: a process that runs user SPARQL gets no network at all.

The gate (:mod:`emg_kg.gate`) refuses SERVICE, but a future gap in it (a parser quirk, an
Oxigraph extension) must not become a server-side request forgery. So the query workers, and
``emg-kg query`` before it runs a user's text, move into a network namespace of their own
(Linux ``unshare(CLONE_NEWNET)``): it holds only a loopback interface that is down, so any
``connect()`` fails with "Network is unreachable", to the internet and to the host's own
loopback alike. Non-root processes get the namespace inside a new user namespace
(``CLONE_NEWUSER | CLONE_NEWNET``), which needs a single-threaded process: call this early.

Where the platform forbids it (macOS, Windows, containers without user namespaces), the gate
is the only wall; :func:`cut_network` says why, and the callers warn. ``EMG_KG_REQUIRE_SANDBOX=1``
turns that into a refusal (a worker does not start, ``emg-kg query`` exits 2): set it where the
endpoint is exposed beyond loopback.
"""

from __future__ import annotations

import os
import sys

__all__ = ["wall", "cut_network", "require_sandbox", "CLONE_NEWNET", "CLONE_NEWUSER"]

CLONE_NEWNET = 0x40000000
CLONE_NEWUSER = 0x10000000
_done = False


def cut_network() -> str | None:
    """Leave the host's network for an empty namespace; None on success, else the reason.

    Idempotent: a second call in the same process does nothing.
    """
    global _done
    if _done:
        return None
    if not sys.platform.startswith("linux"):
        return f"network namespaces are Linux-only (this is {sys.platform})"
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        unshare = libc.unshare
    except (OSError, AttributeError) as err:
        return f"unshare() is not available: {err}"
    reasons = []
    for flags, what in ((CLONE_NEWNET, "net"), (CLONE_NEWUSER | CLONE_NEWNET, "user+net")):
        uid, gid = os.getuid(), os.getgid()
        if unshare(flags) == 0:
            if flags & CLONE_NEWUSER:
                _map_ids(uid, gid)
            _done = True
            return None
        reasons.append(f"unshare({what}): {os.strerror(ctypes.get_errno())}")
    return "; ".join(reasons)


def _map_ids(uid: int, gid: int) -> None:
    """Map our own uid and gid into the new user namespace, so files we create (the store
    cache) keep their owner; unmapped, creating a file fails with EOVERFLOW."""
    for name, text in (
        ("setgroups", "deny"),
        ("uid_map", f"{uid} {uid} 1"),
        ("gid_map", f"{gid} {gid} 1"),
    ):
        try:
            with open(f"/proc/self/{name}", "w", encoding="ascii") as handle:
                handle.write(text)
        except OSError:
            pass  # reading still works; only new files would fail


def require_sandbox() -> bool:
    """True when ``EMG_KG_REQUIRE_SANDBOX`` asks to refuse running without the wall."""
    return os.environ.get("EMG_KG_REQUIRE_SANDBOX", "").strip().lower() in ("1", "yes", "true")


def wall(who: str, warn: bool = True) -> None:
    """Cut the network of this process, or say why not: a warning on stderr (when ``warn``),
    or, under ``EMG_KG_REQUIRE_SANDBOX=1``, a message and exit status 2."""
    why = cut_network()
    if why is None:
        return
    if require_sandbox():
        print(
            f"emg-kg: {who}: refusing to run without its network sandbox "
            f"(EMG_KG_REQUIRE_SANDBOX is set): {why}",
            file=sys.stderr,
        )
        raise SystemExit(2)
    if warn:
        print(
            f"emg-kg: warning: {who} keeps its network access ({why}); "
            "the query gate still refuses SERVICE",
            file=sys.stderr,
        )
