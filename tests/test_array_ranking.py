"""The array scoring path (search.postings, search.arrayquery) against Whoosh's own scoring.

A real index of 3,000 Reuters-21578 articles, updated once (so it has two segments and deleted
documents, which Whoosh still counts in its statistics). The reference is Whoosh's matchers
and BM25F run over the same parsed query, as the backend did before the arrays; it must give
the same documents, scores (to 1e-6), ranking and facet counts. Where the arrays depart from
Whoosh on purpose (expansions cut to the most frequent words, fuzzy distance capped, ranges
scored like words), the reference is Whoosh on the query the arrays say they ran.
"""

import copy
import gzip
import json
import time
from pathlib import Path

import numpy as np
import pytest
from whoosh import collectors, query

from search import Filters, QueryTooBroad, backend, index_corpus, open_index
from search.arrayquery import MAX_EXPANSION

ARTICLES = 3000
SOURCES = ("Wire A", "Wire B", "Wire C")


def _records(reuters_path: Path, start: int, stop: int) -> list[str]:
    lines = []
    with gzip.open(reuters_path, "rt", encoding="utf-8") as handle:
        for number, line in enumerate(handle):
            if number >= stop:
                break
            record = json.loads(line)
            if number < start or not record.get("body"):
                continue
            lines.append(json.dumps({
                "id": str(record["id"]), "title": record.get("title") or "", "body": record["body"],
                "date": (record.get("date") or "")[:10] or None, "source": SOURCES[number % 3],
            }))
    return lines


@pytest.fixture(scope="module")
def reuters_index(tmp_path_factory, reuters_path) -> Path:
    root = tmp_path_factory.mktemp("reuters")
    corpus = root / "corpus"
    corpus.mkdir()
    # first commit, then an update that removes 300 articles and adds 700: two segments, deletions
    (corpus / "a.jsonl").write_text("\n".join(_records(reuters_path, 0, ARTICLES - 700)) + "\n", encoding="utf-8")
    index_dir = root / "ix"
    index_corpus(index_dir, [corpus], entities=False)
    (corpus / "a.jsonl").write_text("\n".join(_records(reuters_path, 300, ARTICLES)) + "\n", encoding="utf-8")
    index_corpus(index_dir, [corpus])
    return index_dir


@pytest.fixture(scope="module")
def ix(reuters_index):
    return open_index(reuters_index)


class _AllScores(collectors.ScoredCollector):
    def __init__(self):
        super().__init__(replace=0)
        self.docnums, self.scores = [], []

    def _collect(self, global_docnum, score):
        self.docnums.append(global_docnum)
        self.scores.append(score)
        return 0 - score


def _as_words(node, reader):
    """The arrays score a wildcard, prefix, fuzzy term or range like the words it expands to
    (over the whole index; fuzzy terms keep their first letter). Whoosh scores those from the
    parser with a constant, and expands them segment by segment: whoosh3 3.54's per-segment
    ``terms_within`` misses words its whole-index one finds ('oven' for ``opek~2``)."""
    if isinstance(node, query.MultiTerm):
        node = copy.copy(node)
        if isinstance(node, query.FuzzyTerm):
            node.prefixlength = max(node.prefixlength, 1)
        words = sorted({w if isinstance(w, str) else w.decode() for w in node._btexts(reader)})
        return query.Or([query.Term(node.fieldname, w, boost=node.boost) for w in words])
    return node


def whoosh_matches(searcher: backend.Searcher, q, deadline=None) -> backend.Matches:
    """The reference: Whoosh's own matchers and BM25F over every matching document."""
    collector = _AllScores()
    whoosh = searcher._searcher()
    whoosh.search_with_collector(q.accept(lambda node: _as_words(node, whoosh.ixreader)), collector)
    order = np.argsort(collector.docnums)
    docnums = np.asarray(collector.docnums, dtype=np.int64)[order]
    scores = np.asarray(collector.scores, dtype=np.float64)[order]
    return backend.Matches(docnums, scores, searcher.query_terms(q), [])


SUITE = [
    "oil",
    "oil prices",
    "crude oil prices opec",
    "oil OR gas OR coal OR copper OR gold OR silver OR wheat OR corn OR sugar OR coffee OR cocoa OR rubber OR tin "
    "OR zinc OR lead",
    "oil -opec",
    "oil AND NOT prices",
    "(oil OR gas) AND (prices OR production) -saudi",
    "title:oil",
    "body:crude title:prices",
    '"crude oil"',
    '"oil prices" opec',
    '"mln dlrs"',
    '"prices rose"~3',
    "petrol*",
    "w?eat",
    "*ment",
    "wheat~",
    "opek~2",
    "title:[oil TO oim]",
    "oil date:1987-03",
    "date:[19870301 TO 19870310] trade",
    "source:\"wire b\" oil",
    "+oil gas",
    "oil ANDMAYBE gas",
    "*:*",
    "zzzqqq",
]


def _expansions_are_whoosh_s(searcher: backend.Searcher, q) -> None:
    """Below the cap, the arrays expand a wildcard, prefix or fuzzy term to Whoosh's own words."""
    reader = searcher._searcher().ixreader
    for leaf in q.leaves():
        if isinstance(leaf, query.MultiTerm) and not isinstance(leaf, query.TermRange):
            if isinstance(leaf, query.FuzzyTerm):  # the arrays keep the first letter (Whoosh's parser: none)
                leaf = copy.copy(leaf)
                leaf.prefixlength = max(leaf.prefixlength, 1)
            theirs = sorted(t.decode() if isinstance(t, bytes) else t for t in leaf._btexts(reader))
            assert len(theirs) <= MAX_EXPANSION, leaf
            evaluator = searcher._evaluator(None)
            evaluator.run(leaf)
            assert sorted(word for _, word in evaluator.words) == theirs, leaf


@pytest.mark.parametrize("text", SUITE)
def test_array_matches_equal_whoosh(ix, text):
    searcher = ix._current()
    q = searcher.parse(text)
    _expansions_are_whoosh_s(searcher, q)
    ours, theirs = searcher.matches(q), whoosh_matches(searcher, q)
    np.testing.assert_array_equal(ours.docnums, theirs.docnums)
    np.testing.assert_allclose(ours.scores, theirs.scores, rtol=0, atol=1e-6)
    if text != "zzzqqq":
        assert len(ours.docnums) > 0, text
    assert ours.notes == []


def _check_same_page(ours, theirs):
    assert ours.total == theirs.total
    assert ours.facets == theirs.facets
    assert ours.date_histogram == theirs.date_histogram
    assert len(ours.hits) == len(theirs.hits)
    if any(hit.score is None for hit in ours.hits + theirs.hits):  # no query: newest first, no scores
        assert [hit.id for hit in ours.hits] == [hit.id for hit in theirs.hits]
        return
    np.testing.assert_allclose([h.score for h in ours.hits], [h.score for h in theirs.hits], rtol=0, atol=1e-6)
    # the same order, except among documents whose scores tie (they differ in the last bits)
    score_of = {}
    for hit in theirs.hits:
        score_of[hit.id] = hit.score
    for mine, ref in zip(ours.hits, theirs.hits, strict=True):
        assert mine.id == ref.id or abs(score_of.get(mine.id, -1) - ref.score) < 1e-9
        assert mine.snippet == ref.snippet or mine.id != ref.id


@pytest.mark.parametrize("text", ["oil", "oil OR gas -opec", '"crude oil" prices', "petrol*", ""])
@pytest.mark.parametrize(
    "filters",
    [Filters(), Filters(facets={"source": ["Wire B"]}), Filters(facets={"source": ["Wire A", "Wire C"]},
                                                                date_from=None)],
)
def test_search_pages_and_facets_equal_the_reference(ix, monkeypatch, text, filters):
    import datetime as dt

    for filt in (filters, Filters(facets=filters.facets, date_from=dt.date(1987, 3, 1), date_to=dt.date(1987, 3, 20))):
        ours = ix.search(text, filt, per_page=30)
        with monkeypatch.context() as patch:
            patch.setattr(backend.Searcher, "matches", whoosh_matches)
            theirs = ix.search(text, filt, per_page=30)
        _check_same_page(ours, theirs)
        if text:
            assert ours.total > 0


def test_broad_expansions_keep_the_most_frequent_words_and_say_so(ix):
    searcher = ix._current()
    reader = searcher._searcher().ixreader
    results = ix.search("pr*")
    assert results.total > 0
    assert any("pr*" in note and f"{MAX_EXPANSION} most frequent" in note for note in results.notes)
    # the arrays searched the 64 commonest body words starting with "pr", scored like words
    words = sorted(reader.expand_prefix("body", "pr"), key=lambda w: (-reader.doc_frequency("body", w), w))
    kept = words[:MAX_EXPANSION]
    reference = query.Or([query.Term("body", w) for w in kept])
    title_words = sorted(reader.expand_prefix("title", "pr"), key=lambda w: (-reader.doc_frequency("title", w), w))
    reference = query.Or([reference, *[query.Term("title", w) for w in title_words[:MAX_EXPANSION]]])
    ours = searcher.matches(searcher.parse("pr*"))
    theirs = whoosh_matches(searcher, reference)
    np.testing.assert_array_equal(ours.docnums, theirs.docnums)
    np.testing.assert_allclose(ours.scores, theirs.scores, rtol=0, atol=1e-6)


def test_fuzzy_distance_is_capped_and_wide_queries_stay_quick(ix):
    results = ix.search("internationalization~9")
    assert any("at most 2 edits" in note for note in results.notes)
    for text in ["oil~9", "pr~3", "title:[a TO z]", "narwhal*", "*an*"]:
        ix.search(text)  # answered, whatever it finds: expansions are bounded


def test_a_query_past_the_time_budget_is_refused_not_run(reuters_index):
    # forty phrases of common words: every candidate's positions are read from Whoosh
    words = ["said", "the", "mln", "dlrs", "year", "pct", "company", "shares", "would", "last"]
    text = " OR ".join(f'"{a} {b}"' for a in words for b in words[:4] if a != b)
    tight = open_index(reuters_index, time_budget=0.05)
    started = time.monotonic()
    with pytest.raises(QueryTooBroad, match="too broad"):
        tight.search(text)
    assert time.monotonic() - started < 5
    assert tight.search("oil").total > 0  # a plain query still fits
    assert open_index(reuters_index, time_budget=120).search(text).total > 0


def test_stop_words_are_searched_only_when_there_is_nothing_else(ix):
    assert ix.search("may").total > 0 and ix.search("The Will").total > 0
    assert ix.search("may oil").total == ix.search("oil").total


def test_the_page_and_the_api_show_a_cut_expansion_and_refuse_a_too_broad_query(reuters_index):
    from web import create_app

    client = create_app({"INDEX_PATH": str(reuters_index)}).test_client()
    page = client.get("/", query_string={"q": "pr*"})
    assert page.status_code == 200
    assert f"only the {MAX_EXPANSION} most frequent were searched" in page.get_data(as_text=True)
    api = client.get("/api/search", query_string={"q": "pr*"}).get_json()
    assert any("most frequent" in note for note in api["notes"])
    assert client.get("/api/search", query_string={"q": "a"}).status_code == 400
