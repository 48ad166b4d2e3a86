"""Stories: reprints, updated versions and several outlets' coverage of one event, grouped.

Two articles are linked when

* their bodies are the same words (an exact duplicate: a wire story reprinted), or
* their MinHash signatures (:mod:`search.neardup`) estimate a Jaccard similarity of their body
  shingles of at least :data:`~search.neardup.NEAR_THRESHOLD` and their figures agree (a reprint
  with another headline, an added paragraph, a rewritten lead; not a template filled in twice), or
* they cover one event (both with at least :data:`TOP_TERMS` distinct content words: a results
  table or a dividend notice is too short to tell from the next one): published within
  :data:`WINDOW_DAYS` of each other, their :func:`similarity` (the cosine of their distinctive
  terms — words weighted by tf-idf, canonical people and places — plus a bonus per shared person
  or place) is at least :data:`EVENT_THRESHOLD`, and they share a person or place when both have
  any (undated articles: :data:`UNDATED_THRESHOLD`).

A story is a connected group, except that a near-duplicate or event link never makes a story span
more than :data:`MAX_SPAN_DAYS` (so daily coverage of one topic does not chain into one story for
months: two OPEC meetings months apart are two stories), and an event link joins two stories only
if they are alike on average (:data:`LINKAGE`); exact duplicates always join.

Grouping is incremental: the state of every article (signature, terms, day, entities, story) is
kept in ``stories.sqlite`` in the index generation, so a run that adds articles only links the new
ones to the rest (exact keys, LSH buckets, the terms of articles within the window) and extends,
merges or creates stories; nothing else is recomputed. Story ids are stable: a story keeps its id
as it grows; when two stories merge, the one with more articles keeps its id and the other id
redirects to it; a rebuild gives each story the id most of its articles had before.
"""

from __future__ import annotations

import heapq
import logging
import math
import os
import shutil
import sqlite3
from collections import Counter, defaultdict
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from scipy import sparse

from . import neardup
from .models import Article
from .story_state import (
    SCHEMA,
    STATE_FILE,
    Member,
    connect_readonly,
    load_members,
    new_id,
    previous_assignment,
    save,
    setting,
)

__all__ = ["STATE_FILE", "connect_readonly", "has_state", "near_duplicate_pairs", "update_stories"]

log = logging.getLogger(__name__)

#: bump when the grouping rules change: an index with another revision is regrouped from scratch
REVISION = 3
WINDOW_DAYS = 3
MAX_SPAN_DAYS = 7
EVENT_THRESHOLD = 0.50
UNDATED_THRESHOLD = 0.55
#: what each shared person or place adds to the similarity of two articles, for up to 4 of them
ENTITY_BONUS = 0.05
BONUS_ENTITIES = 4
#: two stories an event link would join must be this similar on average (their first members)
LINKAGE = 0.50
LINKAGE_SAMPLE = 8
TOP_TERMS = 25
ENTITY_WEIGHT = 3.0
#: articles assumed seen before the corpus: a small corpus says little about which words are rare
IDF_PRIOR = 100
#: words that say nothing about an event (idf takes care of the rest)
_STOP = frozenset(str.split(
    "a about above after again against all also am an and any are as at be because been before being below "
    "between both but by can could did do does doing down during each few for from further had has have "
    "having he her here hers herself him himself his how i if in into is it its itself just me more most my "
    "myself no nor not now of off on once only or other our ours ourselves out over own same she should so "
    "some such than that the their theirs them themselves then there these they this those through to too "
    "under until up very was we were what when where which while who whom why will with would you your yours "
    "yourself said says say told according new one two three year years last first week monday tuesday "
    "wednesday thursday friday saturday sunday reuter reuters ap afp cnn"
))


# terms ----------------------------------------------------------------------------------------

def _entity_terms(people: Sequence[str], places: Sequence[str]) -> list[str]:
    return [f"@p:{p.lower()}" for p in people] + [f"@l:{p.lower()}" for p in places]


def _content_words(words: dict[str, int]) -> dict[str, int]:
    return {w: c for w, c in words.items() if w not in _STOP}


class _Weights:
    """tf-idf weights over the corpus's document frequencies (idf smoothed by :data:`IDF_PRIOR`)."""

    def __init__(self, df: Counter, n: int):
        self.df, self.n = df, n
        self._idf: dict[str, float] = {}
        self._tf = [0.0] + [1 + math.log(c) for c in range(1, 64)]

    def idf(self, term: str) -> float:
        value = self._idf.get(term)
        if value is None:
            value = self._idf[term] = math.log((self.n + IDF_PRIOR) / (self.df.get(term, 0) + 1))
        return value

    def terms(self, words: dict[str, int], entity_terms: list[str]) -> dict[str, float]:
        """The article's :data:`TOP_TERMS` most distinctive words by tf-idf, plus its entities,
        as an L2-normalised weight vector."""
        tf, idf = self._tf, self.idf
        weights = {w: (tf[c] if c < 64 else 1 + math.log(c)) * idf(w) for w, c in words.items()}
        top = {w: weights[w] for w in heapq.nsmallest(TOP_TERMS, weights, key=lambda w: (-weights[w], w))}
        for term in entity_terms:
            top[term] = ENTITY_WEIGHT * idf(term)
        norm = math.sqrt(sum(v * v for v in top.values())) or 1.0
        return {t: round(v / norm, 5) for t, v in top.items()}


# linking --------------------------------------------------------------------------------------

class _Groups:
    """Union-find over member indexes that tracks each group's dated span."""

    def __init__(self, days: np.ndarray):
        self.parent = list(range(len(days)))
        self.first = [int(d) if d else None for d in days]
        self.last = list(self.first)
        self.members = [[i] for i in range(len(days))]

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, i: int, j: int, max_span: int | None = None, accept=None) -> bool:
        """Join the groups of ``i`` and ``j`` unless the joined span would pass ``max_span`` days
        or ``accept(members_of_one, members_of_other)`` (asked when both hold several) refuses."""
        a, b = self.find(i), self.find(j)
        if a == b:
            return True
        firsts = [d for d in (self.first[a], self.first[b]) if d is not None]
        lasts = [d for d in (self.last[a], self.last[b]) if d is not None]
        if max_span is not None and firsts and max(lasts) - min(firsts) > max_span:
            return False
        if accept is not None and len(self.members[a]) > 1 and len(self.members[b]) > 1 \
                and not accept(self.members[a], self.members[b]):
            return False
        if len(self.members[a]) < len(self.members[b]):
            a, b = b, a
        self.parent[b] = a
        self.members[a] += self.members[b]
        self.members[b] = []
        self.first[a] = min(firsts) if firsts else None
        self.last[a] = max(lasts) if lasts else None
        return True


def _reports(member: Member) -> bool:
    """Whether an article has enough words of its own to tell its event from another: at least
    :data:`TOP_TERMS` distinct content words. A results table or a one-line dividend notice has
    a handful (shr, net, revs, qtr) shared with every other one: those join stories only as
    duplicates."""
    return sum(1 for term in member.terms if not term.startswith("@")) >= TOP_TERMS


def _event_pairs(members: list[Member], new: np.ndarray) -> list[tuple[float, int, int]]:
    """(cosine, i, j) of members within the window whose distinctive terms pass the threshold,
    at least one of them new."""
    vocabulary: dict[str, int] = {}
    rows, cols, vals = [], [], []
    for i, m in enumerate(members):
        if not _reports(m):
            continue
        for term, weight in m.terms.items():
            rows.append(i)
            cols.append(vocabulary.setdefault(term, len(vocabulary)))
            vals.append(weight)
    if not vocabulary:
        return []
    matrix = sparse.csr_matrix((vals, (rows, cols)), shape=(len(members), len(vocabulary)), dtype=np.float32)
    days = np.array([m.day for m in members], dtype=np.int64)
    found: list[tuple[float, int, int]] = []
    new_idx = np.flatnonzero(new)
    # dated new members against members dated within the window, a block of days at a time
    dated_new = new_idx[days[new_idx] > 0]
    order = np.argsort(days, kind="stable")
    sorted_days = days[order]
    undated = order[: np.searchsorted(sorted_days, 1)]
    for day in np.unique(days[dated_new]).tolist():
        query = dated_new[days[dated_new] == day]
        lo = np.searchsorted(sorted_days, day - WINDOW_DAYS, side="left")
        hi = np.searchsorted(sorted_days, day + WINDOW_DAYS, side="right")
        found += _pairs_above(matrix, query, np.concatenate([order[lo:hi], undated]), new)
    undated_new = new_idx[days[new_idx] == 0]
    if len(undated_new):
        found += _pairs_above(matrix, undated_new, np.arange(len(members)), new)
    result = []
    for text_score, i, j in found:
        a, b = members[i], members[j]
        has_entities = (a.people or a.places) and (b.people or b.places)
        shared = _shared(a, b)
        if has_entities and not shared:
            continue
        score = text_score + ENTITY_BONUS * min(shared, BONUS_ENTITIES)
        if score >= (EVENT_THRESHOLD if a.day and b.day else UNDATED_THRESHOLD):
            result.append((score, i, j))
    return result


def _shared(a: Member, b: Member) -> int:
    """How many people and places two articles share."""
    return len(set(a.people) & set(b.people)) + len(set(a.places) & set(b.places))


def similarity(a: Member, b: Member) -> float:
    """The cosine of two articles' distinctive terms, plus :data:`ENTITY_BONUS` for each person
    or place they share (up to :data:`BONUS_ENTITIES`): the score event links are judged by."""
    return sum(w * b.terms.get(t, 0.0) for t, w in a.terms.items()) + ENTITY_BONUS * min(_shared(a, b),
                                                                                         BONUS_ENTITIES)


def _link_events(groups: _Groups, members: list[Member], pairs: list[tuple[float, int, int]]) -> None:
    """Join event pairs, strongest first: dated ones within :data:`MAX_SPAN_DAYS`, undated ones
    with each other; then each group of undated articles joins the dated story it is most
    similar to on average (all pairs of the two), if that passes :data:`EVENT_THRESHOLD`: an
    undated article has no date to keep it out of another event with the same people."""
    def alike(one: list[int], other: list[int]) -> bool:  # two stories, not a chain of look-alikes
        pairs = [(a, b) for a in one[:LINKAGE_SAMPLE] for b in other[:LINKAGE_SAMPLE]]
        return sum(similarity(members[a], members[b]) for a, b in pairs) / len(pairs) >= LINKAGE

    mixed = []
    for _score, i, j in sorted(pairs, reverse=True):
        if bool(members[i].day) != bool(members[j].day):
            mixed.append((i, j) if not members[i].day else (j, i))
        else:
            groups.union(i, j, MAX_SPAN_DAYS, alike)
    if not mixed:
        return
    involved = {groups.find(k) for pair in mixed for k in pair}
    clusters: dict[int, list[int]] = defaultdict(list)
    for i in range(len(members)):
        root = groups.find(i)
        if root in involved:
            clusters[root].append(i)
    options: dict[int, set[int]] = defaultdict(set)
    for undated, dated in mixed:
        root = groups.find(undated)
        if groups.first[root] is None:
            options[root].add(groups.find(dated))
    for root, targets in options.items():
        def average(target: int, root: int = root) -> float:
            pairs = [(a, b) for a in clusters[root] for b in clusters[target]]
            return sum(similarity(members[a], members[b]) for a, b in pairs) / len(pairs)
        best = max(sorted(targets), key=average)
        if average(best) >= EVENT_THRESHOLD:
            groups.union(best, root)


def _pairs_above(matrix, query: np.ndarray, against: np.ndarray, new: np.ndarray) -> list[tuple[float, int, int]]:
    if not len(query) or not len(against):
        return []
    product = (matrix[query] @ matrix[against].T).tocoo()
    keep = product.data >= min(EVENT_THRESHOLD, UNDATED_THRESHOLD) - ENTITY_BONUS * BONUS_ENTITIES
    qi, aj, scores = query[product.row[keep]], against[product.col[keep]], product.data[keep]
    out = []
    for score, i, j in zip(scores.tolist(), qi.tolist(), aj.tolist(), strict=True):
        if i == j or (new[j] and j < i):  # each new-new pair once
            continue
        out.append((score, min(i, j), max(i, j)))
    return out


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
    changed: Sequence[Article],
    removed: Sequence[str],
    cache_dir: Path,
    previous: Path | None = None,
) -> int:
    """Bring the story state of ``generation`` up to date: ``changed`` articles (added, updated, or
    with new entities) are (re)linked, ``removed`` ids dropped. ``previous``: the generation a
    rebuild replaces, whose story ids are carried over. Returns the number of stories (of two or
    more articles)."""
    path = generation / STATE_FILE
    tmp = generation / f".{STATE_FILE}.{os.getpid()}.tmp"
    for stale in generation.glob(f".{STATE_FILE}.*.tmp"):  # left by a run that was killed
        stale.unlink(missing_ok=True)
    if has_state(generation):
        shutil.copyfile(path, tmp)
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
        count = _update(db, members, changed, set(removed), cache_dir, carried)
        db.close()
        with open(tmp, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, path)
        return count
    except BaseException:
        db.close()
        tmp.unlink(missing_ok=True)
        raise


def _update(db, members: dict[str, Member], changed: Sequence[Article], removed: set[str], cache_dir: Path,
            carried: dict[str, str]) -> int:
    cache = neardup.SignatureCache(cache_dir / "signatures.sqlite")
    try:
        prints = cache.fingerprints(a.body for a in changed)
    finally:
        cache.close()
    df = Counter(setting(db, "df", {}))
    seen_n = setting(db, "articles", 0)
    touched: set[str] = set()  # story ids whose members changed
    for article_id in removed | {a.id for a in changed}:
        old = members.pop(article_id, None)
        if old and old.story:
            touched.add(old.story)
    # document frequencies: copies of one text (one fingerprint object) count once each, worded once
    content = {id(fp): _content_words(fp.words) for fp in {id(fp): fp for fp in prints}.values()}
    entity_terms_of = [_entity_terms(a.entities.people, a.entities.places) for a in changed]
    copies = Counter((id(fp), tuple(terms)) for fp, terms in zip(prints, entity_terms_of, strict=True))
    for (fp_id, entity_terms), count in copies.items():
        for term in (*content[fp_id], *entity_terms):
            df[term] += count
    weights = _Weights(df, seen_n + len(changed))
    new_ids = []
    vectors: dict[tuple, dict[str, float]] = {}  # copies of a text with the same entities: one vector
    for article, fp, entity_terms in zip(changed, prints, entity_terms_of, strict=True):
        shared = (fp.key, *entity_terms)
        if shared not in vectors:
            vectors[shared] = weights.terms(content[id(fp)], entity_terms)
        members[article.id] = Member(
            article.id, article.date.toordinal() if article.date else 0, fp.key, fp.minhash, vectors[shared],
            list(article.entities.people), list(article.entities.places), article.title, article.site,
            figures=fp.figures)
        new_ids.append(article.id)

    order = list(members)
    index = {article_id: i for i, article_id in enumerate(order)}
    listed = [members[a] for a in order]
    new = np.zeros(len(listed), dtype=bool)
    new[[index[a] for a in new_ids]] = True
    fresh = new.tolist()  # for the loops below: a list reads faster than numpy scalars
    groups = _Groups(np.array([m.day for m in listed], dtype=np.int64))
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
    _link_events(groups, listed, [(score, int(reps[i]), int(reps[j]))
                                  for score, i, j in _event_pairs(rep_listed, rep_is_new)])

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

    gone = removed | {a.id for a in changed}
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


