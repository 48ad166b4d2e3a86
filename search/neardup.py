"""Near-duplicate detection: MinHash signatures over word shingles of an article's cleaned body,
and LSH banding to find the pairs whose estimated Jaccard similarity passes a threshold.

A signature is :data:`NUM_PERM` minimum hashes of the body's word 3-shingles under
multiply-shift hash functions (numpy, one matrix product per article: ~20x faster than
``datasketch.MinHash.update`` per shingle and as good; ``bench/near_duplicates.py`` measures both).
Exact duplicates are found by the body key (a hash of the body's words), which is also the key of
the signature cache (``cache/signatures.sqlite`` in the index folder): a warm rebuild reads
unchanged articles' signatures and word counts from it and hashes nothing again.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import sqlite3
import zlib
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .cachedb import open_cache
from .lookup import Lookup

log = logging.getLogger(__name__)

#: bump when shingling, hashing or the word counts change: cached rows of other versions miss
VERSION = "3"
NUM_PERM = 128
SHINGLE = 3
#: LSH: BANDS bands of ROWS rows; a pair shares a bucket with probability 1-(1-J^ROWS)^BANDS,
#: 50% at J~0.42, 95% at J~0.6
BANDS, ROWS = 32, 4
#: estimated Jaccard of the body shingles from which two articles are near-duplicates
#: (chosen on the judged Reuters pairs, bench/README.md)
NEAR_THRESHOLD = 0.5
#: Jaccard of two near-duplicates' sets of figures below which they are a template filled in
#: twice (the Fed's daily repurchase note, two companies' dividend tables), not one text
FIGURES_THRESHOLD = 0.67

_WORD = re.compile(r"\w+", re.UNICODE)
_FIGURE = re.compile(r"\d+(?:[.,/-]\d+)*")
_rng = np.random.default_rng(20230618)
_A = (_rng.integers(1, 2**63, NUM_PERM, dtype=np.uint64) << np.uint64(1)) | np.uint64(1)  # odd multipliers
_B = _rng.integers(0, 2**63, NUM_PERM, dtype=np.uint64)
_B_ROW = _B[None, :]
_EMPTY = np.full(NUM_PERM, 0xFFFFFFFF, dtype=np.uint32)
#: word -> CRC-32 (most words of a text were met before)
_crcs = Lookup(lambda word: zlib.crc32(word.encode("utf-8")))
_encode_words = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode


@dataclass
class Fingerprint:
    """What near-duplicate detection and story grouping need of one article's body."""

    key: str  # hash of the body (case and spacing aside): equal keys are exact duplicates
    minhash: np.ndarray  # NUM_PERM uint32
    words: dict[str, int]  # alphabetic words of 3+ letters, lower-cased -> count (a story's terms)
    figures: list[str]  # the distinct numbers written in it ("6-3/16", "1.5", "1987")


def words_of(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def body_key(body: str) -> str:
    """The exact-duplicate key of a body: the same text whatever its case and spacing."""
    return _key_of_lowered(body.lower())


def _key_of_lowered(lowered: str) -> str:
    return hashlib.blake2b(" ".join(lowered.split()).encode("utf-8"), digest_size=12).hexdigest()


def _word_counts(words: Sequence[str]) -> dict[str, int]:
    # counted first, then filtered: the same counts in the same order (of first occurrence)
    return {w: n for w, n in Counter(words).items() if len(w) > 2 and w.isalpha()}


def figures_of(text: str) -> list[str]:
    return sorted(set(_FIGURE.findall(text)))


def figures_agree(a: Sequence[str], b: Sequence[str]) -> bool:
    """Whether two texts give the same figures: true when either gives none."""
    if not a or not b:
        return True
    shared = len(set(a) & set(b))
    return shared / (len(a) + len(b) - shared) >= FIGURES_THRESHOLD


def minhash(words: Sequence[str]) -> np.ndarray:
    """The MinHash signature of the word 3-shingles (of the words, for a shorter text)."""
    if not words:
        return _EMPTY.copy()
    hashes = np.fromiter(map(_crcs.__getitem__, words), dtype=np.uint64, count=len(words))
    if len(hashes) >= SHINGLE:
        shingles = hashes[: len(hashes) - SHINGLE + 1].copy()
        for k in range(1, SHINGLE):  # polynomial combination, wrapping in 64 bits
            shingles = shingles * np.uint64(0x100000001B3) + hashes[k: len(hashes) - SHINGLE + 1 + k]
    else:
        shingles = hashes
    # each hash function's value, (A * shingle + B) mod 2**64, of every shingle (repeats change no
    # minimum); its top 32 bits are least where the whole value is least
    values = np.multiply.outer(shingles, _A)
    values += _B_ROW
    return (values.min(axis=0) >> np.uint64(32)).astype(np.uint32)


def fingerprint(body: str, key: str | None = None) -> Fingerprint:
    """``key``: the body's :func:`body_key`, when known."""
    lowered = body.lower()
    words = _WORD.findall(lowered)
    return Fingerprint(key or _key_of_lowered(lowered), minhash(words), _word_counts(words), figures_of(body))


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Estimated Jaccard similarity of two signatures."""
    return float(np.count_nonzero(a == b)) / NUM_PERM


def band_keys(signatures: np.ndarray, band: int) -> np.ndarray:
    """(n,) uint64 bucket keys of one band: its rows hashed together, the band number mixed in."""
    rows = signatures[:, band * ROWS:(band + 1) * ROWS].astype(np.uint64)
    keys = np.zeros(len(signatures), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for r in range(ROWS):
            keys = keys * np.uint64(0x9E3779B97F4A7C15) + rows[:, r]
        keys ^= np.uint64(band) * np.uint64(0xC2B2AE3D27D4EB4F)
    return keys


def candidate_pairs(signatures: np.ndarray, new: np.ndarray | None = None, max_bucket: int = 200) -> np.ndarray:
    """(m, 2) index pairs i < j sharing at least one LSH bucket; with ``new`` (a boolean mask),
    only pairs with at least one new member (an incremental run). Buckets larger than
    ``max_bucket`` (a boilerplate text shared by hundreds) pair their members with the bucket's
    first member only, which keeps them joined at linear cost. One band at a time: a few bytes
    per signature beside the signatures (a million of them fit)."""
    n = len(signatures)
    if n < 2:
        return np.zeros((0, 2), dtype=np.int64)
    pairs = []
    for band in range(BANDS):
        keys = band_keys(signatures, band)
        docs = np.argsort(keys, kind="stable")  # each bucket's members in index order
        keys = keys[docs]
        starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
        sizes = np.diff(np.r_[starts, len(keys)])
        multi = sizes > 1
        for start, size in zip(starts[multi].tolist(), sizes[multi].tolist(), strict=True):
            members = docs[start:start + size]
            if size > max_bucket:
                found = np.stack([np.full(size - 1, members[0]), members[1:]], axis=1)
            else:
                i, j = np.triu_indices(size, 1)
                found = np.stack([members[i], members[j]], axis=1)
            if new is not None:
                found = found[new[found[:, 0]] | new[found[:, 1]]]
            pairs.append(found)
    if not pairs:
        return np.zeros((0, 2), dtype=np.int64)
    found = np.sort(np.concatenate(pairs), axis=1)
    return np.unique(found[found[:, 0] != found[:, 1]], axis=0)


def near_pairs(signatures: np.ndarray, pairs: np.ndarray, figures: Sequence[str] | None = None,
               threshold: float = NEAR_THRESHOLD) -> np.ndarray:
    """The candidate ``pairs`` whose estimated Jaccard similarity is at least ``threshold`` and,
    given each text's ``figures`` (space-separated), whose figures agree."""
    if not len(pairs):
        return pairs
    same = np.count_nonzero(signatures[pairs[:, 0]] == signatures[pairs[:, 1]], axis=1) / NUM_PERM
    pairs = pairs[same >= threshold]
    if figures is None:
        return pairs
    agree = [figures_agree(figures[i].split(), figures[j].split()) for i, j in pairs.tolist()]
    return pairs[agree].reshape(-1, 2)


#: a rowid table: its rows run to kilobytes (the word counts), which a ``WITHOUT ROWID`` table
#: spills to overflow pages (Reuters: 63 MB against 31 MB for the same rows)
_SCHEMA = """
CREATE TABLE IF NOT EXISTS body_fingerprints (
    key TEXT NOT NULL,
    version TEXT NOT NULL,
    minhash BLOB NOT NULL,
    words TEXT NOT NULL,
    figures TEXT NOT NULL,
    PRIMARY KEY (key, version)
);
DROP TABLE IF EXISTS signatures;  -- the layout before figures were kept
DROP TABLE IF EXISTS fingerprints;  -- the WITHOUT ROWID layout: its rows are made again as they are needed
"""
_CHUNK = 500


class SignatureCache:
    """Body key -> (signature, word counts), in ``cache/signatures.sqlite`` beside the mention
    cache: it survives rebuilds, so unchanged articles are never hashed again. A miss only costs
    a recomputation; rows of other :data:`VERSION`s are pruned."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._db = open_cache(self.path, _SCHEMA, "signature cache")
        self._db.execute("DELETE FROM body_fingerprints WHERE version != ?", [VERSION])  # once: a scan

    def fingerprints(self, bodies: Iterable[str]) -> list[Fingerprint]:
        """The fingerprint of each body, from the cache or computed (and then stored)."""
        bodies = list(bodies)
        keys = [body_key(body) for body in bodies]
        found = _select(self._db, set(keys))
        computed: dict[str, Fingerprint] = {}
        result = []
        for key, body in zip(keys, bodies, strict=True):
            if key in found:
                result.append(found[key])
                continue
            if key not in computed:
                computed[key] = fingerprint(body, key)
            result.append(computed[key])
        if computed:
            self.put(computed.values())
        return result

    def put(self, prints: Iterable[Fingerprint]) -> None:
        self.put_rows([cache_row(p) for p in prints])

    def put_rows(self, rows: list[tuple]) -> None:
        """Store rows made by :func:`cache_row` (by the cleaning workers, say)."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            self._db.executemany("INSERT OR REPLACE INTO body_fingerprints VALUES (?, ?, ?, ?, ?)", rows)
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def close(self) -> None:
        self._db.close()


def cache_row(fp: Fingerprint) -> tuple:
    """A fingerprint as the cache stores it."""
    return (fp.key, VERSION, fp.minhash.tobytes(), _encode_words(fp.words), " ".join(fp.figures))


def read_signatures(path: Path, keys: set[str]) -> dict[str, Fingerprint]:
    """The cached fingerprints of ``keys`` in the cache at ``path``, read-only (for the cleaning
    workers, beside the indexer that writes it): none when it cannot be read."""
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    except sqlite3.Error:
        return {}
    try:
        return _select(db, keys)
    except sqlite3.Error:  # absent, made by another version, or being written: computed instead
        return {}
    finally:
        db.close()


def _select(db: sqlite3.Connection, keys: set[str]) -> dict[str, Fingerprint]:
    wanted, found = list(keys), {}
    decode = json.JSONDecoder().decode
    for i in range(0, len(wanted), _CHUNK):
        chunk = wanted[i:i + _CHUNK]
        marks = ",".join("?" * len(chunk))
        rows = db.execute(
            f"SELECT key, minhash, words, figures FROM body_fingerprints WHERE version = ? AND key IN ({marks})",
            [VERSION, *chunk])
        for key, blob, words, figures in rows:
            found[key] = Fingerprint(key, np.frombuffer(blob, dtype=np.uint32).copy(), decode(words),
                                     figures.split())
    return found
