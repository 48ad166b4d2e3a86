"""Turning article text into clean paragraphs: header metadata, title, boilerplate, credits, duplicates.

Small pure functions; :func:`clean_text` runs them in order for plain-text files and
:func:`clean_paragraphs` runs the paragraph-level pass for text that already has paragraphs
(HTML extraction, JSON bodies). Furniture is recognised in :mod:`search.boilerplate`, credit
lines in :mod:`search.credits`, repeats in :mod:`search.duplicates`.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from .boilerplate import boilerplate_reason, boilerplate_reasons
from .credits import credits_of, names_in, split_names
from .duplicates import dedupe_key, drop_duplicates
from .models import Dropped
from .sentences import SENTENCE_END, first_sentence

# --- characters and whitespace ----------------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b\u2028\u2029\ufeff]")


def normalize_newlines(text: str) -> str:
    """Unify line ends, drop a BOM and control characters (tabs and newlines stay)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = text.replace("\u2028", "\n").replace("\u2029", "\n\n")
    return _CONTROL.sub("", text)


def normalize_paragraph(text: str) -> str:
    """One paragraph on one line: whitespace runs become one space, control characters go."""
    # str.split() splits at the characters regular expressions call \s (no-break space included)
    return " ".join(_CONTROL.sub("", text).split())


# --- paragraphs -------------------------------------------------------------------------------

_BLANK_LINE = re.compile(r"\n[ \t]*\n")
_INDENTED = re.compile(r"[ \t]{2,}\S")


def _looks_hard_wrapped(lines: list[str]) -> bool:
    """True for text wrapped at a fixed width (most lines end mid-sentence at similar lengths)."""
    if len(lines) < 3:
        return False
    body = lines[:-1]  # the last line of a wrapped paragraph is short
    open_ends = sum(1 for line in body if not SENTENCE_END.search(line.rstrip()))
    longest = max(len(line) for line in body)
    return longest <= 100 and open_ends / len(body) > 0.6


def split_paragraphs(text: str) -> list[str]:
    """Split into paragraphs, detecting the file's convention.

    Blank lines separate paragraphs when the text has any; otherwise an indented line starts a
    paragraph (newswire style, lines hard-wrapped); otherwise each line is a paragraph unless the
    lines look hard-wrapped, in which case they are joined.
    """
    text = normalize_newlines(text).strip("\n")
    if not text.strip():
        return []
    if _BLANK_LINE.search(text):
        blocks = _BLANK_LINE.split(text)
    else:
        lines = [line for line in text.split("\n") if line.strip()]
        indented = {i for i, line in enumerate(lines) if i > 0 and _INDENTED.match(line)}
        if indented and max(len(line.strip()) for line in lines) <= 100:
            blocks, current = [], []
            for i, line in enumerate(lines):
                if i in indented and current:
                    blocks.append(" ".join(current))
                    current = []
                current.append(line)
            blocks.append(" ".join(current))
        elif _looks_hard_wrapped([line.strip() for line in lines]):
            blocks = [" ".join(lines)]
        else:
            blocks = lines
    return [p for p in (normalize_paragraph(b) for b in blocks) if p]


# --- header metadata --------------------------------------------------------------------------

_MONTHS = (
    "january|february|march|april|may|june|july|august|september|october|november|december"
    "|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec"
)
_MONTH_NUMBERS = {name: number for number, name in enumerate(_MONTHS.split("|")[:12], start=1)} | {
    name[:3]: number for number, name in enumerate(_MONTHS.split("|")[:12], start=1)
}
_ISO_DATE = r"\d{4}-\d{1,2}-\d{1,2}"
_HUMAN_DATE = (
    rf"(?:(?:{_MONTHS})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:{_MONTHS})\.?,?\s+\d{{4}})"
)
_ANY_DATE = re.compile(rf"({_ISO_DATE}|{_HUMAN_DATE})", re.IGNORECASE)
_GLUED_DATE = re.compile(rf"^\s*date\s*[:=]?\s*({_ISO_DATE})\b[ \t]*", re.IGNORECASE)
_HEADER_LINE = re.compile(
    r"^\s*(title|headline|date|published|by|author|authors|byline|source|site|url|link)\s*:\s*(.+?)\s*$",
    re.IGNORECASE,
)
_BYLINE_DATE = re.compile(
    rf"^\s*(?:published|posted|updated|last updated|first published)(?:\s+on)?\s*:?\s*(?:\w+day,?\s+)?"
    rf"({_ISO_DATE}|{_HUMAN_DATE})\b",
    re.IGNORECASE,
)
_BY_LINE = re.compile(r"^\s*(?i:by)\s+([A-Z][^\n]{1,120})$")


def parse_date(text: str) -> dt.date | None:
    """Parse the first ISO (``2023-06-18``) or written (``June 18, 2023``, ``18 Jun 2023``) date."""
    match = _ANY_DATE.search(text)
    if not match:
        return None
    raw = match.group(1)
    if re.fullmatch(_ISO_DATE, raw):
        try:
            return dt.date.fromisoformat("-".join(part.zfill(2) for part in raw.split("-")))
        except ValueError:
            return None
    words = re.sub(r"(\d)(st|nd|rd|th)\b", r"\1", raw, flags=re.IGNORECASE)
    words = re.sub(r"[.,]", " ", words).split()
    if words[0].isdigit():
        words = [words[1], words[0], words[2]]
    month = _MONTH_NUMBERS[words[0][:3].lower()]  # by hand: strptime's %b depends on the locale
    try:
        return dt.date(int(words[2]), month, int(words[1]))
    except ValueError:
        return None


@dataclass
class Header:
    """Metadata found at the top of a text file."""

    title: str | None = None
    date: dt.date | None = None
    date_source: str | None = None
    authors: list[str] = field(default_factory=list)
    source: str | None = None
    url: str | None = None


def split_header(text: str) -> tuple[Header, str]:
    """Take header metadata off the top of ``text``; returns it and the rest of the text.

    Recognised: a ``date YYYY-MM-DD`` glued to the first paragraph, ``Key: value`` lines
    (Title, Date, By, Author, Source, URL), ``By Name`` lines and ``Published June 18, 2023``
    byline dates, in any order, before the first line that is none of these.
    """
    header = Header()
    text = normalize_newlines(text)
    glued = _GLUED_DATE.match(text)
    if glued:
        header.date = parse_date(glued.group(1))
        header.date_source = "header" if header.date else None
        text = text[glued.end() :]
    lines = text.split("\n")
    consumed = read_header_lines(lines, header)
    return header, "\n".join(lines[consumed:])


def read_header_lines(lines: list[str], header: Header, limit: int = 12) -> int:
    """Fill ``header`` from the leading metadata lines; returns how many lines it used up.

    Blank lines in between are used up too; the first line that is not metadata stops it.
    """
    consumed = 0
    for line in lines[:limit]:
        if line.strip() and not _take_header_line(header, line):
            break
        consumed += 1
    return consumed


def _take_header_line(header: Header, line: str) -> bool:
    keyed = _HEADER_LINE.match(line)
    if keyed:
        key, value = keyed.group(1).lower(), keyed.group(2)
        if key in ("title", "headline"):
            header.title = header.title or value
        elif key in ("date", "published"):
            parsed = parse_date(value)
            if parsed is None:
                return False
            if header.date is None:
                header.date, header.date_source = parsed, "header"
        elif key in ("by", "author", "authors", "byline"):
            header.authors = header.authors or split_names(value)
        elif key in ("source", "site"):
            header.source = header.source or value
        else:
            header.url = header.url or value
        return True
    dated = _BYLINE_DATE.match(line)
    if dated and len(line.split()) <= 12:
        if header.date is None:
            header.date, header.date_source = parse_date(dated.group(1)), "byline"
        return True
    by = _BY_LINE.match(line)
    if by and len(line.split()) <= 12 and not SENTENCE_END.search(line.rstrip()):
        names = by.group(1)
        date_match = _ANY_DATE.search(names)
        if date_match:
            if header.date is None:
                header.date, header.date_source = parse_date(date_match.group(1)), "byline"
            names = names[: date_match.start()]
        names = re.split(r"\s*[|,–—-]\s*(?=(?:published|updated|posted)\b)|\s+[|–—]\s+", names, flags=re.I)[0]
        authors = names_in(names)
        if not authors:
            return False
        header.authors = header.authors or authors
        return True
    return False


# --- title ------------------------------------------------------------------------------------

TITLE_MAX_WORDS = 20
TITLE_MAX_CHARS = 200
DERIVED_TITLE_MAX_CHARS = 140

_DANGLING = frozenset(
    re.findall(r"\S+", "a an the and or but of to in on for with by at from as that which who")
)


def is_title_line(line: str) -> bool:
    """A headline: short, and not ending like a sentence (a ``?`` or ``!`` headline is fine)."""
    line = line.strip()
    return (
        0 < len(line) <= TITLE_MAX_CHARS
        and len(line.split()) <= TITLE_MAX_WORDS
        and not re.search(r"[.,:;…][\"'”’)]*$", line)
    )


def derive_title(paragraph: str, max_chars: int = DERIVED_TITLE_MAX_CHARS) -> str:
    """A title from the first sentence, cut at a clause or word boundary when long."""
    sentence = first_sentence(paragraph).strip()
    sentence = re.sub(r"(?<![A-Z])\.([\"'”’)]*)$", r"\1", sentence).strip()
    if len(sentence) <= max_chars:
        return sentence
    head = sentence[: max_chars + 1]
    clause = max(head.rfind(","), head.rfind(";"), head.rfind(" – "), head.rfind(" — "))
    if clause >= max_chars // 3:
        return head[:clause].rstrip(" ,;–—")
    words = head[: head.rfind(" ")].split() if " " in head else [head[:max_chars]]
    while len(words) > 3 and words[-1].lower().strip(",;:") in _DANGLING:
        words.pop()
    return " ".join(words).rstrip(",;:–—") + "…"


# --- the passes -------------------------------------------------------------------------------


@dataclass
class Cleaned:
    """Paragraph-level cleaning result."""

    paragraphs: list[str]
    contributors: list[str] = field(default_factory=list)
    dropped: list[Dropped] = field(default_factory=list)


def clean_paragraphs(paragraphs: list[str]) -> Cleaned:
    """Boilerplate, reporter credits and duplicates out; paragraphs otherwise verbatim."""
    return _clean_normalized([p for p in map(normalize_paragraph, paragraphs) if p])


def _clean_normalized(texts: list[str]) -> Cleaned:
    """:func:`clean_paragraphs` of paragraphs already normalised (:func:`split_paragraphs` gives them)."""
    result = Cleaned(paragraphs=[])
    reasons = boilerplate_reasons(texts)
    kept: list[str] = []
    for paragraph, reason in zip(texts, reasons, strict=True):
        if reason:
            result.dropped.append(Dropped(paragraph, reason))
            continue
        credits = credits_of(paragraph)
        if credits:
            result.contributors.extend(c for c in credits if c not in result.contributors)
            result.dropped.append(Dropped(paragraph, "reporter credit"))
            continue
        kept.append(paragraph)
    keep, dropped = drop_duplicates(kept)
    result.paragraphs = [kept[i] for i in keep]
    result.dropped.extend(dropped)
    return result


@dataclass
class CleanText:
    """Everything :func:`clean_text` learns from a plain-text article."""

    title: str
    title_derived: bool
    paragraphs: list[str]
    header: Header
    contributors: list[str] = field(default_factory=list)
    dropped: list[Dropped] = field(default_factory=list)


def clean_text(text: str, title: str | None = None) -> CleanText:
    """Clean a plain-text article. ``title``, when known (JSON), skips title detection."""
    header, rest = split_header(text)
    title = title.strip() if title and title.strip() else header.title
    if title is None and _has_title_line(rest):
        title, rest = rest.lstrip().split("\n", 1)
        under_title, rest = split_header(rest)  # a byline under the headline
        for name, value in vars(under_title).items():
            if value and not getattr(header, name):
                setattr(header, name, value)
    blocks = split_paragraphs(rest)
    if title and blocks and dedupe_key(blocks[0]) == dedupe_key(title):
        blocks.pop(0)  # the body repeats the known title
    cleaned = _clean_normalized(blocks)
    derived = False
    if not title and cleaned.paragraphs:
        # from the article's own first paragraph, even when a fuller copy of it comes later
        ledes = (p for p in blocks if not boilerplate_reason(p))
        lede = next((p for p in ledes if not credits_of(p)), cleaned.paragraphs[0])
        title, derived = derive_title(lede), True
    return CleanText(
        title=normalize_paragraph(title or ""),  # nothing but boilerplate: no title either
        title_derived=derived,
        paragraphs=cleaned.paragraphs,
        header=header,
        contributors=cleaned.contributors,
        dropped=cleaned.dropped,
    )


def _has_title_line(text: str) -> bool:
    """The first line is short, headline-like and followed by a blank line."""
    match = re.match(r"\s*([^\n]+)\n[ \t]*\n\s*\S", normalize_newlines(text))
    return bool(match) and is_title_line(match.group(1))
