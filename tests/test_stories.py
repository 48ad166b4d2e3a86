"""Near-duplicates and stories on real indexes: the seeds, our own story corpus (tests/data/stories:
two Blinken trips to Beijing, two OPEC+ meetings months apart, a wire story with a reprint under
another headline, one with an added paragraph and an updated version, an unrelated same-day story),
incremental updates, the signature cache, collapsing, and the CLI."""

from __future__ import annotations

import gzip
import html as html_module
import json
import re
import shutil
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from search import neardup, open_index
from search.cli import main
from search.indexer import index_corpus
from search.store import IndexFolder
from search.story_state import STATE_FILE

STORIES = Path(__file__).parent / "data" / "stories"


def _groups(index) -> dict[frozenset[str], str]:
    return {frozenset(s.articles): s.id for s in index.stories()}


def _story_of(index, article_id: str) -> set[str]:
    story = index.story_of(article_id)
    return set(story.articles) if story else {article_id}


@pytest.fixture(scope="module")
def story_index(tmp_path_factory, seeds_dir) -> Path:
    path = tmp_path_factory.mktemp("stories") / "index"
    index_corpus(path, [seeds_dir, STORIES])
    return path


def test_the_five_seeds_form_one_story(seeds_dir, tmp_path):
    index_corpus(tmp_path / "ix", [seeds_dir], entities=True)
    stories = open_index(tmp_path / "ix").stories()
    assert len(stories) == 1
    story = stories[0]
    assert set(story.articles) == {p.name for p in seeds_dir.iterdir()}
    assert story.first == story.last and story.first.isoformat() == "2023-06-18"
    assert "Blinken" in story.label
    assert {"Antony Blinken", "Xi Jinping"} <= set(story.people)


def test_same_people_other_event_is_another_story(story_index, seeds_dir):
    index = open_index(story_index)
    seeds = {p.name for p in seeds_dir.iterdir()}
    assert _story_of(index, "000_9fd24cdd38f6fc40.txt") == seeds  # the 2023 trip, undated articles included
    assert _story_of(index, "stories/blinken-2024-a") == {"stories/blinken-2024-a", "stories/blinken-2024-b"}
    # two OPEC+ meetings with the same ministers, months apart
    assert _story_of(index, "stories/opec-2023-06-a") == {"stories/opec-2023-06-a", "stories/opec-2023-06-b"}
    assert _story_of(index, "stories/opec-2023-11") == {"stories/opec-2023-11"}
    assert _story_of(index, "stories/unrelated-same-day") == {"stories/unrelated-same-day"}


def test_same_event_links_need_a_shared_organisation(tmp_path):
    """Two companies' same-day results in one template (same places, same wording, other figures)
    are two stories; two outlets' differently worded reports of one company's recall are one."""
    index_corpus(tmp_path / "ix", [Path(__file__).parent / "data" / "story_orgs"], entities=True)
    index = open_index(tmp_path / "ix")
    assert _story_of(index, "earnings-halvorsen") == {"earnings-halvorsen"}
    assert _story_of(index, "earnings-brackwater") == {"earnings-brackwater"}
    assert _story_of(index, "recall-a") == {"recall-a", "recall-b"}
    story = index.story_of("recall-a")
    assert "Rockford" in story.places


def test_reprints_and_updates_join_the_wire_story(story_index):
    index = open_index(story_index)
    thames = {"stories/wire-thames", "stories/reprint-thames-headline", "stories/reprint-thames-extra",
              "stories/update-thames"}
    assert _story_of(index, "stories/wire-thames") == thames
    story = index.story(index.story_of("stories/wire-thames").id)
    relations = {a.id: (a.relation, a.of) for a in story.articles}
    # same text under another headline: an exact duplicate; an added paragraph and a new lead: near
    pair = {relations["stories/wire-thames"][0], relations["stories/reprint-thames-headline"][0]}
    assert pair == {"exact", "coverage"}
    assert relations["stories/reprint-thames-extra"][0] == "near"
    assert relations["stories/update-thames"][0] == "near"
    adds = {a.id: a.adds for a in story.articles}
    assert len(adds["stories/reprint-thames-extra"]) == 1 and "campaigners" in adds["stories/reprint-thames-extra"][0]
    assert any("would not appeal" in p for p in adds["stories/update-thames"])
    assert adds["stories/reprint-thames-headline"] == [] or adds["stories/wire-thames"] == []


def test_story_page_data(story_index):
    index = open_index(story_index)
    seed_story = index.story_of("004_b00d15f154702a9b.txt")
    story = index.story(seed_story.id)
    assert story.articles[0].id == "004_b00d15f154702a9b.txt"  # the dated one first
    assert {"Antony Blinken", "Xi Jinping"} <= {c.value for c in story.shared["person"]}
    assert "Beijing" in {c.value for c in story.shared["place"]}
    assert all(a.relation == "coverage" for a in story.articles)  # five outlets' own reports
    assert index.story("s0000000000") is None and index.story("../etc") is None


def test_minhash_estimates_jaccard():
    words = [f"w{i}" for i in range(300)]
    other = words[:240] + [f"x{i}" for i in range(60)]
    true = len(set(zip(words, words[1:], words[2:], strict=False)) & set(zip(other, other[1:], other[2:],
               strict=False))) / len(set(zip(words, words[1:], words[2:], strict=False))
                                     | set(zip(other, other[1:], other[2:], strict=False)))
    estimate = neardup.similarity(neardup.minhash(words), neardup.minhash(other))
    assert abs(estimate - true) < 0.12
    assert neardup.similarity(neardup.minhash(words), neardup.minhash(words)) == 1.0
    assert neardup.similarity(neardup.minhash(words), neardup.minhash([f"y{i}" for i in range(300)])) < 0.1


def test_minhash_is_the_minimum_of_the_hash_functions_over_distinct_shingles():
    # the signature as first written (distinct shingles, each hash shifted, then the minimum):
    # computing it on repeats and shifting after the minimum must change no bit
    import zlib

    import numpy as np

    def reference(words):
        hashes = np.array([zlib.crc32(w.encode("utf-8")) for w in words], dtype=np.uint64)
        shingles = hashes
        if len(hashes) >= 3:
            with np.errstate(over="ignore"):
                shingles = (hashes[:-2] * np.uint64(0x100000001B3) + hashes[1:-1]) * np.uint64(0x100000001B3) \
                    + hashes[2:]
        with np.errstate(over="ignore"):
            values = (neardup._A[:, None] * np.unique(shingles)[None, :] + neardup._B[:, None]) >> np.uint64(32)
        return (values.min(axis=1) & np.uint64(0xFFFFFFFF)).astype(np.uint32)

    rng = np.random.default_rng(3)
    vocabulary = [f"w{i}" for i in range(40)] + ["année", "ünïcode", "x"]
    texts = [["one"], ["one", "two"], ["a", "a", "a", "a"]]
    texts += [[vocabulary[i] for i in rng.integers(0, len(vocabulary), rng.integers(3, 400))] for _ in range(200)]
    for words in texts:
        assert np.array_equal(neardup.minhash(words), reference(words))
    assert np.array_equal(neardup.minhash([]), np.full(neardup.NUM_PERM, 0xFFFFFFFF, dtype=np.uint32))


def _jsonl(path: Path, records: list[dict]) -> None:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")


def _wire(tmp_path: Path) -> list[dict]:
    return [json.loads(line) for line in (STORIES / "articles.jsonl").read_text().splitlines()]


def test_incremental_updates_extend_merge_and_keep_story_ids(tmp_path):
    records = _wire(tmp_path)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    keep = [r for r in records if r["id"] in {"wire-thames", "opec-2023-06-a", "opec-2023-11", "blinken-2024-a"}]
    _jsonl(corpus / "a.jsonl", keep + [r for r in records if r["id"] == "reprint-thames-headline"])
    index_corpus(tmp_path / "ix", [corpus], entities=False)
    index = open_index(tmp_path / "ix")
    before = index.story_of("wire-thames")
    assert before is not None and before.size == 2

    # add the extra reprint and the update: the Thames story grows and keeps its id
    _jsonl(corpus / "b.jsonl", [r for r in records if r["id"] in {"reprint-thames-extra", "update-thames"}])
    stats = index_corpus(tmp_path / "ix", entities=False)
    assert stats.added == 2 and stats.unchanged == 5
    after = open_index(tmp_path / "ix").story_of("update-thames")
    assert after.id == before.id and after.size == 4

    # removing articles shrinks the story; removing all but one ends it
    (corpus / "b.jsonl").unlink()
    index_corpus(tmp_path / "ix", entities=False)
    assert open_index(tmp_path / "ix").story_of("wire-thames").size == 2
    _jsonl(corpus / "a.jsonl", keep)
    index_corpus(tmp_path / "ix", entities=False)
    index = open_index(tmp_path / "ix")
    assert index.story_of("wire-thames") is None and index.story(before.id) is None


def _members_layout(index_dir: Path) -> str:
    state = IndexFolder(index_dir).current() / STATE_FILE
    db = sqlite3.connect(state)
    try:
        return db.execute("SELECT sql FROM sqlite_master WHERE name = 'members'").fetchone()[0]
    finally:
        db.close()


def test_a_story_state_of_the_older_layout_is_carried_over_by_an_update(tmp_path):
    """Before ``members`` was a rowid table it was a WITHOUT ROWID one: an update of such an index
    writes the new layout with every story as an update of a new index gives it."""
    records = _wire(tmp_path)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    _jsonl(corpus / "a.jsonl", [r for r in records if r["id"] not in {"reprint-thames-extra", "update-thames"}])
    index_corpus(tmp_path / "new", [corpus], entities=False)
    shutil.copytree(tmp_path / "new", tmp_path / "old")
    state = IndexFolder(tmp_path / "old").current() / STATE_FILE
    db = sqlite3.connect(state)
    (layout,) = db.execute("SELECT sql FROM sqlite_master WHERE name = 'members'").fetchone()
    db.executescript(f"""ALTER TABLE members RENAME TO rowid_members;
        {layout} WITHOUT ROWID;
        INSERT INTO members SELECT * FROM rowid_members; DROP TABLE rowid_members; VACUUM;""")
    db.close()
    assert "WITHOUT ROWID" in _members_layout(tmp_path / "old")
    old_stories = _groups(open_index(tmp_path / "old"))
    assert old_stories == _groups(open_index(tmp_path / "new")) and old_stories  # the old layout still reads

    _jsonl(corpus / "b.jsonl", [r for r in records if r["id"] in {"reprint-thames-extra", "update-thames"}])
    for index_dir in (tmp_path / "new", tmp_path / "old"):
        assert index_corpus(index_dir, entities=False).added == 2
    assert "WITHOUT ROWID" not in _members_layout(tmp_path / "old")
    assert _groups(open_index(tmp_path / "old")) == _groups(open_index(tmp_path / "new"))
    grown = open_index(tmp_path / "old").story_of("update-thames")
    assert grown.size == 4 and frozenset(grown.articles) - {"reprint-thames-extra", "update-thames"} in old_stories


def _merged(tmp_path: Path) -> tuple[Path, str, str]:
    """An index where two stories (copies of the start and of the end of a wire story) merge when
    the whole story is added: its path, the retired story id and the surviving one."""
    records = {r["id"]: r for r in _wire(tmp_path)}
    wire = records["wire-thames"]
    # figures apart: a part's figures would not agree with the whole's (search.neardup)
    paragraphs = re.sub(r"\d", "", records["reprint-thames-extra"]["body"]).split("\n\n")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    first = [{**wire, "id": f"first-{k}", "body": "\n\n".join(paragraphs[:3])} for k in range(3)]
    second = [{**wire, "id": f"second-{k}", "body": "\n\n".join(paragraphs[2:])} for k in range(2)]
    _jsonl(corpus / "a.jsonl", first + second)
    index_corpus(tmp_path / "ix", [corpus], entities=False)
    index = open_index(tmp_path / "ix")
    big, small = index.story_of("first-0").id, index.story_of("second-0").id
    assert big != small
    _jsonl(corpus / "b.jsonl", [{**wire, "id": "whole", "body": "\n\n".join(paragraphs)}])
    index_corpus(tmp_path / "ix", entities=False)
    return tmp_path / "ix", small, big


def test_merged_story_redirects_to_the_survivor(tmp_path):
    path, small, big = _merged(tmp_path)
    index = open_index(path)
    assert index.story_of("second-1").id == big and index.story_of("whole").id == big
    assert index.story(small).summary.id == big  # the retired id leads to the story it went into


def test_rebuild_keeps_story_ids_and_reuses_signatures(story_index, tmp_path, monkeypatch):
    path = tmp_path / "ix"
    shutil.copytree(story_index, path)
    before = _groups(open_index(path))

    def no_hashing(words):
        raise AssertionError("a warm rebuild hashed an unchanged article again")

    monkeypatch.setattr(neardup, "minhash", no_hashing)
    index_corpus(path, rebuild=True)
    assert _groups(open_index(path)) == before


def test_collapse_one_hit_per_story(story_index):
    index = open_index(story_index)
    flat = index.search("")
    folded = index.search("", collapse=True)
    assert flat.total == folded.total == 15 and not flat.collapsed
    assert folded.collapsed and folded.stories == 15 - (5 - 1) - (4 - 1) - 1 - 1
    stories = [h.story.id for h in folded.hits if h.story]
    assert len(stories) == len(set(stories))
    thames = next(h for h in folded.hits if h.story and "stories/wire-thames" in _story_of(index, h.id))
    assert thames.story.hidden == 3 and len(thames.story.more) == 3 and thames.story.size == 4
    assert thames.id not in {m.id for m in thames.story.more}
    # ranking: the representative is the story's best hit for the query
    blinken = index.search("Blinken balloon", collapse=True)
    best = index.search("Blinken balloon").hits[0]
    assert blinken.hits[0].id == best.id and blinken.hits[0].story.hidden >= 1
    # pages go through stories
    paged = index.search("", collapse=True, per_page=4, page=2)
    assert paged.pages == 2 and len(paged.hits) == 2


def test_stories_filtered_by_a_query(story_index):
    index = open_index(story_index)
    found = index.stories("sewage")
    assert len(found) == 1 and found[0].size == 4
    assert [s.size for s in index.stories()] == sorted((s.size for s in index.stories()), reverse=True)
    assert len(index.stories(limit=2)) == 2


def test_cli_stories_and_collapsed_search(story_index):
    runner = CliRunner()
    result = runner.invoke(main, ["stories", "--index", str(story_index)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("4 stories")
    assert "stories/reprint-thames-extra" in result.output and "2025-05-20 – 2025-05-21" in result.output
    result = runner.invoke(main, ["stories", "opec", "--json", "--index", str(story_index)])
    data = json.loads(result.output)
    assert [s["articles"] for s in data["stories"]] == [["stories/opec-2023-06-a", "stories/opec-2023-06-b"]]
    result = runner.invoke(main, ["search", "Thames", "--collapse", "--index", str(story_index)])
    assert "4 articles in 1 story" in result.output and "+3 more in story" in result.output
    result = runner.invoke(main, ["search", "Thames", "--collapse", "--json", "--index", str(story_index)])
    data = json.loads(result.output)
    assert data["collapsed"] and data["stories"] == 1 and data["hits"][0]["story"]["hidden"] == 3
    result = runner.invoke(main, ["stories", "--limit", "0", "--index", str(story_index)])
    assert result.exit_code == 2 and "Traceback" not in result.output


def test_reuters_exact_duplicates_are_grouped(reuters_path, tmp_path):
    """Every group of Reuters articles with the same body (263 groups) ends up inside one story;
    indexed with 1,000 other Reuters articles around them."""
    by_body: dict[str, list[dict]] = {}
    others = []
    with gzip.open(reuters_path, "rt", encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            if (record.get("body") or "").strip():
                by_body.setdefault(record["body"].strip(), []).append(record)
    groups = [records for records in by_body.values() if len(records) > 1]
    others = [records[0] for records in list(by_body.values())[::15] if len(records) == 1][:1000]
    assert len(groups) == 263
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    _jsonl(corpus / "reuters.jsonl", [r for records in groups for r in records] + others)
    index_corpus(tmp_path / "ix", [corpus], entities=False)
    index = open_index(tmp_path / "ix")
    for records in groups:
        ids = {str(r["id"]) for r in records}
        assert ids <= _story_of(index, str(records[0]["id"])), ids
    sizes = [s.size for s in index.stories()]
    assert max(sizes) < 40 and sum(sizes) < 0.8 * (sum(len(g) for g in groups) + len(others))


def test_web_story_pages_and_api(story_index, tmp_path):
    from web import create_app

    client = create_app({"INDEX_PATH": str(story_index), "TESTING": True}).test_client()
    index = open_index(story_index)
    story = index.story_of("stories/wire-thames")
    page = client.get(f"/story/{story.id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Timeline" in html and "Same text" in html and "Near-duplicate" in html and "campaigners" in html
    assert client.get("/story/s0000000000").status_code == 404
    assert client.get("/story/..%2Fetc").status_code == 404
    data = client.get(f"/api/story/{story.id}").get_json()
    assert data["summary"]["size"] == 4 and len(data["articles"]) == 4
    assert client.get("/api/stories?q=sewage").get_json()["stories"][0]["id"] == story.id
    assert client.get("/api/stories?limit=x").status_code == 400
    folded = client.get("/api/search?q=Thames&collapse=1").get_json()
    assert folded["collapsed"] and folded["stories"] == 1 and folded["pages"] == 1
    assert client.get("/api/search?q=Thames").get_json()["collapsed"] is False  # the API's default
    assert 'href="/story/' in client.get("/article/stories/update-thames").get_data(as_text=True)


def test_the_pages_json_link_gives_the_results_the_page_shows(story_index):
    from web import create_app

    client = create_app({"INDEX_PATH": str(story_index), "TESTING": True}).test_client()
    for page, collapsed in (("/?q=Thames", True), ("/?q=Thames&collapse=0", False)):
        html = client.get(page).get_data(as_text=True)
        link = re.search(r'<a href="([^"]*)">These results as JSON</a>', html).group(1)
        assert client.get(html_module.unescape(link)).get_json()["collapsed"] is collapsed, link


def test_web_redirects_a_merged_story(tmp_path):
    from web import create_app

    path, small, big = _merged(tmp_path)
    client = create_app({"INDEX_PATH": str(path), "TESTING": True}).test_client()
    moved = client.get(f"/story/{small}")
    assert moved.status_code == 301 and moved.headers["Location"].endswith(f"/story/{big}")
