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
import sqlite3
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import TracebackType

from .cachedb import open_cache
from .entities import PIPELINE_VERSION, Mention

log = logging.getLogger(__name__)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS mentions (
    key TEXT NOT NULL,
    version TEXT NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (key, version)
) WITHOUT ROWID
"""
_CHUNK = 500  # keys per SELECT: well under SQLite's host-parameter limit


def _encode(mentions: Iterable[Mention]) -> str:
    return json.dumps([[m.text, m.label, m.start] for m in mentions], ensure_ascii=False,
                      separators=(",", ":"))


def _decode(data: str) -> list[Mention]:
    return [Mention(text, label, start) for text, label, start in json.loads(data)]


class MentionCache:
    """``key -> list[Mention]`` for the current :data:`PIPELINE_VERSION`, stored in one SQLite file."""

    def __init__(self, path: Path, version: str = PIPELINE_VERSION) -> None:
        self.path = Path(path)
        self.version = version
        self._db = open_cache(self.path, _SCHEMA, "mention cache")

    def get_many(self, keys: Iterable[str]) -> dict[str, list[Mention]]:
        """The cached mentions of those ``keys`` that are present (misses are simply absent)."""
        wanted = list(dict.fromkeys(keys))
        found: dict[str, list[Mention]] = {}
        for i in range(0, len(wanted), _CHUNK):
            chunk = wanted[i:i + _CHUNK]
            marks = ",".join("?" * len(chunk))
            rows = self._db.execute(
                f"SELECT key, data FROM mentions WHERE version = ? AND key IN ({marks})",
                [self.version, *chunk],
            )
            for key, data in rows:
                found[key] = _decode(data)
        return found

    def put_many(self, items: Mapping[str, Iterable[Mention]]) -> None:
        """Store all ``items`` in one transaction: either all of them are kept or none."""
        rows = [(key, self.version, _encode(mentions)) for key, mentions in items.items()]
        if not rows:
            return
        with self._transaction():
            self._db.executemany(
                "INSERT OR REPLACE INTO mentions (key, version, data) VALUES (?, ?, ?)", rows
            )

    def prune(self) -> int:
        """Delete rows of other pipeline versions; returns how many went."""
        with self._transaction():
            deleted = self._db.execute("DELETE FROM mentions WHERE version != ?", [self.version]).rowcount
        if deleted:
            log.info("mention cache: pruned %d rows of older pipeline versions", deleted)
        return deleted

    def __len__(self) -> int:
        query = "SELECT COUNT(*) FROM mentions WHERE version = ?"
        return self._db.execute(query, [self.version]).fetchone()[0]

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> MentionCache:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()

    def _transaction(self):
        return _Transaction(self._db)


class _Transaction:
    """``BEGIN IMMEDIATE`` ... ``COMMIT``, rolled back on any exception (autocommit connection)."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def __enter__(self) -> None:
        self._db.execute("BEGIN IMMEDIATE")

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self._db.execute("COMMIT" if kind is None else "ROLLBACK")
