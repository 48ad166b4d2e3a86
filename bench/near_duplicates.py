"""Near-duplicates and stories on Reuters-21578, scored on the judged pairs of bench/neardup/.

Reads every article the indexer would index from ``../shared/corpora/reuters21578.jsonl.gz``
(``search.ingest`` + ``search.extract``: the cleaned bodies Dateline fingerprints), with the
corpus's own category codes as people and places (no NER run: see bench/README.md), then

1. times the signatures: ``search.neardup`` (numpy) against ``datasketch.MinHash`` on the same
   word 3-shingles, and compares both estimates with the exact shingle Jaccard on the judged pairs;
2. runs the story step exactly as the indexer does (``search.stories.update_stories`` into a
   scratch generation), and reads its near-duplicate pairs (same text, or MinHash similarity
   over the threshold and the figures check) and its stories;
3. scores them with ``bench/neardup/score.py``: weighted precision, recall and F1 of near-duplicate
   pairs (gold ``exact``/``near``) and of story pairs (gold ``exact``/``near``/``same-event``), with
   how many judged same-event pairs the stories join and how many ``different`` pairs they join;
4. checks that every group of articles with identical bodies (263 groups) is inside one story;
5. runs the story step again on the judged pairs' articles and their context (every article the
   first run put in a story with one of them), once with the category codes and once with the
   product's own entity pass (``search.entity_pass.annotate``: spaCy NER through the mention
   cache in ``bench/.cache/ner``, then corpus-wide resolution), and scores story pairs of both.

    .venv/bin/python bench/near_duplicates.py            # ~2 min; bench/results/near_duplicates.json
"""

from __future__ import annotations

import argparse
import gzip
import json
import logging
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
for path in (ROOT, BENCH_DIR, BENCH_DIR / "neardup"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

import numpy as np  # noqa: E402
import score as judged  # noqa: E402  (bench/neardup/score.py)
from machine import load_average, machine  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpora" / "reuters21578.jsonl.gz"
RESULTS = BENCH_DIR / "results" / "near_duplicates.json"
NER_CACHE = BENCH_DIR / ".cache" / "ner"
SAMPLE = BENCH_DIR / "neardup"
log = logging.getLogger("bench.near_duplicates")


def load(corpus: Path) -> tuple[list, dict[str, dict]]:
    """The articles as the indexer makes them, with Reuters' people and places codes as entities;
    and each raw record by id."""
    from search.extract import article_or_reason
    from search.ingest import iter_records
    from search.models import Entities, Skipped

    raw = {}
    with gzip.open(corpus, "rt", encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            raw[str(record["id"])] = record
    articles = []
    for item in iter_records([corpus]):
        if isinstance(item, Skipped):
            continue
        article = article_or_reason(item)
        if isinstance(article, Skipped):
            continue
        record = raw.get(article.id, {})
        article.entities = Entities(people=record.get("people") or [], places=record.get("places") or [])
        articles.append(article)
    return articles, raw


def compare_minhash(articles: list, sample_pairs: list[dict]) -> dict:
    """Seconds per 1,000 articles for both implementations, and their mean absolute error
    against the exact 3-shingle Jaccard on the judged pairs."""
    from datasketch import MinHash

    from search import neardup

    by_id = {a.id: a for a in articles}
    shingles = {}
    for article in articles:
        words = neardup.words_of(article.body)
        shingles[article.id] = {" ".join(words[i:i + neardup.SHINGLE])
                                for i in range(max(1, len(words) - neardup.SHINGLE + 1))}
    sample = articles[:3000]
    started = time.perf_counter()
    for article in sample:
        neardup.minhash(neardup.words_of(article.body))
    ours_s = time.perf_counter() - started
    started = time.perf_counter()
    theirs = {}
    for article in sample:
        m = MinHash(num_perm=neardup.NUM_PERM, seed=1)
        m.update_batch([s.encode("utf-8") for s in shingles[article.id]])
        theirs[article.id] = m
    theirs_s = time.perf_counter() - started
    errors = {"numpy": [], "datasketch": []}
    for pair in sample_pairs:
        a, b = str(pair["a"]), str(pair["b"])
        if a not in by_id or b not in by_id:
            continue
        sa, sb = shingles[a], shingles[b]
        true = len(sa & sb) / len(sa | sb) if sa | sb else 1.0
        ma, mb = (neardup.minhash(neardup.words_of(by_id[x].body)) for x in (a, b))
        errors["numpy"].append(abs(neardup.similarity(ma, mb) - true))
        da, db = MinHash(num_perm=neardup.NUM_PERM, seed=1), MinHash(num_perm=neardup.NUM_PERM, seed=1)
        da.update_batch([s.encode("utf-8") for s in sa])
        db.update_batch([s.encode("utf-8") for s in sb])
        errors["datasketch"].append(abs(da.jaccard(db) - true))
    return {
        "articles_timed": len(sample),
        "numpy_ms_per_1000": round(ours_s / len(sample) * 1e6, 1),
        "datasketch_ms_per_1000": round(theirs_s / len(sample) * 1e6, 1),
        "speedup": round(theirs_s / ours_s, 1),
        "mean_abs_error_vs_exact_jaccard": {k: round(float(np.mean(v)), 4) for k, v in errors.items()},
        "pairs_compared": len(errors["numpy"]),
    }


def run_stories(articles: list) -> tuple[dict[str, str], list[tuple[str, str]], float]:
    """The story step as the indexer runs it: article id -> story id (grouped ones), the
    near-duplicate pairs, and its seconds (signatures computed, empty cache)."""
    from search import stories, story_state

    with tempfile.TemporaryDirectory() as scratch:
        generation, cache = Path(scratch) / "gen", Path(scratch) / "cache"
        generation.mkdir()
        started = time.perf_counter()
        stories.update_stories(generation, articles, [], cache)
        seconds = time.perf_counter() - started
        db = story_state.connect_readonly(generation / story_state.STATE_FILE)
        assigned = dict(db.execute("SELECT id, story FROM members WHERE story IS NOT NULL"))
        members = story_state.load_members(db)
        db.close()
    return assigned, stories.near_duplicate_pairs(list(members.values())), seconds


def story_pairs_of(assigned: dict[str, str]) -> tuple[dict[str, list[int]], set[tuple[int, int]]]:
    groups = defaultdict(list)
    for article_id, story in assigned.items():
        groups[story].append(int(article_id))
    return groups, {(x, y) for ids in groups.values() for x in ids for y in ids if x < y}


def with_real_entities(articles: list, cache_dir: Path) -> list:
    """Copies of ``articles`` whose entities come from the product's entity pass (NER and
    resolution over these articles, as ``dateline index`` would on a corpus of them)."""
    import copy

    from search.entity_pass import annotate
    from search.models import Entities

    copies = [copy.copy(a) for a in articles]
    for article in copies:
        article.entities = Entities()
    annotate(copies, [], cache_dir, None)
    return copies


def entity_comparison(articles: list, sample: list[dict], gold: dict, assigned: dict[str, str],
                      cache_dir: Path) -> dict:
    """Story scores on the judged articles and their context, category codes against real entities."""
    judged_ids = {str(p[k]) for p in sample for k in ("a", "b")}
    stories_of_judged = {assigned[i] for i in judged_ids if i in assigned}
    context_ids = judged_ids | {i for i, s in assigned.items() if s in stories_of_judged}
    context = [a for a in articles if a.id in context_ids]
    log.info("context: %d articles (%d judged); entity pass", len(context), len(judged_ids & context_ids))
    started = time.perf_counter()
    real = with_real_entities(context, cache_dir)
    ner_seconds = time.perf_counter() - started
    out = {"context_articles": len(context), "entity_pass_seconds": round(ner_seconds, 1), "runs": {}}
    for name, run in (("category codes", context), ("real entities", real)):
        found, _near, _seconds = run_stories(run)
        _groups, pairs = story_pairs_of(found)
        joined = Counter(gold[(p["a"], p["b"])] for p in sample if (p["a"], p["b"]) in pairs)
        out["runs"][name] = {
            "stories": judged.score(sample, gold, pairs, judged.POSITIVE["story"])["all"],
            "joins_by_gold_label": {label: joined[label] for label in judged.LABELS},
        }
    with_orgs = sum(1 for a in real if a.entities.orgs)
    out["articles_with_orgs"] = with_orgs
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--ner-cache", type=Path, default=NER_CACHE, help="mention cache of the entity pass")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(message)s", datefmt="%H:%M:%S")
    load_at_start = load_average()
    sample = judged.read_jsonl(SAMPLE / "pairs.jsonl")
    gold = judged.gold_labels(SAMPLE / "gold-A.jsonl")

    log.info("reading and cleaning %s", CORPUS)
    articles, raw = load(CORPUS)
    log.info("%d articles; comparing MinHash implementations", len(articles))
    minhash = compare_minhash(articles, sample)
    log.info("story step")
    assigned, near, seconds = run_stories(articles)

    near_pairs = {(min(int(a), int(b)), max(int(a), int(b))) for a, b in near}
    groups, story_pairs = story_pairs_of(assigned)
    scores = {
        "near_duplicates": judged.score(sample, gold, near_pairs, judged.POSITIVE["near"]),
        "stories": judged.score(sample, gold, story_pairs, judged.POSITIVE["story"]),
    }
    joined = Counter(gold[(p["a"], p["b"])] for p in sample if (p["a"], p["b"]) in story_pairs)
    judged_labels = Counter(gold.values())

    bodies = defaultdict(list)
    for record_id, record in raw.items():
        if (record.get("body") or "").strip():
            bodies[record["body"].strip()].append(record_id)
    exact_groups = [ids for ids in bodies.values() if len(ids) > 1]
    grouped = sum(1 for ids in exact_groups if len({assigned.get(i) for i in ids}) == 1 and ids[0] in assigned)
    sizes = Counter(len(ids) for ids in groups.values())

    report = {
        "date": time.strftime("%Y-%m-%d %H:%M:%S"),
        "machine": machine(load_at_start),
        "articles": len(articles),
        "story_step_seconds": round(seconds, 1),
        "minhash": minhash,
        "near_duplicate_pairs_found": len(near_pairs),
        "stories": len(groups),
        "articles_in_stories": sum(len(ids) for ids in groups.values()),
        "largest_stories": sorted((len(ids) for ids in groups.values()), reverse=True)[:10],
        "story_sizes": dict(sorted(sizes.items())),
        "scores": scores,
        "story_joins_by_gold_label": {label: f"{joined[label]} of {judged_labels[label]}" for label in judged.LABELS},
        "exact_duplicate_groups": {"groups": len(exact_groups), "articles": sum(map(len, exact_groups)),
                                   "in_one_story": grouped},
    }
    report["entities_on_context"] = entity_comparison(articles, sample, gold, assigned, args.ner_cache)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1), encoding="utf-8")

    print(f"{len(articles):,} articles, story step {seconds:.1f} s (signatures computed), "
          f"{len(groups):,} stories holding {report['articles_in_stories']:,} articles")
    print(f"MinHash: numpy {minhash['numpy_ms_per_1000']} ms / 1,000 articles, datasketch "
          f"{minhash['datasketch_ms_per_1000']} ms ({minhash['speedup']}x); mean |error| vs exact Jaccard "
          f"{minhash['mean_abs_error_vs_exact_jaccard']}")
    for level, rows in scores.items():
        print(f"\n{level}: {'stratum':24} {'judged':>6} {'pos':>4} {'found':>5} {'P':>6} {'R':>6} {'F1':>6}")
        for name in sorted(rows, key=lambda n: (n == "all", n)):
            row = rows[name]
            print(f"{'':{len(level) + 2}}{name:24} {row['judged']:6} {row['positives_judged']:4} "
                  f"{row['found_judged']:5} {judged.fmt(row['precision']):>6} {judged.fmt(row['recall']):>6} "
                  f"{judged.fmt(row['f1']):>6}")
    print(f"\nstories join, of the judged pairs: {report['story_joins_by_gold_label']}")
    print(f"exact-duplicate groups inside one story: {grouped} of {len(exact_groups)}")
    comparison = report["entities_on_context"]
    print(f"\nstories on the judged articles and their context ({comparison['context_articles']:,} articles, "
          f"entity pass {comparison['entity_pass_seconds']} s):")
    for name, run in comparison["runs"].items():
        row = run["stories"]
        print(f"  {name:16} P {judged.fmt(row['precision'])}  R {judged.fmt(row['recall'])}  "
              f"F1 {judged.fmt(row['f1'])}  joins {run['joins_by_gold_label']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
