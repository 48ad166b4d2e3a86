"""Named entities, step 2 of 3: one mention cleaned on its own, before any corpus evidence.

* the surface: curly quotes, possessive 's/', leading "the", spaced punctuation;
* people: leading titles, honorifics, offices, roles and qualifiers ("US Secretary of State",
  "President", "then-", "Mr.", "Energy Minister", "Defender"), anything from a bracket on;
* non-names dropped: lowercase junk, numbers, single letters, initialisms as people ("U.S.");
* places: a small table of well-known forms ("U.S.", "America" -> "United States");
* organisations: an ORG that is the tail of a title ("State" in "Secretary of State").
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

# Cleaning single mentions

_QUOTES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "`": "'", "\u00a0": " "})
_STRIP = " \t\n\"'“”‘’,;:()[]{}<>-–—*"
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
    "russian",
    # roles and jobs written before a name ("Defender Hassan Abbas", "Striker Alen Boksic")
    "defender", "midfielder", "striker", "forward", "winger", "goalkeeper", "keeper", "fullback",
    "full-back", "centre-back", "playmaker", "coach", "manager", "skipper", "batsman", "bowler",
    "opener", "all-rounder", "wicketkeeper", "jockey", "trainer", "driver", "rider", "pitcher",
    "quarterback", "rookie", "veteran", "champion", "teammate", "team-mate", "substitute", "actor",
    "actress", "singer", "star", "director", "producer", "author", "novelist", "writer", "playwright",
    "economist", "analyst", "dealer", "trader", "broker", "lawyer", "defendant", "suspect",
    "official", "boss", "executive", "president-elect", "candidate", "challenger", "incumbent",
    "detective", "inspector", "officer", "constable", "superintendent", "doctor", "nurse", "pastor",
])
#: Nationality nouns and party labels written before a name ("Briton Aaron Ledbury", "Lib Dem
#: Vince Cable"): dropped from a name of three words or more unless used as a given name.
AFFILIATION_WORDS = frozenset([
    "briton", "finn", "croat", "dane", "swede", "pole", "scot", "serb", "czech", "slovak", "turk",
    "greek", "spaniard", "frenchman", "englishman", "welshman", "irishman", "scotsman", "dutchman",
    "kiwi", "aussie", "german", "italian", "brazilian", "argentine", "argentinian", "canadian",
    "australian", "japanese", "korean", "indian", "pakistani", "kenyan", "ethiopian", "nigerian",
    "jamaican", "norwegian", "swiss", "austrian", "belgian", "portuguese", "mexican", "colombian",
    "chilean", "uruguayan", "israeli", "egyptian", "iranian", "iraqi", "saudi", "french", "irish",
    "welsh", "scottish", "english", "dutch", "spanish", "swedish", "danish", "finnish", "polish",
    "lib", "dem", "dems", "labour", "tory", "tories", "conservative", "republican", "democrat",
    "democratic", "liberal", "socialist", "gop",
])
#: Honorifics that say a person's sex: a "Mrs Howard" is not a "Mr Howard".
FEMALE_HONORIFICS = frozenset(["mrs", "ms", "miss", "madam", "madame", "dame", "lady", "mme", "baroness"])
MALE_HONORIFICS = frozenset(["mr", "sir", "lord", "monsieur", "baron"])
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


#: how many distinct strings the pure name functions here remember: the parse and resolution ask
#: each of them about the same names over and over (all mentions of a corpus, several times each)
NAMES_REMEMBERED = 1 << 16
_SPACED = re.compile(r"\s+([,.;:)\]])|([(\[])\s+")
_POSSESSIVE = re.compile(r"(?:'s|(?<=s)')$")
_THE = re.compile(r"^the\s+", re.IGNORECASE)
_BRACKET = re.compile(r"\s*[(\[]")


@functools.lru_cache(maxsize=NAMES_REMEMBERED)
def surface_form(text: str) -> str:
    """A mention as shown to users: quotes normalised, possessive and leading "the" dropped,
    spaced punctuation closed up ("Goldman , Sachs" -> "Goldman, Sachs")."""
    text = " ".join(text.translate(_QUOTES).split()).strip(_STRIP)
    text = _SPACED.sub(r"\1\2", text)
    if text.count("(") > text.count(")"):  # "Group of Seven (G-7" -> "Group of Seven"
        text = text[:text.rindex("(")].strip(_STRIP)
    text = _POSSESSIVE.sub("", text).strip(_STRIP)
    return _THE.sub("", text)


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


def honorific(text: str) -> str:
    """The honorific that says a person's sex ("Mrs" in "Mrs. Howard"), or ""."""
    for token in surface_form(text).split()[:2]:
        word = token.lower().rstrip(".")
        if word in FEMALE_HONORIFICS or word in MALE_HONORIFICS:
            return token.rstrip(".").capitalize()
    return ""


def sex_of(honorific_word: str) -> str:
    """"f" for "Mrs", "m" for "Mr", "" for none."""
    word = honorific_word.lower()
    return "f" if word in FEMALE_HONORIFICS else "m" if word in MALE_HONORIFICS else ""


#: Title words that say nothing about who a person is (places, tenure, department): a "U.S. Dlrs"
#: is no more a name for its "U.S.".
QUALIFIERS = frozenset([
    "us", "usa", "uk", "un", "eu", "american", "british", "chinese", "russian", "state", "house",
    "treasury", "commerce", "new", "top", "former", "then", "ex", "late", "senior", "incoming",
    "outgoing", "acting", "vice", "deputy", "prime", "foreign", "finance", "defence", "defense",
    "interior", "trade", "home", "crown",
])


def person_title(mention: str, text: str, start: int) -> str:
    """The title or office words a person was written with ("President Reagan" -> "president",
    "Treasury Secretary Baker" -> "secretary"), from the mention or the word right before it;
    qualifiers left out (:data:`QUALIFIERS`)."""
    tokens = surface_form(mention).split()
    words = []
    for token in tokens[:-1]:
        if not _is_title(_without_prefix(token)):
            break
        words.append(token)
    if not words and text[start - 1:start].isspace():  # "Secretary of State Smith"
        for word in reversed(text[max(0, start - 40):start].split()):
            if not (_is_title(_without_prefix(word)) or (words and word.lower() in ("of", "the"))):
                break
            words.insert(0, word)
    keys = (_without_prefix(w).lower().replace(".", "").strip("-") for w in words)
    return " ".join(k for k in keys if k not in QUALIFIERS)


def initials_of(name: str) -> str:
    """The given-name initials of "C. Cairns" / "J.P. Morgan" ("C", "JP"); "" for a written-out name."""
    tokens = name.split()
    if len(tokens) < 2 or not all(_INITIALS.match(t) for t in tokens[:-1]):
        return ""
    return "".join(c for t in tokens[:-1] for c in t if c.isalpha())


@functools.lru_cache(maxsize=NAMES_REMEMBERED)
def clean_person(text: str) -> str | None:
    """A person's name without titles, or ``None`` if the text cannot be a name."""
    surface = surface_form(text)
    surface = _BRACKET.split(surface, maxsplit=1)[0]  # "Simon Parke (England" -> "Simon Parke"
    tokens = surface.split()
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
    return None if _TITLE_OF.search(context[-40:]) else _org_name(text)


@functools.lru_cache(maxsize=NAMES_REMEMBERED)
def _org_name(text: str) -> str | None:
    name = surface_form(text.split("<")[0])  # "Telegraph Co <T.N>": the ticker is not the name
    name = _ORG_PREFIX.sub("", name)
    if "/" in name:  # "Ilheus/Itabuna", "Japan/Gulf": two names joined
        return None
    words = name.split()
    for i, word in enumerate(words[:-1]):  # "Federal Express Co. Marietta": the name ends at its legal form
        following = words[i + 1].lower().rstrip(".")
        if word.lower().rstrip(".,") in CORPORATE_SUFFIXES and following not in CORPORATE_SUFFIXES:
            words = words[:i + 1]
            break
    while words and words[-1].lower() in ORG_LINKS:  # "Republic Bank for Savings of"
        words.pop()
    name = " ".join(words).strip(_STRIP)
    if not name or not _has_name_shape(name) or not _org_words(name):
        return None
    return name


#: Lower-case words allowed inside an organisation's name ("Bank of Taiwan", "Procter & Gamble").
ORG_LINKS = frozenset(["of", "and", "for", "the", "de", "du", "des", "la", "le", "di", "del", "van",
                        "von", "y", "e", "et", "&", "und", "pour", "da"])


_FIGURE = re.compile(r"[\d.,]*\d{3,}[\d.,]*|\d+[.,]\d+|\d+[-:/]\d+|\w*:\d+")


def _org_words(name: str) -> bool:
    """No figures ("Bulgaria 207,030") and no lower-case words but links ("Nakasone told Trade")."""
    for word in name.split():
        if _FIGURE.fullmatch(word):
            return False
        if word.islower() and word not in ORG_LINKS and not word.startswith(("d'", "l'")):
            return False
    return True


@functools.lru_cache(maxsize=NAMES_REMEMBERED)
def clean_place(text: str) -> str | None:
    name = surface_form(text)
    name = PLACE_FORMS.get(name.casefold(), name)
    if not _has_name_shape(name):
        return None
    return name


@functools.lru_cache(maxsize=NAMES_REMEMBERED)
def name_parts(name: str) -> tuple[str, ...]:
    """Words of a person's name that may stand for it alone (no initials, particles, suffixes)."""
    return tuple(
        t for t in name.split()
        if t.lower() not in PARTICLES and t.lower() not in _SUFFIXES and len(t.rstrip(".")) >= 2
    )


_PAIR_JOINS = re.compile(r"[-–/]")


def is_place_pair(name: str, places: set[str]) -> bool:
    """"U.S.-China", "Sino-US": a hyphenated pair whose parts are places, not a name."""
    parts = _PAIR_JOINS.split(name)
    if len(parts) < 2:
        return False
    return all(
        PLACE_FORMS.get(p.casefold(), p).casefold() in places or p.casefold() in ("sino", "euro", "anglo")
        for p in parts
    )


# --------------------------------------------------------------------------------------------
# Organisations, and the cleaned mention

#: Words after a company name that are its legal form, not its name ("Texaco Inc" is "Texaco").
CORPORATE_SUFFIXES = frozenset([
    "inc", "incorporated", "corp", "corporation", "co", "cos", "company", "ltd", "limited", "plc",
    "llc", "lp", "ag", "sa", "nv", "bv", "spa", "gmbh", "ab", "pty", "bhd", "berhad", "pte", "asa",
    "oy", "kk",
])


@functools.lru_cache(maxsize=NAMES_REMEMBERED)
def is_legal_form(word: str) -> bool:
    """"Inc", "Co.", "L.P.", "S.p.A", "co": a company's legal form (a possessive or comma after it too)."""
    word = word.strip(",")
    if word.endswith(("'s", "’s")):
        word = word[:-2]
    return word.replace(".", "").lower() in CORPORATE_SUFFIXES


@dataclass
class Item:
    """One cleaned mention of an article, on its way to a facet value."""

    facet: str  # person, org, place; "" for NORP/FAC (only candidates for people, and type votes)
    label: str  # the model's label
    name: str  # cleaned form
    surface: str
    start: int
    end: int
    canonical: str = ""
    shouted: bool = False  # in an all-capitals line (a wire headline): its case says nothing
    honorific: str = ""  # "Mrs" of "Mrs Howard": a sex that a full name must agree with
    title: str = ""  # title or office words it was written with ("president" of "President Reagan")
    cue: str = ""  # "org"/"place" when the words around it say so ("... and Co", "in ...")
    weight: int = 1  # its say in the corpus type vote (a dateline place weighs more)

    @property
    def sex(self) -> str:
        return sex_of(self.honorific)

    @property
    def titled(self) -> bool:
        """Written with a title or office: evidence of a person ("Minister Subroto")."""
        return bool(self.title)


_NOT_KEY = re.compile(r"[^\w\s&]")


@functools.lru_cache(maxsize=NAMES_REMEMBERED)
def org_key(name: str) -> str:
    """"Texaco Inc", "TEXACO", "Texaco, Inc." -> "texaco": case, punctuation, legal form."""
    words = _NOT_KEY.sub(" ", name.casefold().replace("'s", "")).split()
    while len(words) > 1 and words[-1] in CORPORATE_SUFFIXES:
        words.pop()
    return "" if words and words[-1] in CORPORATE_SUFFIXES else " ".join(words)
