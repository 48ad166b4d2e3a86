"""The per-article entity parse's shortcuts give what the rule they stand for gives.

Each shortcut (:func:`search.entity_parse.parse_batch` runs on every article of a cold build)
replaces a slower formulation of the same rule: a pattern searched everywhere, a scan of every
token, a pattern compiled per name. These tests hold each one to that formulation, on the seed
articles and on many random strings made of the characters and words the rule turns on
(ASCII and not, white space of several kinds, boundaries); ``bench/entity_parse.py`` holds the
whole step to the code before the shortcuts on all of Reuters.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from pathlib import Path

import pytest

from search.dates import resolve_date_mention, sentence_around
from search.entities import article_text
from search.entity_evidence import (
    _DETERMINER,
    _DETERMINER_ENDS,
    _FIRM_PAIR,
    _FIRM_PAIR_ENDS,
    _ORG_NOUN_BEFORE,
    _ORG_NOUN_LONGEST,
    _PLACE_BEFORE,
    _PLACE_BEFORE_ENDS,
    context_cue,
    org_context,
)
from search.entity_names import surface_form
from search.entity_runs import _TOKEN, _scan, runs
from search.entity_spans import _ENDINGS, _blocks, _has_ending
from search.entity_wire import _ascii_matches, _body_spelling
from search.extract import extract_article
from search.ingest import iter_records
from search.models import SourceRecord

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def _seed_texts() -> list[str]:
    return [article_text(extract_article(r)) for r in iter_records([SEEDS]) if isinstance(r, SourceRecord)]


def _strings(pieces: list[str], count: int, most: int, seed: int) -> list[str]:
    rnd = random.Random(seed)
    return ["".join(rnd.choice(pieces) for _ in range(rnd.randint(0, most))) for _ in range(count)]


_BLOCK_PIECES = [" ", "\n", "\t", ",", ".", "'s", "-", "(", "Co", "co", "Inc", "INC", "Bank", "bank", "banks",
                 "S.A.", "s.a", "L.P.", "N.V", "S.p.A", "A.G.", "Ltd.", "Corp", "xcorp", "Corp_", "Texaco", "the",
                 "of", "and", "Group", "groupe", "Ünion", "ınc", "ſa", "KK", "\u212aK", "é", "3M", "Office"]


def test_a_blocks_ending_test_answers_as_its_pattern():
    blocks = [block for text in _seed_texts() for _, block in _blocks(text)]
    blocks += _strings(_BLOCK_PIECES, 20000, 8, seed=1)
    assert any(_has_ending(b) for b in blocks) and not all(_has_ending(b) for b in blocks)
    assert [_has_ending(b) for b in blocks] == [_ENDINGS.search(b) is not None for b in blocks]


_RUN_PIECES = ["Cincinnati", "Bell", "Inc", "Co", "co", "Corp", "Bank", "bank", "of", "Japan", "and", "&",
               "Standard", "Poor's", "Ford", "Motor", "Co's", ",", "said", "the", "The", "chairman", "Paul",
               "Volcker", "Office", "Management", "Budget", "S.A.", "Seven.", "Bahrain-based", "3M", "de"]


def test_runs_are_those_of_a_scan_of_every_token():
    texts = _seed_texts() + [" ".join(words.split("|")) for words in _strings([p + "|" for p in _RUN_PIECES],
                                                                                 10000, 14, seed=2)]
    found = 0
    for text in texts:
        for start, block in _blocks(text):
            tokens = [(start + m.start(), m.group()) for m in _TOKEN.finditer(block)]
            found_runs = runs(text, start, block)
            assert found_runs == _scan(text, tokens, 0, len(tokens))
            found += len(found_runs)
    assert found > 1000


def _pattern_matches(body: str, words: list[str]) -> list[str]:
    pattern = r"\s+".join(re.escape(w) for w in words)
    return [m.group() for m in re.finditer(rf"(?<![\w'-]){pattern}(?![\w-])", body, re.IGNORECASE)]


def test_a_headline_names_body_spelling_is_found_as_its_pattern_finds_it():
    rnd = random.Random(3)
    bodies = _strings(["a", "A", "b", "B", " ", "\n", "\t", "\x1c", "-", "'", "_", ".", "&", "1"], 20000, 14, seed=4)
    found = 0
    for body in bodies:
        words = ["".join(rnd.choice("aAbB'-.&1_") for _ in range(rnd.randint(1, 2))) for _ in range(rnd.randint(1, 3))]
        expected = _pattern_matches(body, words)
        assert list(_ascii_matches(body, words)) == expected
        found += bool(expected)
    assert found > 500
    body = "Shares of Datron   Systems Inc rose; DATRON SYSTEMS said, and datron systems-wide ..."
    assert _body_spelling(body, ["DATRON", "SYSTEMS"]) == "Datron Systems"
    assert _body_spelling("Straße Holding AG said", ["STRASSE", "HOLDING"]) is None  # not ASCII: the pattern


def test_an_organisation_noun_before_a_mention_is_found_where_it_can_start():
    befores = _strings(["newspaper", "brokers", "broker", "brokerage", "at", "x-based", "-based", "side", " ", "\n",
                        "\t", "a", "B", "_", "é", "-", "."], 30000, 6, seed=5)
    bounded = [bool(_ORG_NOUN_BEFORE.search(b, max(0, len(b.rstrip()) - _ORG_NOUN_LONGEST))) for b in befores]
    assert bounded == [bool(_ORG_NOUN_BEFORE.search(b)) for b in befores]
    assert any(bounded)
    text = "shares of the Tokyo-based Nomura rose"
    assert org_context(text, text.index("Nomura"), text.index(" rose"))


def test_the_context_before_a_mention_is_searched_only_when_it_ends_as_a_match_would():
    befores = _strings(["in", "near", "of", "do", "da", "del", "The", "the", "an", "A", "a", "and", "&", " ", "\n",
                        "\t", "Bank", "x", ".", ">", "_", "é", "Duff"], 60000, 7, seed=9)
    matched = 0
    for before in befores:
        for pattern, ends in ((_PLACE_BEFORE, _PLACE_BEFORE_ENDS), (_DETERMINER, _DETERMINER_ENDS),
                              (_FIRM_PAIR, _FIRM_PAIR_ENDS)):
            if pattern.search(before):
                matched += 1
                assert before.rstrip().endswith(ends)
    assert matched > 500
    text = "He met Duff and Phelps in Windsor, a Welsh town"
    assert context_cue(text, text.index("Windsor"), text.index(", a")) == "place"
    assert context_cue(text, text.index("Welsh"), text.index(" town")) == "other"
    assert org_context(text, text.index("Phelps"), text.index(" in"))


def test_a_dates_sentence_is_between_the_nearest_marks():
    marks = (". ", "\n", "? ", "! ")
    rnd = random.Random(6)
    for text in _strings([".", " ", "\n", "?", "!", "a", "b"], 40000, 15, seed=7):
        start = rnd.randint(0, len(text))
        end = rnd.randint(start, len(text))
        left = max(text.rfind(mark, 0, start) for mark in marks) + 1
        rights = [i for i in (text.find(mark, end) for mark in marks) if i >= 0]
        assert sentence_around(text, start, end) == (text[left:start], text[end:min(rights, default=len(text))])


def test_a_dates_sentence_is_read_only_for_the_dates_that_depend_on_it():
    def unread() -> tuple[str, str]:
        raise AssertionError("read")

    published = dt.date(1987, 2, 26)
    assert resolve_date_mention("June 18, 1986", published, unread) == "1986-06-18"
    assert resolve_date_mention("yesterday", published, unread) == "1987-02-25"
    assert resolve_date_mention("five years", published, unread) is None
    # a month without a year follows the tense of its clause
    assert resolve_date_mention("June", published, lambda: ("a session", "was held")) == "1986-06"
    assert resolve_date_mention("June", published, lambda: ("a session", "is scheduled")) == "1987-06"
    assert resolve_date_mention("June", published, ("a session", "is scheduled")) == "1987-06"
    with pytest.raises(AssertionError):
        resolve_date_mention("March 3", published, unread)


def test_a_mentions_spaced_punctuation_closes_as_in_two_passes():
    texts = _strings([" ", "\t", ",", ".", ";", ":", ")", "]", "(", "[", "a", "B", "\u00a0"], 40000, 12, seed=8)
    for text in texts:
        expected = " ".join(text.split())
        expected = re.sub(r"\s+([,.;:)\]])", r"\1", expected.strip(" \t\n\"'“”‘’,;:()[]{}<>-–—*"))
        expected = re.sub(r"([(\[])\s+", r"\1", expected)
        # the rest of the surface rules leave these strings as they are, but for a bracket left open
        if expected.count("(") <= expected.count(")"):
            assert surface_form(text) == expected.strip(" \t\n\"'“”‘’,;:()[]{}<>-–—*")

