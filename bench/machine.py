"""What a benchmark's result file says about the machine it ran on, and its table of timed runs
(shared by the bench scripts)."""

from __future__ import annotations

import os
import platform


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
