"""Titles and bodies analysed for a new index in one pass (:mod:`search.bulkwrite`).

Whoosh analyses a text through a chain of generator filters, a Python call per word and
filter, and a second time (without stemming) for the spelling word list. :class:`FastTextField`
gives what a field's analyser and ``Positions`` format give — the same terms, frequencies,
weights, encoded positions, field length and spelling words; the tests compare them on real and
adversarial text — from one regular-expression pass. It is made from the analyser's own settings
and only for the analyser :func:`search.documents.text_analyzer` builds; other fields keep Whoosh's.
The analysis can run where an article is cleaned (a worker) and travel pickled
(:func:`analyse_texts`).
"""

from __future__ import annotations

import io
import pickle
import re
import zlib
from array import array
from operator import sub
from typing import NamedTuple

from whoosh import fields
from whoosh.analysis import LowercaseFilter, RegexTokenizer, StemFilter, StopFilter
from whoosh.analysis.tokenizers import default_pattern
from whoosh.formats import Positions
from whoosh.lang import porter2
from whoosh.system import pack_uint

from .lookup import Lookup

#: Whoosh's default ``RegexTokenizer`` pattern (the only one the fast path takes), and a pattern
#: that finds the same words faster: the run of word characters before a dot is already as long
#: as it can be, so the dot is required, and nothing is given back (possessive); no group, so that
#: ``findall`` returns whole matches. On ASCII text the bytes version finds the same words, as
#: UTF-8 bytes.
_WORD_PATTERN = default_pattern.pattern
_SAME_WORDS = r"[\w*]++(?:\.[\w*]++)*+"
_WORD = re.compile(_SAME_WORDS)
_ASCII_WORD = re.compile(_SAME_WORDS.encode("ascii"))
#: Porter2 changes no word without one of these (every rule needs a vowel, a ``y`` or an
#: apostrophe): such a word (a figure, ``mln``, ``nws``) is its own stem
_STEMMED = re.compile(r"[aeiouyY']")


class FastTextField:
    """What a text field's analyser and ``Positions`` format make of a text, in one pass.

    Only for the analyser :func:`search.documents.text_analyzer` builds — Whoosh's default
    word pattern, lower-casing, a minimum word size, a stemmer with words it leaves alone — and
    made from that analyser's own settings (:meth:`for_field`), so the two cannot drift apart.
    """

    def __init__(self, field: fields.FieldType, min_word: int, stem, unstemmed: frozenset[str]):
        self._boost = field.format.field_boost
        self._min = min_word
        kept = unstemmed if stem is not porter2.stem else _Unstemmed(unstemmed)

        def term(word: str) -> bytes:
            return (word if word in kept else stem(word)).encode("utf-8")

        # word -> its term (a word of ASCII text is found as bytes), and word -> itself, as
        # bytes: looked up without a Python call
        self._terms = Lookup(term)
        self._ascii_terms: Lookup[bytes, bytes] = Lookup(lambda word: term(word.decode("ascii")))
        self._spelled = Lookup(lambda word: word.encode("utf-8"))
        self._single = Lookup(lambda position: _encode([position]))  # as a one-position list

    @classmethod
    def for_field(cls, field: fields.FieldType) -> FastTextField | None:
        """The fast path for ``field``, or None when its analyser is not of the supported shape."""
        parts = getattr(field.analyzer, "items", ())
        if not (type(field.format) is Positions and len(parts) == 4):
            return None
        tokenizer, lower, stops, stemmer = parts
        if not (type(tokenizer) is RegexTokenizer and tokenizer.expression.pattern == _WORD_PATTERN
                and not tokenizer.gaps and type(lower) is LowercaseFilter
                and type(stops) is StopFilter and not stops.stops and stops.max is None and stops.renumber
                and type(stemmer) is StemFilter and not stemmer.lang):
            return None
        return cls(field, stops.min, stemmer.stemfn, frozenset(stemmer.ignore))

    def analyse(self, text: str) -> Analysed:
        ascii_text = text.isascii()
        if ascii_text:  # lower-casing ASCII text keeps its words where they are: one call for the whole text
            found, terms = _ASCII_WORD.findall(text.lower().encode("ascii")), self._ascii_terms
        else:
            found, terms = [w.lower() for w in _WORD.findall(text)], self._terms
        shortest = self._min
        words = [w for w in found if len(w) >= shortest]
        positions: dict[bytes, list[int]] = {}
        if words:
            # Whoosh's StopFilter renumbers: the first word kept keeps its place, the rest follow it
            first = next(number for number, word in enumerate(found) if len(word) >= shortest)
            add = positions.setdefault
            for pos, term in enumerate(map(terms.__getitem__, words), first):
                add(term, []).append(pos)
        boost, lists = self._boost, positions.values()
        return Analysed(
            terms=list(positions),
            weights=array("f", map(len, lists) if boost == 1 else [len(poses) * boost for poses in lists]),
            values=[self._single[poses[0]] if len(poses) == 1 else _encode(poses) for poses in lists],
            length=len(words),
            spelling=list(set(words)) if ascii_text else list(map(self._spelled.__getitem__, set(words))),
        )


class _Unstemmed(frozenset):
    """The words Porter2 leaves as they are: the stemmer's ``ignore`` words and the words it
    would not change anyway (:data:`_STEMMED`), told without calling it."""

    def __contains__(self, word: object) -> bool:
        return super().__contains__(word) or not _STEMMED.search(word)


def _encode(positions: list[int]) -> bytes:
    """``Positions.encode``: the count, then the pickled gaps (the C ``map`` makes them)."""
    return pack_uint(len(positions)) + pickle.dumps([positions[0], *map(sub, positions[1:], positions)], 2)


class Analysed(NamedTuple):
    """A text as a fast field indexes it: one entry per distinct term, in parallel lists."""

    terms: list[bytes]
    weights: array  # float32: frequency times the field's boost
    values: list[bytes]  # encoded positions
    length: int  # words kept (the field length)
    spelling: list[bytes]  # the unstemmed words


def text_key(text: str) -> tuple[int, int]:
    """Tells a text from another one (length and CRC) without carrying it."""
    return len(text), zlib.crc32(text.encode("utf-8", "surrogatepass"))


def analyse_texts(fast_fields: dict[str, FastTextField], values: dict[str, str]) -> bytes:
    """The analysis of a document's fast text fields, made ahead and pickled for
    :meth:`BulkWriter.add_document` (a worker's work, so that the writing process does less)."""
    out = io.BytesIO()
    pickler = pickle.Pickler(out, pickle.HIGHEST_PROTOCOL)
    pickler.fast = True  # no memo: the lists hold no cycles, and a string met twice is written twice
    pickler.dump({name: (text_key(value), fast_fields[name].analyse(value))
                  for name, value in values.items() if name in fast_fields and value is not None})
    return out.getvalue()


def fast_fields(schema: fields.Schema) -> dict[str, FastTextField]:
    """The schema's fields that :class:`FastTextField` analyses."""
    return {name: fast for name, field in schema.items() if field.indexed and (fast := FastTextField.for_field(field))}
