"""Repeated paragraphs in one article: verbatim repeats, teasers of a fuller paragraph, pull quotes.

A repeat goes unless it is a line an article repeats on purpose (a list item, a question put to
several people, a label); a teaser or pull quote gives way to the fuller paragraph it comes from.
"""

from __future__ import annotations

import itertools
import re
import unicodedata

from .boilerplate import is_call_to_action
from .models import Dropped
from .sentences import REPORTED_SPEECH, SENTENCE_END, first_sentence

DUPLICATE_MIN_WORDS = 4
#: a repeat this many paragraphs or fewer after the copy before it is the page printing it twice
NEAR_REPEAT = 2
#: a one-sentence line up to this long (a list item, a recipe line, an interview question) may
#: recur further apart as content: the same feature bullet under two products, the same question
#: put to three people
LIST_LINE_MAX_WORDS = 25
LIST_LINE_SHORT_WORDS = 8
CONTAINMENT_MIN_WORDS = 8
CONTAINMENT_WORDS = 0.85
CONTAINMENT_BIGRAMS = 0.75
_WORD = re.compile(r"\w+(?:[.,'’/-]\w+)*")


def dedupe_key(paragraph: str) -> str:
    """Words only, case-folded: two paragraphs with the same key are the same text."""
    return " ".join(_key_words(paragraph))


def _key_words(paragraph: str) -> list[str]:
    """The words of :func:`dedupe_key` (none holds a space)."""
    return _WORD.findall(unicodedata.normalize("NFKC", paragraph).casefold())


def _has_digit(word: str) -> bool:
    return any(map(str.isdigit, word))


def _containment(a: list[str], words_b: set[str], pairs_b: set[tuple[str, str]],
                 figures_a: set[str] | None = None) -> tuple[float, float]:
    """``figures_a``: the words of ``a`` holding a digit, when known."""
    if figures_a is None:
        figures_a = {w for w in a if _has_digit(w)}
    if not a or not figures_a <= words_b:
        return 0.0, 0.0  # a different figure is a different fact
    words = sum(map(words_b.__contains__, a)) / len(a)
    pairs_a = list(itertools.pairwise(a))
    pairs = sum(map(pairs_b.__contains__, pairs_a)) / len(pairs_a) if pairs_a else words
    return words, pairs


def containment(short: str, long: str) -> tuple[float, float]:
    """Share of ``short``'s words and of its word pairs that also occur in ``long``."""
    b = _key_words(long)
    return _containment(_key_words(short), set(b), set(itertools.pairwise(b)))


def is_contained(short: str, long: str) -> bool:
    """True when ``short`` is a teaser or near-copy of the longer paragraph ``long``."""
    n_short, n_long = len(_key_words(short)), len(_key_words(long))
    if n_short < CONTAINMENT_MIN_WORDS or n_long < n_short:
        return False
    words, pairs = containment(short, long)
    return words >= CONTAINMENT_WORDS and pairs >= CONTAINMENT_BIGRAMS


def is_table_row(paragraph: str) -> bool:
    """A line of figures ("Revs 291.8 mln vs 151.1 mln"), not prose."""
    if SENTENCE_END.search(paragraph):
        return False
    words = paragraph.split()
    return bool(words) and sum(map(_has_digit, words)) / len(words) >= 0.3


def _may_recur(paragraph: str) -> bool:
    """A line an article can repeat on purpose: a list item, a question, a label, not a reported sentence.

    One short sentence at most, sending no one anywhere, reporting nobody's words, and either
    unpunctuated (an item), a question, or a few words ("Rating: four out of five.").
    """
    text = paragraph.strip()
    words = len(text.split())
    return (
        words <= LIST_LINE_MAX_WORDS
        and first_sentence(text) == text
        and not is_call_to_action(text)
        and not REPORTED_SPEECH.search(text)
        and (not SENTENCE_END.search(text) or text.endswith("?") or words <= LIST_LINE_SHORT_WORDS)
    )


PULL_QUOTE_MIN_WORDS = 4
_QUOTATION = re.compile(r"[\"“”‘’'].+[\"“”‘’'][.!?…]?")


def _pull_quote_source(i: int, paragraphs: list[str], tokens: list[list[str]], dropped: dict) -> int | None:
    """The paragraph a short quotation is lifted from word for word (a pull quote), if any.

    Too short for the containment test, so only an exact run of words counts.
    """
    words = tokens[i]
    if len(words) < PULL_QUOTE_MIN_WORDS or not _QUOTATION.fullmatch(paragraphs[i].strip()):
        return None
    phrase = f" {' '.join(words)} "
    return next(
        (
            j
            for j, other in enumerate(tokens)
            if j != i and j not in dropped and len(other) > len(words) and phrase in f" {' '.join(other)} "
        ),
        None,
    )


def drop_duplicates(paragraphs: list[str]) -> tuple[list[int], list[Dropped]]:
    """Indexes of the paragraphs to keep, and what was dropped.

    A verbatim repeat (ignoring case, spacing and punctuation) goes when it is prose, a call to
    action, or within :data:`NEAR_REPEAT` paragraphs of the copy before it; a short list-like line
    repeated further apart is content and stays. A paragraph whose words are nearly all in a longer
    one of the same article gives way to the fuller one, which keeps its own position. Reasons name
    the kept paragraph by its number in the cleaned article, as ``dateline extract`` prints it.
    """
    # table rows ("Avg shrs 4,350,000 vs 3,217,500") repeat by design: they are left alone
    tokens = [[] if is_table_row(p) else _key_words(p) for p in paragraphs]
    dropped: dict[int, tuple[str, int]] = {}  # index -> (why, index of the paragraph kept instead)
    last_kept: dict[tuple[str, ...], int] = {}
    for i, words in enumerate(tokens):
        key = tuple(words)
        if len(key) < DUPLICATE_MIN_WORDS:  # short repeats are table rows and subheadings
            continue
        before = last_kept.get(key)
        if before is not None and (i - before <= NEAR_REPEAT or not _may_recur(paragraphs[i])):
            dropped[i] = ("duplicate of", before)
        else:
            last_kept[key] = i
    sets = [set(t) for t in tokens]
    # made for close pairs only, once a paragraph
    pairs: dict[int, set[tuple[str, str]]] = {}
    figures: dict[int, set[str]] = {}
    list_like: dict[int, bool] = {}  # asked only of contained pairs
    for i, words in enumerate(tokens):
        if i in dropped:
            continue
        if len(words) < CONTAINMENT_MIN_WORDS:
            source = _pull_quote_source(i, paragraphs, tokens, dropped)
            if source is not None:
                dropped[i] = ("contained in", source)
            continue
        # each distinct word of ``words`` missing from another paragraph is at least one missing word
        size = len(words)
        missing_allowed = (1 - CONTAINMENT_WORDS) * size
        for j, other in enumerate(tokens):
            # the fuller paragraph wins; of two equally long ones, the earlier (so never itself);
            # verbatim repeats were judged above
            if len(other) < size or (len(other) == size and j >= i) or j in dropped or other == words:
                continue
            # more distinct words missing than the word share allows: cheap to tell (at least
            # as many are missing as ``i`` has more distinct words than ``j``)
            if len(sets[i]) - len(sets[j]) > missing_allowed or len(sets[i] - sets[j]) > missing_allowed:
                continue
            if j not in pairs:
                pairs[j] = set(itertools.pairwise(tokens[j]))
            if i not in figures:
                figures[i] = {w for w in sets[i] if _has_digit(w)}
            word_share, pair_share = _containment(words, sets[j], pairs[j], figures[i])
            if word_share < CONTAINMENT_WORDS or pair_share < CONTAINMENT_BIGRAMS:
                continue
            # one list line does not give way to another
            if i not in list_like:
                list_like[i] = _may_recur(paragraphs[i])
            if list_like[i]:
                if j not in list_like:
                    list_like[j] = _may_recur(paragraphs[j])
                if list_like[j]:
                    continue
            dropped[i] = ("contained in", j)
            break
    keep = [i for i in range(len(paragraphs)) if i not in dropped]

    def kept_number(j: int) -> int:
        # the paragraph kept instead may itself have given way to a fuller one later on
        seen = set()
        while j in dropped and j not in seen:
            seen.add(j)
            j = dropped[j][1]
        return keep.index(j) + 1 if j in keep else 0

    return keep, [
        Dropped(paragraphs[i], f"{why} paragraph {kept_number(j)}") for i, (why, j) in sorted(dropped.items())
    ]
