"""Stop words are indexed and dropped only when querying (issue 15): a query of only stop words
(``may``, "to be or not to be") is searched, phrases keep their stop words, other queries and best
match leave them out; an index built before, which left them out, still searches as it did and
says how to index them."""

import json

import pytest
from click.testing import CliRunner
from whoosh.analysis import StemmingAnalyzer

from search import QueryError, documents, index_corpus, open_index
from search.cli import main

STORIES = [
    ("s1", "Coffee exports fall", "Brazil coffee exports fell in May as growers held stock."),
    ("s2", "May rains", "The rains may delay the harvest, traders said."),
    ("s3", "Hamlet staged", "To be or not to be was the line the audience waited for."),
    ("s4", "Band tours", "The Who played London as the tour opened."),
    ("s5", "Bank of England", "The Bank of England held rates; the bank said inflation may ease."),
    ("s6", "Coffee prices", "Coffee prices rose in London on Tuesday."),
]


def _corpus(tmp_path, stories=STORIES):
    path = tmp_path / "stories.jsonl"
    path.write_text("".join(json.dumps({"id": i, "title": t, "body": b}) + "\n" for i, t, b in stories),
                    encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def stories_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("stops")
    index_corpus(root / "ix", [_corpus(root)], entities=False)
    return root / "ix"


def ids(results) -> set[str]:
    return {hit.id for hit in results.hits}


def test_a_query_of_only_stop_words_is_searched(stories_dir):
    ix = open_index(stories_dir)
    assert ids(ix.search("may")) == {"s1", "s2", "s5"}
    assert ids(ix.search("to be or not to be")) == {"s3"}
    assert ids(ix.search('"to be or not to be"')) == {"s3"}
    assert ids(ix.search("The Who")) == {"s4"}


def test_other_queries_leave_stop_words_out(stories_dir):
    ix = open_index(stories_dir)
    assert ids(ix.search("coffee may")) == ids(ix.search("coffee")) == {"s1", "s6"}
    assert ids(ix.search("the coffee exports")) == {"s1"}
    # best match counts and needs only the other words
    results = ix.search("Did the coffee exports of Brazil fall in May?")
    assert results.match == "best" and "all 5 words" in results.notes[0]  # did, coffee, exports, brazil, fall
    assert results.hits[0].id == "s1"


def test_phrases_keep_their_stop_words(stories_dir):
    ix = open_index(stories_dir)
    assert ids(ix.search('"bank of england"')) == {"s5"}
    assert ids(ix.search('"fell in may"')) == {"s1"}
    assert ix.search('"bank england"').match == "best"  # "of" sits between: not that phrase
    assert ids(ix.search('"bank said inflation"')) == {"s5"}


def test_the_cli_and_the_web_search_stop_words(stories_dir):
    result = CliRunner().invoke(main, ["search", "may", "--index", str(stories_dir), "--json"])
    assert result.exit_code == 0 and json.loads(result.output)["total"] == 3
    from web import create_app

    client = create_app({"INDEX_PATH": str(stories_dir)}).test_client()
    response = client.get("/api/search", query_string={"q": "may"})
    assert response.status_code == 200 and response.get_json()["total"] == 3
    assert client.get("/", query_string={"q": "may"}).status_code == 200


def test_an_index_built_without_stop_words_still_searches_and_says_what_to_run(tmp_path, monkeypatch):
    monkeypatch.setattr(documents, "text_analyzer", StemmingAnalyzer)  # the analyzer before issue 15
    index_corpus(tmp_path / "ix", [_corpus(tmp_path, STORIES[:3])], entities=False)
    monkeypatch.undo()
    ix = open_index(tmp_path / "ix")
    assert ids(ix.search("coffee may")) == {"s1"}
    with pytest.raises(QueryError, match=r"dateline index --rebuild"):
        ix.search("may")
    result = CliRunner().invoke(main, ["search", "may", "--index", str(tmp_path / "ix")])
    assert result.exit_code == 1 and "--rebuild" in result.output
    # an update adds articles the index's own way; a rebuild indexes the stop words
    index_corpus(tmp_path / "ix", [_corpus(tmp_path, STORIES)], entities=False)
    assert ids(open_index(tmp_path / "ix").search("coffee")) == {"s1", "s6"}
    with pytest.raises(QueryError, match="stop words"):
        open_index(tmp_path / "ix").search("may")
    index_corpus(tmp_path / "ix", [], rebuild=True, entities=False)
    assert ids(open_index(tmp_path / "ix").search("may")) == {"s1", "s2", "s5"}


def test_more_like_this_ignores_stop_words(tmp_path):
    chatty = [
        ("c1", "Harvest talk", "It may be that the rains in the north may be over, and it may be that the harvest is"
         " in."),
        ("c2", "Line end", "It may be the end of the line, and it is, as it may be."),
        ("c3", "Northern harvest", "Rains in the north delayed the harvest."),
    ]
    index_corpus(tmp_path / "ix", [_corpus(tmp_path, chatty)], entities=False)
    similar = [hit.id for hit in open_index(tmp_path / "ix").more_like_this("c1")]
    assert similar == ["c3"]  # c2 shares only stop words with c1
