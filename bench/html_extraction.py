"""Main-text extraction quality on the hand-built news pages in bench/html/.

For every ``bench/html/pages/<name>.html`` with a ``bench/html/gold/<name>.txt``, runs the
product's extraction (``search.extract.extract_article``: what ``dateline extract`` prints and the
indexer stores, i.e. the cleaned article body without the title) and plain ``trafilatura.extract``
with the settings the product passes to it, and scores both with bag-of-words precision, recall
and F1 against the gold (lower-cased word tokens, counted with multiplicity).

Prints a table and writes bench/results/html_extraction.json (``--out`` to write elsewhere).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import re
import sys
import time
from collections import Counter
from pathlib import Path

import trafilatura

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from search.extract import extract_article  # noqa: E402
from search.models import SourceRecord  # noqa: E402

DATA = ROOT / "bench" / "html"
#: page batches by number, in the order they were written (bench/html/README.md): "dev" pages were
#: measured before the cleaning changes and used while making them; each later batch was measured
#: once with the code as it stood before it was read (its first numbers are in the README)
BATCHES = {"dev": (1, 42), "fresh": (43, 54), "holdout": (55, 99)}
RESULTS = ROOT / "bench" / "results" / "html_extraction.json"
_TOKEN = re.compile(r"\w+(?:['’]\w+)*")


def tokens(text: str) -> Counter[str]:
    return Counter(t.casefold() for t in _TOKEN.findall(text))


def score(extracted: str, gold: str) -> dict[str, float]:
    got, want = tokens(extracted), tokens(gold)
    overlap = sum((got & want).values())
    precision = overlap / sum(got.values()) if got else 0.0
    recall = overlap / sum(want.values()) if want else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"p": precision, "r": recall, "f1": f1}


def summarize(rows: list[dict]) -> dict[str, dict]:
    """Mean P/R/F1 over pages (each page counts once), the worst page, and pages under 0.80."""
    summary = {}
    for system in ("product", "trafilatura"):
        worst = min(rows, key=lambda r: r[system]["f1"])
        summary[system] = {
            "pages": len(rows),
            **{f"mean_{k}": round(sum(r[system][k] for r in rows) / len(rows), 4) for k in ("p", "r", "f1")},
            "worst_page": worst["page"],
            "worst_f1": round(worst[system]["f1"], 4),
            "pages_below_0_80": sum(r[system]["f1"] < 0.80 for r in rows),
        }
    return summary


def product(html: str, name: str) -> str:
    record = SourceRecord(
        id=name, path=name, kind="html", text=html, content_hash=hashlib.sha256(html.encode()).hexdigest()
    )
    return "\n\n".join(extract_article(record).paragraphs)


def plain_trafilatura(html: str) -> str:
    return (
        trafilatura.extract(
            html, include_comments=False, include_tables=True, include_formatting=False, deduplicate=False
        )
        or ""
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=RESULTS, help="where to write the JSON result")
    parser.add_argument("--show", metavar="NAME", help="print both extractions of one page and stop")
    args = parser.parse_args()
    pages = sorted(p for p in (DATA / "pages").glob("*.html") if (DATA / "gold" / f"{p.stem}.txt").exists())
    if not pages:
        print(f"no pages with gold text under {DATA}", file=sys.stderr)
        return 2
    if args.show:
        html = (DATA / "pages" / f"{args.show}.html").read_text(encoding="utf-8")
        print("--- product\n" + product(html, args.show) + "\n--- trafilatura\n" + plain_trafilatura(html))
        return 0
    rows = []
    started = time.perf_counter()
    for page in pages:
        html = page.read_text(encoding="utf-8")
        gold = (DATA / "gold" / f"{page.stem}.txt").read_text(encoding="utf-8")
        rows.append(
            {
                "page": page.stem,
                "gold_words": sum(tokens(gold).values()),
                "product": score(product(html, page.stem), gold),
                "trafilatura": score(plain_trafilatura(html), gold),
            }
        )
    seconds = time.perf_counter() - started

    print(f"{'page':<32} {'words':>5}  {'product P/R/F1':>20}  {'trafilatura P/R/F1':>20}")
    for r in rows:
        a, b = r["product"], r["trafilatura"]
        print(
            f"{r['page']:<32} {r['gold_words']:>5}  {a['p']:.3f} {a['r']:.3f} {a['f1']:.3f}"
            f"   {b['p']:.3f} {b['r']:.3f} {b['f1']:.3f}"
        )
    groups = {"all": rows} | {
        name: [r for r in rows if low <= int(r["page"].split("-")[0]) <= high] for name, (low, high) in BATCHES.items()
    }
    summary = {name: summarize(group) for name, group in groups.items() if group}
    for name, systems in summary.items():
        for system, s in systems.items():
            print(
                f"{name:<8} {system:<12} {s['pages']:>3} pages  P {s['mean_p']:.3f}  R {s['mean_r']:.3f}"
                f"  F1 {s['mean_f1']:.3f}  worst {s['worst_page']} {s['worst_f1']:.3f}  < 0.80: {s['pages_below_0_80']}"
            )
    print(f"{len(rows)} pages in {seconds:.1f} s")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps(
            {
                "benchmark": "html_extraction",
                "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                "machine": {"node": platform.node(), "cpus": os.cpu_count(), "python": platform.python_version()},
                "load_average_start_1_5_15": list(os.getloadavg()),
                "trafilatura": trafilatura.__version__,
                "pages": len(rows),
                "seconds": round(seconds, 2),
                "summary": summary,
                "rows": [
                    {**r, **{s: {k: round(v, 4) for k, v in r[s].items()} for s in ("product", "trafilatura")}}
                    for r in rows
                ],
            },
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
