"""Display forms of text a wire service sends in capitals: headlines and dateline places.

Reuters and other wires write headlines ALL IN CAPITALS ("STANDARD OIL <SRD> TO FORM FINANCIAL
UNIT"). Shown as sent they shout; lowered blindly they lose acronyms and tickers ("U.S.", "OPEC",
"<PASB.O>"). Each word's case is taken from evidence: how the article's own text writes it
("Bahia", "OPEC", "qtr"), else whether the corpus writes it in capitals more often than not
(:func:`acronym_evidence`, gathered by the indexer: "IMF", "USSR"). A word with no evidence is
capitalised, unless it looks like an abbreviation (dots between letters, a ticker in angle
brackets, or letters without a vowel, as in "NBC", "BP"). Only the display changes: the stored
and searched text keeps the original.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

#: short words lowered inside a headline ("Talks on Trade", not "Talks On Trade")
SMALL_WORDS = frozenset(
    {"a", "an", "and", "as", "at", "but", "by", "for", "from", "in", "into", "nor", "of", "on", "or", "per",
     "the", "to", "vs", "via", "with"}
)

#: a ticker in angle brackets ("<SRD>", "<PASB.O>"), kept as it is, or a word ("U.S", "AT&T")
_TOKEN = re.compile(r"<[^<>\s]+>|[\w'’]+(?:[.&-][\w'’]+)*")
_ASCII_LOWER = re.compile(r"[a-z]")
_VOWELS = frozenset("AEIOUYaeiouy")


def is_shouting(text: str) -> bool:
    """True when ``text`` has letters and none of them is lower case."""
    if _ASCII_LOWER.search(text):  # the common answer, without a Python loop over a whole body
        return False
    letters = [c for c in text if c.isalpha()]
    return len(letters) > 1 and not any(c.islower() for c in letters)


def display_title(title: str, text: str = "", acronyms: frozenset[str] | set[str] = frozenset()) -> str:
    """``title`` in title case when it is all capitals, else as is. Cases come from ``text`` (the
    article), then ``acronyms`` (lower-cased words the corpus writes in capitals)."""
    if not is_shouting(title):
        return title
    forms = _case_forms(text) if text and not is_shouting(text) else {}
    first = True

    def case(match: re.Match) -> str:
        nonlocal first
        token = match.group(0)
        if token.startswith("<") or not any(c.isalpha() for c in token):
            return token
        dotted = match.string[match.end() : match.end() + 1] == "."  # "ST." is "St.", not an acronym
        parts = token.split("-")
        cased = "-".join(
            _case_of(part, forms, acronyms, first and n == 0, dotted and n == len(parts) - 1)
            for n, part in enumerate(parts)
        )
        first = False
        return cased

    return _TOKEN.sub(case, title)


def display_place(place: str) -> str:
    """A dateline place ("NEW YORK", "ST. LOUIS") in title case; one in mixed case as it is."""
    return display_title(place)


def _case_forms(text: str) -> dict[str, Counter]:
    """Each word of ``text`` (lower-cased) -> how often each written form occurs."""
    forms: dict[str, Counter] = {}
    for match in _TOKEN.finditer(text):
        word = match.group(0)
        if not word.startswith("<"):
            forms.setdefault(word.lower(), Counter())[word] += 1
    return forms


def _case_of(word: str, forms: dict[str, Counter], acronyms: frozenset[str] | set[str], first: bool,
             dotted: bool) -> str:
    if not word or not any(c.isalpha() for c in word):
        return word
    if word[0].isdigit():
        return word.lower()  # "1ST", "3RD", "10TH"
    lower = word.lower()
    seen = forms.get(lower)
    if seen:
        written = seen.most_common()[0][0]
        if written.isupper() and len(word) > 1:
            return word  # an acronym: the text writes it in capitals too ("OPEC", "IBM")
        mixed = [f for f in seen if f != lower and f != f.capitalize() and not f.isupper()]
        if mixed:
            return max(mixed, key=seen.__getitem__)  # "McDonald", "iPhone"
    elif lower in acronyms or re.search(r"\w\.\w", word) or (
        len(word) > 1 and not dotted and not _VOWELS.intersection(word)
    ):
        return word  # "U.S", "U.K", "NBC", "BP": an abbreviation the text does not spell out
    if not first and lower in SMALL_WORDS:
        return lower
    return word.capitalize()


class AcronymEvidence:
    """Counts, text by text, how often each word is written in capitals and otherwise; texts
    written wholly in capitals say nothing and are passed over. The indexer adds each new
    article's text as it goes by, so the texts need not be held: each one's words are counted as
    written (one ``Counter.update``, at C speed), and folded by lower case once, over the distinct
    forms, when the evidence is read (:meth:`sets`)."""

    def __init__(self) -> None:
        self._written: Counter = Counter()  # words as written

    def add(self, text: str) -> None:
        if not text or is_shouting(text):
            return
        self._written.update(_TOKEN.findall(text))

    def sets(self) -> tuple[set[str], set[str]]:
        """(words written in capitals more often than not, words seen more often otherwise), lower-cased;
        tickers and words of fewer than two letters say nothing."""
        every: dict[str, int] = {}  # lower-cased words, however written
        capitals: dict[str, int] = {}
        for written, count in self._written.items():
            word = written.lower()
            every[word] = every.get(word, 0) + count
            if written.isupper():
                capitals[word] = capitals.get(word, 0) + count
        acronyms, other = set(), set()
        for word, count in every.items():
            if word[0] == "<" or len(word) < 2 or (not word.isalpha() and sum(map(str.isalpha, word)) < 2):
                continue
            capital = capitals.get(word, 0)
            if capital > count - capital:
                acronyms.add(word)
            elif count > capital:
                other.add(word)
        return acronyms, other

    def merge(self, known: Iterable[str]) -> list[str]:
        """``known`` acronyms updated with this evidence, sorted."""
        acronyms, not_acronyms = self.sets()
        return sorted((set(known) - not_acronyms) | acronyms)


def acronym_evidence(texts: Iterable[str]) -> tuple[set[str], set[str]]:
    """:meth:`AcronymEvidence.sets` over ``texts``."""
    evidence = AcronymEvidence()
    for text in texts:
        evidence.add(text)
    return evidence.sets()


def merge_acronyms(known: Iterable[str], texts: Iterable[str]) -> list[str]:
    """``known`` acronyms updated with the evidence of ``texts`` (new articles), sorted."""
    evidence = AcronymEvidence()
    for text in texts:
        evidence.add(text)
    return evidence.merge(known)
