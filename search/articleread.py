"""The article half of the public API: one article as shown, its highlights, similar articles and
the index's canonical entities; and how a stored article becomes a hit (shared with searching).

:class:`ArticleAPI` is a part of :class:`~search.service.NewsIndex`, which provides ``_current``.
"""

from __future__ import annotations

import dataclasses
import threading
from pathlib import Path

from . import backend, documents
from .errors import QueryError
from .models import FACETS, Article, EntityInfo, Hit, Span
from .store import META, read_meta
from .titlecase import display_title

MAX_QUERY_CHARS = 1000


class ArticleAPI:
    def get(self, article_id: str) -> Article | None:
        searcher = self._current()
        docnum = searcher.docnum(article_id)
        if docnum is None:
            return None
        return for_display(documents.document_to_article(searcher.stored(docnum)), searcher.directory)

    def highlight(self, article: Article, query: str) -> tuple[list[Span], list[list[Span]]]:
        """The article's title and paragraphs with the query's words marked."""
        plain = ([Span(article.title)], [[Span(p)] for p in article.paragraphs])
        query = (query or "").strip()
        if not query or len(query) > MAX_QUERY_CHARS:
            return plain
        searcher = self._current()
        try:
            parsed = searcher.parse(query)
        except QueryError:
            return plain
        try:
            terms = searcher.query_terms(parsed)
        except QueryError:
            return plain
        return (
            searcher.highlight_whole(terms, article.title),
            [searcher.highlight_whole(terms, p) for p in article.paragraphs],
        )

    def more_like_this(self, article_id: str, limit: int = 5) -> list[Hit]:
        searcher = self._current()
        docnum = searcher.docnum(article_id)
        if docnum is None:
            return []
        similar = searcher.more_like(docnum, limit)
        return [article_hit(searcher, other, None, set(), snippet_chars=160) for other in similar]

    def entities(self, facet: str | None = None) -> list[EntityInfo]:
        """Canonical entities with article counts and the surface forms merged into them."""
        if facet is not None and facet not in FACETS:
            raise QueryError(f"Unknown entity type {facet!r}: use one of {', '.join(FACETS)}.")
        searcher = self._current()
        forms = read_meta(searcher.directory).get("surface_forms", {})
        result = []
        for name in [facet] if facet else FACETS:
            for count in searcher.facet_values(name):
                aliases = sorted(set(forms.get(name, {}).get(count.value, [])) - {count.value})
                result.append(EntityInfo(name, count.value, count.count, aliases))
        return result


def for_display(article: Article, generation: Path) -> Article:
    """The article as shown: a headline sent in capitals in title case (stored text unchanged)."""
    return dataclasses.replace(article, title=display_title(article.title, article.body, corpus_acronyms(generation)))


_acronyms_cache: dict[Path, tuple[int, frozenset[str]]] = {}
_acronyms_lock = threading.Lock()


def corpus_acronyms(generation: Path) -> frozenset[str]:
    """The corpus's acronyms (see :mod:`search.titlecase`), read again when the index's
    settings file changes (an incremental update rewrites it in the same generation)."""
    try:
        stamp = (generation / META).stat().st_mtime_ns
    except FileNotFoundError:
        return frozenset()
    with _acronyms_lock:
        cached = _acronyms_cache.get(generation)
        if cached is None or cached[0] != stamp:
            cached = _acronyms_cache[generation] = (stamp, frozenset(read_meta(generation).get("acronyms", [])))
            for old in list(_acronyms_cache)[:-4]:  # a long-running server sees many rebuilds
                del _acronyms_cache[old]
        return cached[1]


def article_hit(
    searcher: backend.Searcher, docnum: int, score: float | None, terms: set[str], snippet_chars: int
) -> Hit:
    article = for_display(documents.document_to_article(searcher.stored(docnum)), searcher.directory)
    return Hit(
        id=article.id,
        title=article.title,
        date=article.date,
        source=article.site,
        url=article.url,
        score=score,
        snippet=searcher.snippet(terms, article.body, size=snippet_chars),
        people=article.entities.people,
        dateline=article.dateline,
        orgs=article.entities.orgs,
        places=article.entities.places,
    )
