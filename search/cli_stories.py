"""``dateline stories``: the index's stories (see :mod:`search.stories`), registered on the
``dateline`` group of :mod:`search.cli`."""

from __future__ import annotations

import click

from . import open_index
from .cli import _dump, friendly_errors, index_option, json_option, main


@main.command("stories")
@click.argument("query", required=False, default="")
@index_option
@click.option("--limit", type=click.IntRange(1), help="At most this many stories (default: all).")
@json_option
@friendly_errors
def stories_command(query, index_dir, limit, as_json) -> None:
    """Stories of two or more articles: reprints, versions and coverage of one event.

    Largest first; with QUERY (any search text), the stories holding a matching article, those with
    the most matches first. Each with its size, date span, label (its most central article's
    title), sources and article ids.
    """
    found = open_index(index_dir).stories(query, limit=limit)
    if as_json:
        _dump({"query": query, "stories": found})
        return
    click.echo(f"{len(found):,} {'story' if len(found) == 1 else 'stories'}")
    for story in found:
        first = story.first.isoformat() if story.first else "undated"
        span = first if story.last == story.first else f"{first} – {story.last.isoformat()}"
        click.echo(f"\n{story.id}  {story.size} articles  {span}")
        click.echo(f"  {click.style(story.label, bold=True)}")
        if story.sources:
            click.echo(f"  sources: {', '.join(story.sources)}")
        if story.people:
            click.echo(f"  people: {', '.join(story.people[:6])}")
        click.echo(f"  articles: {', '.join(story.articles)}")
