"""Postings as numpy arrays, saved beside each index commit and memory-mapped by readers.

For every indexed text field (titles, bodies, facet values) one commit gets, in
``postings-<generation>/``:

- ``<field>.terms.npy``   the field's terms, sorted by their bytes (Whoosh's order)
- ``<field>.offsets.npy`` where each term's postings start in the two arrays below
- ``<field>.docs.npy``    document numbers (int32), ascending within a term, live documents only
- ``<field>.weights.npy`` Whoosh's posting weights (term frequency times the field boost)
- ``<field>.df.npy``      document frequency as Whoosh counts it (deleted documents included)
- ``<field>.lengths.npy`` the field length of every document as Whoosh stores it (one byte,
  decoded), for fields that are scored
- ``stats.json``          document count and field length totals (BM25's global statistics)

so that scoring a word is a slice and a few vector operations instead of a Python loop over
Whoosh's matchers (see :mod:`search.arrayquery`). The arrays are read straight from Whoosh's
posting blocks once per commit, by the indexer; a reader maps them (``mmap_mode="r"``), so
several server processes share one copy in the page cache and opening a large index reads
almost nothing.
"""

from __future__ import annotations

import json
import logging
import math
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
from whoosh.matching.wrappers import FilterMatcher
from whoosh.util.numeric import byte_to_length

log = logging.getLogger(__name__)

#: BM25F's free parameters, Whoosh's defaults (see bench/README.md, relevance.py)
B = 0.75
K1 = 1.2

_FORMAT_VERSION = 1
_LENGTH_TABLE = np.array([0.0] + [float(byte_to_length(b)) for b in range(1, 256)], dtype=np.float64)


def bm25_idf(df: int, documents: int) -> float:
    """BM25's own idf (Robertson–Spärck Jones, kept positive as Lucene does): a word in most
    documents weighs almost nothing, where Whoosh's idf (:meth:`FieldPostings.idf`) never
    weighs under 1."""
    return math.log(1 + (documents - df + 0.5) / (df + 0.5))


def saturate(tf: np.ndarray) -> np.ndarray:
    """BM25's term-frequency saturation ``tf · (k1 + 1) / (tf + k1)`` of normalised frequencies."""
    return (tf * (K1 + 1)) / (tf + K1)


def folder_name(generation: int) -> str:
    return f"postings-{generation}"


@dataclass
class FieldPostings:
    """One field's postings, as parallel arrays addressed through the sorted term table."""

    terms: np.ndarray  # bytes ("S" dtype), sorted
    offsets: np.ndarray  # int64, len(terms) + 1
    docs: np.ndarray  # int32
    weights: np.ndarray  # float32
    df: np.ndarray  # int32
    lengths: np.ndarray | None  # float64 per document, None for unscored fields
    avgfl: float
    doc_count_all: int

    @property
    def scorable(self) -> bool:
        return self.lengths is not None

    def find(self, term: bytes) -> int:
        """The term's number, or -1."""
        i = int(np.searchsorted(self.terms, term))
        return i if i < len(self.terms) and self.terms[i] == term else -1

    def span(self, low: bytes | None, high: bytes | None, low_excl: bool = False,
             high_excl: bool = False) -> tuple[int, int]:
        """Term numbers ``[start, stop)`` of the terms between ``low`` and ``high``."""
        start = 0 if low is None else int(np.searchsorted(self.terms, low, "right" if low_excl else "left"))
        stop = len(self.terms) if high is None else int(
            np.searchsorted(self.terms, high, "left" if high_excl else "right"))
        return start, max(start, stop)

    def prefix_span(self, prefix: bytes) -> tuple[int, int]:
        # no UTF-8 sequence contains 0xff, so it sorts after every term with the prefix
        return self.span(prefix, prefix + b"\xff", high_excl=True)

    def idf(self, number: int) -> float:
        """Whoosh's ``WeightingModel.idf``, to the last bit."""
        return math.log(self.doc_count_all / (int(self.df[number]) + 1)) + 1

    def normalized_tf(self, number: int) -> tuple[np.ndarray, np.ndarray]:
        """The documents holding term ``number`` and its frequency in each (times the field's
        boost), divided by BM25's length normalisation ``(1 − b) + b · length / average``."""
        start, stop = int(self.offsets[number]), int(self.offsets[number + 1])
        docs = self.docs[start:stop]
        tf = self.weights[start:stop].astype(np.float64)
        return docs, tf / ((1 - B) + B * self.lengths[docs] / self.avgfl)

    def scored(self, number: int, boost: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
        """The documents holding term ``number`` and their BM25F scores (Whoosh's ``bm25``,
        same operations in the same order, so the same floats)."""
        start, stop = int(self.offsets[number]), int(self.offsets[number + 1])
        docs = self.docs[start:stop]
        tf = self.weights[start:stop].astype(np.float64)
        if self.lengths is None:
            scores = tf  # Whoosh's WeightScorer for unscored fields
        else:
            fl = self.lengths[docs]
            scores = self.idf(number) * ((tf * (K1 + 1)) / (tf + K1 * ((1 - B) + B * fl / self.avgfl)))
        if boost != 1.0:
            scores = scores * boost
        return docs, scores


class Postings:
    """All fields' postings of one commit."""

    def __init__(self, fields: dict[str, FieldPostings]):
        self.fields = fields

    def get(self, name: str) -> FieldPostings | None:
        return self.fields.get(name)

    @classmethod
    def load(cls, folder: Path, size: int) -> Postings | None:
        """Map a saved folder; None when it is absent or belongs to another index state."""
        if not (folder / "stats.json").is_file():
            return None
        try:
            stats = json.loads((folder / "stats.json").read_text(encoding="utf-8"))
            if stats.get("version") != _FORMAT_VERSION or stats.get("doc_count_all") != size:
                return None
            fields = {}
            for name, info in stats["fields"].items():
                def part(kind, name=name):
                    return np.load(folder / f"{name}.{kind}.npy", mmap_mode="r", allow_pickle=False)

                fields[name] = FieldPostings(
                    part("terms"), part("offsets"), part("docs"), part("weights"), part("df"),
                    part("lengths") if info["scorable"] else None, info["avgfl"], size,
                )
        except (OSError, KeyError, ValueError) as error:
            log.warning("rebuilding the postings arrays: %s is unreadable (%s)", folder, error)
            return None
        return cls(fields)

    def save(self, folder: Path) -> None:
        """Write to ``folder`` atomically (a temporary folder renamed into place)."""
        tmp = folder.with_name(f".{folder.name}.tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        stats: dict = {"version": _FORMAT_VERSION, "doc_count_all": None, "fields": {}}
        for name, field in self.fields.items():
            stats["doc_count_all"] = field.doc_count_all
            stats["fields"][name] = {"scorable": field.scorable, "avgfl": field.avgfl}
            parts = {"terms": field.terms, "offsets": field.offsets, "docs": field.docs,
                     "weights": field.weights, "df": field.df}
            if field.lengths is not None:
                parts["lengths"] = field.lengths
            for kind, array in parts.items():
                with open(tmp / f"{name}.{kind}.npy", "wb") as handle:
                    np.save(handle, np.ascontiguousarray(array), allow_pickle=False)
                    handle.flush()
                    os.fsync(handle.fileno())
        (tmp / "stats.json").write_text(json.dumps(stats), encoding="utf-8")
        shutil.rmtree(folder, ignore_errors=True)
        os.replace(tmp, folder)

    @classmethod
    def build(cls, reader, names: list[str], live: np.ndarray) -> Postings:
        """Read every posting of ``names`` from a Whoosh reader (all segments)."""
        size = reader.doc_count_all()
        fields = {}
        for name in names:
            if name not in reader.schema or not reader.schema[name].indexed:
                continue
            scorable = reader.schema[name].scorable
            fields[name] = _build_field(reader, name, size, live, scorable)
        return cls(fields)


@dataclass
class SegmentPostings:
    """One field's postings in one segment as it is written (:mod:`search.bulkwrite`): terms in
    byte order, where each term's postings start, segment-local document numbers. A large build
    spills the arrays of its earlier segments to disk (:meth:`spill`) until they are merged."""

    terms: list[bytes]
    bounds: np.ndarray  # int64, len(terms) + 1
    docs: np.ndarray | None  # int32
    weights: np.ndarray | None  # float32
    lengths: np.ndarray | None  # float64 per document of the segment (scored fields)
    spilled: Path | None = None

    def spill(self, path: Path) -> None:
        """Keep the arrays in ``path`` (a ``.npz`` file) instead of in memory."""
        arrays = {"docs": self.docs, "weights": self.weights}
        if self.lengths is not None:
            arrays["lengths"] = self.lengths
        np.savez(path, **arrays)
        self.docs = self.weights = self.lengths = None
        self.spilled = path

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        if self.spilled is None:
            return self.docs, self.weights, self.lengths
        with np.load(self.spilled, allow_pickle=False) as data:
            return data["docs"], data["weights"], data["lengths"] if "lengths" in data.files else None


def merge_segments(parts: list[tuple[int, SegmentPostings]], size: int, scorable: bool,
                   total_length: int) -> FieldPostings:
    """A field's arrays over segments written one after the other (``parts``: each segment's first
    document number and postings; a segment without the field has none): what :meth:`Postings.build`
    reads from a new index without deletions. One segment's arrays are in memory at a time."""
    terms = sorted(set().union(*(part.terms for _, part in parts)))
    number = {term: i for i, term in enumerate(terms)}
    ranks = [np.array([number[t] for t in part.terms], dtype=np.int64) for _, part in parts]
    counts = np.zeros(len(terms), dtype=np.int64)
    for (_, part), rank in zip(parts, ranks, strict=True):
        counts[rank] += np.diff(part.bounds)  # a term once per segment: no repeated index
    offsets = np.concatenate(([0], np.cumsum(counts))).astype(np.int64)
    docs = np.empty(offsets[-1], dtype=np.int32)
    weights = np.empty(offsets[-1], dtype=np.float32)
    lengths = np.zeros(size, dtype=np.float64) if scorable else None
    cursor = offsets[:-1].copy()  # where each term's next postings go: segments in document order
    for (base, part), rank in zip(parts, ranks, strict=True):
        part_docs, part_weights, part_lengths = part.arrays()
        per_term = np.diff(part.bounds)
        to = np.repeat(cursor[rank] - part.bounds[:-1], per_term) + np.arange(len(part_docs))
        docs[to] = part_docs + base
        weights[to] = part_weights
        cursor[rank] += per_term
        if lengths is not None and part_lengths is not None:
            lengths[base:base + len(part_lengths)] = part_lengths
    return FieldPostings(
        terms=np.array(terms, dtype=bytes) if terms else np.zeros(0, dtype="S1"),
        offsets=offsets,
        docs=docs,
        weights=weights,
        df=counts.astype(np.int32),
        lengths=lengths,
        avgfl=(total_length / (size or 1)) or 1,
        doc_count_all=size,
    )


def _block_arrays(matcher) -> tuple[np.ndarray, np.ndarray]:
    """Every (id, weight) of a leaf matcher, a block at a time where the codec allows."""
    if isinstance(matcher, FilterMatcher):  # deletions: filtered afterwards with the live mask
        matcher = matcher.child
    ids: list = []
    weights: list = []
    if hasattr(matcher, "_read_ids"):  # whoosh3's W3LeafMatcher: whole blocks, no per-posting calls
        while matcher.is_active():
            matcher._read_ids()
            matcher._read_weights()
            ids.append(np.asarray(matcher._ids, dtype=np.int64))
            weights.append(np.asarray(matcher._weights, dtype=np.float32))
            matcher._next_block()
        if ids:
            return np.concatenate(ids), np.concatenate(weights)
        return np.zeros(0, np.int64), np.zeros(0, np.float32)
    while matcher.is_active():  # postings inlined in the term table (one or a few documents)
        ids.append(matcher.id())
        weights.append(matcher.weight())
        matcher.next()
    return np.asarray(ids, dtype=np.int64), np.asarray(weights, dtype=np.float32)


def _build_field(reader, name: str, size: int, live: np.ndarray, scorable: bool) -> FieldPostings:
    per_term: dict[bytes, list[tuple[np.ndarray, np.ndarray]]] = {}
    df: dict[bytes, int] = {}
    lengths = np.zeros(size, dtype=np.float64) if scorable else None
    for leaf, offset in reader.leaf_readers():
        for term in leaf.lexicon(name):
            ids, weights = _block_arrays(leaf._terms.matcher(name, term, leaf.schema[name].format))
            per_term.setdefault(term, []).append((ids + offset, weights))
            df[term] = df.get(term, 0) + len(ids)
        if scorable:
            column = leaf._perdoc._cached_reader(_lenfield(name), LENGTHS_COLUMN)
            count = leaf.doc_count_all()
            if column is not None:  # one byte per document; documents past the end have none
                stored = column._count
                raw = np.zeros(count, dtype=np.uint8)
                raw[:stored] = np.frombuffer(column._dbfile.get(column._basepos, stored), dtype=np.uint8)
                lengths[offset : offset + count] = _LENGTH_TABLE[raw]
    terms = sorted(per_term)
    counts = np.zeros(len(terms) + 1, dtype=np.int64)
    docs_parts, weight_parts = [], []
    for number, term in enumerate(terms):
        parts = per_term.pop(term)
        ids = np.concatenate([p[0] for p in parts]) if len(parts) > 1 else parts[0][0]
        weights = np.concatenate([p[1] for p in parts]) if len(parts) > 1 else parts[0][1]
        keep = live[ids]
        if not keep.all():
            ids, weights = ids[keep], weights[keep]
        docs_parts.append(ids.astype(np.int32))
        weight_parts.append(weights)
        counts[number + 1] = len(ids)
    total = reader.field_length(name) if scorable else 0
    return FieldPostings(
        terms=np.array(terms, dtype=bytes) if terms else np.zeros(0, dtype="S1"),
        offsets=np.cumsum(counts),
        docs=np.concatenate(docs_parts) if docs_parts else np.zeros(0, np.int32),
        weights=np.concatenate(weight_parts) if weight_parts else np.zeros(0, np.float32),
        df=np.array([df[t] for t in terms], dtype=np.int32),
        lengths=lengths,
        avgfl=(total / (size or 1)) or 1,
        doc_count_all=size,
    )
