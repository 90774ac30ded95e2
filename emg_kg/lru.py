"""A least-recently-used cache bounded by the size of what it holds, not by its count.

The server's caches hold pages of very different sizes (a neighbourhood view is 50 kB to 1 MB),
and any client can ask for a new one (``/views/neighbourhood?entity=...``): a count limit would
still let them grow to hundreds of MB. Entries are ``(body bytes, ...)`` tuples or bytes; the
size counted is the bytes' length.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from typing import Generic, TypeVar

__all__ = ["SizedLRU"]

V = TypeVar("V")


def _size(value: object) -> int:
    if isinstance(value, bytes | str):
        return len(value)
    if isinstance(value, tuple):
        return sum(_size(v) for v in value)
    return 64


class SizedLRU(Generic[V]):
    """At most ``max_bytes`` of values; the least recently used go first. Thread-safe.

    >>> cache = SizedLRU(10)
    >>> cache.put("a", b"12345")
    >>> cache.put("b", b"12345")
    >>> cache.get("a")  # "a" is now the most recently used
    b'12345'
    >>> cache.put("c", b"123")  # 13 bytes: "b", the least recently used, goes
    >>> [key for key in "abc" if key in cache], cache.size
    (['a', 'c'], 8)
    >>> cache.put("big", b"x" * 11)  # larger than the whole cache: not kept, nothing dropped
    >>> "big" in cache, len(cache)
    (False, 2)
    """

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max(0, max_bytes)
        self.size = 0
        self._items: OrderedDict[Hashable, tuple[V, int]] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, key: Hashable) -> bool:
        return key in self._items

    def get(self, key: Hashable) -> V | None:
        with self._lock:
            found = self._items.get(key)
            if found is None:
                return None
            self._items.move_to_end(key)
            return found[0]

    def put(self, key: Hashable, value: V) -> None:
        """Keep ``value`` (unless it alone is larger than the whole cache)."""
        size = _size(value)
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self.size -= old[1]
            if size > self.max_bytes:
                return
            self._items[key] = (value, size)
            self.size += size
            while self.size > self.max_bytes:
                _, (_, dropped) = self._items.popitem(last=False)
                self.size -= dropped
