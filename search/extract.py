"""From a :class:`SourceRecord` to a cleaned :class:`Article`. Pure: no I/O beyond the record."""

from __future__ import annotations

import datetime as dt
import re

from .clean import clean_text, derive_title, parse_date, split_names
from .html import extract_html, html_to_text, looks_like_html
from .models import Article, SourceRecord

_MARKDOWN_HEADING = re.compile(r"^[ \t]{0,3}#{1,6}[ \t]+(.*?)[ \t#]*$", re.MULTILINE)


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
    if record.kind == "html":
        return _from_html(record)
    if record.kind == "json":
        return _from_json(record)
    return _from_text(record)


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
    if looks_like_html(body):
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
    )


def _article(record: SourceRecord, **fields) -> Article:
    """An Article carrying the record's identity: id, path and content hash."""
    return Article(id=record.id, path=record.path, content_hash=record.content_hash, **fields)
