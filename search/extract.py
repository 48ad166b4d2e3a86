"""From a :class:`SourceRecord` to a cleaned :class:`Article`. Pure: no I/O beyond the record.

The HTML libraries (trafilatura, htmldate, courlan) log their complaints about a page ("not
valid HTML") without saying which page: their messages are routed through this module's logger
with the path of the record being extracted, at INFO level (``dateline -v``), since a page they
cannot use is reported anyway, by name, among the skipped files.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import logging
import re

from .clean import clean_text, derive_title, parse_date
from .credits import split_names
from .html import extract_html, html_to_text, looks_like_html
from .lookup import Lookup
from .models import Article, Skipped, SourceRecord
from .titlecase import display_place

log = logging.getLogger(__name__)

_MARKDOWN_HEADING = re.compile(r"^[ \t]{0,3}#{1,6}[ \t]+(.*?)[ \t#]*$", re.MULTILINE)
#: script and style elements in a JSON body that is otherwise plain text
_EMBEDDED_CODE = re.compile(r"<(script|style|noscript|template|iframe|svg)\b[^>]*>.*?</\1\s*>", re.I | re.S)
_DATELINE_DATE = re.compile(
    r"\d|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?(?:\s|$)", re.IGNORECASE
)
_DATELINE_CREDIT = re.compile(r"\((?:[^()]*)\)")
#: place -> its display form: a wire's datelines name the same few hundred places again and again
_display_places = Lookup(display_place)

#: deeper nesting than any real page has; HTML cleaning grows with the square of the depth
#: (100,000 nested <div>s took many minutes), so such a page is reported instead
MAX_HTML_NESTING = 1000
_NESTING_TAGS = ("div", "span", "section", "article", "table", "ul", "ol", "blockquote", "font", "center")
_NESTING_TAG = re.compile(rf"<(/?)(?:{'|'.join(_NESTING_TAGS)})\b[^>]*?(/?)>", re.IGNORECASE)

_extracting = contextvars.ContextVar("extracting", default="")
LIBRARY_LOGGERS = ("trafilatura", "htmldate", "courlan")


class _NameTheFile(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        log.info("%s: %s (%s)", _extracting.get() or "?", record.getMessage(), record.name)


def _route_library_logs() -> None:
    handler = _NameTheFile()
    for name in LIBRARY_LOGGERS:
        library = logging.getLogger(name)
        library.addHandler(handler)
        library.propagate = False


_route_library_logs()


def parse_json_date(value: str | None) -> dt.date | None:
    """A date from a JSON field: ISO date or datetime, epoch seconds, or a written date."""
    if not value or not value.strip():
        return None
    value = value.strip()
    try:
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).date()
    except ValueError:
        pass
    if re.fullmatch(r"\d{9,10}(\.\d+)?", value):
        return dt.datetime.fromtimestamp(float(value), tz=dt.UTC).date()
    return parse_date(value)


def extract_article(record: SourceRecord) -> Article:
    """Clean one record: title, paragraphs, date, credits, and what was dropped and why."""
    token = _extracting.set(record.path)
    try:
        if record.kind in ("html", "json"):
            _check_nesting(record.text)
        if record.kind == "html":
            return _from_html(record)
        if record.kind == "json":
            return _from_json(record)
        return _from_text(record)
    finally:
        _extracting.reset(token)


def _check_nesting(markup: str) -> None:
    """Raise ValueError for markup nested deeper than :data:`MAX_HTML_NESTING` (container tags
    counted; most pages have fewer such tags in all, which a quick count shows first)."""
    if "<" not in markup:  # plain text (a JSON body, say)
        return
    lowered = markup.lower()
    if sum(lowered.count(f"<{tag}") for tag in _NESTING_TAGS) <= MAX_HTML_NESTING:
        return
    depth = deepest = 0
    for match in _NESTING_TAG.finditer(markup):
        if match.group(1):
            depth = max(0, depth - 1)
        elif not match.group(2):
            depth += 1
            deepest = max(deepest, depth)
    if deepest > MAX_HTML_NESTING:
        raise ValueError(f"HTML nested {deepest:,} elements deep (real pages stay under {MAX_HTML_NESTING:,})")


def article_or_reason(record: SourceRecord) -> Article | Skipped:
    """The cleaned article, or why the record holds none. An article needs text: a page whose
    only words are its ``<title>`` is not one; a JSON record whose title field is its only text
    is (a headline-only wire item)."""
    try:
        article = extract_article(record)
    except Exception as error:  # one bad article must not stop a corpus
        log.warning("could not clean %s: %s", record.path, error)
        return Skipped(record.path, f"could not clean: {error}")
    if not article.paragraphs and not (record.kind == "json" and article.title):
        return Skipped(record.path, "no article text (nothing left but a title, or nothing at all)")
    return article


def extract_batch(records: list[SourceRecord]) -> list[Article | Skipped]:
    """:func:`article_or_reason` of each record: the unit of cleaning work sent to a worker."""
    return [article_or_reason(record) for record in records]


def dateline_place(dateline: str | None) -> str | None:
    """The place of a wire dateline ("SALVADOR, Feb 26 -" -> "Salvador")."""
    if not dateline:
        return None
    text = _DATELINE_CREDIT.sub(" ", dateline).strip().rstrip("-–— ").strip()
    places = []
    for part in text.split(","):
        if _DATELINE_DATE.search(part):
            break
        if part.strip():
            places.append(" ".join(part.split()))
    return _display_places[", ".join(places)] if places else None


def _from_text(record: SourceRecord) -> Article:
    text = record.text
    if record.path.lower().endswith(".md"):
        text = _MARKDOWN_HEADING.sub(r"\1", text)
    cleaned = clean_text(text)
    header = cleaned.header
    return _article(
        record,
        title=cleaned.title,
        paragraphs=cleaned.paragraphs,
        title_derived=cleaned.title_derived,
        date=header.date,
        date_source=header.date_source if header.date else None,
        contributors=cleaned.contributors,
        authors=header.authors,
        site=header.source,
        url=header.url,
        dropped=cleaned.dropped,
    )


def _from_html(record: SourceRecord) -> Article:
    page = extract_html(record.text)
    title, derived = page.title, False
    if not title:
        title = derive_title(page.paragraphs[0]) if page.paragraphs else ""
        derived = bool(title)
    return _article(
        record,
        title=title,
        paragraphs=page.paragraphs,
        title_derived=derived,
        date=page.date,
        date_source=page.date_source,
        contributors=page.contributors,
        authors=page.authors,
        site=page.site,
        url=page.url,
        dropped=page.dropped,
    )


def _from_json(record: SourceRecord) -> Article:
    meta = record.meta
    body = record.text or ""
    if "<" in body and (looks_like_html(body) or _EMBEDDED_CODE.search(body)):
        body = html_to_text(body)
    cleaned = clean_text(body, title=meta.get("title"))
    date, date_source = parse_json_date(meta.get("date")), "json"
    if date is None:
        date, date_source = cleaned.header.date, cleaned.header.date_source
    authors = split_names(meta["author"]) if meta.get("author") else cleaned.header.authors
    return _article(
        record,
        title=cleaned.title,
        paragraphs=cleaned.paragraphs,
        title_derived=cleaned.title_derived,
        date=date,
        date_source=date_source if date else None,
        contributors=cleaned.contributors,
        authors=authors,
        site=meta.get("source") or cleaned.header.source,
        url=meta.get("url") or cleaned.header.url,
        dropped=cleaned.dropped,
        dateline=dateline_place(meta.get("dateline")),
    )


def _article(record: SourceRecord, **fields) -> Article:
    """An Article carrying the record's identity: id, path and content hash."""
    return Article(id=record.id, path=record.path, content_hash=record.content_hash, **fields)
