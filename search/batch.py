"""Batch search input and output: a list of names or queries (one a line, or a CSV column) in,
a table of counts and date spans out (:meth:`search.NewsIndex.batch` does the searching)."""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Callable, Iterable, Iterator

from .errors import QueryError
from .export import csv_lines
from .models import BatchRow

#: queries in one batch (1,000 take seconds; this keeps one request from holding a server)
MAX_QUERIES = 5000
COLUMNS = ("query", "articles", "first", "last", "error")


def read_queries(text: str, column: str | None = None) -> list[str]:
    """The queries in ``text``: one a line or, with ``column`` (a header name or a 1-based
    number), that column of a CSV table whose first row is its header (comma, semicolon, tab or
    bar separated). Blank and repeated entries are dropped."""
    text = text.lstrip("\ufeff")
    if column is None or not column.strip():
        entries: Iterable[str] = text.splitlines()
    else:
        entries = _column(text, column.strip())
    queries = list(dict.fromkeys(e.strip() for e in entries if e and e.strip()))
    if len(queries) > MAX_QUERIES:
        raise QueryError(f"The list has {len(queries):,} queries: split it into lists of at most {MAX_QUERIES:,}.")
    return queries


def as_phrases(queries: list[str]) -> list[str]:
    """Each query without quotes as one exact phrase: "Antony Blinken" as a name, not two words
    anywhere in an article."""
    return [q if '"' in q else f'"{q}"' for q in queries]


def _column(text: str, column: str) -> list[str]:
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    rows = list(csv.reader(io.StringIO(text), dialect))
    if not rows:
        return []
    if column.isdigit():
        number = int(column) - 1
        if number < 0:
            raise QueryError(f"Column {column} does not exist: columns are numbered from 1.")
    else:
        header = [cell.strip().lower() for cell in rows[0]]
        if column.lower() not in header:
            raise QueryError(
                f"No column {column[:60]!r} in the table's first row ({', '.join(rows[0][:12])[:200]}): "
                "give a column name from it, or its number."
            )
        number = header.index(column.lower())
    return [row[number] for row in rows[1:] if number < len(row)]


def csv_chunks(rows: Iterable[BatchRow], link: Callable[[str], str] | None = None) -> Iterator[str]:
    """The batch's table as CSV lines; ``link(query)`` adds a column with each query's results URL."""
    header = [*COLUMNS, "url"] if link else list(COLUMNS)
    table = (
        [row.query, row.articles, row.first and row.first.isoformat(), row.last and row.last.isoformat(), row.error,
         *([link(row.query)] if link else [])]
        for row in rows
    )
    return csv_lines(itertools.chain([header], table))
