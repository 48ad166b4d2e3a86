import datetime as dt
import re
import socket
from collections import Counter
from pathlib import Path

import pytest
import trafilatura
from bs4 import BeautifulSoup

from search.html import extract_html, html_to_text, looks_like_html, main_paragraphs, page_title, strip_site_suffix

DATA = Path(__file__).parent / "data"


def load(name: str) -> str:
    return (DATA / name).read_text(encoding="utf-8")


@pytest.fixture
def no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def test_full_page_keeps_article_and_drops_furniture(no_network):
    page = extract_html(load("news_full.html"))
    assert page.title == "Harbor authority approves floating wind farm off Port Ellis"
    assert page.date == dt.date(2024, 3, 12) and page.date_source == "html-meta"
    assert page.authors == ["Maria Okafor"]
    assert page.site == "Coastal Ledger"
    assert page.url == "https://www.coastalledger.example/news/floating-wind-farm"  # canonical beats og:url
    body = "\n".join(page.paragraphs)
    assert page.paragraphs[0].startswith("The Port Ellis harbor authority voted 7-2")
    assert "Fishing fleet divided" in page.paragraphs  # subheading kept as its own paragraph
    assert page.paragraphs[-1].startswith("The authority's approval still requires sign-off")
    # sentences with "share" stay
    assert any(p.startswith("Shares of the utility partner") for p in page.paragraphs)
    assert any("would share survey data" in p for p in page.paragraphs)
    for furniture in [
        "cookies",
        "Home",
        "Share this",
        "Facebook",
        "Sign up",
        "morning briefing",
        "Related articles",
        "Offshore wind could bring",
        "Comments",
        "Finally! This town",
        "Leave a Reply",
        "Your email address",
        "Follow us",
        "All rights reserved",
        "Privacy policy",
    ]:
        assert furniture not in body, furniture
    assert len(page.paragraphs) == 9


def test_visible_date_only_page_uses_the_byline_text(no_network):
    page = extract_html(load("news_visible_date.html"))
    assert page.title == "Library reopens after flood repairs"
    assert page.date == dt.date(2023, 6, 18) and page.date_source == "byline"
    assert page.authors == ["Priya Raman"]
    assert page.site is None and page.url is None
    assert page.paragraphs[0].startswith("The Riverside public library reopened")
    assert "Advertisement" not in page.paragraphs
    assert not any(
        p.startswith(("Read more", "By Priya", "Published", "Library reopens")) for p in page.paragraphs
    )
    reasons = {d.text: d.reason for d in page.dropped}
    assert reasons["Advertisement"] == "boilerplate: advertisement"
    assert (
        reasons["Read more: County approves flood barrier plan for Main Street"]
        == "boilerplate: related links"
    )
    assert reasons["Published June 18, 2023"] == "byline"
    assert len(page.paragraphs) == 5


def test_page_without_metadata(no_network):
    page = extract_html(load("news_no_meta.html"))
    assert page.title is None and page.date is None and page.date_source is None
    assert page.authors == [] and page.site is None and page.url is None
    assert len(page.paragraphs) == 4  # the repeated last paragraph appears once
    assert page.paragraphs[0].startswith("City council members agreed on Thursday")
    assert not any("Front page" in p or "Powered by" in p for p in page.paragraphs)


def test_title_fallbacks():
    assert (
        page_title(BeautifulSoup("<title>Storm hits coast | Coastal Ledger</title>", "lxml"))
        == "Storm hits coast"
    )
    assert page_title(BeautifulSoup("<title>Storm hits coast - Riverside Weekly</title>", "lxml")) == (
        "Storm hits coast"
    )
    assert page_title(BeautifulSoup("<body><h1>Only a heading</h1></body>", "lxml")) == "Only a heading"
    assert page_title(BeautifulSoup("<body><p>nothing</p></body>", "lxml")) is None


def test_html_to_text_keeps_paragraphs():
    fragment = (
        "<p>First <b>bold</b>\n para.</p><p>Second<br>line.</p><ul><li>Item one</li><li>Item two</li></ul>"
        "<script>var x = 1;</script>Tail text"
    )
    assert html_to_text(fragment).split("\n\n") == [
        "First bold para.",
        "Second line.",
        "Item one",
        "Item two",
        "Tail text",
    ]


def test_html_detection_ignores_newswire_tickers():
    assert looks_like_html("<p>Para one.</p>")
    assert looks_like_html("Line one<br/>Line two")
    assert not looks_like_html("British Petroleum Co Plc <BP>, and <I P Sharp Associates Ltd> said")
    assert not looks_like_html("Standard Oil <SRD> and <P> rose")


def test_broken_markup_does_not_crash():
    page = extract_html("<html><body><div><p>Unclosed paragraph about the harbor vote on Monday night")
    assert isinstance(page.paragraphs, list)
    assert extract_html("").paragraphs == []


@pytest.mark.parametrize(
    ("title", "site", "expected"),
    [
        ("Storm hits coast | Coastal Ledger", None, "Storm hits coast"),
        ("Storm hits coast - coastalledger.example", None, "Storm hits coast"),
        ("Biden - Xi talks end without a deal", None, "Biden - Xi talks end without a deal"),
        ("Storm hits coast — the morning briefing", "The Morning Briefing", "Storm hits coast"),
        ("Storm hits coast", None, "Storm hits coast"),
    ],
)
def test_strip_site_suffix(title, site, expected):
    assert strip_site_suffix(title, site) == expected


def test_loose_text_in_the_content_is_kept_in_order(no_network):
    # bare text in the content container: trafilatura leaves it as the tail of a <head> or <p>
    html = """<html><head><title>Best laptop deals this week | Deal Desk</title></head><body>
    <nav><a href="/">Home</a> <a href="/deals">Deals</a></nav>
    <main><article><h1>Best laptop deals this week</h1><div class="post-body">
    <p>Spring sales have started early, and laptops carry some of the biggest discounts we have tracked.</p>
    <h2>Best budget pick</h2>
    The Lumen Chromebook is down to $229 from $329, the lowest price we have seen for this model.
    <ul><li>14-inch full HD screen</li><li>10-hour battery life</li></ul>
    Prices on these models have dipped before, but rarely below what they cost today.<br>
    If you need a laptop now, this is a good week to buy one.
    <p>We update this list every Friday with the latest prices.</p>
    Loose closing words after the last paragraph also belong to the article text.
    </div></article></main></body></html>"""
    assert extract_html(html).paragraphs == [
        "Spring sales have started early, and laptops carry some of the biggest discounts we have tracked.",
        "Best budget pick",
        "The Lumen Chromebook is down to $229 from $329, the lowest price we have seen for this model.",
        "14-inch full HD screen",
        "10-hour battery life",
        "Prices on these models have dipped before, but rarely below what they cost today.",
        "If you need a laptop now, this is a good week to buy one.",
        "We update this list every Friday with the latest prices.",
        "Loose closing words after the last paragraph also belong to the article text.",
    ]


def test_sign_up_box_in_the_body_goes_and_repeated_bullets_stay(no_network):
    bullets = "<ul><li>Water resistant to 50 metres</li><li>Works with iPhone and Android</li></ul>"
    html = f"""<html><head><title>Best fitness trackers | Gadget Desk</title></head><body><main><article>
    <h1>Best fitness trackers</h1><div class="article-body">
    <p>We wore fourteen fitness trackers for six months to find the ones worth buying this year.</p>
    <h2>Best overall: Pulse 4</h2>
    <p>The Pulse 4 gets everything right, from heart-rate tracking to a battery that lasts a week.</p>
    {bullets}
    <div class="component-container"><p><strong>The Morning Brief</strong></p>
    <p>Get the day's top stories delivered to your inbox every weekday morning.</p>
    <form><input type="email" placeholder="Email address"><button>Sign up</button></form>
    <p>By signing up, you agree to our Terms of Use and Privacy Policy.</p></div>
    <h2>Best budget tracker: Stride Band 2</h2>
    <p>At $59, the Stride Band 2 does the basics well, though its heart-rate readings lag in intervals.</p>
    {bullets}
    <p>Each tracker was worn by two testers for at least four weeks before we wrote this guide.</p>
    </div></article></main></body></html>"""
    page = extract_html(html)
    assert page.paragraphs.count("Water resistant to 50 metres") == 2
    assert page.paragraphs.count("Works with iPhone and Android") == 2
    body = "\n".join(page.paragraphs)
    for widget in ["Morning Brief", "inbox", "Terms of Use", "Sign up"]:
        assert widget not in body, widget
    assert page.paragraphs[-1].startswith("Each tracker was worn")


def test_paragraphs_hold_exactly_the_words_trafilatura_extracts(no_network):
    # nested lists, a table, a quotation holding paragraphs, line breaks and loose text: nothing
    # trafilatura keeps is lost or doubled on the way to paragraphs
    html = """<html><body><article><div class="story">
    <p>The harbor board met on Monday night to discuss the new ferry timetable for the summer.</p>
    Loose text after the first paragraph, explaining the vote in a few more words.<br>
    And a second loose line after a line break, with the board's final tally included.
    <ul><li>Weekday sailings every thirty minutes<ul><li>Earlier boats on Fridays</li></ul></li>
    <li>Weekend sailings every hour</li></ul>
    <table><tr><th>Route</th><th>Fare</th></tr><tr><td>North pier</td><td>$4.50</td></tr></table>
    <blockquote><p>We waited a long time for this.</p><p>Now we want to get it right.</p></blockquote>
    <p>The first sailings under the new timetable<br>are planned for the middle of May.</p>
    </div></article></body></html>"""
    text = trafilatura.extract(html, include_comments=False, include_tables=True, deduplicate=False)

    def words(s: str) -> Counter:
        return Counter(w.lower() for w in re.findall(r"\w+", s))

    paragraphs, _ = main_paragraphs(html)
    assert words(" ".join(paragraphs)) == words(text)
    assert "And a second loose line after a line break, with the board's final tally included." in paragraphs
    assert "The first sailings under the new timetable are planned for the middle of May." in paragraphs
