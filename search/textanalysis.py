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

import pickle
import re
import zlib
from array import array
from functools import lru_cache
from typing import NamedTuple

from whoosh import fields
from whoosh.analysis import LowercaseFilter, RegexTokenizer, StemFilter, StopFilter
from whoosh.analysis.tokenizers import default_pattern
from whoosh.formats import Positions

#: Whoosh's default ``RegexTokenizer`` pattern, and the same with its group made non-capturing,
#: so that ``findall`` returns whole matches
_WORD_PATTERN = default_pattern.pattern
_WORD = re.compile(_WORD_PATTERN.replace("(\\.?", "(?:\\.?"), re.UNICODE)

class FastTextField:
    """What a text field's analyser and ``Positions`` format make of a text, in one pass.

    Only for the analyser :func:`search.documents.text_analyzer` builds — Whoosh's default
    word pattern, lower-casing, a minimum word size, a stemmer with words it leaves alone — and
    made from that analyser's own settings (:meth:`for_field`), so the two cannot drift apart.
    """

    def __init__(self, field: fields.FieldType, min_word: int, stem, unstemmed: frozenset[str]):
        self._boost = field.format.field_boost
        self._encode = field.format.encode
        self._min = min_word
        self._stem = lru_cache(maxsize=200_000)(stem)
        self._unstemmed = unstemmed
        self._single: dict[int, bytes] = {}  # a position -> its encoding as a one-position list

    @classmethod
    def for_field(cls, field: fields.FieldType) -> FastTextField | None:
        """The fast path for ``field``, or None when its analyser is not of the supported shape."""
        parts = getattr(field.analyzer, "items", ())
        if not (type(field.format) is Positions and len(parts) == 4 and _WORD.groups == 0):
            return None
        tokenizer, lower, stops, stemmer = parts
        if not (type(tokenizer) is RegexTokenizer and tokenizer.expression.pattern == _WORD_PATTERN
                and not tokenizer.gaps and type(lower) is LowercaseFilter
                and type(stops) is StopFilter and not stops.stops and stops.max is None and stops.renumber
                and type(stemmer) is StemFilter and not stemmer.lang):
            return None
        return cls(field, stops.min, stemmer.stemfn, frozenset(stemmer.ignore))

    def analyse(self, text: str) -> Analysed:
        words = [w.lower() for w in _WORD.findall(text)]
        positions: dict[str, list[int]] = {}
        pos = None
        stem, unstemmed, shortest = self._stem, self._unstemmed, self._min
        for number, word in enumerate(words):
            if len(word) < shortest:
                continue
            # Whoosh's StopFilter renumbers: the first word kept keeps its place, the rest follow it
            pos = number if pos is None else pos + 1
            term = word if word in unstemmed else stem(word)
            if term in positions:
                positions[term].append(pos)
            else:
                positions[term] = [pos]
        encode, single = self._encode, self._single
        counts = [len(poses) for poses in positions.values()]
        return Analysed(
            terms=[term.encode("utf-8") for term in positions],
            weights=array("f", [count * self._boost for count in counts]),
            values=[(single.get(poses[0]) or single.setdefault(poses[0], encode(poses))) if len(poses) == 1
                    else encode(poses) for poses in positions.values()],
            length=sum(counts),
            spelling=list({w.encode("utf-8") for w in words if len(w) >= shortest}),
        )


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
    return pickle.dumps({name: (text_key(value), fast_fields[name].analyse(value))
                         for name, value in values.items() if name in fast_fields and value is not None},
                        pickle.HIGHEST_PROTOCOL)


def fast_fields(schema: fields.Schema) -> dict[str, FastTextField]:
    """The schema's fields that :class:`FastTextField` analyses."""
    return {name: fast for name, field in schema.items() if field.indexed and (fast := FastTextField.for_field(field))}
