"""The Whoosh index's documents: its schema, how an :class:`~search.models.Article` becomes a stored
document and back, and the writer. Reading for search is :mod:`search.backend`; the per-commit
caches beside the index are :mod:`search.snapshot`.

Segments are written with ``compound=False`` so that a searcher reads the segment files in place
instead of copying the whole index into memory (``../shared/NOTES.md``).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import NamedTuple

from whoosh import fields, index
from whoosh.analysis import STOP_WORDS, LowercaseFilter, RegexTokenizer, StemFilter, StopFilter
from whoosh.lang import porter2

from .bulkwrite import BulkWriter
from .models import FACETS, Article, Entities
from .postings import Postings
from .textanalysis import analyse_texts, fast_fields

#: One value per line: entity names keep their spaces, commas and case.
_LINE_ANALYZER = RegexTokenizer(r"[^\n]+")

#: Which Article attribute fills which facet field.
_FACET_SOURCES = {
    "person": lambda a: a.entities.people,
    "org": lambda a: a.entities.orgs,
    "place": lambda a: a.entities.places,
    "contributor": lambda a: a.reporters,
    "source": lambda a: [a.site] if a.site else [],
    "mentioned": lambda a: a.entities.mentioned_dates,
}

SEARCH_FIELDS = ("title", "body")
#: fields whose postings are kept as arrays (search.postings)
ARRAY_FIELDS = (*SEARCH_FIELDS, *FACETS)


#: stemmer of titles and bodies (Porter2, Snowball's English: bench/README.md)
STEM = porter2.stem
#: shortest word indexed (single letters and digits are not)
MIN_WORD = 2


def text_analyzer():
    """Titles and bodies: words, lower-cased, stemmed. Stop words are indexed, unstemmed, so
    that a query of only stop words (``may``, "to be or not to be") can be searched; queries
    drop them otherwise (:func:`search.querywords.without_stop_words`)."""
    return (RegexTokenizer() | LowercaseFilter() | StopFilter(stoplist=None, minsize=MIN_WORD)
            | StemFilter(stemfn=STEM, ignore=STOP_WORDS))


def indexes_stop_words(schema: fields.Schema) -> bool:
    """Whether an index's bodies hold stop words: indexes built before issue 15 left them out."""
    return not any(isinstance(part, StopFilter) and part.stops for part in schema["body"].analyzer.items)


def make_schema() -> fields.Schema:
    stem = text_analyzer()
    schema = fields.Schema(
        id=fields.ID(stored=True, unique=True),
        path=fields.STORED,
        url=fields.STORED,
        title=fields.TEXT(stored=True, analyzer=stem, field_boost=2.0, spelling=True),
        title_derived=fields.STORED,
        body=fields.TEXT(stored=True, analyzer=stem, spelling=True),
        date=fields.DATETIME(stored=True, sortable=True),
        date_source=fields.STORED,
        authors=fields.STORED,
        dateline=fields.STORED,
        content_hash=fields.ID(stored=True),
    )
    for name in FACETS:
        schema.add(name, fields.KEYWORD(analyzer=_LINE_ANALYZER, stored=True, scorable=False))
    return schema


def _join(values: Iterable[str]) -> str:
    return "\n".join(dict.fromkeys(v.strip() for v in values if v and v.strip()))


def _split(value: str | None) -> list[str]:
    return [v for v in (value or "").split("\n") if v]


def article_to_document(article: Article) -> dict:
    doc = {
        "id": article.id,
        "path": article.path,
        "url": article.url,
        "title": article.title,
        "title_derived": article.title_derived,
        "body": article.body,
        "date_source": article.date_source,
        "authors": list(article.authors),
        "dateline": article.dateline,
        "content_hash": article.content_hash,
    }
    if article.date is not None:
        doc["date"] = dt.datetime.combine(article.date, dt.time())
    for name, source in _FACET_SOURCES.items():
        joined = _join(source(article))
        if joined:
            doc[name] = joined
    return doc


def document_to_article(stored: dict) -> Article:
    date = stored.get("date")
    authors = list(stored.get("authors") or [])
    return Article(
        id=stored["id"],
        path=stored.get("path") or "",
        title=stored.get("title") or "",
        paragraphs=[p for p in (stored.get("body") or "").split("\n\n") if p],
        content_hash=stored.get("content_hash") or "",
        title_derived=bool(stored.get("title_derived")),
        date=date.date() if date else None,
        date_source=stored.get("date_source"),
        contributors=[name for name in _split(stored.get("contributor")) if name not in authors],
        authors=authors,
        site=(_split(stored.get("source")) or [None])[0],
        url=stored.get("url"),
        dateline=stored.get("dateline"),
        entities=Entities(
            people=_split(stored.get("person")),
            orgs=_split(stored.get("org")),
            places=_split(stored.get("place")),
            mentioned_dates=_split(stored.get("mentioned")),
        ),
    )


@functools.cache
def _fast_fields() -> dict:
    return fast_fields(make_schema())


def analyse(article: Article) -> bytes:
    """The title and body analysed as a new index's writer needs them (:func:`search.textanalysis.analyse_texts`),
    to be done where the article is cleaned."""
    return analyse_texts(_fast_fields(), {"title": article.title, "body": article.body})


def create(directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    index.create_in(str(directory), make_schema())


class Writer:
    """Adds, replaces and deletes articles; nothing is visible to readers before :meth:`commit`.

    A new index is written in bulk (:class:`search.bulkwrite.BulkWriter`: the same segments,
    without Whoosh's per-posting Python); an existing one is updated with Whoosh's own writer.
    Either way the commit writes a table of contents to a temporary file and renames it, so a
    process killed before that leaves the previous commit intact.
    """

    def __init__(self, directory: Path, limitmb: int = 256, expected: int | None = None):
        """``expected``: about how many articles a new index will get (it lets the bulk writer
        write the first part's terms in the background while the rest is added)."""
        self._index = index.open_dir(str(directory))
        self._fresh = self._index.is_empty()
        self._ids: list[str] = []  # of a new index, in document order
        if self._fresh:
            self._writer = BulkWriter(self._index, arrays=ARRAY_FIELDS, expected=expected)
        else:
            self._writer = self._index.writer(limitmb=limitmb, compound=False)
            for name, field in make_schema().items():  # fields added since the index was made
                if name not in self._index.schema:
                    self._writer.add_field(name, field)

    def put(self, article: Article, analysed: bytes | None = None) -> None:
        """``analysed``: :func:`analyse` of the article, made ahead (used by a new index's writer)."""
        if self._fresh:  # nothing to replace: no lookup of an earlier copy
            self._ids.append(article.id)
            self._writer.add_document(article_to_document(article), analysed)
        else:
            self._writer.update_document(**article_to_document(article))

    def delete(self, article_id: str) -> None:
        if not self._fresh:  # a new index holds nothing to delete
            self._writer.delete_by_term("id", article_id)

    def flush(self) -> None:
        """Every article is in: a new index's last terms start being written (in the background
        where the bulk writer can), so the caller's work before :meth:`commit` overlaps it."""
        if self._fresh:
            self._writer.flush()

    def commit(self) -> None:
        if self._fresh:
            self._writer.commit()
        else:
            self._writer.commit(merge=True)
        self._index.close()

    def cancel(self) -> None:
        self._writer.cancel()
        self._index.close()

    def arrays(self) -> Written | None:
        """After :meth:`commit`, what a new index's writer kept for its snapshot (None after an
        update: it is read back from the index)."""
        return Written(self._writer.postings(), self._ids, self._writer.spelling_words()) if self._fresh else None


class Written(NamedTuple):
    """What the writer of a new index keeps for :func:`search.snapshot.save_snapshot`, so that
    it need not be read back from the index."""

    postings: Postings
    ids: list[str]  # article ids in document order
    spelling: list[str]  # the spelling words of titles and bodies, sorted


def stored_sources(directory: Path) -> dict[str, tuple[str, str]]:
    """Article id -> (content hash, source path) of everything in the index."""
    ix = index.open_dir(str(directory))
    try:
        with ix.searcher() as searcher:
            return {f["id"]: (f.get("content_hash", ""), f.get("path", "")) for f in searcher.all_stored_fields()}
    finally:
        ix.close()


def doc_count(directory: Path) -> int:
    ix = index.open_dir(str(directory))
    try:
        return ix.doc_count()
    finally:
        ix.close()


def iter_articles(directory: Path) -> Iterator[Article]:
    ix = index.open_dir(str(directory))
    try:
        with ix.searcher() as searcher:
            for stored in searcher.all_stored_fields():
                yield document_to_article(stored)
    finally:
        ix.close()
