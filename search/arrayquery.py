"""A parsed Whoosh query evaluated on the postings arrays: the documents it matches and their
BM25F scores, computed with numpy instead of Whoosh's matchers.

Scores are Whoosh's own (``scoring.BM25F`` with its defaults, field boosts baked into the
posting weights, a sum over the query's matching words), so Whoosh stays the reference: the
tests compare both on a query suite. Where this module departs from Whoosh, it does so on
purpose and says so:

- **Bounded expansion.** A prefix, wildcard, fuzzy term or term range expands to at most
  :data:`MAX_EXPANSION` words, the most frequent first, which are then scored like words
  (Whoosh scores ranges with a constant and expands everything without limit: ``oil~9`` took
  16 s on 2,761 articles). Fuzzy terms keep at most :data:`MAX_FUZZY_DISTANCE` edits and a
  first letter in common. Each cut is reported in :attr:`Evaluator.notes`.
- **A deadline.** Every step checks the request's deadline and raises
  :class:`~search.errors.QueryTooBroad` past it, so no query holds a worker.

Phrases match the documents holding all their words (arrays), then positions are checked with
Whoosh on those candidates only. Query kinds without an array form (numeric ranges other than
dates) run through Whoosh's matchers, under the same deadline.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from dataclasses import dataclass

import numpy as np
from whoosh import query

from .errors import QueryTooBroad
from .postings import FieldPostings, Postings, bm25_idf, saturate

#: most words a wildcard, prefix, fuzzy term or range expands to
MAX_EXPANSION = 64
MAX_FUZZY_DISTANCE = 2
#: candidates (phrases) or postings (Whoosh fallback) between two looks at the clock
_CHECK_EVERY = 512


class FieldedWords(query.Or):
    """Words each searched in several fields (an OR of one word's ``Term``s, each field's
    weight its boost), scored as BM25F proper (:meth:`Evaluator._bm25f`): best match's words
    (:func:`search.querywords.best_match`). Whoosh itself would score it as a plain OR."""


@dataclass
class Scored:
    """Documents (ascending, unique) and their scores."""

    docs: np.ndarray
    scores: np.ndarray

    def __len__(self) -> int:
        return len(self.docs)


_EMPTY = Scored(np.zeros(0, np.int64), np.zeros(0, np.float64))


class Evaluator:
    """Evaluates one query for one request; not shared between threads."""

    def __init__(self, postings: Postings, searcher, live: np.ndarray, days: np.ndarray, deadline: float):
        self.postings = postings
        self.searcher = searcher  # Whoosh searcher of the same commit (phrases, fallback)
        self.live = live
        self.days = days
        self.deadline = deadline
        self.notes: list[str] = []
        #: (field, word) of every word the query searched, expansions included (for highlighting)
        self.words: set[tuple[str, str]] = set()

    def run(self, node: query.Query) -> Scored:
        self._check()
        if isinstance(node, query.Phrase):
            return self._phrase(node)
        if isinstance(node, FieldedWords):
            return self._bm25f(node)
        if type(node) is query.And:
            return _intersect([self.run(child) for child in node.subqueries])
        if type(node) is query.Or and node.scale is None:
            # minmatch: best match, at least that many of the clauses (minimum_should_match)
            return _union([self.run(child) for child in node.subqueries], len(self.live), node.minmatch or 1)
        if isinstance(node, query.AndNot):
            return _minus(self.run(node.a), self.run(node.b).docs)
        if isinstance(node, query.AndMaybe):
            required = self.run(node.a)
            return _add_where_present(required, self.run(node.b))
        if isinstance(node, query.Require):
            return _intersect([self.run(node.a), self.run(node.b)], keep_first=True)
        if isinstance(node, query.Not):
            docs = np.flatnonzero(self.live)
            docs = docs[~np.isin(docs, self.run(node.query).docs, assume_unique=True)]
            return Scored(docs, np.full(len(docs), float(node.boost)))  # Whoosh's InverseMatcher
        if isinstance(node, query.DateRange) and node.fieldname == "date":
            return self._date_range(node)
        if isinstance(node, query.MultiTerm) and self.postings.get(node.fieldname) is not None:
            return self._expansion(node)
        if type(node) is query.Term and self.postings.get(node.fieldname) is not None:
            return self._term(node.fieldname, node.text, node.boost)
        if isinstance(node, query.Every):
            return self._every(node)
        if node is query.NullQuery or isinstance(node, type(query.NullQuery)):
            return _EMPTY
        return self._whoosh(node)

    def collect_words(self, leaf: query.Query) -> None:
        """Add the words a leaf of the query searches to :attr:`words`, without matching it."""
        if isinstance(leaf, query.Phrase) and self._field(leaf.fieldname) is not None:
            for word in leaf.words:
                self._term(leaf.fieldname, word)
        else:
            self.run(leaf)

    # leaves -------------------------------------------------------------------------------

    def _field(self, name: str) -> FieldPostings:
        return self.postings.get(name)

    def _to_bytes(self, fieldname: str, text) -> bytes:
        return text if isinstance(text, bytes) else self.searcher.schema[fieldname].to_bytes(text)

    def _term(self, fieldname: str, text, boost: float = 1.0) -> Scored:
        field = self._field(fieldname)
        word = self._to_bytes(fieldname, text)
        number = field.find(word)
        if number < 0:
            return _EMPTY
        self.words.add((fieldname, word.decode("utf-8")))
        docs, scores = field.scored(number, boost)
        return Scored(docs.astype(np.int64), scores)

    def _bm25f(self, node: FieldedWords) -> Scored:
        """BM25F proper: each word's occurrences in every field, length-normalised and weighted
        by the term's boost, are added up and saturated once, with BM25's idf over the
        documents that have the word in any field; documents need ``node.minmatch`` words."""
        parts = []
        for word in node.subqueries:
            self._check()
            fields = []
            for term in word.subqueries:
                field = self._field(term.fieldname)
                text = self._to_bytes(term.fieldname, term.text)
                number = field.find(text)
                if number >= 0:
                    self.words.add((term.fieldname, text.decode("utf-8")))
                    docs, tf = field.normalized_tf(number)
                    fields.append(Scored(docs.astype(np.int64), tf * term.boost))
            if fields:
                tf = _union(fields, len(self.live))
                idf = bm25_idf(len(tf), field.doc_count_all)
                parts.append(Scored(tf.docs, idf * saturate(tf.scores)))
        return _union(parts, len(self.live), node.minmatch or 1)

    def _expansion(self, node: query.MultiTerm) -> Scored:
        """A prefix, wildcard, fuzzy term or range: its most frequent words, scored as words."""
        field = self._field(node.fieldname)
        numbers = self._expand(field, node)
        if len(numbers) > MAX_EXPANSION:
            frequent = np.argsort(-field.df[numbers].astype(np.int64), kind="stable")[:MAX_EXPANSION]
            self._note(f"{_shown(node)} matches {len(numbers):,} words: only the {MAX_EXPANSION} most frequent "
                       "were searched.")
            numbers = np.sort(numbers[frequent])
        parts = []
        for number in numbers.tolist():
            self.words.add((node.fieldname, field.terms[number].decode("utf-8")))
            docs, scores = field.scored(number, node.boost)
            parts.append(Scored(docs.astype(np.int64), scores))
        return _union(parts, len(self.live))

    def _expand(self, field: FieldPostings, node: query.MultiTerm) -> np.ndarray:
        """Term numbers of every word ``node`` stands for."""
        if isinstance(node, query.TermRange):
            low = None if node.start is None else self._to_bytes(node.fieldname, node.start)
            high = None if node.end is None else self._to_bytes(node.fieldname, node.end)
            return np.arange(*field.span(low, high, node.startexcl, node.endexcl))
        if isinstance(node, query.Prefix):
            return np.arange(*field.prefix_span(self._to_bytes(node.fieldname, node.text)))
        if isinstance(node, query.Wildcard):
            pattern = re.compile(node._get_pattern())
            start, stop = field.prefix_span(node._find_prefix(node.text).encode("utf-8"))
            return self._filter(field, start, stop, lambda word: pattern.match(word) is not None)
        if isinstance(node, query.FuzzyTerm):
            text = str(node.text)
            distance = min(int(node.maxdist), MAX_FUZZY_DISTANCE)
            prefix = max(int(node.prefixlength), 1)
            if distance < node.maxdist:
                self._note(f"{_shown(node)}: fuzzy terms allow at most {MAX_FUZZY_DISTANCE} edits.")
            start, stop = field.prefix_span(text[:prefix].encode("utf-8"))
            return self._filter(field, start, stop, lambda word: _within(text, word, distance))
        # another kind of expansion (Variations...): Whoosh lists the words, the arrays score them
        numbers = [field.find(self._to_bytes(node.fieldname, w)) for w in node._btexts(self.searcher.reader())]
        return np.array(sorted(n for n in numbers if n >= 0), dtype=np.int64)

    def _filter(self, field: FieldPostings, start: int, stop: int, keep) -> np.ndarray:
        chosen = []
        for begin in range(start, stop, 8192):
            self._check()
            words = field.terms[begin : min(stop, begin + 8192)].tolist()
            chosen.extend(begin + i for i, word in enumerate(words) if keep(word.decode("utf-8")))
        return np.array(chosen, dtype=np.int64)

    def _every(self, node: query.Every) -> Scored:
        """Every document (with a value in the field, if one is named); Whoosh's constant score."""
        if node.fieldname in (None, "", "*"):
            docs = np.flatnonzero(self.live)
        elif self._field(node.fieldname) is not None:
            docs = np.unique(self._field(node.fieldname).docs).astype(np.int64)
        else:
            return self._whoosh(node)
        return Scored(docs, np.full(len(docs), float(node.boost)))

    def _date_range(self, node: query.DateRange) -> Scored:
        """Documents dated within the range (day resolution, as indexed), Whoosh's constant score."""
        days = self.days
        mask = self.live & (days > 0)
        if node.startdate is not None:
            first = node.startdate.toordinal() + (node.startdate.time() != dt.time() or node.startexcl)
            mask &= days >= first
        if node.enddate is not None:
            last = node.enddate.toordinal() - (node.endexcl and node.enddate.time() == dt.time())
            mask &= days <= last
        docs = np.flatnonzero(mask)
        return Scored(docs, np.full(len(docs), float(node.boost)))

    def _phrase(self, node: query.Phrase) -> Scored:
        """Documents with all the words (arrays), then the positions of those candidates only."""
        if self._field(node.fieldname) is None:
            return self._whoosh(node)
        words = [self._to_bytes(node.fieldname, w) for w in node.words]
        parts = [self._term(node.fieldname, w) for w in words]
        candidates = _intersect(parts)
        if len(words) < 2 or not len(candidates):
            return candidates
        reader = self.searcher.reader()
        matchers = [reader.postings(node.fieldname, w) for w in words]
        keep = np.zeros(len(candidates), dtype=bool)
        for i, doc in enumerate(candidates.docs.tolist()):
            if i % _CHECK_EVERY == 0:
                self._check()
            positions = []
            for matcher in matchers:
                matcher.skip_to(doc)
                positions.append(matcher.value_as("positions"))
            keep[i] = _in_order(positions, node.slop)
        return Scored(candidates.docs[keep], candidates.scores[keep] * node.boost)

    def _whoosh(self, node: query.Query) -> Scored:
        """Whoosh's own matchers, segment by segment, looking at the clock as they go."""
        docs, scores = [], []
        for subsearcher, offset in self.searcher.leaf_searchers():
            matcher = node.matcher(subsearcher)
            count = 0
            while matcher.is_active():
                docs.append(matcher.id() + offset)
                scores.append(matcher.score())
                matcher.next()
                count += 1
                if count % _CHECK_EVERY == 0:
                    self._check()
        found = np.asarray(docs, dtype=np.int64)
        keep = self.live[found] if len(found) else np.zeros(0, bool)
        order = np.argsort(found[keep], kind="stable")
        return Scored(found[keep][order], np.asarray(scores, dtype=np.float64)[keep][order])

    # bookkeeping --------------------------------------------------------------------------

    def _check(self) -> None:
        if time.monotonic() > self.deadline:
            raise QueryTooBroad(
                "The query is too broad: it would take more than the search time limit. Use fewer or longer "
                "wildcard prefixes, fewer fuzzy terms, or more specific words."
            )

    def _note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)


def _shown(node: query.Query) -> str:
    text = str(node)
    return text.split(":", 1)[1] if text.startswith(("title:", "body:")) else text


# set algebra on (docs, scores) --------------------------------------------------------------


def _intersect(parts: list[Scored], keep_first: bool = False) -> Scored:
    """Documents in every part; scores summed (only the first part's with ``keep_first``)."""
    if not parts:
        return _EMPTY
    smallest_first = sorted(range(1 if keep_first else 0, len(parts)), key=lambda i: len(parts[i]))
    order = [0, *smallest_first] if keep_first else smallest_first
    first = parts[order[0]]
    docs, scores = first.docs, first.scores
    for i in order[1:]:
        other = parts[i]
        if not len(docs) or not len(other):
            return _EMPTY
        at = np.searchsorted(other.docs, docs)
        at[at == len(other.docs)] = 0
        found = other.docs[at] == docs
        docs = docs[found]
        scores = scores[found] if keep_first else scores[found] + other.scores[at[found]]
    return Scored(docs, scores)


def _union(parts: list[Scored], size: int, at_least: int = 1) -> Scored:
    """Documents in at least ``at_least`` of the parts, scores summed."""
    parts = [p for p in parts if len(p)]
    if len(parts) < at_least or not parts:
        return _EMPTY
    if len(parts) == 1:
        return parts[0]
    total = sum(len(p) for p in parts)
    if total * 8 > size:  # dense accumulation: linear in the index size, no sort
        sums = np.zeros(size, dtype=np.float64)
        hits = np.zeros(size, dtype=np.int32)
        for part in parts:
            sums[part.docs] += part.scores
            hits[part.docs] += 1
        docs = np.flatnonzero(hits >= at_least)
        return Scored(docs, sums[docs])
    docs, inverse = np.unique(np.concatenate([p.docs for p in parts]), return_inverse=True)
    scores = np.bincount(inverse, weights=np.concatenate([p.scores for p in parts]), minlength=len(docs))
    if at_least > 1:
        keep = np.bincount(inverse, minlength=len(docs)) >= at_least
        docs, scores = docs[keep], scores[keep]
    return Scored(docs, scores)


def _minus(part: Scored, docs: np.ndarray) -> Scored:
    if not len(docs) or not len(part):
        return part
    keep = ~np.isin(part.docs, docs, assume_unique=True)
    return Scored(part.docs[keep], part.scores[keep])


def _add_where_present(base: Scored, extra: Scored) -> Scored:
    if not len(extra) or not len(base):
        return base
    at = np.searchsorted(extra.docs, base.docs)
    at[at == len(extra.docs)] = 0
    found = extra.docs[at] == base.docs
    scores = base.scores.copy()
    scores[found] += extra.scores[at[found]]
    return Scored(base.docs, scores)


# words --------------------------------------------------------------------------------------


def _in_order(positions: list, slop: int) -> bool:
    """Whether each word follows the one before it by 1 to ``slop`` positions (Whoosh's
    ``SpanNear2(ordered=True, mindist=1)`` for single words)."""
    reach = set(positions[0])
    for following in positions[1:]:
        if slop <= 1:
            reach = {p for p in following if p - 1 in reach}
        else:
            reach = {p for p in following if any(0 < p - r <= slop for r in reach)}
        if not reach:
            return False
    return True


def _within(a: str, b: str, limit: int) -> bool:
    """Whether the Levenshtein distance of ``a`` and ``b`` is at most ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return False
    previous = list(range(len(b) + 1))
    for i, char in enumerate(a, 1):
        current = [i]
        for j, other in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char != other)))
        if min(current) > limit:
            return False
        previous = current
    return previous[-1] <= limit
