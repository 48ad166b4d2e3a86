"""Results collapsed by story: one hit per story, the story's best-ranked article among the
search's results, with its other matching articles kept for "+N more in this story".

Everything is numpy over the per-commit story number of each document (-1 for an article that is
in no story of two or more), in time linear in the search's documents: each story's best rank key
(``np.minimum.at``), its first document among those holding it, and, only for the stories a page
shows, the others in rank order.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class Collapsed:
    mask: np.ndarray  # the search's documents that represent their story (and the ungrouped ones)
    stories: int  # how many results that makes
    docs: np.ndarray  # the search's grouped documents
    numbers: np.ndarray  # their story numbers
    keys: np.ndarray  # their rank keys

    def others(self, story: int) -> np.ndarray:
        """The story's documents in the search other than its representative, best first."""
        chosen = self.numbers == story
        docs, keys = self.docs[chosen], self.keys[chosen]
        return docs[np.lexsort((docs, keys))][1:]


def rank_key(size: int, sort: str, days: np.ndarray, docnums: np.ndarray | None, scores: np.ndarray | None):
    """Per document, a number that is lower for a better-ranked document under ``sort``."""
    if sort == "relevance" and docnums is not None:
        key = np.full(size, np.inf)
        key[docnums] = -scores
        return key
    if sort == "oldest":
        return np.where(days > 0, days, np.iinfo(np.int32).max).astype(np.int64)
    return -days.astype(np.int64)


def collapse(mask: np.ndarray, story: np.ndarray, key: np.ndarray) -> Collapsed:
    """Keep, of ``mask``'s documents in each story, the one with the lowest ``key`` (then the
    lowest document number: the order a page lists them in)."""
    docs = np.flatnonzero(mask)
    numbers = story[docs]
    grouped = numbers >= 0
    docs, numbers = docs[grouped], numbers[grouped]
    keys = key[docs]
    kept = mask.copy()
    if len(docs):
        size = int(numbers.max()) + 1
        # of the keys' own type: np.minimum.at with a cast is 25x slower
        worst = np.inf if keys.dtype.kind == "f" else np.iinfo(keys.dtype).max
        best = np.full(size, worst, dtype=keys.dtype)
        np.minimum.at(best, numbers, keys)
        tied = keys == best[numbers]
        first = np.full(size, len(mask), dtype=np.int64)
        np.minimum.at(first, numbers[tied], docs[tied])
        kept[docs[docs != first[numbers]]] = False
    stories = int(np.count_nonzero(~grouped)) + int(np.count_nonzero(np.bincount(numbers))) if len(docs) \
        else int(np.count_nonzero(~grouped))
    return Collapsed(kept, stories, docs, numbers, keys)
