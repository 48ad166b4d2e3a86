"""The per-article half of entity resolution, cached: each article's cleaned mentions (with
their context cues), mentioned dates and word counts (:func:`search.entity_parse.parse_batch`),
so a rebuild or an update that re-resolves the corpus parses only the articles that changed.

A row's key is a hash of everything the step reads of an article: its NER text, title and date,
and its raw mentions; its version is a hash of the resolution fingerprint (pipeline, rules
revision, aliases file: :func:`search.entity_pass.fingerprint`) and of Dateline's own source
(:func:`search.cachedb.code_fingerprint`), so an edited rule or aliases file misses instead of
serving items parsed by the old one.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path

from .cachedb import KeyedCache, code_fingerprint
from .entities import Mention
from .models import Article


class ParseCache(KeyedCache):
    """``key -> (items, dates, word counts)`` of :func:`search.entity_parse.parse_batch`, pickled."""

    what = "entity parse cache"

    def __init__(self, path: Path, resolution_fingerprint: str) -> None:
        version = hashlib.sha256(f"{resolution_fingerprint};{code_fingerprint()}".encode()).hexdigest()
        super().__init__(path, version)

    @staticmethod
    def key(article: Article, text: str, mentions: Sequence[Mention]) -> str:
        digest = hashlib.sha256(text.encode("utf-8"))
        date = article.date.isoformat() if article.date else ""
        # a Mention is a tuple: [text, label, start] in JSON
        digest.update(json.dumps([article.title, date, mentions], ensure_ascii=False).encode("utf-8"))
        return digest.hexdigest()
