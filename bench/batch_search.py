"""Batch search speed: 1,000 queries against a ~95k-article index (target: ≤ 30 s).

The queries are drawn (seeded) from the index itself: entity facet values as exact phrases
(what a journalist's list of names looks like), single title words and two-word pairs. The
peer in the same run is the naive way, one full ``NewsIndex.search()`` per query (facets,
histogram, a page of snippets), on the first 200 of them.

    .venv/bin/python bench/batch_search.py --index bench/.cache/reuters-x5

(``bench/query_latency.py`` builds ``bench/.cache/reuters-x5``.) Table on stdout, everything in
bench/results/batch_search.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import re
import sys
import time
from pathlib import Path

from machine import load_average, machine

from search import open_index
from search.batch import as_phrases

BENCH_DIR = Path(__file__).resolve().parent
RESULTS = BENCH_DIR / "results" / "batch_search.json"


def make_queries(index, count: int, seed: int = 18) -> list[str]:
    rng = random.Random(seed)
    names = [e.name for e in index.entities() if e.facet in ("person", "org", "place") and e.articles > 1]
    words = sorted({w.lower() for h in index.search("", per_page=100).hits for w in re.findall(r"[A-Za-z]{4,}",
                                                                                             h.title)})
    queries = set()
    while len(queries) < count:
        kind = rng.random()
        if kind < 0.5 and names:
            queries.add(as_phrases([rng.choice(names)])[0])
        elif kind < 0.8:
            queries.add(rng.choice(words))
        else:
            queries.add(f"{rng.choice(words)} {rng.choice(words)}")
    return sorted(queries)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index", default=str(BENCH_DIR / ".cache" / "reuters-x5"))
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--peer-queries", type=int, default=200)
    args = parser.parse_args()
    if not Path(args.index).exists():
        sys.exit(f"No index at {args.index}: build it with bench/query_latency.py, or pass --index DIR.")
    load_start = load_average()
    index = open_index(args.index, time_budget=10)
    articles = index.info().articles
    queries = make_queries(index, args.queries)
    index.batch(queries[:20])  # warm up
    started = time.perf_counter()
    rows = index.batch(queries)
    batch_seconds = time.perf_counter() - started
    peer = queries[: args.peer_queries]
    started = time.perf_counter()
    totals = [index.search(q).total for q in peer]
    peer_seconds = time.perf_counter() - started
    assert totals == [r.articles for r in rows[: len(peer)]], "batch and search disagree"
    per_batch = batch_seconds / len(queries) * 1000
    per_search = peer_seconds / len(peer) * 1000
    errors = sum(1 for r in rows if r.error)
    print(f"\nbatch search on {args.index} ({articles:,} articles)\n")
    print(f"{'way':<28} {'queries':>8} {'seconds':>8} {'ms/query':>9}")
    print(f"{'NewsIndex.batch':<28} {len(queries):>8,} {batch_seconds:>8.2f} {per_batch:>9.2f}")
    print(f"{'NewsIndex.search each':<28} {len(peer):>8,} {peer_seconds:>8.2f} {per_search:>9.2f}")
    print(f"\nbatch is {per_search / per_batch:.1f}x faster per query; {errors} queries refused; "
          f"{sum(1 for r in rows if r.articles)} with matches")
    report = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": machine(load_start),
        "index": args.index, "articles": articles,
        "batch": {"queries": len(queries), "seconds": round(batch_seconds, 3), "ms_per_query": round(per_batch, 3),
                  "errors": errors},
        "peer_search_each": {"queries": len(peer), "seconds": round(peer_seconds, 3),
                             "ms_per_query": round(per_search, 3)},
        "target_seconds": 30,
        "sample_queries": queries[:10],
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=1) + "\n")
    print(f"written {RESULTS}", file=sys.stderr)


if __name__ == "__main__":
    main()
