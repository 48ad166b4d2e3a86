"""The web front end in a real browser: Debian's headless Chromium driven by Selenium.

A real server (werkzeug, threaded) runs on 127.0.0.1 on a free port against the session's test
index. The run also saves the screenshots shown in the README under ``docs/screenshots/``.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import threading
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
SCREENSHOTS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is absent: apt-get install chromium"),
    pytest.mark.skipif(not CHROMEDRIVER.exists(),
                       reason=f"{CHROMEDRIVER} is absent: apt-get install chromium-driver"),
]

selenium = pytest.importorskip("selenium")
from selenium import webdriver  # noqa: E402
from selenium.common.exceptions import NoAlertPresentException  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support import expected_conditions as ec  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402

#: ../shared/NOTES.md: without the networking flags Chromium floods the closed network
CHROMIUM_FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--disable-extensions",
    "--hide-scrollbars",
    "--force-device-scale-factor=1",
]


def serve(index_path: Path):
    """A real threaded server on a free port for the index (a generator: yields its address)."""
    from werkzeug.serving import make_server

    from web import create_app

    app = create_app({"INDEX_PATH": str(index_path)})
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    thread.join(timeout=5)


@pytest.fixture(scope="module")
def server(web_index):
    yield from serve(web_index)


def _driver(javascript: bool = True):
    profile = tempfile.mkdtemp(prefix="dateline-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in [*CHROMIUM_FLAGS, f"--user-data-dir={profile}"]:
        options.add_argument(flag)
    if not javascript:
        options.add_argument("--blink-settings=scriptEnabled=false")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_window_size(1280, 900)
    driver.set_page_load_timeout(30)
    return driver, profile


def open_browser(javascript: bool = True):
    """A headless Chromium for the tests of a module (a generator: yields the driver)."""
    driver, profile = _driver(javascript)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture(scope="module")
def browser():
    yield from open_browser()


@pytest.fixture
def page(browser):
    browser.set_window_size(1280, 900)
    browser.get_log("browser")  # start each test with an empty console
    return browser


def wait(driver, seconds: float = 10) -> WebDriverWait:
    return WebDriverWait(driver, seconds)


def result_count(driver) -> int:
    heading = driver.find_element(By.ID, "results-heading").text
    return int(re.search(r"[\d,]+", heading).group(0).replace(",", ""))


def console_errors(driver) -> list[str]:
    return [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"
            and "favicon" not in entry["message"]]


def query_of(driver) -> dict[str, list[str]]:
    return parse_qs(urlsplit(driver.current_url).query)


def test_search_facet_article_and_back(page, server):
    page.get(server + "/")
    box = page.find_element(By.ID, "q")
    assert page.switch_to.active_element == box  # autofocus
    box.send_keys("Blinken", Keys.ENTER)
    wait(page).until(ec.url_contains("q=Blinken"))
    total = result_count(page)
    assert total > 5
    marks = page.find_elements(By.CSS_SELECTOR, ".hit-snippet mark")
    assert marks and all(m.text.lower().startswith("blinken") for m in marks)
    assert page.find_element(By.ID, "q").get_attribute("value") == "Blinken"

    # a person facet when NER ran, else a source: the count shrinks and a chip appears
    facet, value = ("person", "Wang Yi")
    if not page.find_elements(By.CSS_SELECTOR, "#facet-person"):
        facet, value = ("source", "AFP")
    link = page.find_element(
        By.XPATH, f'//section[@id="facet-{facet}"]//a[.//span[@class="facet-name"][normalize-space()="{value}"]]'
    )
    link.click()
    wait(page).until(lambda d: value in query_of(d).get(facet, []))
    narrowed = result_count(page)
    assert 0 < narrowed < total
    chip = page.find_element(By.CSS_SELECTOR, ".chips .chip")
    assert value in chip.text

    # open an article: the query is highlighted there
    first = page.find_element(By.CSS_SELECTOR, ".hit-title a")
    title = first.text
    first.click()
    wait(page).until(ec.url_contains("/article/"))
    assert page.find_element(By.ID, "article-title").text == title
    assert page.find_elements(By.CSS_SELECTOR, ".article-body mark")
    assert page.find_elements(By.CSS_SELECTOR, ".similar a")

    # back: the filtered results, then the unfiltered ones
    page.back()
    wait(page).until(lambda d: "/article/" not in d.current_url)
    assert value in query_of(page)[facet] and result_count(page) == narrowed
    page.back()
    wait(page).until(lambda d: facet not in query_of(d))
    assert result_count(page) == total
    page.forward()
    wait(page).until(lambda d: facet in query_of(d))
    assert result_count(page) == narrowed
    assert console_errors(page) == []


def test_removing_a_chip_and_the_date_range(page, server):
    page.get(server + "/?q=officials&source=Reuters")
    narrowed = result_count(page)
    page.find_element(By.CSS_SELECTOR, ".chips .chip").click()
    wait(page).until(lambda d: "source" not in query_of(d))
    assert result_count(page) > narrowed
    # a histogram bar filters to its month; the date inputs show the range
    bar = page.find_element(By.CSS_SELECTOR, ".histogram a.hist-row")
    month_count = int(bar.find_element(By.CSS_SELECTOR, ".hist-count").text.split()[0])
    bar.click()
    wait(page).until(lambda d: "from" in query_of(d))
    assert result_count(page) == month_count
    assert page.find_element(By.ID, "date-from").get_attribute("value").startswith("2023-")


def test_sort_select_submits_itself(page, server):
    page.get(server + "/?q=officials")
    assert not page.find_element(By.CSS_SELECTOR, ".sort-form button").is_displayed()  # JS hid it
    Select(page.find_element(By.ID, "sort")).select_by_value("oldest")
    wait(page).until(lambda d: query_of(d).get("sort") == ["oldest"])
    dates = [t.get_attribute("datetime") for t in page.find_elements(By.CSS_SELECTOR, ".hit-meta time")]
    assert dates == sorted(dates)


def test_facet_filter_box_and_show_more(page, server):
    page.get(server + "/")
    sections = page.find_elements(By.CSS_SELECTOR, ".facet .facet-filter input")
    assert sections, "the progressive filter box is added by app.js (CSP allows 'self' scripts)"
    box = sections[0]
    facet = box.find_element(By.XPATH, "./ancestor::section[1]")
    hidden_before = [li for li in facet.find_elements(By.CSS_SELECTOR, ".facet-list li") if not li.is_displayed()]
    assert hidden_before, "long lists are collapsed"
    name = hidden_before[-1].get_attribute("textContent").split("\n")
    needle = next(part.strip() for part in name if part.strip() and not part.strip().isdigit())
    box.send_keys(needle[:4])
    visible = [li for li in facet.find_elements(By.CSS_SELECTOR, ".facet-list li") if li.is_displayed()]
    assert visible and all(needle[:4].lower() in li.text.lower() for li in visible)
    box.send_keys(Keys.CONTROL, "a", Keys.DELETE)
    # "show more" is a plain link: the URL keeps the state
    facet_id = facet.get_attribute("id")
    facet.find_element(By.CSS_SELECTOR, "a.facet-more").click()
    wait(page).until(lambda d: "more" in query_of(d))
    facet = page.find_element(By.ID, facet_id)
    assert all(li.is_displayed() for li in facet.find_elements(By.CSS_SELECTOR, ".facet-list li"))


def test_keyboard_focus_is_visible(page, server):
    page.get(server + "/?q=officials")
    body = page.find_element(By.TAG_NAME, "body")
    body.send_keys(Keys.TAB)  # leave the autofocused search box
    link = page.find_element(By.CSS_SELECTOR, ".facet-value")
    page.execute_script("arguments[0].focus()", link)
    link.send_keys(Keys.SHIFT, Keys.TAB)
    link.send_keys(Keys.TAB)
    focused = page.switch_to.active_element
    outline = page.execute_script(
        "const s = getComputedStyle(arguments[0]); return [s.outlineStyle, s.outlineWidth];", focused
    )
    assert outline[0] != "none" and outline[1] != "0px"
    # a facet value is reachable and works from the keyboard
    focused.send_keys(Keys.ENTER)
    wait(page).until(lambda d: len(query_of(d)) > 1)


def test_pagination_current_page(page, server):
    page.get(server + "/?collapse=0&page=2")  # every article: the wire stories fold by story otherwise
    current = page.find_element(By.CSS_SELECTOR, '.pagination [aria-current="page"]')
    assert current.text.strip().endswith("2")
    page.find_element(By.CSS_SELECTOR, '.pagination a[rel="next"]').click()
    wait(page).until(lambda d: query_of(d).get("page") == ["3"])


def test_markup_in_articles_and_queries_stays_text(page, server):
    from conftest import XSS_IMG, XSS_SCRIPT

    page.get(server + "/?q=zebra")
    snippet = page.find_element(By.CSS_SELECTOR, ".hit-snippet")
    assert XSS_SCRIPT in snippet.text and "<img src=x onerror=alert(1)>" in snippet.text
    assert not page.find_elements(By.CSS_SELECTOR, ".results img, .results script")
    page.find_element(By.CSS_SELECTOR, ".hit-title a").click()
    wait(page).until(ec.url_contains("/article/xss.txt"))
    assert XSS_SCRIPT in page.find_element(By.ID, "article-title").text
    assert XSS_IMG in page.find_element(By.CSS_SELECTOR, ".article-body").text
    assert not page.find_elements(By.CSS_SELECTOR, "main img, main script")
    box = page.find_element(By.ID, "q")
    box.clear()
    box.send_keys(f"{XSS_SCRIPT} {XSS_IMG}", Keys.ENTER)
    wait(page).until(ec.presence_of_element_located((By.ID, "results-heading")))
    with pytest.raises(NoAlertPresentException):
        page.switch_to.alert.text  # noqa: B018
    assert page.find_element(By.ID, "q").get_attribute("value") == f"{XSS_SCRIPT} {XSS_IMG}"


def test_friendly_error_for_a_malformed_query(page, server):
    page.get(server + '/?q="wang y*')
    assert "too broad" in page.find_element(By.CSS_SELECTOR, ".notice-error").text
    assert 'person:"Wang Yi"' in page.find_element(By.CSS_SELECTOR, ".syntax-help").text


def test_works_without_javascript(server):
    driver, profile = _driver(javascript=False)
    try:
        driver.get(server + "/")
        box = driver.find_element(By.ID, "q")
        box.send_keys("officials", Keys.ENTER)
        WebDriverWait(driver, 10).until(ec.url_contains("q=officials"))
        total = result_count(driver)
        sort_button = driver.find_element(By.CSS_SELECTOR, ".sort-form button")
        assert sort_button.is_displayed()
        Select(driver.find_element(By.ID, "sort")).select_by_value("newest")
        sort_button.click()
        WebDriverWait(driver, 10).until(lambda d: query_of(d).get("sort") == ["newest"])
        driver.find_element(
            By.XPATH, '//section[@id="facet-source"]//a[.//span[@class="facet-name"][normalize-space()="AFP"]]'
        ).click()
        WebDriverWait(driver, 10).until(lambda d: "source" in query_of(d))
        assert result_count(driver) < total
        assert not driver.find_elements(By.CSS_SELECTOR, ".facet-filter")  # no dead widgets
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.mark.parametrize("width", [1280, 375])
def test_screenshots(page, server, width, tmp_path):
    """Results and article pages at desktop and phone widths. With DATELINE_SCREENSHOTS=1 they
    replace the README's pictures under docs/screenshots/; otherwise they go to a temporary folder,
    so a test run leaves the checkout clean."""
    folder = SCREENSHOTS if os.environ.get("DATELINE_SCREENSHOTS") == "1" else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    shots = {
        "results": "/?q=Xi%20Jinping",
        "article": "/article/000_9fd24cdd38f6fc40.txt?q=Blinken%20talks",
    }
    for name, path in shots.items():
        page.set_window_size(width, 900)
        page.get(server + path)
        inner = page.execute_script("return window.innerWidth")
        height = min(page.execute_script("return document.documentElement.scrollHeight"),
                     1800 if width > 600 else 1500)
        page.set_window_size(width + (width - inner), height)
        page.execute_script("document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0)")
        assert page.execute_script("return document.documentElement.scrollWidth") <= width, "no sideways scroll"
        target = folder / f"{name}-{width}.png"
        assert page.save_screenshot(str(target))
        assert target.stat().st_size > 10_000
    assert console_errors(page) == []


@pytest.mark.parametrize("width", [1280, 390])
def test_export_links_beside_the_sort_menu(page, server, width):
    import csv
    import io
    import urllib.request

    page.set_window_size(width, 900)
    page.get(server + "/?q=officials&source=Reuters")
    total = result_count(page)
    tools = page.find_element(By.CSS_SELECTOR, ".results-tools")
    assert tools.find_element(By.ID, "sort").is_displayed()
    links = {a.text: a for a in tools.find_elements(By.CSS_SELECTOR, ".export-links a[download]")}
    assert set(links) == {"CSV", "JSON lines"} and all(a.is_displayed() for a in links.values())
    assert page.execute_script("return document.documentElement.scrollWidth") <= width, "no sideways scroll"
    with urllib.request.urlopen(links["CSV"].get_attribute("href")) as response:
        rows = list(csv.DictReader(io.StringIO(response.read().decode("utf-8"))))
    assert len(rows) == total and {r["source"] for r in rows} == {"Reuters"}
    with urllib.request.urlopen(links["JSON lines"].get_attribute("href")) as response:
        assert len(response.read().decode("utf-8").splitlines()) == total


@pytest.mark.parametrize("width", [1280, 390])
def test_feed_link_and_autodiscovery(page, server, width):
    import urllib.request

    import feedparser

    page.set_window_size(width, 900)
    page.get(server + "/?q=tariffs")
    total = result_count(page)
    discovered = page.find_element(By.CSS_SELECTOR, 'head link[rel="alternate"][type="application/atom+xml"]')
    link = page.find_element(By.CSS_SELECTOR, ".results-tools a.feed-link")
    assert link.is_displayed() and link.find_element(By.CSS_SELECTOR, "svg.feed-icon").is_displayed()
    assert link.get_attribute("href") == discovered.get_attribute("href")
    assert page.execute_script("return document.documentElement.scrollWidth") <= width, "no sideways scroll"
    with urllib.request.urlopen(link.get_attribute("href")) as response:
        assert response.headers["Content-Type"].startswith("application/atom+xml")
        feed = feedparser.parse(response.read())
    assert not feed.bozo and len(feed.entries) == total
    link.click()  # the browser gets the feed document, not an error page
    wait(page).until(ec.url_contains("/feed?q=tariffs"))
    assert console_errors(page) == []


@pytest.mark.parametrize("width", [1280, 390])
def test_batch_search_page(page, server, width):
    page.set_window_size(width, 900)
    page.get(server + "/")
    page.find_element(By.LINK_TEXT, "Batch search").click()
    wait(page).until(ec.url_contains("/batch"))
    box = page.find_element(By.ID, "batch-queries")
    box.send_keys("officials\ntariffs\nzzzyxnothing\na*")
    page.find_element(By.CSS_SELECTOR, 'button[value="html"]').click()
    wait(page).until(ec.presence_of_element_located((By.CSS_SELECTOR, ".batch-table")))
    rows = page.find_elements(By.CSS_SELECTOR, ".batch-table tbody tr")
    assert [r.find_element(By.TAG_NAME, "th").text for r in rows] == ["officials", "tariffs", "zzzyxnothing", 'a*']
    assert "too broad" in rows[3].text
    assert page.find_element(By.ID, "batch-queries").get_attribute("value").startswith("officials\ntariffs")
    assert page.execute_script("return document.documentElement.scrollWidth") <= width, "no sideways scroll"
    count = int(rows[1].find_element(By.CSS_SELECTOR, "td.num").text.replace(",", ""))
    rows[1].find_element(By.TAG_NAME, "a").click()
    wait(page).until(lambda d: query_of(d).get("q") == ["tariffs"])
    assert result_count(page) == count
    assert console_errors(page) == []


@pytest.mark.parametrize("width", [1280, 390])
def test_who_appears_with_whom_from_a_person_chip(page, server, width):
    page.set_window_size(width, 900)
    page.get(server + "/?q=officials")
    chips = page.find_elements(By.CSS_SELECTOR, ".hit-people a.with-link")
    if not chips:
        pytest.skip("the test index has no person facet (no spaCy model)")
    chips[0].click()
    wait(page).until(ec.url_contains("/entity/person/"))
    assert query_of(page).get("q") == ["officials"]
    name = page.find_element(By.ID, "entity-title").text
    assert page.find_elements(By.CSS_SELECTOR, ".partner-list .partner")
    assert page.find_elements(By.CSS_SELECTOR, ".timeline .hist-row")
    assert page.execute_script("return document.documentElement.scrollWidth") <= width, "no sideways scroll"
    both = page.find_element(By.CSS_SELECTOR, ".partner-both")
    together = int(both.text.split()[0].replace(",", ""))
    both.click()
    wait(page).until(lambda d: "/entity/" not in d.current_url)
    assert result_count(page) == together
    assert name in query_of(page).get("person", [])
    assert console_errors(page) == []


# --- keyboard, phone and accessibility ---------------------------------------------------------

AXE_JS = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"


def serious_violations(driver) -> list[str]:
    """axe-core's serious and critical findings on the current page (tests/vendor/axe-core)."""
    from axe_selenium_python import Axe

    axe = Axe(driver, script_url=str(AXE_JS))
    axe.inject()
    results = axe.run()
    return [f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
            for v in results["violations"] if v["impact"] in ("serious", "critical")]


@pytest.mark.parametrize("width", [1280, 390])
def test_axe_finds_no_serious_violations(page, server, width):
    page.set_window_size(width, 900)
    pages = [
        "/", "/?q=officials&source=Reuters&from=2023-01-01&to=2023-12-31", '/?q="open', "/?q=zzzyxnothing",
        "/article/000_9fd24cdd38f6fc40.txt?q=Blinken%20talks", "/batch", "/nowhere",
    ]
    found = {}
    for path in pages:
        page.get(server + path)
        found[path] = serious_violations(page)
    page.get(server + "/?q=officials")
    chips = page.find_elements(By.CSS_SELECTOR, ".hit-people a.with-link")
    if chips:
        chips[0].click()
        wait(page).until(ec.url_contains("/entity/"))
        found["entity page"] = serious_violations(page)
    page.get(server + "/batch")
    page.find_element(By.ID, "batch-queries").send_keys("officials\n\"open")
    page.find_element(By.CSS_SELECTOR, 'button[value="html"]').click()
    wait(page).until(ec.presence_of_element_located((By.CSS_SELECTOR, ".batch-table")))
    found["batch results"] = serious_violations(page)
    if width < 600:
        page.get(server + "/?q=officials")
        page.find_element(By.CSS_SELECTOR, "[data-drawer-toggle]").click()
        found["filter drawer"] = serious_violations(page)
    assert {path: v for path, v in found.items() if v} == {}


def test_slash_focuses_the_search_box(page, server):
    page.get(server + "/?q=officials")
    page.execute_script("document.activeElement.blur()")
    page.find_element(By.TAG_NAME, "body").send_keys("/")
    box = page.switch_to.active_element
    assert box.get_attribute("id") == "q"
    box.send_keys(Keys.END, " a/b")  # inside the box "/" is just a character
    assert box.get_attribute("value") == "officials a/b"


@pytest.mark.parametrize("width", [1280, 390])
def test_skip_links_reach_the_filters(page, server, width):
    page.set_window_size(width, 900)
    page.get(server + "/?q=officials")
    box = page.switch_to.active_element
    assert box.get_attribute("id") == "q"  # autofocus; before it: the brand link, then the skip links
    box.send_keys(Keys.SHIFT, Keys.TAB)
    page.switch_to.active_element.send_keys(Keys.SHIFT, Keys.TAB)
    skip = page.switch_to.active_element
    assert skip.text == "Skip to filters" and skip.is_displayed()  # shown while focused
    skip.send_keys(Keys.SHIFT, Keys.TAB)
    assert page.switch_to.active_element.text == "Skip to content"
    skip.send_keys(Keys.ENTER)
    filters = page.find_element(By.ID, "filters")
    wait(page).until(lambda d: filters.is_displayed())
    focused = page.switch_to.active_element
    assert focused == filters
    focused.send_keys(Keys.TAB)  # the next stop is a control of the filters
    assert page.switch_to.active_element.find_element(By.XPATH, "./ancestor::aside[@id='filters']")


def test_phone_filters_are_a_drawer_at_the_top(page, server):
    page.set_window_size(390, 900)
    page.get(server + "/?q=officials&source=Reuters")
    toggle = page.find_element(By.CSS_SELECTOR, "[data-drawer-toggle]")
    assert toggle.text.startswith("Filters (1)")
    first_hit = page.find_element(By.CSS_SELECTOR, ".hit")
    assert toggle.location["y"] < first_hit.location["y"], "the button is above the results"
    assert toggle.location["y"] < 400, "near the top of the page"
    drawer = page.find_element(By.ID, "filters")
    assert not drawer.is_displayed()
    toggle.click()
    wait(page).until(lambda d: drawer.is_displayed())
    assert toggle.get_attribute("aria-expanded") == "true"
    assert drawer.rect["width"] <= 390
    assert page.switch_to.active_element == drawer
    page.switch_to.active_element.send_keys(Keys.ESCAPE)
    wait(page).until(lambda d: not drawer.is_displayed())
    assert page.switch_to.active_element == toggle
    toggle.click()
    wait(page).until(lambda d: drawer.is_displayed())
    drawer.find_element(By.XPATH, './/section[@id="facet-source"]//a[contains(@class, "facet-value")]').click()
    wait(page).until(lambda d: "source" not in query_of(d) or len(query_of(d)["source"]) != 1)
    assert page.execute_script("return document.documentElement.scrollWidth") <= 390, "no sideways scroll"
    assert console_errors(page) == []


def test_phone_without_javascript_jumps_to_the_filters(server):
    driver, profile = _driver(javascript=False)
    try:
        driver.set_window_size(390, 900)
        driver.get(server + "/?q=officials")
        driver.find_element(By.CSS_SELECTOR, ".filters-jump").click()
        WebDriverWait(driver, 10).until(lambda d: d.current_url.endswith("#filters"))
        assert driver.find_element(By.ID, "filters").is_displayed()
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture(scope="module")
def slow_server(web_index):
    """A server whose searches for "slowly" take two seconds."""
    import time

    from flask import request
    from werkzeug.serving import make_server

    from web import create_app

    app = create_app({"INDEX_PATH": str(web_index)})

    @app.before_request
    def slow_down():
        if request.args.get("q") == "slowly":
            time.sleep(2)

    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    thread.join(timeout=5)


def test_slow_requests_show_a_loading_state(page, slow_server):
    page.get(slow_server + "/?q=officials")
    took = page.find_element(By.CSS_SELECTOR, ".results-meta").text
    assert re.search(r"\d+ ms", took) and result_count(page) > 0  # count and time are shown
    # the old page is gone once the new one has loaded: it notes what it showed in sessionStorage
    page.execute_script("""
        sessionStorage.clear();
        new MutationObserver(function () {
            if (document.documentElement.classList.contains('is-loading')) {
                sessionStorage.setItem('loading', [document.getElementById('loading-status').textContent,
                    document.getElementById('main').getAttribute('aria-busy')].join('|'));
            }
        }).observe(document.documentElement, {attributes: true});
    """)
    box = page.find_element(By.ID, "q")
    box.clear()
    box.send_keys("slowly", Keys.ENTER)
    wait(page, 15).until(lambda d: query_of(d).get("q") == ["slowly"])
    assert page.execute_script("return sessionStorage.getItem('loading')") == "Loading…|true"
    assert not page.execute_script("return document.documentElement.classList.contains('is-loading')")


@pytest.mark.parametrize("width", [1280, 390])
def test_histogram_zooms_by_click_and_selects_a_range_by_dragging(page, server, width):
    from selenium.webdriver.common.action_chains import ActionChains

    def open_filters():
        if width < 600:
            page.find_element(By.CSS_SELECTOR, "[data-drawer-toggle]").click()
            wait(page).until(lambda d: d.find_element(By.ID, "filters").is_displayed())

    def bars():
        return page.find_elements(By.CSS_SELECTOR, ".histogram a.hist-row")

    page.set_window_size(width, 900)
    page.get(server + "/")
    open_filters()
    months = bars()
    assert len(months) >= 4 and all(re.fullmatch(r"[A-Z][a-z]{2} 2023", b.find_element(
        By.CSS_SELECTOR, ".hist-label").text) for b in months)
    counts = [int(b.find_element(By.CSS_SELECTOR, ".hist-count").text.split()[0]) for b in months]
    # drag from the second month to the fourth: that range
    ActionChains(page).move_to_element(months[1]).click_and_hold().move_to_element(months[2]) \
        .move_to_element(months[3]).release().perform()
    wait(page).until(lambda d: "from" in query_of(d))
    assert query_of(page)["from"][0].endswith("-01")
    assert result_count(page) == sum(counts[1:4])
    # a click on one bar zooms into it: its days
    page.get(server + "/")
    open_filters()
    bars()[1].click()
    wait(page).until(lambda d: "from" in query_of(d))
    assert result_count(page) == counts[1]
    open_filters()
    days = bars()
    assert days and all(re.fullmatch(r"\d{1,2} [A-Z][a-z]{2} 2023", b.find_element(
        By.CSS_SELECTOR, ".hist-label").text) for b in days)
    page.find_element(By.CSS_SELECTOR, ".zoom-out a").click()  # and back out
    wait(page).until(lambda d: query_of(d).get("from") == ["2023-01-01"])
    assert page.execute_script("return document.documentElement.scrollWidth") <= width
    assert console_errors(page) == []


@pytest.mark.parametrize("width", [1280, 390])
def test_feature_screenshots(page, server, width, tmp_path):
    """The who-appears-with-whom page, a batch search and (on a phone) the filter drawer, for the
    README (with DATELINE_SCREENSHOTS=1; otherwise into a temporary folder)."""
    folder = SCREENSHOTS if os.environ.get("DATELINE_SCREENSHOTS") == "1" else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    page.set_window_size(width, 1000)

    def shoot(name: str) -> None:
        page.execute_script("document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0)")
        assert page.execute_script("return document.documentElement.scrollWidth") <= width, "no sideways scroll"
        target = folder / f"{name}-{width}.png"
        assert page.save_screenshot(str(target)) and target.stat().st_size > 10_000

    page.get(server + "/entity/person/Antony%20Blinken")
    if page.find_elements(By.ID, "entity-title"):
        shoot("entity")
    page.get(server + "/batch")
    page.find_element(By.ID, "batch-queries").send_keys("Antony Blinken\nWang Yi\ntariffs\nsteel OR chips\nzzzyx")
    page.find_element(By.ID, "batch-phrase").click()
    page.find_element(By.CSS_SELECTOR, 'button[value="html"]').click()
    wait(page).until(ec.presence_of_element_located((By.CSS_SELECTOR, ".batch-table")))
    shoot("batch")
    if width < 600:
        page.get(server + "/?q=officials&source=Reuters")
        page.find_element(By.CSS_SELECTOR, "[data-drawer-toggle]").click()
        wait(page).until(lambda d: d.find_element(By.ID, "filters").is_displayed())
        target = folder / f"drawer-{width}.png"
        assert page.save_screenshot(str(target))
    assert console_errors(page) == []
