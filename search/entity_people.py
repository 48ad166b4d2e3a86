"""People rules of the resolution step: type consistency, roles, short forms and junk.

* **Type consistency.** A person string the corpus tags as an organisation, place or nationality
  more often than as a person (context cues such as "... and Co", "... Inc", "the newspaper ...",
  "in ..." count double; the article's own tags first) is not a person: it moves to that facet,
  or out for a nationality. So is a longer name whose first word the corpus uses as a place or
  organisation and never as a given name ("Bolton Wanderers"), and one ending in a legal form.
* **Companies named like people.** A name the corpus writes with a legal form as a company
  ("Crazy Eddie Inc", "Jardine Matheson Holdings Ltd") is that company wherever it is not given
  a title; a bare word that opens a company's name in its article ("Baker" beside "Baker
  International Corp") is the company unless the article names a person with it.
* **Roles.** A leading word of a three-word name that the corpus writes lower-case ("Defender
  Hassan Abbas") or tags as a nationality ("Croat Alen Boksic") is dropped, unless the corpus
  uses it as a given name elsewhere ("Will Carling").
* **Short forms in their article.** A short form (one name part, "Mr Howard", "C. Cairns") joins
  the full name of the same article it abbreviates: the nearest preceding one, else the first
  following; initials must agree with the given names, an honorific with the sex the article gives
  the full name (he/his, she/her, or an honorific of its own).
* **Short forms across articles** join a full name only with evidence: the only full name with
  that surname written with the same title or office ("President Reagan" -> the "President Ronald
  Reagan" of other articles), rare entities shared with the articles that write the name out
  (:class:`search.entity_evidence.Cooccurrence`), or, for initials and a surname ("I. Healy"),
  the only full name with that surname and those initials.
  A female or male honorific also needs the full name to carry the same sex somewhere.
* **Left alone**, a one-word name stays its own value if it looks like a person: written after a
  title somewhere, or a part of a full name elsewhere, or tagged person twice and never a thing;
  otherwise it is kept out of the facet.
* **Junk** (corpus evidence, not layout): a one-word name the corpus writes lower-case ("Jobs"
  in "Jobs will also be lost"), or uses as a unit or row label next to figures ("Dlrs", "Revs"),
  and a longer name all of whose words are such, is not a person. Names in tables, results lists
  and datelines are kept.
"""

from __future__ import annotations

import functools
import re
from collections import Counter, defaultdict
from collections.abc import Sequence

from .entity_evidence import Cooccurrence, TypeVotes, WordStats, word_key
from .entity_names import (
    AFFILIATION_WORDS,
    CORPORATE_SUFFIXES,
    FEMALE_HONORIFICS,
    MALE_HONORIFICS,
    NAMES_REMEMBERED,
    PARTICLES,
    TITLE_WORDS,
    Item,
    initials_of,
    is_legal_form,
    name_parts,
)

_PRONOUN = re.compile(r"\b(he|his|him|himself|she|her|hers|herself)\b", re.IGNORECASE)
_SENTENCE_OPENS = re.compile(r"(?:^|[.!?:\"]\s*|\n\s*)$")
_INITIAL = re.compile(r"(?:[A-Z]\.)+|[A-Z]")
#: Patterns made per name below, compiled once each: ``re`` 's own cache holds 512, fewer than the
#: names of a corpus, so it would compile them (and evict the static ones) over and over.
PATTERNS_REMEMBERED = 4096


@functools.lru_cache(maxsize=PATTERNS_REMEMBERED)
def _word_alone(word: str) -> re.Pattern[str]:
    """``word`` as a word of its own ("Reagan", not "Reagans" nor "Reagan-era")."""
    return re.compile(rf"(?<![\w-]){re.escape(word)}(?![\w-])")


@functools.lru_cache(maxsize=PATTERNS_REMEMBERED)
def _after_a_name(word: str) -> re.Pattern[str]:
    """``word`` after a capitalised word ("Charles Merrill")."""
    return re.compile(rf"\b[A-Z][a-z]+\s+{re.escape(word)}(?![\w-])")


@functools.lru_cache(maxsize=PATTERNS_REMEMBERED)
def _given_and(surname: str) -> re.Pattern[str]:
    """A possible given name, captured, then ``surname`` ("Sonja Kaelin")."""
    return re.compile(rf"(?<![\w.'-])([A-Z][a-z]+(?:-[A-Z][a-z]+)?) {re.escape(surname)}(?![\w-])")


def is_short(item: Item) -> bool:
    return len(name_parts(item.name)) < 2


def given_names(docs: Sequence[tuple[str, list[Item]]]) -> Counter[str]:
    """First words of two-word person names, by the number of distinct names they start."""
    names = {i.name for _, items in docs for i in items if i.facet == "person" and len(i.name.split()) == 2
             and not all(word_key(t) in AFFILIATION_WORDS for t in i.name.split())}
    return Counter(name.split()[0].casefold() for name in names)


def strip_roles(docs: Sequence[tuple[str, list[Item]]], words: WordStats, norp: set[str]) -> None:
    """Drop leading role, nationality and party words from a person name (see module doc); a
    name made of nothing else is not a person ("Lib Dems")."""
    given = given_names(docs)
    for _, items in docs:
        for item in items:
            if item.facet != "person":
                continue
            tokens = item.name.split()
            if all(word_key(t) in AFFILIATION_WORDS for t in tokens):
                item.facet = ""
                continue
            while len(tokens) >= 2 and not given[tokens[0].casefold()]:
                first = word_key(tokens[0])
                affiliation = first in norp or first in AFFILIATION_WORDS
                if not (affiliation or (len(tokens) >= 3 and words.is_common_word(first))) or \
                        (len(tokens) == 2 and first not in norp):
                    break
                tokens = tokens[1:]
            item.name = " ".join(tokens)


#: Words between a firm's own name and its legal form ("Jardine Matheson Holdings Ltd").
FIRM_WORDS = frozenset(["holdings", "group", "international", "industries", "enterprises", "stores",
                        "cos", "companies", "corp", "co", "inc"])


@functools.lru_cache(maxsize=NAMES_REMEMBERED)
def firm_stem(name: str) -> tuple[str, ...]:
    """A company name without its legal form and firm words ("Crazy Eddie Inc" -> "Crazy Eddie",
    "Jardine Matheson Holdings Ltd" -> "Jardine Matheson"), as words; () if it has no legal form."""
    words = name.casefold().split()
    if len(words) < 2 or not is_legal_form(words[-1]):
        return ()
    while len(words) > 1 and (is_legal_form(words[-1]) or words[-1] in FIRM_WORDS):
        words.pop()
    return tuple(words)


def firm_names(docs: Sequence[tuple[str, list[Item]]]) -> set[str]:
    """Names of two words or more that the corpus writes with a legal form as an organisation."""
    return {" ".join(stem) for _, items in docs for i in items
            if i.facet == "org" and len(stem := firm_stem(i.name)) >= 2}


def _after_given_name(text: str, word: str) -> bool:
    """Whether the text writes the word after a capitalised name ("Charles Merrill founded")."""
    return _after_a_name(word).search(text) is not None


def retype(items: list[Item], votes: TypeVotes, thing_votes: Counter[str], part_votes: Counter[str],
           given: Counter[str], firms: set[str] = frozenset(), text: str = "") -> None:
    """Type consistency within the corpus, and things named like a person of the article.
    ``firms``: :func:`firm_names` of the corpus; ``text``: the article's."""
    if not any(i.facet == "person" for i in items):
        return  # every rule below starts from a person of the article (most articles of a wire have none)
    firm_heads = {stem[0] for i in items if i.facet == "org" and (stem := firm_stem(i.name))}
    in_names = {w.casefold() for i in items if i.facet == "person" and not is_short(i) for w in name_parts(i.name)}
    for item in items:  # "Crazy Eddie" of "Crazy Eddie Inc"; "Baker" of "Baker International Corp"
        key = item.name.casefold()
        if item.facet == "person" and not item.titled and (
                key in firms or (is_short(item) and key in firm_heads and key not in in_names
                                 and not _after_given_name(text, item.name))):
            item.facet = "org"
    full = [i for i in items if i.facet == "person" and not is_short(i)]
    in_full = {w.casefold() for i in full for w in name_parts(i.name)}
    # name parts of the article's people ("Mrs Clarke" says nothing of "Clarke's Bakery")
    parts = {w.casefold() for i in items if i.facet == "person" and not i.sex for w in name_parts(i.name)}
    whole = {i.name.casefold() for i in full}
    local = TypeVotes()
    for item in items:
        local.add(item.name.casefold(), item.facet or "other", item.weight)
        if item.cue:
            local.add(item.name.casefold(), item.cue, 2)
    initialled = [i for i in items if i.facet == "person" and initials_of(i.name)]
    for item in items:
        key = item.name.casefold()
        if item.facet == "person" and " " in key and key.split()[-1].rstrip(".") in CORPORATE_SUFFIXES:
            item.facet = "org"  # "Courier Corp"
        elif item.facet == "person":
            if item.titled or (is_short(item) and key in in_full):
                continue  # its own article says it is a person
            lost = local.person_lost(key)  # the article's own say first, then the corpus's
            lost = votes.person_lost(key) if lost is None else lost
            first = key.split()[0]
            if (lost is None and " " in key and given[first] < 2 and votes.person_lost(first)
                    and thing_votes[first] > part_votes[first]):
                lost = "org"  # "Bolton Wanderers", "Leicester Tigers": named after a place, not a person
            if lost is not None:
                item.facet = lost
        elif key in whole or (" " in item.name and any(_agrees(i, item.name, "") for i in initialled
                                                       if i.name.split()[-1] == item.name.split()[-1])):
            item.facet = "person"  # ORG "Tyson Gay" in the article of PERSON "T. Gay"
        elif " " not in item.name and key in parts and part_votes[key] >= thing_votes[key]:
            item.facet = "person"  # "Blinken" tagged GPE in an article that names Antony Blinken


def _sex_in_article(text: str, people: list[Item]) -> dict[str, str]:
    """Full name -> "f"/"m" from its own honorific or the first pronoun after it in the article."""
    sex: dict[str, str] = {}
    for item in people:
        if is_short(item):
            continue
        if item.sex:
            sex[item.name] = item.sex
        elif item.name not in sex and (match := _PRONOUN.search(text, item.end, item.end + 160)):
            sex[item.name] = "f" if match.group(1).lower().startswith(("she", "her")) else "m"
    return sex


def _agrees(short: Item, full_name: str, sex: str) -> bool:
    """Initials and honorific of a short form agree with a full name."""
    if short.sex and sex and short.sex != sex:
        return False
    initials = initials_of(short.name)
    if not initials:
        return True
    surname = short.name.split()[-1].casefold()
    tokens = full_name.split()
    given = [t for t in tokens[:-1] if t.casefold() != surname]
    return bool(given) and tokens[-1].casefold() == surname and \
        "".join(t[0] for t in given).upper().startswith(initials.upper())


def _written_in_full(text: str, surname: str, words: WordStats, things: set[str], firms: set[str]) -> str | None:
    """The one "Given Surname" the article writes for a surname the model only tagged alone
    ("Swiss Sonja Kaelin" tagged "Kaelin"): the word before must be a name, not a title,
    affiliation, entity or word the article or corpus writes lower-case, and the two words no
    company of the article (``firms``: "Crazy Eddie" of "Crazy Eddie Inc")."""
    found = set()
    for match in _given_and(surname).finditer(text):
        key = match.group(1).casefold()
        if _SENTENCE_OPENS.search(text[max(0, match.start() - 3):match.start()]):
            continue  # a capital at a sentence start says nothing ("While Reagan ...")
        if (key in TITLE_WORDS or key in AFFILIATION_WORDS or key in PARTICLES or key in things
                or f"{key} {surname.casefold()}" in firms
                or words.is_common_word(key) or _word_alone(key).search(text)):
            continue
        found.add(f"{match.group(1)} {surname}")
    return found.pop() if len(found) == 1 else None


def link_in_article(text: str, items: list[Item], words: WordStats) -> dict[str, str]:
    """Give each short person the full name of the article it abbreviates; returns the article's
    full names with the sex the article gives them."""
    people = [i for i in items if i.facet == "person"]
    if not people:
        return {}
    things = {i.name.casefold() for i in items if i.facet != "person"}
    firms = {" ".join(stem) for i in items if i.facet == "org" and (stem := firm_stem(i.name))}
    sex = _sex_in_article(text, people)
    full = [p for p in people if not is_short(p)]
    for person in people:
        person.canonical = person.name
        if not is_short(person) or not name_parts(person.name):
            continue
        word = name_parts(person.name)[-1].casefold()
        holders = [f for f in full if word in {w.casefold() for w in name_parts(f.name)}
                   and _agrees(person, f.name, sex.get(f.name, ""))]
        if not holders:
            if not initials_of(person.name) and (written := _written_in_full(text, person.name, words, things, firms)):
                person.canonical = written
            continue
        before = [f for f in holders if f.start < person.start]
        chosen = max(before, key=lambda f: f.start) if before else min(holders, key=lambda f: f.start)
        person.canonical = chosen.name
    return sex


def link_across(docs: Sequence[tuple[str, list[Item]]], sexes: dict[str, Counter[str]]) -> None:
    """Link the short forms left alone to full names of other articles, with evidence only."""
    written: dict[str, set[str]] = defaultdict(set)  # full name -> ids of articles that write it
    by_surname: dict[str, set[str]] = defaultdict(set)  # last name part -> full names
    for doc_id, items in docs:
        for item in items:
            if item.facet == "person" and not is_short(item):
                written[item.canonical].add(doc_id)
                by_surname[name_parts(item.canonical)[-1].casefold()].add(item.canonical)
    entities = {
        doc_id: {(i.canonical or i.name).casefold() for i in items
                 if i.facet and not (i.facet == "person" and is_short(i))}
        for doc_id, items in docs
    }
    cooccurrence = Cooccurrence(entities, written)
    titles: dict[str, Counter[str]] = defaultdict(Counter)  # full name -> title words written with it
    for _, items in docs:
        for item in items:
            if item.facet == "person" and item.title and " " in item.canonical:
                titles[item.canonical].update(item.title.split())
    for doc_id, items in docs:
        for item in items:
            if item.facet != "person" or not is_short(item) or item.canonical != item.name:
                continue
            parts = name_parts(item.name)
            if not parts:
                continue
            candidates = sorted(by_surname.get(parts[-1].casefold(), ()))
            if initials_of(item.name):
                if len(candidates) == 1 and _agrees(item, candidates[0], ""):
                    item.canonical = candidates[0]
                continue
            if item.sex:
                candidates = [c for c in candidates if sexes[c].most_common(1) and
                              sexes[c].most_common(1)[0][0] == item.sex]
            chosen = _by_title(item, candidates, titles) or cooccurrence.best(doc_id, candidates)
            if chosen:
                item.canonical = chosen
            elif item.honorific:  # "Mrs Clarke" is not every Clarke
                item.canonical = item.name = f"{item.honorific} {item.name}"
        _same_in_article(items)


def _same_in_article(items: list[Item]) -> None:
    """Bare mentions of a surname follow the one of the same article that was linked ("President
    Reagan" linked on its title carries the article's other "Reagan")."""
    linked: dict[str, set[str]] = defaultdict(set)
    for item in items:
        if item.facet == "person" and is_short(item) and " " in item.canonical and not item.honorific:
            linked[item.name.casefold()].add(item.canonical)
    if not linked:
        return
    for item in items:
        found = linked.get(item.name.casefold(), set())
        if item.facet == "person" and item.canonical == item.name and len(found) == 1 and not item.honorific:
            item.canonical = next(iter(found))


def _by_title(item: Item, candidates: list[str], titles: dict[str, Counter[str]]) -> str | None:
    """The full name that carries the short form's title or office, when one clearly does: four
    times as often as any other ("President Reagan" -> "Ronald Reagan", not "Nancy Reagan")."""
    offices = set(item.title.split()) - FEMALE_HONORIFICS - MALE_HONORIFICS
    scored = sorted(((sum(titles[c][w] for w in offices), c) for c in candidates), reverse=True)
    if not scored or not scored[0][0] or (len(scored) > 1 and scored[1][0] * 4 > scored[0][0]):
        return None
    return scored[0][1]


def drop_junk(text: str, items: list[Item], words: WordStats, evidence: set[str]) -> None:
    """Unset the facet of person items that are words, units or unsupported bare names."""
    for item in items:
        if item.facet != "person":
            continue
        tokens = [word_key(t) for t in item.canonical.split() if not _INITIAL.fullmatch(t)]
        if tokens and all(words.is_unit(t) for t in tokens):
            item.facet = ""  # "U.S. Dlrs", whatever it was written after
        if not tokens or item.titled:
            continue
        words_only = all(words.is_common_word(t) or words.is_unit(t) for t in tokens)
        words_only |= len(tokens) >= 2 and words.is_common_word(tokens[-1], strongly=True)  # "Hastings Pier"
        bare = len(item.canonical.split()) == 1 and item.canonical == item.name
        if words_only or (bare and (
            _word_alone(tokens[0]).search(text)  # lower-case in its article
            or tokens[0] not in evidence
        )):
            item.facet = ""


def bare_name_evidence(docs: Sequence[tuple[str, list[Item]]], votes: TypeVotes) -> set[str]:
    """One-word names that look like people: after a title somewhere, part of a full name, or
    tagged person at least twice and never a thing."""
    found: set[str] = set()
    for _, items in docs:
        for item in items:
            if item.facet != "person":
                continue
            if item.titled:
                found.update(w.casefold() for w in name_parts(item.name))
            if not is_short(item):
                found.update(w.casefold() for w in name_parts(item.name))
    for key, counts in votes.votes.items():
        if " " not in key and counts.get("person", 0) >= 2 and counts["person"] == sum(counts.values()):
            found.add(key)
    return found
