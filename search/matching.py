"""Which query runs for what was typed: all words, best match, or a corrected spelling.

- **All words** (the default): every word must match, as a keyword search expects.
- **Best match**: a long query (a sentence, a pasted claim: :data:`LONG_QUERY` words or more)
  and a shorter one whose words are never all in one article rank every article with at least
  :func:`minimum_should_match` of the words (one) by all the words it has, as BM25F
  (:class:`~search.arrayquery.FieldedWords`), and the notes say so.
- **Auto-correct**: a short query that finds fewer than :data:`FEW` articles runs its spelling
  correction instead when that finds far more (:data:`FAR_MORE` times, and at least
  :data:`FEW`); otherwise the correction is offered as "Did you mean".
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field

from . import querywords
from .backend import Matches, Searcher

log = logging.getLogger(__name__)

#: fewer hits than this and a short query tries its spelling correction
FEW = 3
#: a query of this many distinct words or more is a sentence: best match
LONG_QUERY = 5
#: share of a best-match query's words an article must have (rounded up, at least one word): 0,
#: one word, as BM25 and Elasticsearch's ``match`` rank; 10% lost recall (bench/README.md)
MIN_SHOULD_MATCH = 0.0
#: best match: a title occurrence's weight relative to the index's title boost of 2 (1: a title
#: occurrence counts as two in the body, as in keyword search; bench/README.md)
TITLE_WEIGHT = 1.0
#: a correction replaces the query when it finds this many times more articles
FAR_MORE = 10


@dataclass
class Plan:
    """The query that ran and how it was chosen."""

    matches: Matches
    match: str = "all"  # "all" or "best"
    words: int = 0  # distinct plain words of the query
    minimum: int | None = None  # best match: words an article needs
    corrected: str | None = None  # the corrected query that ran instead of the typed one
    suggestion: str | None = None  # a correction offered, not applied
    ignored: list[str] = field(default_factory=list)  # notices of what lenient reading ignored
    notes: list[str] = field(default_factory=list)  # everything to tell the reader


def minimum_should_match(words: int) -> int:
    return max(1, math.ceil(words * MIN_SHOULD_MATCH))


def plan(searcher: Searcher, text: str, deadline: float, autocorrect: bool = True) -> Plan:
    parsed, ignored = searcher.read(text)
    matches = searcher.matches(parsed, deadline)
    found = _count(searcher, matches)
    words = querywords.words_of(parsed)
    corrected = suggestion = None
    if found < FEW and len(words) < LONG_QUERY:
        better = _better_query(searcher, parsed, text, found, deadline)
        if better and autocorrect and better[1] >= max(FEW, FAR_MORE * found):
            corrected = better[0]
            parsed, more_ignored = searcher.read(corrected)
            ignored += [note for note in more_ignored if note not in ignored]
            matches = searcher.matches(parsed, deadline)
            found = _count(searcher, matches)
            words = querywords.words_of(parsed)
        elif better:
            suggestion = better[0]
    result = Plan(matches, words=len(words), corrected=corrected, suggestion=suggestion, ignored=ignored)
    if len(words) >= 2 and (len(words) >= LONG_QUERY or not found):
        minimum = minimum_should_match(len(words))
        best = _best_match(searcher, parsed, minimum, deadline)
        if not len(best.docnums) and minimum > 1:
            minimum = 1
            best = _best_match(searcher, parsed, minimum, deadline)
        if len(best.docnums) > found:
            result.matches, result.match, result.minimum = best, "best", minimum
            have = "No article has" if not found else f"{found:,} {'article has' if found == 1 else 'articles have'}"
            result.notes.append(
                f"{have} all {len(words)} words; showing the best matches "
                f"(articles with at least {minimum} of them, ranked by all they have)."
            )
    result.notes = [*ignored, *result.notes, *result.matches.notes]
    return result


def _best_match(searcher: Searcher, parsed, minimum: int, deadline: float) -> Matches:
    return searcher.matches(querywords.best_match(parsed, minimum, TITLE_WEIGHT), deadline)


def _count(searcher: Searcher, matches: Matches) -> int:
    return int(searcher.base_mask(matches).sum())


def _better_query(searcher: Searcher, parsed, text: str, found: int, deadline: float) -> tuple[str, int] | None:
    """A spelling correction of ``text`` that finds more than ``found`` articles, and how
    many it finds, if any, within the search's deadline.

    Optional help: a failure inside Whoosh's corrector (it crashes on a token split in two,
    as in "talks,balonn") or a correction too broad to count in time must not fail the search."""
    try:
        corrected = searcher.suggest(parsed, text)
        if corrected:
            count = searcher.count(searcher.parse(corrected), deadline)
            if count > found:
                return corrected, count
    except Exception:
        log.debug("no spelling suggestion for %r", text, exc_info=True)
    return None
