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
  numpy and written in Whoosh's own block and term-table formats a term at a time
  (:mod:`search.segmentformat`), so any Whoosh reader reads the result;
* stored fields, field lengths and columns go through Whoosh's per-document writer as before.

A segment is closed every :data:`SEGMENT_TEXT` characters of text, so memory stays bounded
however large the corpus; segments are written by child processes beside the caller's work
where the machine allows. Updating an existing index keeps Whoosh's own writer (:class:`search.documents.Writer`).
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import shutil
import signal
import sys
from collections import defaultdict
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from whoosh import fields
from whoosh.codec import default_codec
from whoosh.index import TOC, FileIndex, LockError, clean_files

from .cachedb import collector_paused
from .compute import die_with_parent, usable_cores
from .fieldterms import SegmentFields, index_terms
from .postings import Postings, SegmentPostings, merge_segments
from .progress import progress_bar
from .segmentformat import GatheredPostings, write_field
from .textanalysis import fast_fields, text_key

#: characters of title and body text held before a segment is closed (~8M postings of news
#: text: ~250 MB while it is written)
SEGMENT_TEXT = 40_000_000
#: segments a corpus of known size is cut into when they are written in the background
PIPELINE_SEGMENTS = 2
#: fewest documents expected for which segments are written in the background
BACKGROUND_MIN = 1000


class BulkWriter:
    """Writes the documents of a new, empty index as one or more segments; nothing is visible
    to readers before :meth:`commit` writes the table of contents.

    Documents are held until their segment is closed (by :meth:`flush`, or when the texts held
    reach :data:`SEGMENT_TEXT` characters), then the segment is written in one go by
    :meth:`_SegmentTask.write`. With ``background``, that runs in a forked child process while this
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
                            self._spill, len(self._written) + len(self._children or ()))
        if self._children is None:
            for written in self._written:  # the arrays of earlier segments wait on disk
                written.spill(self._spill)
            self._written.append(task.write())
        else:
            # the segments being written hold at most SEGMENT_TEXT characters between them (one
            # full segment, or the parts of a smaller corpus), beside the one being filled here;
            # one that is done is collected at once, so that it does not hold its memory
            while self._children and (self._children[0].done()
                                      or sum(c.text for c in self._children) + self._held_text > SEGMENT_TEXT):
                self._collect()
            self._children.append(_Child(task, self._held_text))
        self._held, self._held_text = [], 0

    def commit(self) -> None:
        try:
            self.flush()
            if self._children:
                bar = progress_bar(len(self._children), "writing segments", unit="segment")
                with bar:
                    while self._children:
                        self._collect()
                        bar.update()
            segments = [written.segment for written in self._written]
            TOC(self.schema, segments, self._generation).write(self._storage, self._indexname)
            clean_files(self._storage, self._indexname, self._generation, segments)
        finally:
            self._close()

    def _collect(self) -> None:
        """The first segment still being written, once it is (in document order)."""
        self._written.append(self._children[0].result())
        self._children.pop(0)

    def postings(self) -> Postings:
        """After :meth:`commit`: the postings arrays of the ``arrays`` fields, as
        :meth:`search.postings.Postings.build` would read them from the new index."""
        bases = np.cumsum([0] + [w.segment.doc_count_all() for w in self._written]).tolist()
        try:
            return Postings({
                name: merge_segments([(base, w.arrays[name]) for base, w in zip(bases[:-1], self._written, strict=True)
                                      if name in w.arrays],
                                     bases[-1], self.schema[name].scorable,
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
    writer keeps of it (the ``arrays`` fields' postings arrays, in memory until another segment
    follows, or spilled to disk; length totals; spelling words)."""

    segment: object
    arrays: dict[str, SegmentPostings]
    length_totals: dict[str, int]
    spelling: set[bytes]
    number: int  # its place among the segments

    def spill(self, folder: Path) -> None:
        """Keep its postings arrays on disk (in ``folder``) until they are merged."""
        for name, part in self.arrays.items():
            if part.spilled is None:
                folder.mkdir(exist_ok=True)
                part.spill(folder / f"{self.number}-{name}.npz")


@dataclass
class _SegmentTask:
    """A segment's documents, to write (here or in a child process)."""

    storage: object
    indexname: str
    schema: fields.Schema
    documents: list[tuple[dict, bytes | None]]
    arrays: set[str]
    spill: Path  # where its arrays wait until they are merged
    number: int  # its place among the segments

    def write(self, in_child: bool = False) -> _Segment:
        """The segment's files; its arrays spilled to disk when it is written ``in_child``.

        Python's cycle collector is off meanwhile: writing makes no cycles, and the millions of
        objects it holds (postings, block summaries, term-table rows; in a child, the indexer's
        too) would be walked by every full collection their own allocation sets off."""
        with collector_paused():
            return self._write(in_child)

    def _write(self, in_child: bool) -> _Segment:
        codec = default_codec()
        segment = codec.new_segment(self.storage, self.indexname)
        perdoc = codec.per_document_writer(self.storage, segment)
        postings: dict[str, GatheredPostings] = defaultdict(GatheredPostings)
        fields = SegmentFields.of(self.schema)
        words: dict[str, set[bytes]] = {name: set() for name in fields.spelling_of.values()}  # spelling words
        totals = dict.fromkeys(self.arrays, 0)
        try:
            for docnum, (values, analysed) in enumerate(self.documents):
                self._add_document(perdoc, docnum, fields, postings, words, totals, values,
                                   pickle.loads(analysed) if analysed else None)
        finally:
            perdoc.close()
        segment.set_doc_count(len(self.documents))
        self.documents = []  # all in the postings now
        spelling = set().union(*words.values())
        postings.update({name: GatheredPostings.of_words(found) for name, found in words.items() if found})
        lengths = codec.per_document_reader(self.storage, segment)
        writer = codec.field_writer(self.storage, segment)
        # no bar in a child: tqdm takes a lock the parent's threads may have held at the fork
        progress = None if in_child else \
            progress_bar(sum(len(p.term_ids) for p in postings.values()), "writing terms", unit="term")
        parts = {}
        try:
            for name in sorted(postings):
                part = write_field(writer, name, self.schema[name], postings.pop(name), lengths, progress)
                if name in self.arrays:
                    parts[name] = part
        finally:
            if progress is not None:
                progress.close()
            writer.close()
            lengths.close()
        written = _Segment(segment, parts, totals, spelling, self.number)
        if in_child:  # arrays go back through the disk, not the pipe
            written.spill(self.spill)
        return written

    @staticmethod
    def _add_document(perdoc, docnum: int, fields: SegmentFields, postings: dict[str, GatheredPostings],
                      words: dict[str, set[bytes]], totals: dict[str, int], values: dict,
                      analysed: dict | None) -> None:
        """One document's stored fields, lengths and columns (Whoosh's per-document writer),
        postings and spelling words."""
        schema, fast, spelling_of, indexed, columns = \
            fields.schema, fields.fast, fields.spelling_of, fields.indexed, fields.columns
        perdoc.start_doc(docnum)
        for name in sorted(values):
            value = values[name]
            if value is None:
                continue
            field = schema[name]
            length = 0
            if name in fast:
                ready = analysed.get(name) if analysed else None
                done = ready[1] if ready and ready[0] == text_key(value) else fast[name].analyse(value)
                length = done.length if field.scorable else 0
                if name in spelling_of:
                    words[spelling_of[name]].update(done.spelling)
                postings[name].add(docnum, done.terms, done.weights, done.values)
            elif name in indexed:
                if not isinstance(value, Hashable):  # a value that cannot be a key (a list of keywords)
                    terms, weights, encoded, length = index_terms(field, value)
                else:
                    terms, weights, encoded, length = indexed[name](value)
                postings[name].add(docnum, terms, weights, encoded)
            if name in totals:
                totals[name] += length
            perdoc.add_field(name, field, value if field.stored else None, length)
            if name in columns:
                column = columns[name][value] if isinstance(value, Hashable) else field.to_column_value(value)
                perdoc.add_column_value(name, field.column_type, column)
        perdoc.finish_doc()


class _Child:
    """A segment written by a forked child process (:class:`_SegmentTask`): what it wrote comes
    back, or its error, raised here as it was raised there."""

    def __init__(self, task: _SegmentTask, text: int):
        self.text = text  # characters of title and body text it holds
        context = multiprocessing.get_context("fork")
        self._results, sender = context.Pipe(duplex=False)
        self._process = context.Process(target=_write_in_child, args=(task, sender), daemon=True,
                                        name="dateline-segment-writer")
        try:
            self._process.start()
        except BaseException:
            self._results.close()
            raise
        finally:
            sender.close()
        task.documents = []  # the child has its own copy

    def done(self) -> bool:
        """Whether it has answered (its result can be taken without waiting)."""
        return self._results.poll()

    def result(self) -> _Segment:
        try:
            failed, value = self._results.recv()
        except EOFError:  # killed before it could answer
            self._process.join()
            raise OSError(f"the process writing an index segment stopped (exit code {self._process.exitcode})") \
                from None
        except BaseException:  # interrupted while waiting: it must not write on
            self.stop()
            raise
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
    """The child's life: the indexer decides when it stops (Ctrl-C reaches it through the indexer,
    which kills it; so does the indexer's death), and it ends without running the parent's exit
    handlers or flushing the standard streams it inherited, whose locks a parent thread may hold."""
    die_with_parent()  # an indexer killed (SIGKILL included) leaves no writer behind
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        try:
            answer = (False, task.write(in_child=True))
        except Exception as error:  # every failure goes back to the parent, which raises it
            answer = (True, error if _pickles(error) else OSError(f"writing an index segment failed: {error!r}"))
        results.send(answer)
    finally:
        os._exit(0)


def _pickles(error: BaseException) -> bool:
    try:
        pickle.loads(pickle.dumps(error))
    except Exception:
        return False
    return True
