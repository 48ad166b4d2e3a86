"""The indexer's entity step: NER through the mention cache, then corpus-wide resolution.

Resolution is corpus-wide (a bare "Biden" links to "Joe Biden" on the evidence of other
articles), so adding or removing one article can change the entities of others. A run that adds,
updates or removes articles therefore resolves the whole corpus again from cached mentions (no NER
for unchanged articles) and cached per-article parses (:mod:`search.entity_cache`), and hands back
the unchanged articles whose entities changed, for the indexer to rewrite. A run that changes
nothing, with the same aliases file and rules (:func:`fingerprint`), resolves nothing.
"""

from __future__ import annotations

import functools
import hashlib
import logging
from collections.abc import Sequence
from pathlib import Path

from .cachedb import collector_paused
from .compute import Pool
from .entities import PIPELINE_VERSION, Mention, article_text, mentions_for
from .entity_aliases import Aliases, load_aliases
from .entity_cache import ParseCache
from .entity_parse import Parsed, encoded_parses
from .entity_resolve import RESOLUTION_REVISION, resolve_entities, surface_forms_by_facet
from .mentions_cache import MentionCache
from .models import Article
from .progress import progress_bar

log = logging.getLogger(__name__)


def fingerprint(aliases_path: Path | None) -> str:
    """What the resolved entities depend on besides the articles: NER pipeline, rules, aliases file."""
    digest = hashlib.sha256(f"{PIPELINE_VERSION};resolution r{RESOLUTION_REVISION}".encode())
    if aliases_path is not None:
        try:
            digest.update(Path(aliases_path).read_bytes())
        except OSError:
            digest.update(b"unreadable")  # load_aliases reports it when the entities are resolved
    return digest.hexdigest()


def annotate(
    changed: Sequence[Article],
    unchanged: Sequence[Article],
    cache_dir: Path,
    aliases_path: Path | None,
    pool: Pool | None = None,
) -> tuple[list[Article], dict]:
    """Set ``entities`` on every changed article; return the unchanged ones whose entities moved,
    and the surface forms seen per canonical entity (for ``dateline entities``). NER runs on
    ``pool`` (:mod:`search.compute`), in this process by default; the articles NER reads are
    parsed (resolution's first step) where it reads them, and the parses cached as they come."""
    articles = [*changed, *unchanged]
    cache_dir.mkdir(parents=True, exist_ok=True)
    aliases = load_aliases(aliases_path) if aliases_path else Aliases()
    with ParseCache(cache_dir / "parsed.sqlite", fingerprint(aliases_path)) as parsed:
        ready: dict[str, Parsed] = {}  # cache key -> parse of an article NER reads now
        keys: dict[str, str] = {}  # article id -> its cache key, of those articles

        def keep(rows: list[tuple[str, str, bytes]]) -> None:
            parsed.put_encoded({key: row for _, key, row in rows})
            for article_id, key, row in rows:
                ready[key] = parsed.decode(row)
                keys[article_id] = key

        cache = MentionCache(cache_dir / "mentions.sqlite")
        # a bar on a terminal only (disable=None), counting cached articles too
        bar = progress_bar(len(articles), "entities")
        try:
            with bar:
                mentions = mentions_for(articles, cache, progress=bar.update, pool=pool,
                                        after=functools.partial(parse_rows, aliases=aliases), on_after=keep)
            cache.prune()  # rows of older pipeline versions can never hit again
        finally:
            cache.close()
        with collector_paused():
            resolution = resolve_entities(list(zip(articles, mentions, strict=True)), aliases, pool, parsed,
                                          ready, keys)
        parsed.prune()  # rows of other rules or aliases

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


def parse_rows(articles: list[Article], mentions: list[list[Mention]],
               aliases: Aliases) -> list[tuple[str, str, bytes]]:
    """Resolution's first step (:func:`search.entity_parse.parse_batch`) of articles NER just
    read, on the worker that read them: as the parse cache stores it, key and encoded row (the
    indexer stores what it gets), after the article's id (resolution takes the key made here
    instead of hashing the article again)."""
    docs = list(zip(articles, mentions, strict=True))
    return [(article.id, ParseCache.key(article, article_text(article), found), row)
            for (article, found), row in zip(docs, encoded_parses(docs, aliases), strict=True)]
