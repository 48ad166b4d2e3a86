"""Results collapsed by story: one hit per story, the story's best-ranked article among the
search's results, with its other matching articles kept for "+N more in this story".

Everything is numpy over the per-commit story number of each document (-1 for an article that is
in no story of two or more): a sort of the search's grouped documents by (story, rank key), whose
first per story stays.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class Collapsed:
    mask: np.ndarray  # the search's documents that represent their story (and the ungrouped ones)
    stories: int  # how many results that makes
    docs: np.ndarray  # the grouped documents, by story then rank
    numbers: np.ndarray  # their story numbers (sorted)

    def others(self, story: int) -> np.ndarray:
        """The story's documents in the search other than its representative, best first."""
        start, end = np.searchsorted(self.numbers, [story, story + 1])
        return self.docs[start + 1:end]


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
    if not grouped.any():
        return Collapsed(mask, len(docs), docs[:0], numbers[:0])
    group_docs, group_numbers = docs[grouped], numbers[grouped]
    order = np.lexsort((group_docs, key[group_docs], group_numbers))
    group_docs, group_numbers = group_docs[order], group_numbers[order]
    first = np.r_[True, group_numbers[1:] != group_numbers[:-1]]
    kept = mask.copy()
    kept[group_docs[~first]] = False
    stories = int(np.count_nonzero(~grouped)) + int(np.count_nonzero(first))
    return Collapsed(kept, stories, group_docs, group_numbers)
