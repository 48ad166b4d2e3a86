"""The search API on real indexes: query language, filters, facet counts, snippets, errors."""

import datetime as dt
import json
from pathlib import Path

import pytest

from search import Filters, QueryError, index_corpus, open_index

WIRE = [
    ("w1", "Cocoa harvest delayed by rain", "Heavy rain delayed the cocoa harvest in Bahia, traders said.",
     "2023-06-18", "Wire A"),
    ("w2", "Cocoa prices climb", "Cocoa prices rose on the London market after the Bahia rain.",
     "2023-06-19", "Wire B"),
    ("w3", "Coffee exports fall", "Brazil coffee exports fell in May as growers held stock.",
     "2023-05-02", "Wire A"),
    ("w4", "Balloon over Montana", "A surveillance balloon drifted over Montana, officials said.",
     "2023-02-03", "Wire C"),
    ("w5", "Undated note on cocoa", "Cocoa butter and cocoa cake sales were light.", None, "Wire B"),
]


@pytest.fixture(scope="module")
def wire_index(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("wire")
    lines = [
        json.dumps({"id": i, "title": t, "body": b, "date": d, "source": s})
        for i, t, b, d, s in WIRE
    ]
    (root / "wire.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    index_dir = root / "ix"
    index_corpus(index_dir, [root], entities=False)
    return index_dir


@pytest.fixture(scope="module")
def index(wire_index):
    return open_index(wire_index)


def found(results) -> list[str]:
    return [hit.id for hit in results.hits]


def test_words_are_anded_and_stemmed(index):
    assert set(found(index.search("cocoa rain"))) == {"w1", "w2"}
    assert set(found(index.search("climbing"))) == {"w2"}  # stemming: climb / climbing


def test_or_not_minus_phrase_field_wildcard_fuzzy(index):
    assert set(found(index.search("coffee OR balloon"))) == {"w3", "w4"}
    assert set(found(index.search("cocoa -rain"))) == {"w5"}
    assert set(found(index.search("cocoa NOT rain"))) == {"w5"}
    assert set(found(index.search('"cocoa prices"'))) == {"w2"}
    assert set(found(index.search("title:cocoa"))) == {"w1", "w2", "w5"}
    assert set(found(index.search("coff*"))) == {"w3"}
    assert set(found(index.search("ballon~"))) == {"w4"}
    assert set(found(index.search("balon~2"))) == {"w4"}
    assert set(found(index.search("source:\"wire a\""))) == {"w1", "w3"}


def test_title_matches_rank_above_body_matches(index):
    results = index.search("harvest")
    assert found(results)[0] == "w1"
    cocoa = found(index.search("cocoa"))
    assert cocoa.index("w5") < 3  # "cocoa" twice in the body and in the title


def test_snippets_mark_the_matched_words_and_keep_raw_text(index):
    hit = index.search("delayed").hits[0]
    marked = [span.text for fragment in hit.snippet for span in fragment if span.match]
    assert marked == ["delayed", "delayed"] or marked == ["delayed"]
    text = "".join(span.text for span in hit.snippet[0])
    assert "Heavy rain delayed the cocoa harvest" in text


def test_empty_query_lists_everything_newest_first_undated_last(index):
    results = index.search("")
    assert results.total == 5
    assert found(results) == ["w2", "w1", "w3", "w4", "w5"]
    assert found(index.search("", sort="oldest")) == ["w4", "w3", "w1", "w2", "w5"]


def test_sort_by_date_with_a_query(index):
    assert found(index.search("cocoa", sort="newest")) == ["w2", "w1", "w5"]


def test_facet_values_of_one_facet_are_ored_and_counts_ignore_their_own_filter(index):
    results = index.search("", Filters({"source": ["Wire A", "wire c"]}))
    assert set(found(results)) == {"w1", "w3", "w4"}
    counts = {c.value: (c.count, c.selected) for c in results.facets["source"]}
    # the source facet still shows all sources with their counts
    assert counts == {"Wire A": (2, True), "Wire B": (2, False), "Wire C": (1, True)}


def test_different_facets_are_anded(index):
    filters = Filters({"source": ["Wire A"]}, date_from=dt.date(2023, 6, 1))
    assert found(index.search("", filters)) == ["w1"]
    results = index.search("", filters)
    # the date histogram follows the source filter and zooms into its own range (issue 18)
    histogram = {c.value: c.count for c in results.date_histogram}
    assert histogram == {"2023-06-18": 1}
    wider = index.search("", Filters({"source": ["Wire A"]}, date_from=dt.date(2023, 5, 1)))
    histogram = {c.value: c.count for c in wider.date_histogram}
    assert {k: v for k, v in histogram.items() if v} == {"2023-05-02": 1, "2023-06-18": 1}
    assert len(histogram) == 48  # every day from 2 May to 18 June, empty ones too


def test_date_range_and_histogram_granularity(index):
    june = index.search("", Filters(date_from=dt.date(2023, 6, 18), date_to=dt.date(2023, 6, 18)))
    assert found(june) == ["w1"]
    cocoa = index.search("cocoa")
    assert cocoa.date_granularity == "day"
    assert [(c.value, c.count) for c in cocoa.date_histogram] == [("2023-06-18", 1), ("2023-06-19", 1)]
    everything = index.search("")
    assert everything.date_granularity == "month"
    assert [(c.value, c.count) for c in everything.date_histogram] == [
        ("2023-02", 1), ("2023-03", 0), ("2023-04", 0), ("2023-05", 1), ("2023-06", 2)]


def test_pagination(index):
    first = index.search("", per_page=2, page=1)
    third = index.search("", per_page=2, page=3)
    assert first.pages == 3 and found(first) == ["w2", "w1"]
    assert found(third) == ["w5"]
    assert index.search("", per_page=2, page=4).hits == []


def test_a_typo_is_corrected_when_the_correction_finds_far_more(index):
    results = index.search("cocao")
    assert results.corrected == "cocoa" and results.query == "cocao"
    assert found(results) == found(index.search("cocoa"))
    verbatim = index.search("cocao", autocorrect=False)
    assert verbatim.total == 0 and verbatim.corrected is None and verbatim.suggestion == "cocoa"
    assert index.search("cocoa").suggestion is None and index.search("cocoa").corrected is None


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("c*", "too broad"),
        ("x" * 5000, "5,000 characters"),
        ("AND", "no words"),
    ],
)
def test_malformed_queries_raise_query_error_with_a_clear_message(index, query, message):
    with pytest.raises(QueryError, match=message):
        index.search(query)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"page": 0}, "page must be"), ({"page": 10**9}, "page must be"), ({"per_page": 0}, "per_page"),
     ({"sort": "random"}, "Unknown sort"), ({"filters": Filters({"colour": ["red"]})}, "Unknown facet")],
)
def test_bad_parameters_raise_query_error(index, kwargs, message):
    with pytest.raises(QueryError, match=message):
        index.search("cocoa", **kwargs)


def test_get_and_highlight_an_article(index):
    article = index.get("w2")
    assert article.title == "Cocoa prices climb" and article.date == dt.date(2023, 6, 19)
    assert article.site == "Wire B"
    title, paragraphs = index.highlight(article, "prices")
    assert [s.text for s in title if s.match] == ["prices"]
    assert [s.text for s in paragraphs[0] if s.match] == ["prices"]
    assert index.get("../../etc/passwd") is None


def test_more_like_this_finds_the_related_article(index):
    similar = [hit.id for hit in index.more_like_this("w1")]
    assert similar and similar[0] in {"w2", "w5"}
    assert "w1" not in similar


def test_pages_follow_one_exact_score_order(index):
    everything = index.search("cocoa OR coffee OR balloon OR rain", per_page=100)
    scores = [hit.score for hit in everything.hits]
    assert scores == sorted(scores, reverse=True) and everything.total == 5
    paged = [hit.id for page in (1, 2, 3) for hit in index.search("cocoa OR coffee OR balloon OR rain",
                                                                    per_page=2, page=page).hits]
    assert paged == [hit.id for hit in everything.hits]


def test_no_suggestion_when_only_a_filter_leaves_few_hits(index):
    results = index.search("cocoa", Filters({"source": ["Wire C"]}))
    assert results.total == 0 and results.suggestion is None


def test_a_hyphen_inside_a_word_or_date_is_not_a_not(index):
    assert set(found(index.search("date:2023-06"))) == {"w1", "w2"}
    assert found(index.search("date:2023-01")) == []
    assert found(index.search("date:2023-06-19")) == ["w2"]
    assert set(found(index.search("cocoa -rain"))) == {"w5"}  # a leading minus still excludes


@pytest.mark.parametrize("query", ["talks,balonn", "cocoa/prics", "rain@bahai", "date:2023-06-18T10:00"])
def test_odd_tokens_never_break_the_spelling_suggester(index, query):
    index.search(query)  # Whoosh's corrector raises on tokens without positions: caught


def test_suggestions_are_right_from_many_threads(index):
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(8) as pool:
        suggestions = list(pool.map(lambda _: index.search("cocao").corrected, range(200)))
    assert set(suggestions) == {"cocoa"}
