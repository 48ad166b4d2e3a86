"""Who appears with whom: the entities that share articles with one facet value, scored so that
specific partners rank above ubiquitous ones, and the value's coverage over time.

Computed from the facet arrays (one (document, value) pair per entry) and the day-number column
the backend keeps per index generation: every count is a ``bincount`` over pairs, so one value
costs milliseconds at 100k articles. No Whoosh here.

The score is Dunning's log-likelihood ratio (G²) of the 2×2 table "has the value / has the
partner" over the articles of the current search, kept only where the pair is seen *more* often
than chance. Raw counts would rank the ubiquitous partners ("United States", "Reuters") first;
pointwise mutual information would rank a partner seen once, in one of the value's articles,
first. G² needs both association and evidence.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import numpy as np

from .models import CoOccurrence, Partner, Period

#: facets whose values are offered as partners
PARTNER_FACETS = ("person", "org", "place")
#: ordinal of 1970-01-01: numpy's datetime64 epoch
_EPOCH = dt.date(1970, 1, 1).toordinal()
#: at most this many months in a timeline before it counts years instead
MAX_MONTHS = 120


def g2(together: np.ndarray, partner: np.ndarray, target: int, total: int) -> np.ndarray:
    """Log-likelihood ratio of each partner's 2×2 table with the target, signed: negative where
    the pair is seen less often than chance."""
    k11 = together.astype(np.float64)
    k12 = target - k11
    k21 = partner - k11
    k22 = total - target - partner + k11
    row1, row2 = k11 + k12, k21 + k22
    col1, col2 = k11 + k21, k12 + k22

    def term(k, row, col):
        expected = row * col / total
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(k > 0, k * np.log(k / expected), 0.0)

    score = 2 * (term(k11, row1, col1) + term(k12, row1, col2) + term(k21, row2, col1) + term(k22, row2, col2))
    return np.where(k11 * total >= row1 * col1, score, -score)


def partners(
    facets: Mapping, facet: str, value_id: int, target: np.ndarray, within: np.ndarray, limit: int
) -> dict[str, list[Partner]]:
    """Per partner facet, the ``limit`` values best associated with the target value.

    ``target``: documents with the value in the search; ``within``: the search's documents."""
    total, target_n = int(within.sum()), int(target.sum())
    result: dict[str, list[Partner]] = {}
    for name in PARTNER_FACETS:
        arrays = facets[name]
        size = len(arrays.values)
        together = np.bincount(arrays.value_ids[target[arrays.docs]], minlength=size)
        if name == facet:
            together[value_id] = 0
        present = np.flatnonzero(together)
        if not len(present) or not total:
            result[name] = []
            continue
        counts = np.bincount(arrays.value_ids[within[arrays.docs]], minlength=size)[present]
        scores = g2(together[present], counts, target_n, total)
        keep = scores >= 0  # not the partners seen less often than chance
        present, counts, scores = present[keep], counts[keep], scores[keep]
        order = np.lexsort((present, -together[present], -scores))[:limit]
        result[name] = [
            Partner(name, arrays.values[i], int(together[i]), int(counts[j]), round(float(scores[j]), 2))
            for j, i in zip(order.tolist(), present[order].tolist(), strict=True)
        ]
    return result


def _periods(days: np.ndarray) -> tuple[str, np.ndarray, list[str]]:
    """Each day's period (month, or year for long spans) as an index into the labels returned."""
    months = (days.astype(np.int64) - _EPOCH).astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    first, last = int(months.min()), int(months.max())
    if last - first < MAX_MONTHS:
        labels = [f"{1970 + m // 12:04d}-{m % 12 + 1:02d}" for m in range(first, last + 1)]
        return "month", months - first, labels
    years = months // 12
    labels = [f"{1970 + y:04d}" for y in range(int(years.min()), int(years.max()) + 1)]
    return "year", years - years.min(), labels


def timeline(facets: Mapping, target: np.ndarray, days: np.ndarray, top: int = 3) -> tuple[str, list[Period]]:
    """Articles per period (empty periods included) with each period's commonest partners."""
    docs = np.flatnonzero(target & (days > 0))
    if not len(docs):
        return "month", []
    granularity, period_of_doc, labels = _periods(days[docs])
    counts = np.bincount(period_of_doc, minlength=len(labels))
    period = np.full(len(target), -1, dtype=np.int64)
    period[docs] = period_of_doc
    names: list[list[tuple[int, str]]] = [[] for _ in labels]
    for name in PARTNER_FACETS:
        arrays = facets[name]
        pair_period = period[arrays.docs]
        keep = pair_period >= 0
        if not keep.any():
            continue
        size = len(arrays.values)
        keys, key_counts = np.unique(pair_period[keep] * size + arrays.value_ids[keep], return_counts=True)
        for key, count in zip(keys.tolist(), key_counts.tolist(), strict=True):
            names[key // size].append((count, arrays.values[key % size]))
    return granularity, [
        Period(label, int(count), [value for _, value in sorted(found, key=lambda p: (-p[0], p[1]))[: top + 1]])
        for label, count, found in zip(labels, counts.tolist(), names, strict=True)
    ]


def cooccurrence(
    facets: Mapping, days: np.ndarray, facet: str, value_id: int, within: np.ndarray, limit: int = 20
) -> CoOccurrence:
    arrays = facets[facet]
    has = np.zeros(len(within), dtype=bool)
    has[arrays.docs[arrays.value_ids == value_id]] = True
    target = has & within
    granularity, periods = timeline(facets, target, days)
    # the value itself is in every one of its articles: not a partner in its own timeline
    own = arrays.values[value_id]
    for period in periods:
        period.names = [n for n in period.names if n != own][:3]
    return CoOccurrence(
        facet=facet,
        value=own,
        articles=int(target.sum()),
        searched=int(within.sum()),
        partners=partners(facets, facet, value_id, target, within, limit),
        granularity=granularity,
        timeline=periods,
    )
