"""Per-commit caches of an index: facet (document, value) pair arrays, live documents, day
ordinals, the spelling word list and the postings arrays (:mod:`search.postings`).

Facet counts do not use Whoosh's ``groupedby`` (hundreds of ms a query at 21k articles, see
``../shared/NOTES.md``). Instead each commit gets, once, numpy arrays of (document, value) pairs
per facet field from the postings, and a query's counts are a ``bincount`` over the documents it
matches. The indexer saves them beside each commit; a reader of an older index builds them.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import shutil
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from whoosh import index, spelling

from .documents import ARRAY_FIELDS, Written
from .models import FACETS
from .postings import Postings, folder_name

log = logging.getLogger(__name__)


def _snapshot_name(generation: int) -> str:
    return f"facets-{generation}.npz"


def save_snapshot(directory: Path, written: Written | None = None) -> None:
    """Precompute the facet cache and postings arrays of the index's latest commit, and drop
    older ones. ``written``: what the writer of a new index kept (else it is read from the index)."""
    ix = index.open_dir(str(directory))
    try:
        reader = ix.reader()
        try:
            generation = reader.generation()
            snapshot = Snapshot(reader, written=written)
            snapshot.save(directory / _snapshot_name(generation), reader)
            snapshot.postings.save(directory / folder_name(generation))
        finally:
            reader.close()
    finally:
        ix.close()
    keep = {_snapshot_name(generation), folder_name(generation)}
    for old in [*directory.glob("facets-*.npz"), *directory.glob("postings-*")]:
        if old.name not in keep:
            shutil.rmtree(old) if old.is_dir() else old.unlink(missing_ok=True)


@dataclass
class FacetArrays:
    values: list[str]  # value id -> value, in lexicon (byte) order
    docs: np.ndarray  # one entry per (document, value) pair
    value_ids: np.ndarray

    def __post_init__(self) -> None:
        self.by_lower = {value.lower(): number for number, value in enumerate(self.values)}

    def find(self, value: str) -> int | None:
        """The id of a value, whatever its case."""
        return self.by_lower.get(value.lower())


class Snapshot:
    """Per-commit caches shared by all threads: facet pair arrays, live documents, dates.

    Building them walks every facet value's postings (seconds at 19k articles with NER facets),
    so the indexer saves them beside each commit (``facets-<generation>.npz``) and a reader
    loads them in milliseconds; without a matching file (an older index) they are built here.
    """

    def __init__(self, reader, directory: Path | None = None, written: Written | None = None):
        """``written``: what the writer of a new index kept (:class:`search.documents.Written`)."""
        self._spelling_words: list[str] | None = written.spelling if written else None
        self._ids: list[str | None] | None = list(written.ids) if written else None
        self._lazy_lock = threading.Lock()
        postings = written.postings if written else None
        path = directory / _snapshot_name(reader.generation()) if directory else None
        loaded = bool(path and path.exists() and self._load(path, reader.doc_count_all()))
        if not loaded:
            self._build_live_and_days(reader)
        if postings is None and directory:
            postings = Postings.load(directory / folder_name(reader.generation()), self.size)
        self.postings = postings or Postings.build(reader, list(ARRAY_FIELDS), self.live)
        if not loaded:
            self.facets = {name: _facet_arrays(self.postings.get(name)) for name in FACETS}

    def save(self, path: Path, reader) -> None:
        arrays = {"live": self.live, "days": self.days, "spelling": np.array(self._words(reader), dtype=str),
                  "ids": np.array([i or "" for i in self.ids(reader)], dtype=str)}
        for name, facet in self.facets.items():
            arrays[f"{name}.values"] = np.array(facet.values, dtype=str)
            arrays[f"{name}.docs"] = facet.docs
            arrays[f"{name}.value_ids"] = facet.value_ids
        tmp = path.with_name(f".{path.name}.tmp")
        with open(tmp, "wb") as handle:
            np.savez(handle, **arrays)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)

    def _load(self, path: Path, size: int) -> bool:
        try:
            with np.load(path, allow_pickle=False) as data:
                live, days = data["live"], data["days"]
                if len(live) != size:
                    return False
                facets = {
                    name: FacetArrays(
                        data[f"{name}.values"].tolist(), data[f"{name}.docs"], data[f"{name}.value_ids"]
                    )
                    for name in FACETS
                }
                if "spelling" in data:
                    self._spelling_words = data["spelling"].tolist()
                if "ids" in data:
                    self._ids = [i or None for i in data["ids"].tolist()]
        except (OSError, KeyError, ValueError) as error:
            log.warning("rebuilding the facet cache: %s is unreadable (%s)", path, error)
            return False
        self.size, self.live, self.days, self.facets = size, live, days, facets
        return True

    def _build_live_and_days(self, reader) -> None:
        n = reader.doc_count_all()
        self.size = n
        self.live = np.zeros(n, dtype=bool)
        self.live[np.fromiter(reader.all_doc_ids(), dtype=np.int64)] = True
        # Day ordinal per document, 0 when the date is unknown.
        self.days = np.zeros(n, dtype=np.int32)
        for leaf, offset in reader.leaf_readers():
            if not leaf.has_column("date"):
                continue
            # raw column values: microseconds since datetime.min, or the field's sortable
            # default (0 or a huge sentinel) for articles without a date
            size = leaf.doc_count_all()
            raw = np.fromiter(leaf.column_reader("date", translate=False), dtype=np.uint64, count=size)
            days = raw // np.uint64(86_400_000_000) + np.uint64(1)
            known = (raw > 0) & (days <= np.uint64(dt.date.max.toordinal()))
            self.days[offset : offset + size][known] = days[known].astype(np.int32)


    def _words(self, reader) -> list[str]:
        """The unstemmed words of titles and bodies: saved with the snapshot, or read from the
        index once per commit (an older index), on the first suggestion."""
        with self._lazy_lock:
            if self._spelling_words is None:
                words = set()
                for field in ("spell_title", "spell_body"):
                    words.update(term.decode("utf-8") for term in reader.lexicon(field))
                self._spelling_words = sorted(words)
            return self._spelling_words

    def ids(self, reader) -> list[str | None]:
        """Each document number's article id (None where none is live): saved with the snapshot,
        or read from the id postings once per commit (an older index)."""
        with self._lazy_lock:
            if self._ids is None:
                ids: list[str | None] = [None] * reader.doc_count_all()
                for term in reader.lexicon("id"):
                    for docnum in reader.postings("id", term).all_ids():
                        ids[docnum] = term.decode("utf-8")
                self._ids = ids
            return self._ids

    def corrector(self, reader) -> Corrector:
        """A spelling corrector for the calling thread's ``reader``."""
        return Corrector(self._words(reader), reader)


def _facet_arrays(postings) -> FacetArrays:
    """A facet's (document, value) pairs: its postings arrays, whose documents are the live ones."""
    if postings is None:  # an index made before the field existed
        return FacetArrays([], np.zeros(0, np.int32), np.zeros(0, np.int32))
    counts = np.diff(postings.offsets)
    return FacetArrays([term.decode("utf-8") for term in postings.terms.tolist()],
                       np.asarray(postings.docs, dtype=np.int32),
                       np.repeat(np.arange(len(counts), dtype=np.int32), counts))


class Corrector(spelling.ListCorrector):
    """Spelling suggestions from a word list held in memory (Whoosh's default corrector walks
    the on-disk term table: up to 1.5 s a query at 19k articles). Nearer words come first and,
    among equally near ones, the word found in more articles.

    Made per request: its reader must be the calling thread's own (a Whoosh reader seeks and
    reads its files, so one reader shared by two threads reads wrong bytes)."""

    def __init__(self, words: list[str], reader):
        super().__init__(words)
        self._reader = reader

    def _suggestions(self, text, maxdist, prefix):
        analyzer = self._reader.schema["body"].analyzer
        for score, word in super()._suggestions(text, maxdist, prefix):
            stems = [token.text for token in analyzer(word)]
            frequency = self._reader.doc_frequency("body", stems[0]) if stems else 0
            yield score * 10_000_000 + min(frequency, 9_999_999), word
