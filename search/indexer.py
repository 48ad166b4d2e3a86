"""Builds and updates an index: files -> records -> articles -> entities -> index (search.documents).

The index remembers the folders (and files) it was given and indexes them all on every run.
Incremental by default: an article whose content hash is unchanged is not read again, one that
disappeared from the corpus is removed. ``rebuild=True`` (and the first build) writes a new
generation aside and publishes it only when complete (see :mod:`search.store`).
"""

from __future__ import annotations

import logging
import shutil
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import partial
from pathlib import Path

from . import documents, ingest, snapshot, stories
from .clean_cache import CleanCache, clean_records
from .compute import DaskCluster, InProcess, LocalProcesses, Pool, usable_cores
from .errors import InputError
from .models import Article, CorpusRoot, IndexStats, Skipped, SourceRecord
from .progress import progress_bar
from .roots import check_present, plan_roots, roots_from_meta, roots_to_meta
from .store import IndexFolder, read_meta, write_meta
from .story_batch import StoryBatch, clean_and_fingerprint
from .titlecase import AcronymEvidence

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
    remove: Sequence[Path] = (),
    rebuild: bool = False,
    entities: bool | None = None,
    aliases: Path | None = None,
    on_article: Callable[[Article], None] | None = None,
    cluster: str | None = None,
) -> IndexStats:
    """Add ``paths`` to the folders the index holds and bring it up to date with all of them.

    The index remembers its folders (and files): a run indexes them all, the new ones with the
    rest, so indexing a second folder adds it. An article no longer found under them is removed;
    a whole folder only when asked, with ``remove``. ``entities`` and ``aliases`` left unset
    keep what the index was last built with (entities on for a new index; the aliases file
    beside the corpus when none was given). ``cluster`` is a Dask scheduler address (or
    ``local:N``) that cleaning and NER are sent to (:mod:`search.compute`).
    """
    started = time.monotonic()
    folder = IndexFolder(index_dir)
    folder.check_usable()
    ingest.check_paths(paths)  # before anything is made on disk for them
    workers = DaskCluster(cluster) if cluster else None  # an unusable address stops here, before any disk work
    made_folder = not folder.root.exists()
    try:
        with folder.write_lock():
            folder.remove_orphans()  # generations of runs that were killed
            stats = _index_locked(folder, paths, remove, rebuild, entities, aliases, on_article, workers)
    except BaseException:
        if made_folder and not folder.exists():
            shutil.rmtree(folder.root, ignore_errors=True)  # leave nothing behind but an index
        raise
    finally:
        if workers is not None:
            workers.close()
    stats.seconds = time.monotonic() - started
    return stats


def _index_locked(
    folder: IndexFolder,
    paths: Sequence[Path],
    remove: Sequence[Path],
    rebuild: bool,
    entities: bool | None,
    aliases: Path | None,
    on_article: Callable[[Article], None] | None,
    cluster: DaskCluster | None,
) -> IndexStats:
    in_place = folder.exists() and not rebuild
    meta = read_meta(folder.current()) if folder.exists() else {}
    # what the index holds: to update it in place, and the ids a new folder's label must avoid
    sources = documents.stored_sources(folder.current()) if folder.exists() and (in_place or paths) else {}
    plan = plan_roots(roots_from_meta(meta), paths, remove, sources)
    roots = [root.path for root in plan.roots]
    if not roots and not plan.removed:
        raise InputError("No corpus given: name the folder or files to index, e.g. `dateline index seeds`.")
    check_present(plan)  # before a generation is made for them
    if entities is None:
        entities = meta.get("entities", True)
    remembered = Path(meta["aliases"]) if meta.get("aliases") else None
    aliases = aliases or (remembered if remembered and remembered.is_file() else None)
    aliases = aliases or default_aliases_path(roots)

    target = folder.current() if in_place else folder.new_generation()
    try:
        if not in_place:
            documents.create(target)
        settings = {
            **meta,
            "roots": roots_to_meta(plan.roots),
            "aliases": str(aliases) if aliases else None,
            "entities": entities,
            "updated": time.strftime("%Y-%m-%dT%H:%M:%S"),
        }
        stats = _update(target, plan.roots, sources if in_place else None, entities, aliases, folder,
                        on_article, settings, cluster)
        if not in_place:
            folder.publish(target)
    except BaseException:
        if not in_place:
            shutil.rmtree(target, ignore_errors=True)
        raise
    stats.roots_added = [str(r.path) for r in plan.added]
    stats.roots_removed = [str(r.path) for r in plan.removed]
    stats.roots = [str(r) for r in roots]
    return stats


#: records cleaned by a worker at once (one task); in this process, one at a time
CLEANING_BATCH = 64
#: fewest records for which local worker processes (cleaning, NER) pay their start-up
PARALLEL_MIN = 500


def _update(
    target: Path,
    roots: Sequence[CorpusRoot],
    sources: dict[str, tuple[str, str]] | None,
    with_entities: bool,
    aliases: Path | None,
    folder: IndexFolder,
    on_article: Callable[[Article], None] | None,
    settings: dict,
    cluster: DaskCluster | None,
) -> IndexStats:
    """Bring ``target`` up to date with ``roots``: ``sources`` are its articles (id -> content
    hash, source path), None when it is a new generation. Cleaning and NER run on ``cluster``
    when given, else in worker processes for a large corpus; the index and the mention cache are
    written here."""
    stats = IndexStats()
    in_place = sources is not None
    sources = sources or {}
    expected = ingest.count_records(roots)
    pool = cluster or (LocalProcesses() if expected >= PARALLEL_MIN and usable_cores() > 1 else InProcess())
    story = StoryBatch(folder.cache_dir)  # what the story step keeps of the articles (search.story_batch)
    try:
        return _update_with(target, roots, sources, in_place, with_entities, aliases, folder, on_article,
                            settings, pool, stats, expected, story)
    finally:
        story.close()
        if pool is not cluster:
            pool.close()


def _update_with(
    target: Path,
    roots: Sequence[CorpusRoot],
    sources: dict[str, tuple[str, str]],
    in_place: bool,
    with_entities: bool,
    aliases: Path | None,
    folder: IndexFolder,
    on_article: Callable[[Article], None] | None,
    settings: dict,
    pool: Pool,
    stats: IndexStats,
    expected: int,
    story: StoryBatch,
) -> IndexStats:
    seen: set[str] = set()  # ids that stay in the index
    capitals = AcronymEvidence()  # of the new and changed articles' text
    # a new index's titles and bodies are analysed by the cleaning workers (search.bulkwrite)
    analysed: dict[str, bytes] | None = {} if not in_place and pool.workers > 1 else None
    articles = _changed_articles(roots, sources, stats, seen, capitals, pool, expected, folder.cache_dir,
                                 story, analysed)
    if on_article:
        articles = _calling(on_article, articles)

    if with_entities or in_place:
        changed = list(articles)
        refreshed = []
        meta: dict = {}
        if with_entities:
            changed, refreshed, meta = _entities(target, changed, sources, seen, in_place, aliases, folder,
                                                 settings, pool)
        removed = sorted(set(sources) - seen)
        to_write: Iterable[Article] = [*changed, *refreshed]
        count: int | None = len(changed) + len(refreshed)
        if not in_place:  # recorded for the story step as they are written: the first segment starts sooner
            to_write = _calling(story.add, to_write)
        else:
            for article in to_write:
                story.add(article)
            if not stories.has_state(target):  # an index made before stories: group all its articles
                ids = set(story.ids)
                for article in documents.iter_articles(target):
                    if article.id in seen and article.id not in ids:
                        story.add(article)
            if not (changed or refreshed or removed or len(story)):
                # nothing to write: the index, its facet cache and the entities stand as they are
                write_meta(target, {**settings, **meta})
                stats.total = documents.doc_count(target)
                return stats
    else:  # a new generation without entities: articles stream from the reader to the writer
        meta, removed, count = {}, [], None
        to_write = _calling(story.add, articles)  # the story step keeps a compact record of each

    writer = documents.Writer(target, expected=expected if count is None else count)
    try:
        bar = progress_bar(count, "indexing")
        with bar:
            for article in to_write:
                writer.put(article, analysed.pop(article.id, None) if analysed else None)
                bar.update()
        for article_id in removed:
            writer.delete(article_id)
        writer.flush()  # a new index's last terms are written beside the story step
        stats.removed = len(removed)
        # capitals in the new articles' text: how headlines sent in capitals are shown
        known = settings.get("acronyms", []) if in_place else []  # a rebuild starts afresh
        # near-duplicates and stories of the new and changed articles (search.stories)
        story.finish()
        stories.update_stories(target, story, removed, folder.cache_dir,
                               previous=None if in_place or not folder.exists() else folder.current())
        story.clear()  # before the commit builds its arrays
        # the settings go down before the commit: a crash between the two leaves the next run
        # with the new roots over the old articles, which it then brings up to date
        write_meta(target, {**settings, **meta, "acronyms": capitals.merge(known)})
        writer.commit()
    except BaseException:
        writer.cancel()
        raise
    snapshot.save_snapshot(target, writer.arrays())
    stats.total = documents.doc_count(target)
    return stats


def _changed_articles(
    roots: Sequence[CorpusRoot],
    sources: dict[str, tuple[str, str]],
    stats: IndexStats,
    seen: set[str],
    capitals: AcronymEvidence,
    pool: Pool,
    expected: int,
    cache_dir: Path,
    story: StoryBatch,
    analysed: dict[str, bytes] | None = None,
) -> Iterator[Article]:
    """The new and changed articles of ``roots``, cleaned on ``pool`` (or taken from the cache of
    cleaned articles in ``cache_dir``: :mod:`search.clean_cache`), in corpus order; counts the
    rest in ``stats`` and the ids that stay in ``seen``. Body fingerprints made with the cleaning
    go to ``story``. With ``analysed``, the pool also analyses each article's texts for the writer
    (:func:`search.documents.analyse`; cached with the article), kept there by id."""

    def records_to_clean() -> Iterator[SourceRecord]:
        read: set[str] = set()
        bar = progress_bar(expected, "reading")
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
                if item.id in sources and sources[item.id][0] == item.content_hash:
                    stats.unchanged += 1
                    seen.add(item.id)
                    continue
                yield item

    batch = CLEANING_BATCH if pool.workers > 1 else 1
    work = partial(clean_for_index, analyse=analysed is not None, signatures=str(story.cache_path))
    with CleanCache(cache_dir / "cleaned.sqlite") as cache:
        for article, fingerprinted in clean_records(records_to_clean(), pool, batch, cache, work):
            if isinstance(article, tuple):  # an article with its analysis
                article, analysis = article
                if analysed is not None:
                    analysed[article.id] = analysis
            if isinstance(article, Skipped):
                stats.skipped.append(article)
                continue
            if fingerprinted:  # cleaned now: its body's fingerprint (else the story step reads the cache)
                story.fingerprinted(article.id, *fingerprinted)
            seen.add(article.id)
            if article.id in sources:
                stats.updated += 1
            else:
                stats.added += 1
            capitals.add(article.body)
            yield article
        cache.prune()  # rows of other cleaning code


def clean_for_index(records: list[SourceRecord], analyse: bool, signatures: str | None) -> list[tuple]:
    """A worker's unit of work (:func:`search.clean_cache.clean_records`): each record cleaned,
    with (for a new index) its texts analysed for the writer, beside its body's fingerprint and
    signature-cache row (:func:`search.story_batch.clean_and_fingerprint`)."""
    return [((item, documents.analyse(item)) if analyse and isinstance(item, Article) else item,
             (fingerprint, row) if fingerprint is not None else None)
            for item, fingerprint, row in clean_and_fingerprint(records, signatures)]


def _calling(callback: Callable[[Article], None], articles: Iterable[Article]) -> Iterator[Article]:
    for article in articles:
        callback(article)
        yield article


def _entities(
    target: Path,
    changed: list[Article],
    sources: dict[str, tuple[str, str]],
    seen: set[str],
    in_place: bool,
    aliases: Path | None,
    folder: IndexFolder,
    settings: dict,
    pool: Pool,
) -> tuple[list[Article], list[Article], dict]:
    """Entities of the changed articles, and the unchanged ones whose entities moved (to rewrite)."""
    from .entity_pass import annotate, fingerprint  # spaCy loads only when entities are wanted

    # nothing added, updated or removed, same aliases and rules: nothing to re-resolve
    previous, settings["entity_fingerprint"] = settings.get("entity_fingerprint"), fingerprint(aliases)
    removed = set(sources) - seen
    if not (changed or removed or not in_place or previous != settings["entity_fingerprint"]):
        return changed, [], {}
    changed_ids = {a.id for a in changed}
    unchanged = [
        a for a in (documents.iter_articles(target) if in_place else ())
        if a.id in seen and a.id not in changed_ids
    ]

    refreshed, meta = annotate(changed, unchanged, folder.cache_dir, aliases, pool)
    return changed, refreshed, meta


def _articles_from(sources: dict[str, tuple[str, str]], path: str) -> set[str]:
    """Ids of the indexed articles that came from file ``path`` (``path:LINE`` for JSONL), or
    from under folder ``path``."""
    return {
        article_id for article_id, (_, source) in sources.items()
        if source == path or source.startswith((path + ":", path + "/"))
    }

