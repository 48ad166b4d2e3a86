"""Plain records that cross module boundaries.

Data flows one way: files -> :class:`SourceRecord` -> :class:`Article` -> index ->
:class:`SearchResults`. Nothing here knows about Whoosh, Flask or the terminal.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

#: Entity facets, in the order a user sees them. ``contributor`` holds reporter credits (shown as
#: "Reporter": bylines, author fields and "Reporting by" lines),
#: ``mentioned`` holds dates mentioned in the text as ``YYYY-MM`` or ``YYYY-MM-DD`` keys.
FACETS: tuple[str, ...] = ("person", "org", "place", "contributor", "source", "mentioned")

SORTS: tuple[str, ...] = ("relevance", "newest", "oldest")


@dataclass
class SourceRecord:
    """One article as read from disk, before any cleaning."""

    id: str  # stable: path relative to the corpus root, or the JSONL id
    path: str  # the file it came from (``file.jsonl:12`` for a JSONL line)
    kind: str  # "text", "html" or "json"
    text: str  # decoded text: the whole file, or the JSONL body field
    content_hash: str  # sha256 over the raw bytes of the record
    meta: dict[str, str] = field(default_factory=dict)  # JSONL fields: title, date, url, source, author


@dataclass
class CorpusRoot:
    """A folder (or file) the index holds. ``label`` is prefixed to the ids of its articles
    (``label/rel``) so that they cannot clash with another folder's: empty for the index's first
    folder, whose ids stay bare relative paths."""

    path: Path
    label: str = ""

    def article_id(self, rel: str) -> str:
        return f"{self.label}/{rel}" if self.label else rel


@dataclass
class Skipped:
    """A file or record the reader could not use, and why."""

    path: str
    reason: str
    #: the file could not be read this time (I/O error, corrupt gzip): its articles already in
    #: the index are kept rather than removed
    unreadable: bool = False


@dataclass
class Dropped:
    """A paragraph the cleaner removed, and why (shown by ``dateline extract``)."""

    text: str
    reason: str


@dataclass
class Entities:
    """Canonical named entities of one article (filled by :mod:`search.entities`)."""

    people: list[str] = field(default_factory=list)
    orgs: list[str] = field(default_factory=list)
    places: list[str] = field(default_factory=list)
    mentioned_dates: list[str] = field(default_factory=list)  # "YYYY-MM-DD" or "YYYY-MM"


@dataclass
class Article:
    """A cleaned article: what the indexer stores."""

    id: str
    path: str
    title: str
    paragraphs: list[str]
    content_hash: str
    title_derived: bool = False  # True when the title was made from the first sentence
    date: dt.date | None = None
    date_source: str | None = None  # "json", "html-meta", "header", "byline"
    contributors: list[str] = field(default_factory=list)
    authors: list[str] = field(default_factory=list)
    site: str | None = None
    url: str | None = None
    dateline: str | None = None  # the place the story was filed from ("Salvador")
    dropped: list[Dropped] = field(default_factory=list)
    entities: Entities = field(default_factory=Entities)

    @property
    def body(self) -> str:
        return "\n\n".join(self.paragraphs)

    @property
    def reporters(self) -> list[str]:
        """Everyone credited with the story: bylines and author fields, then "Reporting by"."""
        return list(dict.fromkeys([*self.authors, *self.contributors]))


@dataclass
class Span:
    """A piece of snippet text; ``match`` marks a query term. Text is raw, never escaped."""

    text: str
    match: bool = False


@dataclass
class FacetCount:
    value: str
    count: int
    selected: bool = False


@dataclass
class Filters:
    """Facet filters: values of one facet are OR-ed, different facets AND-ed."""

    facets: dict[str, list[str]] = field(default_factory=dict)
    date_from: dt.date | None = None
    date_to: dt.date | None = None


@dataclass
class StoryMember:
    """An article of a story, as listed under a collapsed hit or on a story page."""

    id: str
    title: str
    date: dt.date | None
    source: str | None


@dataclass
class StoryRef:
    """The story of a hit: ``more`` are its other articles among the search's results (hidden
    under the hit when results are collapsed by story, at most a few; ``hidden`` counts them all)."""

    id: str
    size: int  # articles in the story
    label: str
    hidden: int = 0
    more: list[StoryMember] = field(default_factory=list)


@dataclass
class Hit:
    id: str
    title: str
    date: dt.date | None
    source: str | None
    url: str | None
    score: float | None
    snippet: list[list[Span]]  # fragments, each a list of spans
    people: list[str] = field(default_factory=list)
    dateline: str | None = None
    orgs: list[str] = field(default_factory=list)
    places: list[str] = field(default_factory=list)
    story: StoryRef | None = None  # the story it belongs to, when it is one of two or more articles


@dataclass
class SearchResults:
    query: str
    filters: Filters
    sort: str
    page: int
    per_page: int
    total: int
    hits: list[Hit]
    facets: dict[str, list[FacetCount]]
    date_histogram: list[FacetCount]  # value is "YYYY", "YYYY-MM" or "YYYY-MM-DD"
    date_granularity: str  # "year", "month" or "day"
    took_ms: float
    suggestion: str | None = None  # did-you-mean query, when it finds more
    notes: list[str] = field(default_factory=list)  # what to tell the reader: ignored syntax, best match, cut wildcards
    match: str = "all"  # "all": every word matched; "best": best match (a sentence, or no article had all words)
    min_match: int | None = None  # best match: how many of the words an article needed
    corrected: str | None = None  # the corrected spelling that ran instead of ``query``
    ignored: list[str] = field(default_factory=list)  # what lenient reading ignored or read as text
    #: results collapsed by story: one hit per story, ``stories`` of them (``total`` still counts
    #: articles, as the facet counts do); pages then go through stories
    collapsed: bool = False
    stories: int | None = None

    @property
    def pages(self) -> int:
        return max(1, -(-(self.stories if self.collapsed else self.total) // self.per_page))


@dataclass
class StorySummary:
    """A story: articles grouped as reprints, versions or coverage of one event (search.stories).
    ``label`` is the title of its most central article; ``first``/``last`` its publication span."""

    id: str
    label: str
    label_id: str
    size: int
    first: dt.date | None
    last: dt.date | None
    sources: list[str]
    people: list[str]
    places: list[str]
    articles: list[str]  # article ids, oldest first


@dataclass
class StoryArticle:
    """One article on a story page: ``relation`` is ``"exact"`` (the same text as ``of``),
    ``"near"`` (a near-duplicate of ``of``: a reprint with another headline, an added paragraph,
    an update) or ``"coverage"`` (its own report of the event); ``adds`` are its paragraphs found in
    no other article of the story."""

    id: str
    title: str
    date: dt.date | None
    source: str | None
    url: str | None
    relation: str
    of: str | None
    adds: list[str]
    paragraphs: int
    people: list[str] = field(default_factory=list)
    places: list[str] = field(default_factory=list)


@dataclass
class Story:
    summary: StorySummary
    articles: list[StoryArticle]
    shared: dict[str, list[FacetCount]]  # "person"/"place": values in two or more of its articles


@dataclass
class BatchRow:
    """One query of a batch search: how many articles match it, and their publication dates'
    span (None when none of them is dated). ``error`` says why a query could not run."""

    query: str
    articles: int
    first: dt.date | None = None
    last: dt.date | None = None
    error: str | None = None


@dataclass
class Partner:
    """An entity that shares articles with another: ``together`` of its ``articles`` (in the
    search) hold both; ``score`` is the log-likelihood ratio (higher: more specific)."""

    facet: str
    value: str
    together: int
    articles: int
    score: float


@dataclass
class Period:
    """One bar of an entity's timeline: its articles in the period and who appeared most with it."""

    value: str  # "YYYY-MM" or "YYYY"
    count: int
    names: list[str] = field(default_factory=list)


@dataclass
class CoOccurrence:
    """Who appears with one facet value within a search (see :mod:`search.cooccur`)."""

    facet: str
    value: str
    articles: int  # the search's articles with the value
    searched: int  # the search's articles
    partners: dict[str, list[Partner]]  # by facet: person, org, place
    granularity: str  # of the timeline: "month" or "year"
    timeline: list[Period]
    took_ms: float = 0.0


@dataclass
class IndexStats:
    """What one ``index`` run did."""

    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    total: int = 0  # articles in the index afterwards
    seconds: float = 0.0
    roots: list[str] = field(default_factory=list)  # the folders and files the index holds
    roots_added: list[str] = field(default_factory=list)  # by this run
    roots_removed: list[str] = field(default_factory=list)


@dataclass
class EntityInfo:
    """A canonical entity with the number of articles that mention it and the forms seen."""

    facet: str
    name: str
    articles: int
    aliases: list[str] = field(default_factory=list)


@dataclass
class IndexInfo:
    path: str
    generation: str
    articles: int
    roots: list[str]
    updated: str | None

