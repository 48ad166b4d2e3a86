"""Corpus evidence for entity resolution: how words are written, how strings are tagged, and
which entities an article shares with the articles of a full name.

All of it is counted over the corpus being indexed, so it adapts to the corpus (a football
archive, a financial wire) instead of relying on word lists:

* :class:`WordStats`: how often a word is written lower-case ("jobs", "budget"), capitalised
  inside a sentence ("Jobs" in "Steve Jobs"), or next to figures as a unit or a table label
  ("7.15 billion Dlrs", "0830 GMT", "Revs 291.8 mln vs 151.1 mln");
* :class:`TypeVotes`: how often a string is tagged person, organisation, place or nationality
  over all its mentions, plus context cues ("... and Co", "... Inc", "in ...");
* :class:`Cooccurrence`: whether an article shares rare entities with the articles that write a
  full name out, the evidence a bare surname needs before it is linked to that name.
"""

from __future__ import annotations

import math
import re
import sys
from collections import Counter
from collections.abc import Iterable
from typing import NamedTuple

from .lookup import Lookup

_PUNCT = "\"'“”‘’,;:()[]{}!?*"
_NUMBER = re.compile(r"^[-+(]?\$?\d[\d,.:/-]*%?\)?$")
_RANK = re.compile(r"^\d{1,3}[.)]$")
_AMOUNT_WORDS = frozenset(["mln", "million", "billion", "bln", "thousand", "pct", "percent", "dlrs",
                           "dlr", "cts", "pence", "tonnes", "tons", "barrels", "bpd", "ounces"])
_SENTENCE_END = (".", "!", "?", ":", '"', "'")
_INITIALS = re.compile(r"(?:[A-Z]\.)+")


def _labels_a_row(tokens: list[str]) -> bool:
    """A line opening with this word labels a row of figures: figures right after it and no
    capitalised word in the rest ("Revs 291.8 mln vs 151.1 mln")."""
    return len(tokens) > 1 and any(map(str.isdigit, "".join(tokens[1:3]))) \
        and not any(t[:1].isupper() for t in tokens[1:])


def word_key(token: str) -> str:
    """The key a token is counted under: punctuation and a possessive stripped, casefolded."""
    token = token.strip(_PUNCT)
    if token.endswith("'s") or token.endswith("’s"):
        token = token[:-2]
    return token.casefold()


class TextWords(NamedTuple):
    """The words of one text by how they are written (:func:`text_words`), as keys, once per
    occurrence: the form in which they are cached, and summed at C speed by ``Counter.update``."""

    lower: list[str]
    capital: list[str]  # capitalised inside a sentence
    starts: list[str]  # capitalised at a sentence or line start
    figures: list[str]  # after an amount, or labelling a row of figures


def text_words(text: str) -> TextWords:
    """Every word of ``text`` by how it is written. Lines written in capitals (wire headlines)
    are skipped: their case says nothing."""
    words = TextWords([], [], [], [])
    lower, capital, starts, figures = words
    known = _TOKENS.__getitem__
    for line in text.split("\n"):
        if line.isupper():
            continue
        tokens = line.split()
        infos = list(map(known, tokens))
        previous = _NO_TOKEN
        for i, info in enumerate(infos):
            key = info.key
            if key is not None:
                if info.lower:
                    lower.append(key)
                elif i == 0 or previous.opens:
                    starts.append(key)
                else:
                    capital.append(key)
                if i == 0:
                    if _labels_a_row(tokens):
                        figures.append(key)
                elif previous.amount or previous.initials:  # after an amount ("7.15 billion N.Z. Dlrs")
                    amount, first = (infos[i - 2], i == 2) if i >= 2 and previous.initials else (previous, i == 1)
                    if amount.amount and not (first and amount.rank):
                        figures.append(key)
            previous = info
    return words


class _Token(NamedTuple):
    """What :func:`text_words` asks of a token, worked out once per distinct token."""

    key: str | None  # its :func:`word_key`; ``None`` when it is punctuation alone
    lower: bool  # written lower-case
    opens: bool  # the next word opens a sentence (a full stop, a rank "1.")
    initials: bool  # "N.Z."
    amount: bool  # a figure or an amount word ("7.15", "billion")
    rank: bool  # "1.", "2)"


_NO_TOKEN = _Token(None, False, False, False, False, False)


def _token(token: str) -> _Token:
    word = token.strip(_PUNCT)
    rank = _RANK.match(token) is not None
    return _Token(
        sys.intern(word_key(token)) if word else None, word.islower(), token.endswith(_SENTENCE_END) or rank,
        _INITIALS.fullmatch(token) is not None,
        bool(word) and (_NUMBER.match(word) is not None or word.lower() in _AMOUNT_WORDS), rank)


#: token -> :class:`_Token`, for the tokens of the texts seen so far (Reuters has 112,000
#: distinct tokens, ~190 bytes each)
_TOKENS: Lookup[str, _Token] = Lookup(_token, 1 << 17)


class WordStats:
    """Lower-case, capitalised and figure-adjacent counts of words: the :func:`text_words` of
    the corpus's texts summed (:meth:`add`: each text's are found on the workers, with its
    article's parse, and cached with it), then cut to the words resolution asks about
    (:meth:`only`)."""

    def __init__(self) -> None:
        self.lower: Counter[str] = Counter()
        self.capital: Counter[str] = Counter()
        self.starts: Counter[str] = Counter()
        self.figures: Counter[str] = Counter()

    def add(self, words: TextWords) -> None:
        for counter, keys in zip(self._counters(), words, strict=True):
            counter.update(keys)

    def only(self, wanted: set[str]) -> WordStats:
        """These counts for the ``wanted`` words alone (the others count 0)."""
        cut = WordStats()
        for mine, theirs in zip(cut._counters(), self._counters(), strict=True):
            mine.update({key: count for key, count in theirs.items() if key in wanted})
        return cut

    def _counters(self) -> tuple[Counter[str], ...]:
        return self.lower, self.capital, self.starts, self.figures

    # ``get``, not ``[]``: a missing key in a Counter costs a Python call (``__missing__``), and
    # resolution asks about words that are never written lower-case hundreds of thousands of times

    def is_common_word(self, key: str, strongly: bool = False) -> bool:
        """Written lower-case at least as often as capitalised inside a sentence ("jobs", "budget");
        ``strongly``: at least twice, and twice as often ("pier" in "Hastings Pier")."""
        lower = self.lower.get(key, 0)
        if strongly:
            return lower >= 2 and lower >= 2 * self.capital.get(key, 0)
        return lower >= 1 and lower >= self.capital.get(key, 0)

    def is_generic(self, key: str) -> bool:
        """A noun that names a kind of thing as often as one thing: written lower-case at least a
        fifth as often as capitalised ("Bank", "Ministry", "Embassy")."""
        lower = self.lower.get(key, 0)
        return lower >= 2 and lower * 5 >= self.capital.get(key, 0) + self.starts.get(key, 0)

    def is_unit(self, key: str) -> bool:
        """Mostly a unit or a row label next to figures ("Dlrs", "GMT", "Revs", "Avg")."""
        figures = self.figures.get(key, 0)
        return figures >= 2 and figures * 2 >= self.capital.get(key, 0) + self.starts.get(key, 0) + \
            self.lower.get(key, 0)


#: Context right after a mention that makes it an organisation ("Samuel Montagu and Co",
#: "Krispy Kreme Inc", "Everton FC").
_ORG_AFTER = re.compile(
    r"^(?:'s)?\s*,?\s*(?:(?:&|and)\s+(?:Co\b|Company|Sons|Partners|Associates)|"
    r"(?:Inc|Corp|Corporation|Ltd|Plc|PLC|LLC|Co|Cos|Group|Securities|Bank|FC|AG|SA|NV|BV|Holdings|"
    r"Industries|Brothers|Bros)\b|"
    r",\s+(?:[A-Z][\w.'-]+,?\s+){1,3}(?:Inc|Corp|Ltd|Co|Plc|LP)\b)"  # "L.F. Rothschild, Unterberg, Towbin Inc"
)
#: A common noun right before or after a mention that names what it is ("the newspaper Hurriyet").
_ORG_NOUNS_BEFORE = ("newspaper", "daily", "weekly", "magazine", "agency", "company", "firm", "bank", "brokers",
                     "broker", "brokerage", "club", "party", "group", "band", "airline", "carrier", "maker",
                     "retailer", "chain", "insurer", "side", "at")
_ORG_NOUN_BEFORE = re.compile(rf"(?:\b(?:{'|'.join(_ORG_NOUNS_BEFORE)})|\w-based)\s+$")
#: the longest of those words (and "X-based"): a match starts no earlier before the white space
_ORG_NOUN_LONGEST = max(len("x-based"), *map(len, _ORG_NOUNS_BEFORE))
_ORG_NOUN_AFTER = re.compile(r"^\s+(?:newspaper|daily|magazine|agency|shares|stock|club|party|fans|"
                             r"boss|chairman|manager|board|shareholders|subsidiary|unit|brand|poll)\b")
#: Context right before a mention that makes it a place ("in Windsor", "near Bolton").
#: "in Windsor", "Holding BV of Rotterdam", "Banco do Brasil"
_PLACE_BEFORE = re.compile(r"(?:\bin|\bnear|[A-Z][\w.>]*\s+(?:of|do|da|de|del|di|du))\s+$")
_DETERMINER = re.compile(r"(?:^|[^\w])(?:a|an|the|The|An|A)\s+$")
#: The second half of a firm named after partners: "Duff and Phelps", "Phillips and Drew".
_FIRM_PAIR = re.compile(r"(?<![\w.])[A-Z][\w.'-]+\s+(?:and|&)\s+$")
#: How the text before a mention, white space stripped, must end for these patterns (each ends
#: in a word and ``\s+$``) to be worth searching
_PLACE_BEFORE_ENDS = ("in", "near", "of", "do", "da", "de", "del", "di", "du")
_DETERMINER_ENDS = ("a", "an", "the", "The", "An", "A")
_FIRM_PAIR_ENDS = ("and", "&")


#: Right after an organisation's name: a financial instrument named after it ("Treasury bills").
_INSTRUMENT_AFTER = re.compile(r"^[-\s]+(?:bills?|bonds?|notes?|rates?|yields?|securities|issues?|auctions?|"
                               r"paper|futures|refunding|prices?)\b", re.IGNORECASE)


def is_instrument(text: str, end: int) -> bool:
    """Whether an organisation mention names an instrument ("Treasury bills", "two-year Treasury rate")."""
    return bool(_INSTRUMENT_AFTER.match(text[end:end + 20]))


def org_context(text: str, start: int, end: int, people_end: set[int] = frozenset()) -> bool:
    """Whether the words around a mention make it an organisation: the "org" of :func:`context_cue`,
    which is all an organisation mention's cue can be (its other cues are not used)."""
    before = text[max(0, start - 30):start]
    tail = before.rstrip()
    after = text[end:end + 30]
    if _ORG_AFTER.match(after) or _ORG_NOUN_AFTER.match(after) or (
            _ORG_NOUN_BEFORE.search(before, max(0, len(tail) - _ORG_NOUN_LONGEST)) and not after.startswith("'")):
        return True
    if " " in text[start:end].strip() or not tail.endswith(_FIRM_PAIR_ENDS):
        return False
    pair = _FIRM_PAIR.search(before)
    return bool(pair) and not any(end_ in people_end for end_ in range(start - len(before) + pair.start(), start))


def context_cue(text: str, start: int, end: int, people_end: set[int] = frozenset()) -> str:
    """"org" or "place" when the words around a mention say so, else "". ``people_end``: where
    the article's person mentions end ("Reagan and Gorbachev" is two people, not a firm)."""
    if org_context(text, start, end, people_end):
        return "org"
    before = text[max(0, start - 30):start]
    tail = before.rstrip()
    if text.startswith("'", end):  # a possessive
        return ""
    if tail.endswith(_DETERMINER_ENDS) and " " not in text[start:end].strip() and _DETERMINER.search(before):
        return "other"  # "won an Oscar", "the Welsh": a name of a person takes no article
    if tail.endswith(_PLACE_BEFORE_ENDS) and _PLACE_BEFORE.search(before):
        return "place"
    return ""


class TypeVotes:
    """``key -> {facet: votes}``: how the corpus tags each string (facets person, org, place, and
    "other" for nationalities and facilities). Plain dicts, not Counters: a corpus adds
    hundreds of thousands of votes, and a Counter's construction and missing keys cost a Python
    call each."""

    def __init__(self) -> None:
        self.votes: dict[str, dict[str, int]] = {}

    def add(self, key: str, facet: str, weight: int = 1) -> None:
        counts = self.votes.get(key)
        if counts is None:
            self.votes[key] = {facet: weight}
        else:
            counts[facet] = counts.get(facet, 0) + weight

    def person_lost(self, key: str) -> str | None:
        """The facet a person string belongs to when the corpus mostly tags it as a thing ("" for
        a nationality), else ``None``."""
        votes = self.votes.get(key)
        if not votes:
            return None
        things = {f: n for f, n in votes.items() if f != "person"}
        if sum(things.values()) <= votes.get("person", 0):
            return None
        best = max(things, key=lambda f: things[f])
        return best if best in ("org", "place") else ""

    def thing_facet(self, key: str, facet: str) -> str:
        """The facet an organisation or place string belongs to: its own unless the corpus tags it
        as the other at least twice, and twice as often ("Bloomberg" as a place -> org)."""
        votes = self.votes.get(key)
        if not votes:
            return facet
        other = "place" if facet == "org" else "org"
        return other if votes.get(other, 0) >= max(2, 2 * votes.get(facet, 0)) else facet


class Cooccurrence:
    """Whether an article is about the same story as the articles that write a full name out."""

    #: Rare entities shared with those articles: two at least, weighing as much as two entities
    #: found in one article in 20 ...
    MIN_SHARED = 2
    MIN_SCORE = 2 * math.log(20)
    #: ... or a near-identical entity set (Jaccard) with one of them: the same story.
    SAME_STORY = 0.3

    def __init__(self, articles: dict[str, set[str]], full_names: dict[str, set[str]]) -> None:
        """``articles``: article id -> entity keys; ``full_names``: full name -> ids writing it."""
        self.articles = articles
        self.full_names = full_names
        self.df: Counter[str] = Counter(key for keys in articles.values() for key in keys)
        self.n = max(len(articles), 1)
        self.profiles: dict[str, set[str]] = {
            name: set().union(*(articles[i] for i in ids)) - {name.casefold()}
            for name, ids in full_names.items()
        }

    def score(self, article_id: str, full_name: str) -> float:
        mine = self.articles.get(article_id, set())
        for other in self.full_names.get(full_name, ()):
            theirs = self.articles[other] - {full_name.casefold()}
            if other != article_id and mine and len(mine & theirs) / len(mine | theirs) >= self.SAME_STORY:
                return math.inf
        shared = mine & self.profiles.get(full_name, set())
        if len(shared) < self.MIN_SHARED:
            return 0.0
        return sum(math.log(self.n / self.df[key]) for key in shared)

    def best(self, article_id: str, candidates: Iterable[str]) -> str | None:
        """The candidate with enough evidence, clearly ahead of the next one; else ``None``."""
        scored = sorted(((self.score(article_id, c), c) for c in candidates), reverse=True)
        if not scored or scored[0][0] < self.MIN_SCORE:
            return None
        if len(scored) > 1 and scored[1][0] * 1.5 >= scored[0][0]:
            return None
        return scored[0][1]
