"""What the story step keeps of the articles of a run, as they stream by: a compact record per
article (id, day, title, source, entities) and one per distinct body text (its MinHash signature,
figures and content words as numbers), so the indexer never holds the articles themselves.

The body fingerprints (:mod:`search.neardup`) are made where the articles are cleaned: the cleaning
task (:func:`clean_and_fingerprint`, run on the worker processes or the cluster) reads the signature
cache (read-only) and computes only the bodies it misses; this process adds the computed ones to the
cache. An article that comes without a fingerprint (one read back from the index, or cleaned where
the cache could not be read) is fingerprinted here, through the cache, a chunk at a time.

Copies of one text (equal body keys) share their text record. Content words are numbers in one
vocabulary; their document frequencies are counted per text and multiplied by its copies at the end.
"""

from __future__ import annotations

from array import array
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import neardup
from .extract import extract_batch
from .models import Article, Skipped, SourceRecord
from .story_links import Weights, content_words, entity_terms

#: articles fingerprinted here, or fingerprints written to the cache, at once
CHUNK = 500

SIGNATURES_FILE = "signatures.sqlite"


def clean_and_fingerprint(records: list[SourceRecord], signatures: str | None = None
                          ) -> list[tuple[Article | Skipped, neardup.Fingerprint | None, tuple | None]]:
    """The cleaning task: each record cleaned (:func:`~search.extract.extract_batch`) with its
    body's fingerprint, read from the ``signatures`` cache or computed (then with its cache row,
    :func:`~search.neardup.cache_row`, for the indexer to store: encoded here, not there).
    Without a readable cache every fingerprint is computed."""
    cleaned = extract_batch(records)
    bodies = {a.id: a.body for a in cleaned if isinstance(a, Article)}
    keys = {article_id: neardup.body_key(body) for article_id, body in bodies.items()}
    found = neardup.read_signatures(Path(signatures), set(keys.values())) if signatures else {}
    computed: dict[str, neardup.Fingerprint] = {}
    out = []
    for item in cleaned:
        if isinstance(item, Skipped):
            out.append((item, None, None))
            continue
        key = keys[item.id]
        if key in found:
            out.append((item, found[key], None))
            continue
        row = None
        if key not in computed:
            computed[key] = neardup.fingerprint(bodies[item.id], key)
            row = neardup.cache_row(computed[key])
        out.append((item, computed[key], row))
    return out


@dataclass(frozen=True)
class Entry:
    """One article of a :class:`StoryBatch`, as :func:`search.stories.update_stories` reads it."""

    id: str
    day: int
    title: str
    site: str | None
    people: list[str]
    places: list[str]
    orgs: list[str]
    text: int  # its text record


class StoryBatch:
    """The new and changed articles of a run, for the story step, in the order they were added."""

    def __init__(self, cache_dir: Path):
        self._cache_path = cache_dir / SIGNATURES_FILE
        self._cache: neardup.SignatureCache | None = None
        self.ids: list[str] = []
        self._days = array("i")
        self._titles: list[str] = []
        self._sites: list[int] = []  # into _names
        self._entities = array("i")  # into _entity_sets
        self._texts = array("i")  # into the text records; -1 until fingerprinted
        self._names: dict[str | None, int] = {}
        self._entity_sets: dict[tuple, int] = {}
        # text records
        self._text_of: dict[str, int] = {}  # body key -> text
        self.keys: list[str] = []
        self._minhash = array("I")
        self.figures: list[str] = []  # space-separated
        self._words = array("i")  # content word ids of every text, one after the other
        self._counts = array("i")
        self._starts = array("q", [0])
        self.vocabulary: dict[str, int] = {}
        # fingerprints that came with the cleaned articles, and the chunk to fingerprint here
        self._ready: dict[str, neardup.Fingerprint] = {}
        self._to_store: dict[str, tuple] = {}  # body key -> cache row
        self._waiting: list[tuple[int, str]] = []  # (article slot, body)

    @classmethod
    def of(cls, articles: Iterable[Article], cache_dir: Path) -> StoryBatch:
        batch = cls(cache_dir)
        try:
            for article in articles:
                batch.add(article)
            batch.finish()
        finally:
            batch.close()
        return batch

    @property
    def cache_path(self) -> Path:
        return self._cache_path

    def __len__(self) -> int:
        return len(self.ids)

    def fingerprinted(self, article_id: str, fp: neardup.Fingerprint, row: tuple | None) -> None:
        """The fingerprint of an article to come (made by the cleaning task); ``row``: its cache
        row when it was computed, to be stored."""
        self._ready[article_id] = fp
        if row is not None:
            self._to_store[fp.key] = row
            if len(self._to_store) >= CHUNK:
                self._store()

    def add(self, article: Article) -> None:
        slot = len(self.ids)
        self.ids.append(article.id)
        self._days.append(article.date.toordinal() if article.date else 0)
        self._titles.append(article.title)
        self._sites.append(self._names.setdefault(article.site, len(self._names)))
        names = (tuple(article.entities.people), tuple(article.entities.places), tuple(article.entities.orgs))
        self._entities.append(self._entity_sets.setdefault(names, len(self._entity_sets)))
        fp = self._ready.pop(article.id, None)
        if fp is not None:
            self._texts.append(self._text(fp))
            return
        self._texts.append(-1)
        self._waiting.append((slot, article.body))
        if len(self._waiting) >= CHUNK:
            self._fingerprint_waiting()

    def finish(self) -> None:
        """Fingerprint what waits and store the computed fingerprints (before reading entries)."""
        self._fingerprint_waiting()
        self._store()
        self._ready.clear()

    def clear(self) -> None:
        """Let the records go (once the story step has run: the commit's arrays come next)."""
        self.close()
        self.__init__(self._cache_path.parent)

    def close(self) -> None:
        if self._cache is not None:
            self._cache.close()
            self._cache = None

    # what update_stories reads ---------------------------------------------------------------

    def entries(self) -> Iterator[Entry]:
        sites = list(self._names)
        entity_sets = [tuple(list(part) for part in names) for names in self._entity_sets]
        for i, article_id in enumerate(self.ids):
            people, places, orgs = entity_sets[self._entities[i]]
            yield Entry(article_id, self._days[i], self._titles[i], sites[self._sites[i]], people, places, orgs,
                        self._texts[i])

    def signatures(self) -> np.ndarray:
        """(texts, NUM_PERM) uint32: each text's MinHash signature."""
        return np.frombuffer(self._minhash, dtype=np.uint32).reshape(-1, neardup.NUM_PERM)

    def top_words(self, weights: Weights) -> list[list[tuple[str, float]]]:
        """Each text's most distinctive content words with their weights, best first
        (:meth:`search.story_links.Weights.top_words`)."""
        words, counts = np.frombuffer(self._words, dtype=np.int32), np.frombuffer(self._counts, dtype=np.int32)
        return weights.top_words(list(self.vocabulary), words, counts, np.frombuffer(self._starts, dtype=np.int64))

    def document_frequencies(self) -> Counter:
        """How many of the articles each content word and each person or place appears in."""
        copies = np.bincount(np.frombuffer(self._texts, dtype=np.int32), minlength=len(self.keys))
        per_text = np.diff(np.frombuffer(self._starts, dtype=np.int64))
        df = np.bincount(np.frombuffer(self._words, dtype=np.int32), weights=np.repeat(copies, per_text),
                         minlength=len(self.vocabulary)).astype(np.int64)
        words = list(self.vocabulary)
        counts = Counter({words[w]: n for w, n in zip(np.flatnonzero(df).tolist(), df[df > 0].tolist(),
                                                      strict=True)})
        per_set = Counter(self._entities.tolist())
        for (people, places, _orgs), k in self._entity_sets.items():
            if per_set[k] and (people or places):
                for term in entity_terms(people, places):
                    counts[term] += per_set[k]
        return counts

    # internals --------------------------------------------------------------------------------

    def _text(self, fp: neardup.Fingerprint) -> int:
        text = self._text_of.get(fp.key)
        if text is not None:
            return text
        text = self._text_of[fp.key] = len(self.keys)
        self.keys.append(fp.key)
        self._minhash.frombytes(np.ascontiguousarray(fp.minhash, dtype=np.uint32).tobytes())
        self.figures.append(" ".join(fp.figures))
        vocabulary, words = self.vocabulary, content_words(fp.words)
        self._words.extend([vocabulary.setdefault(word, len(vocabulary)) for word in words])
        self._counts.extend(words.values())
        self._starts.append(len(self._words))
        return text

    def _open(self) -> neardup.SignatureCache:
        if self._cache is None:
            self._cache = neardup.SignatureCache(self._cache_path)
        return self._cache

    def _fingerprint_waiting(self) -> None:
        if not self._waiting:
            return
        prints = self._open().fingerprints(body for _, body in self._waiting)
        for (slot, _), fp in zip(self._waiting, prints, strict=True):
            self._texts[slot] = self._text(fp)
        self._waiting = []

    def _store(self) -> None:
        if self._to_store:
            self._open().put_rows(list(self._to_store.values()))
            self._to_store = {}
