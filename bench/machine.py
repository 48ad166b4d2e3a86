"""What a benchmark's result file says about the machine it ran on (shared by the bench scripts)."""

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
