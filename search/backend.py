"""The Whoosh index backend: the only module that imports Whoosh.

Everything that leaves this module is a plain record from :mod:`search.models`, so a second
backend (OpenSearch) can stand behind the same API.

Facet counts do not use Whoosh's ``groupedby`` (hundreds of ms a query at 21k articles, see
``../shared/NOTES.md``). Instead each opened index builds, once, numpy arrays of (document,
value) pairs per facet field from the postings, and a query's counts are a ``bincount`` over the
documents it matches. Segments are written with ``compound=False`` so that a searcher maps the
files instead of copying the whole index into memory.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from whoosh import fields, highlight, index, qparser, query, scoring
from whoosh.analysis import RegexTokenizer, StemmingAnalyzer
from whoosh.qparser.dateparse import DateParserPlugin

from .errors import QueryError
from .models import FACETS, Article, Entities, FacetCount, Filters, Span

log = logging.getLogger(__name__)

#: One value per line: entity names keep their spaces, commas and case.
_LINE_ANALYZER = RegexTokenizer(r"[^\n]+")

#: Which Article attribute fills which facet field.
_FACET_SOURCES = {
    "person": lambda a: a.entities.people,
    "org": lambda a: a.entities.orgs,
    "place": lambda a: a.entities.places,
    "contributor": lambda a: a.contributors,
    "source": lambda a: [a.site] if a.site else [],
    "mentioned": lambda a: a.entities.mentioned_dates,
}

#: Query-language names a user may type for fields (``person:"Wang Yi"``, ``org:CNN``).
FIELD_ALIASES = {
    "people": "person",
    "organisation": "org",
    "organization": "org",
    "location": "place",
    "site": "source",
    "by": "contributor",
}

SEARCH_FIELDS = ("title", "body")


def make_schema() -> fields.Schema:
    stem = StemmingAnalyzer()
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
    return Article(
        id=stored["id"],
        path=stored.get("path") or "",
        title=stored.get("title") or "",
        paragraphs=[p for p in (stored.get("body") or "").split("\n\n") if p],
        content_hash=stored.get("content_hash") or "",
        title_derived=bool(stored.get("title_derived")),
        date=date.date() if date else None,
        date_source=stored.get("date_source"),
        contributors=_split(stored.get("contributor")),
        authors=list(stored.get("authors") or []),
        site=(_split(stored.get("source")) or [None])[0],
        url=stored.get("url"),
        entities=Entities(
            people=_split(stored.get("person")),
            orgs=_split(stored.get("org")),
            places=_split(stored.get("place")),
            mentioned_dates=_split(stored.get("mentioned")),
        ),
    )


# --- writing ---------------------------------------------------------------------------------


def create(directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    index.create_in(str(directory), make_schema())


class Writer:
    """Adds, replaces and deletes articles; nothing is visible to readers before :meth:`commit`.

    Whoosh writes a commit's table of contents to a temporary file and renames it, so a process
    killed before that leaves the previous commit intact.
    """

    def __init__(self, directory: Path, limitmb: int = 256):
        self._index = index.open_dir(str(directory))
        self._writer = self._index.writer(limitmb=limitmb, compound=False)

    def put(self, article: Article) -> None:
        self._writer.update_document(**article_to_document(article))

    def delete(self, article_id: str) -> None:
        self._writer.delete_by_term("id", article_id)

    def commit(self) -> None:
        self._writer.commit(merge=True)
        self._index.close()

    def cancel(self) -> None:
        self._writer.cancel()
        self._index.close()


def stored_hashes(directory: Path) -> dict[str, str]:
    """Article id -> content hash of everything in the index (for incremental updates)."""
    ix = index.open_dir(str(directory))
    try:
        with ix.searcher() as searcher:
            return {f["id"]: f.get("content_hash", "") for f in searcher.all_stored_fields()}
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


# --- reading ---------------------------------------------------------------------------------


@dataclass
class _FacetArrays:
    values: list[str]  # term id -> value
    docs: np.ndarray  # one entry per (document, value) pair
    value_ids: np.ndarray


class _Snapshot:
    """Per-generation caches shared by all threads: facet pair arrays and the date column."""

    def __init__(self, reader):
        n = reader.doc_count_all()
        self.size = n
        self.live = np.ones(n, dtype=bool)
        if reader.has_deletions():
            for docnum in range(n):
                if reader.is_deleted(docnum):
                    self.live[docnum] = False
        self.facets: dict[str, _FacetArrays] = {}
        for name in FACETS:
            values, docs, ids = [], [], []
            for term in reader.lexicon(name):
                postings = np.fromiter(reader.postings(name, term).all_ids(), dtype=np.int32)
                docs.append(postings)
                ids.append(np.full(len(postings), len(values), dtype=np.int32))
                values.append(term.decode("utf-8"))
            self.facets[name] = _FacetArrays(
                values,
                np.concatenate(docs) if docs else np.zeros(0, np.int32),
                np.concatenate(ids) if ids else np.zeros(0, np.int32),
            )
        # Day ordinal per document, 0 when the date is unknown.
        self.days = np.zeros(n, dtype=np.int32)
        for leaf, offset in reader.leaf_readers():
            if not leaf.has_column("date"):
                continue
            # raw column values: microseconds since datetime.min, or the field's sortable
            # default (0 or a huge sentinel) for articles without a date
            size = leaf.doc_count_all()
            raw = np.fromiter(leaf.column_reader("date", translate=False), dtype=np.uint64, count=size)
            days = raw // np.uint64(86_400_000_000) + np.uint64(1)
            known = (raw > 0) & (days <= np.uint64(dt.date.max.toordinal()))
            self.days[offset : offset + size][known] = days[known].astype(np.int32)
        self.lower_values = {
            name: {v.lower(): v for v in arrays.values} for name, arrays in self.facets.items()
        }


class _SpanFormatter(highlight.Formatter):
    """Returns fragments as lists of :class:`Span` instead of markup, so each front end escapes.

    Whitespace (paragraph breaks too) is folded to single spaces, and a fragment cut inside the
    text starts and ends on a word boundary with an ellipsis."""

    def format_fragment(self, fragment, replace=False):
        spans: list[Span] = []
        text, pos = fragment.text, fragment.startchar
        for token in fragment.matches:
            if token.startchar > pos:
                spans.append(Span(text[pos : token.startchar]))
            spans.append(Span(text[token.startchar : token.endchar], True))
            pos = token.endchar
        if pos < fragment.endchar:
            spans.append(Span(text[pos : fragment.endchar]))
        for span in spans:
            span.text = _WHITESPACE.sub(" ", span.text)
        if fragment.startchar > 0 and spans and not spans[0].match:
            head = spans[0].text
            spans[0].text = "… " + (head.split(" ", 1)[1] if " " in head else "").lstrip()
        if fragment.endchar < len(text) and spans and not spans[-1].match:
            tail = spans[-1].text
            spans[-1].text = (tail.rsplit(" ", 1)[0] if " " in tail else "").rstrip() + " …"
        return [span for span in spans if span.text]

    def format(self, fragments, replace=False):
        return [self.format_fragment(f) for f in fragments]


_WHITESPACE = re.compile(r"\s+")


@dataclass
class RankedPage:
    docnums: list[int]
    scores: list[float | None]
    total: int


class Searcher:
    """A read-only view of one index generation. Thread-safe: each thread gets its own
    Whoosh searcher; the numpy caches are shared."""

    def __init__(self, directory: Path):
        self.directory = directory
        self._index = index.open_dir(str(directory))
        self._local = threading.local()
        self._lock = threading.Lock()
        self._snapshot: _Snapshot | None = None
        self._snapshot_generation = -1
        self.schema = self._index.schema
        self._parser = self._make_parser()

    def close(self) -> None:
        self._index.close()

    # whoosh searchers -------------------------------------------------------------------------

    def _searcher(self):
        searcher = getattr(self._local, "searcher", None)
        if searcher is None:
            searcher = self._index.searcher(weighting=scoring.BM25F())
            self._local.searcher = searcher
        elif not searcher.up_to_date():
            searcher = searcher.refresh()
            self._local.searcher = searcher
        return searcher

    def snapshot(self) -> _Snapshot:
        searcher = self._searcher()
        generation = searcher.ixreader.generation()
        with self._lock:
            if self._snapshot is None or self._snapshot_generation != generation:
                self._snapshot = _Snapshot(searcher.ixreader)
                self._snapshot_generation = generation
            return self._snapshot

    def doc_count(self) -> int:
        return self._searcher().doc_count()

    # queries ----------------------------------------------------------------------------------

    def _make_parser(self) -> qparser.QueryParser:
        parser = qparser.MultifieldParser(list(SEARCH_FIELDS), self.schema, group=qparser.AndGroup)
        parser.add_plugin(qparser.FuzzyTermPlugin())
        parser.add_plugin(qparser.PlusMinusPlugin())
        parser.add_plugin(DateParserPlugin(free=False))
        parser.remove_plugin_class(qparser.BoostPlugin)
        return parser

    def parse(self, text: str) -> query.Query:
        text = _FIELD_NAME.sub(lambda m: FIELD_ALIASES.get(m.group(1).lower(), m.group(1).lower()) + ":", text)
        unknown = {
            name for name in _FIELD_NAME.findall(text) if name not in self.schema.names()
        } - {"date"}
        if unknown:
            fields_list = ", ".join(["title", "body", "date", *FACETS])
            raise QueryError(
                f"Unknown field {sorted(unknown)[0]!r} in the query: use one of {fields_list}."
            )
        if text.count('"') % 2:
            raise QueryError('Unbalanced quotes in the query: close the "phrase" or remove the quote.')
        try:
            parsed = self._parser.parse(text)
        except Exception as error:  # Whoosh raises many kinds for bad syntax
            raise QueryError(f"Could not understand the query: {error}") from None
        if isinstance(parsed, type(query.NullQuery)):
            raise QueryError("The query has no words to search for.")
        for node in parsed.leaves():
            if isinstance(node, query.Wildcard | query.Prefix) and len(node.text.strip("*?")) < 2:
                raise QueryError(
                    f"The wildcard {node.text!r} is too broad: give at least two letters before '*'."
                )
        return parsed.accept(self._canonical_entities)

    def _canonical_entities(self, node: query.Query) -> query.Query:
        """``person:"wang yi"`` or ``person:Blinken`` finds the canonical entity whatever the case,
        and a single name matches every entity that has it as one of its words."""
        if not isinstance(node, query.Term) or node.fieldname not in FACETS:
            return node
        snap = self.snapshot()
        text = str(node.text)
        exact = snap.lower_values[node.fieldname].get(text.lower())
        if exact:
            return query.Term(node.fieldname, exact)
        word = re.compile(rf"(?<!\w){re.escape(text)}(?!\w)", re.IGNORECASE)
        matches = [v for v in snap.facets[node.fieldname].values if word.search(v)]
        if matches:
            return query.Or([query.Term(node.fieldname, v) for v in matches])
        return node

    def match_mask(self, q: query.Query | None) -> np.ndarray:
        snap = self.snapshot()
        if q is None:
            return snap.live.copy()
        mask = np.zeros(snap.size, dtype=bool)
        docnums = np.fromiter(self._searcher().docs_for_query(q), dtype=np.int64)
        mask[docnums] = True
        return mask & snap.live

    def filter_masks(self, filters: Filters) -> dict[str, np.ndarray]:
        """One mask per active facet (and ``date`` for the range)."""
        snap = self.snapshot()
        masks: dict[str, np.ndarray] = {}
        for name, wanted in filters.facets.items():
            if not wanted:
                continue
            if name not in snap.facets:
                raise QueryError(f"Unknown facet {name!r}: use one of {', '.join(FACETS)}.")
            arrays = snap.facets[name]
            lookup = snap.lower_values[name]
            ids = [arrays.values.index(lookup[w.lower()]) for w in wanted if w.lower() in lookup]
            mask = np.zeros(snap.size, dtype=bool)
            if ids:
                mask[arrays.docs[np.isin(arrays.value_ids, ids)]] = True
            masks[name] = mask
        if filters.date_from or filters.date_to:
            low = filters.date_from.toordinal() if filters.date_from else 1
            high = filters.date_to.toordinal() if filters.date_to else dt.date.max.toordinal()
            masks["date"] = (snap.days >= low) & (snap.days <= high)
        return masks

    def facet_counts(
        self, name: str, mask: np.ndarray, selected: Sequence[str], limit: int
    ) -> list[FacetCount]:
        arrays = self.snapshot().facets[name]
        counts = np.bincount(arrays.value_ids[mask[arrays.docs]], minlength=len(arrays.values))
        order = sorted(np.flatnonzero(counts), key=lambda i: (-counts[i], arrays.values[i]))
        chosen = {s.lower() for s in selected}
        result = [
            FacetCount(arrays.values[i], int(counts[i]), arrays.values[i].lower() in chosen)
            for i in order[:limit]
        ]
        shown = {r.value.lower() for r in result}
        for value in selected:
            if value.lower() not in shown:
                count = next((int(counts[i]) for i in order if arrays.values[i].lower() == value.lower()), 0)
                result.append(FacetCount(value, count, True))
        return result

    def date_histogram(self, mask: np.ndarray) -> tuple[str, list[FacetCount]]:
        days = self.snapshot().days[mask]
        days = days[days > 0]
        if not len(days):
            return "month", []
        span = int(days.max() - days.min())
        granularity = "year" if span > 3 * 366 else "month" if span > 62 else "day"
        width = {"year": 4, "month": 7, "day": 10}[granularity]
        values, counts = np.unique(days, return_counts=True)
        buckets: dict[str, int] = {}
        for day, count in zip(values.tolist(), counts.tolist(), strict=True):
            key = dt.date.fromordinal(day).isoformat()[:width]
            buckets[key] = buckets.get(key, 0) + count
        return granularity, [FacetCount(k, v) for k, v in sorted(buckets.items())]

    def ranked(
        self, q: query.Query | None, mask: np.ndarray, filtered: bool, sort: str, start: int, stop: int
    ) -> RankedPage:
        total = int(mask.sum())
        if q is not None and sort == "relevance":
            allowed = set(np.flatnonzero(mask).tolist()) if filtered else None
            results = self._searcher().search(q, limit=max(stop, 1), filter=allowed)
            page = [(hit.docnum, hit.score) for hit in results[start:stop]]
            return RankedPage([d for d, _ in page], [float(s) for _, s in page], total)
        docnums = np.flatnonzero(mask)
        days = self.snapshot().days[docnums]
        if sort == "oldest":
            # unknown dates last in both directions
            key = np.where(days > 0, days, np.iinfo(np.int32).max)
            order = np.lexsort((docnums, key))
        else:
            order = np.lexsort((docnums, -days))
        chosen = docnums[order[start:stop]].tolist()
        return RankedPage(chosen, [None] * len(chosen), total)

    def stored(self, docnum: int) -> dict:
        return self._searcher().stored_fields(docnum)

    def docnum(self, article_id: str) -> int | None:
        return self._searcher().document_number(id=article_id)

    def snippet(self, q: query.Query | None, text: str, top: int = 3, size: int = 200) -> list[list[Span]]:
        if q is not None:
            terms = self.query_terms(q)
            if terms:
                fragments = highlight.highlight(
                    text,
                    terms,
                    self.schema["body"].analyzer,
                    highlight.ContextFragmenter(maxchars=size, surround=60),
                    _SpanFormatter(),
                    top=top,
                )
                if fragments:
                    return fragments
        lead = _WHITESPACE.sub(" ", text[: size + 1])
        if len(text) > size:
            lead = lead[:size].rsplit(" ", 1)[0] + " …"
        return [[Span(lead)]] if lead else []

    def highlight_whole(self, q: query.Query, text: str) -> list[Span]:
        terms = self.query_terms(q)
        if not terms:
            return [Span(text)]
        fragments = highlight.highlight(
            text, terms, self.schema["body"].analyzer, highlight.WholeFragmenter(), _SpanFormatter(), top=1
        )
        return fragments[0] if fragments else [Span(text)]

    def query_terms(self, q: query.Query) -> set[str]:
        """The indexed words a query matches in title or body, wildcards expanded.

        Walks the leaves itself: whoosh3 3.54's ``Query.existing_terms`` rebinds its
        ``fieldname`` argument inside the loop and skips every field after the first."""
        reader = self._searcher().ixreader
        words: set[str] = set()
        for leaf in q.leaves():
            if leaf.field() not in SEARCH_FIELDS:
                continue
            for fieldname, text in leaf.expanded_terms(reader, phrases=True):
                word = text.decode("utf-8") if isinstance(text, bytes) else text
                if (fieldname, word) in reader:
                    words.add(word)
        return words

    def suggest(self, q: query.Query, text: str) -> str | None:
        correction = self._searcher().correct_query(q, text)
        if correction.string and correction.string != text:
            return correction.string
        return None

    def count(self, q: query.Query) -> int:
        return int(self.match_mask(q).sum())

    def more_like(self, docnum: int, top: int) -> list[int]:
        text = self.stored(docnum).get("body") or ""
        results = self._searcher().more_like(docnum, "body", text=text, top=top)
        return [hit.docnum for hit in results]

    def facet_values(self, name: str) -> list[FacetCount]:
        snap = self.snapshot()
        return self.facet_counts(name, snap.live, [], limit=len(snap.facets[name].values))


_FIELD_NAME = re.compile(r"(?<![\w\"])([A-Za-z_]+):(?=\S)")


def is_index(directory: Path) -> bool:
    return index.exists_in(str(directory))
