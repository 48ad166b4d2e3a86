"""The SQLite files of the index folder's ``cache/`` (NER mentions, body fingerprints): opened in
WAL mode with ``synchronous=NORMAL`` — a crash may lose the last commits, never consistency, and a
lost row only costs a recomputation."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from .errors import InputError


def open_cache(path: Path, schema: str, what: str) -> sqlite3.Connection:
    """The cache at ``path`` with its ``schema`` made; an unreadable file is an :class:`InputError`
    saying to delete it (``what`` names the cache)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        db = sqlite3.connect(path, timeout=30, isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.executescript(schema)
    except sqlite3.DatabaseError as error:
        raise InputError(f"The {what} {path} is unreadable ({error}): delete it, it is rebuilt on the next "
                         "index run.") from error
    return db
