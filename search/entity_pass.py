"""The indexer's entity step: NER through the mention cache, then corpus-wide resolution.

Resolution is corpus-wide ("Biden" alone links to "Joe Biden" because other articles name him
in full), so adding one article can change the entities of others. Every run therefore resolves
the whole corpus again from cached mentions (no NER for unchanged articles) and hands back the
unchanged articles whose entities changed, for the indexer to rewrite.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

from .entities import mentions_for
from .entity_aliases import load_aliases
from .entity_resolve import resolve_entities, surface_forms_by_facet
from .mentions_cache import MentionCache
from .models import Article
from .progress import progress_bar

log = logging.getLogger(__name__)


def annotate(
    changed: Sequence[Article], unchanged: Sequence[Article], cache_dir: Path, aliases_path: Path | None
) -> tuple[list[Article], dict]:
    """Set ``entities`` on every changed article; return the unchanged ones whose entities moved,
    and the surface forms seen per canonical entity (for ``dateline entities``)."""
    articles = [*changed, *unchanged]
    cache_dir.mkdir(parents=True, exist_ok=True)
    cache = MentionCache(cache_dir / "mentions.sqlite")
    # a bar on a terminal only (disable=None), counting cached articles too
    bar = progress_bar(len(articles), "entities")
    try:
        with bar:
            mentions = mentions_for(articles, cache, progress=bar.update)
        cache.prune()  # rows of older pipeline versions can never hit again
    finally:
        cache.close()
    aliases = load_aliases(aliases_path) if aliases_path else None
    resolution = resolve_entities([(a, mentions[a.content_hash]) for a in articles], aliases)

    for article in changed:
        article.entities = resolution.per_article[article.id]
    refreshed = []
    for article in unchanged:
        entities = resolution.per_article[article.id]
        if entities != article.entities:
            article.entities = entities
            refreshed.append(article)
    if refreshed:
        log.info("entities changed in %d unchanged articles", len(refreshed))

    return refreshed, {"surface_forms": surface_forms_by_facet(resolution)}
