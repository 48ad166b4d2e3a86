"""A SQLite cache of raw NER mentions, so re-indexing and alias changes need no spaCy run.

Rows are keyed by ``(key, version)``: ``key`` is the hash of the text NER read (see
:func:`search.entities.text_key`) and ``version`` is :data:`search.entities.PIPELINE_VERSION`, so a
new model or extraction rule simply misses, and old rows stay until :meth:`MentionCache.prune`.

Crash safety: every :meth:`put_many` is one transaction in WAL mode. A process killed mid-write
(SIGKILL) leaves the last committed state; SQLite rolls the partial write back on the next open.
``synchronous=NORMAL`` may lose the last commits on power loss, never consistency: a cache miss
only costs a re-run.

One process at a time: the indexer holds the index folder's write lock around its use. Readers in
other processes would work (WAL), but nothing here coordinates concurrent writers beyond
SQLite's own locking and a busy timeout.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from pathlib import Path

from .cachedb import KeyedCache
from .entities import PIPELINE_VERSION, Mention

log = logging.getLogger(__name__)


class MentionCache(KeyedCache):
    """``key -> list[Mention]`` for the current :data:`PIPELINE_VERSION`, stored in one SQLite file
    (as JSON: the rows outlive code changes that only touch the resolution)."""

    table = "mentions"
    without_rowid = True  # rows of a few hundred bytes
    retired = ""
    what = "mention cache"

    def __init__(self, path: Path, version: str = PIPELINE_VERSION) -> None:
        super().__init__(path, version)

    @staticmethod
    def encode(value: Iterable[Mention]) -> str:
        return json.dumps(list(value), ensure_ascii=False, separators=(",", ":"))  # [[text, label, start], ...]

    @staticmethod
    def decode(data: str | bytes) -> list[Mention]:
        return list(map(Mention._make, json.loads(data)))

    def prune(self) -> int:
        """Delete rows of other pipeline versions; returns how many went."""
        deleted = super().prune()
        if deleted:
            log.info("mention cache: pruned %d rows of older pipeline versions", deleted)
        return deleted
