"""Search hits as CSV or JSON lines, one chunk of text per hit, for streaming.

Both formats have the same columns (:data:`COLUMNS`). The text is untrusted (titles, snippets
and entity names come from the articles), so CSV cells that a spreadsheet would run as a formula
(starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return) get a leading apostrophe,
and control characters are removed from both formats.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import re
from collections.abc import Iterable, Iterator

from .errors import QueryError
from .models import Hit, Span

FORMATS = ("csv", "jsonl")
COLUMNS = ("id", "title", "date", "source", "url", "people", "orgs", "places", "score", "snippet")
MEDIA_TYPES = {"csv": "text/csv; charset=utf-8", "jsonl": "application/x-ndjson; charset=utf-8"}
#: separates the values of a many-valued column (people, orgs, places) in a CSV cell
LIST_SEPARATOR = "; "

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
_ELLIPSES = re.compile(r"…(?:\s*…)+")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def snippet_text(fragments: list[list[Span]]) -> str:
    """A snippet's fragments as one line of plain text."""
    text = " … ".join("".join(span.text for span in fragment) for fragment in fragments if fragment)
    return _ELLIPSES.sub("…", " ".join(text.split()))


def row(hit: Hit) -> dict:
    """One hit as the export's columns (lists stay lists; the CSV writer joins them)."""
    return {
        "id": hit.id,
        "title": hit.title,
        "date": hit.date.isoformat() if hit.date else None,
        "source": hit.source,
        "url": hit.url,
        "people": list(hit.people),
        "orgs": list(hit.orgs),
        "places": list(hit.places),
        "score": round(hit.score, 4) if hit.score is not None else None,
        "snippet": snippet_text(hit.snippet),
    }


def clean(text: str) -> str:
    """Text without control characters (tabs and newlines kept) or lone surrogates."""
    return _CONTROL.sub("", text)


def csv_cell(value) -> str:
    """A value as a CSV cell that no spreadsheet runs as a formula."""
    if value is None:
        return ""
    if isinstance(value, list):
        value = LIST_SEPARATOR.join(value)
    if isinstance(value, float):
        return repr(value)
    text = clean(str(value))
    return "'" + text if text.startswith(_FORMULA_START) else text


def csv_lines(rows: Iterable[Iterable]) -> Iterator[str]:
    """Each row (a header, then values) as one CSV line, every cell through :func:`csv_cell`."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for values in rows:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(csv_cell(value) for value in values)
        yield buffer.getvalue()


def csv_chunks(hits: Iterable[Hit]) -> Iterator[str]:
    """The header line, then one CSV line per hit."""
    rows = (row(hit) for hit in hits)
    return csv_lines(itertools.chain([COLUMNS], ([data[name] for name in COLUMNS] for data in rows)))


def _json_clean(value):
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, list):
        return [_json_clean(v) for v in value]
    return value


def jsonl_chunks(hits: Iterable[Hit]) -> Iterator[str]:
    """One JSON object per hit and line."""
    for hit in hits:
        data = {name: _json_clean(value) for name, value in row(hit).items()}
        yield json.dumps(data, ensure_ascii=False) + "\n"


def chunks(hits: Iterable[Hit], fmt: str) -> Iterator[str]:
    if fmt == "csv":
        return csv_chunks(hits)
    if fmt == "jsonl":
        return jsonl_chunks(hits)
    raise QueryError(f"Unknown export format {fmt!r}: use one of {', '.join(FORMATS)}.")
