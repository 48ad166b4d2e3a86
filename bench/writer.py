"""Writing a new index from cleaned articles: Whoosh's own writer against Dateline's bulk writer
(search/bulkwrite.py), with SQLite FTS5 over the same titles and bodies as the peer.

The articles are cleaned once, before any clock starts; each run writes the same documents into
a fresh index and is timed on its own (CPU seconds of this process and of the child processes it
waited for, the machine being shared). The bulk writer runs twice: in this one process, analysing
titles and bodies itself (as for a corpus under 1,000 articles), and as a build runs it, the texts
analysed ahead (by the cleaning workers in a build; here before the clock) and the segments
written by forked child processes, whose CPU is counted. The three Whoosh indexes are then read
back and compared (document count, every term's document frequency): the run fails if they differ.

    .venv/bin/python bench/writer.py              # the first 5,000 Reuters articles with text
    .venv/bin/python bench/writer.py --limit 0    # all 19,043

Prints a table and writes bench/results/writer.json (date, machine, load average per run).
"""

from __future__ import annotations

import argparse
import json
import resource
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

from machine import load_average, machine, print_runs
from ner import REUTERS, subset
from whoosh import index

from search import documents
from search.extract import extract_article
from search.ingest import iter_records
from search.models import SourceRecord

RESULTS = Path(__file__).resolve().parent / "results" / "writer.json"


def cpu_seconds() -> tuple[float, float]:
    """CPU seconds of this process, and of the child processes it has waited for."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime


def whoosh_writer(directory: Path, docs: list[dict]) -> None:
    documents.create(directory)
    ix = index.open_dir(str(directory))
    writer = ix.writer(limitmb=256, compound=False)
    for doc in docs:
        writer.add_document(**doc)
    writer.commit()
    ix.close()


def bulk_writer(directory: Path, articles, analysed: list[bytes] | None = None) -> None:
    documents.create(directory)
    writer = documents.Writer(directory, expected=None if analysed is None else len(articles))
    for number, article in enumerate(articles):
        writer.put(article, None if analysed is None else analysed[number])
    writer.commit()


def fts5(directory: Path, articles) -> None:
    db = sqlite3.connect(directory / "fts5.sqlite")
    db.execute("CREATE VIRTUAL TABLE docs USING fts5(title, body, tokenize='porter unicode61')")
    db.executemany("INSERT INTO docs VALUES (?, ?)", ((a.title, a.body) for a in articles))
    db.commit()
    db.close()


def term_counts(directory: Path) -> tuple[int, dict]:
    ix = index.open_dir(str(directory))
    try:
        with ix.reader() as reader:
            return reader.doc_count_all(), {(f, t): reader.doc_frequency(f, t) for f, t in reader.all_terms()
                                            if not f.startswith("spell_")}
    finally:
        ix.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--limit", type=int, default=5000, help="articles (0: all with text)")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    if not REUTERS.exists():
        print(f"{REUTERS} is absent: this benchmark needs the shared Reuters corpus beside the checkout.")
        return 2
    started_load = load_average()
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        corpus = subset(args.limit, folder)
        articles = [extract_article(r) for r in iter_records([corpus]) if isinstance(r, SourceRecord)]
        docs = [documents.article_to_document(a) for a in articles]
        analysed = [documents.analyse(a) for a in articles]
        count = len(articles)
        plan = [("Whoosh writer (one process)", lambda: whoosh_writer(folder / "whoosh", docs)),
                ("bulk writer (search/bulkwrite.py)", lambda: bulk_writer(folder / "bulk", articles)),
                ("bulk, analysed ahead, forked", lambda: bulk_writer(folder / "forked", articles, analysed)),
                ("SQLite FTS5 (peer)", lambda: fts5(folder, articles))]
        for name, work in plan:
            load, wall, (own, children) = load_average(), time.perf_counter(), cpu_seconds()
            work()
            wall, (own2, children2) = time.perf_counter() - wall, cpu_seconds()
            cpu, child = own2 - own + children2 - children, children2 - children
            runs.append({"run": name, "seconds": round(wall, 2), "cpu_seconds": round(cpu, 2),
                         "child_cpu_seconds": round(child, 2),
                         "articles_per_s": round(count / wall, 1), "ms_cpu_per_article": round(1000 * cpu / count, 3),
                         "load_average": [load, load_average()]})
            print(f"  {name}: {wall:.1f} s", file=sys.stderr, flush=True)
        same = term_counts(folder / "whoosh") == term_counts(folder / "bulk") == term_counts(folder / "forked")
    ratio = runs[0]["cpu_seconds"] / runs[1]["cpu_seconds"]
    print(f"Reuters-21578, {count:,} cleaned articles written into a new index; "
          f"load average {started_load} at the start")
    print_runs(runs, [("seconds", "seconds", 8, ".1f"), ("CPU s", "cpu_seconds", 7, ".1f"),
                      ("children", "child_cpu_seconds", 9, ".1f"),
                      ("articles/s", "articles_per_s", 11, ",.1f"),
                      ("CPU ms/article", "ms_cpu_per_article", 15, ".3f")], 36)
    print(f"bulk writer: {ratio:.2f}x less CPU than Whoosh's writer (same run); same documents and terms: {same}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({
        "benchmark": "writer", "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": machine(started_load), "articles": count, "runs": runs,
        "whoosh_over_bulk_cpu": round(ratio, 2), "same_terms": same,
    }, indent=2) + "\n", encoding="utf-8")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
