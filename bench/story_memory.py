"""Memory of the story step per article, to extrapolate to a 1M-article build (issue 19).

Cleans Reuters-21578 once, then hands the story step N copies of it the way bench/million.py makes
them (ids ``<id>~k``, dates moved ``30*k`` days, same title and body), and measures with
``tracemalloc``:

* **batch**: what the indexer keeps per article while the articles stream to the writer
  (``search.story_batch.StoryBatch``: compact records, one text record per distinct body);
* **article**: what holding a cleaned article costs (what the indexer kept before);
* **grouping**: the peak the grouping itself (``search.stories.update_stories``: document
  frequencies, members, duplicate links, event pairs, the state file) adds on top of the batch.

At ×1 nearly every article is its own text (18,760 texts of 19,043): the case of a real corpus,
where nothing is shared; at ×5 the copies share their text records and term vectors (the case of
bench/million.py's corpus).

    .venv/bin/python bench/story_memory.py --copies 1 --copies 5

Prints a table and writes bench/results/story_memory.json (date, machine, load average).
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import gc
import gzip
import json
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from machine import load_average, machine
from million import REUTERS, SHIFT_DAYS

from search import stories
from search.extract import extract_batch
from search.models import Article, SourceRecord
from search.story_batch import StoryBatch

RESULTS = Path(__file__).resolve().parent / "results"


def cleaned_reuters() -> list[Article]:
    with gzip.open(REUTERS, "rt", encoding="utf-8") as source:
        records = [r for r in map(json.loads, source) if r.get("body") or r.get("title")]
    sources = [SourceRecord(str(r["id"]), f"reuters.jsonl:{k}", "json", r.get("body") or "", str(k),
                            {key: r[key] for key in ("title", "date") if r.get(key)})
               for k, r in enumerate(records)]
    return [a for a in extract_batch(sources) if isinstance(a, Article)]


def copies_of(articles: list[Article], copies: int):
    for k in range(copies):
        for a in articles:
            date = a.date + dt.timedelta(days=SHIFT_DAYS * k) if a.date and k else a.date
            yield dataclasses.replace(a, id=f"{a.id}~{k}", date=date)


def measure(articles: list[Article], copies: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        cache, generation = Path(tmp) / "cache", Path(tmp) / "generation"
        generation.mkdir()
        gc.collect()
        tracemalloc.start()
        started = time.perf_counter()
        batch = StoryBatch(cache)
        for article in copies_of(articles, copies):  # each copy is let go once added
            batch.add(article)
        batch.finish()
        batch.close()
        gc.collect()
        batch_bytes = tracemalloc.get_traced_memory()[0]
        batch_seconds = time.perf_counter() - started
        tracemalloc.reset_peak()
        started = time.perf_counter()
        count = stories.update_stories(generation, batch, [], cache)
        _, grouping_peak = tracemalloc.get_traced_memory()
        grouping_seconds = time.perf_counter() - started
        tracemalloc.stop()
    n = len(batch)
    return {"copies": copies, "articles": n, "texts": len(batch.keys), "stories": count,
            "batch_mb": round(batch_bytes / 2**20, 1), "batch_bytes_per_article": round(batch_bytes / n),
            "grouping_peak_mb": round((grouping_peak - batch_bytes) / 2**20, 1),
            "grouping_bytes_per_article": round((grouping_peak - batch_bytes) / n),
            "batch_seconds": round(batch_seconds, 1), "grouping_seconds": round(grouping_seconds, 1)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--copies", type=int, action="append", help="copies of Reuters (repeatable; default 1 and 5)")
    args = parser.parse_args()
    if not REUTERS.exists():
        print(f"{REUTERS} is absent (the shared Reuters corpus lies beside the checkout).")
        return 2
    started_load = load_average()
    tracemalloc.start()
    articles = cleaned_reuters()
    held = tracemalloc.get_traced_memory()[0] / len(articles)  # what holding the cleaned articles costs
    tracemalloc.stop()
    rows = [{**measure(articles, copies), "article_bytes": round(held)}
            for copies in args.copies or [1, 5]]
    header = ("copies", "articles", "texts", "stories", "article_bytes", "batch_bytes_per_article",
              "grouping_bytes_per_article", "batch_seconds", "grouping_seconds")
    print(" | ".join(header))
    for row in rows:
        print(" | ".join(f"{row[h]:,}" if isinstance(row[h], int) else str(row[h]) for h in header))
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / "story_memory.json"
    out.write_text(json.dumps({"benchmark": "story_memory", "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                               "rows": rows, "machine": machine(started_load)}, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
