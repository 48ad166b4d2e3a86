"""Whoosh's W3 segment format, written a field at a time from flat postings arrays
(:mod:`search.bulkwrite`): the same term-table rows and posting blocks ``W3FieldWriter`` and
``W3PostingsWriter`` write, one call a term instead of one a posting.

This leans on whoosh3's internals (the field writer's term table and postings file, the block
and term-info layouts, the term table's hash buckets and key index); whoosh3 is pinned exactly,
and ``tests/test_bulkwrite.py`` reads every term, posting and statistic back through Whoosh and
compares it with Whoosh's own writer's.
"""

from __future__ import annotations

import bisect
import itertools
import pickle
import struct
import zlib
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from hashlib import md5

import numpy as np
from tqdm import tqdm
from whoosh import fields
from whoosh.codec.whoosh3 import COMPRESSION_MIN_SIZE, WHOOSH3_HEADER_MAGIC, W3TermInfo
from whoosh.filedb.filetables import md5_hash
from whoosh.system import pack_int, pack_ushort
from whoosh.util.numeric import length_to_byte

from .postings import SegmentPostings

#: postings converted to Python tuples at once while a field's terms are written
LIST_BATCH = 65536
#: a term's statistics and the extent of its postings, as ``W3TermInfo.to_bytes`` packs them
#: (not inlined) followed by ``pack_long(offset) + pack_int(length)``
_TERM_INFO = struct.Struct(W3TermInfo._struct.format + "qi")
#: a term-table row's head: the lengths of its key and value (``filetables.HashWriter.add``)
_ROW_HEAD = struct.Struct("!ii")


class GatheredPostings:
    """One field's postings of a segment, gathered as flat arrays in document order."""

    __slots__ = ("docs", "term_ids", "tids", "values", "weights")

    def __init__(self) -> None:
        self.term_ids = _TermIds()
        self.docs = array("I")
        self.tids = array("I")
        self.weights = array("f")
        self.values: list[bytes] = []

    def add(self, docnum: int, terms: Sequence[bytes], weights: Iterable[float], values: Sequence[bytes]) -> None:
        """A document's postings: its distinct terms, with their weights and encoded values."""
        self.tids.extend(map(self.term_ids.__getitem__, terms))  # a new term gets the next number
        self.docs.extend(array("I", [docnum]) * len(terms))
        self.weights.extend(weights)
        self.values.extend(values)

    @classmethod
    def of_words(cls, words: Iterable[bytes]) -> GatheredPostings:
        """Terms without postings of their own (spelling words): one posting each on document 0."""
        gathered = cls()
        gathered.term_ids.update(zip(words, itertools.count()))
        count = len(gathered.term_ids)
        gathered.tids = array("I", range(count))
        gathered.docs = array("I", bytes(4 * count))
        gathered.weights = array("f", [1.0]) * count
        gathered.values = [b""] * count
        return gathered

    def sorted(self) -> tuple[list[bytes], np.ndarray, np.ndarray]:
        """The terms in byte order; the postings' order by term (document order within a term);
        where each term's postings start in that order."""
        terms = sorted(self.term_ids)
        rank = np.empty(len(terms), dtype=np.int64)
        rank[np.fromiter(map(self.term_ids.__getitem__, terms), dtype=np.int64, count=len(terms))] = \
            np.arange(len(terms))
        by_term = rank[np.frombuffer(self.tids, dtype=np.uint32)]
        order = np.argsort(by_term, kind="stable")
        bounds = np.concatenate(([0], np.cumsum(np.bincount(by_term, minlength=len(terms)))))
        return terms, order, bounds


class _TermIds(dict):
    """Terms numbered in the order they first come."""

    def __missing__(self, term: bytes) -> int:
        number = self[term] = len(self)
        return number


def write_field(writer, name: str, field: fields.FieldType, postings: GatheredPostings, lengths,
                bar: tqdm | None) -> SegmentPostings:
    """A field's terms and postings, in the blocks and term table of Whoosh's codec; returned
    as arrays too."""
    writer.start_field(name, field)
    codec = writer._codec
    terms, order, bounds_array = postings.sorted()
    bounds = bounds_array.tolist()  # as Python ints, for bisect and slicing
    docs = np.frombuffer(postings.docs, dtype=np.uint32)[order]
    weights = np.frombuffer(postings.weights, dtype=np.float32)[order]
    fixed = field.format.fixed_value_size()
    stored = None
    if field.scorable:  # the lengths as Whoosh stores them (one byte per document, decoded)
        length_of = lengths.doc_field_length_reader(name)
        stored = np.array([length_of(d) or 0 for d in range(lengths.doc_count_all())], dtype=np.int64)
    stats = _Statistics.of(docs, weights, stored, bounds_array, codec._blocklimit)
    values = None if fixed == 0 else _BlockValues.of(postings.values, order, stats.block_starts)
    table = _TermTable(writer._tindex, pack_ushort(writer._fieldid))
    blocks = _BlockWriter(writer._postfile, codec._compression, fixed, stats, values)
    # a batch of terms at a time, their postings as tuples (slicing a tuple is cheaper than
    # slicing an array and converting each slice; a batch bounds their memory)
    number = 0
    while number < len(terms):
        stop = max(number + 1, bisect.bisect_right(bounds, bounds[number] + LIST_BATCH, number) - 1)
        low, high = bounds[number], bounds[stop]
        infos = blocks.write(number, stop, low, tuple(stats.deltas[low:high].tolist()),
                             tuple(weights[low:high].tolist()))
        table.add(terms[number:stop], infos)
        if bar is not None:
            bar.update(stop - number)
        number = stop
    writer.finish_field()
    return SegmentPostings(terms, bounds_array, docs.astype(np.int32), weights,
                           None if stored is None else stored.astype(np.float64))


@dataclass
class _Statistics:
    """A field's posting blocks (``blocklimit`` postings of a term each, the last one fewer) and
    what their summaries and the terms' infos hold, for all its terms at once: what
    ``W3PostingsWriter`` and ``W3TermInfo.add_block`` work out block by block."""

    deltas: np.ndarray  # each posting's document number as its block stores it
    block_starts: list[int]  # where each block's postings start (posting numbers)
    term_blocks: list[int]  # where each term's blocks start (block numbers), and the end
    block_summaries: list[tuple]  # count, last document, heaviest weight, shortest, longest (bytes)
    block_weights: list[int]  # 0: all 1.0 (stored as None), 1: all the same (stored once), 2: others
    term_infos: list[tuple]  # W3TermInfo's fields but the postings' extent

    @classmethod
    def of(cls, docs: np.ndarray, weights: np.ndarray, lengths: np.ndarray | None, bounds: np.ndarray,
           limit: int) -> _Statistics:
        starts = bounds[:-1]
        in_term = np.arange(len(docs)) - np.repeat(starts, np.diff(bounds))
        first = in_term % limit == 0
        block_starts = np.flatnonzero(first)
        block_ends = np.append(block_starts[1:], len(docs))
        # a block stores its documents as differences from the one before, the first as it is
        deltas = np.diff(docs.astype(np.int64), prepend=0)
        deltas[first] = docs[first]
        term_blocks = np.searchsorted(block_starts, bounds)  # every term starts a block
        wide = weights.astype(np.float64)
        heaviest = np.maximum.reduceat(wide, block_starts) if len(docs) else wide
        lightest = np.minimum.reduceat(wide, block_starts) if len(docs) else wide
        same = heaviest == lightest
        kinds = np.where(same & (wide[block_starts] == 1.0), 0, np.where(same, 1, 2))
        # max(0, heaviest): the int 0 when no weight is positive
        heaviest_kept = [h if h > 0 else 0 for h in heaviest.tolist()]
        term_heaviest = np.maximum.reduceat(np.maximum(heaviest, 0), term_blocks[:-1]) if len(docs) else heaviest
        totals = _term_totals(wide, bounds, block_starts, block_ends, term_blocks)
        if lengths is None:  # no lengths: the shortest is None, the longest 0
            short_bytes = long_bytes = [length_to_byte(None)] * len(block_starts)
            term_short = [0] * (len(bounds) - 1)
            term_long = [length_to_byte(0)] * (len(bounds) - 1)
        else:
            known = lengths[docs]
            unknown = np.iinfo(np.int64).max
            shortest = np.minimum.reduceat(np.where(known > 0, known, unknown), block_starts) \
                if len(docs) else known
            longest = np.maximum.reduceat(known, block_starts) if len(docs) else known
            as_byte = _length_bytes(np.concatenate((shortest, longest, [0])), unknown)
            short_bytes, long_bytes = as_byte(shortest).tolist(), as_byte(longest).tolist()
            term_short = as_byte(np.minimum.reduceat(shortest, term_blocks[:-1]) if len(docs) else shortest).tolist()
            term_long = as_byte(np.maximum.reduceat(longest, term_blocks[:-1]) if len(docs) else longest).tolist()
        counts = np.diff(bounds).tolist()
        term_infos = list(zip(totals, counts, term_short, term_long, term_heaviest.tolist(),
                              docs[starts].tolist(), docs[bounds[1:] - 1].tolist(), strict=True))
        block_summaries = list(zip((block_ends - block_starts).tolist(), docs[block_ends - 1].tolist(),
                                   heaviest_kept, short_bytes, long_bytes, strict=True))
        return cls(deltas, block_starts.tolist(), term_blocks.tolist(), block_summaries, kinds.tolist(), term_infos)


def _term_totals(weights: np.ndarray, bounds: np.ndarray, block_starts: np.ndarray, block_ends: np.ndarray,
                 term_blocks: np.ndarray) -> list[float]:
    """Each term's total weight, as ``W3TermInfo.add_block`` sums it (each block's weights in
    order, then the blocks' sums in order): with whole-number weights every order gives the
    same sum, so numpy's is used; otherwise the same additions in Python."""
    if not len(weights):
        return []
    if np.all(np.floor(weights) == weights) and float(np.abs(weights).sum()) < 2.0 ** 52:
        return np.add.reduceat(weights, bounds[:-1]).tolist()
    listed = weights.tolist()
    sums = [sum(listed[start:end]) for start, end in zip(block_starts.tolist(), block_ends.tolist(), strict=True)]
    totals = []
    for first, last in zip(term_blocks[:-1].tolist(), term_blocks[1:].tolist(), strict=True):
        total = 0.0
        for block in range(first, last):
            total += sums[block]
        totals.append(total)
    return totals


def _length_bytes(lengths: np.ndarray, unknown: int):
    """``length_to_byte`` over arrays: each distinct length once (``unknown``: None, byte 0)."""
    distinct = np.unique(lengths)
    encoded = np.array([0 if length == unknown else length_to_byte(length) for length in distinct.tolist()],
                       dtype=np.int64)
    return lambda values: encoded[np.searchsorted(distinct, values)]


class _BlockWriter:
    """Terms' postings as ``W3PostingsWriter`` writes them (``whoosh.codec.whoosh3``): blocks of
    ``blocklimit`` postings, each a pickled (id deltas, weights, values) tuple, compressed from
    ``COMPRESSION_MIN_SIZE`` bytes, after a pickled block summary; and their term infos as
    ``W3TermInfo.to_bytes`` packs them. Same bytes, one write a batch of terms instead of calls
    a posting (the tests read both indexes back and compare every posting and statistic)."""

    def __init__(self, postfile, compression: int, fixed_size: int | None, stats: _Statistics,
                 values: _BlockValues | None):
        self._file = postfile
        self._at = postfile.tell()  # kept here: asking the file is a system call
        self._compression = compression
        self._joined = fixed_size is not None and fixed_size > 0  # a block's values as one string
        self._stats = stats
        self._values = values

    def write(self, first: int, stop: int, low: int, deltas: tuple[int, ...], weights: tuple[float, ...]) \
            -> list[bytes]:
        """Terms ``first`` to ``stop`` (``deltas`` and ``weights``: their postings', from posting
        number ``low`` on); returns their term infos."""
        stats, compression, dumps, compress = self._stats, self._compression, pickle.dumps, zlib.compress
        starts, term_blocks, summaries, kinds = stats.block_starts, stats.term_blocks, stats.block_summaries, \
            stats.block_weights
        values, value_starts = ((), None) if self._values is None else (self._values.kept, self._values.starts)
        joined = self._joined
        chunks = []
        infos = []
        at = self._at
        for term in range(first, stop):
            size = 4
            chunks.append(WHOOSH3_HEADER_MAGIC)
            last_block = term_blocks[term + 1] - 1
            for block in range(term_blocks[term], last_block + 1):
                count, last, heaviest, shortest, longest = summaries[block]
                start = starts[block] - low
                end = start + count
                kind = kinds[block]
                if value_starts is None:
                    mini_values = None
                else:
                    mini_values = values[value_starts[block]:value_starts[block + 1]]
                    if joined:
                        mini_values = b"".join(mini_values)
                data = dumps((deltas[start:end],
                              None if kind == 0 else weights[start] if kind == 1 else weights[start:end],
                              mini_values), 2)
                level = compression if len(data) >= COMPRESSION_MIN_SIZE else 0
                if level:
                    data = compress(data, level)
                summary = dumps((count, last, heaviest, level, shortest, longest), 2)
                length = len(summary) + len(data)
                chunks += (pack_int(-length if block == last_block else length), summary, data)
                size += 4 + length
            infos.append(_TERM_INFO.pack(0, *stats.term_infos[term], at, size))
            at += size
        self._file.write(b"".join(chunks))
        self._at = at
        return infos


@dataclass
class _BlockValues:
    """A field's posting values as its blocks store them: in term order, empty ones left out."""

    kept: tuple[bytes, ...]  # the values that are not empty, in term order
    starts: list[int]  # where each block's values start among them, and the end

    @classmethod
    def of(cls, values: list[bytes], order: np.ndarray, block_starts: list[int]) -> _BlockValues:
        ordered = tuple(map(values.__getitem__, order.tolist()))
        if b"" in values:
            kept = np.fromiter(map(len, ordered), dtype=np.int64, count=len(ordered)) > 0
            before = np.concatenate(([0], np.cumsum(kept)))
            return cls(tuple(itertools.compress(ordered, kept.tolist())),
                       before[[*block_starts, len(ordered)]].tolist())
        return cls(ordered, [*block_starts, len(ordered)])


class _TermTable:
    """Rows of a field writer's term table (``filetables.OrderedHashWriter.add``: key, term
    info, its place in the key index and its hash bucket), a batch of terms in one write."""

    def __init__(self, tindex, prefix: bytes):
        if tindex.hashfn is not md5_hash:
            raise ValueError(f"a term table hashed with {tindex.hashfn!r}, not MD5")
        self._tindex = tindex
        self._prefix = prefix

    def add(self, terms: list[bytes], infos: list[bytes]) -> None:
        if not terms:
            return
        tindex, prefix, buckets, head, from_bytes = \
            self._tindex, self._prefix, self._tindex.buckets, _ROW_HEAD.pack, int.from_bytes
        if prefix + terms[0] <= tindex.lastkey:  # Whoosh's own check, once a batch (sorted within)
            raise ValueError(f"Keys must increase: {tindex.lastkey!r}..{prefix + terms[0]!r}")
        at = tindex.dbfile.tell()
        rows, places = [], []
        for term, info in zip(terms, infos, strict=True):
            key = prefix + term
            row = head(len(key), len(info)) + key + info
            rows.append(row)
            places.append(at)
            # filetables.md5_hash: the digest's low 32 bits
            value = from_bytes(md5(key, usedforsecurity=False).digest()[12:], "big")
            buckets[value & 255].append((value, at))
            at += len(row)
        tindex.dbfile.write(b"".join(rows))
        index = tindex.index
        try:  # the key index's array widens as Whoosh's does when a place does not fit it
            index.array.extend(array(index.array.typecode, places))
        except (OverflowError, AttributeError):
            index.extend(places)
        tindex.lastkey = key
