"""The public query API: :func:`open_index` and the :class:`NewsIndex` it returns.

The web layer and the CLI use only this; they never see a Whoosh object.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from . import backend, cooccur, matching
from .articleread import MAX_QUERY_CHARS, ArticleAPI, article_hit, corpus_acronyms
from .errors import QueryError
from .models import (
    FACETS,
    SORTS,
    BatchRow,
    CoOccurrence,
    Filters,
    Hit,
    IndexInfo,
    SearchResults,
)
from .roots import roots_from_meta
from .store import IndexFolder, read_meta
from .storyread import StoryAPI
from .titlecase import display_title

log = logging.getLogger(__name__)

MAX_PER_PAGE = 100
MAX_RESULTS = 10_000  # deepest result a page may reach
_MENTIONED_KEY = re.compile(r"\d{4}-\d{2}(?:-\d{2})?", re.ASCII)
#: how often (seconds) a reader checks whether a rebuild swapped in a new generation
RECHECK_SECONDS = 1.0


class NewsIndex(StoryAPI, ArticleAPI):
    """A searchable index. Safe to share between threads; follows rebuilds by itself. Its story
    methods (``stories``, ``story``, ``story_of``) are in :mod:`search.storyread`."""

    def __init__(self, path: Path, time_budget: float = backend.DEFAULT_TIME_BUDGET):
        self.folder = IndexFolder(Path(path))
        self.time_budget = time_budget
        self._lock = threading.Lock()
        self._generation = self.folder.current()
        self._searcher = backend.Searcher(self._generation, time_budget)
        self._searcher.snapshot()  # facet arrays now, not in the first user's query
        self._checked = time.monotonic()

    # generations -----------------------------------------------------------------------------

    def _current(self) -> backend.Searcher:
        now = time.monotonic()
        if now - self._checked >= RECHECK_SECONDS:
            with self._lock:
                self._checked = now
                name = self.folder.current_name()
                if name and name != self._generation.name:
                    log.info("index %s: switching to generation %s", self.folder.root, name)
                    generation = self.folder.current()
                    searcher = backend.Searcher(generation, self.time_budget)
                    searcher.snapshot()
                    # the previous searcher is left to the garbage collector: other threads
                    # may still be reading from it
                    self._generation, self._searcher = generation, searcher
        self._searcher.refresh()
        return self._searcher

    def info(self) -> IndexInfo:
        searcher = self._current()
        meta = read_meta(searcher.directory)
        return IndexInfo(
            path=str(self.folder.root),
            generation=searcher.directory.name,
            articles=searcher.doc_count(),
            roots=[str(root.path) for root in roots_from_meta(meta)],
            updated=meta.get("updated"),
        )

    # search ----------------------------------------------------------------------------------

    def search(
        self,
        query: str = "",
        filters: Filters | None = None,
        sort: str = "relevance",
        page: int = 1,
        per_page: int = 10,
        facet_limit: int = 10,
        autocorrect: bool = True,
        collapse: bool = False,
    ) -> SearchResults:
        """Ranked hits with highlighted snippets, facet counts and a date histogram.

        Facet counts follow the query and every *other* facet's filter, so selecting a value
        never hides the alternatives within that facet (values of one facet are OR-ed).
        Any text is a query (:mod:`search.lenient`, :mod:`search.matching`): all its words must
        match, or, for a sentence or a query whose words are never all found together, the best
        matches rank first; a typo is corrected when the correction finds far more
        (``autocorrect=False`` runs the query as typed). ``collapse``: one hit per story (its
        best-ranked article, the others under ``hit.story``); pages then go through stories.
        Raises :class:`QueryError` for a query with nothing to search or a bad parameter, and
        its subclass :class:`QueryTooBroad` for a query that would take longer than the time budget.
        """
        started = time.perf_counter()
        deadline = time.monotonic() + self.time_budget
        filters = filters or Filters()
        query = (query or "").strip()
        _check_params(query, sort, page, per_page)
        _check_filters(filters)
        searcher = self._current()
        plan = matching.plan(searcher, query, deadline, autocorrect) if query else None
        matches = plan.matches if plan else None
        base = searcher.base_mask(matches)
        masks = searcher.filter_masks(filters)
        final = base.copy()
        for mask in masks.values():
            final &= mask

        def except_(name: str):
            mask = base.copy()
            for other, other_mask in masks.items():
                if other != name:
                    mask &= other_mask
            return mask

        facets = {
            name: searcher.facet_counts(name, except_(name), filters.facets.get(name, []), facet_limit)
            for name in FACETS
        }
        # a date range zooms the histogram in: its own months or days, not the whole span's years
        granularity, histogram = searcher.date_histogram(except_("date") & masks["date"] if "date" in masks
                                                         else except_("date"))

        # with no query there is no relevance: the listing is newest first, and says so
        sort = sort if plan is not None or sort != "relevance" else "newest"
        start = (page - 1) * per_page
        stop = start + per_page
        hits: list[Hit] = []
        total = int(final.sum())
        collapsed = self._collapse(searcher, final, matches, sort) if collapse else None
        if start < (collapsed.stories if collapsed else total):
            ranked = searcher.ranked(matches, collapsed.mask if collapsed else final, sort, start, stop)
            hits = [
                article_hit(searcher, docnum, score, matches.words if matches else set(), snippet_chars=200)
                for docnum, score in zip(ranked.docnums, ranked.scores, strict=True)
            ]
            self._attach_stories(searcher, hits, ranked.docnums, collapsed)

        return SearchResults(
            query=query,
            filters=filters,
            sort=sort,
            page=page,
            per_page=per_page,
            total=total,
            hits=hits,
            facets=facets,
            date_histogram=histogram,
            date_granularity=granularity,
            took_ms=round((time.perf_counter() - started) * 1000, 2),
            suggestion=plan.suggestion if plan else None,
            notes=plan.notes if plan else [],
            match=plan.match if plan else "all",
            min_match=plan.minimum if plan else None,
            corrected=plan.corrected if plan else None,
            ignored=plan.ignored if plan else [],
            collapsed=collapsed is not None,
            stories=collapsed.stories if collapsed else None,
        )

    def _search_mask(self, searcher: backend.Searcher, query: str, filters: Filters | None, autocorrect: bool):
        """The mask of articles a search finds: its query read as :meth:`search` reads it, within the filters."""
        filters = filters or Filters()
        query = (query or "").strip()
        _check_params(query, "relevance", 1, 1)
        _check_filters(filters)
        plan = matching.plan(searcher, query, time.monotonic() + self.time_budget, autocorrect) if query else None
        return _within(searcher, plan.matches if plan else None, filters)

    def _display_title(self, searcher: backend.Searcher, title: str) -> str:
        return display_title(title, "", corpus_acronyms(searcher.directory))

    def iter_results(
        self,
        query: str = "",
        filters: Filters | None = None,
        sort: str = "relevance",
        batch: int = 500,
        autocorrect: bool = True,
    ) -> Iterator[Hit]:
        """Every hit of a search, in the order :meth:`search` pages through them, with no
        :data:`MAX_RESULTS` cap: for exports. Hits are made ``batch`` at a time, so memory stays
        flat however many match (the matching document numbers are the only thing held whole).

        The query is parsed and matched now, so a bad query or parameter raises
        :class:`QueryError` here rather than from the first ``next()``."""
        filters = filters or Filters()
        query = (query or "").strip()
        _check_params(query, sort, 1, 1)
        _check_filters(filters)
        searcher = self._current()
        # the same reading of the query as search(): an export holds what the page shows
        plan = matching.plan(searcher, query, time.monotonic() + self.time_budget, autocorrect) if query else None
        matches = plan.matches if plan else None
        final = _within(searcher, matches, filters)
        sort = sort if plan is not None or sort != "relevance" else "newest"
        return self._stream(searcher, matches, final, sort, max(1, batch))

    @staticmethod
    def _stream(searcher: backend.Searcher, matches, final, sort: str, batch: int) -> Iterator[Hit]:
        total = int(final.sum())
        words = matches.words if matches else set()
        for start in range(0, total, batch):
            ranked = searcher.ranked(matches, final, sort, start, min(start + batch, total))
            for docnum, score in zip(ranked.docnums, ranked.scores, strict=True):
                yield article_hit(searcher, docnum, score, words, snippet_chars=200)

    def batch(self, queries: list[str], filters: Filters | None = None) -> list[BatchRow]:
        """For each query, the number of articles it matches within ``filters`` and the first and
        last publication date among them. A query that cannot run (malformed, too broad) gets
        its message in ``error``; the others still run. Each query has the time budget."""
        filters = filters or Filters()
        _check_filters(filters)
        searcher = self._current()
        within = _within(searcher, None, filters)
        days = searcher.snapshot().days
        rows = []
        for query in queries:
            query = query.strip()
            try:
                _check_params(query, "relevance", 1, 1)
                if not query:
                    raise QueryError("The query is empty.")
                matches = searcher.matches(searcher.parse(query), time.monotonic() + self.time_budget)
            except QueryError as error:
                rows.append(BatchRow(query, 0, error=str(error)))
                continue
            docnums = matches.docnums[within[matches.docnums]]
            dated = days[docnums]
            dated = dated[dated > 0]
            rows.append(BatchRow(
                query,
                len(docnums),
                dt.date.fromordinal(int(dated.min())) if len(dated) else None,
                dt.date.fromordinal(int(dated.max())) if len(dated) else None,
            ))
        return rows

    def cooccurrence(
        self,
        facet: str,
        value: str,
        query: str = "",
        filters: Filters | None = None,
        limit: int = 20,
        autocorrect: bool = True,
    ) -> CoOccurrence | None:
        """Who appears with ``value`` of ``facet`` in the articles of a search (the query and
        filters; everything by default): the best associated people, organisations and places,
        and its articles per month. None when the index has no such value."""
        started = time.perf_counter()
        if facet not in FACETS:
            raise QueryError(f"Unknown facet {facet!r}: use one of {', '.join(FACETS)}.")
        filters = filters or Filters()
        query = (query or "").strip()
        _check_params(query, "relevance", 1, 1)
        _check_filters(filters)
        searcher = self._current()
        snap = searcher.snapshot()
        value_id = snap.facets[facet].find(value)
        if value_id is None:
            return None
        # the same reading of the query as search(): "within the current search" is what the page showed
        plan = matching.plan(searcher, query, time.monotonic() + self.time_budget, autocorrect) if query else None
        within = _within(searcher, plan.matches if plan else None, filters)
        result = cooccur.cooccurrence(snap.facets, snap.days, facet, value_id, within, limit)
        result.took_ms = round((time.perf_counter() - started) * 1000, 2)
        return result


def _check_params(query: str, sort: str, page: int, per_page: int) -> None:
    if len(query) > MAX_QUERY_CHARS:
        raise QueryError(
            f"The query is {len(query):,} characters long: keep it under {MAX_QUERY_CHARS:,}."
        )
    if sort not in SORTS:
        raise QueryError(f"Unknown sort {sort!r}: use one of {', '.join(SORTS)}.")
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise QueryError(f"per_page must be between 1 and {MAX_PER_PAGE}, not {per_page}.")
    if page < 1 or (page - 1) * per_page >= MAX_RESULTS:
        raise QueryError(f"page must be between 1 and {MAX_RESULTS // per_page}, not {page}.")


def _check_filters(filters: Filters) -> None:
    """A ``mentioned`` value is a date key; anything else would silently match nothing."""
    for value in filters.facets.get("mentioned", []):
        try:
            if not _MENTIONED_KEY.fullmatch(value):
                raise ValueError(value)
            dt.date.fromisoformat(value if len(value) == 10 else value + "-01")
        except ValueError:
            raise QueryError(
                f"{value[:40]!r} is not a month or day for the mentioned filter: "
                "use YYYY-MM or YYYY-MM-DD, e.g. 2023-06 or 2023-06-18."
            ) from None


def _within(searcher: backend.Searcher, matches, filters: Filters):
    """The mask of live articles that ``matches`` holds (all of them for None) and every filter admits."""
    mask = searcher.base_mask(matches)
    for filter_mask in searcher.filter_masks(filters).values():
        mask &= filter_mask
    return mask


def open_index(path: Path | str, time_budget: float = backend.DEFAULT_TIME_BUDGET) -> NewsIndex:
    """Open the index at ``path``; raises :class:`IndexNotFound` with what to do if absent.

    ``time_budget``: seconds a search may take before it is refused as too broad."""
    return NewsIndex(Path(path), time_budget)


def to_jsonable(value):
    """Records to plain JSON types (dates as ISO strings)."""
    if dataclasses.is_dataclass(value):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [to_jsonable(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value
