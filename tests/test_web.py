"""The web front end through Flask's test client: every page and parameter, good and bad."""

from __future__ import annotations

import datetime as dt
import html
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from conftest import WIRE_SOURCES, XSS_IMG, XSS_SCRIPT, _web_ner_available

from search import index_corpus
from web import create_app

SEED = "000_9fd24cdd38f6fc40.txt"
LAST_WIRE_DAY = (dt.date(2023, 1, 9) + dt.timedelta(days=6 * 29)).isoformat()


def total_of(client, query_string: str) -> int:
    response = client.get(f"/api/search?{query_string}")
    assert response.status_code == 200, response.get_json()
    return response.get_json()["total"]


def text_of(response) -> str:
    return response.get_data(as_text=True)


# --- the search page -------------------------------------------------------------------------


def test_browse_without_query_lists_everything_newest_first(web_client):
    response = web_client.get("/")
    assert response.status_code == 200
    page = text_of(response)
    assert "All 37 articles" in page
    assert 'name="q"' in page and "autofocus" in page
    assert '<label for="q"' in page
    data = web_client.get("/api/search").get_json()
    dates = [hit["date"] for hit in data["hits"] if hit["date"]]
    assert dates == sorted(dates, reverse=True) and dates[0] == LAST_WIRE_DAY
    # every facet with values is in the sidebar, and the publication-date histogram
    for heading in ("Published", "Sources", "Reporters"):
        assert f">{heading}</h3>" in page
    assert 'class="histogram"' in page


def test_query_results_have_marked_snippets_count_and_time(web_client):
    page = text_of(web_client.get("/?q=tariffs"))
    assert "<mark>tariffs</mark>" in page
    assert re.search(r"\d+ results\s+for <q class=\"query-echo\">tariffs</q>", page)
    assert re.search(r"\d+ ms", page)
    assert 'value="tariffs"' in page  # the query stays in the box


def test_snippet_has_several_fragments_when_hits_are_spread(web_client):
    page = text_of(web_client.get("/?q=Taiwan"))
    snippets = re.findall(r'<p class="hit-snippet">(.*?)</p>', page, re.S)
    assert any(s.count("…") >= 2 and s.count("<mark>") >= 2 for s in snippets)
    assert not any("… …" in s or "…  …" in s for s in snippets)  # one ellipsis between fragments


def test_hits_show_title_date_source_and_link_to_article_with_query(web_client):
    page = text_of(web_client.get("/?q=tariffs&sort=newest"))
    assert re.search(r'<time datetime="2023-\d\d-\d\d">\d+ \w{3} 2023</time>', page)
    assert any(f'class="hit-source">{source}<' in page for source in WIRE_SOURCES)
    assert 'href="/article/wire/2023/' in page and "?q=tariffs" in page


@pytest.mark.parametrize("sort", ["newest", "oldest"])
def test_sort_by_date(web_client, sort):
    data = web_client.get(f"/api/search?q=officials&sort={sort}&per_page=50").get_json()
    dates = [hit["date"] for hit in data["hits"] if hit["date"]]
    assert len(dates) >= 20
    assert dates == sorted(dates, reverse=sort == "newest")
    page = text_of(web_client.get(f"/?q=officials&sort={sort}"))
    assert f'<option value="{sort}" selected>' in page


def test_sort_select_defaults(web_client):
    assert '<option value="relevance" selected>' in text_of(web_client.get("/?q=officials"))
    browse = text_of(web_client.get("/"))
    assert '<option value="newest" selected>' in browse and 'value="relevance"' not in browse
    assert total_of(web_client, "sort=date") == 37  # 'date' is accepted as newest


def test_pagination_marks_the_current_page(web_client):
    # every article (collapse=0): by story, the templated wire stories fold into a few results
    first = text_of(web_client.get("/?collapse=0"))
    assert 'aria-label="Result pages"' in first
    assert 'aria-current="page" href="/?collapse=0"' in first
    assert 'rel="next" href="/?collapse=0&amp;page=2"' in first
    second = text_of(web_client.get("/?collapse=0&page=2"))
    assert 'aria-current="page" href="/?collapse=0&amp;page=2"' in second
    assert '<ol class="hits" start="11">' in second
    assert 'rel="prev"' in second


def test_page_past_the_end_is_a_friendly_page(web_client):
    response = web_client.get("/?collapse=0&page=50")
    assert response.status_code == 200
    assert "past the end" in text_of(response) and "page=4" in text_of(response)
    assert "past the end" in text_of(web_client.get("/?page=50"))  # by story too


def test_facet_values_of_one_facet_are_or_and_facets_are_and(web_client):
    assert total_of(web_client, "source=Reuters") == 10
    assert total_of(web_client, "source=Reuters&source=AFP") == 20
    both = total_of(web_client, "source=Reuters&q=tariffs")
    assert 0 < both < 10
    data = web_client.get("/api/search?source=Reuters").get_json()
    # counts of a facet ignore its own filter (so alternatives stay visible) ...
    sources = {c["value"]: c["count"] for c in data["facets"]["source"]}
    assert sources == {"Reuters": 10, "AFP": 10, "Associated Press": 10}
    assert [c["selected"] for c in data["facets"]["source"] if c["value"] == "Reuters"] == [True]
    # ... and follow the other filters
    data = web_client.get("/api/search?source=Reuters&from=2023-01-01&to=2023-01-31").get_json()
    assert sum(c["count"] for c in data["facets"]["source"]) == 4


def test_active_filters_are_removable_chips(web_client):
    page = text_of(web_client.get("/?q=officials&source=Reuters&source=AFP&from=2023-02-01"))
    chips = re.findall(r'<a class="chip" href="([^"]+)">', page)
    assert len(chips) == 3
    unescaped = [html.unescape(c) for c in chips]
    assert "/?q=officials&source=AFP&from=2023-02-01" in unescaped
    assert "/?q=officials&source=Reuters&from=2023-02-01" in unescaped
    assert "/?q=officials&source=Reuters&source=AFP" in unescaped
    assert "Clear all filters" in page
    # the search box keeps the filters for a new query
    assert '<input type="hidden" name="source" value="Reuters">' in page


def test_facet_links_toggle_values(web_client):
    page = text_of(web_client.get("/?source=Reuters"))
    assert 'class="facet-value is-selected" href="/"' in page  # following it removes the filter
    assert html.escape("/?source=Reuters&source=AFP") in page


def test_person_facet_and_entity_links(web_client):
    if not _web_ner_available():
        pytest.skip("the NER modules or the spaCy model are not installed: no person facet")
    page = text_of(web_client.get("/"))
    assert ">People</h3>" in page
    assert total_of(web_client, "person=Wang+Yi") == 4
    assert total_of(web_client, "person=wang+yi") == 4  # case does not matter
    assert 'href="/?person=Antony+Blinken"' in text_of(web_client.get(f"/article/{SEED}"))


def test_show_more_and_filter_box_hooks(web_index):
    app = create_app({"INDEX_PATH": str(web_index), "FACET_SHOWN": 2})
    client = app.test_client()
    page = text_of(client.get("/"))
    section = re.search(r'<section class="facet" id="facet-source".*?</section>', page, re.S).group(0)
    assert section.count("hidden data-extra") == 1
    assert 'data-filterable="true"' in section
    assert "more=source#facet-source" in section and "Show all 3" in section
    expanded = text_of(client.get("/?more=source"))
    section = re.search(r'<section class="facet" id="facet-source".*?</section>', expanded, re.S).group(0)
    assert "data-extra" not in section and "Show fewer" in section


def test_date_histogram_bars_and_range(web_client):
    page = text_of(web_client.get("/"))
    rows = re.findall(r'<a class="hist-row" href="([^"]+)" data-from="[\d-]+" data-to="[\d-]+">', page)
    assert html.unescape(rows[0]) == "/?from=2023-01-01&to=2023-01-31"
    assert re.search(r'class="hist-fill w(100|[1-9]?[05])"', page)
    assert re.search(r'class="hist-count">\d+<span class="visually-hidden"> articles', page)
    assert 'type="date" name="from"' in page and 'type="date" name="to"' in page
    # February 2023: the wire stories every six days from 9 January
    expected = sum(
        1 for n in range(30) if (dt.date(2023, 1, 9) + dt.timedelta(days=6 * n)).month == 2
    )
    assert total_of(web_client, "from=2023-02-01&to=2023-02-28") == expected
    assert total_of(web_client, "from=2023-02&to=2023-02") == expected  # months accepted
    selected = text_of(web_client.get("/?from=2023-02-01&to=2023-02-28"))
    # the histogram zooms into the range: February's days, each its own bar
    days = re.findall(r'data-from="([\d-]+)" data-to="([\d-]+)"', selected)
    assert days and all(start == end and start.startswith("2023-02-") for start, end in days)
    assert 'value="2023-02-01"' in selected and 'value="2023-02-28"' in selected


def test_a_typo_is_corrected_with_a_way_back(web_client):
    page = text_of(web_client.get("/?q=tarifs"))
    assert "Showing results for" in page and 'href="/?q=tariffs"' in page
    assert 'href="/?q=tarifs&amp;autocorrect=0"' in page  # "search instead for"
    verbatim = text_of(web_client.get("/?q=tarifs&autocorrect=0"))
    assert "Did you mean" in verbatim and 'href="/?q=tariffs"' in verbatim
    data = web_client.get("/api/search?q=tarifs").get_json()
    assert data["corrected"] == "tariffs" and data["query"] == "tarifs" and data["total"] > 0


def test_no_results_message(web_client):
    page = text_of(web_client.get("/?q=xylophone"))
    assert "No articles match" in page
    page = text_of(web_client.get("/?q=tariffs&source=Nobody"))
    assert "Search again without filters" in page


# --- bad input never gives a 500 ---------------------------------------------------------------

BAD_PARAMETERS = {
    "too broad a wildcard": 'q="w*',
    "unknown facet": "more=colour",
    "page 0": "page=0",
    "page 10**9": f"page={10**9}",
    "page not a number": "page=two",
    "negative page": "page=-3",
    "per_page junk": "per_page=lots",
    "per_page 0": "per_page=0",
    "per_page too big": "per_page=100000",
    "5,000-character query": "q=" + "a" * 5000,
    "bad from date": "from=2023-13-45",
    "bad to date": "to=yesterday",
    "from after to": "from=2023-06-01&to=2023-01-01",
    "unknown sort": "sort=popularity",
    "too long facet value": "person=" + "x" * 500,
    "one-letter wildcard": "q=a*",
    "mentioned not a date": "mentioned=junk",
    "mentioned month 13": "mentioned=2023-13",
    "mentioned day 31 in June": "mentioned=2023-06-31",
}


@pytest.mark.parametrize("query_string", BAD_PARAMETERS.values(), ids=BAD_PARAMETERS.keys())
def test_bad_parameters_give_a_friendly_400(web_client, query_string):
    response = web_client.get(f"/?{query_string}")
    assert response.status_code == 400
    page = text_of(response)
    assert "We couldn’t run this search" in page
    assert 'class="notice-message"' in page and "Traceback" not in page
    api = web_client.get(f"/api/search?{query_string}")
    assert api.status_code == 400
    assert api.is_json and set(api.get_json()) == {"error"} and api.get_json()["error"]


def test_malformed_mentioned_value_is_explained(web_client):
    error = web_client.get("/api/search?mentioned=June").get_json()["error"]
    assert "'June'" in error and "YYYY-MM" in error
    assert web_client.get("/api/search?mentioned=2023-06").status_code == 200


def test_malformed_query_explains_the_syntax(web_client):
    page = text_of(web_client.get('/?q="wang y*'))
    assert "too broad" in page
    for example in ("OR", "-weather", '"state visit"', 'person:"Wang Yi"'):
        assert example in page
    assert 'value="&#34;wang y*"' in page  # the query is kept, escaped, for fixing


@pytest.mark.parametrize(
    "query",
    ["*", "?", "OR", "AND AND", "-", "person:", ")(", "~", "a~~~", "date:2023", "date:[2023 to]", "%",
     "😀", "\x00", "title:", "NOT", '"" ""', "x" * 999, "[a TO", "{", "/", "\\"],
)
def test_odd_queries_never_fail(web_client, query):
    for path in ("/", "/api/search"):
        response = web_client.get(path, query_string={"q": query})
        assert response.status_code in (200, 400), (path, query, response.status_code)


def test_empty_and_unknown_parameters_are_ignored(web_client):
    assert web_client.get("/?q=&page=&per_page=&sort=&from=&to=&person=&utm_source=x").status_code == 200


# --- articles ----------------------------------------------------------------------------------


def test_article_page(web_client):
    response = web_client.get(f"/article/{SEED}")
    assert response.status_code == 200
    page = text_of(response)
    assert "Blinken meets China’s top diplomat in final day of high stakes visit to Beijing" in page
    assert page.count("<p>") >= 10  # paragraphs
    assert 'href="/?contributor=Philip+Wang"' in page
    assert "More like this" in page and page.count('href="/article/') >= 3
    assert "Leave a Reply" not in text_of(web_client.get("/article/002_6937f6493b2a8ce3.txt"))


def test_article_highlights_the_query(web_client):
    page = text_of(web_client.get(f"/article/{SEED}?q=Blinken"))
    assert "<mark>Blinken</mark>" in page and "Hide highlights" in page
    assert "<mark>" not in text_of(web_client.get(f"/article/{SEED}"))
    assert web_client.get(f"/article/{SEED}?q=" + "%22" * 3).status_code == 200  # bad query: no marks
    assert web_client.get(f"/article/{SEED}?q=" + "x" * 5000).status_code == 200


def test_article_back_link_returns_to_the_search(web_client):
    page = text_of(web_client.get(f"/article/{SEED}?q=Blinken",
                                  headers={"Referer": "http://localhost/?q=Blinken&source=AFP"}))
    assert html.escape("/?q=Blinken&source=AFP") in page
    page = text_of(web_client.get(f"/article/{SEED}?q=Blinken", headers={"Referer": "https://evil.example/?q=x"}))
    assert "evil.example" not in page and 'href="/?q=Blinken"' in page


def test_article_date_source_and_safe_links(web_client):
    page = text_of(web_client.get("/article/wire/2023/004"))
    assert '<time datetime="2023-02-02">2 Feb 2023</time>' in page
    assert 'href="https://news.example/4"' in page and "AFP" in page
    page = text_of(web_client.get("/article/wire/2023/003"))
    assert "javascript:" not in page.replace("Source: javascript:alert(1)", "")
    assert 'href="javascript' not in page


def test_ids_with_slashes(web_client):
    response = web_client.get("/article/sub/dir/file.txt")
    assert response.status_code == 200
    assert "Harbour pilots strike over new shift rules" in text_of(response)
    assert web_client.get("/api/article/sub/dir/file.txt").get_json()["id"] == "sub/dir/file.txt"


@pytest.mark.parametrize(
    "path",
    [
        "/article/nope.txt",
        "/article/../../../../etc/passwd",
        "/article/..%2F..%2F..%2F..%2Fetc%2Fpasswd",
        "/article/%2e%2e/%2e%2e/etc/passwd",
        "/article/sub/../../conftest.py",
        "/article//etc/passwd",
        "/article/" + "x" * 3000,
    ],
)
def test_unknown_article_ids_are_404_and_never_files(web_client, path):
    response = web_client.get(path, follow_redirects=True)  # '//' is merged by a redirect
    assert response.status_code == 404
    page = text_of(response)
    assert "root:" not in page and "import pytest" not in page
    api = web_client.get(path.replace("/article/", "/api/article/", 1), follow_redirects=True)
    assert api.status_code == 404 and "error" in api.get_json()


def test_unknown_pages_and_methods(web_client):
    response = web_client.get("/no/such/page")
    assert response.status_code == 404 and "There is no page at this address" in text_of(response)
    api = web_client.get("/api/nothing")
    assert api.status_code == 404 and api.is_json
    assert web_client.post("/").status_code == 405
    assert web_client.post("/api/search").get_json()["error"]


# --- security ----------------------------------------------------------------------------------


def _assert_escaped(page: str) -> None:
    assert XSS_SCRIPT not in page
    assert "<img src=x" not in page and "<img" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page


def test_xss_in_title_body_and_query_is_text(web_client):
    results = text_of(web_client.get("/?q=zebra"))
    _assert_escaped(results)
    snippet = re.search(r'<p class="hit-snippet">(.*?)</p>', results, re.S).group(1)
    assert "&lt;script&gt;" in snippet and "&lt;img" in snippet and "<mark>zebra</mark>" in snippet
    # the only tags are our own <mark> and the fragment separator
    assert "<" not in re.sub(r'</?mark>|<span class="ellipsis" aria-hidden="true">|</span>', "", snippet)
    article = text_of(web_client.get("/article/xss.txt?q=" + XSS_SCRIPT))
    _assert_escaped(article)
    query = text_of(web_client.get("/", query_string={"q": f"{XSS_SCRIPT} {XSS_IMG}"}))
    assert XSS_SCRIPT not in query and "<img" not in query
    assert "&lt;script&gt;" in query
    marked = text_of(web_client.get("/article/xss.txt", query_string={"q": "script alert"}))
    assert "&lt;<mark>script</mark>&gt;" in marked


def test_no_inline_script_or_style(web_client):
    # collapse=0 keeps the article whose title injects markup (escaped) off the first page: the
    # check below reads escaped text as markup
    for path in ("/?collapse=0", "/?q=tariffs&source=AFP", f"/article/{SEED}", "/nope", '/?q="x'):
        page = text_of(web_client.get(path))
        assert not re.search(r"<script(?![^>]*\ssrc=)", page), path
        assert " style=" not in page and "<style" not in page, path
        assert not re.search(r"\son[a-z]+=", page), path
        for asset in re.findall(r'(?:src|href)="(https?:)?//', page):
            pytest.fail(f"external asset in {path}: {asset}")


@pytest.mark.parametrize(
    "path", ["/", "/?q=x", f"/article/{SEED}", "/api/search", "/nope", "/static/style.css", "/?page=0"]
)
def test_security_headers(web_client, path):
    headers = web_client.get(path).headers
    csp = headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "style-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"


def test_source_links_do_not_leak_the_query(web_client):
    page = text_of(web_client.get("/article/wire/2023/004?q=secret"))
    link = '<a class="source-link" href="https://news.example/4" rel="noopener noreferrer nofollow"'
    assert link in page


def test_static_assets_are_local(web_client):
    css = web_client.get("/static/style.css")
    assert css.status_code == 200 and css.mimetype == "text/css"
    js = web_client.get("/static/app.js")
    assert js.status_code == 200 and "javascript" in js.mimetype


# --- JSON API ----------------------------------------------------------------------------------


def test_api_search_mirrors_the_page(web_client):
    state = "q=officials&source=AFP&from=2023-02-01&sort=oldest"
    data = web_client.get(f"/api/search?{state}&page=1&per_page=5").get_json()
    assert {"query", "filters", "total", "hits", "facets", "page", "pages", "per_page", "sort",
            "date_histogram", "date_granularity", "took_ms", "suggestion"} <= set(data)
    assert data["query"] == "officials" and data["sort"] == "oldest" and data["per_page"] == 5
    assert data["filters"] == {"facets": {"source": ["AFP"]}, "date_from": "2023-02-01", "date_to": None}
    assert len(data["hits"]) == 5 and data["pages"] == -(-data["total"] // 5)
    hit = data["hits"][0]
    assert {"id", "title", "date", "source", "url", "score", "snippet", "people"} <= set(hit)
    assert isinstance(hit["snippet"][0][0], dict) and {"text", "match"} == set(hit["snippet"][0][0])
    page = text_of(web_client.get("/?q=officials&source=AFP&from=2023-02-01&sort=oldest"))
    assert f"{data['total']} results" in page
    # the page's footer links to the same state as JSON
    assert html.escape("/api/search?q=officials&source=AFP&from=2023-02-01&sort=oldest") in page


def test_api_search_facet_selection(web_client):
    data = web_client.get("/api/search?facets=source&facet_limit=2").get_json()
    assert list(data["facets"]) == ["source"] and len(data["facets"]["source"]) == 2
    assert web_client.get("/api/search?facets=colour").status_code == 400
    assert web_client.get("/api/search?facet_limit=0").status_code == 400
    assert web_client.get("/api/search?facet_limit=x").status_code == 400
    assert web_client.get("/api/search?facet_limit=\u00b2").status_code == 400  # superscript two
    assert web_client.get("/?q=talks,balonn").status_code == 200


def test_api_article(web_client):
    data = web_client.get(f"/api/article/{SEED}?q=Blinken").get_json()
    assert data["id"] == SEED and data["title"].startswith("Blinken meets")
    assert "Philip Wang" in data["contributors"] and data["paragraphs"]
    assert "path" not in data  # no server paths in the API
    assert any(span["match"] for p in data["highlight"]["paragraphs"] for span in p)
    assert data["more_like_this"] and "snippet" in data["more_like_this"][0]
    raw = web_client.get("/api/article/xss.txt").get_json()
    assert XSS_SCRIPT in raw["title"]  # JSON carries the text as data; the page escapes it
    missing = web_client.get("/api/article/missing.txt")
    assert missing.status_code == 404 and missing.get_json()["error"].startswith("No article")


# --- the index: opened once, followed across rebuilds, absent ---------------------------------


def test_index_opened_once_per_process(web_app, web_client):
    web_client.get("/")
    first = web_app.extensions["dateline"].index
    web_client.get("/?q=tariffs")
    web_client.get(f"/article/{SEED}")
    assert web_app.extensions["dateline"].index is first


def test_missing_index_is_friendly_then_picked_up(tmp_path, seeds_dir):
    app = create_app({"INDEX_PATH": str(tmp_path / "index")})
    client = app.test_client()
    response = client.get("/")
    assert response.status_code == 503 and "dateline index" in text_of(response)
    assert client.get("/api/search").status_code == 503
    assert "error" in client.get("/api/search").get_json()
    index_corpus(tmp_path / "index", [seeds_dir], entities=False)
    assert client.get("/").status_code == 200


def test_rebuild_is_followed(tmp_path, seeds_dir):
    import shutil

    corpus = tmp_path / "corpus"
    shutil.copytree(seeds_dir, corpus)
    index_corpus(tmp_path / "index", [corpus], entities=False)
    client = create_app({"INDEX_PATH": str(tmp_path / "index")}).test_client()
    assert total_of(client, "") == 5
    (corpus / "extra.txt").write_text("Lighthouse keepers\n\nA story about lighthouse keepers.\n")
    time.sleep(1.1)  # generation names have one-second resolution (see the report)
    index_corpus(tmp_path / "index", [corpus], rebuild=True, entities=False)
    deadline = time.monotonic() + 5
    while total_of(client, "") != 6 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert total_of(client, "") == 6
    assert client.get("/article/extra.txt").status_code == 200


def test_serve_binds_loopback_by_default():
    from search.cli import serve_command

    host = next(p for p in serve_command.params if p.name == "host")
    assert host.default == "127.0.0.1"


def test_snippet_filter_escapes_then_marks_and_joins_fragments():
    from search import Span
    from web import snippet_to_html, spans_to_html

    assert str(spans_to_html([Span("<b>a</b> "), Span("<i>", True)])) == "&lt;b&gt;a&lt;/b&gt; <mark>&lt;i&gt;</mark>"
    plain = snippet_to_html([[Span("one "), Span("x", True)], [Span("two")]])
    assert str(plain) == 'one <mark>x</mark> <span class="ellipsis" aria-hidden="true">…</span> two'
    dotted = snippet_to_html([[Span("… one "), Span("x", True), Span(" …")], [Span("… two …")]])
    assert str(dotted) == "… one <mark>x</mark> … two …"


def _parent_pid(stat: Path) -> int | None:
    try:  # /proc/<pid>/stat: "pid (name) state ppid ..."; the name may hold spaces
        return int(stat.read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return None


@pytest.mark.parametrize("command", ["dateline serve", "gunicorn"])
def test_the_production_server_serves_with_several_workers(web_index, command):
    """`make serve` (`dateline serve`) and gunicorn run directly: two workers answer the API and the page."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    bin_dir = Path(sys.executable).parent
    if command == "gunicorn":
        args = [str(bin_dir / "gunicorn"), "--workers", "2", "--threads", "2", "--bind", f"127.0.0.1:{port}",
                "web:create_app()"]
    else:
        args = [str(bin_dir / "dateline"), "serve", "--workers", "2", "--port", str(port), "--index", str(web_index)]
    server = subprocess.Popen(
        args,
        env={**os.environ, "DATELINE_INDEX": str(web_index)},
        cwd=Path(__file__).resolve().parent.parent,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/search?q=talks", timeout=5) as response:
                    data = json.loads(response.read())
                break
            except OSError:
                assert server.poll() is None, server.stderr.read().decode()
                assert time.monotonic() < deadline, f"{command} did not answer within 30 s"
                time.sleep(0.2)
        assert data["total"] > 0
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/?q=talks", timeout=5) as response:
            assert "talks" in response.read().decode()
        workers = [
            stat for stat in Path("/proc").glob("[0-9]*/stat")
            if _parent_pid(stat) == server.pid
        ]
        assert len(workers) == 2
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert server.returncode == 0 and b"Traceback" not in server.stderr.read()


@pytest.mark.parametrize("value", ["two", "0", "-1", "1e9"])
def test_a_bad_time_budget_is_refused_with_its_name(monkeypatch, value):
    monkeypatch.setenv("DATELINE_TIME_BUDGET", value)
    with pytest.raises(ValueError, match="DATELINE_TIME_BUDGET must be a number of seconds"):
        create_app()


def test_a_date_range_zooms_the_histogram_in_and_out(web_client):
    whole = web_client.get("/api/search").get_json()
    assert whole["date_granularity"] == "month" and len(whole["date_histogram"]) > 3
    month = whole["date_histogram"][1]
    zoomed = web_client.get(f"/api/search?from={month['value']}&to={month['value']}").get_json()
    assert zoomed["date_granularity"] == "day"
    assert all(b["value"].startswith(month["value"]) for b in zoomed["date_histogram"])
    assert sum(b["count"] for b in zoomed["date_histogram"]) == month["count"] == zoomed["total"]
    page = text_of(web_client.get(f"/?from={month['value']}&to={month['value']}"))
    assert re.search(r'<p class="zoom-out"><a href="/\?from=2023-01-01&amp;to=2023-12-31">‹ All of 2023</a>', page)
    day = zoomed["date_histogram"][0]["value"]
    page = text_of(web_client.get(f"/?from={day}&to={day}"))
    assert f"‹ All of {dt.date.fromisoformat(day):%B %Y}</a>" in page
    page = text_of(web_client.get("/?from=2023-01-01&to=2023-12-31"))
    assert '<p class="zoom-out"><a href="/">‹ All dates</a>' in page
    assert 'class="zoom-out"' not in text_of(web_client.get("/"))
