"""A dict that computes the value of a key it lacks: a cache looked up from C (``map(d.__getitem__,
words)``) with no Python call on a hit, for the per-word work of cleaning and analysis."""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")

#: keys a :class:`Lookup` holds at most: past it, it is emptied (a worker's memory stays bounded
#: on any vocabulary; the words of a corpus recur, so it fills again with the common ones)
LOOKUP_SIZE = 200_000


class Lookup(dict[K, V], Generic[K, V]):
    """``make(key)`` for each key asked, made once while kept (at most ``size`` keys)."""

    def __init__(self, make: Callable[[K], V], size: int = LOOKUP_SIZE) -> None:
        super().__init__()
        self._make = make
        self._size = size

    def __missing__(self, key: K) -> V:
        if len(self) >= self._size:
            self.clear()
        value = self[key] = self._make(key)
        return value
