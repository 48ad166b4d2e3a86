"""Reading stories (see :mod:`search.stories`): the story list, a story page's data, a hit's story,
and the per-commit story number of each document that collapsing results by story uses
(:mod:`search.collapse`).

:class:`StoryAPI` holds :class:`~search.service.NewsIndex`'s story methods. The state file of a
generation is read once per version (the indexer replaces it, never edits it) and per commit.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import threading
import weakref
from collections import Counter
from pathlib import Path

import numpy as np

from . import collapse, neardup
from .errors import QueryError
from .models import FacetCount, Filters, Hit, Story, StoryArticle, StoryMember, StoryRef, StorySummary
from .story_state import STATE_FILE, connect_readonly

#: most articles listed under a collapsed hit, and shown on a story page
MORE_LIMIT = 10
PAGE_LIMIT = 200
#: share of a paragraph's word 3-shingles found in the story's other articles for it to add nothing
COVERED = 0.8
_STORY_ID = re.compile(r"s[0-9a-f]{10}", re.ASCII)


def _date(ordinal: int) -> dt.date | None:
    return dt.date.fromordinal(ordinal) if ordinal else None


class StoryMap:
    """The stories of one version of a generation's state file."""

    def __init__(self, path: Path):
        db = connect_readonly(path)
        try:
            self.summaries: dict[str, StorySummary] = {}
            for id_, label_id, label, size, first, last, sources, people, places, members in db.execute(
                    "SELECT id, label_id, label, size, first, last, sources, people, places, members FROM stories"):
                self.summaries[id_] = StorySummary(id_, label, label_id, size, _date(first), _date(last),
                                                   json.loads(sources), json.loads(people), json.loads(places),
                                                   json.loads(members))
            self.redirects = dict(db.execute("SELECT old, new FROM redirects"))
            self.members = {id_: (story, title, site, day) for id_, story, title, site, day in db.execute(
                "SELECT id, story, title, site, day FROM members WHERE story IS NOT NULL")}
        finally:
            db.close()
        self.path = path
        self.ids = list(self.summaries)
        self.number = {story: i for i, story in enumerate(self.ids)}
        self._by_snapshot: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
        self._lock = threading.Lock()

    def numbers(self, searcher) -> np.ndarray:
        """Each document's story number (-1: in no story), for the searcher's commit."""
        snapshot = searcher.snapshot()
        with self._lock:
            cached = self._by_snapshot.get(snapshot)
            if cached is None:
                number, members = self.number, self.members
                cached = np.array([number.get(members[i][0], -1) if i in members else -1
                                   for i in searcher.article_ids()], dtype=np.int32)
                self._by_snapshot[snapshot] = cached
            return cached

    def resolve(self, story_id: str) -> StorySummary | None:
        return self.summaries.get(self.redirects.get(story_id, story_id))

    def member(self, article_id: str) -> StoryMember:
        _story, title, site, day = self.members[article_id]
        return StoryMember(article_id, title, _date(day), site)


_maps: dict[Path, tuple[int, StoryMap]] = {}
_maps_lock = threading.Lock()


def story_map(generation: Path) -> StoryMap | None:
    """The generation's stories, or None for an index built before stories."""
    path = generation / STATE_FILE
    try:
        stamp = path.stat().st_mtime_ns
    except FileNotFoundError:
        return None
    with _maps_lock:
        cached = _maps.get(generation)
        if cached is None or cached[0] != stamp:
            cached = _maps[generation] = (stamp, StoryMap(path))
            for old in list(_maps)[:-4]:
                del _maps[old]
        return cached[1]


def _shingles(text: str) -> set[tuple[str, ...]]:
    words = neardup.words_of(text)
    if len(words) < neardup.SHINGLE:
        return {tuple(words)} if words else set()
    return {tuple(words[i:i + neardup.SHINGLE]) for i in range(len(words) - neardup.SHINGLE + 1)}


def _adds(paragraphs: list[str], others: list[list[str]]) -> list[str]:
    """The paragraphs most of whose shingles no other article has."""
    seen: set = set()
    for article in others:
        for paragraph in article:
            seen |= _shingles(paragraph)
    adds = []
    for paragraph in paragraphs:
        own = _shingles(paragraph)
        if own and len(own & seen) < COVERED * len(own):
            adds.append(paragraph)
    return adds


class StoryAPI:
    """The story methods of :class:`~search.service.NewsIndex` (which provides ``_current`` and
    ``_display_title``)."""

    def _story_map(self, searcher) -> StoryMap | None:
        return story_map(searcher.directory)

    def _collapse(self, searcher, final: np.ndarray, matches, sort: str) -> collapse.Collapsed | None:
        stories = self._story_map(searcher)
        if stories is None:
            return None
        key = collapse.rank_key(len(final), sort, searcher.snapshot().days,
                                matches.docnums if matches else None, matches.scores if matches else None)
        return collapse.collapse(final, stories.numbers(searcher), key)

    def _attach_stories(self, searcher, hits: list[Hit], docnums: list[int], collapsed) -> None:
        """Each hit's story; with collapsed results, its story's other hits (first few)."""
        stories = self._story_map(searcher)
        if stories is None:
            return
        numbers = stories.numbers(searcher)
        ids = None
        for hit, docnum in zip(hits, docnums, strict=True):
            number = int(numbers[docnum])
            if number < 0:
                continue
            summary = stories.summaries[stories.ids[number]]
            hit.story = StoryRef(summary.id, summary.size, self._display_title(searcher, summary.label))
            if collapsed is not None:
                others = collapsed.others(number)
                ids = ids if ids is not None else searcher.article_ids()
                hit.story.hidden = len(others)
                hit.story.more = [self._listed(searcher, stories, ids[d]) for d in others[:MORE_LIMIT].tolist()]

    def _listed(self, searcher, stories: StoryMap, article_id: str) -> StoryMember:
        member = stories.member(article_id)
        member.title = self._display_title(searcher, member.title)
        return member

    def stories(self, query: str = "", filters: Filters | None = None, limit: int | None = None,
                autocorrect: bool = True) -> list[StorySummary]:
        """Stories of two or more articles, largest first (then the most recent); with a query or
        filters, those holding a matching article, the ones with most matches first."""
        if limit is not None and limit < 1:
            raise QueryError(f"limit must be at least 1, not {limit}.")
        searcher = self._current()
        stories = self._story_map(searcher)
        if stories is None:
            return []
        if (query or "").strip() or filters:
            within = self._search_mask(searcher, query, filters, autocorrect)
            numbers = stories.numbers(searcher)[within]
            counts = np.bincount(numbers[numbers >= 0], minlength=len(stories.ids))
            chosen = [stories.summaries[stories.ids[i]] for i in np.flatnonzero(counts).tolist()]
            key = {s.id: -int(counts[stories.number[s.id]]) for s in chosen}
        else:
            chosen, key = list(stories.summaries.values()), {}
        chosen.sort(key=lambda s: (key.get(s.id, 0), -s.size, -(s.last or dt.date.min).toordinal(), s.id))
        return [self._shown(searcher, s) for s in chosen[:limit]]

    def _shown(self, searcher, summary: StorySummary) -> StorySummary:
        return StorySummary(**{**summary.__dict__, "label": self._display_title(searcher, summary.label)})

    def story_of(self, article_id: str) -> StorySummary | None:
        searcher = self._current()
        stories = self._story_map(searcher)
        if stories is None or article_id not in stories.members:
            return None
        return self._shown(searcher, stories.summaries[stories.members[article_id][0]])

    def story(self, story_id: str) -> Story | None:
        """A story's page: its articles oldest first, what each is (an exact copy, a near-duplicate
        or its own report) and adds, and the people and places two or more of them share. An id a
        merge retired gives the story it went into (``summary.id`` then differs)."""
        if not _STORY_ID.fullmatch(story_id or ""):
            return None
        searcher = self._current()
        stories = self._story_map(searcher)
        summary = stories.resolve(story_id) if stories else None
        if summary is None:
            return None
        articles = [a for a in (self.get(i) for i in summary.articles[:PAGE_LIMIT]) if a is not None]
        prints = _prints(stories.path, [a.id for a in articles])
        shown = []
        for n, article in enumerate(articles):
            relation, of = _relation(prints, article.id, [a.id for a in articles[:n]])
            others = [a.paragraphs for a in articles if a is not article]
            shown.append(StoryArticle(article.id, article.title, article.date, article.site, article.url, relation,
                                      of, _adds(article.paragraphs, others) if relation != "exact" else [],
                                      len(article.paragraphs), article.entities.people, article.entities.places))
        shared = {}
        for facet, values in (("person", [a.people for a in shown]), ("place", [a.places for a in shown])):
            counts = Counter(v for names in values for v in dict.fromkeys(names))
            shared[facet] = [FacetCount(v, c) for v, c in counts.most_common() if c >= 2]
        return Story(self._shown(searcher, summary), shown, shared)


def _relation(prints: dict[str, tuple[str, np.ndarray]], article_id: str, earlier: list[str]):
    """("exact", the first earlier article with the same text), else ("near", the most similar
    earlier near-duplicate), else ("coverage", None)."""
    if article_id not in prints:
        return "coverage", None
    key, signature = prints[article_id]
    for other in earlier:
        if other in prints and prints[other][0] == key:
            return "exact", other
    near = [(neardup.similarity(signature, prints[o][1]), o) for o in earlier if o in prints]
    best = max(near, default=(0.0, None))
    return ("near", best[1]) if best[0] >= neardup.NEAR_THRESHOLD else ("coverage", None)


def _prints(path: Path, ids: list[str]) -> dict[str, tuple[str, np.ndarray]]:
    db = connect_readonly(path)
    try:
        marks = ",".join("?" * len(ids))
        return {id_: (key, np.frombuffer(blob, dtype=np.uint32)) for id_, key, blob in db.execute(
            f"SELECT id, key, minhash FROM members WHERE id IN ({marks})", ids)}
    finally:
        db.close()
