"""The SQLite files of the index folder's ``cache/`` (NER mentions, cleaned articles, parsed
entity mentions, body fingerprints): opened in WAL mode with ``synchronous=NORMAL`` — a crash may
lose the last commits, never consistency, and a lost row only costs a recomputation.

:class:`KeyedCache` is the shape most of them share: ``key -> value`` rows for one ``version``
(what the values were computed with), so a new version simply misses and old rows stay until
:meth:`KeyedCache.prune`. One process at a time: the indexer holds the index folder's write lock
around their use.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import importlib.metadata
import pickle
import platform
import sqlite3
import zlib
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

from .errors import InputError

_CHUNK = 500  # keys per SELECT: well under SQLite's host-parameter limit


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


def code_fingerprint(*distributions: str, source: Path = Path(__file__).parent) -> str:
    """A hash of Dateline's own source (every module of the ``search`` package), the Python version
    (``re``, ``unicodedata``) and the installed versions of ``distributions``: a cache of what
    that code computes, versioned by it, misses after any change to it instead of serving results
    of older rules. ``source``: the package folder."""
    digest = hashlib.sha256(f"python {platform.python_version()}\0".encode())
    for module in sorted(source.glob("*.py")):
        digest.update(module.name.encode() + b"\0" + module.read_bytes() + b"\0")
    for name in distributions:
        try:
            version = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            version = "absent"
        digest.update(f"{name}=={version}\0".encode())
    return digest.hexdigest()


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic garbage collection inside. For bulk work that allocates millions of objects
    forming no cycles (decoded cache rows; entity resolution's items and counts): each burst of
    them would otherwise set off full collections that walk every live object of the process (5
    of them, a fifth of a warm entity pass of 19k articles: bench/README.md); paused, one runs
    after. Not around NER: spaCy's objects do form cycles."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class KeyedCache:
    """``key -> value`` for one ``version``, in table ``table`` of one SQLite file. Values are
    pickled and compressed (zlib level 1: 0.5-0.65 of the size for articles and parses, ~40 MB/s)
    unless a subclass encodes them otherwise (:meth:`encode` / :meth:`decode`); the file lives in
    the index folder, written by this program only.

    Rows of kilobytes (articles, parses) go in an ordinary rowid table: in a ``WITHOUT ROWID``
    one they sit in the key's B-tree and spill to overflow pages, which made these files 1.6x
    larger for the same rows (Reuters: cleaned articles 90 MB against 57, parses 47 against 29).
    A subclass with small rows (:class:`search.mentions_cache.MentionCache`) keeps its
    ``WITHOUT ROWID`` table."""

    table = "rows"
    without_rowid = False
    #: the table these caches used before ``rows``: its rows were of older code, so it goes
    retired = "entries"
    what = "cache"

    def __init__(self, path: Path, version: str) -> None:
        self.path = Path(path)
        self.version = version
        schema = (f"CREATE TABLE IF NOT EXISTS {self.table} (key TEXT NOT NULL, version TEXT NOT NULL, "
                  f"data BLOB NOT NULL, PRIMARY KEY (key, version)){' WITHOUT ROWID' if self.without_rowid else ''};")
        if self.retired:
            schema += f"DROP TABLE IF EXISTS {self.retired};"
        self._db = open_cache(self.path, schema, self.what)

    @staticmethod
    def encode(value: Any) -> str | bytes:
        return zlib.compress(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL), 1)

    @staticmethod
    def decode(data: str | bytes) -> Any:
        return pickle.loads(zlib.decompress(data))

    def get_many(self, keys: Iterable[str]) -> dict[str, Any]:
        """The cached values of those ``keys`` that are present (misses are simply absent)."""
        wanted = list(dict.fromkeys(keys))
        found: dict[str, Any] = {}
        with collector_paused():  # a warm index run decodes the whole corpus's rows here
            for i in range(0, len(wanted), _CHUNK):
                chunk = wanted[i:i + _CHUNK]
                marks = ",".join("?" * len(chunk))
                rows = self._db.execute(
                    f"SELECT key, data FROM {self.table} WHERE version = ? AND key IN ({marks})",
                    [self.version, *chunk],
                )
                for key, data in rows:
                    found[key] = self.decode(data)
        return found

    def put_many(self, items: Mapping[str, Any]) -> None:
        """Store all ``items`` in one transaction: either all of them are kept or none."""
        self.put_encoded({key: self.encode(value) for key, value in items.items()})

    def put_encoded(self, items: Mapping[str, str | bytes]) -> None:
        """:meth:`put_many` of values already encoded (:meth:`encode`, e.g. by a worker process)."""
        rows = [(key, self.version, data) for key, data in items.items()]
        if not rows:
            return
        with _Transaction(self._db):
            self._db.executemany(
                f"INSERT OR REPLACE INTO {self.table} (key, version, data) VALUES (?, ?, ?)", rows
            )

    def prune(self) -> int:
        """Delete rows of other versions; returns how many went."""
        with _Transaction(self._db):
            return self._db.execute(f"DELETE FROM {self.table} WHERE version != ?", [self.version]).rowcount

    def __len__(self) -> int:
        query = f"SELECT COUNT(*) FROM {self.table} WHERE version = ?"
        return self._db.execute(query, [self.version]).fetchone()[0]

    def close(self) -> None:
        self._db.close()

    def __enter__(self):
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()


class _Transaction:
    """``BEGIN IMMEDIATE`` ... ``COMMIT``, rolled back on any exception (autocommit connection)."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def __enter__(self) -> None:
        self._db.execute("BEGIN IMMEDIATE")

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self._db.execute("COMMIT" if kind is None else "ROLLBACK")
