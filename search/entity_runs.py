"""Organisation names in the runs of capitalised words of one line (the legal-form and
institution-word rules of :mod:`search.entity_spans`): :func:`runs`."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from .entity_names import NAMES_REMEMBERED, ORG_LINKS, is_legal_form
from .entity_wire import compiled
from .lookup import Lookup

#: Words naming a kind of institution: a capitalised run ending in one is an organisation.
INSTITUTION_WORDS = frozenset([
    "bank", "ministry", "department", "commission", "exchange", "association", "council", "party",
    "agency", "federation", "institute", "institution", "authority", "board", "bureau",
    "committee", "court", "university", "college", "league", "society", "organization",
    "organisation", "office", "fund", "foundation", "trust", "corporation", "service", "group",
    "chamber", "academy", "parliament", "assembly", "senate", "congress", "secretariat",
    "directorate", "inspectorate", "tribunal", "police", "army", "navy",
])
#: Institution words that may be followed by "of" and the name ("Bank of Japan").
_OF_HEADS = frozenset(["bank", "ministry", "department", "commission", "association", "council",
                       "federation", "institute", "office", "court", "university", "college", "league",
                       "society", "organization", "organisation", "group", "chamber", "academy", "board",
                       "bureau", "agency", "fund", "trust", "authority"])
#: Capitalised function words that open a sentence, not a name.
_FUNCTION_WORDS = frozenset([
    "the", "a", "an", "in", "at", "on", "but", "and", "or", "for", "of", "by", "with", "from", "to",
    "as", "its", "their", "his", "her", "our", "this", "that", "these", "those", "both", "neither",
    "either", "under", "after", "before", "while", "when", "if", "since", "unlike", "like", "also",
    "meanwhile", "yesterday", "today", "earlier", "last", "then", "said", "says", "shares", "units",
])
#: Lower-case words allowed between the capitalised words of a company name ("of" only after an
#: institution word or a legal form).
_PARTICLES = ORG_LINKS - {"of", "for", "the", "pour"} | {"en", "der", "den", "della"}
_LINKS = _PARTICLES | {"of"}

#: Words, commas, and the marks that end a name (brackets, quotes, colons).
_TOKEN = re.compile(r"[^\s,;:()\[\]{}<>\"“”]+|[,;:()\[\]{}<>\"“”]")


@dataclass(frozen=True)
class Span:
    """An organisation found by shape: ``[start, end)`` in the text, and its name."""

    start: int
    end: int
    name: str
    headline: bool = False  # from an all-capitals headline


@functools.lru_cache(maxsize=NAMES_REMEMBERED)
def _is_capitalised(word: str) -> bool:
    """"Texaco", "3M", "Rolls-Royce"; not "Bahrain-based" or "Democratic-led"."""
    if "-" in word and word.rsplit("-", 1)[1].islower():
        return False
    return word[:1].isupper() or (word[:1].isdigit() and any(c.isupper() for c in word))


def _ends_sentence(word: str) -> bool:
    """A full stop after a word, not an abbreviation's ("Seven." but not "Co.", "U.S.", "F.")."""
    core = word[:-1]
    return word.endswith(".") and len(core) > 3 and "." not in core and not is_legal_form(core)


_CAPITALISED_BEFORE = re.compile(r"[A-Z][\w.'’-]*\s+$")


def _standalone(text: str, name: str, end: int) -> bool:
    """Whether ``name`` is written in the text as a name of its own: somewhere neither after a
    capitalised word nor followed by what follows it at ``end`` ("Chrysler said" beside "Chrysler
    and American Motors Corp"; "Japan" beside "Japan's Sony Corp")."""
    if text.count(name) < 2:
        return False
    after = text[end:end + 6]
    for match in compiled(rf"(?<![\w'’-]){re.escape(name)}(?![\w-])").finditer(text):
        if match.end() == end or _CAPITALISED_BEFORE.search(text, max(0, match.start() - 30), match.start()):
            continue
        if not text.startswith(after, match.end()):
            return True
    return False


def runs(text: str, line_start: int, line: str) -> list[Span]:
    """Legal-form and institution-word runs of one mixed-case line. A run never takes a word that
    is neither capitalised, a comma, a legal form nor a particle, and the scan starts afresh after
    one (a "break"): only the stretches between breaks that hold a legal form or institution
    word are scanned (:func:`_scan`)."""
    words = _TOKEN.findall(line)
    kinds = bytes(map(_KINDS.__getitem__, words))
    if _ENDS not in kinds:
        return []
    tokens = list(zip(map(line_start.__add__, map(_MATCH_START, _TOKEN.finditer(line))), words, strict=True))
    found: list[Span] = []
    at = kinds.find(_ENDS)
    while at >= 0:  # the stretch between the breaks around each legal form or institution word
        stop = kinds.find(_BREAK, at)
        stop = len(kinds) if stop < 0 else stop
        found.extend(_scan(text, tokens, kinds.rfind(_BREAK, 0, at) + 1, stop))
        at = kinds.find(_ENDS, stop)
    return found


#: What :func:`runs` asks of a token (a byte each): a break, a legal form or institution word, or neither.
_BREAK, _ENDS, _OTHER = 1, 2, 3
_MATCH_START = re.Match.start


def _kind(word: str) -> int:
    if word != "," and not _is_capitalised(word) and not is_legal_form(word) and word.lower() not in _LINKS:
        return _BREAK
    if is_legal_form(word) or _bare(word).lower() in INSTITUTION_WORDS:
        return _ENDS
    return _OTHER


_KINDS: Lookup[str, int] = Lookup(_kind, NAMES_REMEMBERED)


def _scan(text: str, tokens: list[tuple[int, str]], i: int, stop: int) -> list[Span]:
    """The runs of ``tokens[i:stop]``, scanned from ``i`` (the next token, ``stop``, is a break)."""
    found: list[Span] = []
    while i < stop:
        start_i = i
        words: list[tuple[int, str]] = []
        while i < len(tokens):
            pos, word = tokens[i]
            if word == ",":  # "Dillon, Read and Co", "Rigolleau, S.A.": a comma inside a firm's name
                nxt = tokens[i + 1][1] if i + 1 < len(tokens) else ""
                if words and _is_capitalised(nxt) and _firm_comma(tokens, i):
                    words.append((pos, word))
                    i += 1
                    continue
                break
            if _is_capitalised(word) or (words and is_legal_form(word) and len(word) <= 4
                                         and _is_capitalised(words[-1][1])):  # "Medical co Inc", not "Dallas company"
                words.append((pos, word))
                i += 1
                if _ends_sentence(word) or (word.endswith(("'s", "’s")) and is_legal_form(word)):
                    break  # "Group of Seven. But", "Ford Motor Co's unit"
                continue
            if words and word.lower() in _LINKS and i + 1 < len(tokens) \
                    and _is_capitalised(tokens[i + 1][1]):
                if word.lower() == "of" and _bare(words[-1][1]).lower() not in _OF_HEADS \
                        and not is_legal_form(words[-1][1]):
                    break
                words.append((pos, word))
                i += 1
                continue
            break
        if i == start_i:
            i += 1
            continue
        titled = start_i > 0 and _bare(tokens[start_i - 1][1]).lower() in _OFFICES  # "chairman Paul ..."
        found.extend(_spans_in_run(text, words, titled))
    return found


def _firm_comma(tokens: list[tuple[int, str]], i: int) -> bool:
    """A comma before a legal form, or in a list of names closed by "and"/"&" and one more name."""
    nxt = tokens[i + 1][1] if i + 1 < len(tokens) else ""
    if is_legal_form(nxt):
        return True
    j = i + 1
    while j < len(tokens) and _is_capitalised(tokens[j][1]) and j - i <= 2:
        j += 1
    return j + 2 < len(tokens) and tokens[j][1] in ("and", "&") and _is_capitalised(tokens[j + 1][1]) \
        and (is_legal_form(tokens[j + 1][1]) or is_legal_form(tokens[j + 2][1]))


@functools.lru_cache(maxsize=NAMES_REMEMBERED)
def _bare(word: str) -> str:
    word = word.rstrip(".,")
    return word[:-2] if word.endswith(("'s", "’s")) else word.rstrip("'’")


def _spans_in_run(text: str, words: list[tuple[int, str]], titled: bool = False) -> list[Span]:
    """The organisation spans of one run of capitalised words: each ends at a legal form (and the
    legal forms after it), or at an institution word ("of" and a name may follow); an office word
    ("Chairman") starts a new one after its holder's name, which ends at "and" or a comma
    (``titled``: the run opens with a holder's name, after a lower-case office word)."""
    spans: list[Span] = []
    n = len(words)
    first = k = _after_holder(words, 0) if titled else 0
    while k < n:
        word = _bare(words[k][1]).lower()
        if words[k][1] not in (",", "and", "&", "of") and is_legal_form(words[k][1]) and k > first:
            end = k
            while end + 1 < n and (is_legal_form(words[end + 1][1])
                                   or (words[end + 1][1] == "," and end + 2 < n and is_legal_form(words[end + 2][1]))):
                end += 1
            if end + 2 < n and words[end + 1][1] == "of":  # "Public Service Co of Indiana Inc"
                later = next((j for j in range(end + 2, n) if is_legal_form(words[j][1])
                              or _bare(words[j][1]).lower() in _OFFICES), None)
                if later is not None and is_legal_form(words[later][1]) and later - end <= 5:
                    end = later
                    while end + 1 < n and is_legal_form(words[end + 1][1]):
                        end += 1
            spans.extend(_segment(text, words[first:end + 1]))
            first = k = end + 1
            continue
        of_follows = k + 2 < n and words[k + 1][1] == "of"
        if word in INSTITUTION_WORDS and (k > first or of_follows) and not _legal_ahead(words, k):
            end = k
            while end + 1 < n and _bare(words[end + 1][1]).lower() in INSTITUTION_WORDS:
                end += 1  # "Exchange Commission"
            if of_follows and word in _OF_HEADS:
                end = _of_name_end(words, k + 2)
            if end + 1 == n or _bare(words[end + 1][1]).lower() in _OFFICES:
                spans.extend(_segment(text, words[first:end + 1], institution=True))
            first = k = end + 1
            continue
        if word in _OFFICES:  # "Chairman Paul Volcker and International Monetary Fund ..."
            first = _after_holder(words, k + 1)
        k += 1
    return spans


#: Office words that start a person's title after an organisation ("Bank of Japan Governor").
_OFFICES = frozenset(["president", "chairman", "chairwoman", "governor", "director", "secretary", "minister",
                      "spokesman", "spokeswoman", "chief", "head", "commissioner", "leader", "treasurer",
                      "ceo", "officials", "official", "vice", "deputy", "executive"])


def _after_holder(words: list[tuple[int, str]], k: int) -> int:
    """Where a run goes on after the office holder's name that starts at ``k``: after the first
    "and" or comma, else at ``k`` (nothing but the name may follow)."""
    return next((j + 1 for j in range(k, len(words)) if words[j][1] in ("and", "&", ",")), k)


def _of_name_end(words: list[tuple[int, str]], k: int) -> int:
    """The last word of the name after "of" that starts at ``k`` ("Management and Budget"): at most
    four words, up to an office word; "and" only before its last word."""
    end = k
    while end + 1 < len(words) and end - k < 3 and _bare(words[end + 1][1]).lower() not in _OFFICES:
        word = words[end + 1][1]
        if word in ("and", "&"):
            last = end + 2 == len(words) - 1 or (end + 3 < len(words)
                                                 and _bare(words[end + 3][1]).lower() in _OFFICES)
            if not last:
                break
        elif not _is_capitalised(word) and word not in _PARTICLES:
            break
        end += 1
    return end


def _legal_ahead(words: list[tuple[int, str]], k: int) -> bool:
    """A legal form later in the run before an office word ("National Westminster Bank Plc")."""
    for _, word in words[k + 1:]:
        if _bare(word).lower() in _OFFICES:
            return False
        if word not in (",", "and", "&", "of") and is_legal_form(word):
            return True
    return False


_POSSESSIVE_END = re.compile(r"(?:'s|’s)$")


def _segment(text: str, span: list[tuple[int, str]], institution: bool = False) -> list[Span]:
    """One organisation span, cut where a left part is a name of its own in the article and
    without leading function words; nothing if a single word is left. ``institution``: ends in
    an institution word, which no possessive opens ("Britain's Serious Fraud Office") and whose
    "and" joins words, not two institutions ("House and Senate")."""
    ands = [k for k, (_, w) in enumerate(span) if w in ("and", "&")]
    if len(ands) > 1:  # "Wagner and Brown and AFG Industries Inc"; "Moody's and Standard and Poor's Corp"
        cut = next((k for k in ands if span[k - 1][1].endswith(("'s", "’s"))), ands[-1])
        span = span[cut + 1:]
    if institution:
        commas = [k for k, (_, w) in enumerate(span) if w == ","]
        if commas:
            span = span[commas[-1] + 1:]
        for k, (_, word) in enumerate(span[:-1]):
            if word.endswith(("'s", "’s")):
                span = span[k + 1:]
                break
        ands = [k for k, (_, w) in enumerate(span) if w in ("and", "&")]
        if ands and ands[0] == len(span) - 2 and "of" not in [w for _, w in span]:
            span = span[ands[0] + 1:]
    for k in range(len(span) - 1, 0, -1):
        word = span[k][1]
        possessive = word not in ("and", "&") and span[k - 1][1].endswith(("'s", "’s"))
        if word not in ("and", "&") and not possessive:
            continue
        left = span[:k]
        left_end = left[-1][0] + len(left[-1][1])
        left_text = text[left[0][0]:left_end]
        if possessive:  # "Japan's Sony Corp" when "Japan" is written bare too; not "Moody's Investors"
            cut = compiled(rf"(?<![\w'’-]){re.escape(left_text[:-2])}(?![\w'’-])").search(text) is not None
        else:
            cut = _standalone(text, left_text, left_end)
        if cut:
            span = span[k + 1:] if word in ("and", "&") else span[k:]
            break
    while span and (span[0][1].lower().rstrip(".") in _FUNCTION_WORDS or span[0][1] in (",", "and", "&", "of")):
        span = span[1:]
    if len(span) < 2:
        return []
    start = span[0][0]
    name = _POSSESSIVE_END.sub("", text[start:span[-1][0] + len(span[-1][1])]).rstrip(",")
    if name.endswith(".") and "." not in name.split()[-1][:-1]:
        name = name[:-1]  # "Co Inc." at a sentence end
    return [Span(start, start + len(name), name)]
