"""Entity extraction and resolution: the seed acceptance test, naming rules, aliases, cache."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from search import entities
from search.entities import Mention, article_text, find_mentions, mentions_for, split_text
from search.entity_aliases import Aliases, load_aliases
from search.entity_names import clean_org, clean_person, clean_place
from search.entity_resolve import resolve_entities
from search.errors import InputError
from search.mentions_cache import MentionCache
from search.models import Article

SEEDS = Path(__file__).resolve().parent.parent / "seeds"

# What the cleaner removes from the seeds (credits and page furniture), for when it is absent.
_BOILERPLATE = {
    "Leave a Reply",
    "Your email address will not be published. Required fields are marked *",
    "CNN’s Philip Wang, Jennifer Hansler, Nectar Gan and Martha Zhou contributed to this report.",
    "For more CNN news and newsletters create an account at",
}
_DATE_HEADER = re.compile(r"^\s*date (\d{4}-\d{2}-\d{2})\s+")


def _simple_article(path: Path) -> Article:
    raw = path.read_bytes()
    text = raw.decode("utf-8")
    published = None
    if match := _DATE_HEADER.match(text):
        published = dt.date.fromisoformat(match.group(1))
        text = text[match.end():]
    lines = [line.strip() for line in text.splitlines()]
    paragraphs = [line for line in lines if line and line not in _BOILERPLATE]
    return Article(
        id=path.name, path=str(path), title=paragraphs[0], paragraphs=paragraphs[1:],
        content_hash=hashlib.sha256(raw).hexdigest(), date=published,
    )


def seed_articles() -> list[Article]:
    """The seeds as Articles: through the real cleaner when it exists, else a simple reading."""
    try:
        from search.extract import extract_article
        from search.ingest import iter_records
    except ImportError:
        return [_simple_article(path) for path in sorted(SEEDS.glob("*.txt"))]
    articles = [extract_article(r) for r in iter_records([SEEDS]) if hasattr(r, "content_hash")]
    return sorted(articles, key=lambda a: a.id)


DATA = Path(__file__).resolve().parent / "data" / "entities"

SEED_PEOPLE = {
    "000": {"Antony Blinken", "Xi Jinping", "Wang Yi", "Qin Gang", "Joe Biden", "Nancy Pelosi"},
    "001": {"Antony Blinken", "Xi Jinping", "Qin Gang", "Joe Biden", "Wang Yi", "Matthew Miller",
            "Bill Gates"},
    "002": {"Xi Jinping", "Antony Blinken", "Wang Yi"},
    "003": {"Antony Blinken", "Wang Yi", "Xi Jinping", "Qin Gang", "Chen Chien-Jen", "Joe Biden"},
    "004": {"Antony Blinken", "Qin Gang", "Xi Jinping", "Joe Biden", "Matthew Miller", "Nancy Pelosi",
            "Janet Yellen", "Xie Feng"},
}


def _article(article_id: str, title: str, *paragraphs: str, date: dt.date | None = None) -> Article:
    text = "\n\n".join([title, *paragraphs])
    return Article(id=article_id, path=article_id, title=title, paragraphs=list(paragraphs),
                   content_hash=hashlib.sha256(text.encode()).hexdigest(), date=date)


def _resolve(*articles: Article, aliases: Aliases | None = None):
    return resolve_entities(list(zip(articles, mentions_for(articles, None), strict=True)), aliases)


@pytest.fixture(scope="module")
def nlp():
    return entities.get_nlp()  # ~1 s once; every NER test below shares it


@pytest.fixture(scope="module")
def seeds(nlp):
    articles = seed_articles()
    docs = list(zip(articles, mentions_for(articles, None), strict=True))
    return {a.id[:3]: a for a in articles}, docs, resolve_entities(docs)


def _entities(seeds, prefix: str):
    by_prefix, _, resolution = seeds
    return resolution.per_article[by_prefix[prefix].id]


# ---------------------------------------------------------------------------- acceptance: the seeds


@pytest.mark.parametrize("prefix", sorted(SEED_PEOPLE))
def test_seed_people(seeds, prefix):
    people = _entities(seeds, prefix).people
    assert set(people) == SEED_PEOPLE[prefix]
    assert len(people) == len(set(people))


def test_no_person_in_place_or_org_facets(seeds):
    _, _, resolution = seeds
    people = {p for e in resolution.per_article.values() for p in e.people}
    for article_id, found in resolution.per_article.items():
        words = {w for p in found.people for w in p.split()}
        for name in [*found.places, *found.orgs]:
            assert name not in people, (article_id, name)
            assert name not in words, (article_id, name)  # GPE "Blinken", ORG "Wang", GPE "Xi"


def test_seed_004_mentioned_dates(seeds):
    dates = _entities(seeds, "004").mentioned_dates
    assert {"2023-06-18", "2023-06-19"} <= set(dates)  # "Sunday", "Monday"
    assert {"2023-02", "2023-05", "2023-06"} <= set(dates)  # "February", "late May", "earlier this month"
    assert len(dates) == len(set(dates))


def test_seeds_without_a_date_have_no_relative_dates(seeds):
    assert _entities(seeds, "000").mentioned_dates == []  # "Monday", "early February": no anchor


def test_credits_are_not_people(seeds):
    _, _, resolution = seeds
    everyone = {p for e in resolution.per_article.values() for p in e.people}
    assert not everyone & {"Philip Wang", "Jennifer Hansler", "Nectar Gan", "Martha Zhou"}


def test_seed_places_and_orgs_are_canonical(seeds):
    _, _, resolution = seeds
    places = {p for e in resolution.per_article.values() for p in e.places}
    orgs = {o for e in resolution.per_article.values() for o in e.orgs}
    assert "United States" in places
    assert not places & {"US", "U.S.", "America", "the United States", "U.S.-China", "Blinken", "Xi"}
    assert "State Department" in orgs
    assert not orgs & {"State", "state", "the State Department", "U.S. State Department", "Wang", "Qin"}


def test_surface_forms(seeds):
    _, _, resolution = seeds
    forms = resolution.surface_forms
    assert "Biden" in forms[("person", "Joe Biden")]
    assert "Blinken" in forms[("person", "Antony Blinken")]
    assert {"U.S.", "US"} <= forms[("place", "United States")]
    assert "U.S. State Department" in forms[("org", "State Department")]


def test_entity_order_is_first_appearance(seeds):
    assert _entities(seeds, "004").people[:2] == ["Antony Blinken", "Joe Biden"]
    assert _entities(seeds, "001").people[:3] == ["Antony Blinken", "Xi Jinping", "Qin Gang"]


# ---------------------------------------------------------------------------- naming rules


def test_shared_surname_links_to_nearest_preceding_full_name(nlp):
    article = _article(
        "wang", "Wang warns Washington over Taiwan",
        "Chinese Foreign Minister Wang Yi met the delegation in Beijing on Tuesday. Wang said the talks "
        "were frank.",
        "Philip Wang, a reporter for the Hong Kong Standard, asked about trade. Wang then wrote that the "
        "mood was tense.",
    )
    resolution = _resolve(article)
    found = resolution.per_article["wang"]
    assert found.people == ["Wang Yi", "Philip Wang"]  # the headline's "Wang" links forward to Wang Yi
    assert "Wang" not in found.orgs and "Hong Kong Standard" in found.orgs
    assert resolution.surface_forms[("person", "Philip Wang")] == {"Wang"}


def test_link_rule_on_mentions():
    """The nearest preceding full name wins; before any, the first one after (no spaCy needed)."""
    body = "Wang Yi spoke. Wang left. Philip Wang wrote. Wang added."
    article = _article("x", "Wang in the headline", body)
    text = article_text(article)

    def at(snippet: str, label: str = "PERSON") -> Mention:
        name = snippet.split()[0] if snippet.split()[0] != "Philip" else "Philip Wang"
        name = "Wang Yi" if snippet.startswith("Wang Yi") else name
        return Mention(name, label, text.index(snippet))

    mentions = [at("Wang in", "ORG"), at("Wang Yi"), at("Wang left"), at("Philip Wang"), at("Wang added")]
    assert [m.text for m in mentions] == ["Wang", "Wang Yi", "Wang", "Philip Wang", "Wang"]
    resolution = resolve_entities([(article, mentions)])
    assert resolution.per_article["x"].people == ["Wang Yi", "Philip Wang"]
    # "Wang added" follows "Philip Wang" -> Philip Wang; "Wang left" follows "Wang Yi" -> Wang Yi
    assert resolution.surface_forms[("person", "Philip Wang")] == {"Wang"}
    assert resolution.surface_forms[("person", "Wang Yi")] == {"Wang"}

    reporter_first = _article("y", "Wang in the headline", "Philip Wang wrote. Wang Yi spoke.")
    text = article_text(reporter_first)
    mentions = [Mention("Wang", "ORG", 0), Mention("Philip Wang", "PERSON", text.index("Philip")),
                Mention("Wang Yi", "PERSON", text.index("Wang Yi"))]
    resolution = resolve_entities([(reporter_first, mentions)])
    assert resolution.per_article["y"].people == ["Philip Wang", "Wang Yi"]  # headline -> first after


def test_possessive_and_honorific(nlp):
    article = _article(
        "yellen", "Yellen's trip to Beijing ends with few deals",
        "U.S. Treasury Secretary Janet Yellen said on Sunday that the talks were useful. Yellen's team met "
        "bankers in Shanghai.",
        "Reporters asked Ms. Yellen about tariffs.",
    )
    found = _resolve(article).per_article["yellen"]
    assert found.people == ["Janet Yellen"]  # headline "Yellen's" links forward
    assert found.places == ["Beijing", "Shanghai"]
    assert found.orgs == ["Treasury"]


def test_surname_only_person_and_headline(nlp):
    article = _article(
        "mayor", "Kowalczyk resigns as mayor of Gdansk",
        "Mayor Kowalczyk told the city council on Monday that he would step down. Kowalczyk did not give "
        "a reason.",
        date=dt.date(2024, 3, 6),
    )
    found = _resolve(article).per_article["mayor"]
    assert found.people == ["Kowalczyk"]
    assert found.mentioned_dates == ["2024-03-04"]  # Monday nearest to Wednesday 6 March


def _tagged(article: Article, *tags: tuple[str, str]) -> tuple[Article, list[Mention]]:
    """An article with mentions at the real offsets of the tagged strings, in order."""
    text, at, mentions = article_text(article), 0, []
    for surface, label in tags:
        at = text.index(surface, at)
        mentions.append(Mention(surface, label, at))
        at += len(surface)
    return article, mentions


def test_a_bare_surname_joins_a_full_name_of_another_article_only_with_evidence():
    """"Biden" alone links to "Joe Biden" of another article only when the two share the story."""
    docs = [
        _tagged(_article("a", "Talks", "Joe Biden spoke in Geneva with Vladimir Putin. Joe Smith listened."),
                ("Joe Biden", "PERSON"), ("Geneva", "GPE"), ("Vladimir Putin", "PERSON"), ("Joe Smith", "PERSON")),
        _tagged(_article("b", "More talks", "Biden spoke again in Geneva with Putin. Joe nodded."),
                ("Biden", "PERSON"), ("Geneva", "GPE"), ("Putin", "PERSON"), ("Joe", "PERSON")),
        _tagged(_article("c", "Football", "Biden scored twice for Leeds United in Leeds."),
                ("Biden", "PERSON"), ("Leeds United", "ORG"), ("Leeds", "GPE")),
    ]
    found = resolve_entities(docs).per_article
    assert found["b"].people == ["Joe Biden", "Vladimir Putin", "Joe"]  # "Joe" is ambiguous: kept
    assert found["c"].people == ["Biden"]


def test_person_never_in_place_or_org():
    article = _article("p", "Blinken meets Qin", "Antony Blinken met Qin Gang. Qin spoke.")
    mentions = [Mention("Blinken", "GPE", 0), Mention("Qin", "ORG", 14),
                Mention("Antony Blinken", "PERSON", 19),
                Mention("Qin Gang", "PERSON", 38), Mention("Qin", "ORG", 48)]
    found = resolve_entities([(article, mentions)]).per_article["p"]
    assert found.people == ["Antony Blinken", "Qin Gang"]
    assert found.places == [] and found.orgs == []


def test_a_place_named_like_a_person_stays_a_place_when_the_corpus_says_so():
    """"Washington" is a place in most articles, so George Washington does not absorb it."""
    history = _article("h", "Mount Vernon", "George Washington lived here. Washington is far away.")
    news = [_article(f"n{i}", "News", "Talks in Washington.") for i in range(3)]
    docs = [(history, [Mention("George Washington", "PERSON", 14), Mention("Washington", "GPE", 44)])]
    docs += [(a, [Mention("Washington", "GPE", 15)]) for a in news]
    found = resolve_entities(docs).per_article
    assert found["h"].people == ["George Washington"] and found["h"].places == ["Washington"]
    assert found["n0"].places == ["Washington"]


def test_non_names_are_dropped():
    article = _article("j", "Secretary of State", "The U.S.-China talks. Secretary of State Smith.")
    mentions = [Mention("State", "ORG", 13), Mention("U.S.-China", "PERSON", 24), Mention("U.S.", "GPE", 24),
                Mention("China", "GPE", 29), Mention("U.S.-China", "GPE", 24), Mention("state", "ORG", 50),
                Mention("1999", "PERSON", 0), Mention("K", "PERSON", 0), Mention("Smith", "PERSON", 61)]
    found = resolve_entities([(article, mentions)]).per_article["j"]
    assert found.people == ["Smith"]
    assert found.orgs == []
    assert found.places == ["United States", "China"]


@pytest.mark.parametrize(("raw", "expected"), [
    ("US Secretary of State Antony Blinken", "Antony Blinken"),
    ("Secretary of the Treasury Janet Yellen", "Janet Yellen"),
    ("then-US House Speaker Nancy Pelosi", "Nancy Pelosi"),
    ("President Xi Jinping", "Xi Jinping"),
    ("Foreign Minister Qin Gang", "Qin Gang"),
    ("Premier Chen Chien-Jen", "Chen Chien-Jen"),
    ("Mr. Blinken", "Blinken"),
    ("Dr. Anthony Fauci", "Anthony Fauci"),
    ("Energy Minister Subroto", "Subroto"),
    ("Saudi Oil Minister Hisham Nazer", "Hisham Nazer"),
    ("Yellen’s", "Yellen"),
    ("Xi Jinping's", "Xi Jinping"),
    ("“Biden”", "Biden"),
    ("José Álvarez", "José Álvarez"),
    ("Ludwig van Beethoven", "Ludwig van Beethoven"),
    ("Martin Luther King Jr.", "Martin Luther King Jr."),
    ("J. K. Rowling", "J. K. Rowling"),
    ("U.S.-China", None), ("U.S.", None), ("state", None), ("1979", None), ("K", None), ("CCTV", None),
    ("President", "President"),  # a title alone is kept: it may be a surname, and is rare as PERSON
])
def test_clean_person(raw, expected):
    assert clean_person(raw) == expected


def test_clean_org_and_place():
    assert clean_org("the State Department") == "State Department"
    assert clean_org("U.S. State Department") == "State Department"
    assert clean_org("State", "US Secretary of ") is None
    assert clean_org("Treasury", "the secretaries of the ") is None
    assert clean_org("state") is None
    assert clean_org("People's Daily") == "People's Daily"
    assert clean_org("Reuters'") == "Reuters"
    for form in ("U.S.", "US", "the United States", "America", "United States of America"):
        assert clean_place(form) == "United States"
    assert clean_place("Beijing’s") == "Beijing"
    assert clean_place("1979") is None


# ---------------------------------------------------------------------------- aliases


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_aliases_round_trip_without_ner(seeds, tmp_path, monkeypatch):
    by_prefix, docs, before = seeds
    articles = [a for a, _ in docs]
    cache = MentionCache(tmp_path / "mentions.sqlite")
    cache.put_many({entities.text_key(article_text(a)): m for a, m in docs})

    def no_ner(*args, **kwargs):
        raise AssertionError("NER must not run again")

    monkeypatch.setattr(entities, "find_mentions", no_ner)
    aliases = load_aliases(_write(tmp_path / "aliases.toml", """
[merge]
"Antony Blinken" = "Tony Blinken"
"Beijing" = "China"

[rename]
"Xi Jinping" = "President Xi Jinping"

[block]
names = ["State Department"]
place = ["Taiwan"]
"""))
    after = resolve_entities(list(zip(articles, mentions_for(articles, cache), strict=True)), aliases)
    for prefix, article in by_prefix.items():
        old, new = before.per_article[article.id], after.per_article[article.id]
        expected = [{"Antony Blinken": "Tony Blinken", "Xi Jinping": "President Xi Jinping"}.get(p, p)
                    for p in old.people]
        assert new.people == expected, prefix
        assert "State Department" not in new.orgs
        assert "Beijing" not in new.places and "Taiwan" not in new.places
        assert new.mentioned_dates == old.mentioned_dates
    assert "Antony Blinken" in after.surface_forms[("person", "Tony Blinken")]
    assert "Xi Jinping" in after.surface_forms[("person", "President Xi Jinping")]
    assert "Beijing" in after.surface_forms[("place", "China")]
    cache.close()


def test_merge_applies_before_linking():
    article = _article("t", "Tony", "Tony Blinken arrived. Antony Blinken spoke.")
    mentions = [Mention("Tony Blinken", "PERSON", 6), Mention("Antony Blinken", "PERSON", 28)]
    aliases = Aliases(merge={"tony blinken": "Antony Blinken"})
    assert resolve_entities([(article, mentions)], aliases).per_article["t"].people == ["Antony Blinken"]


def test_merge_chains_resolve(tmp_path):
    aliases = load_aliases(_write(tmp_path / "a.toml", '[merge]\n"A" = "B"\n"B" = "C"\n'))
    assert aliases.merged("a") == "C" and aliases.merged("B") == "C"


@pytest.mark.parametrize(("text", "message"), [
    ('[merge]\n"Tony Blinken" = \n', "line 2"),
    ("[merge\n", "line 1"),
    ('[merge]\n"A" = "B"\n"B" = "A"\n', "cycle"),
    ('[aliases]\n"A" = "B"\n', "unknown section"),
    ('[merge]\n"A" = 3\n', "[merge]"),
    ('[block]\nnames = "A"\n', "list of strings"),
    ('[block]\npeople = ["A"]\n', "'people'"),
])
def test_bad_aliases_file(tmp_path, text, message):
    path = _write(tmp_path / "aliases.toml", text)
    with pytest.raises(InputError) as error:
        load_aliases(path)
    assert str(path) in str(error.value) and message in str(error.value)


def test_missing_aliases_file(tmp_path):
    with pytest.raises(InputError, match="aliases file"):
        load_aliases(tmp_path / "nope.toml")


def test_example_aliases_fixture_loads():
    aliases = load_aliases(DATA / "aliases.toml")
    assert aliases.merged("tony blinken") == "Antony Blinken"
    assert aliases.blocked("org", "state department")


# ---------------------------------------------------------------------------- NER, splitting, cache


def test_long_text_is_split_on_paragraphs(nlp, monkeypatch):
    paragraph = "Angela Merkel met Emmanuel Macron in Paris on Friday, officials in Berlin said."
    text = "\n\n".join(f"{paragraph} Round {i}." for i in range(40))
    whole = find_mentions([text])[0]
    monkeypatch.setattr(nlp, "max_length", 500)
    pieces = find_mentions([text, "Short text about Joe Biden."])
    assert pieces[0] == whole
    assert len([m for m in pieces[0] if m.text == "Angela Merkel"]) == 40
    for mention in pieces[0]:
        assert text[mention.start:mention.start + len(mention.text)] == mention.text
    assert [m.text for m in pieces[1]] == ["Joe Biden"]


def test_split_text():
    text = "aaaa\n\nbbbb bbbb\ncccc\n\n" + "d" * 25
    pieces = split_text(text, 12)
    assert "".join(p for _, p in pieces) == text
    assert all(len(p) <= 12 for _, p in pieces)
    assert all(text[offset:offset + len(p)] == p for offset, p in pieces)
    assert pieces[0][1] == "aaaa"  # cut at the blank line
    assert split_text("short", 100) == [(0, "short")]


@pytest.fixture
def ner_calls(nlp, monkeypatch) -> list[int]:
    """The number of texts of each NER call, as they are made."""
    calls: list[int] = []
    real = entities.find_mentions

    def counting(texts, batch_size=32):
        calls.append(len(texts))
        return real(texts, batch_size)

    monkeypatch.setattr(entities, "find_mentions", counting)
    return calls


def test_cache_second_call_runs_no_ner(ner_calls, tmp_path, monkeypatch):
    articles = [_article("a", "Merkel in Paris", "Angela Merkel met Emmanuel Macron."),
                _article("b", "Talks", "Joe Biden called Xi Jinping.")]
    twin = _article("c", "Merkel in Paris", "Angela Merkel met Emmanuel Macron.")  # same text as "a"
    done = []
    with MentionCache(tmp_path / "cache" / "mentions.sqlite") as cache:
        first = mentions_for([*articles, twin], cache, progress=done.append)
    assert ner_calls == [2] and sum(done) == 3  # the twin is counted, not run
    assert [m.text for m in first[1]] == ["Joe Biden", "Xi Jinping"]
    assert first[2] == first[0]

    def no_ner(*args, **kwargs):
        raise AssertionError("NER must not run again")

    monkeypatch.setattr(entities, "find_mentions", no_ner)
    with MentionCache(tmp_path / "cache" / "mentions.sqlite") as cache:  # reopened: on disk
        assert mentions_for(articles, cache) == first[:2]
        assert len(cache) == 2


def test_mentions_follow_the_text_not_the_file(ner_calls):
    """NER is looked up by the text it reads: the same file read as two texts (saved as .txt and
    as .html) gets offsets into each; two files that clean to one text share one run."""
    plain = _article("a.txt", "Talks", "Joe Biden called Xi Jinping.")
    marked = dataclasses.replace(plain, id="a.html", title="Talks in Beijing")  # same raw-file hash
    copy = dataclasses.replace(plain, id="b.txt", content_hash="0" * 64)  # another file, same text
    found = mentions_for([plain, marked, copy], None)
    assert ner_calls == [2]
    for article, mentions in zip([plain, marked, copy], found, strict=True):
        text = article_text(article)
        assert [m.text for m in mentions if m.label == "PERSON"] == ["Joe Biden", "Xi Jinping"]
        assert all(text[m.start:m.start + len(m.text)] == m.text for m in mentions)
    assert found[2] == found[0] and found[1] != found[0]


def test_cache_is_per_pipeline_version(tmp_path):
    path = tmp_path / "m.sqlite"
    with MentionCache(path, version="old") as cache:
        cache.put_many({"k": [Mention("Xi", "PERSON", 3)]})
        assert cache.get_many(["k", "missing"]) == {"k": [Mention("Xi", "PERSON", 3)]}
    with MentionCache(path) as cache:
        assert cache.get_many(["k"]) == {}
        assert cache.prune() == 1


_KILL_WRITER = """
import sys
from search.entities import Mention
from search.mentions_cache import MentionCache
cache = MentionCache(sys.argv[1])
batch = 0
while True:
    cache.put_many({f"{batch}-{i}": [Mention("Name", "PERSON", i)] * 5 for i in range(2000)})
    batch += 1
    print(batch, flush=True)
"""


def test_cache_survives_sigkill_mid_write(tmp_path):
    path = tmp_path / "m.sqlite"
    root = Path(__file__).resolve().parent.parent
    child = subprocess.Popen([sys.executable, "-c", _KILL_WRITER, str(path)], cwd=root,
                             stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(root)})
    try:
        assert child.stdout is not None
        child.stdout.readline()  # at least one batch committed
        time.sleep(0.05)
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    batch = "substr(key, 1, instr(key, '-') - 1)"
    counts = dict(db.execute(f"SELECT {batch}, COUNT(*) FROM mentions GROUP BY {batch}"))
    db.close()
    assert counts and set(counts.values()) == {2000}  # whole batches only
    with MentionCache(path) as cache:
        assert cache.get_many(["0-7"])["0-7"][0] == Mention("Name", "PERSON", 7)


def test_mention_json_round_trip(tmp_path):
    mentions = [Mention("Chen Chien-Jen", "PERSON", 10), Mention("“Core”", "ORG", 0)]
    with MentionCache(tmp_path / "m.sqlite") as cache:
        cache.put_many({"k": mentions})
        assert cache.get_many(["k"]) == {"k": mentions}
    assert json.loads(json.dumps([m.text for m in mentions])) == [m.text for m in mentions]


def test_a_lone_person_tag_on_a_common_place_does_not_hide_the_place():
    """One PERSON "Jordan" beside GPE "Jordan", in a corpus where Jordan is a place: a place."""
    odd = _article("o", "Aid", "Jordan said aid would reach Jordan soon.")
    docs = [(odd, [Mention("Jordan", "PERSON", 5), Mention("Jordan", "GPE", 33)])]
    docs += [(a, [Mention("Jordan", "GPE", 15)]) for a in
             [_article(f"n{i}", "News", "Talks in Jordan.") for i in range(3)]]
    found = resolve_entities(docs).per_article
    assert found["o"].people == [] and found["o"].places == ["Jordan"]
    assert found["n1"].places == ["Jordan"]


def test_one_spelling_per_name_and_lone_person_tags_of_places():
    heads = [_article(f"h{i}", "JAPAN RAISES RATES", "Japan raised rates.") for i in range(2)]
    docs = [(a, [Mention("JAPAN", "GPE", 0), Mention("Japan", "GPE", 20)]) for a in heads]
    odd = _article("o", "Rain in Bahia", "Bahia had rain.")
    docs.append((odd, [Mention("Bahia", "PERSON", 15)]))  # a tagging error, no GPE beside it
    docs += [(_article(f"b{i}", "Cocoa", "Bahia cocoa."), [Mention("Bahia", "GPE", 7)]) for i in range(2)]
    caps = _article("c", "Oil", "OPEC met. Opec said.")  # running text: the commoner spelling
    docs.append((caps, [Mention("OPEC", "ORG", 5), Mention("OPEC", "ORG", 10), Mention("Opec", "ORG", 15)]))
    found = resolve_entities(docs).per_article
    assert found["h0"].places == ["Japan"]
    assert found["c"].orgs == ["OPEC"]
    assert found["o"].people == [] and found["o"].places == ["Bahia"]


def test_names_in_tables_of_figures_and_after_amounts_are_not_people():
    """Wire tables ("Revs 291.8 mln vs 151.1 mln") and units after amounts ("billion N.Z. Dlrs")
    are tagged PERSON by the model; the Reuters person facet was topped by "Revs" and "Avg"."""
    article = _article(
        "t", "Acme Corp results",
        "Shr 1.20 dlrs vs 98 cts",
        "Revs 291.8 mln vs 151.1 mln",
        "Reserves fell to 7.15 billion N.Z. Dlrs in January, said John Smith, the chairman.",
    )
    text = article_text(article)
    mentions = [
        Mention("Revs", "PERSON", text.index("Revs")),
        Mention("N.Z. Dlrs", "PERSON", text.index("N.Z. Dlrs")),
        Mention("John Smith", "PERSON", text.index("John Smith")),
        Mention("Acme Corp", "ORG", text.index("Acme Corp")),
    ]
    entities = resolve_entities([(article, mentions)]).per_article["t"]
    assert entities.people == ["John Smith"]
    assert entities.orgs == ["Acme Corp"]
