"""Query latency: what a user waits for, at 1x and 5x the Reuters-21578 corpus.

Builds each index once through the real code (``search.ingest.iter_records`` ->
``search.extract.extract_article`` -> ``search.documents.Writer``, published with
``search.store.IndexFolder``) into ``bench/.cache/``, then times 300 seeded 1-3-word title
queries through ``search.open_index(...).search`` in several scenarios and reports p50 / p95 /
p99 / max per scenario and size, the cold first search, and the process's RSS.

Entity facets are filled from Reuters' own document-level category codes (people, orgs, places)
instead of running NER: see bench/README.md.

    .venv/bin/python bench/query_latency.py                 # 1x and 5x, 300 queries
    .venv/bin/python bench/query_latency.py --sizes 1 --queries 100
    .venv/bin/python bench/query_latency.py --rebuild       # ignore the cached indexes
    .venv/bin/python bench/query_latency.py --sizes 5 --profile b_full

Each build and each measurement runs in a fresh process, so RSS is that of a searching process
only. Progress goes to stderr, the table to stdout, everything to bench/results/query_latency.json.
"""

from __future__ import annotations

import argparse
import cProfile
import dataclasses
import datetime as dt
import gzip
import hashlib
import io
import json
import logging
import multiprocessing
import os
import platform
import pstats
import random
import re
import shutil
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from importlib import metadata
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

CORPUS = ROOT.parent / "shared" / "corpora" / "reuters21578.jsonl.gz"
CACHE = BENCH_DIR / ".cache"
RESULTS = BENCH_DIR / "results" / "query_latency.json"

#: bump when the way the benchmark builds its indexes changes (invalidates the cache)
BUILD_VERSION = 1
OR_SEED = 1515
OR_WORDS = 15
FUZZ_SEED = 4242
#: days added to copy k's date in the 5x corpus
SHIFT_DAYS = 30
QUERY_SEED = 1987
WARMUP_SEED = 21578
WARMUP_QUERIES = 30
#: issue 14's targets at ~100k articles: p95 per scenario, and the slowest fuzzed query
TARGET_P95_MS = {"b_full": 15.0, "c_place": 15.0, "c_person": 15.0, "e_page5": 15.0, "f_or15": 30.0}
TARGET_FUZZ_MAX_MS = 1000.0
#: ... and at ~1M articles (--sizes 50): full search p95
TARGET_P95_MS_1M = 100.0
#: source files whose changes may change the index: recorded, and warned about when they differ
FINGERPRINTED = (
    "search/backend.py", "search/documents.py", "search/clean.py", "search/extract.py", "search/ingest.py",
    "search/postings.py",
)
#: ... and the story step's (search/stories.py): a change re-runs only that step on the cached index
STORY_CODE = ("search/stories.py", "search/story_links.py", "search/story_state.py", "search/neardup.py")

SCENARIOS = {
    "a_search_only": "parse + Whoosh top-10 by relevance (no facets, no snippets)",
    "b_full": "NewsIndex.search: all facet counts, date histogram, 10 snippets",
    "b_collapse": "as b, collapsed by story (one hit per story, its other hits listed)",
    "c_place": "as b, with the most frequent place selected",
    "c_person": "as b, with the most frequent person selected",
    "d_browse": "empty query, newest first, all facets (the same request repeated)",
    "d_browse_collapse": "as d, collapsed by story",
    "e_page5": "as b, page 5 (hits 41-50)",
    "f_or15": f"as b, {OR_WORDS} title words joined by OR",
    "g_fuzz": "as b, fuzzed queries: wildcards, fuzzy terms, ranges, long ORs, phrases (errors count as answered)",
}
#: scenarios the peers run too, on the same query texts
PEER_SCENARIOS = {"a_search_only": "queries", "f_or15": "or_queries"}

log = logging.getLogger("bench.query_latency")


def _setup_logging() -> None:
    logging.basicConfig(
        level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(processName)s %(message)s", datefmt="%H:%M:%S"
    )


# --- the corpus ----------------------------------------------------------------------------------


def _reuters_codes(corpus: Path) -> dict[str, dict]:
    """Record id -> text_type and category codes, straight from the JSONL."""
    codes = {}
    with gzip.open(corpus, "rt", encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            codes[str(record["id"])] = {
                "text_type": record.get("text_type"),
                "people": record.get("people") or [],
                "orgs": record.get("orgs") or [],
                "places": record.get("places") or [],
            }
    return codes


def load_articles(corpus: Path) -> tuple[list, dict]:
    """The NORM articles (title and body) cleaned by the real extractor, with Reuters codes as entities."""
    from search.extract import extract_article
    from search.ingest import iter_records
    from search.models import Entities, Skipped

    codes = _reuters_codes(corpus)
    articles, failed, other = [], [], 0
    for record in iter_records([corpus]):
        if isinstance(record, Skipped):
            continue
        info = codes.get(record.id)
        if info is None or info["text_type"] != "NORM":
            other += 1
            continue
        try:
            article = extract_article(record)
        except Exception as error:  # as the indexer does: one bad article must not stop a corpus
            log.warning("could not clean %s: %s", record.path, error)
            failed.append(f"{record.id}: {type(error).__name__}: {error}")
            continue
        article.entities = Entities(people=info["people"], orgs=info["orgs"], places=info["places"])
        articles.append(article)
    return articles, {"norm_articles": len(articles), "extract_failed": failed, "other_records_left_out": other}


def _copy(article, k: int):
    """Copy ``k`` of an article for the 5x corpus: its own id and hash, its date ``k*30`` days later."""
    return dataclasses.replace(
        article,
        id=f"{article.id}~{k}",
        path=f"{article.path}~{k}",
        content_hash=hashlib.sha256(f"{article.content_hash}~{k}".encode()).hexdigest(),
        date=article.date + dt.timedelta(days=SHIFT_DAYS * k) if article.date else None,
    )


def build_params(copies: int, corpus: Path) -> dict:
    stat = corpus.stat()
    return {
        "build_version": BUILD_VERSION,
        "corpus": corpus.name,
        "corpus_bytes": stat.st_size,
        "text_type": "NORM",
        "copies": copies,
        "copy_variation": f"id '<id>~k', date + {SHIFT_DAYS}*k days" if copies > 1 else "none",
        "entities": "Reuters category codes: people->person, orgs->org, places->place",
        "writer": "documents.Writer(limitmb=256), one commit(merge=True)",
    }


def _fingerprint() -> dict[str, str]:
    return {name: hashlib.sha256((ROOT / name).read_bytes()).hexdigest()[:16] for name in FINGERPRINTED}


def _story_fingerprint() -> dict[str, str]:
    return {name: hashlib.sha256((ROOT / name).read_bytes()).hexdigest()[:16] for name in STORY_CODE}


def story_step(generation: Path, articles: list, cache_dir: Path) -> dict[str, float]:
    """Group the index's articles into stories as the indexer does, twice: with an empty signature
    cache (a first build) and with a warm one (a rebuild of unchanged articles: what a warm rebuild
    adds). Returns both times and the number of stories."""
    from search import stories

    shutil.rmtree(cache_dir, ignore_errors=True)
    times = {}
    for name in ("cold", "warm"):
        (generation / stories.STATE_FILE).unlink(missing_ok=True)
        started = time.perf_counter()
        count = stories.update_stories(generation, articles, [], cache_dir)
        times[f"stories_{name}"] = round(time.perf_counter() - started, 1)
        log.info("stories (%s signature cache): %d stories in %.1f s", name, count, times[f"stories_{name}"])
    return {**times, "stories": count}


def _tree_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def build_index(copies: int, corpus: str, rebuild: bool) -> dict:
    """Build (or reuse) the cached index for ``copies``; returns its build record. Runs in a child."""
    _setup_logging()
    from search import documents, snapshot
    from search.store import IndexFolder, write_meta

    corpus_path = Path(corpus)
    root = CACHE / f"reuters-x{copies}"
    record_file = CACHE / f"reuters-x{copies}.json"
    params = build_params(copies, corpus_path)
    if not rebuild and record_file.is_file() and IndexFolder(root).exists():
        record = json.loads(record_file.read_text(encoding="utf-8"))
        if record.get("params") == params:
            if record.get("code") != _fingerprint():
                log.warning("x%d: cached index was built by other search/ code: pass --rebuild to refresh it", copies)
            generation = IndexFolder(root).current()
            if record.get("snapshot_code") != _fingerprint():  # saved by other code, or never
                log.info("x%d: saving the facet cache and postings arrays of the cached index", copies)
                started = time.perf_counter()
                snapshot.save_snapshot(generation)
                record["seconds"]["snapshot"] = round(time.perf_counter() - started, 1)
                record["snapshot_code"] = _fingerprint()
                record["index_bytes"] = _tree_bytes(generation)
                record_file.write_text(json.dumps(record, indent=1), encoding="utf-8")
            if record.get("story_code") != _story_fingerprint():
                log.info("x%d: grouping the cached index's articles into stories", copies)
                articles = list(_copies(load_articles(corpus_path)[0], copies))
                record["story_step"] = story_step(generation, articles, root / "cache")
                record["story_code"] = _story_fingerprint()
                record_file.write_text(json.dumps(record, indent=1), encoding="utf-8")
            log.info("x%d: reusing %s (%d articles)", copies, root, record["articles"])
            return {**record, "reused": True}
        log.info("x%d: cached index has other parameters: rebuilding", copies)

    shutil.rmtree(root, ignore_errors=True)
    record_file.unlink(missing_ok=True)
    started = time.perf_counter()
    log.info("x%d: reading and cleaning %s", copies, corpus_path)
    articles, corpus_info = load_articles(corpus_path)
    extracted = time.perf_counter()
    log.info("x%d: %d articles cleaned in %.1f s", copies, len(articles), extracted - started)

    folder = IndexFolder(root)
    generation = folder.new_generation()
    documents.create(generation)
    writer = documents.Writer(generation)
    written = 0
    try:
        for article in _copies(articles, copies):
            writer.put(article)
            written += 1
            if written % 50_000 == 0:
                log.info("x%d: %d / %d documents added", copies, written, copies * len(articles))
        added = time.perf_counter()
        log.info("x%d: committing", copies)
        writer.commit()
    except BaseException:
        writer.cancel()
        raise
    committed = time.perf_counter()
    snapshot.save_snapshot(generation)  # facet cache and postings arrays, as the indexer saves them
    snapshotted = time.perf_counter()
    write_meta(generation, {"roots": [str(corpus_path)], "entities": False, "bench": params})
    story_times = story_step(generation, list(_copies(articles, copies)), root / "cache")
    folder.publish(generation)
    record = {
        "params": params,
        "code": _fingerprint(),
        "snapshot_code": _fingerprint(),
        "built": dt.datetime.now().isoformat(timespec="seconds"),
        "articles": documents.doc_count(generation),
        "corpus": corpus_info,
        "seconds": {
            "read_and_clean": round(extracted - started, 1),
            "add_documents": round(added - extracted, 1),
            "commit": round(committed - added, 1),
            "snapshot": round(snapshotted - committed, 1),
            "total": round(snapshotted - started, 1),
        },
        "story_step": story_times,
        "story_code": _story_fingerprint(),
        "index_bytes": _tree_bytes(generation),
        "index_files": sum(1 for p in generation.rglob("*") if p.is_file()),
        "path": str(root.relative_to(ROOT)),
    }
    CACHE.mkdir(parents=True, exist_ok=True)
    record_file.write_text(json.dumps(record, indent=1), encoding="utf-8")
    log.info("x%d: built in %.1f s, %.1f MB", copies, record["seconds"]["total"], record["index_bytes"] / 1e6)
    return {**record, "reused": False}


# --- queries -------------------------------------------------------------------------------------


def title_words(title: str, stop_words: frozenset[str]) -> list[str]:
    """Lowercased alphabetic words of at least 3 letters that are not stop words, first occurrence order."""
    words = re.findall(r"[a-z]+", title.lower())
    return list(dict.fromkeys(w for w in words if len(w) >= 3 and w not in stop_words))


def _titles(corpus: Path) -> list[list[str]]:
    from whoosh.analysis import STOP_WORDS

    titles = []
    with gzip.open(corpus, "rt", encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            if record.get("text_type") == "NORM" and record.get("title"):
                words = title_words(record["title"], STOP_WORDS)
                if words:
                    titles.append(words)
    return titles


def make_queries(corpus: Path, count: int, seed: int) -> list[str]:
    """``count`` queries: a seeded random title, then 1-3 of its words (so a query matches at least one article)."""
    titles = _titles(corpus)
    rng = random.Random(seed)
    queries = []
    for _ in range(count):
        words = rng.choice(titles)
        chosen = sorted(rng.sample(range(len(words)), min(len(words), rng.randint(1, 3))))
        queries.append(" ".join(words[i] for i in chosen))
    return queries


def make_or_queries(corpus: Path, count: int, seed: int, words: int = OR_WORDS) -> list[str]:
    """``count`` queries of ``words`` title words (from random titles) joined by OR."""
    vocabulary = sorted({word for title in _titles(corpus) for word in title})
    rng = random.Random(seed)
    return [" OR ".join(rng.sample(vocabulary, words)) for _ in range(count)]


def make_fuzz_queries(corpus: Path, count: int, seed: int) -> list[str]:
    """Queries a careless or hostile user might type: wildcards anywhere, fuzzy terms with any
    distance and prefix, term and date ranges, long ORs, phrases with slop, NOT, odd punctuation."""
    vocabulary = sorted({word for title in _titles(corpus) for word in title})
    rng = random.Random(seed)
    letters = "abcdefghijklmnopqrstuvwxyz"

    def word() -> str:
        return rng.choice(vocabulary)

    makers = [
        lambda: word()[: rng.randint(2, 4)] + "*",
        lambda: "*" + word()[-rng.randint(2, 4):],
        lambda: "*" + word()[1:3] + "*",
        lambda: (lambda w: w[:2] + "?" + w[3:5] + "*")(word()),
        lambda: f"{word()}~{rng.randint(1, 9)}",
        lambda: f"{word()}~{rng.randint(1, 9)}/{rng.randint(0, 2)}",
        lambda: f"{rng.choice(['title', 'body'])}:[{rng.choice(letters)} TO {rng.choice(letters)}]",
        lambda: f"[{word()[:2]} TO {word()[:3]}]",
        lambda: " OR ".join(word() for _ in range(rng.randint(15, 40))),
        lambda: " ".join(f"{word()[:3]}*" for _ in range(rng.randint(2, 5))),
        lambda: f'"{word()} {word()}"' + (f"~{rng.randint(2, 9)}" if rng.random() < 0.5 else ""),
        lambda: f"{word()} -{word()} OR {word()[:3]}* AND NOT {word()}~2",
        lambda: f"date:[1987{rng.randint(1, 12):02d}01 TO 1988{rng.randint(1, 12):02d}01] {word()}*",
        lambda: rng.choice(["*:*", "((", ")", '"', "title:", "AND OR NOT", "~~", "-", "[a TO"]) + word(),
    ]
    return [rng.choice(makers)() for _ in range(count)]


# --- measuring -----------------------------------------------------------------------------------


def _status_kb(field: str) -> int:
    with open("/proc/self/status", encoding="ascii") as handle:
        for line in handle:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def rss_mb() -> dict[str, float]:
    return {"rss_mb": round(_status_kb("VmRSS") / 1024, 1), "peak_rss_mb": round(_status_kb("VmHWM") / 1024, 1)}


def summarize(times_ms: list[float]) -> dict:
    import numpy as np

    values = np.asarray(times_ms)
    p50, p95, p99 = np.percentile(values, [50, 95, 99])
    return {
        "n": len(values),
        "p50_ms": round(float(p50), 2),
        "p95_ms": round(float(p95), 2),
        "p99_ms": round(float(p99), 2),
        "max_ms": round(float(values.max()), 2),
        "mean_ms": round(float(values.mean()), 2),
    }


def measure(copies: int, texts: dict[str, list[str]], warmup: list[str], profile: str | None) -> dict:
    """Open the cached index in a fresh process and time every scenario. Runs in a child."""
    _setup_logging()
    rss_start = rss_mb()
    from search import Filters, QueryError, open_index

    queries = texts["queries"]

    rss_imported = rss_mb()
    root = CACHE / f"reuters-x{copies}"
    started = time.perf_counter()
    ix = open_index(root)
    open_ms = (time.perf_counter() - started) * 1000
    rss_opened = rss_mb()

    started = time.perf_counter()
    ix.search(warmup[0])
    cold_ms = (time.perf_counter() - started) * 1000
    started = time.perf_counter()
    ix.search(warmup[0])
    same_again_ms = (time.perf_counter() - started) * 1000
    rss_first = rss_mb()
    log.info("x%d: open %.0f ms, cold first search %.0f ms (same query again %.1f ms)",
             copies, open_ms, cold_ms, same_again_ms)
    started = time.perf_counter()
    ix.search(warmup[0], collapse=True)  # reads the story state, maps documents to stories
    first_collapse_ms = (time.perf_counter() - started) * 1000
    log.info("x%d: first collapsed search %.0f ms", copies, first_collapse_ms)
    for text in warmup:
        ix.search(text)
        ix.search(text, collapse=True)

    # the most frequent value of each facet, from the index itself
    top = {name: max(ix.entities(name), key=lambda e: e.articles) for name in ("place", "person")}
    searcher = ix._current()  # the backend searcher, for the search-only baseline

    def search_only(text: str) -> None:
        matches = searcher.matches(searcher.parse(text))
        searcher.ranked(matches, searcher.base_mask(matches), "relevance", 0, 10)

    def answered(text: str):
        try:
            return ix.search(text)
        except QueryError as error:  # refused with a message (malformed, or too broad): answered
            return error

    runs = {
        "a_search_only": (queries, search_only),
        "b_full": (queries, lambda t: ix.search(t)),
        "b_collapse": (queries, lambda t: ix.search(t, collapse=True)),
        "c_place": (queries, lambda t: ix.search(t, Filters(facets={"place": [top["place"].name]}))),
        "c_person": (queries, lambda t: ix.search(t, Filters(facets={"person": [top["person"].name]}))),
        "d_browse": ([""] * len(queries), lambda t: ix.search(t, sort="newest")),
        "d_browse_collapse": ([""] * len(queries), lambda t: ix.search(t, sort="newest", collapse=True)),
        "e_page5": (queries, lambda t: ix.search(t, page=5)),
        "f_or15": (texts["or_queries"], lambda t: ix.search(t)),
        "g_fuzz": (texts["fuzz_queries"], answered),
    }
    results = {}
    for name, (texts, call) in runs.items():
        if profile and name != profile:
            continue
        times, zero, suggested, slowest, refused = [], 0, 0, [], []
        profiler = cProfile.Profile() if profile else None
        for text in texts:
            if profiler:
                profiler.enable()
            t0 = time.perf_counter()
            out = call(text)
            elapsed = (time.perf_counter() - t0) * 1000
            if profiler:
                profiler.disable()
            times.append(elapsed)
            if isinstance(out, QueryError):
                refused.append(type(out).__name__)
            total = getattr(out, "total", None)
            zero += total == 0
            suggested += total is not None and total < 3 and bool(text)
            slowest.append((elapsed, text, total))
        summary = summarize(times)
        summary["zero_hit_queries"] = zero
        summary["refused"] = {kind: refused.count(kind) for kind in sorted(set(refused))}
        summary["over_1s"] = sum(ms > 1000 for ms in times)
        # below 3 hits NewsIndex.search also runs the spelling suggester: the rest, measured apart
        summary["below_3_hits_queries"] = suggested
        rest = [ms for ms, text, total in slowest if not (text and total is not None and total < 3)]
        if suggested and rest:
            summary["without_below_3_hits"] = summarize(rest)
        summary["slowest"] = [
            {"ms": round(ms, 1), "query": text, "total": total} for ms, text, total in sorted(slowest, reverse=True)[:5]
        ]
        results[name] = summary
        log.info("x%d %-14s p50 %6.1f  p95 %6.1f  p99 %6.1f  max %6.1f ms", copies, name,
                 summary["p50_ms"], summary["p95_ms"], summary["p99_ms"], summary["max_ms"])
        if profiler:
            buffer = io.StringIO()
            stats = pstats.Stats(profiler, stream=buffer).strip_dirs().sort_stats("cumulative")
            stats.print_stats(35)
            stats.sort_stats("tottime").print_stats(25)
            summary["profile"] = buffer.getvalue()
    return {
        "articles": ix.info().articles,
        "open_ms": round(open_ms, 1),
        "cold_first_search_ms": round(cold_ms, 1),
        "first_collapsed_search_ms": round(first_collapse_ms, 1),
        "cold_query": warmup[0],
        "same_query_warm_ms": round(same_again_ms, 1),
        "filters": {"place": top["place"].name, "person": top["person"].name},
        "filter_articles": {"place": top["place"].articles, "person": top["person"].articles},
        "memory": {
            "after_imports": rss_imported,
            "after_open_index": rss_opened,
            "after_first_search": rss_first,
            "after_run": rss_mb(),
            "process_start": rss_start,
        },
        "scenarios": results,
    }


def measure_peers(copies: int, texts: dict[str, list[str]]) -> dict:
    """Build (once) and time the peers on the same query texts. Runs in a child."""
    _setup_logging()
    import peers

    build = peers.build_all(CACHE, copies, lambda: _copies(load_articles(CORPUS)[0], copies))
    results: dict = {"build": build}
    for peer in peers.open_all(CACHE, copies):
        for text in texts["queries"][:WARMUP_QUERIES]:
            peer.search(text)
        for scenario, key in PEER_SCENARIOS.items():
            times, found = [], 0
            for text in texts[key]:
                t0 = time.perf_counter()
                found += peer.search(text) > 0
                times.append((time.perf_counter() - t0) * 1000)
            results.setdefault(peer.name, {})[scenario] = {**summarize(times), "queries_with_hits": found}
            log.info("x%d %-12s %-14s p50 %6.1f  p95 %6.1f ms", copies, peer.name, scenario,
                     results[peer.name][scenario]["p50_ms"], results[peer.name][scenario]["p95_ms"])
    results["memory"] = rss_mb()
    return results


def _copies(articles: list, copies: int):
    """The corpus at ``copies`` times its size (copy k of each article in turn)."""
    for k in range(copies):
        for article in articles:
            yield _copy(article, k) if copies > 1 else article


# --- reporting -----------------------------------------------------------------------------------


def machine_info() -> dict:
    return {
        "cpu_count": os.cpu_count(),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "python": platform.python_version(),
        "platform": platform.platform(),
        "whoosh3": metadata.version("whoosh3"),
        "numpy": metadata.version("numpy"),
        "date": dt.datetime.now().isoformat(timespec="seconds"),
    }


def _flag(size: int, name: str, summary: dict) -> str:
    if name == "g_fuzz":
        return " > target (max)" if summary["max_ms"] > TARGET_FUZZ_MAX_MS else ""
    target = TARGET_P95_MS_1M if size >= 40 and name in TARGET_P95_MS else TARGET_P95_MS.get(name)
    return " > target" if target is not None and summary["p95_ms"] > target else ""


def table(report: dict) -> str:
    lines = [
        f"{'size':>4} {'articles':>9} {'engine / scenario':<26} {'p50':>7} {'p95':>7} {'p99':>7} {'max':>7} "
        f"{'<3 hits':>8} {'p95 rest':>9}  (ms; 'rest' = queries with >= 3 hits, no suggester)",
    ]
    for size, entry in report["sizes"].items():
        run = entry["run"]
        for name, s in run["scenarios"].items():
            rest = s.get("without_below_3_hits", s)
            lines.append(f"{size:>4} {run['articles']:>9,} {'dateline ' + name:<26} {s['p50_ms']:>7.1f} "
                         f"{s['p95_ms']:>7.1f} {s['p99_ms']:>7.1f} {s['max_ms']:>7.1f} "
                         f"{s['below_3_hits_queries']:>8} {rest['p95_ms']:>9.1f}{_flag(int(size[:-1]), name, s)}")
        for peer, scenarios in entry.get("peers", {}).items():
            if peer in {"build", "memory"}:
                continue
            for name, s in scenarios.items():
                lines.append(f"{size:>4} {run['articles']:>9,} {peer + ' ' + name:<26} {s['p50_ms']:>7.1f} "
                             f"{s['p95_ms']:>7.1f} {s['p99_ms']:>7.1f} {s['max_ms']:>7.1f}")
    lines.append("")
    lines.append(f"{'size':>4} {'build s':>8} {'arrays s':>9} {'index MB':>9} {'open ms':>8} {'cold 1st ms':>12} "
                 f"{'RSS open MB':>12} {'RSS end MB':>11} {'peak MB':>8} {'fuzz refused':>13} {'fuzz >1s':>9}")
    for size, entry in report["sizes"].items():
        build, run = entry["build"], entry["run"]
        memory = run["memory"]
        fuzz = run["scenarios"].get("g_fuzz", {})
        lines.append(
            f"{size:>4} {build['seconds']['total']:>8.0f} {build['seconds'].get('snapshot', 0):>9.1f} "
            f"{build['index_bytes'] / 1e6:>9.0f} {run['open_ms']:>8.1f} "
            f"{run['cold_first_search_ms']:>12.0f} {memory['after_open_index']['rss_mb']:>12.0f} "
            f"{memory['after_run']['rss_mb']:>11.0f} {memory['after_run']['peak_rss_mb']:>8.0f} "
            f"{sum(fuzz.get('refused', {}).values()):>13} {fuzz.get('over_1s', 0):>9}"
        )
    lines.append("")
    lines.append(f"{'size':>4} {'stories':>8} {'story step warm s':>18} {'cold s':>7} {'build s':>8} "
                 f"{'added to rebuild':>17} {'1st collapsed ms':>17} {'p95 collapse - p95 flat (b, d) ms':>34}")
    for size, entry in report["sizes"].items():
        build, run = entry["build"], entry["run"]
        step, scenarios = build.get("story_step"), run["scenarios"]
        if not step:
            continue
        added = {n: scenarios[f"{n}_collapse"]["p95_ms"] - scenarios[flat]["p95_ms"]
                 for n, flat in (("b", "b_full"), ("d_browse", "d_browse")) if f"{n}_collapse" in scenarios}
        lines.append(
            f"{size:>4} {step['stories']:>8,} {step['stories_warm']:>18.1f} {step['stories_cold']:>7.1f} "
            f"{build['seconds']['total']:>8.0f} {step['stories_warm'] / build['seconds']['total']:>16.1%} "
            f"{run.get('first_collapsed_search_ms', 0):>17.0f} "
            f"{', '.join(f'{v:+.2f}' for v in added.values()):>34}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1,5", help="corpus multiples to measure, comma-separated (default 1,5)")
    parser.add_argument("--queries", type=int, default=300, help="queries per scenario (default 300)")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the cached indexes")
    parser.add_argument("--fuzz", type=int, default=2000, help="fuzzed queries in g_fuzz (default 2000)")
    parser.add_argument("--no-peers", action="store_true", help="skip SQLite FTS5 and Tantivy")
    parser.add_argument("--out", type=Path, default=RESULTS, help=f"result file (default {RESULTS.relative_to(ROOT)})")
    parser.add_argument("--profile", choices=sorted(SCENARIOS), help="cProfile one scenario and print the top "
                        "functions (results are then not written: profiling distorts the timings)")
    args = parser.parse_args(argv)
    _setup_logging()
    if not CORPUS.is_file():
        print(f"The Reuters corpus is missing: expected {CORPUS} (see ../shared/README.md). Nothing measured.",
              file=sys.stderr)
        return 2
    try:
        sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    except ValueError:
        parser.error(f"--sizes takes comma-separated whole numbers such as 1,5, not {args.sizes!r}")
    if not sizes or min(sizes) < 1 or args.queries < 1:
        parser.error("--sizes and --queries must be positive")

    report = {
        "machine": machine_info(),
        "parameters": {
            "sizes": sizes,
            "queries": args.queries,
            "query_seed": QUERY_SEED,
            "query_recipe": "a seeded random NORM title, 1-3 of its lowercased alphabetic words "
            "(>= 3 letters, not Whoosh stop words), in title order",
            "warmup_queries": WARMUP_QUERIES,
            "per_page": 10,
            "percentiles": "numpy linear interpolation",
            "target_p95_ms": TARGET_P95_MS,
            "target_fuzz_max_ms": TARGET_FUZZ_MAX_MS,
            "target_p95_ms_1m": TARGET_P95_MS_1M,
            "scenarios": SCENARIOS,
        },
        "sizes": {},
    }
    queries = make_queries(CORPUS, args.queries, QUERY_SEED)
    warmup = make_queries(CORPUS, WARMUP_QUERIES, WARMUP_SEED)
    texts = {
        "queries": queries,
        "or_queries": make_or_queries(CORPUS, args.queries, OR_SEED),
        "fuzz_queries": make_fuzz_queries(CORPUS, args.fuzz, FUZZ_SEED),
    }
    report["parameters"]["first_queries"] = queries[:10]
    context = multiprocessing.get_context("spawn")
    for size in sizes:
        with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
            build = pool.submit(build_index, size, str(CORPUS), args.rebuild).result()
        with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
            run = pool.submit(measure, size, texts, warmup, args.profile).result()
        report["sizes"][f"{size}x"] = {"build": build, "run": run}
        if not args.profile and not args.no_peers:
            with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
                report["sizes"][f"{size}x"]["peers"] = pool.submit(measure_peers, size, texts).result()
        if args.profile:
            print(f"--- x{size} {args.profile}: cProfile ---")
            print(run["scenarios"][args.profile].pop("profile"))
    report["machine"]["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    print(table(report))
    if args.profile:
        return 0
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.out.with_name(args.out.name + ".tmp")
    tmp.write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, args.out)
    log.info("wrote %s", args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
