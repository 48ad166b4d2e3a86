"""HTML pages: the search page (``/``) and the article page (``/article/<id>``)."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from flask import Blueprint, current_app, g, render_template, request, url_for

from search import FACETS, MAX_RESULTS, QueryError

from . import error_response, get_index
from .feed import feed_title, feed_url
from .params import FACET_LABELS, FACET_SINGULAR, ParamError, SearchState, parse_date, parse_state

log = logging.getLogger(__name__)
bp = Blueprint("views", __name__)


def search_url(state: SearchState, anchor: str = "") -> str:
    query = state.query_string()
    # a results page builds a link per facet value and page: resolve the route once per request
    base = g.get("search_path") or g.setdefault("search_path", url_for("views.search"))
    return base + (f"?{query}" if query else "") + (f"#{anchor}" if anchor else "")


def page_links(page: int, last: int) -> list[int | None]:
    """Page numbers around the current one, with None for a gap: 1 … 4 5 [6] 7 8 … 20."""
    wanted = {1, last, *range(page - 2, page + 3)}
    numbers = sorted(n for n in wanted if 1 <= n <= last)
    links: list[int | None] = []
    for number in numbers:
        if links and number - (links[-1] or 0) > 1:
            links.append(None)
        links.append(number)
    return links


def bucket_range(value: str, granularity: str):
    """A histogram bucket ('2023', '2023-06', '2023-06-18') as a (from, to) pair of dates."""
    return parse_date(value, "from"), parse_date(value, "to", end=True)


def entity_url(facet: str, value: str, state: SearchState | None = None) -> str:
    """The who-appears-with-whom page of a value, within ``state``'s search if given."""
    query = state.query_string(page=False, more=False) if state else ""
    return url_for("entity.page", facet=facet, value=value) + (f"?{query}" if query else "")


def zoom_out(state: SearchState) -> tuple[str, SearchState] | None:
    """The histogram's way back out of a date range: a day to its month, a month to its year,
    anything else to all dates. None when no range is set."""
    start, end = state.date_from, state.date_to
    if not (start or end):
        return None
    if start and end and start.year == end.year:
        month_end = bucket_range(f"{start:%Y-%m}", "month")[1]
        if start.month == end.month and (start.day, end) != (1, month_end):
            return f"All of {start:%B %Y}", state.with_dates(start.replace(day=1), month_end)
        if (start.month, start.day, end.month, end.day) != (1, 1, 12, 31):
            year = state.with_dates(start.replace(month=1, day=1), end.replace(month=12, day=31))
            return f"All of {start.year}", year
    return "All dates", state.with_dates(None, None)


def _context(state: SearchState, **extra):
    return {
        "state": state,
        "search_url": search_url,
        "FACETS": FACETS,
        "FACET_LABELS": FACET_LABELS,
        "FACET_SINGULAR": FACET_SINGULAR,
        "feed_url": feed_url,
        "entity_url": entity_url,
        "feed_title": feed_title,
        **extra,
    }


@bp.get("/")
def search():
    try:
        state = parse_state(request.args)
    except ParamError as error:
        # keep what can be kept so the search box still shows the query
        state = SearchState(q=request.args.get("q", "")[:2000])
        return render_template("search.html", **_context(state, error=str(error), results=None)), 400

    index = get_index()
    config = current_app.config
    try:
        results = index.search(
            state.q,
            state.filters(),
            sort=state.effective_sort,
            page=state.page,
            per_page=state.per_page,
            facet_limit=config["FACET_MAX"],
            autocorrect=state.autocorrect,
            collapse=state.collapse,
        )
    except QueryError as error:
        return render_template(
            "search.html", **_context(state, error=str(error), results=None, show_syntax=True)
        ), 400

    last_page = max(1, min(results.pages, MAX_RESULTS // state.per_page))
    histogram_max = max((b.count for b in results.date_histogram), default=0)
    buckets = [
        (bucket, *bucket_range(bucket.value, results.date_granularity)) for bucket in results.date_histogram
    ]
    return render_template(
        "search.html",
        **_context(
            state,
            results=results,
            error=None,
            last_page=last_page,
            pages=page_links(min(state.page, last_page), last_page),
            histogram_max=histogram_max,
            buckets=buckets,
            facet_shown=config["FACET_SHOWN"],
            zoom_out=zoom_out(state),
        ),
    )


def _results_link(query: str) -> str:
    """Where "back to results" goes: the search page we came from if it was ours, else a search."""
    referrer = request.referrer
    if referrer:
        parts = urlsplit(referrer)
        if parts.netloc == request.host and parts.path == url_for("views.search"):
            return parts.path + (f"?{parts.query}" if parts.query else "")
    state = SearchState(q=query)
    return search_url(state)


@bp.get("/article/<path:article_id>")
def article(article_id: str):
    index = get_index()
    found = index.get(article_id)
    if found is None:
        return error_response(
            404, "Article not found",
            "There is no article with this id in the index. It may have been removed by a re-index.",
        )
    query = request.args.get("q", "").strip()[:2000]
    title_spans, paragraphs = index.highlight(found, query)
    try:
        similar = index.more_like_this(found.id, limit=5)
    except Exception:  # a side panel must never take the page down
        log.exception("more_like_this failed for %r", found.id)
        similar = []
    return render_template(
        "article.html",
        **_context(
            SearchState(q=query),
            article=found,
            title_spans=title_spans,
            paragraphs=paragraphs,
            similar=similar,
            story=index.story_of(found.id),
            results_link=_results_link(query),
        ),
    )
