"""CPU seconds of a cleaning worker's step in a first build, on all of Reuters-21578, and a check
that its output stays the same.

The step is :func:`search.indexer.clean_for_index` with analysis and no signature cache (what a
worker does per batch of records in a first ``dateline index``): cleaning
(:func:`search.extract.extract_batch`), the body fingerprint (:func:`search.neardup.fingerprint`
and its cache row) and the analysis of title and body (:func:`search.documents.analyse`). It runs
in this one process over the Reuters articles with text, in the indexer's batches of 64, each batch's
output let go as a worker sends it away; the same three parts are then timed one by one on the
same records. What was there before a timing (the records) is frozen out of garbage collection.

The analyses of the first ``--whoosh N`` Reuters articles (1,000; 0: all) are checked against
the schema's own Whoosh analyser too (terms, frequencies, weights, encoded positions, field
length, spelling words). ``--against REV`` times the whole step of this checkout and of a git
revision (its ``search`` imported beside this one) taking turns batch by batch in one process, the
only comparison that holds on a loaded machine. ``--save FILE`` pickles the step's whole output — every article (each
field), fingerprint, cache row and analysis — for Reuters and for the other test texts (seeds/, the HTML pages and
texts of bench/html/, tests/data/); ``--compare FILE`` checks a run's output against such a file,
article by article, and reports the first difference. The analyses are compared decoded, with
their spelling lists (made from a set, so their order follows the string hash seed) as sets.

    .venv/bin/python bench/clean_step.py --save /tmp/clean-before.pickle
    .venv/bin/python bench/clean_step.py --compare /tmp/clean-before.pickle
    .venv/bin/python bench/clean_step.py --against main   # + the step of main and this checkout in turns

Prints a table and writes bench/results/clean_step.json (date, machine, load average).
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import gc
import importlib
import json
import pickle
import sys
import tempfile
import time
from pathlib import Path

from machine import export_search, load_average, machine, print_runs
from ner import subset

from search import documents
from search.extract import extract_batch
from search.indexer import CLEANING_BATCH, clean_for_index
from search.ingest import iter_records
from search.models import Article, SourceRecord
from search.neardup import cache_row, fingerprint

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "clean_step.json"
OTHER_TEXTS = [ROOT / "seeds", ROOT / "bench" / "html" / "pages", ROOT / "bench" / "html" / "src",
               ROOT / "tests" / "data"]


def records_of(paths: list[Path]) -> list[SourceRecord]:
    return [r for r in iter_records(paths) if isinstance(r, SourceRecord)]


def run_step(records: list[SourceRecord], keep: bool = True) -> list[tuple]:
    """The step's output on ``records``, batch by batch; ``keep=False``: each batch's let go, as
    a worker sends it away (a heap growing by the whole output would make the timing mostly
    garbage collection)."""
    out = []
    for i in range(0, len(records), CLEANING_BATCH):
        done = clean_for_index(records[i:i + CLEANING_BATCH], analyse=True, signatures=None)
        if keep:
            out.extend(done)
    return out


def cpu(work) -> tuple[float, object]:
    gc.collect()
    gc.freeze()  # what is there already (the records) is not the step's to collect
    start = time.process_time()
    result = work()
    return time.process_time() - start, result


def comparable(item: tuple) -> tuple:
    """One output of the step as plain values (the analysis decoded, its spelling as a set)."""
    cleaned, fingerprinted = item
    analysis = None
    if isinstance(cleaned, tuple):
        cleaned, encoded = cleaned
        analysis = {name: (key, found._replace(spelling=frozenset(found.spelling)))
                    for name, (key, found) in pickle.loads(encoded).items()}
    fields = dataclasses.asdict(cleaned)
    if fingerprinted is not None:
        fp, row = fingerprinted
        fingerprinted = (fp.key, fp.minhash.dtype.str, fp.minhash.tobytes(), list(fp.words.items()), fp.figures, row)
    return type(cleaned).__name__, fields, fingerprinted, analysis


def first_difference(saved: list[tuple], now: list[tuple]) -> str | None:
    if len(saved) != len(now):
        return f"{len(now)} outputs, saved {len(saved)}"
    for number, (a, b) in enumerate(zip(saved, now, strict=True)):
        if a == b:
            continue
        for part, x, y in zip(("kind", "article", "fingerprint", "analysis"), a, b, strict=True):
            if x != y:
                if isinstance(x, dict) and isinstance(y, dict):
                    key = next(k for k in x.keys() | y.keys() if x.get(k) != y.get(k))
                    x, y, part = x.get(key), y.get(key), f"{part}.{key}"
                return f"output {number} ({a[1].get('id') or a[1].get('path')}): {part} was {x!r:.300} now {y!r:.300}"
    return None


def whoosh_difference(articles: list[Article]) -> str | None:
    """The first title or body whose fast analysis (:func:`search.documents.analyse`, what the
    index gets) is not what the schema's own Whoosh analyser and ``Positions`` format give: every
    term, frequency, weight, encoded positions, the field length and the spelling words."""
    schema = documents.make_schema()
    for article in articles:
        for name, (_, done) in pickle.loads(documents.analyse(article)).items():
            field, text = schema[name], getattr(article, name)
            expected = sorted(field.index(text))
            got = sorted(zip(done.terms, [round(w / field.format.field_boost) for w in done.weights],
                             done.weights, done.values, strict=True))
            if got != expected or done.length != sum(freq for _, freq, _, _ in expected) \
                    or sorted(done.spelling) != [w.encode("utf-8") for w in field.spellable_words(text)]:
                return f"{article.id} {name}: the analysis is not Whoosh's"
    return None


def interleaved(records: list[SourceRecord], revision: str, folder: Path) -> dict:
    """CPU seconds of the step (analysis, no signature cache) of this checkout and of a git
    revision's ``search`` package, imported beside it under another name, taking turns batch by
    batch in this one process: both see the same load (on a shared machine, runs by turns of a
    minute or more do not), and both start with empty caches."""
    (export_search(revision, folder) / "search").rename(folder / "search_against")
    sys.path.insert(0, str(folder))
    against = importlib.import_module("search_against.indexer")
    theirs = [importlib.import_module("search_against.models").SourceRecord(
        **{f.name: getattr(r, f.name) for f in dataclasses.fields(r)}) for r in records]
    gc.collect()
    gc.freeze()
    seconds = {"this checkout": 0.0, revision: 0.0}
    for n, i in enumerate(range(0, len(records), CLEANING_BATCH)):
        turns = [("this checkout", clean_for_index, records), (revision, against.clean_for_index, theirs)]
        for name, step, batch in turns[::-1] if n % 2 else turns:
            start = time.process_time()
            step(batch[i:i + CLEANING_BATCH], analyse=True, signatures=None)
            seconds[name] += time.process_time() - start
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=0, help="Reuters articles (0: all with text)")
    parser.add_argument("--save", type=Path, help="pickle the step's output to this file")
    parser.add_argument("--compare", type=Path, help="compare the step's output with this file")
    parser.add_argument("--whoosh", type=int, default=1000, metavar="N",
                        help="check the analyses of the first N Reuters articles against Whoosh's analyser "
                             "(pure Python, ~3 ms an article; 0: all)")
    parser.add_argument("--against", metavar="REV",
                        help="also time the step against this git revision's, batch by batch in turns")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        reuters = records_of([subset(args.limit, Path(tmp))])
    others = records_of(OTHER_TEXTS)
    documents.analyse(Article(id="warm", path="warm", title="a", paragraphs=["b"], content_hash=""))  # schema

    load_at_start = load_average()
    runs = []

    against = None  # first, while both codes' caches are empty
    if args.against:
        with tempfile.TemporaryDirectory() as tmp:
            seconds = interleaved(reuters, args.against, Path(tmp))
        against = {"revision": args.against, "cpu_seconds": {k: round(v, 2) for k, v in seconds.items()},
                   "ratio": round(seconds["this checkout"] / seconds[args.against], 3)}
        print(f"whole step, in turns batch by batch: this checkout {seconds['this checkout']:.2f} CPU s, "
              f"{args.against} {seconds[args.against]:.2f}: ratio {against['ratio']:.3f}")

    def timed(name: str, work) -> object:
        before = load_average()
        seconds, result = cpu(work)
        runs.append({"run": name, "cpu_seconds": round(seconds, 2),
                     "ms_per_article": round(1000 * seconds / len(reuters), 3),
                     "load_average": [before, load_average()]})
        return result

    timed("clean_for_index (whole step)", lambda: run_step(reuters, keep=False))
    cleaned = timed("  extract_batch", lambda: [a for i in range(0, len(reuters), CLEANING_BATCH)
                                                for a in extract_batch(reuters[i:i + CLEANING_BATCH])])
    articles = [a for a in cleaned if isinstance(a, Article)]
    timed("  fingerprint + cache_row", lambda: all(cache_row(fingerprint(a.body)) for a in articles))
    timed("  documents.analyse", lambda: all(documents.analyse(a) for a in articles))
    print(f"{len(reuters):,} Reuters records ({len(articles):,} articles), one process, "
          f"batches of {CLEANING_BATCH}; CPU seconds")
    print_runs(runs, [("CPU s", "cpu_seconds", 7, ".2f"), ("ms/article", "ms_per_article", 11, ".3f")], 30)

    checked = articles[:args.whoosh or len(articles)]
    whoosh = whoosh_difference(checked)
    print(whoosh or f"analyses of {len(checked):,} articles are those of Whoosh's analyser")

    outputs = [comparable(item) for item in run_step(reuters) + run_step(others)]
    verdict = None
    if args.save:
        args.save.write_bytes(pickle.dumps(outputs, pickle.HIGHEST_PROTOCOL))
        print(f"saved {len(outputs):,} outputs to {args.save}")
    if args.compare:
        difference = first_difference(pickle.loads(args.compare.read_bytes()), outputs)
        verdict = difference or (f"identical on {len(outputs):,} outputs ({len(reuters):,} Reuters, "
                                 f"{len(others)} others)")
        print(verdict)

    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": machine(load_at_start),
        "records": len(reuters),
        "articles": len(articles),
        "other_records": len(others),
        "batch": CLEANING_BATCH,
        "runs": runs,
        "comparison": verdict,
        "whoosh_check": whoosh or f"same on {len(checked):,} articles",
        "against": against,
    }, indent=2) + "\n")
    return 1 if whoosh or (verdict and not verdict.startswith("identical")) else 0


if __name__ == "__main__":
    sys.exit(main())
