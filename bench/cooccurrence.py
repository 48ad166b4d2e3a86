"""Who-appears-with-whom speed: ``NewsIndex.cooccurrence`` at ~95k articles (target ≤ 50 ms).

Values are drawn (seeded) from the person, org and place facets: the 20 commonest of each (the
costliest: most articles) and 20 random ones, each timed over every article and within a query.
The peer in the same run is the way without facet arrays: the value's articles' stored entity
lists counted in Python (partners by raw count only, no score, no timeline), on the 10 commonest.

    .venv/bin/python bench/cooccurrence.py --index bench/.cache/reuters-x5

Table on stdout, everything in bench/results/cooccurrence.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

from machine import load_average, machine

from search import Filters, open_index

BENCH_DIR = Path(__file__).resolve().parent
RESULTS = BENCH_DIR / "results" / "cooccurrence.json"


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def naive(index, facet: str, value: str) -> Counter:
    counts: Counter = Counter()
    for hit in index.iter_results("", Filters({facet: [value]}), sort="newest"):
        counts.update(hit.people + hit.orgs + hit.places)
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index", default=str(BENCH_DIR / ".cache" / "reuters-x5"))
    parser.add_argument("--query", default="oil OR trade", help="the query of the 'within a search' runs")
    args = parser.parse_args()
    if not Path(args.index).exists():
        sys.exit(f"No index at {args.index}: build it with bench/query_latency.py, or pass --index DIR.")
    load_start = load_average()
    index = open_index(args.index, time_budget=10)
    articles = index.info().articles
    rng = random.Random(18)
    values = []
    for facet in ("person", "org", "place"):
        entities = [e for e in index.entities(facet)]
        values += [(facet, e.name, e.articles) for e in entities[:20]]
        values += [(facet, e.name, e.articles) for e in rng.sample(entities, min(20, len(entities)))]
    index.cooccurrence(*values[0][:2])  # warm up
    runs = {"all articles": [], f"within q={args.query!r}": []}
    for facet, value, _ in values:
        for label, query in zip(runs, ["", args.query], strict=True):
            started = time.perf_counter()
            index.cooccurrence(facet, value, query)
            runs[label].append((time.perf_counter() - started) * 1000)
    common = sorted(values, key=lambda v: -v[2])[:10]
    peer = []
    for facet, value, _ in common:
        started = time.perf_counter()
        naive(index, facet, value)
        peer.append((time.perf_counter() - started) * 1000)
    ours_common = []
    for facet, value, _ in common:
        started = time.perf_counter()
        index.cooccurrence(facet, value)
        ours_common.append((time.perf_counter() - started) * 1000)
    print(f"\nco-occurrence on {args.index} ({articles:,} articles), {len(values)} values\n")
    print(f"{'run':<34} {'n':>4} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    table = {}
    for label, times in [*runs.items(), ("10 commonest: cooccurrence()", ours_common),
                         ("10 commonest: stored lists (peer)", peer)]:
        table[label] = {"n": len(times), "p50_ms": round(statistics.median(times), 2),
                        "p95_ms": round(percentile(times, 0.95), 2), "max_ms": round(max(times), 2)}
        row = table[label]
        print(f"{label:<34} {row['n']:>4} {row['p50_ms']:>8} {row['p95_ms']:>8} {row['max_ms']:>8}")
    ratio = statistics.median(peer) / statistics.median(ours_common)
    print(f"\nthe facet arrays are {ratio:.0f}x faster than counting stored lists (medians, 10 commonest)")
    report = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": machine(load_start),
        "index": args.index, "articles": articles, "target_ms": 50, "runs": table,
        "peer_ratio_median": round(ratio, 1),
        "commonest": [{"facet": f, "value": v, "articles": n} for f, v, n in common],
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=1) + "\n")
    print(f"written {RESULTS}", file=sys.stderr)


if __name__ == "__main__":
    main()
