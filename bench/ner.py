"""Indexing throughput of `dateline index` on Reuters-21578, with and without NER, and NER alone
in the same run (the ratio is what the shared machine cannot blur).

Runs, one after the other in this process, on the same articles:

* ``cold``: a first build with entities (empty mention cache);
* ``first build, mentions cached``: a first build again, into a new index whose mention cache is a copy of the
  cold build's, so no text goes to spaCy: what a first build spends beyond NER (cleaning, the
  entity parse and resolution, writing, stories, the caches). With both cores busy, the cold
  build's rate is about NER's CPU over NER's and this run's together: 0.90 of NER alone leaves
  room for a ninth of NER's CPU beyond it;
* ``first build, no entities``: a first build with ``--no-entities`` into a new index, fresh
  caches: cleaning, writing, stories and the caches with no entity work at all, the floor under the
  run before;
* ``NER alone``: :func:`search.entities.find_mentions` over every article's text, on the same kind
  of pool the indexer uses (one spawned process per core, model loading included) — the ceiling a
  build with entities can reach; run before and after the cold build, the ratio taken against the
  mean of the two (the shared machine drifts within a run); ``--ner-one`` adds it in this one
  process. The build reads each distinct text once (Reuters: 18,822 of 19,043, 98.5% of the
  words), so the ratio is printed against NER alone on the distinct texts too;
* ``warm``: ``--rebuild`` with the mention cache kept (it must send no text to spaCy: counted);
* ``no entities``: ``--rebuild --no-entities``;
* ``cluster`` (``--cluster local:2``): the cold build again on a Dask LocalCluster, fresh cache;
* ``SQLite FTS5``: the same titles and bodies into an FTS5 table, the peer's floor.

    .venv/bin/python bench/ner.py                # 2,000 articles
    .venv/bin/python bench/ner.py --limit 0      # all 19,043 articles with text

Prints a table and writes bench/results/ner.json (date, machine, load average and CPU seconds of
the process tree per run).
"""

from __future__ import annotations

import argparse
import functools
import gzip
import json
import logging
import resource
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

import spacy
from machine import load_average, machine, print_runs

from search import entities, index_corpus
from search.compute import InProcess, LocalProcesses
from search.entities import article_text
from search.extract import extract_article
from search.ingest import iter_records
from search.models import SourceRecord

ROOT = Path(__file__).resolve().parent.parent
REUTERS = ROOT.parent / "shared" / "corpora" / "reuters21578.jsonl.gz"
RESULTS = ROOT / "bench" / "results" / "ner.json"

log = logging.getLogger("bench.ner")


def subset(limit: int, folder: Path) -> Path:
    """The first ``limit`` Reuters articles that have text, as a JSONL corpus."""
    target = folder / "reuters.jsonl"
    kept = 0
    with gzip.open(REUTERS, "rt", encoding="utf-8") as source, open(target, "w", encoding="utf-8") as out:
        for line in source:
            record = json.loads(line)
            if not (record.get("body") or record.get("title")):
                continue
            out.write(line)
            kept += 1
            if limit and kept >= limit:
                break
    return target


def ner_texts(corpus: Path) -> list[str]:
    return [article_text(extract_article(r)) for r in iter_records([corpus]) if isinstance(r, SourceRecord)]


def ner_alone(texts: list[str], pool) -> None:
    """NER over ``texts`` in the indexer's slices (``mentions_for``), on ``pool``."""
    step = 32 * 8
    run = functools.partial(entities.find_mentions, batch_size=32)
    for _ in pool.map(run, (texts[i:i + step] for i in range(0, len(texts), step))):
        pass


def cpu_seconds() -> float:
    """User + system CPU of this process and of its finished children (pool workers and Whoosh's
    sub-writers end within each run): on a shared machine a steadier figure than wall time."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def fts5(corpus: Path, folder: Path) -> None:
    db = sqlite3.connect(folder / "fts5.sqlite")
    db.execute("CREATE VIRTUAL TABLE docs USING fts5(title, body, tokenize='porter unicode61')")
    with open(corpus, encoding="utf-8") as lines:
        rows = ((r.get("title") or "", r.get("body") or "") for r in map(json.loads, lines))
        db.executemany("INSERT INTO docs VALUES (?, ?)", rows)
    db.commit()
    db.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--limit", type=int, default=2000, help="articles (0: all with text)")
    parser.add_argument("--ner-one", action="store_true", help="also time NER alone in one process")
    parser.add_argument("--cluster", metavar="ADDRESS", help="also a cold build on this cluster (e.g. local:2)")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(message)s", stream=sys.stderr)
    if not REUTERS.exists():
        print(f"{REUTERS} is absent: this benchmark needs the shared Reuters corpus beside the checkout.")
        return 2
    started_load = load_average()

    sent = _TextsSentToNer()

    runs: list[dict] = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        corpus = subset(args.limit, folder)
        texts = ner_texts(corpus)
        articles, words = len(texts), sum(len(t.split()) for t in texts)
        distinct_words = sum(len(t.split()) for t in dict.fromkeys(texts))

        def timed(name: str, work) -> dict:
            load = load_average()
            start, cpu = time.perf_counter(), cpu_seconds()
            result = work()
            seconds = time.perf_counter() - start
            row = {"run": name, "seconds": round(seconds, 2), "articles_per_s": round(articles / seconds, 1),
                   "words_per_s": round(words / seconds), "cpu_seconds": round(cpu_seconds() - cpu, 1),
                   "load_average": [load, load_average()]}
            runs.append(row)
            print(f"  {name}: {seconds:.1f} s", file=sys.stderr, flush=True)
            return result if result is not None else row

        def pooled():
            pool = LocalProcesses()
            try:
                ner_alone(texts, pool)
            finally:
                pool.close()

        # NER alone before and after the cold build: the machine's drift over the three cancels out
        pooled_name = f"NER alone ({LocalProcesses().workers} processes)"
        ner_before = timed(f"{pooled_name}, before", pooled)
        index_dir = folder / "ix"
        cold = timed("cold index (entities, empty cache)", lambda: index_corpus(index_dir, [corpus]))
        cold_row = runs[-1]
        ner_after = timed(f"{pooled_name}, after", pooled)
        rest_dir = folder / "ix-rest"
        (rest_dir / "cache").mkdir(parents=True)
        shutil.copy(index_dir / "cache" / "mentions.sqlite", rest_dir / "cache" / "mentions.sqlite")
        sent.count = 0
        timed("first build, mentions cached", lambda: index_corpus(rest_dir, [corpus]))
        rest, rest_sent = runs[-1], sent.count
        timed("first build, no entities", lambda: index_corpus(folder / "ix-plain", [corpus], entities=False))
        plain = runs[-1]
        if args.ner_one:
            entities.get_nlp()  # loading counted in the pooled run too: load it before the clock here
            timed("NER alone (1 process)", lambda: ner_alone(texts, InProcess()))
        sent.count = 0
        warm = timed("warm --rebuild (mention cache)", lambda: index_corpus(index_dir, [corpus], rebuild=True))
        warm_sent = sent.count
        timed("--rebuild --no-entities", lambda: index_corpus(index_dir, [corpus], rebuild=True, entities=False))
        if args.cluster:
            timed(f"cold index --cluster {args.cluster}",
                  lambda: index_corpus(folder / "ix-cluster", [corpus], cluster=args.cluster))
        timed("SQLite FTS5 (peer, no cleaning)", lambda: fts5(corpus, folder))

    assert cold.total == warm.total == articles, (cold.total, warm.total, articles)
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    ner_seconds = (ner_before["seconds"] + ner_after["seconds"]) / 2
    ratio = ner_seconds / cold_row["seconds"]
    ner_cpu = (ner_before["cpu_seconds"] + ner_after["cpu_seconds"]) / 2
    rest_cpu, plain_cpu = rest["cpu_seconds"], plain["cpu_seconds"]
    print(f"Reuters-21578, {articles:,} articles, {words:,} words; spaCy {spacy.__version__}, "
          f"{entities.PIPELINE_VERSION}; load average {started_load} at the start")
    print_runs(runs, [("seconds", "seconds", 8, ".1f"), ("articles/s", "articles_per_s", 11, ",.1f"),
                      ("words/s", "words_per_s", 9, ","), ("CPU s", "cpu_seconds", 7, ".1f")], 40)
    print(f"cold build / NER alone (same run, NER alone the mean of {ner_before['seconds']:.1f} s before and "
          f"{ner_after['seconds']:.1f} s after): {ratio:.2f} of NER's words/s")
    print(f"  cold build's CPU beyond NER alone's: {cold_row['cpu_seconds'] - ner_cpu:.1f} s; cores left idle: "
          f"{2 * cold_row['seconds'] - cold_row['cpu_seconds']:.1f} core-s (NER alone: "
          f"{2 * ner_seconds - ner_cpu:.1f})")
    # the build runs NER once per distinct text; NER alone reads every article's text
    print(f"  NER alone read {words:,} words, the build {distinct_words:,} (one run per distinct text); "
          f"against NER alone on distinct texts only: {ratio * distinct_words / words:.2f}")
    print(f"beyond NER: {rest_cpu:.1f} CPU s ({1000 * rest_cpu / articles:.2f} ms an article) against NER's "
          f"{ner_cpu:.1f}; with both cores busy, 0.90 of NER alone leaves room for ~{ner_cpu / 9:.0f}")
    print(f"  of which no entity work (first build, no entities): {plain_cpu:.1f} CPU s, "
          f"{plain_cpu / ner_cpu:.0%} of NER's CPU (0.90 of NER alone: {1 / 9:.0%} for everything beyond NER)")
    print(f"texts the warm rebuild sent to spaCy: {warm_sent}; the build with mentions cached: {rest_sent}")
    print(f"peak RSS: this process {rss_mb:,.0f} MB, largest child {children_mb:,.0f} MB")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({
        "benchmark": "ner",
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": machine(started_load),
        "spacy": spacy.__version__,
        "pipeline": entities.PIPELINE_VERSION,
        "articles": articles,
        "words": words,
        "runs": runs,
        "cold_over_ner_alone": round(ratio, 3),
        "distinct_text_words": distinct_words,
        "cold_over_ner_alone_on_distinct_texts": round(ratio * distinct_words / words, 3),
        "beyond_ner_cpu_ms_per_article": round(1000 * rest_cpu / articles, 2),
        "beyond_ner_cpu_seconds_for_0_90": round(ner_cpu / 9, 1),
        "no_entities_build_cpu_over_ner_cpu": round(plain_cpu / ner_cpu, 3),
        "warm_rebuild_texts_to_ner": warm_sent,
        "mentions_cached_build_texts_to_ner": rest_sent,
        "peak_rss_mb": {"self": round(rss_mb), "largest_child": round(children_mb)},
    }, indent=2) + "\n", encoding="utf-8")
    return 1 if warm_sent or rest_sent else 0


class _TextsSentToNer(logging.Handler):
    """Counts the texts the indexer sends to NER, wherever they run, from its log line
    ("NER: %d texts cached, %d to run (%d articles)")."""

    def __init__(self) -> None:
        super().__init__()
        self.count = 0
        logger = logging.getLogger("search.entities")
        logger.setLevel(logging.INFO)
        logger.propagate = False
        logger.addHandler(self)

    def emit(self, record: logging.LogRecord) -> None:
        if record.msg.startswith("NER:"):
            self.count += record.args[1]


if __name__ == "__main__":
    sys.exit(main())
