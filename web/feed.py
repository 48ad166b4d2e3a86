"""Atom feeds: ``/feed?…`` takes the search page's parameters and lists its newest hits, so a feed
reader that subscribes to a search sees the articles each ``dateline index`` adds to it.

Built with the standard library's ElementTree, which escapes markup; characters XML 1.0 cannot
carry (NUL and other control characters, lone surrogates, U+FFFE/U+FFFF) are removed first.
"""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET

from flask import Blueprint, Response, request, url_for

from search import FACETS, QueryError, SearchResults
from search.export import snippet_text

from . import error_response, get_index
from .params import FACET_SINGULAR, ParamError, SearchState, parse_state

bp = Blueprint("feed", __name__)

ATOM = "http://www.w3.org/2005/Atom"
#: entries in a feed: the newest hits of the search
FEED_SIZE = 50
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

ET.register_namespace("", ATOM)


def xml_text(value: str | None) -> str:
    """Text that XML 1.0 can carry (ElementTree escapes ``<``, ``&`` and quotes itself)."""
    return _NOT_XML.sub("", value or "")


def feed_url(state: SearchState) -> str:
    query = state.query_string(page=False, more=False)
    return url_for("feed.feed") + (f"?{query}" if query else "")


def feed_title(state: SearchState) -> str:
    """What the feed follows, in words: 'Dateline: "talks", Person Wang Yi, from 2023-06-01'."""
    parts = [f"“{state.q}”"] if state.q else []
    for name in FACETS:
        parts.extend(f"{FACET_SINGULAR[name]} {value}" for value in state.facets.get(name, []))
    if state.date_from:
        parts.append(f"from {state.date_from.isoformat()}")
    if state.date_to:
        parts.append(f"until {state.date_to.isoformat()}")
    return "Dateline: " + (", ".join(parts) if parts else "all articles")


def _stamp(day: dt.date) -> str:
    return dt.datetime.combine(day, dt.time(), dt.UTC).isoformat().replace("+00:00", "Z")


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", {k: xml_text(v) for k, v in attributes.items()})
    if text is not None:
        element.text = xml_text(text)
    return element


def atom(state: SearchState, results: SearchResults, updated: dt.datetime) -> bytes:
    """The Atom document of a search's newest hits. Entry ids are the articles' page addresses,
    so a reader shows each article once however often it polls."""
    root = ET.Element(f"{{{ATOM}}}feed")
    self_url = request.host_url.rstrip("/") + feed_url(state)
    page_state = SearchState(q=state.q, facets=state.facets, date_from=state.date_from, date_to=state.date_to,
                             sort="newest")
    page_query = page_state.query_string(page=False, more=False)
    _sub(root, "id", self_url)
    _sub(root, "title", feed_title(state))
    counted = (f"The {FEED_SIZE} newest of {results.total:,} matching articles" if results.total > FEED_SIZE
               else f"All {results.total:,} matching {'article' if results.total == 1 else 'articles'}")
    _sub(root, "subtitle", counted + ", newest first.")
    dates = [hit.date for hit in results.hits if hit.date]
    feed_updated = _stamp(max(dates)) if dates else updated.isoformat().replace("+00:00", "Z")
    _sub(root, "updated", feed_updated)
    _sub(_sub(root, "author"), "name", "Dateline")
    _sub(root, "generator", "Dateline")
    _sub(root, "link", rel="self", type="application/atom+xml", href=self_url)
    _sub(root, "link", rel="alternate", type="text/html",
         href=request.host_url.rstrip("/") + url_for("views.search") + f"?{page_query}")
    for hit in results.hits:
        entry = _sub(root, "entry")
        link = url_for("views.article", article_id=hit.id, _external=True)
        _sub(entry, "id", link)
        _sub(entry, "title", hit.title or hit.id)
        _sub(entry, "updated", _stamp(hit.date) if hit.date else feed_updated)
        if hit.date:
            _sub(entry, "published", _stamp(hit.date))
        _sub(entry, "link", rel="alternate", type="text/html", href=link)
        if hit.url and hit.url.startswith(("http://", "https://")):
            _sub(entry, "link", rel="related", type="text/html", href=hit.url)
        if hit.source:
            _sub(_sub(entry, "author"), "name", hit.source)
        for value in dict.fromkeys([*hit.people, *hit.orgs, *hit.places]):
            _sub(entry, "category", term=value)
        _sub(entry, "summary", snippet_text(hit.snippet), type="text")
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


@bp.get("/feed")
def feed():
    try:
        state = parse_state(request.args)
        results = get_index().search(
            state.q, state.filters(), sort="newest", per_page=FEED_SIZE, facet_limit=1, autocorrect=state.autocorrect
        )
    except (ParamError, QueryError) as error:
        return error_response(400, "Something is wrong with the feed's address", str(error))
    updated = get_index().info().updated
    # the indexer writes its local time; a naive datetime's astimezone() reads it as such
    stamp = dt.datetime.fromisoformat(updated).astimezone() if updated else dt.datetime.now(dt.UTC)
    return Response(atom(state, results, stamp.astimezone(dt.UTC)), mimetype="application/atom+xml")
