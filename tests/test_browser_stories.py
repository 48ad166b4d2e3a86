"""Stories in a real browser (headless Chromium, as tests/test_browser.py): results collapsed by
story, "+N more in this story" expanding in place with and without JavaScript, the story page and
the article page's link to it, and axe-core on both pages. The index holds the seeds and
tests/data/stories, with one story article whose title tries to inject markup."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from test_browser import (  # the browser fixture and helpers of the main browser tests
    CHROMEDRIVER,
    CHROMIUM,
    SCREENSHOTS,
    _driver,
    console_errors,
    open_browser,
    serious_violations,
    serve,
    wait,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is absent: apt-get install chromium"),
    pytest.mark.skipif(not CHROMEDRIVER.exists(), reason=f"{CHROMEDRIVER} is absent: apt-get install chromium-driver"),
]

from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions as ec  # noqa: E402

STORIES = Path(__file__).parent / "data" / "stories" / "articles.jsonl"
EVIL = '<img src=x onerror="window.__xss=1">Thames'


@pytest.fixture(scope="module")
def story_server(tmp_path_factory, seeds_dir):
    from search import index_corpus

    root = tmp_path_factory.mktemp("story_web")
    corpus = root / "corpus"
    shutil.copytree(seeds_dir, corpus)
    records = [json.loads(line) for line in STORIES.read_text(encoding="utf-8").splitlines()]
    for record in records:
        if record["id"] == "reprint-thames-extra":
            record["title"] = f"{EVIL} hit with record penalty"
    (corpus / "wire.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    index_corpus(root / "index", [corpus])
    yield from serve(root / "index")


@pytest.fixture(scope="module")
def browser():
    yield from open_browser()


def _hits(driver) -> list:
    return driver.find_elements(By.CSS_SELECTOR, "ol.hits > li.hit")


def test_collapse_expand_in_place_and_story_page(browser, story_server):
    browser.get(story_server + "/?q=Thames")
    assert len(_hits(browser)) == 1  # four articles, one story
    assert "4 articles in 1 story" in browser.find_element(By.CSS_SELECTOR, ".results-meta").text
    assert "Counts are articles" in browser.find_element(By.ID, "filters").text
    more = browser.find_element(By.CSS_SELECTOR, ".story-more")
    listed = more.find_elements(By.CSS_SELECTOR, ".story-list li")
    assert not listed[0].is_displayed()
    summary = more.find_element(By.TAG_NAME, "summary")
    assert summary.text == "+3 more in this story"
    summary.click()
    wait(browser).until(lambda d: listed[0].is_displayed())
    assert browser.current_url.endswith("/?q=Thames")  # expanded in place, no navigation
    titles = [li.find_element(By.TAG_NAME, "a").text for li in listed]
    titles.append(_hits(browser)[0].find_element(By.CSS_SELECTOR, ".hit-title").text)
    assert len(set(titles)) == 4 and any("Record fine" in t for t in titles)
    assert browser.execute_script("return window.__xss") is None  # the injected title stayed text
    assert any(EVIL in t for t in titles)

    # every article again, then back to one per story
    browser.find_element(By.LINK_TEXT, "Show every article").click()
    wait(browser).until(ec.url_contains("collapse=0"))
    assert len(_hits(browser)) == 4 and not browser.find_elements(By.CSS_SELECTOR, ".story-more")
    browser.find_element(By.LINK_TEXT, "Group by story").click()
    wait(browser).until(lambda d: "collapse=0" not in d.current_url)
    assert len(_hits(browser)) == 1

    # the story page: a timeline, what each article adds, the shared people and places
    browser.find_element(By.CSS_SELECTOR, ".story-more summary").click()
    browser.find_element(By.PARTIAL_LINK_TEXT, "The whole story").click()
    wait(browser).until(ec.url_contains("/story/"))
    assert browser.find_element(By.ID, "story-title").text.startswith("Thames Water fined")
    days = browser.find_elements(By.CSS_SELECTOR, ".timeline-day")
    assert [d.find_element(By.CSS_SELECTOR, ".timeline-date").text for d in days] == ["20 May 2025", "21 May 2025"]
    articles = {a.find_element(By.CSS_SELECTOR, ".hit-id").text.strip("· "): a
                for a in browser.find_elements(By.CSS_SELECTOR, ".story-article")}
    assert "campaigners" in articles["reprint-thames-extra"].find_element(By.CSS_SELECTOR, ".adds").text
    assert "Near-duplicate" in articles["update-thames"].text
    assert {"Same text", "Own report"} <= {a.find_element(By.CSS_SELECTOR, ".badge").text for a in articles.values()}
    assert console_errors(browser) == []

    # an article page links to its story
    browser.get(story_server + "/article/000_9fd24cdd38f6fc40.txt")
    link = browser.find_element(By.CSS_SELECTOR, "#story-h + p a")
    link.click()
    wait(browser).until(ec.url_contains("/story/"))
    assert len(browser.find_elements(By.CSS_SELECTOR, ".story-article")) == 5
    shared = browser.find_element(By.CSS_SELECTOR, ".article-aside").text
    assert "Antony Blinken" in shared and "Beijing" in shared


def test_without_javascript_expand_and_story_page_work(story_server):
    driver, profile = _driver(javascript=False)
    try:
        driver.get(story_server + "/?q=Blinken")
        hits = _hits(driver)
        assert len(hits) == 2  # the 2023 trip and the 2024 trip: two stories
        details = {d.find_element(By.TAG_NAME, "summary").text: d
                   for d in driver.find_elements(By.CSS_SELECTOR, ".story-more")}
        assert set(details) == {"+4 more in this story", "+1 more in this story"}
        seeds = details["+4 more in this story"]
        seeds.find_element(By.TAG_NAME, "summary").click()  # <details> needs no script
        listed = seeds.find_elements(By.CSS_SELECTOR, ".story-list > li")
        wait(driver).until(lambda d: listed[0].is_displayed())
        assert len(listed) == 4
        seeds.find_element(By.PARTIAL_LINK_TEXT, "The whole story").click()
        wait(driver).until(ec.url_contains("/story/"))
        assert len(driver.find_elements(By.CSS_SELECTOR, ".story-article")) == 5
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.mark.parametrize("width", [1280, 390])
def test_axe_on_collapsed_results_and_the_story_page(browser, story_server, width):
    browser.set_window_size(width, 900)
    browser.get(story_server + "/?q=Thames")
    browser.find_element(By.CSS_SELECTOR, ".story-more summary").click()
    found = {"results": serious_violations(browser)}
    browser.find_element(By.PARTIAL_LINK_TEXT, "The whole story").click()
    wait(browser).until(ec.url_contains("/story/"))
    found["story"] = serious_violations(browser)
    assert {name: v for name, v in found.items() if v} == {}


@pytest.mark.parametrize("width", [1280, 390])
def test_story_screenshots(browser, story_server, width, tmp_path):
    """Collapsed results (one story expanded) and a story page, without sideways scrolling; with
    DATELINE_SCREENSHOTS=1 they go to docs/screenshots/ for the README."""
    folder = SCREENSHOTS if os.environ.get("DATELINE_SCREENSHOTS") == "1" else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    browser.set_window_size(width, 1100)
    browser.get(story_server + "/?q=sewage%20OR%20Blinken")
    browser.find_element(By.CSS_SELECTOR, ".story-more summary").click()
    for name in ("stories-results", "story"):
        browser.execute_script("document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0)")
        assert browser.execute_script("return document.documentElement.scrollWidth") <= width, "no sideways scroll"
        target = folder / f"{name}-{width}.png"
        assert browser.save_screenshot(str(target)) and target.stat().st_size > 10_000
        if name == "stories-results":
            browser.find_element(By.PARTIAL_LINK_TEXT, "The whole story").click()
            wait(browser).until(ec.url_contains("/story/"))
