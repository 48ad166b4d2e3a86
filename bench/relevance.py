"""Ranking quality on judged queries: BEIR SciFact (5,183 abstracts, 809 claims, binary qrels).

Indexes the abstracts through the real pipeline (`index_corpus`, no entities) and types each claim
*as it is* into `open_index(...).search(text)` — the code path of the search page and the CLI:
lenient reading, best match for sentences. Reports nDCG@10 and Recall@100 computed as trec_eval
does, errors (a claim refused with QueryError), the match mode used, and the latency of each
search (facets and snippets included, 100 hits), next to the anchor in
../shared/relevance/scifact/README.md (plain BM25, nDCG@10 0.668, Recall@100 0.900). The row
"OR of the words" is the form this benchmark sent before issue 15.

    .venv/bin/python bench/relevance.py                 # typed as-is, and the OR form
    .venv/bin/python bench/relevance.py --tries         # + the ranking tries of bench/README.md

Prints a table and writes bench/results/relevance.json. Tune on these 809 training claims only;
no test asserts a figure measured on them.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import json
import logging
import math
import os
import platform
import re
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from whoosh.analysis import StemmingAnalyzer
from whoosh.lang import porter

from search import QueryError, documents, index_corpus, matching, open_index, postings

ROOT = Path(__file__).resolve().parent.parent
SCIFACT = ROOT.parent / "shared" / "relevance" / "scifact"
RESULTS = ROOT / "bench" / "results" / "relevance.json"
ANCHOR = {"ndcg@10": 0.668, "recall@100": 0.900}

log = logging.getLogger("bench.relevance")

#: ranking tries: module attributes set for one run (name -> [(module, attribute, value)]); a try
#: that changes `documents` (the analyzer) runs on its own index of the collection
TRIES: dict[str, list[tuple[object, str, object]]] = {
    "title weight x0.5 (a title occurrence counts one)": [(matching, "TITLE_WEIGHT", 0.5)],
    "title weight x0.25 (issue 15's first setting)": [(matching, "TITLE_WEIGHT", 0.25)],
    "title weight x2": [(matching, "TITLE_WEIGHT", 2.0)],
    "minimum_should_match 10% (issue 15's first setting)": [(matching, "MIN_SHOULD_MATCH", 0.1)],
    "minimum_should_match 30%": [(matching, "MIN_SHOULD_MATCH", 0.3)],
    "BM25 k1 0.9 b 0.4 (the anchor's)": [(postings, "K1", 0.9), (postings, "B", 0.4)],
    "BM25 k1 1.5": [(postings, "K1", 1.5)],
    "Porter stemmer (before), stop words indexed": [(documents, "STEM", porter.stem)],
    "Porter2, one-character words indexed": [(documents, "MIN_WORD", 1)],
    "stop words left out of the index (before), Porter": [
        (documents, "text_analyzer", StemmingAnalyzer), (documents, "STEM", porter.stem)],
}


def load_qrels() -> dict[str, set[str]]:
    qrels: dict[str, set[str]] = {}
    lines = (SCIFACT / "qrels" / "train.tsv").read_text(encoding="utf-8").splitlines()
    for line in lines[1:]:
        query_id, doc_id, score = line.strip("\r\n").split("\t")
        if int(score) > 0:
            qrels.setdefault(query_id, set()).add(doc_id)
    return qrels


def as_or_query(claim: str) -> str:
    words = re.findall(r"\w+", claim.lower())
    return " OR ".join(dict.fromkeys(w for w in words if w not in {"or", "and", "not"}))


def ndcg_at_10(ranked: list[str], relevant: set[str]) -> float:
    gain = sum(1 / math.log2(rank + 2) for rank, doc in enumerate(ranked[:10]) if doc in relevant)
    ideal = sum(1 / math.log2(rank + 2) for rank in range(min(10, len(relevant))))
    return gain / ideal


def evaluate(index, queries, qrels, form) -> dict:
    ndcg, recall, latencies, errors, modes = [], [], [], [], {}
    for query in queries:
        text = form(query["text"])
        started = time.perf_counter()
        try:
            results = index.search(text, per_page=100)
        except QueryError as error:
            errors.append(f"{query['_id']}: {error}")
            ndcg.append(0.0)
            recall.append(0.0)
            continue
        finally:
            latencies.append((time.perf_counter() - started) * 1000)
        modes[results.match] = modes.get(results.match, 0) + 1
        # trec_eval breaks score ties by document id, descending
        ranked = [h.id for h in sorted(results.hits, key=lambda h: (-(h.score or 0), _neg_id(h.id)))]
        relevant = qrels[query["_id"]]
        ndcg.append(ndcg_at_10(ranked, relevant))
        recall.append(len(set(ranked[:100]) & relevant) / len(relevant))
    return {
        "ndcg@10": round(sum(ndcg) / len(ndcg), 4),
        "recall@100": round(sum(recall) / len(recall), 4),
        "errors": len(errors),
        "error_examples": errors[:5],
        "modes": modes,
        "latency_ms_p50": round(float(np.percentile(latencies, 50)), 1),
        "latency_ms_p95": round(float(np.percentile(latencies, 95)), 1),
    }


@contextlib.contextmanager
def patched(changes):
    saved = [(module, name, getattr(module, name)) for module, name, _ in changes]
    try:
        for module, name, value in changes:
            setattr(module, name, value)
        yield
    finally:
        for module, name, value in saved:
            setattr(module, name, value)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tries", action="store_true", help="also run the ranking tries")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    if not SCIFACT.exists():
        print(f"{SCIFACT} is absent: this benchmark needs the shared SciFact set beside the checkout.")
        return 2
    qrels = load_qrels()
    queries = [json.loads(line) for line in (SCIFACT / "queries.jsonl").read_text(encoding="utf-8").splitlines()]
    queries = [q for q in queries if q["_id"] in qrels]
    load_start = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "scifact.jsonl"
        with gzip.open(SCIFACT / "corpus.jsonl.gz", "rt", encoding="utf-8") as source, \
                open(corpus, "w", encoding="utf-8") as out:
            for line in source:
                doc = json.loads(line)
                out.write(json.dumps({"id": doc["_id"], "title": doc["title"], "body": doc["text"]}) + "\n")
        started = time.perf_counter()
        stats = index_corpus(Path(tmp) / "ix", [corpus], entities=False)
        index_seconds = time.perf_counter() - started
        index = open_index(Path(tmp) / "ix")
        runs = {
            "claims typed as they are": evaluate(index, queries, qrels, lambda claim: claim),
            "OR of the words (before issue 15)": evaluate(index, queries, qrels, as_or_query),
        }
        if args.tries:
            for number, (name, changes) in enumerate(TRIES.items()):
                with patched(changes):
                    tried = index
                    if any(module is documents for module, _, _ in changes):
                        index_corpus(Path(tmp) / f"try-{number}", [corpus], entities=False)
                        tried = open_index(Path(tmp) / f"try-{number}")
                    runs[f"try: {name}"] = evaluate(tried, queries, qrels, lambda claim: claim)
    print(f"SciFact: {stats.total:,} abstracts indexed in {index_seconds:.1f} s, {len(queries)} judged claims")
    print(f"{'ranker':<62} {'nDCG@10':>8} {'R@100':>7} {'errors':>6} {'p50 ms':>7} {'p95 ms':>7}  modes")
    for name, run in runs.items():
        print(f"{name:<62} {run['ndcg@10']:>8.3f} {run['recall@100']:>7.3f} {run['errors']:>6} "
              f"{run['latency_ms_p50']:>7.1f} {run['latency_ms_p95']:>7.1f}  {run['modes']}")
    print(f"{'anchor: plain BM25 (README of the set)':<62} {ANCHOR['ndcg@10']:>8.3f} {ANCHOR['recall@100']:>7.3f}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({
        "benchmark": "relevance",
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "load_average_start": load_start,
        "load_average_end": os.getloadavg(),
        "collection": "BEIR SciFact train qrels (809 training claims)",
        "queries": len(queries),
        "documents": stats.total,
        "runs": runs,
        "anchor_bm25": ANCHOR,
    }, indent=2) + "\n", encoding="utf-8")
    return 0


def _neg_id(doc_id: str):
    # descending id order for ties, numeric where ids are numbers
    return -int(doc_id) if doc_id.isdigit() else doc_id


if __name__ == "__main__":
    sys.exit(main())
