"""What a segment writer (:mod:`search.bulkwrite`) indexes of the fields that
:mod:`search.textanalysis` does not analyse — ids, hashes, dates, facet lines — and their column
values: what Whoosh's ``field.index`` and ``field.to_column_value`` give, made once per distinct
value (dates and facet values recur), and without Whoosh's chain of token generators for a field
whose analyser is one plain tokenizer (an id, one facet value a line).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from whoosh import fields
from whoosh.analysis import IDTokenizer, RegexTokenizer
from whoosh.formats import Existence, Frequency
from whoosh.system import pack_uint

from .lookup import Lookup
from .textanalysis import fast_fields

#: distinct values of a field whose terms (or column value) a segment writer keeps at a time
VALUES_KEPT = 20_000


@dataclass
class SegmentFields:
    """What a segment's documents are written with: the schema, the fields analysed by
    :mod:`search.textanalysis`, the spelling field of each field that has one, and for the
    other indexed fields and the fields with a column, what a value gives."""

    schema: fields.Schema
    fast: dict
    spelling_of: dict[str, str]
    indexed: dict[str, Callable]  # value -> (terms, weights, encoded values, length)
    columns: dict[str, Lookup]  # value -> column value

    @classmethod
    def of(cls, schema: fields.Schema) -> SegmentFields:
        fast = fast_fields(schema)
        return cls(schema, fast,
                   {name: field.spelling_fieldname(name) for name, field in schema.items()
                    if field.separate_spelling()},
                   {name: _terms_of(field) for name, field in schema.items() if field.indexed and name not in fast},
                   {name: Lookup(field.to_column_value, size=VALUES_KEPT) for name, field in schema.items()
                    if field.column_type})


def _terms_of(field: fields.FieldType) -> Callable:
    """A field's :func:`index_terms`, kept per value unless the field's values never recur (an id)."""
    make = partial(index_terms, field)
    return make if field.unique else Lookup(make, size=VALUES_KEPT).__getitem__


def index_terms(field: fields.FieldType, value) -> tuple[tuple, tuple, tuple, int]:
    """A value's distinct terms, weights and encoded values (Whoosh's ``field.index``, as
    columns), and its length (0 for an unscored field)."""
    words = _plain_words(field, value)
    if words is None:
        terms, freqs, weights, encoded = list(zip(*field.index(value), strict=True)) or [(), (), (), ()]
    elif type(field.format) is Existence:  # (word, 1, boost, b"") per distinct word
        terms = tuple(word.encode("utf-8") for word in dict.fromkeys(words))
        freqs, weights, encoded = (1,) * len(terms), (field.format.field_boost,) * len(terms), (b"",) * len(terms)
    else:  # Frequency: (word, frequency, frequency × boost, the frequency packed) per distinct word
        counted = Counter(words)
        boost = field.format.field_boost
        terms = tuple(word.encode("utf-8") for word in counted)
        freqs = tuple(counted.values())
        weights = tuple(float(freq) * boost for freq in freqs)
        encoded = tuple(pack_uint(freq) for freq in freqs)
    return terms, weights, encoded, sum(freqs) if field.scorable else 0


def _plain_words(field: fields.FieldType, value) -> list[str] | None:
    """The words of a text value whose field's analyser is one plain tokenizer (no filter) and
    whose format counts words (Whoosh's own ``index``); None for any other."""
    if not isinstance(value, str) or type(field).index is not fields.FieldType.index \
            or type(field.format) not in (Existence, Frequency):
        return None
    analyzer = field.analyzer
    if type(analyzer) is IDTokenizer:
        return [value]
    if type(analyzer) is RegexTokenizer and not analyzer.gaps and analyzer.expression.groups == 0:
        return analyzer.expression.findall(value)
    return None

