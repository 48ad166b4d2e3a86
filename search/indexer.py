"""Builds and updates an index: files -> records -> articles -> entities -> backend.

Incremental by default: an article whose content hash is unchanged is not read again, one that
disappeared from the corpus is removed. ``rebuild=True`` (and the first build) writes a new
generation aside and publishes it only when complete (see :mod:`search.store`).
"""

from __future__ import annotations

import logging
import shutil
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from . import backend, ingest
from .errors import InputError
from .extract import article_or_reason
from .models import Article, IndexStats, Skipped
from .progress import progress_bar
from .store import IndexFolder, read_meta, write_meta

log = logging.getLogger(__name__)

ALIASES_FILE = "aliases.toml"


def default_aliases_path(roots: Sequence[Path]) -> Path | None:
    for root in roots:
        candidate = (root if root.is_dir() else root.parent) / ALIASES_FILE
        if candidate.is_file():
            return candidate
    return None


def index_corpus(
    index_dir: Path,
    paths: Sequence[Path] = (),
    *,
    rebuild: bool = False,
    entities: bool | None = None,
    aliases: Path | None = None,
    on_article: Callable[[Article], None] | None = None,
) -> IndexStats:
    """Index ``paths`` into ``index_dir`` (the corpus folders last indexed when ``paths`` is empty).

    The index mirrors the given paths: articles no longer found under them are removed.
    ``entities`` and ``aliases`` left unset keep what the index was last built with (entities
    on for a new index; the aliases file beside the corpus when none was given).
    """
    started = time.monotonic()
    folder = IndexFolder(index_dir)
    folder.check_usable()
    with folder.write_lock():
        in_place = folder.exists() and not rebuild
        meta = read_meta(folder.current()) if folder.exists() else {}
        roots = [Path(p) for p in paths] or [Path(p) for p in meta.get("roots", [])]
        if not roots:
            raise InputError("No corpus given: name the folder or files to index, e.g. `dateline index seeds`.")
        ingest.check_paths(roots)  # before a generation is made for them
        if entities is None:
            entities = meta.get("entities", True)
        remembered = Path(meta["aliases"]) if meta.get("aliases") else None
        aliases = aliases or (remembered if remembered and remembered.is_file() else None)
        aliases = aliases or default_aliases_path(roots)

        target = folder.current() if in_place else folder.new_generation()
        try:
            if not in_place:
                backend.create(target)
            settings = {
                **meta,
                "roots": [str(r.resolve()) for r in roots],
                "aliases": str(aliases) if aliases else None,
                "entities": entities,
                "updated": time.strftime("%Y-%m-%dT%H:%M:%S"),
            }
            stats = _update(target, roots, in_place, entities, aliases, folder, on_article, settings)
            if not in_place:
                folder.publish(target)
        except BaseException:
            if not in_place:
                shutil.rmtree(target, ignore_errors=True)
            raise
    result: IndexStats = stats
    result.seconds = time.monotonic() - started
    return result


def _update(
    target: Path,
    roots: Sequence[Path],
    in_place: bool,
    with_entities: bool,
    aliases: Path | None,
    folder: IndexFolder,
    on_article: Callable[[Article], None] | None,
    settings: dict,
) -> IndexStats:
    stats = IndexStats()
    sources = backend.stored_sources(target) if in_place else {}
    stored = {article_id: content_hash for article_id, (content_hash, _) in sources.items()}
    read: set[str] = set()
    seen: set[str] = set()  # ids that stay in the index
    changed: list[Article] = []

    bar = progress_bar(ingest.count_records(roots), "reading")
    with bar:
        for item in ingest.iter_records(roots):
            bar.update()
            if isinstance(item, Skipped):
                log.info("skipped %s: %s", item.path, item.reason)  # the summary groups them by reason
                stats.skipped.append(item)
                if item.unreadable:  # keep what the index has from it rather than remove it
                    seen.update(_articles_from(sources, item.path))
                continue
            if item.id in read:
                stats.skipped.append(Skipped(item.path, f"duplicate id {item.id!r}: kept the first"))
                continue
            read.add(item.id)
            if stored.get(item.id) == item.content_hash:
                stats.unchanged += 1
                seen.add(item.id)
                continue
            article = article_or_reason(item)
            if isinstance(article, Skipped):
                stats.skipped.append(article)
                continue
            seen.add(item.id)
            if item.id in stored:
                stats.updated += 1
            else:
                stats.added += 1
            changed.append(article)
            if on_article:
                on_article(article)
    removed = sorted(set(stored) - seen)
    stats.removed = len(removed)

    meta: dict = {}
    refreshed: list[Article] = []
    if with_entities:
        from .entity_pass import annotate  # spaCy loads only when entities are wanted

        changed_ids = {a.id for a in changed}
        unchanged = [
            a for a in (backend.iter_articles(target) if in_place else ())
            if a.id in seen and a.id not in changed_ids
        ]
        refreshed, meta = annotate(changed, unchanged, folder.cache_dir, aliases)

    writer = backend.Writer(target)
    try:
        bar = progress_bar(len(changed) + len(refreshed), "indexing")
        with bar:
            for article in [*changed, *refreshed]:
                writer.put(article)
                bar.update()
        for article_id in removed:
            writer.delete(article_id)
        # the settings go down before the commit: a crash between the two leaves the next run
        # with the new roots over the old articles, which it then brings up to date
        write_meta(target, {**settings, **meta})
        writer.commit()
    except BaseException:
        writer.cancel()
        raise
    backend.save_snapshot(target)
    stats.total = backend.doc_count(target)
    return stats


def _articles_from(sources: dict[str, tuple[str, str]], path: str) -> set[str]:
    """Ids of the indexed articles that came from file ``path`` (``path:LINE`` for JSONL)."""
    return {
        article_id for article_id, (_, source) in sources.items()
        if source == path or source.startswith(path + ":")
    }

