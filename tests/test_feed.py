"""Atom feeds of searches (``/feed``), checked with a real feed parser."""

from __future__ import annotations

import json
import re

import feedparser
import pytest
from conftest import XSS_IMG, XSS_SCRIPT

from search import index_corpus
from web import create_app
from web.feed import FEED_SIZE, xml_text


def parse(response):
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.mimetype == "application/atom+xml"
    feed = feedparser.parse(response.data)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    return feed


def test_feed_lists_the_newest_hits_of_the_search(web_client):
    search = web_client.get("/api/search?q=officials&source=Reuters&sort=newest&per_page=50").get_json()
    feed = parse(web_client.get("/feed?q=officials&source=Reuters"))
    assert [e.link.rsplit("/article/", 1)[1] for e in feed.entries] == [h["id"] for h in search["hits"]]
    published = [e.published for e in feed.entries]
    assert published == sorted(published, reverse=True) and len(published) == search["total"] > 2
    assert feed.feed.title == "Dateline: “officials”, Source Reuters"
    assert all(e.author == "Reuters" for e in feed.entries)
    assert "officials" in feed.entries[0].summary.lower()
    assert feed.feed.updated == feed.entries[0].updated  # the newest article
    assert feed.feed.links[0].href.endswith("/feed?q=officials&source=Reuters")


def test_feed_is_capped_to_the_newest(web_client):
    total = web_client.get("/api/search").get_json()["total"]
    feed = parse(web_client.get("/feed"))
    assert len(feed.entries) == min(FEED_SIZE, total)
    assert feed.feed.title == "Dateline: all articles"


def test_feed_escapes_markup(web_client):
    feed = parse(web_client.get("/feed?q=zebra"))
    assert XSS_SCRIPT in feed.entries[0].title and XSS_IMG in feed.entries[0].title
    assert b"<script>" not in web_client.get("/feed?q=zebra").data


def test_xml_text_drops_what_xml_cannot_carry():
    assert xml_text("a\x00b\x01c\x1fd\ufffee\ud800f\tg\nh") == "abcdef\tg\nh"
    assert xml_text("ok 😀 é") == "ok 😀 é"


@pytest.mark.parametrize("query", ['q=a%2A', "from=2023-02-30", "sort=popular"])
def test_feed_bad_parameters_are_400(web_client, query):
    response = web_client.get(f"/feed?{query}")
    assert response.status_code == 400


def test_search_page_links_its_feed(web_client):
    page = web_client.get("/?q=officials&source=AFP&page=2").get_data(as_text=True)
    head = page.split("</head>")[0]
    assert re.search(r'<link rel="alternate" type="application/atom\+xml" title="[^"]+" '
                     r'href="/feed\?q=officials&amp;source=AFP">', head)
    assert 'class="feed-link" href="/feed?q=officials&amp;source=AFP"' in page


def test_a_subscriber_sees_new_articles_after_an_index_run(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()

    def story(name, ident, day, title):
        (corpus / name).write_text(json.dumps({
            "id": ident, "title": title, "date": day, "source": "Wire",
            "body": f"{title}. The harbour pilots and the port authority met again on {day}; "
                    "bad\u0001bytes\u0000 stay out of the feed.",
        }) + "\n", encoding="utf-8")

    story("a.jsonl", "a1", "2024-03-01", "Harbour pilots strike")
    index = tmp_path / "index"
    index_corpus(index, [corpus], entities=False)
    client = create_app({"INDEX_PATH": str(index), "TESTING": True}).test_client()
    before = parse(client.get("/feed?q=harbour+pilots"))
    assert [e.title for e in before.entries] == ["Harbour pilots strike"]
    story("b.jsonl", "b1", "2024-03-05", "Harbour pilots end strike")
    index_corpus(index, [corpus])
    after = parse(client.get("/feed?q=harbour+pilots"))
    assert [e.title for e in after.entries] == ["Harbour pilots end strike", "Harbour pilots strike"]
    assert after.entries[1].id == before.entries[0].id  # a reader shows the old one once
    assert after.feed.updated.startswith("2024-03-05")
