"""Named entities, step 3 of 3, its per-article part: one article's raw mentions -> its cleaned
items, its mentioned dates and its word counts (:func:`parse_batch`), before the corpus-wide
resolution (:mod:`search.entity_resolve`). Runs on the workers (and its results are cached:
:mod:`search.entity_cache`), article by article:

* mentioned dates: each DATE mention anchored on the publication date (:mod:`search.dates`);
* organisation names found by their shape replace the model's mentions they overlap
  (:mod:`search.entity_spans`); a headline's takes the body's spelling;
* the mentions cleaned (:mod:`search.entity_items`);
* the place of a dateline opening the body, as a place with the weight of several tags;
* each item's context cue (:func:`set_cues`), and the text's words by how they are written
  (:func:`search.entity_evidence.text_words`).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence

from .cachedb import collector_paused
from .dates import resolve_date_mention, sentence_around
from .entities import Mention, article_text
from .entity_aliases import Aliases
from .entity_cache import ParseCache
from .entity_evidence import TextWords, context_cue, org_context, text_words
from .entity_items import clean_mentions
from .entity_names import Item, clean_org, clean_place
from .entity_spans import with_organisation_spans
from .models import Article

#: what :func:`parse_batch` makes of one article: its items, its mentioned dates, its word counts
Parsed = tuple[list[Item], list[str], TextWords]


#: A dateline opening the body: "ROME 1996-12-06", "NEW YORK, March 2 -", "LONDON (Reuters) -".
_DATELINE = re.compile(
    r"(?P<place>[A-Z][A-Z.'-]+(?: [A-Z][A-Z.'-]+){0,3})(?:, [A-Z][A-Za-z. ]{1,20})?"
    r"(?= \d{4}-\d{2}-\d{2}\b|,? (?:Jan|Feb|March|April|May|June|July|Aug|Sept?|Oct|Nov|Dec)[a-z.]* \d| \(| -)")
#: A dateline place's say in the type vote: a firm layout cue, worth several model tags.
DATELINE_WEIGHT = 4


def _dateline(text: str, title: str) -> Item | None:
    """The place of a dateline at the start of the body, as a place item."""
    start = len(title) + 2 if title else 0
    match = _DATELINE.match(text, start)
    if not match:
        return None
    name = clean_place(match["place"].title())
    if not name:
        return None
    return Item("place", "GPE", name, match["place"], match.start(), match.end("place"), weight=DATELINE_WEIGHT)


def _parse(article: Article, mentions: Sequence[Mention], aliases: Aliases) -> tuple[str, list[Item], list[str]]:
    text = article_text(article)
    dates: list[str] = []
    for mention in sorted(mentions, key=lambda m: m.start):
        if mention.label == "DATE":
            key = resolve_date_mention(mention.text, article.date, functools.partial(
                sentence_around, text, mention.start, mention.start + len(mention.text)))
            if key and key not in dates:
                dates.append(key)
    mentions, spans = with_organisation_spans(text, article.title, mentions)
    items = clean_mentions(text, mentions, aliases.merged)
    for item in items:
        span = spans.get(item.start)
        if span and span.headline and item.facet == "org":  # its spelling from the body, or capitals lowered
            item.name = aliases.merged(clean_org(span.name) or span.name)
            item.shouted = False
    if dateline := _dateline(text, article.title):
        items = [dateline, *(i for i in items if i.start >= dateline.end or i.end <= dateline.start)]
    set_cues(text, items)
    return text, items, dates


def parse_batch(docs: list[tuple[Article, list[Mention]]], aliases: Aliases) -> list[Parsed]:
    """The per-article step of :func:`search.entity_resolve.resolve_entities` (mentions cleaned, organisation names by
    shape, mentioned dates, the text's word counts): the unit of work sent to a worker. It makes
    millions of small objects and no cycles: no cyclic collection (of a worker's whole heap, the
    NER model's objects too) runs inside."""
    with collector_paused():
        return [(items, dates, text_words(text))
                for text, items, dates in (_parse(article, mentions, aliases) for article, mentions in docs)]


def set_cues(text: str, items: list[Item]) -> None:
    """Each item's context cue (:func:`search.entity_evidence.context_cue`). A cue may overrule
    the model's person tags, never its other labels: "in the Premier League" stays an
    organisation, so an organisation's cue can only be "org" and a place's only "place". Set when
    an article is parsed (and cached with it), and again if resolution drops a person of it (the
    cue of a firm's partners reads where the people end)."""
    people_end = {i.end for i in items if i.facet == "person"}
    for item in items:
        facet = item.facet
        if facet == "org":
            item.cue = "org" if org_context(text, item.start, item.end, people_end) else ""
        elif facet:
            item.cue = context_cue(text, item.start, item.end, people_end)
            if facet != "person" and item.cue != facet:
                item.cue = ""
        else:
            item.cue = ""


def encoded_parses(docs: Sequence[tuple[Article, list[Mention]]], aliases: Aliases) -> list[bytes]:
    """A worker's task: :func:`parse_batch` of ``docs``, each parse as the
    parse cache stores it, so that the process that resolves only decodes it (pickling and
    compressing there would cost it more than decompressing)."""
    return [ParseCache.encode(one) for one in parse_batch(docs, aliases)]
