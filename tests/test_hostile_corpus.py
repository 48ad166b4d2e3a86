"""A corpus built to break the indexer: every good article must be found, every bad file named,
and the run must end (exit 0) without blocking, a traceback or a half-written index."""

import gzip
import json
import os
import random
from pathlib import Path

import pytest
from click.testing import CliRunner

from search import open_index
from search.cli import main

#: file -> (bytes, a word only that article has)
GOOD = {
    "plain.txt": (b"Zeppelin over the harbour\n\nA zeppelin drifted over the harbour on Monday.\n", "zeppelin"),
    "latin1.txt": ("Café de Montréal\n\nLe café servait des crêpes; a quokka came.\n".encode("latin-1"), "quokka"),
    "utf16-bom.txt": ("Narwhal census\n\nA narwhal census counted 400 whales.\n".encode("utf-16"), "narwhal"),
    "utf16-nobom.txt": ("Axolotl rescue\n\nVolunteers rescued an axolotl colony.\n".encode("utf-16-le"), "axolotl"),
    "nul.txt": (b"Obsidian\x00 trade ring in Oaxaca.\n\nObsidian blades were traded across the valley.\n", "obsidian"),
    "cp1252.md": (b"# Pangolin \x93smuggling\x94 ring\n\nCustoms seized a pangolin shipment.\n", "pangolin"),
    "page.html": (
        b"<html><head><title>Tapir crossing</title></head><body><article><h1>Tapir crossing</h1>"
        b"<p>A tapir crossed the motorway near the reserve at dawn, rangers said.</p>"
        b"<p>Traffic was stopped for ten minutes while it passed.</p></article></body></html>",
        "tapir",
    ),
    "sub/deeper/gecko.txt": (b"Gecko found\n\nA rare gecko was found in a shipping crate.\n", "gecko"),
}
GOOD_JSONL = {"j1": "wombat", "j2": "ocelot"}


def build(root: Path) -> dict[str, str]:
    """Write the corpus; returns every bad file (or JSONL line) -> a word of its reason."""
    for name, (data, _) in GOOD.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
    lines = [
        json.dumps({"id": "j1", "title": "Wombat burrow", "body": "A wombat dug under the fence."}),
        "{not json",
        json.dumps(["a", "list"]),
        json.dumps({"id": "j3"}),
        "\x00\x01\x02\x03\x04\x05\x06\x07\x08 binary line",
        json.dumps({"_id": "j2", "title": "Ocelot sighted", "text": "An ocelot was sighted <script>x()</script>."}),
    ]
    (root / "feed.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (root / "binary.txt").write_bytes(random.Random(0).randbytes(64 * 1024))
    (root / "empty.txt").write_bytes(b"")
    (root / "blank.html").write_bytes(b"   \n\n  ")
    (root / "nobody.html").write_text("<html><head><title>x</title></head></html>")
    (root / "deep.html").write_text("<html><body>" + "<div>" * 100_000 + "<p>Too deep.</p>" + "</div>" * 100_000)
    os.mkfifo(root / "pipe.txt")
    (root / "loop").symlink_to(root)
    (root / "self.txt").symlink_to(root / "self.txt")
    (root / "broken.txt").symlink_to(root / "nowhere.txt")
    with open(root / "huge.txt", "wb") as handle:  # 50 MB
        chunk = b"All work and no play makes a very long file. " * 1000
        for _ in range(50 * 1024 * 1024 // len(chunk) + 1):
            handle.write(chunk)
    # whole-file JSON has the same limit, also when it is compressed (a gzip bomb)
    huge_object = json.dumps({"title": "Huge", "body": "All work and no play. " * 600_000}).encode()
    (root / "huge.json").write_bytes(huge_object)
    (root / "bomb.json.gz").write_bytes(gzip.compress(huge_object))
    return {
        "huge.json": "too large",
        "bomb.json.gz": "too large",
        "feed.jsonl:2": "malformed json",
        "feed.jsonl:3": "expected a JSON object",
        "feed.jsonl:4": "no body",
        "feed.jsonl:5": "binary",
        "binary.txt": "binary",
        "empty.txt": "empty",
        "blank.html": "empty",
        "nobody.html": "no article text",
        "deep.html": "nested",
        "pipe.txt": "named pipe",
        "loop": "loop",
        "self.txt": "symbolic link",
        "broken.txt": "symbolic link",
        "huge.txt": "too large",
    }


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    corpus = root / "corpus"
    corpus.mkdir()
    bad = build(corpus)
    index_dir = root / "ix"
    result = CliRunner().invoke(main, ["index", str(corpus), "--index", str(index_dir)])
    return result, bad, index_dir


def test_hostile_corpus_indexes_with_exit_0(hostile):
    result, _, _ = hostile
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    total = len(GOOD) + len(GOOD_JSONL)
    assert f"{total} articles (added {total}," in result.output


def test_every_good_article_is_found(hostile):
    _, _, index_dir = hostile
    index = open_index(index_dir)
    for word in [w for _, w in GOOD.values()] + list(GOOD_JSONL.values()):
        assert index.search(word).total == 1, word
    ocelot = index.get("j2")
    assert "x()" not in ocelot.body


def test_every_bad_file_is_named_with_its_reason(hostile):
    result, bad, _ = hostile
    summary = [line for line in result.output.splitlines() if line.startswith("  skipped")]
    for path, reason in bad.items():
        named = [line for line in summary if path in line.rsplit(" (", 1)[1].rstrip(")").split(", ")]
        assert named, f"{path} is not named in\n{result.output}"
        assert reason.lower() in named[0].lower(), (path, named[0])
