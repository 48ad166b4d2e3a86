import datetime as dt
import hashlib
from pathlib import Path

import pytest

from search.extract import extract_article, parse_json_date
from search.ingest import iter_records
from search.models import Article, Skipped, SourceRecord

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def seeds(seeds_dir) -> dict[str, Article]:
    articles = {}
    for record in iter_records([seeds_dir]):
        assert isinstance(record, SourceRecord)
        articles[record.id[:3]] = extract_article(record)
    return articles


def test_seed_titles(seeds):
    assert (
        seeds["000"].title
        == "Blinken meets China’s top diplomat in final day of high stakes visit to Beijing"
    )
    assert seeds["002"].title == "Blinken meets Jinping in final day of high stakes Beijing visit"
    assert not seeds["000"].title_derived and not seeds["002"].title_derived
    for key in ("001", "003", "004"):
        assert seeds[key].title_derived, key
    assert seeds["001"].title.startswith("US Secretary of State Antony Blinken opened talks")
    assert seeds["003"].title.startswith("On the second and final day of a rare visit to Beijing")
    assert seeds["004"].title.startswith("Blinken's original travel plans for February")
    for article in seeds.values():
        assert 10 <= len(article.title) <= 141


def test_seed_title_line_is_not_in_body_but_derived_first_paragraph_is(seeds):
    assert seeds["000"].paragraphs[0].startswith("US Secretary of State Antony Blinken sat down")
    assert seeds["002"].paragraphs[0].startswith("Chinese leader Xi Jinping and top American diplomat")
    assert seeds["001"].paragraphs[0].startswith("US Secretary of State Antony Blinken opened talks")
    assert seeds["003"].paragraphs[0].startswith("On the second and final day")


def test_seed_004_date_header(seeds):
    article = seeds["004"]
    assert article.date == dt.date(2023, 6, 18)
    assert article.date_source == "header"
    assert not article.body.lower().startswith("date")
    assert "2023-06-18" not in article.body
    for key in ("000", "001", "002", "003"):
        assert seeds[key].date is None and seeds[key].date_source is None  # never a file time


def test_seed_004_duplicates_and_teasers(seeds):
    paragraphs = seeds["004"].paragraphs
    assert len(paragraphs) == len(set(paragraphs))
    assert sum(p.startswith('Blinken had "candid, substantive') for p in paragraphs) == 1
    assert not any(p.startswith("Blinken's original travel plans") for p in paragraphs)
    assert not any(p.startswith("Blinken is set to have a working dinner") for p in paragraphs)
    assert any(p.startswith("His original travel plans for February") for p in paragraphs)
    assert any(p.startswith("Blinken was set to have a working dinner") for p in paragraphs)
    # the fuller versions keep their position: after the "Blinken invited Qin" paragraph
    invited = next(i for i, p in enumerate(paragraphs) if p.startswith("Blinken invited Qin"))
    assert paragraphs[invited + 1].startswith("His original travel plans")
    assert paragraphs[invited + 2].startswith("Blinken was set to have")
    reasons = sorted(d.reason.split(" paragraph")[0] for d in seeds["004"].dropped)
    assert reasons == ["contained in", "contained in", "duplicate of"]
    assert any("shared transnational challenges" in p for p in paragraphs)
    assert len(paragraphs) == 14


def test_seed_000_credits_and_signup(seeds):
    article = seeds["000"]
    assert article.contributors == ["Philip Wang", "Jennifer Hansler", "Nectar Gan", "Martha Zhou"]
    assert "contributed to this report" not in article.body
    assert "For more CNN news" not in article.body
    assert article.paragraphs[-1].startswith("The earlier planned visit by Blinken was postponed")
    assert len(article.paragraphs) == 20


def test_seed_002_comment_form(seeds):
    article = seeds["002"]
    assert "Leave a Reply" not in article.body
    assert "Your email address" not in article.body
    assert {d.reason for d in article.dropped} == {"boilerplate: comment form"}
    assert len(article.paragraphs) == 11


def test_seed_single_newline_files_keep_subheadings(seeds):
    assert "'A real conversation'" in seeds["001"].paragraphs
    assert 'Taiwan "Core Interest"' in seeds["003"].paragraphs
    assert len(seeds["001"].paragraphs) == 21
    assert len(seeds["003"].paragraphs) == 21
    assert seeds["001"].dropped == [] and seeds["003"].dropped == []


def test_seed_paragraphs_are_single_lines_and_verbatim(seeds):
    for article in seeds.values():
        for paragraph in article.paragraphs:
            assert "\n" not in paragraph and paragraph == paragraph.strip()
    assert "the China-US relationship was at the “lowest point”" in seeds["000"].body


def record(kind: str, text: str, meta: dict | None = None, path: str = "x") -> SourceRecord:
    return SourceRecord(
        id=path,
        path=path,
        kind=kind,
        text=text,
        content_hash=hashlib.sha256(text.encode()).hexdigest(),
        meta=meta or {},
    )


def test_json_record_with_meta():
    article = extract_article(
        record(
            "json",
            "The port voted.\n\nReporting by Ana Ruiz; Editing by Mark Potter",
            {
                "title": "Port votes",
                "date": "2024-03-12T08:30:00Z",
                "url": "https://x.example/a",
                "source": "Ledger",
                "author": "A One; B Two",
            },
        )
    )
    assert article.title == "Port votes" and not article.title_derived
    assert article.date == dt.date(2024, 3, 12) and article.date_source == "json"
    assert article.site == "Ledger" and article.url == "https://x.example/a"
    assert article.authors == ["A One", "B Two"]
    assert article.contributors == ["Ana Ruiz"]
    assert article.paragraphs == ["The port voted."]


def test_json_html_body_and_title_only():
    article = extract_article(
        record("json", "<p>First para.</p><p>Second <i>para</i>.</p><p>Advertisement</p>")
    )
    assert article.paragraphs == ["First para.", "Second para."]
    assert article.title == "First para" and article.title_derived
    title_only = extract_article(record("json", "", {"title": "OPEC MEETS IN VIENNA", "date": "not a date"}))
    assert title_only.title == "OPEC MEETS IN VIENNA" and title_only.paragraphs == []
    assert title_only.date is None and title_only.date_source is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1987-02-26T15:01:01", dt.date(1987, 2, 26)),
        ("2023-06-18", dt.date(2023, 6, 18)),
        ("June 18, 2023", dt.date(2023, 6, 18)),
        ("1687046400", dt.date(2023, 6, 18)),
        ("", None),
        (None, None),
        ("soon", None),
    ],
)
def test_parse_json_date(value, expected):
    assert parse_json_date(value) == expected


def test_text_byline_date_and_markdown_heading():
    article = extract_article(
        record(
            "text",
            "# Library reopens\n\nBy Priya Raman\nPublished June 18, 2023\n\n"
            "The library reopened on Saturday.",
            path="news/library.md",
        )
    )
    assert article.title == "Library reopens"
    assert article.date == dt.date(2023, 6, 18) and article.date_source == "byline"
    assert article.authors == ["Priya Raman"]
    assert article.paragraphs == ["The library reopened on Saturday."]


def test_html_record():
    path = DATA / "news_full.html"
    article = extract_article(record("html", path.read_text(), path="news_full.html"))
    assert article.title == "Harbor authority approves floating wind farm off Port Ellis"
    assert article.date == dt.date(2024, 3, 12) and article.date_source == "html-meta"
    assert article.site == "Coastal Ledger" and article.authors == ["Maria Okafor"]
    no_meta = extract_article(record("html", (DATA / "news_no_meta.html").read_text()))
    assert no_meta.title_derived and no_meta.title.startswith("City council members agreed on Thursday")


def test_reuters_corpus_end_to_end(reuters_path):
    articles = []
    skipped = 0
    for item in iter_records([reuters_path]):
        if isinstance(item, Skipped):
            skipped += 1
            continue
        articles.append(extract_article(item))
    assert len(articles) + skipped == 21578
    assert len(articles) == 19043
    assert all(a.title and not a.title_derived for a in articles)
    assert sum(a.date is None for a in articles) == 1  # one article has a null date
    assert all(a.date_source == "json" for a in articles if a.date)
    assert all(dt.date(1987, 1, 1) <= a.date <= dt.date(1987, 12, 31) for a in articles if a.date)
    assert sum(bool(a.paragraphs) for a in articles) == len(articles)
    first = articles[0]
    assert first.title == "BAHIA COCOA REVIEW" and first.date == dt.date(1987, 2, 26)
    assert first.paragraphs[0] == (
        "Showers continued throughout the week in the Bahia cocoa zone, alleviating the drought since early "
        "January and improving prospects for the coming temporao, although normal humidity levels have not "
        "been restored, Comissaria Smith said in its weekly review."
    )
    assert len(first.paragraphs) == 17
    # wrapped lines are joined into paragraphs, not kept one per line
    assert sum(len(a.paragraphs) for a in articles) < 8 * len(articles)


def test_a_page_without_body_text_is_not_an_article():
    from search.extract import article_or_reason
    from search.models import Skipped

    for page in (
        "<html><head><title>x</title></head></html>",
        "<html><head><title>Quarterly results</title></head><body>  </body></html>",
        "<html><head><title>Only a heading</title></head><body><h1>Only a heading</h1></body></html>",
    ):
        skipped = article_or_reason(record("html", page, path="empty.html"))
        assert isinstance(skipped, Skipped) and skipped.path == "empty.html"
        assert "no article text" in skipped.reason
    kept = article_or_reason(record("html", "<html><head><title>x</title></head><body><p>Real text here.</p>"))
    assert kept.paragraphs == ["Real text here."]
    # a headline-only wire item in JSON is still an article
    headline = article_or_reason(record("json", "", {"title": "OPEC MEETS IN VIENNA"}))
    assert headline.title == "OPEC MEETS IN VIENNA"


def test_html_library_complaints_name_the_file():
    import logging

    class Keep(logging.Handler):
        def __init__(self):
            super().__init__(logging.DEBUG)
            self.records = []

        def emit(self, record):
            self.records.append(record)

    root = logging.getLogger()
    keep, level = Keep(), root.level
    root.addHandler(keep)
    root.setLevel(logging.INFO)
    try:
        extract_article(record("html", "<html><head><title>x</title></head></html>", path="feeds/nobody.html"))
    finally:
        root.removeHandler(keep)
        root.setLevel(level)
    library = [r for r in keep.records if r.name.startswith(("trafilatura", "htmldate", "courlan"))]
    ours = [r for r in keep.records if r.name == "search.extract"]
    assert not library and ours
    assert all(r.getMessage().startswith("feeds/nobody.html: ") and r.levelno == logging.INFO for r in ours)


def test_json_body_with_script_and_style_inside_text_is_cleaned():
    body = (
        "Grain prices rose on Tuesday.\n\n<script>var tracker = 'x';</script>Farmers held back sales."
        "\n\n<style>.ad { color: red }</style>Traders expect more gains."
    )
    article = extract_article(record("json", body, {"title": "Grain up"}))
    text = article.body
    assert "tracker" not in text and "color" not in text and "<" not in text
    assert "Farmers held back sales." in text and "Traders expect more gains." in text
    # newswire tickers in angle brackets are not markup
    tickers = extract_article(record("json", "Standard Oil <SRD> and British Petroleum <BP> said.", {"title": "Oil"}))
    assert "<SRD>" in tickers.body


@pytest.mark.parametrize(
    ("raw", "place"),
    [
        ("SALVADOR, Feb 26 -", "Salvador"),
        ("NEW YORK, March 3 -", "New York"),
        ("ST. LOUIS, April 1 -", "St. Louis"),
        ("WASHINGTON (Reuters) -", "Washington"),
        ("Kyiv, Ukraine, June 18, 2023", "Kyiv, Ukraine"),
        ("  ", None),
        ("Feb 26 -", None),
    ],
)
def test_dateline_place(raw, place):
    from search.extract import dateline_place

    assert dateline_place(raw) == place


def test_json_dateline_and_author_fields():
    article = extract_article(
        record("json", "Showers continued in the Bahia cocoa zone.",
               {"title": "BAHIA COCOA REVIEW", "dateline": "SALVADOR, Feb 26 -", "author": "Ana Ruiz"})
    )
    assert article.dateline == "Salvador"
    assert article.reporters == ["Ana Ruiz"]


def test_html_nested_beyond_any_real_page_is_reported_not_ground_through():
    from search.extract import article_or_reason

    deep = "<html><body>" + "<div>" * 20_000 + "<p>Too deep to clean.</p>" + "</div>" * 20_000 + "</body></html>"
    skipped = article_or_reason(record("html", deep, path="deep.html"))
    assert isinstance(skipped, Skipped) and "nested 20,000 elements deep" in skipped.reason
    # the same in a JSON body; ordinary nesting and many sibling blocks are fine
    assert isinstance(article_or_reason(record("json", deep, {"title": "Deep"})), Skipped)
    nested = "<html><body>" + "<div>" * 200 + "<p>Two hundred levels is still a page.</p>" + "</div>" * 200
    assert article_or_reason(record("html", nested)).paragraphs == ["Two hundred levels is still a page."]
    wide = "<html><body>" + "".join(f"<div><p>Paragraph number {n} here.</p></div>" for n in range(3000))
    assert len(article_or_reason(record("html", wide)).paragraphs) == 3000
