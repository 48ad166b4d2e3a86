"""Named entities, step 3 of 3: the cleaned mentions of a whole corpus -> facet values per article.

Facets: PERSON -> people, ORG -> orgs, GPE and LOC -> places. NORP and FAC mentions feed no
facet: NORP is nationalities ("Chinese"), and FAC scores F=0.35 in this model's own evaluation.
They still vote on what a string is, and a single word among them can turn out to be a person
("Blinken" is often tagged GPE).

Each article is first parsed on its own (:mod:`search.entity_parse`: cleaned mentions, dates,
word counts); resolution is corpus-wide and works on evidence counted over the corpus
(:mod:`search.entity_evidence`); the people rules are in :mod:`search.entity_people`. Then:

* organisations and places: a string written only in capitals headlines and nowhere else in the
  corpus is dropped (the model's case cues are gone there: "TAIWAN BANKS ASKED"); so is a one-word
  one the corpus writes lower-case or as a unit ("Budget", "GMT"), a legal form alone ("Co"), and a
  place with a digit ("MPEG-2"); a string the corpus tags as the other facet at least twice as
  often moves there ("Bloomberg");
* organisation names found by their shape (:mod:`search.entity_spans`) replace the model's
  mentions they overlap ("Bell Inc" -> "Cincinnati Bell Inc");
* within an article, a short organisation name joins the fuller one it abbreviates ("Moody's" ->
  "Moody's Investors Service Inc", "IMF" -> "International Monetary Fund"; a headline's "Hyundai"
  -> the body's "Hyundai Motor Co"), but a name with a legal form of its own stays itself; across the corpus,
  names that differ only in case, punctuation or legal form are one value ("Texaco Inc", "Texaco");
* places: "U.S."/"America" -> "United States" (a small table of well-known forms);
* one spelling per name: the commonest outside all-capitals wire headlines ("JAPAN" -> "Japan");
* a person of the same article, or a name the corpus calls a person more often than a thing, never
  appears as a place or organisation;
* the user's aliases file (:mod:`search.entity_aliases`): merges before everything, renames and
  blocks at the end.
"""

from __future__ import annotations

import copy
import functools
import re
from collections import Counter, defaultdict
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from .compute import InProcess, Pool, batched
from .entities import Mention, article_text
from .entity_aliases import Aliases
from .entity_cache import ParseCache
from .entity_evidence import (
    TextWords,
    TypeVotes,
    WordStats,
    is_instrument,
    word_key,
)
from .entity_names import (
    CORPORATE_SUFFIXES,
    NAMES_REMEMBERED,
    Item,
    is_legal_form,
    is_place_pair,
    name_parts,
    org_key,
)
from .entity_parse import Parsed, encoded_parses, parse_batch, set_cues
from .entity_people import (
    bare_name_evidence,
    drop_junk,
    firm_names,
    firm_stem,
    given_names,
    link_across,
    link_in_article,
    retype,
    strip_roles,
)
from .entity_wire import unshout
from .models import Article, Entities

#: Bump when a rule here changes what the facets hold: an index built with other rules re-resolves.
RESOLUTION_REVISION = 3
#: articles parsed by a worker at once (one task)
PARSE_BATCH = 256


@dataclass
class Resolution:
    """What :func:`resolve_entities` found for a corpus."""

    per_article: dict[str, Entities]  # article id -> canonical entities
    surface_forms: dict[tuple[str, str], set[str]]  # (facet, canonical) -> forms seen in the text


@dataclass
class _Doc:
    article: Article
    text: str
    items: list[Item]
    dates: list[str]


def _parse_all(docs: Sequence[tuple[Article, list[Mention]]], aliases: Aliases, pool: Pool,
               cache: ParseCache | None, ready: Mapping[str, Parsed],
               known: Mapping[str, str]) -> tuple[list[_Doc], WordStats]:
    """Each article parsed on ``pool``, or taken from ``ready`` (parses made with NER, by their
    ``cache`` key; ``known``: those keys by article id) or ``cache`` (the ones parsed here stored
    there); and the corpus's word counts, summed as the articles come."""
    texts = [article_text(article) for article, _ in docs]
    keys = [known.get(article.id) or cache.key(article, text, mentions)
            for (article, mentions), text in zip(docs, texts, strict=True)] if cache is not None else []
    found = {**cache.get_many(key for key in keys if key not in ready), **ready} if cache is not None else {}
    words = WordStats()
    parsed: list[_Doc | None] = [None] * len(docs)

    def take(i: int, items: list[Item], dates: list[str], counts: TextWords) -> None:
        words.add(counts)
        parsed[i] = _Doc(docs[i][0], texts[i], items, dates)

    taken: set[str] = set()
    for i, key in enumerate(keys):
        if key in found:  # the same article twice (another id) gets its own items: they are changed later
            take(i, *(copy.deepcopy(found[key]) if key in taken else found[key]))
            taken.add(key)
    batches = list(batched([i for i, done in enumerate(parsed) if done is None], PARSE_BATCH))
    encoded = cache is not None and pool.workers > 1  # parses come back as the cache stores them
    work = encoded_parses if encoded else parse_batch
    results = pool.map(functools.partial(work, aliases=aliases), ([docs[i] for i in b] for b in batches))
    for batch, result in zip(batches, results, strict=True):
        if cache is not None:  # stored before resolution changes the items
            rows = dict(zip((keys[i] for i in batch), result, strict=True))
            if encoded:
                cache.put_encoded(rows)
                result = map(cache.decode, result)
            else:
                cache.put_many(rows)
        for i, one in zip(batch, result, strict=True):
            take(i, *one)
    return parsed, words  # type: ignore[return-value]  # every slot is filled


def _type_votes(parsed: list[_Doc]) -> TypeVotes:
    votes = TypeVotes()
    add = votes.add
    full = {i.name.casefold() for d in parsed for i in d.items if i.facet == "person" and " " in i.name}
    for doc in parsed:
        for item in doc.items:
            key = item.name.casefold()
            add(key, item.facet or "other", item.weight)
            if item.cue:
                add(key, item.cue, 2)
            if item.facet == "org":
                if len(stem := firm_stem(item.name)) >= 2:  # "Crazy Eddie" of "... Inc"
                    add(" ".join(stem), "org", 2)
                tokens = item.name.split()  # "Samuel Montagu" inside "Samuel Montagu and Co Ltd"
                for n in range(2, len(tokens)):
                    if (prefix := " ".join(tokens[:n]).casefold()) in full:
                        add(prefix, "org")
    return votes


def _word_stats(parsed: list[_Doc], words: WordStats) -> WordStats:
    """The corpus's ``words`` counts of the words of names (of one-word names of any kind)."""
    names = {i.name for d in parsed for i in d.items if i.facet in ("person", "org") or " " not in i.name}
    return words.only({word_key(t) for name in names for t in name.split()})  # per distinct name


_ACRONYM = re.compile(r"[A-Z]{2,6}")


@functools.lru_cache(maxsize=NAMES_REMEMBERED)
def _acronym_of(short: str, full: str) -> bool:
    """"IMF" of "International Monetary Fund", "IBM" of "International Business Machines Corp"."""
    if not _ACRONYM.fullmatch(short):
        return False
    words = [w for w in re.split(r"[\s-]+", full) if w and w.lower() not in ("of", "and", "the", "for", "de", "&")]
    while len(words) > len(short) and words[-1].lower().rstrip(".") in CORPORATE_SUFFIXES:
        words.pop()
    return len(words) == len(short) and "".join(w[0] for w in words).upper() == short


#: Last words that make a name a geographic feature or a street, not an organisation.
PLACE_HEADS = frozenset([
    "street", "road", "avenue", "highway", "river", "creek", "lake", "bay", "island", "islands",
    "mountain", "mountains", "hill", "hills", "fell", "valley", "sea", "ocean", "gulf", "strait",
    "canal", "coast", "peninsula", "cape", "desert", "forest", "glacier",
])


def _link_org_short_forms(items: list[Item], words: WordStats, title_end: int) -> None:
    """A short name joins the fuller one of its article (and that one's, in turn): a leading part written after it or in
    the headline (``title_end``: where it ends), or before it when the rest are common nouns
    ("Federal Reserve" of "Federal Reserve Board", not "Texaco" of "Texaco Canada"), unless it
    has a legal form of its own ("Ford Motor Co" is not "Ford Motor Credit Co"); a clipped word
    ("Fed" of "Federal Reserve"); an acronym."""
    orgs = [i for i in items if i.facet == "org"]
    if len(orgs) < 2:
        return  # nothing to join
    keys = [org_key(i.name).split() for i in orgs]
    # a prefix or clipped form shares or starts the first word: only those are compared
    starting: dict[str, list[int]] = defaultdict(list)
    for n, longer in enumerate(keys):
        if longer:
            starting[longer[0]].append(n)
    for short, key in zip(orgs, keys, strict=True):
        complete = is_legal_form(short.name.split()[-1])  # "Ford Motor Co"
        acronym = _ACRONYM.fullmatch(short.name) is not None
        ahead = short.shouted or short.end <= title_end
        size = len(key)
        if not (acronym or not complete or (size == 1 and len(key[0]) >= 3)):
            continue  # neither a prefix (it has a legal form) nor a clipped word nor an acronym
        if acronym or not key:
            candidates: Sequence[int] = range(len(orgs))
        elif size > 1:  # a prefix only
            candidates = starting.get(key[0], ())
        else:
            candidates = sorted(n for first, ns in starting.items() if first.startswith(key[0]) for n in ns)
        for n in candidates:
            full, longer = orgs[n], keys[n]
            if len(longer) <= size and not acronym:
                continue  # a prefix or a clipped form is of a longer name
            after = ahead or full.start < short.start
            prefix = not complete and len(longer) > size and longer[:size] == key and (
                after or all(words.is_common_word(w) for w in longer[size:]))
            clipped = size == 1 and len(key[0]) >= 3 and len(longer) > 1 and after \
                and longer[0] != key[0] and longer[0].startswith(key[0])
            if prefix or clipped or (acronym and _acronym_of(short.name, full.name)):
                short.canonical = full.name
                break
    by_name = {i.name: i for i in orgs}
    for item in orgs:  # "Falcon" -> "Falcon Cable" -> "Falcon Cable Systems Co"
        seen = {item.name}
        while item.canonical in by_name and by_name[item.canonical].canonical not in seen:
            seen.add(item.canonical)
            item.canonical = by_name[item.canonical].canonical


class _Shape(NamedTuple):
    """What :func:`_resolve_things` asks of a name's spelling."""

    legal: bool  # ends in a legal form ("Texaco Inc")
    capitals: bool  # written in capitals
    digit: bool  # has a digit ("MPEG-2")
    place_head: bool  # starts or ends with a word of :data:`PLACE_HEADS`


@functools.lru_cache(maxsize=NAMES_REMEMBERED)
def _shape(name: str) -> _Shape:
    """Each name's :class:`_Shape`, worked out once per distinct name (a corpus repeats them)."""
    words = name.split()
    return _Shape(words[-1].lower().rstrip(".") in CORPORATE_SUFFIXES, name.isupper(),
                  any(c.isdigit() for c in name), words[-1].lower() in PLACE_HEADS or words[0].lower() in PLACE_HEADS)


def _resolve_things(parsed: list[_Doc], words: WordStats, votes: TypeVotes) -> None:
    """Organisation and place rules (module doc)."""
    plain = {org_key(i.name) for d in parsed for i in d.items if not i.shouted}
    plain |= {w.casefold() for d in parsed for i in d.items if i.facet == "person" for w in name_parts(i.name)}
    for doc in parsed:
        for item in doc.items:
            if item.facet not in ("org", "place"):
                continue
            item.canonical = item.name
            key = org_key(item.name)
            legal = item.facet == "org" and _shape(item.name).legal
            if item.shouted and legal and key not in plain:  # "PACKAGING SYSTEMS CORP <PAKS> 4TH QTR NET"
                item.canonical = item.name = unshout(item.name)
                item.shouted = False
            shape = _shape(item.name)
            single = " " not in key and not shape.capitals and not legal  # "News Corp" is a name
            if (not key or (item.shouted and key not in plain)
                    or (" " not in key and not legal and (words.is_common_word(key) or words.is_unit(key)))
                    or (single and item.facet == "org" and words.is_generic(key))
                    or (item.facet == "org" and is_instrument(doc.text, item.end))
                    or (item.facet == "place" and shape.digit)):
                item.facet = ""
            elif item.facet == "org" and not legal and shape.place_head:
                item.facet = "place"  # "Smith Street", "River Witham" tagged as organisations
            else:
                item.facet = votes.thing_facet(item.name.casefold(), item.facet)
        _link_org_short_forms(doc.items, words, len(doc.article.title))
    forms = Counter((org_key(i.canonical), not i.shouted, i.canonical) for d in parsed for i in d.items
                    if i.facet == "org")
    best = _commonest({(key, (plain, n, len(name), name)): name for (key, plain, name), n in forms.items()})
    for doc in parsed:
        for item in doc.items:
            if item.facet == "org":
                item.canonical = best[org_key(item.canonical)]


def _display_forms(parsed: list[_Doc], aliases: Aliases) -> dict[tuple[str, str], str]:
    """One spelling per name and facet: the commonest outside all-capitals headlines ("JAPAN" in
    "JAPAN RAISES RATES" -> "Japan" when the corpus has "Japan"; "OPEC" in running text stays)."""
    counts = Counter((i.facet, not i.shouted, aliases.merged(i.canonical)) for d in parsed for i in d.items)
    return _commonest({((facet, name.casefold()), (plain, n, name)): name
                       for (facet, plain, name), n in counts.items()})


def _commonest(ranked: dict[tuple[Hashable, tuple], str]) -> dict[Hashable, str]:
    """``{(key, rank): name}`` -> ``{key: the name of its highest rank}``; the forms are counted
    flat (one ``Counter`` over all, at C speed) rather than in a ``Counter`` per key."""
    best: dict[Hashable, tuple[tuple, str]] = {}
    for (key, rank), name in ranked.items():
        if key not in best or rank > best[key][0]:
            best[key] = (rank, name)
    return {key: name for key, (_, name) in best.items()}


def _word_evidence(parsed: list[_Doc]) -> tuple[Counter[str], Counter[str]]:
    """Per word, the number of articles using it as a part of a person's name, and as a one-word
    thing (not also a name part there)."""
    person: Counter[str] = Counter()
    thing: Counter[str] = Counter()
    for doc in parsed:
        parts = {w.casefold() for i in doc.items if i.facet == "person" for w in name_parts(i.name)}
        person.update(parts)
        thing.update({i.name.casefold() for i in doc.items if i.facet != "person" and " " not in i.name} - parts)
    return person, thing


def resolve_entities(
    docs: Sequence[tuple[Article, list[Mention]]],
    aliases: Aliases | None = None,
    pool: Pool | None = None,
    cache: ParseCache | None = None,
    ready: Mapping[str, Parsed] | None = None,
    ready_keys: Mapping[str, str] | None = None,
) -> Resolution:
    """Canonical entities for every article of a corpus (rules: this module's and
    :mod:`search.entity_people`'s docstrings).

    Pure and fast: re-applying an edited aliases file needs only this, not NER. The per-article
    first step runs on ``pool`` (:mod:`search.compute`) when given, for the articles not in
    ``cache`` (:mod:`search.entity_cache`) or ``ready`` (by cache key: parsed with NER,
    :func:`search.entity_pass.parse_rows`; ``ready_keys``: their keys by article id, for the
    articles they were made of); the corpus-wide rest here.
    """
    aliases = aliases or Aliases()
    parsed, counts = _parse_all(docs, aliases, pool or InProcess(), cache, ready or {}, ready_keys or {})
    places = {i.name.casefold() for d in parsed for i in d.items if i.facet == "place"}
    for doc in parsed:
        kept = [i for i in doc.items if not (i.facet in ("person", "place") and is_place_pair(i.name, places))]
        if len(kept) < len(doc.items):
            people = sum(i.facet == "person" for i in kept) < sum(i.facet == "person" for i in doc.items)
            doc.items = kept
            if people:
                set_cues(doc.text, doc.items)

    votes = _type_votes(parsed)
    words = _word_stats(parsed, counts)
    norp = {i.name.casefold() for d in parsed for i in d.items if i.label == "NORP"}
    by_id = [(d.article.id, d.items) for d in parsed]
    strip_roles(by_id, words, norp)
    part_votes, thing_votes = _word_evidence(parsed)
    given = given_names(by_id)
    firms = firm_names(by_id)
    sexes: dict[str, Counter[str]] = defaultdict(Counter)
    for doc in parsed:
        retype(doc.items, votes, thing_votes, part_votes, given, firms, doc.text)
        for name, sex in link_in_article(doc.text, doc.items, words).items():
            sexes[name][sex] += 1
    link_across(by_id, sexes)
    evidence = bare_name_evidence(by_id, votes)
    for doc in parsed:
        drop_junk(doc.text, doc.items, words, evidence)
    _resolve_things(parsed, words, votes)
    for doc in parsed:
        doc.items = [i for i in doc.items if i.facet in ("person", "org", "place")]

    # A person never shows as a place or organisation: not in its own article, nor anywhere when the
    # corpus calls it a person more often than a thing.
    people = {
        key for d in parsed for i in d.items if i.facet == "person"
        if " " in (key := aliases.merged(i.canonical).casefold()) or part_votes[key] >= thing_votes[key]
    }
    display = _display_forms(parsed, aliases)
    per_article: dict[str, Entities] = {}
    surface_forms: dict[tuple[str, str], set[str]] = defaultdict(set)
    for doc in parsed:
        entities = Entities(mentioned_dates=list(doc.dates))
        lists = {"person": entities.people, "org": entities.orgs, "place": entities.places}
        here = {aliases.merged(i.canonical).casefold() for i in doc.items if i.facet == "person"}
        for item in doc.items:
            merged = display[(item.facet, aliases.merged(item.canonical).casefold())]
            final = aliases.renamed(merged)
            if aliases.blocked(item.facet, final, merged, item.canonical):
                continue
            if item.facet != "person" and (merged.casefold() in people or merged.casefold() in here):
                continue
            if final not in lists[item.facet]:
                lists[item.facet].append(final)
            forms = surface_forms[(item.facet, final)]
            forms.update((item.surface, item.name, item.canonical, merged))
            forms.discard(final)  # never in it: the same as adding the others alone
        per_article[doc.article.id] = entities
    return Resolution(per_article, dict(surface_forms))


def surface_forms_by_facet(resolution: Resolution) -> dict[str, dict[str, list[str]]]:
    """``surface_forms`` as JSON-friendly ``{facet: {canonical: [forms]}}`` (the index meta shape)."""
    nested: dict[str, dict[str, list[str]]] = defaultdict(dict)
    for (facet, name), forms in resolution.surface_forms.items():
        nested[facet][name] = sorted(forms)
    return dict(nested)
