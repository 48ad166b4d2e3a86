"""Searching the Whoosh index. With the modules beside it that it uses — :mod:`search.documents`
(schema and writer), :mod:`search.snapshot` (per-commit caches), :mod:`search.postings`
(postings arrays), :mod:`search.arrayquery` (matching and scoring on them),
:mod:`search.querywords` (a query's words, best match) and :mod:`search.highlighting` — the only
code that imports Whoosh.

Everything that leaves this module is a plain record from :mod:`search.models`, so a second
backend (OpenSearch) can stand behind the same API.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from whoosh import index, qparser, query, scoring
from whoosh.analysis import STOP_WORDS
from whoosh.qparser.dateparse import DateParserPlugin

from . import highlighting, lenient, querywords
from .arrayquery import Evaluator
from .documents import SEARCH_FIELDS, indexes_stop_words
from .errors import QueryError
from .models import FACETS, FacetCount, Filters, Span
from .snapshot import Snapshot

log = logging.getLogger(__name__)

#: Query-language names a user may type for fields (``person:"Wang Yi"``, ``org:CNN``).
FIELD_ALIASES = {
    "people": "person",
    "organisation": "org",
    "organization": "org",
    "location": "place",
    "site": "source",
    "by": "contributor",
    "reporter": "contributor",
    "author": "contributor",
}

#: most unknown words a spelling correction is looked for
MAX_MISSPELT = 4
#: seconds a search may take before it is refused as too broad (``open_index(time_budget=...)``)
DEFAULT_TIME_BUDGET = 2.0


@dataclass
class Matches:
    """The documents a query matches, with their scores (parallel arrays), the words it searched
    (wildcards expanded, for highlighting) and notes on how it was narrowed."""

    docnums: np.ndarray
    scores: np.ndarray
    words: set[str]
    notes: list[str]

    def mask(self, size: int) -> np.ndarray:
        mask = np.zeros(size, dtype=bool)
        mask[self.docnums] = True
        return mask


def _buckets(first: dt.date, last: dt.date, granularity: str) -> list[str]:
    if granularity == "day":
        return [dt.date.fromordinal(d).isoformat() for d in range(first.toordinal(), last.toordinal() + 1)]
    if granularity == "month":
        months = range(first.year * 12 + first.month - 1, last.year * 12 + last.month)
        return [f"{m // 12:04d}-{m % 12 + 1:02d}" for m in months]
    return [f"{year:04d}" for year in range(first.year, last.year + 1)]




@dataclass
class RankedPage:
    docnums: list[int]
    scores: list[float | None]


class Searcher:
    """A read-only view of one index generation. Thread-safe: each thread gets its own
    Whoosh searcher; the numpy caches are shared."""

    def __init__(self, directory: Path, time_budget: float = DEFAULT_TIME_BUDGET):
        self.directory = directory
        self.time_budget = time_budget
        self._index = index.open_dir(str(directory))
        self._local = threading.local()
        self._lock = threading.Lock()
        self._snapshots: dict[int, Snapshot] = {}  # by Whoosh commit generation
        self.schema = self._index.schema
        #: False for an index built before stop words were indexed (it still searches as before)
        self.stop_words_indexed = indexes_stop_words(self.schema)
        self._parser = self._make_parser()

    # whoosh searchers -------------------------------------------------------------------------

    def _searcher(self):
        searcher = getattr(self._local, "searcher", None)
        if searcher is None:
            searcher = self._index.searcher(weighting=scoring.BM25F())
            self._local.searcher = searcher
        return searcher

    def refresh(self) -> None:
        """Move this thread's view to the latest commit of an incremental update. Called once at
        the start of each request, never during one, so a request's document numbers and
        snapshot always belong to the same commit."""
        searcher = self._searcher()
        if not searcher.up_to_date():
            # a new searcher, not ``searcher.refresh()``: whoosh3 3.54's refresh reuses segment
            # readers without the deletions committed since, so removed articles stayed visible
            # (the old one is not closed: a snapshot of its commit may still be reading from it)
            self._local.searcher = self._index.searcher(weighting=scoring.BM25F())

    def snapshot(self) -> Snapshot:
        generation = self._searcher().ixreader.generation()
        with self._lock:
            snapshot = self._snapshots.get(generation)
            if snapshot is None:
                snapshot = self._snapshots[generation] = Snapshot(self._searcher().ixreader, self.directory)
                # keep this commit's and the previous one's: other threads may not have moved yet
                for old in sorted(self._snapshots)[:-2]:
                    del self._snapshots[old]
            return snapshot

    def doc_count(self) -> int:
        return self._searcher().doc_count()

    # queries ----------------------------------------------------------------------------------

    def _make_parser(self) -> qparser.QueryParser:
        parser = qparser.MultifieldParser(list(SEARCH_FIELDS), self.schema, group=qparser.AndGroup)
        parser.add_plugin(qparser.FuzzyTermPlugin())
        # "-" means NOT only at the start of a word: "U.S.-China", "high-stakes", "date:2023-06"
        parser.add_plugin(qparser.PlusMinusPlugin(minusexpr=r"(?<![^\s(])-"))
        parser.add_plugin(DateParserPlugin(free=False))
        parser.remove_plugin_class(qparser.BoostPlugin)
        return parser

    def parse(self, text: str) -> query.Query:
        return self.read(text)[0]

    def read(self, text: str) -> tuple[query.Query, list[str]]:
        """The query ``text`` stands for, read leniently (:mod:`search.lenient`), and notices of
        what was ignored or read as text. Raises QueryError only for a query with nothing to
        search (no words; only stop words, in an index built before they were indexed) or a wildcard
        too broad to run."""
        text, notes = lenient.tidy(text)
        text = _FIELD_NAME.sub(lambda m: FIELD_ALIASES.get(m.group(1).lower(), m.group(1).lower()) + ":", text)
        known = {*self.schema.names(), "date"}
        unknown = sorted({name for name in _FIELD_NAME.findall(text) if name not in known})
        if unknown:
            # "ratio:3" is text, not a field: read the colon as a space
            text = _FIELD_NAME.sub(lambda m: m.group(0) if m.group(1) in known else m.group(1) + " ", text)
            fields_list = ", ".join(["title", "body", "date", *FACETS])
            notes.append(f"{', '.join(unknown)} is not a field ({fields_list}): searched as a word.")
        if text and all(word in _OPERATORS for word in text.split()):
            raise QueryError("The query has no words to search for: AND, OR and NOT join words.")
        try:
            parsed = self._parser.parse(text)
        except Exception:  # Whoosh raises many kinds for bad syntax: read the text as words
            parsed = None
        if parsed is None or isinstance(parsed, type(query.NullQuery)):
            words = lenient.plain_words(text)
            if any(word not in STOP_WORDS or self.stop_words_indexed for word in words):
                notes.append("Part of the query is not valid syntax: its words were searched as text.")
                parsed = self._parser.parse(" ".join(words))
                if isinstance(parsed, type(query.NullQuery)):
                    raise QueryError("The query has no words to search for: single letters are not indexed"
                                     + ("." if self.stop_words_indexed else ", nor very common words (stop words)."))
            else:
                words = [w for w in words if w.upper() not in _OPERATORS]
                if words:
                    raise QueryError(
                        f"{' '.join(words)!r}: only very common words (stop words such as 'the', 'may', "
                        "'will'), which this index leaves out (it was built before they were indexed: "
                        "`dateline index --rebuild` indexes them); add a more specific word."
                    )
                raise QueryError("The query has no words to search for.")
        parsed = querywords.without_stop_words(parsed)
        for node in parsed.leaves():
            if isinstance(node, query.Wildcard | query.Prefix) and len(node.text.strip("*?")) < 2:
                raise QueryError(
                    f"The wildcard {node.text!r} is too broad: give at least two letters before '*'."
                )
        return parsed.accept(self._canonical_entities), notes

    def _canonical_entities(self, node: query.Query) -> query.Query:
        """``person:"wang yi"`` or ``person:Blinken`` finds the canonical entity whatever the case,
        and a single name matches every entity that has it as one of its words."""
        if not isinstance(node, query.Term) or node.fieldname not in FACETS:
            return node
        arrays = self.snapshot().facets[node.fieldname]
        text = str(node.text)
        exact = arrays.find(text)
        if exact is not None:
            return query.Term(node.fieldname, arrays.values[exact])
        word = re.compile(rf"(?<!\w){re.escape(text)}(?!\w)", re.IGNORECASE)
        matches = [v for v in arrays.values if word.search(v)]
        if matches:
            return query.Or([query.Term(node.fieldname, v) for v in matches])
        return node

    def _evaluator(self, deadline: float | None) -> Evaluator:
        snap = self.snapshot()
        deadline = time.monotonic() + self.time_budget if deadline is None else deadline
        return Evaluator(snap.postings, self._searcher(), snap.live, snap.days, deadline)

    def matches(self, q: query.Query, deadline: float | None = None) -> Matches:
        """Every document ``q`` matches, scored; raises QueryTooBroad past the deadline
        (default: the time budget from now)."""
        evaluator = self._evaluator(deadline)
        found = evaluator.run(q)
        words = {word for field, word in evaluator.words if field in SEARCH_FIELDS}
        return Matches(found.docs, found.scores, words, evaluator.notes)

    def base_mask(self, matches: Matches | None) -> np.ndarray:
        """Documents a query matches (every live one for no query)."""
        snap = self.snapshot()
        if matches is None:
            return snap.live.copy()
        return matches.mask(snap.size) & snap.live

    def filter_masks(self, filters: Filters) -> dict[str, np.ndarray]:
        """One mask per active facet (and ``date`` for the range)."""
        snap = self.snapshot()
        masks: dict[str, np.ndarray] = {}
        for name, wanted in filters.facets.items():
            if not wanted:
                continue
            if name not in snap.facets:
                raise QueryError(f"Unknown facet {name!r}: use one of {', '.join(FACETS)}.")
            arrays = snap.facets[name]
            ids = [i for i in (arrays.find(w) for w in wanted) if i is not None]
            mask = np.zeros(snap.size, dtype=bool)
            if ids:
                mask[arrays.docs[np.isin(arrays.value_ids, ids)]] = True
            masks[name] = mask
        if filters.date_from or filters.date_to:
            low = filters.date_from.toordinal() if filters.date_from else 1
            high = filters.date_to.toordinal() if filters.date_to else dt.date.max.toordinal()
            masks["date"] = (snap.days >= low) & (snap.days <= high)
        return masks

    def facet_counts(
        self, name: str, mask: np.ndarray, selected: Sequence[str], limit: int
    ) -> list[FacetCount]:
        """The ``limit`` commonest values among ``mask``'s documents (ties in name order), plus
        every selected value. Selection is done in numpy: a facet may have tens of thousands
        of values."""
        arrays = self.snapshot().facets[name]
        counts = np.bincount(arrays.value_ids[mask[arrays.docs]], minlength=len(arrays.values))
        present = np.flatnonzero(counts)
        if len(present) > limit:
            # keep everything at least as common as the limit-th value, then order exactly
            kth = np.partition(counts[present], len(present) - limit)[len(present) - limit]
            present = present[counts[present] >= kth]
        order = present[np.lexsort((present, -counts[present]))][:limit]
        chosen = {i for i in (arrays.find(s) for s in selected) if i is not None}
        result = [FacetCount(arrays.values[i], int(counts[i]), int(i) in chosen) for i in order.tolist()]
        shown = set(order.tolist())
        for value in selected:
            number = arrays.find(value)
            if number is None:
                result.append(FacetCount(value, 0, True))
            elif number not in shown:
                result.append(FacetCount(arrays.values[number], int(counts[number]), True))
                shown.add(number)
        return result

    def date_histogram(self, mask: np.ndarray) -> tuple[str, list[FacetCount]]:
        days = self.snapshot().days[mask]
        days = days[days > 0]
        if not len(days):
            return "month", []
        span = int(days.max() - days.min())
        granularity = "year" if span > 3 * 366 else "month" if span > 62 else "day"
        width = {"year": 4, "month": 7, "day": 10}[granularity]
        first = int(days.min())
        counts = np.bincount(days - first)  # linear, where np.unique sorts
        values = np.flatnonzero(counts)
        counts, values = counts[values], values + first
        # every bucket from the first to the last, empty ones too, so gaps show as gaps
        buckets = dict.fromkeys(_buckets(dt.date.fromordinal(int(values[0])),
                                         dt.date.fromordinal(int(values[-1])), granularity), 0)
        for day, count in zip(values.tolist(), counts.tolist(), strict=True):
            buckets[dt.date.fromordinal(day).isoformat()[:width]] += count
        return granularity, [FacetCount(k, v) for k, v in buckets.items()]

    def ranked(self, matches: Matches | None, mask: np.ndarray, sort: str, start: int, stop: int) -> RankedPage:
        """One page of ``mask``'s documents: by score (``matches`` given, sort "relevance"),
        else by date, newest or oldest first; unknown dates last either way."""
        if matches is not None and sort == "relevance":
            keep = mask[matches.docnums]
            docnums, scores = matches.docnums[keep], matches.scores[keep]
            if stop < len(docnums):
                # every document scoring at least the stop-th score, then an exact order
                kth = np.partition(scores, len(scores) - stop)[len(scores) - stop]
                top = np.flatnonzero(scores >= kth)
                docnums, scores = docnums[top], scores[top]
            order = np.lexsort((docnums, -scores))[start:stop]
            return RankedPage(docnums[order].tolist(), scores[order].tolist())
        docnums = np.flatnonzero(mask)
        days = self.snapshot().days[docnums]
        if sort == "oldest":
            key = np.where(days > 0, days, np.iinfo(np.int32).max)
            order = np.lexsort((docnums, key))
        else:
            order = np.lexsort((docnums, -days))
        chosen = docnums[order[start:stop]].tolist()
        return RankedPage(chosen, [None] * len(chosen))

    def stored(self, docnum: int) -> dict:
        return self._searcher().stored_fields(docnum)

    def docnum(self, article_id: str) -> int | None:
        return self._searcher().document_number(id=article_id)

    def article_ids(self) -> list[str | None]:
        """Each document number's article id (None where none is live), kept per commit."""
        return self.snapshot().ids(self._searcher().ixreader)

    def snippet(self, terms: set[str], text: str, top: int = 3, size: int = 200) -> list[list[Span]]:
        """Up to ``top`` fragments of ``text`` around the words ``terms`` (from :class:`Matches`
        or :meth:`query_terms`); the start of the text when none is found."""
        return highlighting.snippet(self.schema["body"].analyzer, terms, text, top, size)

    def highlight_whole(self, terms: set[str], text: str) -> list[Span]:
        return highlighting.highlight_whole(self.schema["body"].analyzer, terms, text)

    def query_terms(self, q: query.Query) -> set[str]:
        """The indexed words a query searches in title or body, wildcards expanded as
        :meth:`matches` expands them (at most ``arrayquery.MAX_EXPANSION`` each)."""
        evaluator = self._evaluator(None)
        for leaf in q.leaves():
            if leaf.field() in SEARCH_FIELDS:
                evaluator.collect_words(leaf)
        return {word for field, word in evaluator.words if field in SEARCH_FIELDS}

    def suggest(self, q: query.Query, text: str) -> str | None:
        """A corrected query string, for words found in neither titles nor bodies; none when
        more than :data:`MAX_MISSPELT` distinct words are unknown (not a typo, and Whoosh's
        corrector costs ~10 ms a word)."""
        reader = self._searcher().ixreader
        unknown = [
            (leaf.fieldname, leaf.text)
            for leaf in q.leaves()
            if isinstance(leaf, query.Term) and leaf.fieldname in SEARCH_FIELDS
            and not any((field, leaf.text) in reader for field in SEARCH_FIELDS)
        ]
        if not unknown or len({word for _, word in unknown}) > MAX_MISSPELT:
            return None
        corrector = self.snapshot().corrector(reader)
        correction = self._searcher().correct_query(
            q, text, correctors=dict.fromkeys(SEARCH_FIELDS, corrector), terms=unknown, maxdist=2, prefix=1
        )
        if correction.string and correction.string != text:
            return correction.string
        return None

    def count(self, q: query.Query, deadline: float | None = None) -> int:
        return int(self.base_mask(self.matches(q, deadline)).sum())

    def more_like(self, docnum: int, top: int) -> list[int]:
        """Whoosh's ``more_like`` (the body's 5 key terms, Bo1), stop words aside: indexed, they
        would be key terms of every article."""
        searcher = self._searcher()
        text = self.stored(docnum).get("body") or ""
        terms = searcher.key_terms_from_text("body", text, numterms=5 + len(STOP_WORDS))
        key = query.Or([query.Term("body", word, boost=weight) for word, weight in terms
                        if word not in STOP_WORDS][:5])
        return [hit.docnum for hit in searcher.search(key, limit=top, mask={docnum})]

    def facet_values(self, name: str) -> list[FacetCount]:
        snap = self.snapshot()
        return self.facet_counts(name, snap.live, [], limit=len(snap.facets[name].values))


_FIELD_NAME = re.compile(r"(?<![\w\"])([A-Za-z_]+):(?=\S)")
_OPERATORS = {"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE"}
