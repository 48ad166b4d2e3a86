"""The warm entity pass (:func:`search.entity_pass.annotate` with the mention and parse caches
full: what a ``dateline index --rebuild`` spends on entities) of this checkout against a git
revision, on the same Reuters articles and mentions, in one run — and whether both give the same
entities. ``--rebuild``: whole warm ``index --rebuild`` runs instead (every cache full), with the
entity pass inside them timed.

Each code runs in its own subprocess (``PYTHONPATH`` = its source tree; the revision's ``search``
is exported with ``git archive``) with its own copy of the caches: the parse and cleaned-article
caches are versioned by the source, so shared ones would be re-filled by each. One untimed call
fills them, then the two codes take turns, ``--rounds`` times, one timed call each (wall and CPU
seconds of the process, and the wall seconds of ``annotate``). Every call of both codes must give
the same per-article people / orgs / places / mentioned dates and surface forms, compared as JSON
bytes; the first call (a cold parse) too.

    .venv/bin/python bench/entity_pass.py                          # 5,000 articles against main
    .venv/bin/python bench/entity_pass.py --limit 0 --against HEAD~3 --aliases my-aliases.toml
    .venv/bin/python bench/entity_pass.py --rebuild --out bench/results/entity_pass_rebuild.json

Mentions come from ``bench/.cache/entity-pass/mentions.sqlite`` (NER runs once, on a pool, for
the texts not in it). Prints a table and writes bench/results/entity_pass.json (date, machine,
load average). Exit 1 if the entities differ.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import pickle
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from machine import export_search, load_average, machine

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "bench" / ".cache" / "entity-pass"
RESULTS = ROOT / "bench" / "results" / "entity_pass.json"


def _articles(limit: int, folder: Path) -> tuple[list, Path]:
    from ner import subset

    from search.extract import extract_article
    from search.ingest import iter_records
    from search.models import SourceRecord

    corpus = subset(limit, folder)
    return [extract_article(r) for r in iter_records([corpus]) if isinstance(r, SourceRecord)], corpus


def _fill_mentions(articles: list) -> None:
    """NER for the texts the bench's mention cache lacks, on one process per core."""
    from search.compute import LocalProcesses
    from search.entities import mentions_for
    from search.mentions_cache import MentionCache

    CACHE.mkdir(parents=True, exist_ok=True)
    pool = LocalProcesses()
    try:
        with MentionCache(CACHE / "mentions.sqlite") as cache:
            mentions_for(articles, cache, pool=pool)
    finally:
        pool.close()


def worker(work: Path, out: Path, aliases: Path | None, rebuild: bool) -> None:
    """One annotate() of the pickled articles — or, with ``rebuild``, one ``index --rebuild`` of
    the corpus file, timing the annotate() inside it — with the ``search`` on ``sys.path``:
    times to ``out``, the entities and surface forms as JSON beside it."""
    import search.entity_pass

    annotate = search.entity_pass.annotate
    seen: dict = {}

    def timed(changed: list, unchanged: list, *args):
        start = time.perf_counter()
        refreshed, seen["meta"] = annotate(changed, unchanged, *args)
        seen["annotate"], seen["articles"] = time.perf_counter() - start, [*changed, *unchanged]
        return refreshed, seen["meta"]

    wall, cpu = time.perf_counter(), time.process_time()
    if rebuild:
        from search import index_corpus

        search.entity_pass.annotate = timed  # the indexer imports it when it runs
        index_corpus(work / "index", [work / "corpus.jsonl"], rebuild=True, aliases=aliases)
    else:
        timed(pickle.loads((work / "articles.pickle").read_bytes()), [], work / "index" / "cache", aliases)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    entities = {a.id: dataclasses.asdict(a.entities) for a in seen["articles"]}
    out.with_suffix(".entities.json").write_text(json.dumps([entities, seen["meta"]], ensure_ascii=False),
                                                 encoding="utf-8")
    out.write_text(json.dumps({"wall": wall, "cpu": cpu, "annotate": seen["annotate"]}), encoding="utf-8")


def _call(code: Path, work: Path, name: str, args: argparse.Namespace) -> tuple[dict, bytes]:
    """A worker run of ``code`` on ``work``: its times, and its entities as JSON bytes."""
    out = work / f"{name}.json"
    command = [sys.executable, __file__, "--worker", str(work), str(out)]
    command += (["--aliases", str(args.aliases)] if args.aliases else []) + (["--rebuild"] if args.rebuild else [])
    subprocess.run(command, env={**os.environ, "PYTHONPATH": str(code)}, check=True, cwd=work)
    return json.loads(out.read_text(encoding="utf-8")), out.with_suffix(".entities.json").read_bytes()


def _difference(first: bytes, second: bytes) -> str:
    (a, a_forms), (b, b_forms) = json.loads(first), json.loads(second)
    ids = [i for i in a if a[i] != b.get(i)]
    if ids:
        return f"{len(ids)} articles differ, e.g. {ids[0]}: {a[ids[0]]} against {b.get(ids[0])}"
    return "the surface forms differ" if a_forms != b_forms else "the order of the JSON differs"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--limit", type=int, default=5000, help="first N Reuters articles with text; 0 for all")
    parser.add_argument("--against", default="main", help="git revision to compare with (default: main)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--aliases", type=Path, help="an aliases file both codes resolve with")
    parser.add_argument("--rebuild", action="store_true",
                        help="time whole `index --rebuild` runs (every cache warm) instead of the entity pass alone")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--worker", nargs=2, type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(*args.worker, args.aliases, args.rebuild)
        return 0

    started, load_start = datetime.now(UTC), load_average()
    revision = subprocess.run(["git", "rev-parse", "--short", args.against], cwd=ROOT, check=True,
                              capture_output=True, text=True).stdout.strip()
    with tempfile.TemporaryDirectory(prefix="entity-pass-") as tmp:
        folder = Path(tmp)
        articles, corpus = _articles(args.limit, folder)
        _fill_mentions(articles)
        against = export_search(revision, folder / "against")
        codes = {f"{args.against} ({revision})": against, "this checkout": ROOT}
        works = {name: folder / f"code{n}" for n, name in enumerate(codes)}
        runs: dict[str, list[dict]] = {name: [] for name in codes}
        outputs: dict[str, bytes] = {}  # call -> its entities as JSON
        for name, code in codes.items():
            (works[name] / "index" / "cache").mkdir(parents=True)
            shutil.copy(CACHE / "mentions.sqlite", works[name] / "index" / "cache" / "mentions.sqlite")
            (works[name] / "articles.pickle").write_bytes(pickle.dumps(articles))
            shutil.copy(corpus, works[name] / "corpus.jsonl")
            outputs[f"{name}, cold parse"] = _call(code, works[name], "cold", args)[1]  # fills the caches
        for round_ in range(args.rounds):
            for name, code in codes.items():
                result, outputs[f"{name}, warm {round_ + 1}"] = _call(code, works[name], f"warm{round_}", args)
                runs[name].append(result)
                print(f"{name:28s} wall {result['wall']:6.2f} s  CPU {result['cpu']:6.2f} s  "
                      f"annotate {result['annotate']:6.2f} s  load {load_average()[0]}", flush=True)
    first = next(iter(outputs))
    different = [call for call, output in outputs.items() if output != outputs[first]]
    for call in different:
        print(f"DIFFERENT ENTITIES: {call} against {first}: {_difference(outputs[first], outputs[call])}")

    best = {name: {k: min(r[k] for r in results) for k in ("wall", "cpu", "annotate")}
            for name, results in runs.items()}
    base, mine = (best[name] for name in codes)
    what = "warm `index --rebuild`" if args.rebuild else "warm entity pass (annotate)"
    print(f"\n{what}, {len(articles):,} Reuters articles, best of {args.rounds}")
    print(f"{'code':28s} {'wall s':>7s} {'CPU s':>7s} {'articles/s':>11s} {'annotate s':>11s}")
    for name, b in best.items():
        print(f"{name:28s} {b['wall']:7.2f} {b['cpu']:7.2f} {len(articles) / b['wall']:11,.0f} {b['annotate']:11.2f}")
    print(f"speed-up (this checkout): {base['wall'] / mine['wall']:.2f}x wall, {base['cpu'] / mine['cpu']:.2f}x CPU, "
          f"{base['annotate'] / mine['annotate']:.2f}x annotate")
    print(f"entities and surface forms identical in all {len(outputs)} calls: {'no' if different else 'yes'}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({
        "benchmark": "entity_pass", "rebuild": args.rebuild, "date": started.isoformat(timespec="seconds"),
        "articles": len(articles),
        "against": revision, "aliases": str(args.aliases) if args.aliases else None, "rounds": runs,
        "best": best, "identical": not different, "machine": machine(load_start),
    }, indent=2) + "\n", encoding="utf-8")
    return 1 if different else 0


if __name__ == "__main__":
    sys.exit(main())
