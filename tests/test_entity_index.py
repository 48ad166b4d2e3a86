"""Entities end to end: the real indexer with spaCy, the search API's facets and the CLI."""

import json
import shutil

import pytest
from click.testing import CliRunner

from search import Filters, entities, index_corpus, open_index
from search.cli import main

SEED_PEOPLE = {
    "000": {"Antony Blinken", "Xi Jinping", "Wang Yi", "Qin Gang", "Joe Biden", "Nancy Pelosi"},
    "001": {"Antony Blinken", "Xi Jinping", "Qin Gang", "Joe Biden", "Wang Yi", "Matthew Miller", "Bill Gates"},
    "002": {"Xi Jinping", "Antony Blinken", "Wang Yi"},
    "003": {"Antony Blinken", "Wang Yi", "Xi Jinping", "Qin Gang", "Chen Chien-Jen", "Joe Biden"},
    "004": {"Antony Blinken", "Qin Gang", "Xi Jinping", "Joe Biden", "Matthew Miller", "Nancy Pelosi",
            "Janet Yellen", "Xie Feng"},
}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory, seeds_dir):
    folder = tmp_path_factory.mktemp("entity-corpus") / "seeds"
    shutil.copytree(seeds_dir, folder)
    return folder


@pytest.fixture(scope="module")
def index_dir(corpus, tmp_path_factory):
    target = tmp_path_factory.mktemp("entity-index") / "ix"
    index_corpus(target, [corpus])
    return target


def no_ner(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("NER ran although every article's mentions are cached")

    monkeypatch.setattr(entities, "find_mentions", refuse)


def test_indexed_person_facet_per_seed(index_dir):
    index = open_index(index_dir)
    for article_id in (h.id for h in index.search("", per_page=10).hits):
        article = index.get(article_id)
        assert set(article.entities.people) == SEED_PEOPLE[article_id[:3]], article_id
        assert not set(article.entities.people) & set(article.entities.places + article.entities.orgs)
    assert index.get("000_9fd24cdd38f6fc40.txt").contributors == [
        "Philip Wang", "Jennifer Hansler", "Nectar Gan", "Martha Zhou"]
    dates = index.get("004_b00d15f154702a9b.txt").entities.mentioned_dates
    assert {"2023-06-18", "2023-06-19"} <= set(dates)


def test_person_facet_counts_follow_the_query(index_dir):
    index = open_index(index_dir)
    people = {c.value: c.count for c in index.search("").facets["person"]}
    assert people["Antony Blinken"] == 5 and people["Janet Yellen"] == 1
    narrowed = {c.value: c.count for c in index.search("Yellen").facets["person"]}
    assert narrowed["Antony Blinken"] == 1
    filtered = index.search("", Filters({"person": ["Bill Gates", "Janet Yellen"]}))
    assert {h.id[:3] for h in filtered.hits} == {"001", "004"}
    assert {h.id[:3] for h in index.search('person:"wang yi"').hits} == {"000", "001", "002", "003"}


def test_cli_search_with_person_and_dates(index_dir):
    result = CliRunner().invoke(main, ["search", "talks", "--person", "Wang Yi", "--from", "2023-06-01",
                                       "--to", "2023-06-30", "--json", "--index", str(index_dir)])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["total"] == 0  # only 004 is dated, and it does not mention Wang Yi
    data = json.loads(CliRunner().invoke(main, ["search", "talks", "--person", "Qin Gang", "--from", "2023-06-01",
                                                "--json", "--index", str(index_dir)]).stdout)
    assert [h["id"] for h in data["hits"]] == ["004_b00d15f154702a9b.txt"]


def test_cli_entities_lists_aliases(index_dir):
    result = CliRunner().invoke(main, ["entities", "--type", "person", "--json", "--index", str(index_dir)])
    people = {e["name"]: e for e in json.loads(result.stdout)}
    assert people["Joe Biden"]["articles"] == 4 and "Biden" in people["Joe Biden"]["aliases"]
    assert "Philip Wang" not in people


def test_aliases_file_reaggregates_without_ner_and_rebuild_uses_the_cache(corpus, index_dir, monkeypatch):
    no_ner(monkeypatch)
    (corpus / "aliases.toml").write_text(
        '[rename]\n"Xi Jinping" = "President Xi"\n[block]\nperson = ["Bill Gates"]\n', encoding="utf-8")
    try:
        stats = index_corpus(index_dir, [corpus])
        assert stats.unchanged == 5
        people = {c.value for c in open_index(index_dir).search("").facets["person"]}
        assert "President Xi" in people and "Xi Jinping" not in people and "Bill Gates" not in people
        # a full rebuild of unchanged articles runs no NER either
        assert index_corpus(index_dir, [corpus], rebuild=True).total == 5
    finally:
        (corpus / "aliases.toml").unlink()
    index_corpus(index_dir, [corpus])
    people = {c.value for c in open_index(index_dir).search("").facets["person"]}
    assert "Xi Jinping" in people and "Bill Gates" in people


def test_incremental_add_and_remove_with_entities(corpus, index_dir):
    extra = corpus / "zz_yellen.txt"
    extra.write_text("Yellen to visit\n\nJanet Yellen will travel to Beijing next month, officials said.\n",
                     encoding="utf-8")
    try:
        stats = index_corpus(index_dir, [corpus])
        assert stats.added == 1
        assert open_index(index_dir).get("zz_yellen.txt").entities.people == ["Janet Yellen"]
    finally:
        extra.unlink()
    assert index_corpus(index_dir, [corpus]).removed == 1
