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

from .entities import load_aliases, mentions_for, resolve_entities
from .mentions_cache import MentionCache
from .models import Article

log = logging.getLogger(__name__)

#: facet name -> the (type) key the resolver uses for surface forms
_FACET_OF_TYPE = {"person": "person", "org": "org", "place": "place"}


def annotate(
    changed: Sequence[Article], unchanged: Sequence[Article], cache_dir: Path, aliases_path: Path | None
) -> tuple[list[Article], dict]:
    """Set ``entities`` on every changed article; return the unchanged ones whose entities moved,
    and the surface forms seen per canonical entity (for ``dateline entities``)."""
    articles = [*changed, *unchanged]
    cache_dir.mkdir(parents=True, exist_ok=True)
    cache = MentionCache(cache_dir / "mentions.sqlite")
    try:
        mentions = mentions_for(articles, cache)
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

    forms: dict[str, dict[str, list[str]]] = {}
    for (kind, canonical), seen in resolution.surface_forms.items():
        facet = _FACET_OF_TYPE.get(kind, kind)
        forms.setdefault(facet, {})[canonical] = sorted(seen)
    return refreshed, {"surface_forms": forms}
