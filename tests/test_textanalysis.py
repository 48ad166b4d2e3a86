"""The fast analysis of titles and bodies (search/textanalysis.py) against Whoosh's analyser on
generated text: the word pattern, the stemmer's shortcut and the whole result."""

import random

import pytest
from whoosh.analysis.tokenizers import default_pattern
from whoosh.lang.porter2 import stem

from search import documents
from search.textanalysis import _ASCII_WORD, _STEMMED, _WORD, _WORD_PATTERN, FastTextField

# word characters, dots and stars (the pattern's own), separators, capitals, characters whose
# lower case differs in length, digits
_ALPHABET = "abcdeyYxz019_.*. ..  -'\tİΣσßﬁé日"


def _texts(count, seed, alphabet=_ALPHABET, longest=40):
    rng = random.Random(seed)
    return ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, longest))) for _ in range(count)]


def test_whoosh_still_tokenizes_with_the_pattern_the_fast_one_replaces():
    assert default_pattern.pattern == _WORD_PATTERN


@pytest.mark.parametrize("seed", range(4))
def test_the_fast_word_pattern_finds_whooshs_words(seed):
    for text in _texts(3000, seed):
        expected = [m.group(0) for m in default_pattern.finditer(text)]
        assert _WORD.findall(text) == expected, text
        if text.isascii():
            assert _ASCII_WORD.findall(text.encode("ascii")) == [w.encode("ascii") for w in expected], text


def test_porter2_leaves_a_word_without_vowels_y_or_apostrophe_as_it_is():
    words = _texts(20000, 5, "bcdfghjklmnpqrstvwxz0123456789_*.ßł日", 12)
    words += ["mln", "nws", "1987", "3.5", "crwth", "tsk", "pp", "ss", "sss", "dll", "bbl", "xxl"]
    unchanged = [w for w in words if not _STEMMED.search(w)]
    assert len(unchanged) == len(words)
    assert [stem(w) for w in unchanged] == unchanged
    # and the words it does change all have one
    assert _STEMMED.search(stem("running")) and stem("running") != "running"


@pytest.mark.parametrize("seed", range(3))
def test_fast_analysis_is_the_analysers_on_generated_text(seed):
    schema = documents.make_schema()
    texts = _texts(300, seed, _ALPHABET + "     ", 200)
    rng = random.Random(seed)
    words = ["oil", "prices", "running", "runs", "the", "may", "x", "U.S.", "mln", "1987", "3.5", "İstanbul"]
    texts += [" ".join(rng.choice(words) for _ in range(rng.randint(0, 400))) for _ in range(100)]
    for name in documents.SEARCH_FIELDS:
        field = schema[name]
        fast = FastTextField.for_field(field)
        boost = field.format.field_boost
        for text in texts:
            done = fast.analyse(text)
            expected = sorted(field.index(text))
            assert sorted(zip(done.terms, [round(w / boost) for w in done.weights], done.weights, done.values,
                              strict=True)) == expected, text
            assert done.length == sum(freq for _, freq, _, _ in expected)
            assert sorted(done.spelling) == [w.encode("utf-8") for w in field.spellable_words(text)]
