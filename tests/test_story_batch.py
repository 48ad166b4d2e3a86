"""The story step's input at scale (search.story_batch): the indexer keeps a compact record per
article instead of the article, bodies are fingerprinted with the cleaning (reading the signature
cache), and the grouping is what it was when the articles were held."""

from __future__ import annotations

import gc
import gzip
import json
import math
import sqlite3
import weakref
from collections import Counter
from pathlib import Path

from search import neardup, open_index, stories
from search.extract import extract_batch
from search.indexer import index_corpus
from search.models import Article, SourceRecord
from search.story_batch import StoryBatch, clean_and_fingerprint
from search.story_links import TOP_TERMS, Weights, content_words, entity_terms


def _reuters(reuters_path: Path, count: int) -> list[dict]:
    records = []
    with gzip.open(reuters_path, "rt", encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            if (record.get("body") or "").strip():
                records.append(record)
                if len(records) == count:
                    break
    return records


def _source_records(records: list[dict]) -> list[SourceRecord]:
    return [SourceRecord(str(r["id"]), f"r.jsonl:{k}", "json", r["body"], f"h{k}",
                         {"title": r.get("title") or "", "date": r.get("date") or ""})
            for k, r in enumerate(records)]


def test_a_streamed_build_lets_the_articles_go(reuters_path, tmp_path, monkeypatch):
    """A new index without entities streams the articles to the writer: by the story step, none
    of them is alive any more (the story step works from compact records), and the stories are
    still made (every copy of a text in one story)."""
    records = _reuters(reuters_path, 120)
    records += [{**r, "id": f"{r['id']}-copy"} for r in records[:10]]  # ten reprints
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "r.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    refs: list[weakref.ref] = []
    alive_at_story_step: list[int] = []
    real = stories.update_stories

    def counting(*args, **kwargs):
        gc.collect()
        alive_at_story_step.append(sum(ref() is not None for ref in refs))
        return real(*args, **kwargs)

    monkeypatch.setattr(stories, "update_stories", counting)
    index_corpus(tmp_path / "ix", [corpus], entities=False, on_article=lambda a: refs.append(weakref.ref(a)))
    assert len(refs) == len(records)
    assert alive_at_story_step[0] <= 1  # at most the last one, still named by the writing loop
    index = open_index(tmp_path / "ix")
    for r in records[:10]:
        story = index.story_of(str(r["id"]))
        assert story is not None and f"{r['id']}-copy" in story.articles


def test_the_cleaning_task_fingerprints_and_reads_the_cache(reuters_path, tmp_path):
    records = _source_records(_reuters(reuters_path, 30))
    records.append(SourceRecord("again", "r.jsonl:99", "json", records[0].text, "h99", dict(records[0].meta)))
    cache_path = tmp_path / "cache" / "signatures.sqlite"

    cold = clean_and_fingerprint(records, str(cache_path))  # no cache file yet: all computed
    for article, fp, _ in cold:
        assert isinstance(article, Article)
        expected = neardup.fingerprint(article.body)
        assert fp.key == expected.key and (fp.minhash == expected.minhash).all()
        assert fp.words == expected.words and fp.figures == expected.figures
    keys = [fp.key for _, fp, _ in cold]
    firsts = [key not in keys[:k] for k, key in enumerate(keys)]
    assert firsts[-1] is False and sum(firsts) >= 25
    assert [row is not None for _, _, row in cold] == firsts  # copies of a text: computed once
    assert all(row == neardup.cache_row(fp) for _, fp, row in cold if row)
    cache = neardup.SignatureCache(cache_path)
    cache.put_rows([row for _, _, row in cold if row])
    cache.close()

    warm = clean_and_fingerprint(records, str(cache_path))
    assert not any(row for _, _, row in warm)
    assert [fp.key for _, fp, _ in warm] == [fp.key for _, fp, _ in cold]
    assert all((a.minhash == b.minhash).all() and a.words == b.words
               for (_, a, _), (_, b, _) in zip(warm, cold, strict=True))


def test_the_signature_cache_file_is_about_the_size_of_its_rows_and_replaces_the_older_layout(reuters_path, tmp_path):
    """Rows of kilobytes in a rowid table (a WITHOUT ROWID one spilled them to overflow pages: 2.4x
    the file); a file of that layout opens, and its rows are made again."""
    path = tmp_path / "signatures.sqlite"
    old = sqlite3.connect(path)
    old.execute("CREATE TABLE fingerprints (key TEXT NOT NULL, version TEXT NOT NULL, minhash BLOB NOT NULL, "
                "words TEXT NOT NULL, figures TEXT NOT NULL, PRIMARY KEY (key, version)) WITHOUT ROWID")
    old.commit()
    old.close()
    articles = [a for a in extract_batch(_source_records(_reuters(reuters_path, 400))) if isinstance(a, Article)]
    cache = neardup.SignatureCache(path)
    prints = cache.fingerprints(a.body for a in articles)
    cache.close()
    rows = {neardup.cache_row(fp) for fp in prints}
    stored = sum(len(value) for row in rows for value in row if isinstance(value, (str, bytes)))
    assert path.stat().st_size < 1.5 * stored
    cache = neardup.SignatureCache(path)
    assert [fp.key for fp in cache.fingerprints(a.body for a in articles)] == [fp.key for fp in prints]
    cache.close()
    tables = {name for (name,) in sqlite3.connect(path).execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert tables == {"body_fingerprints"}


def test_the_batch_keeps_one_record_per_text_and_counts_frequencies(reuters_path, tmp_path):
    articles = [a for a in extract_batch(_source_records(_reuters(reuters_path, 200))) if isinstance(a, Article)]
    articles[5].entities.people.append("Jim Baker")
    articles[6].entities.places.append("Tokyo")
    copies = [Article(**{**vars(a), "id": a.id + "-copy"}) for a in articles[:20]]
    batch = StoryBatch.of([*articles, *copies], tmp_path / "cache")

    assert batch.ids == [a.id for a in (*articles, *copies)]
    assert len(batch.keys) == len({neardup.body_key(a.body) for a in articles})
    assert batch.signatures().shape == (len(batch.keys), neardup.NUM_PERM)
    expected: Counter = Counter()
    for a in (*articles, *copies):
        expected.update(content_words(neardup.fingerprint(a.body).words).keys())
        expected.update(entity_terms(a.entities.people, a.entities.places))
    assert batch.document_frequencies() == expected
    entry = next(e for e in batch.entries() if e.id == articles[3].id)
    articles_by_id = {a.id: a for a in (*articles, *copies)}
    # each text's top words: the words of its body by tf-idf, one by one as defined, best first
    weights = Weights(batch.document_frequencies(), len(batch))
    top_words = batch.top_words(weights)
    for each in batch.entries():
        words = content_words(neardup.fingerprint(articles_by_id[each.id].body).words)
        scored = {w: (1 + math.log(c)) * weights.idf(w) for w, c in words.items()}
        assert top_words[each.text] == sorted(scored.items(), key=lambda item: (-item[1], item[0]))[:TOP_TERMS]
    assert max(map(len, top_words)) == TOP_TERMS and min(map(len, top_words)) < TOP_TERMS
    assert (batch.signatures()[entry.text] == neardup.fingerprint(articles[3].body).minhash).all()
    # the fingerprints went to the cache: a second batch reads them and hashes nothing
    reread = StoryBatch.of(articles, tmp_path / "cache")
    assert (reread.signatures() == batch.signatures()[: len(reread.keys)]).all()
