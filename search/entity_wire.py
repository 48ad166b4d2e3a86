"""Company names marked by news-wire conventions, which the model does not read.

* A name between angle brackets is a company ("<Senior Engineering Group Plc>": Reuters marks
  unlisted companies so; "<TX>" alone is a ticker).
* In an all-capitals headline: the words opening it, up to a ticker or within brackets, when
  they end in a legal form, are bracketed, or are a name the body writes too (or the body is a
  table of figures): "GODFREY CO <GDFY.O> 1ST QTR NET", "DATRON SYSTEMS <DTSI> SEES LOWER NET";
  and the words before a later ticker that the body writes as a name ("... WITH TEKTRONIX <TEK>").

A headline name comes back in the body's spelling when the body has one ("Datron Systems"), else
with its capitals lowered (:func:`unshout`: "Godfrey Co").
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator, Sequence

from .entity_names import is_legal_form

_TICKER = re.compile(r"<[A-Z][A-Z0-9.]{0,9}>")
_OPENING_BRACKETED = re.compile(r"<([A-Z0-9][^<>]*?)>")
_OPENING_WORDS = re.compile(r"((?:[A-Z0-9][\w&'.-]*\s+){0,6}?[A-Z0-9][\w&'.-]*)\s*(?=<)")
_SPACES = re.compile(r"\s+")
_BRACKETED = re.compile(r"<([A-Z][^<>\n]{1,80}?)>")
_TICKER_ALONE = re.compile(r"[A-Z0-9.]+")
_LOWER = re.compile(r"[a-z]")
_ALIAS = re.compile(r"\s*\(")


@functools.lru_cache(maxsize=1 << 12)  # ~700 bytes a pattern
def compiled(pattern: str, flags: int = 0) -> re.Pattern[str]:
    """``re.compile`` for the patterns made of an article's names: more of them recur than the
    512 that ``re`` keeps, and compiling costs more than searching."""
    return re.compile(pattern, flags)


def unshout(name: str) -> str:
    """"GODFREY CO" -> "Godfrey Co"; short words and initials stay capitals ("TRW Inc", "E.A.")."""
    words = []
    for word in name.split():
        if is_legal_form(word) and "." not in word:
            words.append(word.capitalize())
        elif len(word) > 3 and "." not in word:
            words.append("-".join(p.capitalize() for p in word.split("-")))
        else:
            words.append(word)
    return " ".join(words)


def _body_spelling(body: str, words: Sequence[str]) -> str | None:
    """The body's own spelling of headline words written as a name there ("Datron Systems")."""
    if words[-1].casefold() not in body.casefold():
        return None  # the usual case, without a regular expression
    if body.isascii() and all(w.isascii() for w in words):
        found: Iterable[str] = _ascii_matches(body, words)
    else:
        pattern = r"\s+".join(re.escape(w) for w in words)
        found = (m.group() for m in compiled(rf"(?<![\w'-]){pattern}(?![\w-])", re.IGNORECASE).finditer(body))
    for match in found:
        if all(w[:1].isupper() for w in match.split()) and not match.isupper():
            return " ".join(match.split())
    return None


def _ascii_matches(body: str, words: Sequence[str]) -> Iterator[str]:
    """What ``(?<![\\w'-])word\\s+word...(?![\\w-])``, case-blind, finds in an ASCII ``body``, in
    order, without compiling it (a pattern per headline costs more than the search): ASCII case
    is the same both ways, and a word that follows white space matches after all of it."""
    lowered = body.lower()
    first, *rest = (w.lower() for w in words)
    at = lowered.find(first)
    while at >= 0:
        end = at + len(first)
        for word in rest:
            after = end
            while end < len(body) and body[end].isspace():
                end += 1
            if end == after or not lowered.startswith(word, end):
                end = -1
                break
            end += len(word)
        if end >= 0 and not (at and _word_or(body[at - 1], "'-")) \
                and not (end < len(body) and _word_or(body[end], "-")):
            yield body[at:end]
            at = lowered.find(first, end)
        else:
            at = lowered.find(first, at + 1)


def _word_or(char: str, marks: str) -> bool:
    """``char`` is a ``\\w`` of a regular expression, or one of ``marks``."""
    return char.isalnum() or char == "_" or char in marks


def headline_names(line_start: int, line: str, body: str) -> list[tuple[int, int, str]]:
    """``(start, end, name)`` of the company names of an all-capitals headline line that starts at
    ``line_start`` in the text (module doc); ``body``: the text after the headline."""
    found: list[tuple[int, int, str]] = []
    opening = _OPENING_BRACKETED.match(line) or _OPENING_WORDS.match(line)
    prose = any(len(part.split()) >= 10 for part in body.split("\n"))
    if opening and (opening.group().startswith("<") or is_legal_form(opening.group(1).split()[-1])
                    or (_TICKER.match(line, opening.end())
                        and (not prose or _body_spelling(body, opening.group(1).split())))):
        words = opening.group(1).split()
        name = _body_spelling(body, words) or unshout(" ".join(words))
        if len(words) <= 6:
            found.append((line_start + opening.start(1), line_start + opening.end(1), name))
    for ticker in _TICKER.finditer(line):
        before = line[:ticker.start()].rstrip()
        if opening and ticker.start() <= opening.end() + 1:
            continue
        words = _SPACES.split(before)[-4:]
        for n in range(len(words), 0, -1):
            tail = words[-n:]
            if tail[0].endswith(",") or not tail[0][:1].isalnum():
                continue
            tail = [w.rstrip(",") for w in tail]
            spelling = _body_spelling(body, tail)
            if spelling:
                at = line_start + len(before) - len(" ".join(tail))
                found.append((at, line_start + len(before), spelling))
                break
    return found


def bracketed_names(text: str) -> list[tuple[int, int, str]]:
    """``(start, end, name)`` of the names between angle brackets in running text ("<Drury Inns
    Inc>"), not tickers ("<TX>")."""
    found = []
    for match in _BRACKETED.finditer(text):
        name = match.group(1).strip()
        if _TICKER_ALONE.fullmatch(name) or not _LOWER.search(name):
            continue  # a ticker, or a headline's capitals (handled there)
        name = _ALIAS.split(name)[0]  # "<Arabian Investment Banking Corp (Investcorp) EC>"
        found.append((match.start(1), match.start(1) + len(name), name))
    return found
