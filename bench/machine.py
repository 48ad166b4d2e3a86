"""What a benchmark's result file says about the machine it ran on, its table of timed runs, and
another revision's code to time against (shared by the bench scripts)."""

from __future__ import annotations

import os
import platform
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def machine(load_at_start: list[float]) -> dict:
    """Cores, Python, platform, and the load average at the start (given) and now (the end)."""
    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "load_average_at_start": load_at_start,
        "load_average_at_end": load_average(),
    }


def print_runs(runs: list[dict], columns: list[tuple[str, str, int, str]], name_width: int) -> None:
    """A table of timed runs: each run's name, then ``columns`` (header, the run's key, width,
    format, e.g. ``("CPU s", "cpu_seconds", 7, ".1f")``), then the load average before and after."""
    print(f"{'run':<{name_width}} " + " ".join(f"{header:>{width}}" for header, _, width, _ in columns) + "  load")
    for run in runs:
        before, after = run["load_average"]
        print(f"{run['run']:<{name_width}} " + " ".join(f"{run[key]:>{width}{spec}}" for _, key, width, spec in columns)
              + f"  {before[0]:.1f}-{after[0]:.1f}")


def export_search(revision: str, folder: Path) -> Path:
    """The ``search`` package of git ``revision`` of this checkout, extracted into ``folder`` (made
    if absent), which is returned: a code root to import that revision from."""
    folder.mkdir(parents=True, exist_ok=True)
    archive = subprocess.run(["git", "archive", revision, "search"], cwd=ROOT, check=True, capture_output=True)
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive.stdout, check=True)
    return folder
