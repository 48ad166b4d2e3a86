"""NER throughput of `dateline index` on Reuters-21578: cold (empty mention cache) and warm.

The warm run is a full ``--rebuild`` over the same articles with the cache kept: it must run
no NER at all, which this benchmark checks by counting calls into spaCy.

    .venv/bin/python bench/ner.py                # 2,000 articles
    .venv/bin/python bench/ner.py --limit 0      # all 19,043 articles with text (~10 min)

Prints a table and writes bench/results/ner.json.
"""

from __future__ import annotations

import argparse
import gzip
import json
import logging
import os
import platform
import resource
import sys
import tempfile
import time
from pathlib import Path

import spacy

from search import entities, index_corpus
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


def count_words(corpus: Path) -> tuple[int, int]:
    articles = [extract_article(r) for r in iter_records([corpus]) if isinstance(r, SourceRecord)]
    return len(articles), sum(len(article_text(a).split()) for a in articles)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--limit", type=int, default=2000, help="articles (0: all with text)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    if not REUTERS.exists():
        print(f"{REUTERS} is absent: this benchmark needs the shared Reuters corpus beside the checkout.")
        return 2

    calls = {"texts": 0}
    real_find = entities.find_mentions

    def counting_find(texts, *a, **k):
        calls["texts"] += len(texts)
        return real_find(texts, *a, **k)

    entities.find_mentions = counting_find
    with tempfile.TemporaryDirectory() as tmp:
        corpus = subset(args.limit, Path(tmp))
        articles, words = count_words(corpus)
        log.info("%d articles, %d words", articles, words)
        index_dir = Path(tmp) / "ix"

        start = time.perf_counter()
        cold = index_corpus(index_dir, [corpus])
        cold_s = time.perf_counter() - start
        cold_calls = calls["texts"]

        calls["texts"] = 0
        start = time.perf_counter()
        warm = index_corpus(index_dir, [corpus], rebuild=True)
        warm_s = time.perf_counter() - start
        warm_calls = calls["texts"]

        texts = [article_text(extract_article(r)) for r in iter_records([corpus]) if isinstance(r, SourceRecord)]
        start = time.perf_counter()
        entities.find_mentions(texts)
        ner_s = time.perf_counter() - start

    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rows = [
        ("cold index (NER + everything)", cold_s, words / cold_s, cold_calls),
        ("warm --rebuild (cache kept)", warm_s, words / warm_s, warm_calls),
        ("NER alone (find_mentions)", ner_s, words / ner_s, len(texts)),
    ]
    print(f"Reuters-21578, {articles:,} articles, {words:,} words; spaCy {spacy.__version__}, "
          f"{entities.PIPELINE_VERSION}")
    print(f"{'run':<32} {'seconds':>9} {'words/s':>10} {'texts sent to NER':>18}")
    for name, seconds, rate, sent in rows:
        print(f"{name:<32} {seconds:>9.1f} {rate:>10,.0f} {sent:>18,}")
    print(f"peak RSS {rss_mb:,.0f} MB")
    assert cold.total == warm.total == articles, (cold.total, warm.total, articles)
    if warm_calls:
        print(f"FAIL: the warm rebuild sent {warm_calls} texts to NER")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({
        "benchmark": "ner",
        "date": time.strftime("%Y-%m-%d"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "spacy": spacy.__version__,
        "pipeline": entities.PIPELINE_VERSION,
        "articles": articles,
        "words": words,
        "runs": [{"run": n, "seconds": round(s, 2), "words_per_s": round(r), "texts_to_ner": c}
                 for n, s, r, c in rows],
        "warm_rebuild_ran_ner": bool(warm_calls),
        "peak_rss_mb": round(rss_mb),
    }, indent=2) + "\n", encoding="utf-8")
    return 1 if warm_calls else 0


if __name__ == "__main__":
    sys.exit(main())
