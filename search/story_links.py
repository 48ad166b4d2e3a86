"""How articles link into stories beyond duplicates: each article's distinctive terms (tf-idf
words and canonical people and places), the similarity of two articles, same-event pairs within
the time window, and the union-find that joins them under the span and average-link rules. Used
by :mod:`search.stories`, which holds the rules' summary.
"""

from __future__ import annotations

import functools
import itertools
import math
from array import array
from collections import Counter, defaultdict
from collections.abc import Sequence

import numpy as np
from scipy import sparse

from .story_state import Member

#: same-event articles are published within this many days of each other
WINDOW_DAYS = 3
#: no near-duplicate or event link makes a story span more days than this
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

def entity_terms(people: Sequence[str], places: Sequence[str]) -> list[str]:
    return [f"@p:{p.lower()}" for p in people] + [f"@l:{p.lower()}" for p in places]


def content_words(words: dict[str, int]) -> dict[str, int]:
    return {w: c for w, c in words.items() if w not in _STOP}


class Weights:
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

    def top_words(self, vocabulary: Sequence[str], words: np.ndarray, counts: np.ndarray,
                  starts: np.ndarray) -> list[list[tuple[str, float]]]:
        """Each text's :data:`TOP_TERMS` most distinctive words by tf-idf, highest first (equal
        weights by word), with their weights; text ``t`` is ``words[starts[t]:starts[t + 1]]``
        (numbers into ``vocabulary``, each once) with their ``counts``. All texts at once: the
        weights are the products :meth:`terms` makes one by one (each factor made by the same
        ``math.log``), ranked by one sort."""
        if len(words) == 0:
            return [[] for _ in range(len(starts) - 1)]
        idf = np.array([self.idf(word) for word in vocabulary], dtype=np.float64)
        tf = np.array([self._tf[c] if c < 64 else 1 + math.log(c) for c in range(int(counts.max()) + 1)],
                      dtype=np.float64)
        weights = tf[counts] * idf[words]
        alphabetical = np.empty(len(vocabulary), dtype=np.int64)
        alphabetical[sorted(range(len(vocabulary)), key=vocabulary.__getitem__)] = np.arange(len(vocabulary))
        sizes = np.diff(starts)
        text = np.repeat(np.arange(len(sizes)), sizes)
        order = np.lexsort((alphabetical[words], -weights, text))  # by text, then best first
        kept = order[np.arange(len(order)) - starts[text] < TOP_TERMS]  # order[p] is of the p-th text slot
        bounds = np.concatenate([[0], np.cumsum(np.minimum(sizes, TOP_TERMS))]).tolist()
        pairs = list(zip([vocabulary[w] for w in words[kept].tolist()], weights[kept].tolist(), strict=True))
        return [pairs[a:b] for a, b in itertools.pairwise(bounds)]

    def terms(self, top_words: list[tuple[str, float]], entity_terms: list[str]) -> dict[str, float]:
        """An article's distinctive terms: its text's :meth:`top_words` plus its entities, as an
        L2-normalised weight vector."""
        top = dict(top_words)
        for term in entity_terms:
            top[term] = ENTITY_WEIGHT * self.idf(term)
        norm = math.sqrt(sum(v * v for v in top.values())) or 1.0
        return {t: round(v / norm, 5) for t, v in top.items()}


# linking --------------------------------------------------------------------------------------

class Groups:
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


def _reports(terms: dict[str, float]) -> bool:
    """Whether an article has enough words of its own to tell its event from another: at least
    :data:`TOP_TERMS` distinct content words. A results table or a one-line dividend notice has
    a handful (shr, net, revs, qtr) shared with every other one: those join stories only as
    duplicates."""
    return sum(1 for term in terms if not term.startswith("@")) >= TOP_TERMS


def event_pairs(members: list[Member], new: np.ndarray) -> list[tuple[float, int, int]]:
    """(cosine, i, j) of members within the window whose distinctive terms pass the threshold,
    at least one of them new; two that both name people or places must share one, and two that
    both name organisations must share one."""
    vocabulary: dict[str, int] = {}
    # the rows of a CSR matrix, built in place: compact for a million members' terms
    starts, cols, vals = array("q", [0]), array("i"), array("f")
    for m in members:
        terms = m.terms
        if _reports(terms):
            cols.extend([vocabulary.setdefault(term, len(vocabulary)) for term in terms])
            vals.extend(terms.values())
        starts.append(len(cols))
    if not vocabulary:
        return []
    matrix = sparse.csr_matrix((np.frombuffer(vals, dtype=np.float32), np.frombuffer(cols, dtype=np.int32),
                                np.frombuffer(starts, dtype=np.int64)), shape=(len(members), len(vocabulary)))
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
        if a.orgs and b.orgs and not set(a.orgs) & set(b.orgs):
            continue  # one event's reports name the same company or body; two companies' results do not
        score = text_score + ENTITY_BONUS * min(shared, BONUS_ENTITIES)
        if score >= (EVENT_THRESHOLD if a.day and b.day else UNDATED_THRESHOLD):
            result.append((score, i, j))
    return result


def _shared(a: Member, b: Member) -> int:
    """How many people and places two articles share."""
    return len(set(a.people) & set(b.people)) + len(set(a.places) & set(b.places))


def similarity(a: Member, b: Member, a_terms: dict[str, float], b_terms: dict[str, float]) -> float:
    """The cosine of two articles' distinctive terms (``a_terms``, ``b_terms``: their decoded
    :attr:`~search.story_state.Member.terms`), plus :data:`ENTITY_BONUS` for each person or place
    they share (up to :data:`BONUS_ENTITIES`): the score event links are judged by."""
    return sum(w * b_terms.get(t, 0.0) for t, w in a_terms.items()) + ENTITY_BONUS * min(_shared(a, b),
                                                                                         BONUS_ENTITIES)


def link_events(groups: Groups, members: list[Member], pairs: list[tuple[float, int, int]]) -> None:
    """Join event pairs, strongest first: dated ones within :data:`MAX_SPAN_DAYS`, undated ones
    with each other; then each group of undated articles joins the dated story it is most
    similar to on average (all pairs of the two), if that passes :data:`EVENT_THRESHOLD`: an
    undated article has no date to keep it out of another event with the same people."""
    @functools.lru_cache(maxsize=4096)  # decoded terms of the members compared lately
    def terms(k: int) -> dict[str, float]:
        return members[k].terms

    def similar(a: int, b: int) -> float:
        return similarity(members[a], members[b], terms(a), terms(b))

    def alike(one: list[int], other: list[int]) -> bool:  # two stories, not a chain of look-alikes
        pairs = [(a, b) for a in one[:LINKAGE_SAMPLE] for b in other[:LINKAGE_SAMPLE]]
        return sum(similar(a, b) for a, b in pairs) / len(pairs) >= LINKAGE

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
            return sum(similar(a, b) for a, b in pairs) / len(pairs)
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
