"""Export memory: is a CSV/JSONL export of every hit flat in memory however many rows it has?

Each measurement runs in a fresh child process: it opens the index, exports the first N rows of
the empty query (every article, newest first) through ``NewsIndex.iter_results`` and
``search.export`` into a byte counter, and reports tracemalloc's peak of Python allocations made
during the export, the process's peak RSS growth, the time and the rows per second. The peer in
the same run is the naive way: the same rows held as a list of hits before writing.

    .venv/bin/python bench/export_memory.py --index bench/.cache/reuters-x5   # ~95k articles

(``bench/query_latency.py`` builds ``bench/.cache/reuters-x5``: Reuters-21578 five times.) Table
on stdout, everything in bench/results/export_memory.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

from machine import load_average, machine

BENCH_DIR = Path(__file__).resolve().parent
RESULTS = BENCH_DIR / "results" / "export_memory.json"


def _rss_mb() -> float:
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def one(index_path: str, rows: int, fmt: str, way: str) -> dict:
    """In a child: export ``rows`` rows ``way`` ("stream" or "list") and measure it."""
    from itertools import islice

    from search import export, open_index

    index = open_index(index_path, time_budget=60)
    # warm up: the snapshot, a first stored document
    next(iter(index.iter_results("", sort="newest")), None)
    rss_before = _rss_mb()
    tracemalloc.start()
    started = time.perf_counter()
    hits = islice(index.iter_results("", sort="newest"), rows)
    if way == "list":
        hits = list(hits)
    written = produced = 0
    for chunk in export.chunks(hits, fmt):
        written += len(chunk.encode("utf-8"))
        produced += 1
    seconds = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    usage = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "rows": produced - (1 if fmt == "csv" else 0),
        "format": fmt,
        "way": way,
        "seconds": round(seconds, 2),
        "rows_per_second": round((produced / seconds) if seconds else 0),
        "bytes": written,
        "tracemalloc_peak_mb": round(peak / 2**20, 2),
        "rss_before_mb": round(rss_before, 1),
        "rss_peak_mb": round(usage, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index", default=str(BENCH_DIR / ".cache" / "reuters-x5"))
    parser.add_argument("--rows", default="1000,10000,all", help="row counts to export, comma-separated")
    parser.add_argument("--one", nargs=3, metavar=("ROWS", "FORMAT", "WAY"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        rows, fmt, way = args.one
        print(json.dumps(one(args.index, int(rows), fmt, way)))
        return
    if not Path(args.index).exists():
        sys.exit(f"No index at {args.index}: build it with bench/query_latency.py, or pass --index DIR.")
    from search import open_index

    total = open_index(args.index, time_budget=60).search("").total
    counts = [total if c == "all" else min(int(c), total) for c in args.rows.split(",")]
    load_start = load_average()
    runs = []
    plan = [(n, "csv", "stream") for n in counts] + [(counts[-1], "jsonl", "stream")]
    plan += [(n, "csv", "list") for n in counts]
    for rows, fmt, way in plan:
        print(f"exporting {rows:,} rows as {fmt} ({way}) …", file=sys.stderr)
        out = subprocess.run(
            [sys.executable, __file__, "--index", args.index, "--one", str(rows), fmt, way],
            check=True, capture_output=True, text=True,
        )
        runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
    print(f"\nexport of the empty query on {args.index} ({total:,} articles)\n")
    print(f"{'rows':>8} {'format':>6} {'way':>7} {'seconds':>8} {'rows/s':>7} {'MB out':>7} "
          f"{'py peak MB':>10} {'RSS +MB':>8}")
    for run in runs:
        print(f"{run['rows']:>8,} {run['format']:>6} {run['way']:>7} {run['seconds']:>8} "
              f"{run['rows_per_second']:>7,} {run['bytes'] / 2**20:>7.1f} {run['tracemalloc_peak_mb']:>10} "
              f"{run['rss_peak_mb'] - run['rss_before_mb']:>8.1f}")
    report = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": machine(load_start),
        "index": args.index,
        "articles": total,
        "runs": runs,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=1) + "\n")
    print(f"\nwritten {RESULTS}", file=sys.stderr)


if __name__ == "__main__":
    main()
