"""Who appears with whom: ``/entity/<facet>/<value>`` (page) and ``/api/entity/<facet>/<value>``
(JSON) for one facet value within the search given by the query string (``q``, the facets,
``from``, ``to``: everything by default)."""

from __future__ import annotations

from flask import Blueprint, jsonify, render_template, request

from search import FACETS, QueryError, to_jsonable

from . import error_response, get_index
from .params import FACET_LABELS, FACET_SINGULAR, ParamError, SearchState, parse_state
from .views import bucket_range, entity_url, search_url

bp = Blueprint("entity", __name__)

PARTNERS_SHOWN = 15


def both_url(state: SearchState, facet: str, value: str, partner_facet: str, partner: str) -> str:
    """The search's articles that hold both values. Values of one facet are OR-ed as filters, so
    a partner of the same facet (two people) is added to the query as ``person:"…"`` instead."""
    both = state.add(facet, value)
    if partner_facet != facet:
        return search_url(both.add(partner_facet, partner))
    term = f'{partner_facet}:"{partner.replace(chr(34), "")}"'
    return search_url(both.with_query(f"({state.q}) {term}" if state.q else term))


def _lookup(facet: str, value: str):
    """(state, result) or an error response."""
    if facet not in FACETS:
        raise ParamError(f"Unknown facet {facet[:40]!r}: use one of {', '.join(FACETS)}.")
    state = parse_state(request.args)
    found = get_index().cooccurrence(
        facet, value, state.q, state.filters(), limit=PARTNERS_SHOWN, autocorrect=state.autocorrect
    )
    return state, found


@bp.get("/entity/<facet>/<path:value>")
def page(facet: str, value: str):
    try:
        state, found = _lookup(facet, value)
    except (ParamError, QueryError) as error:
        return error_response(400, "Something is wrong with the request", str(error))
    if found is None:
        return error_response(404, "Not in the index", f"No {FACET_SINGULAR[facet].lower()} {value[:200]!r} in "
                              "the index's articles.")
    peak = max((p.count for p in found.timeline), default=0)
    periods = [(p, *bucket_range(p.value, found.granularity)) for p in found.timeline]
    return render_template(
        "entity.html", state=state, found=found, periods=periods, peak=peak, both_url=both_url,
        search_url=search_url, entity_url=entity_url, FACET_LABELS=FACET_LABELS, FACET_SINGULAR=FACET_SINGULAR,
    )


@bp.get("/api/entity/<facet>/<path:value>")
def api(facet: str, value: str):
    try:
        _, found = _lookup(facet, value)
    except (ParamError, QueryError) as error:
        return jsonify(error=str(error)), 400
    if found is None:
        return jsonify(error=f"No {facet} {value[:200]!r} in the index."), 404
    return jsonify(to_jsonable(found))
