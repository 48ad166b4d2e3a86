"""The cached per-article half of entity resolution (search.entity_cache): a resolution from the
cache is the resolution without it, on real corpora, and the cache misses when what the parse
depends on changes."""

from __future__ import annotations

import dataclasses
import datetime as dt
import gc
import gzip
import itertools
import json
from pathlib import Path

import pytest

from search import entity_resolve, index_corpus, open_index
from search.compute import LocalProcesses
from search.entities import Mention, article_text, find_mentions
from search.entity_cache import ParseCache
from search.entity_pass import annotate, fingerprint
from search.entity_resolve import resolve_entities
from search.extract import extract_article
from search.ingest import iter_records
from search.models import Article, CorpusRoot, SourceRecord

REUTERS_SAMPLE = 300


def _articles(path: Path) -> list:
    return [extract_article(r) for r in iter_records([CorpusRoot(path)]) if isinstance(r, SourceRecord)]


@pytest.fixture(scope="module")
def reuters_docs(tmp_path_factory, reuters_path, seeds_dir):
    """Seeds and a Reuters sample with their real mentions, plus a Reuters article again under
    another id (the same parse twice)."""
    folder = tmp_path_factory.mktemp("reuters-sample")
    with gzip.open(reuters_path, "rt", encoding="utf-8") as source:
        lines = [line for line in itertools.islice(source, REUTERS_SAMPLE * 2) if json.loads(line).get("body")]
    (folder / "wire.jsonl").write_text("".join(lines[:REUTERS_SAMPLE]), encoding="utf-8")
    articles = _articles(folder) + _articles(seeds_dir)
    articles.append(dataclasses.replace(articles[3], id="again", entities=articles[3].entities))
    mentions = find_mentions([article_text(a) for a in articles])
    return list(zip(articles, mentions, strict=True))


def _entities(resolution) -> tuple[dict, dict]:
    return {k: dataclasses.asdict(v) for k, v in resolution.per_article.items()}, resolution.surface_forms


def test_resolution_through_the_cache_is_the_resolution_without_it(reuters_docs, tmp_path, monkeypatch):
    plain = _entities(resolve_entities(reuters_docs))
    with ParseCache(tmp_path / "parsed.sqlite", fingerprint(None)) as cache:
        assert _entities(resolve_entities(reuters_docs, cache=cache)) == plain  # filling it
        distinct = {ParseCache.key(a, article_text(a), m) for a, m in reuters_docs}
        assert len(cache) == len(distinct) < len(reuters_docs)  # an article twice is one row

        def refuse(*args, **kwargs):
            raise AssertionError("an article was parsed again although its parse is cached")

        monkeypatch.setattr(entity_resolve, "parse_batch", refuse)
        assert _entities(resolve_entities(reuters_docs, cache=cache)) == plain  # all from it
    assert any(plain[0][a.id]["people"] for a, _ in reuters_docs)  # the comparison compares something


def test_parses_made_on_workers_fill_the_cache_as_made_here(reuters_docs, tmp_path):
    """On a pool the workers send each parse back as the cache stores it: the same resolution,
    and the same rows as a parse made in this process."""
    plain = _entities(resolve_entities(reuters_docs))
    pool = LocalProcesses(2)
    try:
        with ParseCache(tmp_path / "pooled.sqlite", fingerprint(None)) as cache:
            assert _entities(resolve_entities(reuters_docs, pool=pool, cache=cache)) == plain
            keys = [ParseCache.key(a, article_text(a), m) for a, m in reuters_docs]
            pooled = cache.get_many(keys)
    finally:
        pool.close()
    with ParseCache(tmp_path / "here.sqlite", fingerprint(None)) as cache:
        resolve_entities(reuters_docs, cache=cache)
        assert cache.get_many(keys) == pooled
    assert len(pooled) == len(set(keys))


def test_a_first_entity_pass_hashes_each_article_once(seeds_dir, tmp_path, monkeypatch):
    """The parses made with NER come with their cache keys, which resolution takes instead of
    hashing those articles again; an article NER did not read (the same text in another file) is
    hashed, and parsed, by resolution."""
    articles = _articles(seeds_dir)
    articles.append(dataclasses.replace(articles[0], id="again", content_hash="0" * 64, entities=articles[0].entities))
    hashed = []
    key = ParseCache.key
    monkeypatch.setattr(ParseCache, "key", staticmethod(lambda article, *rest: hashed.append(article.id) or key(
        article, *rest)))
    annotate(articles, [], tmp_path / "cache", None)
    assert sorted(hashed) == sorted(a.id for a in articles)
    assert articles[-1].entities == articles[0].entities and articles[0].entities.places


def test_the_cache_misses_when_the_parse_would_differ(tmp_path):
    article = _articles(Path(__file__).resolve().parent.parent / "seeds")[0]
    text = article_text(article)
    mentions = [Mention("Antony Blinken", "PERSON", text.index("Blinken") - 7)]
    key = ParseCache.key(article, text, mentions)
    assert ParseCache.key(dataclasses.replace(article, title=article.title + " x"), text, mentions) != key
    assert ParseCache.key(dataclasses.replace(article, date=dt.date(1999, 1, 1)), text, mentions) != key
    assert ParseCache.key(article, text + " More.", mentions) != key
    assert ParseCache.key(article, text, [*mentions, Mention("Xi", "PERSON", 0)]) != key
    aliases = tmp_path / "aliases.toml"
    aliases.write_text('[merge]\n"Joe Biden" = ["Biden"]\n', encoding="utf-8")
    with ParseCache(tmp_path / "parsed.sqlite", fingerprint(None)) as cache:
        cache.put_many({key: ([], [])})
        assert cache.get_many([key]) == {key: ([], [])}
    with ParseCache(tmp_path / "parsed.sqlite", fingerprint(aliases)) as cache:  # other aliases: other parse
        assert cache.get_many([key]) == {}
        assert cache.prune() == 1


def test_a_rebuild_parses_nothing_and_keeps_the_entities(corpus, tmp_path, monkeypatch):
    target = tmp_path / "ix"
    index_corpus(target, [corpus])
    before = {h.id: open_index(target).get(h.id).entities for h in open_index(target).search("", per_page=50).hits}

    def refuse(*args, **kwargs):
        raise AssertionError("a rebuild parsed mentions that the parse cache holds")

    monkeypatch.setattr(entity_resolve, "parse_batch", refuse)
    index_corpus(target, [corpus], rebuild=True)
    after = {h.id: open_index(target).get(h.id).entities for h in open_index(target).search("", per_page=50).hits}
    assert after == before and len(before) == 5
    assert gc.isenabled()  # paused while the caches were read and the entities resolved, on again


def test_a_cue_cached_with_the_parse_is_worked_out_again_when_resolution_drops_a_person(tmp_path):
    """"X and Toyota" names a firm of partners unless X is a person of the article. The cue is
    found when the article is parsed (and cached with it); a "person" that resolution then finds
    to be two places ("Japan-China") no longer counts, so the cue is worked out again."""
    article = Article("trade", "trade.txt", "Trade talks",
                      ["Japan-China and Toyota met in Tokyo on Monday. Japan and China agreed on tariffs."], "h")
    text = article_text(article)

    def at(name: str, label: str, nth: int = 0) -> Mention:
        start = -1
        for _ in range(nth + 1):
            start = text.index(name, start + 1)
        return Mention(name, label, start)

    mentions = [at("Japan-China", "PERSON"), at("Toyota", "PERSON"), at("Tokyo", "GPE"),
                at("Japan", "GPE", 1), at("China", "GPE", 1)]
    docs = [(article, mentions)]
    with ParseCache(tmp_path / "parsed.sqlite", fingerprint(None)) as cache:
        for resolution in (resolve_entities(docs), resolve_entities(docs, cache=cache),
                           resolve_entities(docs, cache=cache)):  # no cache, filling it, read from it
            found = resolution.per_article["trade"]
            assert "Toyota" in found.orgs and "Toyota" not in found.people
            assert "Japan-China" not in found.people and {"Japan", "China", "Tokyo"} <= set(found.places)
