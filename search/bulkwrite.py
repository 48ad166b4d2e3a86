"""A new index written in bulk: Whoosh segments without Whoosh's per-posting writer.

Whoosh's writer is pure Python per token and per posting: each word goes through a chain of
generator filters, each posting through a sorting pool and then one ``add_posting`` call, and
titles and bodies are analysed a second time for the spelling word list. At Reuters scale that
was ~4.7 ms of CPU an article, two thirds of a build without entities (``bench/README.md``).

:class:`BulkWriter` writes the same segments for a new, empty index:

* titles and bodies are analysed once, in one regular-expression pass that gives what the
  schema's analyser gives, spelling words included (:mod:`search.textanalysis`), possibly ahead
  on the cleaning workers;
* postings are gathered as flat arrays per field and, at the end of a segment, sorted once with
  numpy and handed to Whoosh's own codec a block at a time (its block and term-table formats are
  used as they are, so any Whoosh reader reads the result);
* stored fields, field lengths and columns go through Whoosh's per-document writer as before.

A segment is closed every :data:`SEGMENT_POSTINGS` postings, so memory stays bounded however
large the corpus. Updating an existing index keeps Whoosh's own writer (:class:`search.documents.Writer`).
"""

from __future__ import annotations

import pickle
import shutil
import zlib
from array import array
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
from whoosh import fields
from whoosh.codec import default_codec
from whoosh.codec.whoosh3 import COMPRESSION_MIN_SIZE, WHOOSH3_HEADER_MAGIC, W3TermInfo
from whoosh.index import TOC, FileIndex, LockError, clean_files
from whoosh.system import _INT_SIZE, pack_int, pack_ushort
from whoosh.util.numeric import length_to_byte

from .postings import Postings, SegmentPostings, merge_segments
from .progress import progress_bar
from .textanalysis import fast_fields, text_key

#: postings held before a segment is written out (~30 bytes each: ~250 MB)
SEGMENT_POSTINGS = 8_000_000


class _FieldPostings:
    """One field's postings of the current segment, as flat arrays in document order."""

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


class BulkWriter:
    """Writes the documents of a new, empty index as one or more segments; nothing is visible
    to readers before :meth:`commit` writes the table of contents."""

    def __init__(self, ix: FileIndex, arrays: Sequence[str] = ()):
        """``arrays``: fields whose postings arrays (:mod:`search.postings`) are kept as they are
        written, for :meth:`postings` (instead of reading them back after the commit)."""
        self._lock = ix.lock("WRITELOCK")
        if not self._lock.acquire(False):
            raise LockError("the index is being written by another writer")
        toc = ix._read_toc()
        if toc.segments:
            self._lock.release()
            raise ValueError("BulkWriter writes new indexes only")
        self.schema = toc.schema
        self._generation = toc.generation + 1
        self._storage = ix.storage
        self._indexname = ix.indexname
        self._codec = default_codec()
        self._fast = fast_fields(self.schema)
        self._segments: list = []
        self._arrays = {name: [] for name in arrays if name in self.schema and self.schema[name].indexed}
        self._length_totals = dict.fromkeys(self._arrays, 0)
        self._size = 0  # documents in the segments written
        self._spill = Path(self._storage.folder) / ".bulk-arrays"  # earlier segments' postings arrays
        self._start_segment()

    def _start_segment(self) -> None:
        self._segment = self._codec.new_segment(self._storage, self._indexname)
        self._perdoc = self._codec.per_document_writer(self._storage, self._segment)
        self._postings: dict[str, _FieldPostings] = {}
        self._docnum = 0
        self._held = 0

    def _field(self, name: str) -> _FieldPostings:
        if name not in self._postings:
            self._postings[name] = _FieldPostings()
        return self._postings[name]

    def add_document(self, values: dict, analysed: dict | None = None) -> None:
        """As Whoosh's ``SegmentWriter.add_document`` (without boosts, vectors or ``_stored_``).
        ``analysed``: texts analysed ahead by :func:`analyse_texts` (on a worker), used where
        they are the document's."""
        perdoc, docnum, schema = self._perdoc, self._docnum, self.schema
        perdoc.start_doc(docnum)
        for name in sorted(values):
            value = values[name]
            if value is None:
                continue
            field = schema[name]
            length = 0
            if field.indexed:
                if name in self._fast:
                    ready = analysed.get(name) if analysed else None
                    done = ready[1] if ready and ready[0] == text_key(value) else self._fast[name].analyse(value)
                    if field.scorable:
                        length = done.length
                    if field.separate_spelling():
                        self._field(field.spelling_fieldname(name)).add_terms(done.spelling)
                    self._field(name).add(docnum, done.terms, done.weights, done.values)
                    count = len(done.terms)
                else:
                    # (term, frequency, weight, value) per distinct term, as four columns
                    terms, freqs, weights, encoded = list(zip(*field.index(value), strict=True)) or [(), (), (), ()]
                    if field.scorable:
                        length = sum(freqs)
                    self._field(name).add(docnum, terms, weights, encoded)
                    count = len(terms)
                self._held += count
                if name in self._length_totals:
                    self._length_totals[name] += length
            perdoc.add_field(name, field, value if field.stored else None, length)
            if field.column_type:
                perdoc.add_column_value(name, field.column_type, field.to_column_value(value))
        perdoc.finish_doc()
        self._docnum += 1
        if self._held >= SEGMENT_POSTINGS:
            self._finish_segment(last=False)
            self._start_segment()

    def _finish_segment(self, last: bool) -> None:
        if not self._docnum:
            return
        self._perdoc.close()
        self._segment.set_doc_count(self._docnum)
        lengths = self._codec.per_document_reader(self._storage, self._segment)
        writer = self._codec.field_writer(self._storage, self._segment)
        bar = progress_bar(sum(len(p.term_ids) for p in self._postings.values()), "writing terms", unit="term")
        try:
            for name in sorted(self._postings):
                part = _write_field(writer, name, self.schema[name], self._postings.pop(name), lengths, bar)
                if name in self._arrays:
                    if not last:  # held on disk until the commit merges them
                        self._spill.mkdir(exist_ok=True)
                        part.spill(self._spill / f"{len(self._segments)}-{name}.npz")
                    self._arrays[name].append((self._size, part))
        finally:
            bar.close()
            writer.close()
            lengths.close()
        self._segments.append(self._segment)
        self._size += self._docnum

    def commit(self) -> None:
        try:
            self._finish_segment(last=True)
            TOC(self.schema, self._segments, self._generation).write(self._storage, self._indexname)
            clean_files(self._storage, self._indexname, self._generation, self._segments)
        finally:
            self._remove_scratch()
            self._lock.release()

    def postings(self) -> Postings:
        """After :meth:`commit`: the postings arrays of the ``arrays`` fields, as
        :meth:`search.postings.Postings.build` would read them from the new index."""
        try:
            return Postings({name: merge_segments(parts, self._size, self.schema[name].scorable,
                                                  self._length_totals[name])
                             for name, parts in self._arrays.items()})
        finally:
            shutil.rmtree(self._spill, ignore_errors=True)

    def cancel(self) -> None:
        """Give up: nothing was published (the files written so far are left to the caller,
        which removes the new generation)."""
        if not self._perdoc.is_closed:
            self._perdoc.close()
        self._remove_scratch()
        shutil.rmtree(self._spill, ignore_errors=True)
        self._lock.release()

    def _remove_scratch(self) -> None:
        """The per-document writer's column scratch folder (as Whoosh's own writer removes it)."""
        shutil.rmtree(Path(self._storage.folder) / f"{self._indexname}.tmp", ignore_errors=True)


def _write_field(writer, name: str, field: fields.FieldType, postings: _FieldPostings, lengths,
                 bar) -> SegmentPostings:
    """A field's terms and postings, in the blocks and term table of Whoosh's codec; returned
    as arrays too."""
    writer.start_field(name, field)
    prefix = pack_ushort(writer._fieldid)
    codec = writer._codec
    block = _BlockWriter(writer._postfile, codec._blocklimit, codec._compression, field.format.fixed_value_size())
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
    for number, term in enumerate(terms):  # a term at a time: no Python list of every posting
        start, end = bounds[number], bounds[number + 1]
        docs = sorted_docs[start:end]
        info = block.write(docs.tolist(), deltas[start:end].tolist(), sorted_weights[start:end].tolist(),
                           sorted_values[start:end].tolist(), stored[docs].tolist() if stored is not None else None)
        add(prefix + term, info.to_bytes())
        if number % 8192 == 8191:
            bar.update(8192)
    bar.update(len(terms) % 8192)
    writer.finish_field()
    return SegmentPostings(terms, np.array(bounds, dtype=np.int64), sorted_docs.astype(np.int32), sorted_weights,
                           None if stored is None else stored.astype(np.float64))


class _BlockWriter:
    """A term's postings as ``W3PostingsWriter`` writes them (``whoosh.codec.whoosh3``): blocks of
    ``blocklimit`` postings, each a pickled (id deltas, weights, values) tuple, compressed from
    ``COMPRESSION_MIN_SIZE`` bytes, after a pickled block summary. Same bytes, one call a term
    instead of one a posting (the tests read both indexes back and compare every posting)."""

    def __init__(self, postfile, blocklimit: int, compression: int, fixed_size: int | None):
        self._file = postfile
        self._at = postfile.tell()  # kept here: asking the file is a system call
        self.limit = blocklimit
        self._compression = compression
        self._fixed = fixed_size

    def write(self, ids: list[int], deltas: list[int], weights: list[float], values: list[bytes],
              lengths: list[int] | None) -> W3TermInfo:
        """A term's postings; ``deltas``: its document numbers as each block stores them."""
        info = W3TermInfo()
        write = self._file.write
        start = self._at
        write(WHOOSH3_HEADER_MAGIC)
        self._at += len(WHOOSH3_HEADER_MAGIC)
        count = len(ids)
        for first in range(0, count, self.limit):
            last = first + self.limit
            block_ids, block_weights = ids[first:last], weights[first:last]
            block_values = [v for v in values[first:last] if v]
            known = [n for n in lengths[first:last] if n] if lengths else ()
            shortest = min(known) if known else None
            longest = max(known) if known else 0
            heaviest = max(0, max(block_weights))
            # the term's totals, as W3TermInfo.add_block
            info._weight += sum(block_weights)
            info._df += len(block_ids)
            info._minlength = shortest if info._minlength is None else min(info._minlength, shortest)
            info._maxlength = max(info._maxlength, longest)
            info._maxweight = max(info._maxweight, heaviest)
            if info._minid is None:
                info._minid = block_ids[0]
            info._maxid = block_ids[-1]
            data = pickle.dumps((tuple(deltas[first:last]), _mini_weights(block_weights),
                                 self._mini_values(block_values)), 2)
            compression = self._compression if len(data) >= COMPRESSION_MIN_SIZE else 0
            if compression:
                data = zlib.compress(data, compression)
            summary = pickle.dumps((len(block_ids), block_ids[-1], heaviest, compression,
                             length_to_byte(shortest), length_to_byte(longest)), 2)
            size = len(summary) + len(data)
            write(pack_int(-size if last >= count else size))
            write(summary)
            write(data)
            self._at += _INT_SIZE + size
        info.set_extent(start, self._at - start)
        return info

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
