"""Stories: reprints, updated versions and several outlets' coverage of one event, grouped.

Two articles are linked when

* their bodies are the same words (an exact duplicate: a wire story reprinted), or
* their MinHash signatures (:mod:`search.neardup`) estimate a Jaccard similarity of their body
  shingles of at least :data:`~search.neardup.NEAR_THRESHOLD` and their figures agree (a reprint
  with another headline, an added paragraph, a rewritten lead; not a template filled in twice), or
* they cover one event (see :mod:`search.story_links`): both with words of their own
  (``TOP_TERMS`` distinct content words: a results table or a dividend notice is too short to
  tell from the next one), published within ``WINDOW_DAYS`` of each other, with a ``similarity``
  (the cosine of their distinctive terms — words weighted by tf-idf, canonical people and places
  — plus a bonus per shared person or place) of at least ``EVENT_THRESHOLD``, and sharing a
  person or place when both have any, and an organisation when both name any (undated articles:
  ``UNDATED_THRESHOLD``).

A story is a connected group, except that a near-duplicate or event link never makes a story span
more than ``MAX_SPAN_DAYS`` (so daily coverage of one topic does not chain into one story for
months: two OPEC meetings months apart are two stories), and an event link joins two stories only
if they are alike on average (``LINKAGE``); exact duplicates always join.

Grouping is incremental: the state of every article (signature, terms, day, entities, story) is
kept in ``stories.sqlite`` in the index generation, so a run that adds articles only links the new
ones to the rest (exact keys, LSH buckets, the terms of articles within the window) and extends,
merges or creates stories; nothing else is recomputed. Story ids are stable: a story keeps its id
as it grows; when two stories merge, the one with more articles keeps its id and the other id
redirects to it; a rebuild gives each story the id most of its articles had before.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from collections import Counter, defaultdict
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from . import neardup
from .models import Article
from .story_batch import StoryBatch
from .story_links import (
    MAX_SPAN_DAYS,
    Groups,
    Weights,
    entity_terms,
    event_pairs,
    link_events,
)
from .story_state import (
    SCHEMA,
    STATE_FILE,
    Member,
    connect_readonly,
    copy_state,
    dumps,
    load_members,
    new_id,
    previous_assignment,
    save,
    setting,
)

__all__ = ["STATE_FILE", "connect_readonly", "has_state", "near_duplicate_pairs", "update_stories"]

log = logging.getLogger(__name__)

#: bump when the grouping rules change: an index with another revision is regrouped from scratch
REVISION = 4
# the step the indexer runs --------------------------------------------------------------------

def has_state(generation: Path) -> bool:
    """Whether the generation has a readable story state of the current rules; if not, the
    indexer hands every article to :func:`update_stories`, which regroups them all."""
    path = generation / STATE_FILE
    if not path.is_file():
        return False
    try:
        db = connect_readonly(path)
        try:
            return setting(db, "revision", None) == REVISION
        finally:
            db.close()
    except sqlite3.DatabaseError:
        return False


def update_stories(
    generation: Path,
    changed: StoryBatch | Sequence[Article],
    removed: Sequence[str],
    cache_dir: Path,
    previous: Path | None = None,
) -> int:
    """Bring the story state of ``generation`` up to date: ``changed`` articles (added, updated, or
    with new entities; as the indexer collected them, :class:`~search.story_batch.StoryBatch`, or
    the articles themselves) are (re)linked, ``removed`` ids dropped. ``previous``: the generation a
    rebuild replaces, whose story ids are carried over. ``cache_dir`` holds the signature cache.
    Returns the number of stories (of two or more articles)."""
    batch = changed if isinstance(changed, StoryBatch) else StoryBatch.of(changed, cache_dir)
    path = generation / STATE_FILE
    tmp = generation / f".{STATE_FILE}.{os.getpid()}.tmp"
    for stale in generation.glob(f".{STATE_FILE}.*.tmp"):  # left by a run that was killed
        stale.unlink(missing_ok=True)
    if has_state(generation):
        copy_state(path, tmp)
    elif path.is_file():
        log.info("the story state is from other rules or unreadable: regrouping every article")
    db = sqlite3.connect(tmp, isolation_level=None)
    try:
        # a scratch copy until it replaces the state: no journal; synced once, before the swap
        db.execute("PRAGMA journal_mode=OFF")
        db.execute("PRAGMA synchronous=OFF")
        db.executescript(SCHEMA)
        members = load_members(db)
        carried = previous_assignment(previous) if previous else {}
        count = _update(db, members, batch, set(removed), carried)
        db.close()
        with open(tmp, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, path)
        return count
    except BaseException:
        db.close()
        tmp.unlink(missing_ok=True)
        raise


def _update(db, members: dict[str, Member], batch: StoryBatch, removed: set[str], carried: dict[str, str]) -> int:
    df = Counter(setting(db, "df", {}))
    df.update(batch.document_frequencies())
    seen_n = setting(db, "articles", 0)
    touched: set[str] = set()  # story ids whose members changed
    for article_id in removed | set(batch.ids):
        old = members.pop(article_id, None)
        if old and old.story:
            touched.add(old.story)
    weights = Weights(df, seen_n + len(batch))
    signatures = list(batch.signatures())  # one view per text, shared by its copies
    top_words = batch.top_words(weights)
    new_ids = []
    vectors: dict[tuple, str] = {}  # copies of a text with the same entities: one vector (as JSON)
    for entry in batch.entries():
        names = entity_terms(entry.people, entry.places)
        shared = (entry.text, *names)
        if shared not in vectors:
            vectors[shared] = dumps(weights.terms(top_words[entry.text], names))
        members[entry.id] = Member(
            entry.id, entry.day, batch.keys[entry.text], signatures[entry.text], vectors[shared],
            entry.people, entry.places, entry.title, entry.site, figures=batch.figures[entry.text], orgs=entry.orgs)
        new_ids.append(entry.id)

    order = list(members)
    index = {article_id: i for i, article_id in enumerate(order)}
    listed = [members[a] for a in order]
    new = np.zeros(len(listed), dtype=bool)
    new[[index[a] for a in new_ids]] = True
    fresh = new.tolist()  # for the loops below: a list reads faster than numpy scalars
    groups = Groups(np.array([m.day for m in listed], dtype=np.int64))
    # existing stories stay together
    by_story: dict[str, int] = {}
    for i, m in enumerate(listed):
        if m.story and not fresh[i]:
            if m.story in by_story:
                groups.union(by_story[m.story], i)
            else:
                by_story[m.story] = i
    reps, rep_is_new, exact, near = _duplicate_links(listed, new)
    for i, j in exact:
        groups.union(i, j)
    for i, j in near:
        groups.union(i, j, MAX_SPAN_DAYS)
    rep_listed = [listed[i] for i in reps.tolist()]
    link_events(groups, listed, [(score, int(reps[i]), int(reps[j]))
                                  for score, i, j in event_pairs(rep_listed, rep_is_new)])

    clusters: dict[int, list[int]] = defaultdict(list)
    for i in range(len(listed)):
        clusters[groups.find(i)].append(i)
    # clusters that hold a new member or a member of a touched story are (re)written
    changed_clusters = [c for c in clusters.values()
                        if any(fresh[i] or listed[i].story in touched for i in c)]
    held = {m.story for m in listed if m.story}
    redirects: list[tuple[str, str]] = []
    taken: set[str] = set()
    rewritten: set[str] = set()
    for cluster in sorted(changed_clusters, key=len, reverse=True):
        old_ids = [listed[i].story for i in cluster if listed[i].story and not fresh[i]]
        old_ids += [carried[listed[i].id] for i in cluster if fresh[i] and listed[i].id in carried]
        story = None
        if len(cluster) >= 2:
            for candidate, _ in sorted(Counter(old_ids).items(), key=lambda item: (-item[1], item[0])):
                if candidate not in taken:
                    story = candidate
                    break
            story = story or new_id([listed[i] for i in cluster], taken | held)
            taken.add(story)
            redirects += [(old, story) for old in set(old_ids) - {story} if old in held]
        for i in cluster:
            if listed[i].story != story or fresh[i]:
                listed[i].story = story
                rewritten.add(listed[i].id)
        if story:
            touched.add(story)
    by_story_members: dict[str, list[Member]] = defaultdict(list)
    for m in listed:
        if m.story:
            by_story_members[m.story].append(m)

    gone = removed | set(batch.ids)
    stories = {story: by_story_members.get(story, []) for story in touched - {old for old, _ in redirects}}
    settings = {"df": dict(df), "articles": weights.n, "revision": REVISION}
    return save(db, gone, [members[a] for a in rewritten], stories, redirects, settings)


def _duplicate_links(listed: list[Member], new: np.ndarray):
    """Exact and near duplicates, at least one of each pair new: the representatives (the first
    member of each text), which of them are new (any copy of the text is), and the index pairs
    to join: each copy to its representative, and near-duplicate representatives."""
    first_of_key: dict[str, int] = {}
    links = []
    fresh = new.tolist()
    for i, m in enumerate(listed):
        if m.key in first_of_key:
            if fresh[i] or fresh[first_of_key[m.key]]:
                links.append((first_of_key[m.key], i))
        else:
            first_of_key[m.key] = i
    reps = np.array(sorted(first_of_key.values()), dtype=np.int64)
    rep_new = np.zeros(len(listed), dtype=bool)
    for i in np.flatnonzero(new).tolist():
        rep_new[first_of_key[listed[i].key]] = True
    rep_is_new = rep_new[reps]
    if not len(reps):
        return reps, rep_is_new, links, []
    signatures = np.stack([listed[i].minhash for i in reps.tolist()])
    candidates = neardup.candidate_pairs(signatures, rep_is_new)
    empty = np.all(signatures == 0xFFFFFFFF, axis=1)
    candidates = candidates[~(empty[candidates[:, 0]] | empty[candidates[:, 1]])] if len(candidates) else candidates
    figures = [listed[i].figures for i in reps.tolist()]
    near = [(int(reps[i]), int(reps[j])) for i, j in neardup.near_pairs(signatures, candidates, figures).tolist()]
    return reps, rep_is_new, links, near


def near_duplicate_pairs(members: list[Member]) -> list[tuple[str, str]]:
    """Every pair of article ids that are exact or near duplicates (for bench/near_duplicates.py)."""
    _, _, _, near = _duplicate_links(members, np.ones(len(members), dtype=bool))
    copies: dict[str, list[str]] = defaultdict(list)
    for m in members:
        copies[m.key].append(m.id)
    pairs = {(a, b) for ids in copies.values() for k, a in enumerate(ids) for b in ids[k + 1:]}
    for i, j in near:
        if members[i].key != members[j].key:
            pairs.update((a, b) for a in copies[members[i].key] for b in copies[members[j].key])
    return sorted(pairs)


