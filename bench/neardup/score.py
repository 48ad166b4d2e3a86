"""Weighted precision and recall of a near-duplicate detector or story grouper on the judged sample.

    python bench/neardup/score.py PREDICTED.jsonl                 # near-duplicates: exact + near
    python bench/neardup/score.py PREDICTED.jsonl --level story   # stories: + same-event
    python bench/neardup/score.py --summary                       # labels by stratum, estimates
    python bench/neardup/score.py --agreement gold-A.jsonl gold-B.jsonl

PREDICTED.jsonl holds the detector's output on Reuters-21578, one JSON object a line: a pair
{"a": id, "b": id} or a group {"ids": [id, ...]} (every pair inside a group is predicted). Each
judged pair stands for `weight` pairs of its stratum (stratum population / pairs drawn), so the
weighted sums estimate counts over the whole population the strata cover (see README.md).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter, defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
POSITIVE = {"near": {"exact", "near"}, "story": {"exact", "near", "same-event"}}
LABELS = ["exact", "near", "same-event", "different"]


def read_jsonl(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def predicted_pairs(path: Path) -> set[tuple[int, int]]:
    pairs = set()
    for n, rec in enumerate(read_jsonl(path), start=1):
        ids = rec.get("ids") or [rec.get("a"), rec.get("b")]
        if None in ids:
            sys.exit(f"{path}:{n}: expected {{\"a\", \"b\"}} or {{\"ids\": [...]}}")
        ids = sorted(int(i) for i in ids)
        pairs.update((x, y) for k, x in enumerate(ids) for y in ids[k + 1:])
    return pairs


def gold_labels(path: Path) -> dict[tuple[int, int], str]:
    return {(min(r["a"], r["b"]), max(r["a"], r["b"])): r["label"] for r in read_jsonl(path)}


def score(sample: list[dict], gold: dict, predicted: set, positive: set[str]) -> dict:
    """Weighted true positives, positives and predicted positives, overall and per stratum."""
    sums: dict[str, Counter] = defaultdict(Counter)
    for p in sample:
        k = (p["a"], p["b"])
        if k not in gold:
            continue
        y, d, w = gold[k] in positive, k in predicted, p["weight"]
        for name in (p["stratum"], "all"):
            s = sums[name]
            s["judged"] += 1
            s["tp"] += w * (y and d)
            s["pos"] += w * y
            s["pred"] += w * d
            s["pos_n"] += y
            s["tp_n"] += y and d
    out = {}
    for name, s in sums.items():
        p = s["tp"] / s["pred"] if s["pred"] else None
        r = s["tp"] / s["pos"] if s["pos"] else None
        f = 2 * p * r / (p + r) if p and r else None
        out[name] = {"judged": s["judged"], "positives_judged": s["pos_n"],
                     "found_judged": s["tp_n"], "positives_est": round(s["pos"], 1),
                     "predicted_est": round(s["pred"], 1), "precision": p, "recall": r, "f1": f}
    return out


def kappa(a: dict, b: dict) -> tuple[int, float, float, Counter]:
    """Cohen's kappa of two readers over the pairs both judged (unweighted)."""
    both = sorted(set(a) & set(b))
    table = Counter((a[k], b[k]) for k in both)
    n = len(both)
    observed = sum(v for (x, y), v in table.items() if x == y) / n
    pa, pb = Counter(a[k] for k in both), Counter(b[k] for k in both)
    expected = sum(pa[c] * pb[c] for c in LABELS) / n / n
    return n, observed, (observed - expected) / (1 - expected), table


def summary(sample: list[dict], gold: dict) -> None:
    """Labels per stratum and the estimated number of positive pairs in each population, with a
    95 pct interval (normal approximation, finite-population correction; when none or all of a
    stratum's judged pairs are positive, the rule-of-three bound 3/n instead)."""
    by: dict[str, list[dict]] = defaultdict(list)
    for p in sample:
        by[p["stratum"]].append(p)
    print(f"{'stratum':24} {'population':>10} {'judged':>6} " + " ".join(f"{c:>10}" for c in LABELS)
          + f" {'near-dups est':>18} {'story pairs est':>18}")
    total = {level: [0.0, 0.0] for level in POSITIVE}
    for name in sorted(by):
        ps = [p for p in by[name] if (p["a"], p["b"]) in gold]
        n, population = len(ps), round(ps[0]["weight"] * len(by[name]))
        counts = Counter(gold[(p["a"], p["b"])] for p in ps)
        cells = []
        for level, positive in sorted(POSITIVE.items()):
            share = sum(counts[c] for c in positive) / n
            var = (population**2 * (1 - n / population) * share * (1 - share) / (n - 1)
                   if n > 1 else 0.0)
            total[level][0] += population * share
            total[level][1] += var
            if share in (0, 1) and n < population:
                bound = population * 3 / n
                cells.append(f"0 (<={bound:.0f})" if share == 0
                             else f"{population} (>={population - bound:.0f})")
            else:
                cells.append(f"{population * share:9.0f} ±{1.96 * var**0.5:6.0f}")
        print(f"{name:24} {population:10} {n:6} " + " ".join(f"{counts[c]:10}" for c in LABELS)
              + " " + " ".join(f"{c:>18}" for c in cells))
    print(f"{'all (± ignores bounds)':24} {'':10} {'':6} " + " ".join(f"{'':10}" for _ in LABELS) + " "
          + " ".join(f"{est:9.0f} ±{1.96 * var**0.5:6.0f}".rjust(18)
                     for est, var in (total[level] for level in sorted(POSITIVE))))


def fmt(x: float | None) -> str:
    return "  -  " if x is None else f"{x:.3f}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("predicted", type=Path, nargs="?")
    ap.add_argument("--level", choices=sorted(POSITIVE), default="near")
    ap.add_argument("--gold", type=Path, default=HERE / "gold-A.jsonl")
    ap.add_argument("--pairs", type=Path, default=HERE / "pairs.jsonl")
    ap.add_argument("--agreement", type=Path, nargs=2, metavar="GOLD")
    ap.add_argument("--summary", action="store_true", help="labels by stratum, estimated counts")
    args = ap.parse_args(argv)

    if args.agreement:
        n, observed, k, table = kappa(*(gold_labels(p) for p in args.agreement))
        print(f"{n} pairs judged by both: agreement {observed:.3f}, Cohen's kappa {k:.3f}")
        print("A \\ B".ljust(12) + "".join(c.rjust(12) for c in LABELS))
        for x in LABELS:
            print(x.ljust(12) + "".join(str(table[(x, y)]).rjust(12) for y in LABELS))
        return 0
    if args.summary:
        summary(read_jsonl(args.pairs), gold_labels(args.gold))
        return 0
    if not args.predicted:
        ap.error("give PREDICTED.jsonl (or --summary, or --agreement GOLD GOLD)")
    for path in (args.predicted, args.gold, args.pairs):
        if not path.exists():
            sys.exit(f"{path}: not found")
    res = score(read_jsonl(args.pairs), gold_labels(args.gold), predicted_pairs(args.predicted),
                POSITIVE[args.level])
    print(f"level {args.level}: positive = {', '.join(sorted(POSITIVE[args.level]))}")
    print(f"{'stratum':24} {'judged':>6} {'pos':>4} {'found':>5} {'pos est':>10} "
          f"{'pred est':>12} {'P':>6} {'R':>6} {'F1':>6}")
    for name in sorted(res, key=lambda n: (n == "all", n)):
        r = res[name]
        print(f"{name:24} {r['judged']:6} {r['positives_judged']:4} {r['found_judged']:5} "
              f"{r['positives_est']:10.1f} {r['predicted_est']:12.1f} "
              f"{fmt(r['precision']):>6} {fmt(r['recall']):>6} {fmt(r['f1']):>6}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
