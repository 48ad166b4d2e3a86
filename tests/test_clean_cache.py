"""The cache of cleaned articles (search.clean_cache): what it hands back is what cleaning makes,
in corpus order, and it misses whenever what cleaning reads or how it cleans has changed."""

from __future__ import annotations

import dataclasses
import gzip
import itertools
import shutil
import sqlite3
from pathlib import Path

import pytest

from search import clean_cache, index_corpus, open_index, story_batch
from search.cachedb import code_fingerprint
from search.clean_cache import CleanCache, clean_records
from search.compute import InProcess, LocalProcesses
from search.extract import extract_batch
from search.ingest import iter_records
from search.models import CorpusRoot, Skipped, SourceRecord

DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(scope="module")
def records(tmp_path_factory, reuters_path, seeds_dir) -> list[SourceRecord]:
    """Reuters wire records, the seeds (plain text), HTML pages, and a record with no text."""
    folder = tmp_path_factory.mktemp("clean-corpus")
    with gzip.open(reuters_path, "rt", encoding="utf-8") as source:
        (folder / "wire.jsonl").write_text("".join(itertools.islice(source, 200)), encoding="utf-8")
    shutil.copytree(seeds_dir, folder / "seeds")
    for page in DATA.glob("*.html"):
        shutil.copy(page, folder / page.name)
    (folder / "furniture.html").write_text("<html><body><p>Share this:</p></body></html>", encoding="utf-8")
    found = [r for r in iter_records([CorpusRoot(folder)]) if isinstance(r, SourceRecord)]
    assert {r.kind for r in found} == {"json", "text", "html"}
    return found


def _refuse(batch):
    raise AssertionError(f"cleaned {len(batch)} records that the cache holds")


def articles(cleaned) -> list:
    """What :func:`clean_records` hands back, without the extras (none here)."""
    return [item for item, _ in cleaned]


def test_cached_articles_are_the_cleaned_ones_in_order(records, tmp_path, monkeypatch):
    expected = extract_batch(records)
    assert sum(isinstance(a, Skipped) for a in expected) == 1  # the page of furniture alone
    with CleanCache(tmp_path / "cleaned.sqlite") as cache:
        assert articles(clean_records(records, InProcess(), 16, cache)) == expected  # filling it
        assert len(cache) == len(expected) - 1  # what could not be cleaned is tried again next time
        kept = [r for r, a in zip(records, expected, strict=True) if not isinstance(a, Skipped)]
        monkeypatch.setattr(clean_cache, "extract_batch", _refuse)
        cleaned = [a for a in expected if not isinstance(a, Skipped)]
        assert articles(clean_records(kept, InProcess(), 16, cache)) == cleaned


def test_hits_and_misses_keep_corpus_order_on_worker_processes(records, tmp_path):
    expected = extract_batch(records)
    with CleanCache(tmp_path / "cleaned.sqlite") as cache:
        # every third batch of five cached: batches all cached, partly cached and not cached alternate
        articles(clean_records([r for i, r in enumerate(records) if i // 5 % 3 == 0], InProcess(), 5, cache))
        pool = LocalProcesses(2)
        try:
            assert articles(clean_records(records, pool, 4, cache)) == expected
        finally:
            pool.close()


def test_the_cache_misses_when_what_cleaning_reads_changes(records, tmp_path, monkeypatch):
    record = next(r for r in records if r.kind == "json")
    key = CleanCache.key(record)
    for change in ({"text": record.text + " more"}, {"path": record.path + "0"}, {"id": "other"},
                   {"kind": "text"}, {"meta": {**record.meta, "title": "Other"}}, {"content_hash": "0" * 64}):
        assert CleanCache.key(dataclasses.replace(record, **change)) != key, change
    with CleanCache(tmp_path / "cleaned.sqlite") as cache:
        articles(clean_records([record], InProcess(), 1, cache))
        assert set(cache.get_many([key])) == {key}
    # other cleaning code (Dateline's source or a library version): other version, a miss
    monkeypatch.setattr(clean_cache, "code_fingerprint", lambda *libraries: "edited")
    with CleanCache(tmp_path / "cleaned.sqlite") as cache:
        assert cache.get_many([key]) == {}
        assert cache.prune() == 1


def test_a_rebuild_cleans_nothing_and_an_edit_cleans_one(corpus, tmp_path, monkeypatch):
    target = tmp_path / "ix"
    index_corpus(target, [corpus], entities=False)
    titles = {h.id: h.title for h in open_index(target).search("", per_page=50).hits}
    cleaned: list[str] = []

    def counting(batch):
        cleaned.extend(r.id for r in batch)
        return extract_batch(batch)

    monkeypatch.setattr(story_batch, "extract_batch", counting)  # the cleaning the indexer asks for
    index_corpus(target, [corpus], rebuild=True)
    assert cleaned == [] and {h.id: h.title for h in open_index(target).search("", per_page=50).hits} == titles
    edited = sorted(corpus.glob("*.txt"))[0]
    edited.write_text("A new headline\n\n" + edited.read_text(encoding="utf-8"), encoding="utf-8")
    index_corpus(target, [corpus], rebuild=True)
    assert cleaned == [edited.name]
    assert open_index(target).get(edited.name).title == "A new headline"


def test_the_code_fingerprint_follows_every_module_and_library(tmp_path):
    package = tmp_path / "search"
    shutil.copytree(Path(clean_cache.__file__).parent, package, ignore=shutil.ignore_patterns("__pycache__"))
    before = code_fingerprint("lxml", source=package)
    assert code_fingerprint("lxml", source=package) == before
    assert code_fingerprint("lxml", "trafilatura", source=package) != before
    rules = package / "boilerplate.py"
    rules.write_text(rules.read_text(encoding="utf-8") + "\n# a new rule\n", encoding="utf-8")
    assert code_fingerprint("lxml", source=package) != before


def test_the_cache_file_is_about_the_size_of_what_it_holds(records, tmp_path):
    """Rows of kilobytes in a rowid table: a WITHOUT ROWID table made the file 1.55x larger."""
    path = tmp_path / "cleaned.sqlite"
    with CleanCache(path) as cache:
        rows = {cache.key(record): cache.encode(article)
                for record, article in zip(records, extract_batch(records), strict=True)}
        cache.put_encoded(rows)
        assert cache.get_many(rows) == {key: cache.decode(row) for key, row in rows.items()}
    stored = sum(len(key) + len(cache.version) + len(row) for key, row in rows.items())
    assert path.stat().st_size < 1.6 * stored  # 1.43 here; 2.1 in a WITHOUT ROWID table


def test_a_cache_file_of_the_older_layout_opens_and_drops_its_stale_rows(records, tmp_path):
    path = tmp_path / "cleaned.sqlite"
    old = sqlite3.connect(path)
    old.execute("CREATE TABLE entries (key TEXT NOT NULL, version TEXT NOT NULL, data BLOB NOT NULL, "
                "PRIMARY KEY (key, version)) WITHOUT ROWID")
    old.execute("INSERT INTO entries VALUES ('k', 'older code', x'00')")
    old.commit()
    old.close()
    with CleanCache(path) as cache:
        record = records[0]
        cache.put_many({cache.key(record): extract_batch([record])[0]})
        assert len(cache) == 1
    tables = {name for (name,) in sqlite3.connect(path).execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert tables == {"rows"}
