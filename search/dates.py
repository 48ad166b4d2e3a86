"""Resolve the text of a spaCy DATE entity to a calendar day or month.

:func:`resolve_date_mention` turns "Monday", "late May", "earlier this month" or "June 18, 2023"
into ``"YYYY-MM-DD"`` or ``"YYYY-MM"``, anchored on the article's publication date. Anything that
names no single day or month returns ``None``:

* durations and spans ("five years", "more than 10 hours", "two-day", "recent months", "decades");
* times of day ("0830 GMT", "4:30 pm");
* bare years and year-relative phrases ("1979", "last year", "earlier this year"): the facet holds
  days and months only, and a year would swamp it;
* weeks ("last week"): no single day, and a week can straddle two months;
* relative expressions (weekdays, "last month", a month without a year) when there is no
  publication date to anchor them.

Anchoring rules, with ``published`` a Sunday 2023-06-18 as the example:

* a weekday is the nearest such day, at most three days either side: "Sunday" -> 2023-06-18,
  "Monday" -> 2023-06-19, "Thursday" -> 2023-06-15; "last Monday" is the one before (06-12),
  "next Sunday" the one after (06-25); plural weekdays ("Sundays") are habitual -> ``None``;
* a month or day without a year follows the tense of its clause: the cue word nearest it in its
  sentence (:func:`tense_of`: "will", "would", "scheduled", "expected", "next", "plans" ... point
  forward; "was", "last", "ago", "earlier" ... back). Forward: the next such month or day on or
  after publication ("will meet in November" -> 2023-11, "a scheduled June session" in an article
  of 1987-02-26 -> 1987-06); back: the most recent one not after publication; no cue: the one
  nearest publication, the past one on a tie ("February" -> 2023-02, "August" -> 2023-08, "June"
  -> 2023-06). "next"/"coming" in the date itself picks the next one, "last" the most recent one
  strictly before the publication month;
* "this month", "earlier this month" -> 2023-06; "last month" -> 2023-05; "next month" -> 2023-07;
  "today"/"yesterday"/"tomorrow" and "N days ago" -> the day; "N months ago" -> the month.

Written by hand rather than with ``dateparser``: the input is a short entity span, the
interesting part is the anchoring policy above (dateparser prefers past weekdays and has no notion
of "a month is a month"), and a 40-line resolver is faster and easier to pin in tests.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable

WEEKDAYS: dict[str, int] = {
    name: number
    for number, names in enumerate(
        [("monday", "mon"), ("tuesday", "tue", "tues"), ("wednesday", "wed"), ("thursday", "thu", "thurs"),
         ("friday", "fri"), ("saturday", "sat"), ("sunday", "sun")]
    )
    for name in names
}
_FULL_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

MONTHS: dict[str, int] = {
    name: number
    for number, names in enumerate(
        [("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",),
         ("june", "jun"), ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"),
         ("october", "oct"), ("november", "nov"), ("december", "dec")],
        start=1,
    )
    for name in names
}

_MONTH = "(?P<month>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_DAY = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>\d{4})"
_ISO = re.compile(r"\b(?P<year>\d{4})-(?P<month>\d{2})(?:-(?P<day>\d{2}))?\b")
_MONTH_DAY = re.compile(rf"\b{_MONTH}\s+{_DAY}\b(?:,?\s+{_YEAR}\b)?")
_DAY_MONTH = re.compile(rf"\b{_DAY}\s+(?:of\s+)?{_MONTH}(?:\b|$)(?:,?\s+{_YEAR}\b)?")
_MONTH_YEAR = re.compile(rf"\b{_MONTH}(?:\b|$),?\s+(?:of\s+)?{_YEAR}\b")
_MONTH_WORD = re.compile(rf"(?<![a-z]){_MONTH}(?![a-z])")

_NUMBER = (r"(?:\d+(?:\.\d+)?|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
           r"fifteen|twenty|thirty|forty|fifty|hundred|several|few|couple|many|some|half)")
_UNIT = r"(?:second|minute|hour|day|week|fortnight|month|quarter|year|decade|century|centuries)"
_AGO = re.compile(rf"\b(?P<n>{_NUMBER})\s+(?P<unit>day|month)s?\s+ago\b")
_DURATION = re.compile(rf"\b{_NUMBER}[\s-]+(?:and\s+a\s+half\s+)?{_UNIT}s?\b|\b{_UNIT}s\b|\bcenturies\b")
_WORD_NUMBERS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
                 "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12}

_THIS_MONTH = re.compile(r"\b(?:this|the\s+current)\s+month\b")
_LAST_MONTH = re.compile(r"\b(?:last|previous)\s+month\b|\bthe\s+month\s+before\b")
_NEXT_MONTH = re.compile(r"\b(?:next|coming|following)\s+month\b")
_FORWARD = re.compile(r"\b(?:next|coming|upcoming|following)\b")
_BACKWARD = re.compile(r"\b(?:last|previous|past)\b")


_POSSESSIVE = re.compile(r"'s\b")
_PUNCTUATION = re.compile(r"[,;:()\"]")
_LETTERS = re.compile(r"[a-z]+")
_THIS = re.compile(r"\bthis\b")
_TODAY = re.compile(r"\btoday\b|\btonight\b")
_YESTERDAY = re.compile(r"\byesterday\b")
_TOMORROW = re.compile(r"\btomorrow\b")
_WEEK_OR_YEAR = re.compile(r"\b(?:week|weekend|year)\b")
_DIGIT = re.compile(r"\d")


def _normalise(text: str) -> str:
    text = text.replace("’", "'").replace("‘", "'").lower()
    text = _POSSESSIVE.sub("", text)
    return " ".join(_PUNCTUATION.sub(" ", text).split()).strip(" .")


def _day(year: int, month: int, day: int) -> str | None:
    try:
        return dt.date(year, month, day).isoformat()
    except ValueError:
        return None


def _month_key(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}"


def _shift_month(year: int, month: int, delta: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + delta
    return index // 12, index % 12 + 1


def _explicit(text: str, published: dt.date | None, tense: str | None) -> str | None:
    """Dates written out: ISO, "June 18, 2023", "18 June 2023", "June 18", "June 2023"."""
    if match := _ISO.search(text):
        year, month = int(match["year"]), int(match["month"])
        if match["day"]:
            return _day(year, month, int(match["day"]))
        return _month_key(year, month) if 1 <= month <= 12 else None
    for pattern in (_MONTH_DAY, _DAY_MONTH):
        if match := pattern.search(text):
            month, day = MONTHS[match["month"]], int(match["day"])
            if match["year"]:
                return _day(int(match["year"]), month, day)
            return _day_of(month, day, published, tense) if published else None
    if match := _MONTH_YEAR.search(text):
        return _month_key(int(match["year"]), MONTHS[match["month"]])
    return None


def _weekday(text: str, published: dt.date) -> str | None:
    words = _LETTERS.findall(text)
    found = [WEEKDAYS[w] for w in words if w in _FULL_WEEKDAYS or (w in WEEKDAYS and len(words) == 1)]
    if len(set(found)) != 1:
        return None
    delta = (found[0] - published.weekday()) % 7  # 0..6 days ahead
    if _FORWARD.search(text):
        delta = delta or 7
    elif _BACKWARD.search(text):
        delta = delta - 7
    elif delta > 3:
        delta -= 7
    return (published + dt.timedelta(days=delta)).isoformat()


#: Words of the clause around a date that say which way it points ("will meet in June").
_FUTURE_CUES = re.compile(
    r"\b(?:will|would|shall|'ll|scheduled|schedule|expected|expects|expect|due|next|upcoming|coming|"
    r"forthcoming|could|may|might|plans?\s+to|planned|planning|intends?|aims?\s+to|until|"
    r"to\s+be|to\s+meet|to\s+hold|to\s+start|to\s+take|set\s+to|later)\b")
_PAST_CUES = re.compile(
    r"\b(?:was|were|had|did|last|ago|earlier|previous|since|ended|fell|rose|reported|recorded|"
    r"took|held|began|came|went|grew|dropped|peaked|posted)\b")


def tense_of(before: str, after: str) -> str:
    """"future", "past" or "" from the cue word nearest a date within its clause: up to eight
    words before it and four after it in its sentence (``before`` and ``after``)."""
    before = " ".join(before.lower().replace("’", "'").split()[-8:])
    after = " ".join(after.lower().replace("’", "'").split()[:4])
    cues = []
    for pattern, tense in ((_FUTURE_CUES, "future"), (_PAST_CUES, "past")):
        cues += [(len(before) - m.end(), tense) for m in pattern.finditer(before)]
        cues += [(m.start() + 8, tense) for m in pattern.finditer(after)]  # words before weigh more
    return min(cues)[1] if cues else ""


_SENTENCE_END = re.compile(r"\. |\n|\? |! ")


def sentence_around(text: str, start: int, end: int) -> tuple[str, str]:
    """The text of the sentence around ``text[start:end]``, before and after it."""
    line = text.rfind("\n", 0, start)  # the other marks are looked for after it only
    left = max(line, *(text.rfind(mark, max(line, 0), start) for mark in (". ", "? ", "! "))) + 1
    right = _SENTENCE_END.search(text, end)
    return text[left:start], text[end:right.start() if right else len(text)]


def _month_name(month: int, text: str, published: dt.date, tense: str | None) -> str:
    year = published.year
    if _FORWARD.search(text):
        if month <= published.month:
            year += 1
    elif _BACKWARD.search(text):
        if month >= published.month:
            year -= 1
    elif _THIS.search(text) or month == published.month:
        pass
    elif _read(tense) == "future":
        year += month < published.month
    elif tense == "past":
        year -= month > published.month
    elif (month - published.month) % 12 < 6:  # no cue: the occurrence nearest publication ...
        year += month < published.month
    else:  # ... the past one on a tie
        year -= month > published.month
    return _month_key(year, month)


def _day_of(month: int, day: int, published: dt.date, tense: str | None) -> str | None:
    tense = _read(tense)
    candidates = []
    for year in (published.year - 1, published.year, published.year + 1):
        try:
            candidates.append(dt.date(year, month, day))
        except ValueError:
            continue
    if tense == "future":
        candidates = [c for c in candidates if c >= published] or candidates
    elif tense == "past":
        candidates = [c for c in candidates if c <= published] or candidates
    if not candidates:
        return None
    return min(candidates, key=lambda c: (abs((c - published).days), c > published)).isoformat()


class _TenseNeeded(Exception):
    """A rule reads the tense of the clause, which was not worked out (:func:`resolve_date_mention`)."""


def _read(tense: str | None) -> str:
    if tense is None:
        raise _TenseNeeded
    return tense


def resolve_date_mention(
    text: str, published: dt.date | None, context: tuple[str, str] | Callable[[], tuple[str, str]] = ("", "")
) -> str | None:
    """``"YYYY-MM-DD"``, ``"YYYY-MM"`` or ``None`` for a DATE entity's text (rules: module
    docstring); ``context`` is its sentence before and after it (:func:`sentence_around`), or a
    function that gives it. Most dates do not depend on it: it is read (and the function called)
    only for those that do, and the answers are remembered per text, date and tense."""
    try:
        return _resolve(text, published, None)
    except _TenseNeeded:
        return _resolve(text, published, tense_of(*(context() if callable(context) else context)))


@functools.lru_cache(maxsize=1 << 16)
def _resolve(text: str, published: dt.date | None, tense: str | None) -> str | None:
    """:func:`resolve_date_mention` with the clause's tense, or ``None`` (:class:`_TenseNeeded`
    when a rule asks for it)."""
    norm = _normalise(text)
    if not norm:
        return None
    explicit = _explicit(norm, published, tense)
    if explicit or _ISO.search(norm) or _MONTH_YEAR.search(norm):
        return explicit
    if published is None:
        return None
    if match := _AGO.search(norm):
        n = match["n"]
        count = int(n) if n.isdigit() else _WORD_NUMBERS.get(n)
        if count is None:
            return None
        if match["unit"] == "day":
            return (published - dt.timedelta(days=count)).isoformat()
        return _month_key(*_shift_month(published.year, published.month, -count))
    if _DURATION.search(norm):
        return None
    if _TODAY.search(norm):
        return published.isoformat()
    if _YESTERDAY.search(norm):
        return (published - dt.timedelta(days=1)).isoformat()
    if _TOMORROW.search(norm):
        return (published + dt.timedelta(days=1)).isoformat()
    if _THIS_MONTH.search(norm):
        return _month_key(published.year, published.month)
    if _LAST_MONTH.search(norm):
        return _month_key(*_shift_month(published.year, published.month, -1))
    if _NEXT_MONTH.search(norm):
        return _month_key(*_shift_month(published.year, published.month, 1))
    if _WEEK_OR_YEAR.search(norm):
        return None
    weekday = _weekday(norm, published)
    if weekday:
        return weekday
    months = {MONTHS[m["month"]] for m in _MONTH_WORD.finditer(norm)}
    if len(months) == 1 and not _DIGIT.search(norm):
        return _month_name(months.pop(), norm, published, tense)
    return None
