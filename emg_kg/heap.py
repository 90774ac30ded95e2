"""Freed heap given back to the system where a phase of work ends (glibc's ``malloc_trim``).

A query on a large store builds and drops hundreds of MiB (Oxigraph's joins, the answer's
Python rows), and glibc keeps what was freed inside its heap for the next allocation rather
than give it back: at 2 M quads in memory a session of every named query, the gap report and
the whole view grew from 1,122 MiB after the load to 1,593 (peak 1,597), each phase starting
on the last one's leftovers. ``malloc_trim(0)`` returns the free pages inside the heap, not only
at its top: after each query the session stays near 1,100 MiB and peaks at 1,419 (the largest
query's own working memory on top of the store); docs/benchmarks-scale.md has the figures.

:func:`give_back` is called once where a phase ends: after a load into memory
(:func:`emg_kg.data.diskstore.load_memory`), after each query the runner answers
(:func:`emg_kg.query.run.run`; queries read together on threads give back once, when the last
is read: :func:`emg_kg.query.together.answers`), and after a view is read
(:func:`emg_kg.analysis.bounded.view_of`). A trim costs what it returns: under a millisecond
after a small query, 15-70 ms after one that freed hundreds of MiB (against its 1.5-3 s).

A user who tunes glibc's trimming (``$MALLOC_TRIM_THRESHOLD_``, or ``glibc.malloc`` tunables
in ``$GLIBC_TUNABLES``) is left to it; elsewhere than glibc nothing is done.
"""

from __future__ import annotations

import ctypes
import functools
import itertools
import os
from collections.abc import Callable

__all__ = ["give_back", "phases_ended", "user_tuned"]

_ENDED = itertools.count()
_count = 0


def user_tuned() -> bool:
    """True when the environment already says how glibc trims its heap."""
    tunables = os.environ.get("GLIBC_TUNABLES", "")
    return "MALLOC_TRIM_THRESHOLD_" in os.environ or "glibc.malloc.trim_threshold" in tunables


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's ``malloc_trim``, or None where the C library has none."""
    try:
        trim = getattr(ctypes.CDLL(None), "malloc_trim", None)
    except OSError:  # no C library to open (not a POSIX system)
        return None
    if trim is None:
        return None
    trim.argtypes, trim.restype = [ctypes.c_size_t], ctypes.c_int
    return trim


def give_back() -> bool:
    """A phase of work has ended: give glibc's free heap pages back to the system, unless the
    user tunes the trimming (:func:`user_tuned`); True when memory was given back."""
    global _count
    _count = next(_ENDED) + 1
    if user_tuned():
        return False
    trim = _malloc_trim()
    return bool(trim and trim(0))


def phases_ended() -> int:
    """How many times :func:`give_back` was called in this process (what the tests check)."""
    return _count
