"""Ranking quality on judged queries: BEIR SciFact (5,183 abstracts, 809 claims, binary qrels).

Indexes the abstracts through the real pipeline (`index_corpus`, no entities) and runs each claim
through `NewsIndex.search` as an OR of its words (claims are sentences: AND of every word finds
almost nothing). Reports nDCG@10 and Recall@100 computed as trec_eval does, next to the anchor in
../shared/relevance/scifact/README.md (plain BM25, nDCG@10 0.668, Recall@100 0.900).

    .venv/bin/python bench/relevance.py

Prints a table and writes bench/results/relevance.json.
"""

from __future__ import annotations

import gzip
import json
import logging
import math
import re
import sys
import tempfile
import time
from pathlib import Path

from search import index_corpus, open_index

ROOT = Path(__file__).resolve().parent.parent
SCIFACT = ROOT.parent / "shared" / "relevance" / "scifact"
RESULTS = ROOT / "bench" / "results" / "relevance.json"
ANCHOR = {"ndcg@10": 0.668, "recall@100": 0.900}

log = logging.getLogger("bench.relevance")


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


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    if not SCIFACT.exists():
        print(f"{SCIFACT} is absent: this benchmark needs the shared SciFact set beside the checkout.")
        return 2
    qrels = load_qrels()
    queries = [json.loads(line) for line in (SCIFACT / "queries.jsonl").read_text(encoding="utf-8").splitlines()]
    queries = [q for q in queries if q["_id"] in qrels]
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
        ndcg, recall, latencies = [], [], []
        for query in queries:
            started = time.perf_counter()
            results = index.search(as_or_query(query["text"]), per_page=100)
            latencies.append((time.perf_counter() - started) * 1000)
            # trec_eval breaks score ties by document id, descending
            ranked = [h.id for h in sorted(results.hits, key=lambda h: (-(h.score or 0), _neg_id(h.id)))]
            relevant = qrels[query["_id"]]
            ndcg.append(ndcg_at_10(ranked, relevant))
            recall.append(len(set(ranked[:100]) & relevant) / len(relevant))
    scores = {"ndcg@10": sum(ndcg) / len(ndcg), "recall@100": sum(recall) / len(recall)}
    latencies.sort()
    p95 = latencies[int(0.95 * (len(latencies) - 1))]
    print(f"SciFact: {stats.total:,} abstracts indexed in {index_seconds:.1f} s, {len(queries)} judged queries")
    print(f"{'ranker':<44} {'nDCG@10':>8} {'R@100':>7}")
    ours = "Dateline (BM25F, title boost 2, stemming, OR)"
    print(f"{ours:<44} {scores['ndcg@10']:>8.3f} {scores['recall@100']:>7.3f}")
    print(f"{'anchor: plain BM25 (README of the set)':<44} {ANCHOR['ndcg@10']:>8.3f} {ANCHOR['recall@100']:>7.3f}")
    print(f"query latency with facets and snippets, 100 hits: p95 {p95:.0f} ms")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({
        "benchmark": "relevance",
        "date": time.strftime("%Y-%m-%d"),
        "collection": "BEIR SciFact train qrels",
        "queries": len(queries),
        "documents": stats.total,
        "query_form": "OR of the claim's words",
        "scores": {k: round(v, 4) for k, v in scores.items()},
        "anchor_bm25": ANCHOR,
        "latency_ms_p95": round(p95, 1),
    }, indent=2) + "\n", encoding="utf-8")
    return 0


def _neg_id(doc_id: str):
    # descending id order for ties, numeric where ids are numbers
    return -int(doc_id) if doc_id.isdigit() else doc_id


if __name__ == "__main__":
    sys.exit(main())
