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

A segment is closed every :data:`SEGMENT_TEXT` characters of text, so memory stays bounded
however large the corpus; segments are written by child processes beside the caller's work
where the machine allows. Updating an existing index keeps Whoosh's own writer (:class:`search.documents.Writer`).
"""

from __future__ import annotations

import bisect
import multiprocessing
import pickle
import shutil
import sys
import zlib
from array import array
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tqdm import tqdm
from whoosh import fields
from whoosh.codec import default_codec
from whoosh.codec.whoosh3 import COMPRESSION_MIN_SIZE, WHOOSH3_HEADER_MAGIC, W3TermInfo
from whoosh.index import TOC, FileIndex, LockError, clean_files
from whoosh.system import pack_int, pack_long, pack_ushort
from whoosh.util.numeric import length_to_byte

from .compute import die_with_parent, usable_cores
from .postings import Postings, SegmentPostings, merge_segments
from .progress import progress_bar
from .textanalysis import fast_fields, text_key

#: characters of title and body text held before a segment is closed (~8M postings of news
#: text: ~250 MB while it is written)
SEGMENT_TEXT = 40_000_000
#: segments a corpus of known size is cut into when they are written in the background
PIPELINE_SEGMENTS = 2
#: fewest documents expected for which segments are written in the background
BACKGROUND_MIN = 1000
#: postings converted to Python lists at once while a field's terms are written
_LIST_BATCH = 65536
#: a term's statistics as the term table stores them (``W3TermInfo.to_bytes``, not inlined)
_TERM_INFO = W3TermInfo._struct


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
    to readers before :meth:`commit` writes the table of contents.

    Documents are held until their segment is closed (by :meth:`flush`, or when the texts held
    reach :data:`SEGMENT_TEXT` characters), then the segment is written in one go by
    :func:`_write_segment`. With ``background``, that runs in a forked child process while this
    one goes on: a corpus of ``expected`` documents is cut into :data:`PIPELINE_SEGMENTS`
    segments, so that writing the first overlaps reading the next.
    """

    def __init__(self, ix: FileIndex, arrays: Sequence[str] = (), expected: int | None = None,
                 background: bool | None = None):
        """``arrays``: fields whose postings arrays (:mod:`search.postings`) are kept as they are
        written, for :meth:`postings` (instead of reading them back after the commit).
        ``background``: None to write in child processes where that can pay (Linux, several
        cores, at least :data:`BACKGROUND_MIN` documents expected)."""
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
        self._fast = fast_fields(self.schema)
        self._arrays = {name for name in arrays if name in self.schema and self.schema[name].indexed}
        self._written: list[_Segment] = []  # in document order
        self._size = 0  # documents in the segments closed
        self._spill = Path(self._storage.folder) / ".bulk-arrays"  # segments' postings arrays until merged
        if background is None:
            background = can_write_in_background() and (expected or 0) >= BACKGROUND_MIN
        self._children: list[_Child] | None = [] if background else None
        self._segment_docs = -(-expected // PIPELINE_SEGMENTS) if background and expected else None
        self._held: list[tuple[dict, bytes | None]] = []  # the documents of the segment not yet closed
        self._held_text = 0
        self._closed = False

    def add_document(self, values: dict, analysed: bytes | None = None) -> None:
        """As Whoosh's ``SegmentWriter.add_document`` (without boosts, vectors or ``_stored_``).
        ``analysed``: texts analysed ahead by :func:`analyse_texts` (on a worker), used where
        they are the document's."""
        self._held.append((values, analysed))
        self._held_text += sum(len(values[name]) for name in self._fast if values.get(name))
        if self._held_text >= SEGMENT_TEXT or len(self._held) == self._segment_docs:
            self.flush()

    def flush(self) -> None:
        """Close the segment being added to: it is written now, or in the background while the
        caller goes on. Documents added after it go to a new segment."""
        if not self._held:
            return
        task = _SegmentTask(self._storage, self._indexname, self.schema, self._held, self._arrays,
                            self._spill / str(len(self._written) + len(self._children or ())))
        if self._children is None:
            self._written.append(task.write())
        else:
            # the segments being written hold at most SEGMENT_TEXT characters between them (one
            # full segment, or the parts of a smaller corpus), beside the one being filled here
            while self._children and sum(c.text for c in self._children) + self._held_text > SEGMENT_TEXT:
                self._written.append(self._children.pop(0).result())
            self._children.append(_Child(task, self._held_text))
        self._size += len(self._held)
        self._held, self._held_text = [], 0

    def commit(self) -> None:
        try:
            self.flush()
            if self._children:
                bar = progress_bar(len(self._children), "writing segments", unit="segment")
                with bar:
                    while self._children:
                        self._written.append(self._children.pop(0).result())
                        bar.update()
            segments = [written.segment for written in self._written]
            TOC(self.schema, segments, self._generation).write(self._storage, self._indexname)
            clean_files(self._storage, self._indexname, self._generation, segments)
        finally:
            self._close()

    def postings(self) -> Postings:
        """After :meth:`commit`: the postings arrays of the ``arrays`` fields, as
        :meth:`search.postings.Postings.build` would read them from the new index."""
        bases = np.cumsum([0] + [w.segment.doc_count_all() for w in self._written]).tolist()
        try:
            return Postings({
                name: merge_segments([(base, w.arrays[name]) for base, w in zip(bases, self._written, strict=False)
                                      if name in w.arrays],
                                     self._size, self.schema[name].scorable,
                                     sum(w.length_totals.get(name, 0) for w in self._written))
                for name in sorted(self._arrays)})
        finally:
            shutil.rmtree(self._spill, ignore_errors=True)

    def spelling_words(self) -> list[str]:
        """The words of the spelling fields, sorted (as the snapshot keeps them)."""
        return sorted({word.decode("utf-8") for written in self._written for word in written.spelling})

    def cancel(self) -> None:
        """Give up: nothing was published (the files written so far are left to the caller,
        which removes the new generation)."""
        self._close()
        shutil.rmtree(self._spill, ignore_errors=True)

    def _close(self) -> None:
        """Stop what still writes, remove the scratch files, release the lock (once)."""
        if self._closed:
            return
        self._closed = True
        for child in self._children or ():
            child.stop()
        # the per-document writers' column scratch folder (as Whoosh's own writer removes it)
        shutil.rmtree(Path(self._storage.folder) / f"{self._indexname}.tmp", ignore_errors=True)
        self._lock.release()


def can_write_in_background() -> bool:
    """Whether segments can be written by forked child processes here: fork is Linux's safe
    default (on macOS it is not), and a second core must be there to run them."""
    return sys.platform == "linux" and usable_cores() > 1


@dataclass
class _Segment:
    """A segment written: Whoosh's segment object for the table of contents, and what the
    writer keeps of it (the ``arrays`` fields' postings arrays, spilled to disk)."""

    segment: object
    arrays: dict[str, SegmentPostings]
    length_totals: dict[str, int]
    spelling: set[bytes]


@dataclass
class _SegmentTask:
    """A segment's documents, to write (here or in a child process)."""

    storage: object
    indexname: str
    schema: fields.Schema
    documents: list[tuple[dict, bytes | None]]
    arrays: set[str]
    spill: Path  # where its arrays go: ``<spill>-<field>.npz``

    def write(self, bar: bool = True) -> _Segment:
        codec = default_codec()
        segment = codec.new_segment(self.storage, self.indexname)
        perdoc = codec.per_document_writer(self.storage, segment)
        postings: dict[str, _FieldPostings] = defaultdict(_FieldPostings)
        totals = dict.fromkeys(self.arrays, 0)
        fast = fast_fields(self.schema)
        try:
            for docnum, (values, analysed) in enumerate(self.documents):
                _add_document(perdoc, docnum, self.schema, fast, postings, totals, values,
                              pickle.loads(analysed) if analysed else None)
        finally:
            perdoc.close()
        segment.set_doc_count(len(self.documents))
        spelling_fields = {field.spelling_fieldname(name) for name, field in self.schema.items()
                           if field.separate_spelling()}
        spelling = set().union(*(postings[name].term_ids for name in spelling_fields & postings.keys()))
        lengths = codec.per_document_reader(self.storage, segment)
        writer = codec.field_writer(self.storage, segment)
        # no bar in a child: tqdm takes a lock the parent's threads may have held at the fork
        progress = progress_bar(sum(len(p.term_ids) for p in postings.values()), "writing terms", unit="term") \
            if bar else None
        parts = {}
        try:
            for name in sorted(postings):
                part = _write_field(writer, name, self.schema[name], postings.pop(name), lengths, progress)
                if name in self.arrays:
                    self.spill.parent.mkdir(exist_ok=True)
                    part.spill(self.spill.parent / f"{self.spill.name}-{name}.npz")
                    parts[name] = part
        finally:
            if progress is not None:
                progress.close()
            writer.close()
            lengths.close()
        return _Segment(segment, parts, totals, spelling)


def _add_document(perdoc, docnum: int, schema: fields.Schema, fast: dict, postings: dict[str, _FieldPostings],
                  totals: dict[str, int], values: dict, analysed: dict | None) -> None:
    """One document's stored fields, lengths and columns (Whoosh's per-document writer) and postings."""
    perdoc.start_doc(docnum)
    for name in sorted(values):
        value = values[name]
        if value is None:
            continue
        field = schema[name]
        length = 0
        if field.indexed:
            if name in fast:
                ready = analysed.get(name) if analysed else None
                done = ready[1] if ready and ready[0] == text_key(value) else fast[name].analyse(value)
                if field.scorable:
                    length = done.length
                if field.separate_spelling():
                    postings[field.spelling_fieldname(name)].add_terms(done.spelling)
                postings[name].add(docnum, done.terms, done.weights, done.values)
            else:
                # (term, frequency, weight, value) per distinct term, as four columns
                terms, freqs, weights, encoded = list(zip(*field.index(value), strict=True)) or [(), (), (), ()]
                if field.scorable:
                    length = sum(freqs)
                postings[name].add(docnum, terms, weights, encoded)
            if name in totals:
                totals[name] += length
        perdoc.add_field(name, field, value if field.stored else None, length)
        if field.column_type:
            perdoc.add_column_value(name, field.column_type, field.to_column_value(value))
    perdoc.finish_doc()


class _Child:
    """A segment written by a forked child process (:class:`_SegmentTask`): what it wrote comes
    back, or its error, raised here as it was raised there."""

    def __init__(self, task: _SegmentTask, text: int):
        self.text = text  # characters of title and body text it holds
        context = multiprocessing.get_context("fork")
        self._results, sender = context.Pipe(duplex=False)
        sys.stdout.flush()  # the child must not print what this process had buffered
        sys.stderr.flush()
        self._process = context.Process(target=_write_in_child, args=(task, sender), daemon=True,
                                        name="dateline-segment-writer")
        self._process.start()
        sender.close()
        task.documents = []  # the child has its own copy

    def result(self) -> _Segment:
        try:
            failed, value = self._results.recv()
        except EOFError:  # killed before it could answer
            self._process.join()
            raise OSError(f"the process writing an index segment stopped (exit code {self._process.exitcode})") \
                from None
        finally:
            self._results.close()
        self._process.join()
        if failed:
            raise value
        return value

    def stop(self) -> None:
        if self._process.is_alive():
            self._process.kill()
        self._process.join()
        self._results.close()


def _write_in_child(task: _SegmentTask, results) -> None:
    die_with_parent()  # an indexer killed (SIGKILL included) leaves no writer behind
    try:
        answer = (False, task.write(bar=False))
    except BaseException as error:  # every failure goes back to the parent, which raises it
        answer = (True, error)
    try:
        results.send(answer)
    except Exception as error:  # an error that does not pickle goes back as text
        results.send((True, OSError(f"writing an index segment failed: {error!r}")))
    results.close()


def _write_field(writer, name: str, field: fields.FieldType, postings: _FieldPostings, lengths,
                 bar: tqdm | None) -> SegmentPostings:
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
    # a batch of terms at a time, their postings as Python lists (slicing a list is cheaper than
    # slicing an array and converting each slice; a batch bounds the lists' memory)
    number = 0
    while number < len(terms):
        stop = max(number + 1, bisect.bisect_right(bounds, bounds[number] + _LIST_BATCH, number) - 1)
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


class _BlockWriter:
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
