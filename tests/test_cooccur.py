"""Who appears with whom: the scoring on synthetic facet arrays, and the page and API on the
test index (counts checked against the search itself)."""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field

import numpy as np
import pytest
from conftest import _web_ner_available

from search import Filters, open_index
from search.cooccur import cooccurrence, g2


@dataclass
class Arrays:  # the shape of the backend's facet arrays
    values: list[str]
    docs: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    value_ids: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))


def arrays(values: list[str], pairs: list[tuple[int, str]]) -> Arrays:
    return Arrays(values, np.array([d for d, _ in pairs], np.int32),
                  np.array([values.index(v) for _, v in pairs], np.int32))


def test_g2_matches_the_textbook_formula():
    k11, k12, k21, k22 = 8, 2, 1, 49
    n = k11 + k12 + k21 + k22
    cells = [(k11, k11 + k12, k11 + k21), (k12, k11 + k12, k12 + k22),
             (k21, k21 + k22, k11 + k21), (k22, k21 + k22, k12 + k22)]
    expected = 2 * sum(k * math.log(k * n / (r * c)) for k, r, c in cells)
    got = g2(np.array([k11]), np.array([k11 + k21]), k11 + k12, n)[0]
    assert got == pytest.approx(expected)
    # fewer together than chance: negative
    assert g2(np.array([1]), np.array([30]), 10, 60)[0] < 0


def synthetic(n: int = 60):
    """'Target' in articles 0-9; 'Specific' in 0-7 and 50; 'Everyone' in every article;
    'Rare' only in article 3; 'Elsewhere' in 20-49. Dates: article d on day d of 2024 from
    1 January (so the target spans January)."""
    people = ["Target", "Specific", "Everyone", "Rare", "Elsewhere"]
    pairs = [(d, "Target") for d in range(10)] + [(d, "Specific") for d in [*range(8), 50]]
    pairs += [(d, "Everyone") for d in range(n)] + [(3, "Rare")] + [(d, "Elsewhere") for d in range(20, 50)]
    places = ["Paris", "Lyon"]
    place_pairs = [(d, "Paris") for d in range(0, 10, 2)] + [(d, "Lyon") for d in range(30, 40)]
    facets = {"person": arrays(people, pairs), "org": Arrays([]), "place": arrays(places, place_pairs)}
    first = dt.date(2024, 1, 1).toordinal()
    days = np.array([first + d for d in range(n)], np.int32)
    return facets, days


def test_specific_partners_rank_above_ubiquitous_and_one_off_ones():
    facets, days = synthetic()
    found = cooccurrence(facets, days, "person", 0, np.ones(60, bool))
    people = [p.value for p in found.partners["person"]]
    # raw counts would put "Everyone" (10 together) first; PMI would put "Rare" (1 of 1) first
    assert people[0] == "Specific"
    assert "Elsewhere" not in people  # never together
    assert "Target" not in people  # not its own partner
    specific = found.partners["person"][0]
    assert (specific.together, specific.articles) == (8, 9)
    assert [p.value for p in found.partners["place"]] == ["Paris"]  # Lyon: never together
    assert found.articles == 10 and found.searched == 60


def test_partners_follow_the_search():
    facets, days = synthetic()
    within = np.zeros(60, bool)
    within[:5] = True  # a search that holds only articles 0-4
    found = cooccurrence(facets, days, "person", 0, within)
    assert found.articles == 5 and found.searched == 5
    assert {p.value: p.together for p in found.partners["person"]} == {"Specific": 5, "Everyone": 5, "Rare": 1}


def test_timeline_counts_months_with_partners_per_period():
    facets, days = synthetic()
    days[5:10] += 40  # articles 5-9 move to February
    found = cooccurrence(facets, days, "person", 0, np.ones(60, bool))
    assert found.granularity == "month"
    assert [(p.value, p.count) for p in found.timeline] == [("2024-01", 5), ("2024-02", 5)]
    assert found.timeline[0].names[:2] == ["Everyone", "Specific"] and "Target" not in found.timeline[0].names
    assert len(found.timeline[0].names) <= 3


needs_ner = pytest.mark.skipif(not _web_ner_available(), reason="needs the spaCy model for person facets")


@needs_ner
def test_counts_agree_with_the_search(web_index):
    index = open_index(web_index)
    found = index.cooccurrence("person", "Antony Blinken", "officials OR talks")
    assert found.articles == index.search("officials OR talks", Filters({"person": ["Antony Blinken"]})).total
    assert found.partners["place"], "places appear with Blinken"
    for partner in found.partners["place"][:5]:
        both = Filters({"person": ["Antony Blinken"], "place": [partner.value]})
        assert partner.together == index.search("officials OR talks", both).total
        alone = Filters({"place": [partner.value]})
        assert partner.articles == index.search("officials OR talks", alone).total
    dated = [h.date for h in index.iter_results("officials OR talks", Filters({"person": ["Antony Blinken"]}))
             if h.date]
    assert sum(p.count for p in found.timeline) == len(dated)


def test_within_a_pasted_sentence_counts_what_the_search_showed(web_index):
    index = open_index(web_index)
    sentence = "Blinken told officials the talks with Beijing were candid and constructive on Monday"
    shown = index.search(sentence, Filters({"person": ["Antony Blinken"]}))
    assert shown.match == "best" and shown.total > 0, "a sentence no article has whole: best match"
    found = index.cooccurrence("person", "Antony Blinken", sentence)
    assert found.articles == shown.total

@needs_ner
def test_entity_page_and_api(web_client):
    data = web_client.get("/api/entity/person/antony blinken?q=officials").get_json()
    assert data["value"] == "Antony Blinken" and data["articles"] > 0
    assert set(data["partners"]) == {"person", "org", "place"}
    assert {"value", "together", "articles", "score"} <= set(data["partners"]["place"][0])
    page = web_client.get("/entity/person/Antony%20Blinken?q=officials").get_data(as_text=True)
    assert '<h1 id="entity-title" class="entity-title">Antony Blinken</h1>' in page
    # each partner links to the articles holding both, within the search
    links = re.findall(r'class="partner-both" href="([^"]+)"', page)
    assert links and all("q=officials" in link or "q=%28officials%29" in link for link in links)
    assert 'class="histogram timeline"' in page
    # linked from the person chips of the results
    results = web_client.get("/?q=officials").get_data(as_text=True)
    assert re.search(r'class="with-link" href="/entity/person/[^"?]+\?q=officials"', results)


@pytest.mark.parametrize(("path", "status"), [
    ("/api/entity/person/Nobody%20Atall", 404),
    ("/api/entity/planet/Mars", 400),
    ("/api/entity/person/Antony%20Blinken?q=a%2A", 400),
    ("/entity/person/Nobody%20Atall", 404),
    ("/entity/person/x?from=2023-02-30", 400),
])
def test_entity_errors(web_client, path, status):
    assert web_client.get(path).status_code == status


@needs_ner
def test_articles_with_both_links_find_the_counted_articles(web_client):
    from urllib.parse import urlsplit

    page = web_client.get("/entity/person/Antony%20Blinken").get_data(as_text=True)
    pairs = re.findall(r'class="partner-both" href="([^"]+)">([\d,]+) together', page)
    assert any("person%3A" in href for href, _ in pairs), "a person partner goes through the query"
    for href, count in pairs[:12]:
        query = urlsplit(href.replace("&amp;", "&")).query
        assert web_client.get(f"/api/search?{query}").get_json()["total"] == int(count), href
