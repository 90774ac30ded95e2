"""The options of ``emg-kg serve`` in one place: :class:`Settings`, its defaults, and the
command-line flags that set them (kept light: the CLI imports this without the server).

Every limit has a default fit for a small shared machine; ``emg-kg serve --help`` lists
them all and the README says when to change them (behind a reverse proxy).
"""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from emg_kg.web.pool import Limits

if TYPE_CHECKING:
    from emg_kg.query.engines import Backend

__all__ = ["Settings", "add_limit_options", "apply_limit_options", "default_workers"]


def default_workers() -> int:
    """Query worker processes when none are asked for: the CPUs, at least 2, at most 4.

    The default factory of :attr:`Settings.workers`: counted when a :class:`Settings` is made,
    not fixed when this module is imported; ``emg-kg serve --workers N`` passes N instead."""
    return max(2, min(4, os.cpu_count() or 2))


@dataclass
class Settings:
    """What ``emg-kg serve`` takes: where to listen, how much a query may cost, how the
    server is shared (the defaults are ``emg-kg serve --help``'s)."""

    host: str = "127.0.0.1"
    port: int = 8000
    timeout: float = 10.0
    max_rows: int = 10_000
    workers: int = field(default_factory=default_workers)
    quiet: bool = False
    max_bytes: int = 8 * 1024**2  # the largest answer, in bytes (the whole graph is ~2.4 MB)
    reserved: int = 1  # workers kept for quick queries
    quick: float = 3.0  # seconds a query may hold a reserved worker (then: reniced or moved)
    per_client: int = 2  # queries one client may have running
    client_queue: int = 8  # queries one client may have waiting
    max_queue: int = 64  # queries waiting in all
    queue_wait: float = 30.0  # seconds a query may wait for a worker
    max_connections: int = 1000  # connections at once (then the oldest half request goes)
    client_connections: int = 64  # connections from one address (a trusted proxy's excepted)
    backlog: int = 1024
    keep_alive: float = 5.0  # seconds an idle keep-alive connection stays open
    header_timeout: float = 10.0  # seconds to send a whole request head
    body_timeout: float = 30.0  # seconds to send a request body
    send_timeout: float = 30.0  # seconds a client may take to read each 64 kB of an answer
    trusted_proxies: list[str] = field(default_factory=list)  # may set X-Forwarded-For
    public_status: bool = False  # /status in full for every client, not only loopback
    mapping: Path | None = None  # a user mapping CSV, added to what the app and workers load
    view_cache: int = 64 * 1024**2  # bytes of view pages kept in memory
    result_cache: int = 64 * 1024**2  # bytes of query answers kept in memory (0: none)
    backend: Backend | None = None  # where the graph is (issue 10); None: in memory

    @property
    def threads(self) -> int:
        """Threads for pages and queries: every query that may wait, plus room for pages."""
        return self.workers + self.reserved + self.max_queue + 16

    def limits(self) -> Limits:
        return Limits(
            timeout=self.timeout,
            queue_wait=max(self.queue_wait, self.timeout),
            reserved=self.reserved,
            quick=self.quick,
            per_client=self.per_client,
            client_queue=self.client_queue,
            max_queue=self.max_queue,
        )


#: (flag, Settings field, type, metavar, help); the default comes from Settings
_OPTIONS: list[tuple[str, str, type, str, str]] = [
    ("--max-bytes", "max_bytes", int, "N", "largest answer in bytes; larger is a 422"),
    ("--reserved-workers", "reserved", int, "N", "extra workers kept for quick queries"),
    ("--quick-limit", "quick", float, "S", "seconds a query may hold a reserved worker"),
    ("--client-queries", "per_client", int, "N", "queries one client may have running"),
    ("--client-queue", "client_queue", int, "N", "queries one client may have waiting"),
    ("--queue", "max_queue", int, "N", "queries waiting in all; more get 503 + Retry-After"),
    ("--queue-wait", "queue_wait", float, "S", "seconds a query may wait for a worker"),
    (
        "--max-connections",
        "max_connections",
        int,
        "N",
        "open connections; past it the oldest half request is dropped",
    ),
    ("--client-connections", "client_connections", int, "N", "open connections from one address"),
    ("--backlog", "backlog", int, "N", "listen backlog (connections not yet accepted)"),
    ("--keep-alive", "keep_alive", float, "S", "seconds an idle connection stays open"),
    ("--header-timeout", "header_timeout", float, "S", "seconds to send a request head"),
    ("--body-timeout", "body_timeout", float, "S", "seconds to send a request body"),
    ("--send-timeout", "send_timeout", float, "S", "seconds to read each 64 kB of an answer"),
    ("--view-cache", "view_cache", int, "BYTES", "memory for cached view pages"),
    (
        "--result-cache",
        "result_cache",
        int,
        "BYTES",
        "memory for kept query answers (0: none; never with --endpoint)",
    ),
]


def add_limit_options(p: argparse.ArgumentParser) -> None:
    """The sharing and exposure options of ``serve`` (each help text says its default)."""
    d = Settings()
    g = p.add_argument_group("limits (see the README: deploying the endpoint)")
    for flag, name, kind, metavar, text in _OPTIONS:
        default = getattr(d, name)
        g.add_argument(
            flag,
            dest=name,
            type=kind,
            metavar=metavar,
            default=default,
            help=f"{text} (default {default:g})"
            if kind is float
            else f"{text} (default {default})",
        )
    g.add_argument(
        "--trusted-proxy",
        action="append",
        default=[],
        metavar="ADDR",
        help="a reverse proxy's address whose X-Forwarded-For names the client (repeatable; "
        "default none: the client is the peer address)",
    )
    g.add_argument(
        "--public-status",
        action="store_true",
        help="show /status in full (worker PIDs, memory) to every client "
        "(default: only to loopback clients)",
    )


def apply_limit_options(settings: Settings, args: argparse.Namespace) -> Settings:
    """Copy the parsed limit options into ``settings``; a non-positive limit is refused."""
    for flag, name, _, _, _ in _OPTIONS:
        value = getattr(args, name)
        if value < 0 or (value == 0 and name not in ("reserved", "result_cache")):
            raise ValueError(f"{flag} must be positive (got {value:g})")
        setattr(settings, name, value)
    settings.trusted_proxies = list(args.trusted_proxy)
    settings.public_status = bool(args.public_status)
    return settings
