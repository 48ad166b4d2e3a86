"""A ~1M-article build without NER: Reuters-21578 x N (default 50, 952,150 articles) through the real
`dateline index --no-entities`, with its time and the peak memory of the whole process tree.

The corpus is written once under bench/.cache/million-x<N>/ (gitignored): one JSONL file per copy,
each article with id ``<id>~k``, its date moved ``30*k`` days, the same title and body (so term
statistics scale evenly; see bench/README.md for what that hides). The index goes to a temporary
folder and is removed afterwards unless ``--keep``.

`dateline index` runs as a child process (``nice``); this script samples, every few seconds, the
summed RSS and PSS of that process and all its children (the cleaning workers and the forked
segment writers, whose pages shared with the indexer RSS counts twice)
and how far it has read (the position in the copy file it has open). The samples are written to
the result file as they come, so a run stopped before the end still leaves its partial
measurement and the extrapolated total.

    .venv/bin/python bench/million.py --copies 5        # 95k articles: estimate first
    nice .venv/bin/python bench/million.py              # x50

Prints a table and writes bench/results/million-x<N>.json (date, machine, load average).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import gzip
import json
import subprocess
import sys
import time
from pathlib import Path

import psutil
from machine import load_average, machine

ROOT = Path(__file__).resolve().parent.parent
REUTERS = ROOT.parent / "shared" / "corpora" / "reuters21578.jsonl.gz"
CACHE = ROOT / "bench" / ".cache"
RESULTS = ROOT / "bench" / "results"
SHIFT_DAYS = 30
SAMPLE_SECONDS = 5


def make_corpus(copies: int) -> tuple[Path, int]:
    """The x``copies`` corpus folder (made once) and its number of records with text."""
    folder = CACHE / f"million-x{copies}"
    done = folder / ".complete"
    with gzip.open(REUTERS, "rt", encoding="utf-8") as source:
        records = [r for r in map(json.loads, source) if r.get("body") or r.get("title")]
    if not done.exists():
        folder.mkdir(parents=True, exist_ok=True)
        for k in range(copies):
            with open(folder / f"copy-{k:03d}.jsonl", "w", encoding="utf-8") as out:
                for record in records:
                    out.write(json.dumps(_copy(record, k), ensure_ascii=False) + "\n")
        done.touch()
    return folder, len(records) * copies


def _copy(record: dict, k: int) -> dict:
    copy = {**record, "id": f"{record['id']}~{k}"}
    if k and record.get("date"):
        try:
            day = dt.datetime.fromisoformat(record["date"]) + dt.timedelta(days=SHIFT_DAYS * k)
            copy["date"] = day.isoformat()
        except ValueError:
            pass
    return copy


def tree_memory_mb(process: psutil.Process) -> tuple[float, float]:
    """Summed RSS and PSS of the process and its children. RSS counts a page shared by forked
    processes (the segment writers share the indexer's pages) once in each; PSS splits it."""
    rss = pss = 0
    for p in [process, *process.children(recursive=True)]:
        with contextlib.suppress(psutil.Error):  # a worker that has just ended
            rss += p.memory_info().rss
        with contextlib.suppress(psutil.Error):  # or smaps that cannot be read
            pss += p.memory_full_info().pss
    return rss / 2**20, pss / 2**20


def read_share(process: psutil.Process, folder: Path, copies: int) -> float | None:
    """How much of the corpus the indexer has read: the copy file it has open and its position."""
    try:
        files = process.open_files()
    except psutil.Error:
        return None
    for f in files:
        path = Path(f.path)
        if path.parent == folder and path.name.startswith("copy-"):
            k = int(path.stem.split("-")[1])
            return (k + f.position / path.stat().st_size) / copies
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--copies", type=int, default=50)
    parser.add_argument("--index", type=Path, default=None, help="index folder (default: a temporary one)")
    parser.add_argument("--keep", action="store_true", help="keep the index afterwards")
    args = parser.parse_args()
    if not REUTERS.exists():
        print(f"{REUTERS} is absent: this benchmark needs the shared Reuters corpus beside the checkout.")
        return 2
    started_load = load_average()
    folder, articles = make_corpus(args.copies)
    index_dir = args.index or CACHE / f"million-x{args.copies}-index"
    subprocess.run(["rm", "-rf", str(index_dir)], check=True)
    out = RESULTS / f"million-x{args.copies}.json"
    report = {"benchmark": "million", "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
              "copies": args.copies, "articles": articles, "command": None, "samples": [],
              "finished": False}
    command = ["nice", "-n", "5", str(ROOT / ".venv" / "bin" / "dateline"), "index", str(folder),
               "--index", str(index_dir), "--no-entities", "--json"]
    report["command"] = " ".join(command[3:]).replace(str(ROOT) + "/", "")
    start = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    process = psutil.Process(child.pid)
    peak = peak_pss = 0.0
    while child.poll() is None:
        rss, pss = tree_memory_mb(process)
        peak, peak_pss = max(peak, rss), max(peak_pss, pss)
        share = read_share(process, folder, args.copies)
        elapsed = time.perf_counter() - start
        report["samples"].append({"seconds": round(elapsed), "tree_rss_mb": round(rss), "tree_pss_mb": round(pss),
                                  "read": share, "load": load_average()[0]})
        report.update(peak_tree_rss_mb=round(peak), peak_tree_pss_mb=round(peak_pss), seconds=round(elapsed),
                      machine=machine(started_load))
        if share:
            report["extrapolated_seconds"] = round(elapsed / share)
        out.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
        time.sleep(SAMPLE_SECONDS)
    stdout, stderr = child.communicate()
    seconds = time.perf_counter() - start
    if child.returncode != 0:
        print(f"dateline index failed ({child.returncode}): {stderr.strip()[-2000:]}")
        report["error"] = stderr.strip()[-2000:]
        out.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
        return 1
    stats = json.loads(stdout)
    size = sum(p.stat().st_size for p in index_dir.rglob("*") if p.is_file())
    report.update(finished=True, seconds=round(seconds, 1), total=stats["total"],
                  articles_per_s=round(stats["total"] / seconds, 1), peak_tree_rss_mb=round(peak),
                  peak_tree_pss_mb=round(peak_pss),
                  index_mb=round(size / 2**20), machine=machine(started_load))
    out.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    print(f"Reuters-21578 x{args.copies}: {stats['total']:,} articles indexed without NER in {seconds:,.0f} s "
          f"({stats['total'] / seconds:,.0f} articles/s); peak RSS of the process tree {peak:,.0f} MB "
          f"(PSS {peak_pss:,.0f} MB); "
          f"index {size / 2**20:,.0f} MB; load average {started_load} -> {load_average()}")
    if not args.keep:
        subprocess.run(["rm", "-rf", str(index_dir)], check=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
