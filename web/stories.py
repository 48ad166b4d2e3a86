"""Stories: ``/story/<id>`` (a story's articles on a timeline, the people and places they share,
what each article adds), ``/api/story/<id>`` (the same as JSON) and ``/api/stories`` (the story
list, ``q`` and the search filters, ``limit``). A story id that a merge retired redirects to the
story it went into."""

from __future__ import annotations

from itertools import groupby

from flask import Blueprint, jsonify, redirect, render_template, request, url_for

from search import QueryError, to_jsonable

from . import error_response, get_index
from .params import ParamError, SearchState, int_param, parse_state
from .views import entity_url, search_url

bp = Blueprint("stories", __name__)

#: paragraphs an article's "adds" shows before the rest fold away
ADDS_SHOWN = 2


def _find(story_id: str, endpoint: str):
    """(the story or None, None), or (None, a 301 to the story a retired id went into)."""
    story = get_index().story(story_id)
    if story is not None and story.summary.id != story_id:
        return None, redirect(url_for(endpoint, story_id=story.summary.id), 301)
    return story, None


@bp.get("/story/<story_id>")
def page(story_id: str):
    story, moved = _find(story_id, "stories.page")
    if story is None:
        return moved or error_response(404, "Story not found", "There is no story with this id in the index: "
                                       "its articles may have been removed or regrouped by a re-index.")
    days = [(date, list(articles)) for date, articles in groupby(story.articles, key=lambda a: a.date)]
    titles = {a.id: a.title for a in story.articles}
    return render_template("story.html", story=story, summary=story.summary, days=days, titles=titles,
                           state=SearchState(), search_url=search_url, entity_url=entity_url,
                           adds_shown=ADDS_SHOWN)


@bp.get("/api/story/<story_id>")
def api_story(story_id: str):
    story, moved = _find(story_id, "stories.api_story")
    if story is None:
        return moved or (jsonify(error=f"No story with id {story_id[:40]!r}."), 404)
    return jsonify(to_jsonable(story))


@bp.get("/api/stories")
def api_stories():
    try:
        state = parse_state(request.args)
        limit = int_param(request.args, "limit", 0, 1, None, "limit") or None
        found = get_index().stories(state.q, state.filters() if state.has_filters else None, limit=limit,
                                    autocorrect=state.autocorrect)
    except (ParamError, QueryError) as error:
        return jsonify(error=str(error)), 400
    return jsonify({"query": state.q, "stories": to_jsonable(found)})
