from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    return SEEDS


@pytest.fixture(scope="session")
def reuters_path() -> Path:
    path = SHARED / "corpora" / "reuters21578.jsonl.gz"
    if not path.exists():
        pytest.skip(f"{path} is absent (the shared corpus lies beside the checkout)")
    return path
