"""Whoosh's W3 segment format, written a field at a time from flat postings arrays
(:mod:`search.bulkwrite`): the same term-table rows and posting blocks ``W3FieldWriter`` and
``W3PostingsWriter`` write, one call a term instead of one a posting.

This leans on whoosh3's internals (the field writer's term table and postings file, the block
and term-info layouts); whoosh3 is pinned exactly, and ``tests/test_bulkwrite.py`` reads every
term, posting and statistic back through Whoosh and compares it with Whoosh's own writer's.
"""

from __future__ import annotations

import bisect
import pickle
import zlib
from array import array
from collections.abc import Iterable, Sequence

import numpy as np
from tqdm import tqdm
from whoosh import fields
from whoosh.codec.whoosh3 import COMPRESSION_MIN_SIZE, WHOOSH3_HEADER_MAGIC, W3TermInfo
from whoosh.system import pack_int, pack_long, pack_ushort
from whoosh.util.numeric import length_to_byte

from .postings import SegmentPostings

#: postings converted to Python lists at once while a field's terms are written
LIST_BATCH = 65536
#: a term's statistics as the term table stores them (``W3TermInfo.to_bytes``, not inlined)
_TERM_INFO = W3TermInfo._struct


class GatheredPostings:
    """One field's postings of a segment, gathered as flat arrays in document order."""

    __slots__ = ("docs", "term_ids", "tids", "values", "weights")

    def __init__(self) -> None:
        self.term_ids: dict[bytes, int] = {}
        self.docs = array("I")
        self.tids = array("I")
        self.weights = array("f")
        self.values: list[bytes] = []

    def add(self, docnum: int, terms: Sequence[bytes], weights: Iterable[float], values: Sequence[bytes]) -> None:
        """A document's postings: its distinct terms, with their weights and encoded values."""
        term_ids, tids = self.term_ids, self.tids
        for term in terms:
            tid = term_ids.get(term)
            if tid is None:
                tid = term_ids[term] = len(term_ids)
            tids.append(tid)
        self.docs.extend(array("I", [docnum]) * len(terms))
        self.weights.extend(weights)
        self.values.extend(values)

    def add_terms(self, terms) -> None:
        """Terms without postings of their own (spelling words): one posting on document 0."""
        for term in terms:
            if term not in self.term_ids:
                self.term_ids[term] = len(self.term_ids)
                self.docs.append(0)
                self.tids.append(self.term_ids[term])
                self.weights.append(1.0)
                self.values.append(b"")

    def sorted(self) -> tuple[list[bytes], np.ndarray, list[int]]:
        """The terms in byte order; the postings' order by term (document order within a term);
        where each term's postings start in that order."""
        terms = sorted(self.term_ids)
        rank = np.empty(len(terms), dtype=np.int64)
        rank[[self.term_ids[t] for t in terms]] = np.arange(len(terms))
        by_term = rank[np.frombuffer(self.tids, dtype=np.uint32)]
        order = np.argsort(by_term, kind="stable")
        bounds = np.concatenate(([0], np.cumsum(np.bincount(by_term, minlength=len(terms)))))
        return terms, order, bounds.tolist()


def write_field(writer, name: str, field: fields.FieldType, postings: GatheredPostings, lengths,
                bar: tqdm | None) -> SegmentPostings:
    """A field's terms and postings, in the blocks and term table of Whoosh's codec; returned
    as arrays too."""
    writer.start_field(name, field)
    prefix = pack_ushort(writer._fieldid)
    codec = writer._codec
    block = BlockWriter(writer._postfile, codec._blocklimit, codec._compression, field.format.fixed_value_size())
    terms, order, bounds = postings.sorted()
    sorted_docs = np.frombuffer(postings.docs, dtype=np.uint32)[order]
    sorted_weights = np.frombuffer(postings.weights, dtype=np.float32)[order]
    sorted_values = np.array(postings.values, dtype=object)[order]
    # a block stores its documents as differences from the one before, the first as it is
    deltas = np.diff(sorted_docs.astype(np.int64), prepend=0)
    starts = np.array(bounds[:-1], dtype=np.int64)
    in_term = np.arange(len(sorted_docs)) - np.repeat(starts, np.diff(bounds))
    first_of_block = in_term % block.limit == 0
    deltas[first_of_block] = sorted_docs[first_of_block]
    stored = None
    if field.scorable:  # the lengths as Whoosh stores them (one byte per document, decoded)
        length_of = lengths.doc_field_length_reader(name)
        stored = np.array([length_of(d) or 0 for d in range(lengths.doc_count_all())], dtype=np.int64)
    add = writer._tindex.add
    # a batch of terms at a time, their postings as Python lists (slicing a list is cheaper than
    # slicing an array and converting each slice; a batch bounds the lists' memory)
    number = 0
    while number < len(terms):
        stop = max(number + 1, bisect.bisect_right(bounds, bounds[number] + LIST_BATCH, number) - 1)
        low, high = bounds[number], bounds[stop]
        docs, gaps = sorted_docs[low:high], deltas[low:high].tolist()
        weights, values = sorted_weights[low:high].tolist(), sorted_values[low:high].tolist()
        ids = docs.tolist()
        known = stored[docs].tolist() if stored is not None else None
        for at in range(number, stop):
            start, end = bounds[at] - low, bounds[at + 1] - low
            add(prefix + terms[at], block.write(ids[start:end], gaps[start:end], weights[start:end],
                                                values[start:end], known[start:end] if known is not None else None))
        if bar is not None:
            bar.update(stop - number)
        number = stop
    writer.finish_field()
    return SegmentPostings(terms, np.array(bounds, dtype=np.int64), sorted_docs.astype(np.int32), sorted_weights,
                           None if stored is None else stored.astype(np.float64))


class BlockWriter:
    """A term's postings as ``W3PostingsWriter`` writes them (``whoosh.codec.whoosh3``): blocks of
    ``blocklimit`` postings, each a pickled (id deltas, weights, values) tuple, compressed from
    ``COMPRESSION_MIN_SIZE`` bytes, after a pickled block summary; and its term info as
    ``W3TermInfo.to_bytes`` packs it. Same bytes, one call a term instead of one a posting (the
    tests read both indexes back and compare every posting and statistic)."""

    def __init__(self, postfile, blocklimit: int, compression: int, fixed_size: int | None):
        self._file = postfile
        self._at = postfile.tell()  # kept here: asking the file is a system call
        self.limit = blocklimit
        self._compression = compression
        self._fixed = fixed_size

    def write(self, ids: list[int], deltas: list[int], weights: list[float], values: list[bytes],
              lengths: list[int] | None) -> bytes:
        """A term's postings (``deltas``: its document numbers as each block stores them); returns
        its term info."""
        count, limit = len(ids), self.limit
        chunks = [WHOOSH3_HEADER_MAGIC]
        # the term's totals, as W3TermInfo.add_block sums them block by block
        total = 0.0
        minlength = None
        maxlength = 0
        maxweight = 0
        for first in range(0, count, limit):
            last = first + limit
            if count <= limit:  # most terms: one block, no slices
                block_ids, block_deltas, block_weights, block_values = ids, deltas, weights, values
                block_lengths = lengths
            else:
                block_ids, block_deltas, block_weights = ids[first:last], deltas[first:last], weights[first:last]
                block_values = values[first:last]
                block_lengths = lengths[first:last] if lengths else None
            known = [n for n in block_lengths if n] if block_lengths else ()
            shortest = min(known) if known else None
            longest = max(known) if known else 0
            heaviest = max(0, max(block_weights))
            total += sum(block_weights)
            minlength = shortest if minlength is None else min(minlength, shortest)
            maxlength = max(maxlength, longest)
            maxweight = max(maxweight, heaviest)
            data = pickle.dumps((tuple(block_deltas), _mini_weights(block_weights),
                                 self._mini_values([v for v in block_values if v])), 2)
            compression = self._compression if len(data) >= COMPRESSION_MIN_SIZE else 0
            if compression:
                data = zlib.compress(data, compression)
            summary = pickle.dumps((len(block_ids), block_ids[-1], heaviest, compression,
                                    length_to_byte(shortest), length_to_byte(longest)), 2)
            size = len(summary) + len(data)
            chunks += (pack_int(-size if last >= count else size), summary, data)
        written = b"".join(chunks)
        self._file.write(written)
        start = self._at
        self._at += len(written)
        return _TERM_INFO.pack(0, total, count, 0 if minlength is None else length_to_byte(minlength),
                               length_to_byte(maxlength), maxweight, ids[0], ids[-1]) \
            + pack_long(start) + pack_int(len(written))

    def _mini_values(self, values: list[bytes]):
        if self._fixed is None or self._fixed < 0:
            return tuple(values)
        return None if self._fixed == 0 else b"".join(values)


def _mini_weights(weights: list[float]):
    first = weights[0]
    if first == 1.0 and all(w == 1.0 for w in weights):
        return None
    if all(w == first for w in weights):
        return first
    return tuple(weights)
