"""The JSON API: ``/api/search`` (the search page's parameters; ``collapse=1`` folds results by
story) and ``/api/article/<id>``. Stories are in :mod:`web.stories`."""

from __future__ import annotations

import logging

from flask import Blueprint, Response, jsonify, request, stream_with_context

from search import FACETS, QueryError, export, to_jsonable

from . import get_index
from .params import ParamError, check_known_facets, int_param, parse_state

log = logging.getLogger(__name__)
bp = Blueprint("api", __name__, url_prefix="/api")

MAX_FACET_LIMIT = 200
#: article fields left out of the JSON: server-side file paths and the cleaner's working notes
PRIVATE_FIELDS = ("path", "dropped")


def _bad(message: str, status: int = 400):
    return jsonify(error=message), status


def _facet_limit() -> int:
    return int_param(request.args, "facet_limit", 10, 1, MAX_FACET_LIMIT, "facet_limit")


@bp.get("/search")
def search():
    try:
        state = parse_state(request.args, collapse=False)
        check_known_facets(request.args, set(FACETS))
        facet_limit = _facet_limit()
        results = get_index().search(
            state.q,
            state.filters(),
            sort=state.effective_sort,
            page=state.page,
            per_page=state.per_page,
            facet_limit=facet_limit,
            autocorrect=state.autocorrect,
            collapse=state.collapse,
        )
    except (ParamError, QueryError) as error:
        return _bad(str(error))
    data = to_jsonable(results)
    wanted = [n.strip().lower() for raw in request.args.getlist("facets") for n in raw.split(",")]
    wanted = [n for n in wanted if n]
    if wanted:
        data["facets"] = {name: counts for name, counts in data["facets"].items() if name in wanted}
    data["pages"] = results.pages
    return jsonify(data)


@bp.get("/export")
def export_results():
    """Every hit of a search (no page cap) as CSV or JSON lines, streamed as it is made."""
    fmt = request.args.get("format", "csv").strip().lower()
    if fmt not in export.FORMATS:
        return _bad(f"Unknown format {fmt[:40]!r}: use format=csv or format=jsonl.")
    try:
        state = parse_state(request.args)
        hits = get_index().iter_results(
            state.q, state.filters(), sort=state.effective_sort, autocorrect=state.autocorrect
        )
    except (ParamError, QueryError) as error:
        return _bad(str(error))
    response = Response(stream_with_context(export.chunks(hits, fmt)), content_type=export.MEDIA_TYPES[fmt])
    response.headers["Content-Disposition"] = f'attachment; filename="dateline-results.{fmt}"'
    return response


@bp.get("/article/<path:article_id>")
def article(article_id: str):
    index = get_index()
    found = index.get(article_id)
    if found is None:
        return _bad(f"No article with id {article_id[:200]!r}.", 404)
    data = {k: v for k, v in to_jsonable(found).items() if k not in PRIVATE_FIELDS}
    query = request.args.get("q", "").strip()
    if query:
        title, paragraphs = index.highlight(found, query)
        data["highlight"] = {
            "query": query,
            "title": to_jsonable(title),
            "paragraphs": to_jsonable(paragraphs),
        }
    try:
        similar = index.more_like_this(found.id, limit=5)
    except Exception:
        log.exception("more_like_this failed for %r", found.id)
        similar = []
    data["more_like_this"] = to_jsonable(similar)
    data["story"] = to_jsonable(index.story_of(found.id))
    return jsonify(data)
