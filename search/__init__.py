"""Dateline's library: read a corpus, clean it, index it, search it.

The public API (the web layer and the CLI use nothing else)::

    from search import index_corpus, open_index, Filters
    index_corpus(Path("instance/index"), [Path("seeds")])
    results = open_index("instance/index").search("Blinken talks", Filters({"person": ["Wang Yi"]}))
"""

from . import export
from .errors import DatelineError, IndexNotFound, InputError, QueryError, QueryTooBroad
from .indexer import index_corpus
from .models import (
    FACETS,
    SORTS,
    Article,
    BatchRow,
    CoOccurrence,
    EntityInfo,
    FacetCount,
    Filters,
    Hit,
    IndexInfo,
    IndexStats,
    SearchResults,
    Span,
)
from .service import MAX_PER_PAGE, MAX_QUERY_CHARS, MAX_RESULTS, NewsIndex, open_index, to_jsonable

__all__ = [
    "FACETS",
    "MAX_PER_PAGE",
    "MAX_QUERY_CHARS",
    "MAX_RESULTS",
    "SORTS",
    "Article",
    "BatchRow",
    "CoOccurrence",
    "DatelineError",
    "EntityInfo",
    "FacetCount",
    "Filters",
    "Hit",
    "IndexInfo",
    "IndexNotFound",
    "IndexStats",
    "InputError",
    "NewsIndex",
    "QueryError",
    "QueryTooBroad",
    "SearchResults",
    "Span",
    "export",
    "index_corpus",
    "open_index",
    "to_jsonable",
]
