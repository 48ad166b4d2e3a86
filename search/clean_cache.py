"""Cleaned articles cached by what cleaning reads, so a rebuild does not clean its articles again.

``dateline index --rebuild`` writes a new generation from all the corpus's records; most of them
are the same as last time. :func:`clean_records` cleans each record on the pool
(:func:`search.extract.extract_batch`) unless ``cache/cleaned.sqlite`` holds its article.

A row's key hashes everything :func:`search.extract.extract_article` reads of a record (id, path,
kind, metadata, decoded text, and the raw-bytes hash the article carries); its version hashes the
cleaning code: Dateline's own source and the versions of the HTML libraries it calls
(:func:`search.cachedb.code_fingerprint`). Any change to either misses. Records that could not be
cleaned are not cached: they are tried again.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from .cachedb import KeyedCache, code_fingerprint
from .compute import Pool, batched
from .extract import extract_batch
from .models import Article, Skipped, SourceRecord

#: the libraries cleaning calls, whose versions are part of a row's version
CLEANING_LIBRARIES = ("beautifulsoup4", "lxml", "trafilatura", "htmldate", "justext", "courlan")


class CleanCache(KeyedCache):
    """``record key -> Article`` as :func:`search.extract.extract_article` made it (or an
    ``(article, analysis)`` pair: :func:`clean_records`), pickled."""

    what = "cleaned-article cache"

    def __init__(self, path: Path) -> None:
        super().__init__(path, code_fingerprint(*CLEANING_LIBRARIES))

    @staticmethod
    def key(record: SourceRecord) -> str:
        head = json.dumps([record.id, record.path, record.kind, record.content_hash, record.meta],
                          ensure_ascii=False, sort_keys=True)
        return hashlib.sha256(f"{head}\0{record.text}".encode("utf-8", "surrogatepass")).hexdigest()


def clean_records(records: Iterable[SourceRecord], pool: Pool, batch: int, cache: CleanCache,
                  work: Callable[[list[SourceRecord]], list[tuple]] | None = None) -> Iterator[tuple]:
    """``(article or why there is none, extra)`` for each record, in order: from ``cache``, else
    cleaned on ``pool`` in batches of ``batch`` by ``work`` and stored. Batches of records that
    are all cached never reach the pool. ``work`` gives ``(result, extra)`` per record (default:
    :func:`search.extract.extract_batch`, no extra); the result, an article or an article with more
    (an ``(article, analysis)`` pair), is cached and handed back as it is, and a cached plain
    article still serves; ``extra`` (a body's fingerprint) is not cached: None for a cached record."""
    pending: deque[tuple[list[str], dict[str, Article | tuple], bool]] = deque()  # read, not yet handed back

    def to_clean() -> Iterator[list[SourceRecord]]:
        for chunk in batched(records, batch):
            keys = [cache.key(record) for record in chunk]
            found = cache.get_many(keys)
            misses = [record for record, key in zip(chunk, keys, strict=True) if key not in found]
            pending.append((keys, found, bool(misses)))
            if misses:
                yield misses

    def cached_chunks() -> Iterator[tuple]:
        while pending and not pending[0][2]:
            keys, found, _ = pending.popleft()
            yield from ((found[key], None) for key in keys)

    for cleaned in pool.map(functools.partial(_encoded, work or _cleaned), to_clean()):
        yield from cached_chunks()
        keys, found, _ = pending.popleft()
        fresh = iter(cleaned)
        merged, rows = [], {}
        for key in keys:
            item, extra = (found[key], None) if key in found else next(fresh)
            if isinstance(item, bytes):  # cleaned now, and encoded for the cache by the worker
                rows[key] = item
                item = cache.decode(item)
            merged.append((item, extra))
        cache.put_encoded(rows)
        yield from merged
    yield from cached_chunks()


def _cleaned(records: list[SourceRecord]) -> list[tuple[Article | Skipped, None]]:
    return [(item, None) for item in extract_batch(records)]


def _encoded(work: Callable[[list[SourceRecord]], list[tuple]],
             records: list[SourceRecord]) -> list[tuple[bytes | Skipped, Any]]:
    """A worker's task: ``work`` on ``records``, each result as the cache stores it (the process
    that writes the index only decodes it and stores the same bytes), with its extra."""
    return [(item if isinstance(item, Skipped) else CleanCache.encode(item), extra) for item, extra in work(records)]
