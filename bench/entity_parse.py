"""CPU of the per-article entity parse (:func:`search.entity_parse.parse_batch`: mentions cleaned,
organisation names by shape, mentioned dates, the text's word counts) of this checkout against a
git revision, on all Reuters articles with text plus seeds/, in one run — and whether both give the
same output, article by article.

This is the step a cold ``dateline index`` runs on its workers for every article (the parse
cache only helps later builds). Each code runs in its own subprocess (``PYTHONPATH`` = its
source tree; the revision's ``search`` is exported with ``git archive``), on the same pickled
``(article, mentions)`` pairs, in the indexer's batches (:data:`PARSE_BATCH`) with a fresh
process each call, as a worker starts. The codes take turns, ``--rounds`` times; a call's time
is the CPU seconds (``time.process_time``) of the ``parse_batch`` calls alone. Every call's
output is compared with the revision's first one per article: as pickle bytes, and where those
differ, by value (every field of every item, the dates, the word lists; then as pickles without
memo, so that strings shared between items or not make no difference); the first difference is
shown (article id, field, both values).

    .venv/bin/python bench/entity_parse.py                                 # against main
    .venv/bin/python bench/entity_parse.py --against HEAD~2 --aliases my-aliases.toml
    .venv/bin/python bench/entity_parse.py --save out.pickle               # this checkout's output
    .venv/bin/python bench/entity_parse.py --compare out.pickle --rounds 1 # ... against a saved one
    .venv/bin/python bench/entity_parse.py --profile                       # + cProfile of this checkout

Mentions come from ``bench/.cache/entity-pass/mentions.sqlite`` (shared with
``bench/entity_pass.py``; NER runs once, on a pool, for the texts not in it; ``--mentions FILE``
seeds it from another mention cache of the same pipeline). Prints a table and writes
bench/results/entity_parse.json (date, machine, load average). Exit 1 if the outputs differ.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pickle
import pstats
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from entity_pass import CACHE, _articles, _fill_mentions
from machine import export_search, load_average, machine

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
RESULTS = ROOT / "bench" / "results" / "entity_parse.json"


def _docs(folder: Path) -> list:
    """``(article, mentions)`` of every Reuters article with text and every seed article."""
    from search.entities import mentions_for
    from search.extract import extract_article
    from search.ingest import iter_records
    from search.mentions_cache import MentionCache
    from search.models import SourceRecord

    articles = _articles(0, folder)[0]
    articles += [extract_article(r) for r in iter_records([SEEDS]) if isinstance(r, SourceRecord)]
    _fill_mentions(articles)
    with MentionCache(CACHE / "mentions.sqlite") as cache:
        mentions = mentions_for(articles, cache)
    return list(zip(articles, mentions, strict=True))


def worker(docs_path: Path, out: Path, aliases_path: Path | None, profile: Path | None) -> None:
    """``parse_batch`` over the pickled docs in the indexer's batches, with the ``search`` on
    ``sys.path``: CPU seconds to ``out``, the pickled output of each article beside it."""
    from search.compute import batched
    from search.entity_aliases import Aliases, load_aliases
    from search.entity_resolve import PARSE_BATCH, parse_batch

    docs = pickle.loads(docs_path.read_bytes())
    aliases = load_aliases(aliases_path) if aliases_path else Aliases()
    batches = list(batched(docs, PARSE_BATCH))
    profiler = cProfile.Profile() if profile else None
    results = []
    cpu = time.process_time()
    if profiler:
        profiler.enable()
    for batch in batches:
        results.extend(parse_batch(list(batch), aliases))
    if profiler:
        profiler.disable()
        profiler.dump_stats(profile)
    cpu = time.process_time() - cpu
    out.with_suffix(".pickle").write_bytes(pickle.dumps([pickle.dumps(r) for r in results]))
    out.write_text(json.dumps({"cpu": cpu}), encoding="utf-8")


def _call(code: Path, work: Path, name: str, args: argparse.Namespace, profile: Path | None = None) \
        -> tuple[float, list[bytes]]:
    out = work / f"{name}.json"
    command = [sys.executable, __file__, "--worker", str(work / "docs.pickle"), str(out)]
    command += ["--aliases", str(args.aliases)] if args.aliases else []
    command += ["--profile-to", str(profile)] if profile else []
    subprocess.run(command, env={**os.environ, "PYTHONPATH": str(code)}, check=True, cwd=work)
    return json.loads(out.read_text())["cpu"], pickle.loads(out.with_suffix(".pickle").read_bytes())


def _by_value(value: object) -> bytes:
    """Pickle bytes that depend on the values alone: no memo, so an object referenced twice is
    written twice (the outputs hold no cycles)."""
    out = io.BytesIO()
    pickler = pickle.Pickler(out)
    pickler.fast = True
    pickler.dump(value)
    return out.getvalue()


def first_difference(docs: list, reference: list[bytes], output: list[bytes]) -> tuple[str | None, int]:
    """The first article whose output differs from the reference's, or ``None``; and how many
    articles pickle to other bytes with the same values (strings shared between items or not)."""
    if len(reference) != len(output):
        return f"{len(output)} articles against {len(reference)}", 0
    shared = 0
    for (article, _), ref, out in zip(docs, reference, output, strict=True):
        if ref == out:
            continue
        (ref_items, ref_dates, ref_words), (items, dates, words) = pickle.loads(ref), pickle.loads(out)
        if ref_dates != dates:
            return f"{article.id}: dates {ref_dates} against {dates}", shared
        if ref_words != words:
            field = next(f for f in ref_words._fields if getattr(ref_words, f) != getattr(words, f))
            return f"{article.id}: words.{field} differ", shared
        if ref_items != items:
            pairs = [(a, b) for a, b in zip(ref_items, items, strict=False) if a != b]
            a, b = pairs[0] if pairs else (len(ref_items), len(items))
            return f"{article.id}: item {a} against {b}", shared
        if _by_value(pickle.loads(ref)) != _by_value(pickle.loads(out)):
            return f"{article.id}: equal values but other types or order", shared
        shared += 1
    return None, shared


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--against", default="main", help="git revision to compare with (default: main)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--aliases", type=Path, help="an aliases file both codes parse with")
    parser.add_argument("--mentions", type=Path, help="a mention cache to seed the bench's from")
    parser.add_argument("--save", type=Path, help="write this checkout's output (pickle) here")
    parser.add_argument("--compare", type=Path, help="compare every output with this saved one too")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of this checkout's step")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--worker", nargs=2, type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--profile-to", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(*args.worker, args.aliases, args.profile_to)
        return 0

    started, load_start = datetime.now(UTC), load_average()
    if args.mentions and not (CACHE / "mentions.sqlite").exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        shutil.copy(args.mentions, CACHE / "mentions.sqlite")
    revision = subprocess.run(["git", "rev-parse", "--short", args.against], cwd=ROOT, check=True,
                              capture_output=True, text=True).stdout.strip()
    with tempfile.TemporaryDirectory(prefix="entity-parse-") as tmp:
        work = Path(tmp)
        docs = _docs(work)
        (work / "docs.pickle").write_bytes(pickle.dumps(docs))
        against = export_search(revision, work / "against")
        codes = {f"{args.against} ({revision})": against, "this checkout": ROOT}
        runs: dict[str, list[float]] = {name: [] for name in codes}
        outputs: dict[str, list[bytes]] = {}
        if args.compare:
            outputs[f"saved {args.compare.name}"] = pickle.loads(args.compare.read_bytes())
        for round_ in range(args.rounds):
            for n, (name, code) in enumerate(codes.items()):
                cpu, outputs[f"{name}, call {round_ + 1}"] = _call(code, work, f"code{n}-{round_}", args)
                runs[name].append(cpu)
                print(f"{name:28s} CPU {cpu:6.2f} s  load {load_average()[0]}", flush=True)
        if args.profile:
            _call(ROOT, work, "profile", args, work / "profile.prof")
            pstats.Stats(str(work / "profile.prof")).sort_stats("tottime").print_stats(25)
    mine = outputs[f"this checkout, call {args.rounds}"]
    if args.save:
        args.save.write_bytes(pickle.dumps(mine))
    first = next(iter(outputs))
    compared = {call: first_difference(docs, outputs[first], output) for call, output in outputs.items()}
    differences = {call: diff for call, (diff, _) in compared.items() if diff}
    for call, diff in differences.items():
        print(f"DIFFERENT OUTPUT: {call} against {first}: {diff}")
    shared = max(n for _, n in compared.values())

    best = {name: min(cpus) for name, cpus in runs.items()}
    base, new = (best[name] for name in codes)
    print(f"\nper-article entity parse (parse_batch), {len(docs):,} articles (Reuters + seeds), "
          f"aliases {args.aliases or 'none'}, best of {args.rounds}")
    print(f"{'code':28s} {'CPU s':>7s} {'articles/CPU-s':>15s}")
    for name, cpu in best.items():
        print(f"{name:28s} {cpu:7.2f} {len(docs) / cpu:15,.0f}")
    print(f"CPU ratio (this checkout / {args.against}): {new / base:.2f} ({base / new:.2f}x less)")
    print(f"output identical (values, every article) in all {len(outputs)} calls: "
          f"{'no' if differences else 'yes'} ({len(docs):,} articles; {len(docs) - shared:,} of them "
          f"to the pickle byte, the others' pickles share more strings)")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({
        "benchmark": "entity_parse", "date": started.isoformat(timespec="seconds"), "articles": len(docs),
        "against": revision, "aliases": str(args.aliases) if args.aliases else None, "rounds": runs,
        "best_cpu_seconds": best, "ratio": round(new / base, 3), "identical": not differences,
        "identical_pickle_bytes": len(docs) - shared,
        "machine": machine(load_start),
    }, indent=2) + "\n", encoding="utf-8")
    return 1 if differences else 0


if __name__ == "__main__":
    sys.exit(main())
