"""The bulk writer makes the index Whoosh's own writer makes: same terms, postings, term
statistics, stored fields, lengths and columns (read back through Whoosh), on real articles."""

import gzip
import itertools
import json
import threading

import numpy as np
import pytest
from whoosh import index

from search import bulkwrite, documents, segmentformat
from search.bulkwrite import BulkWriter
from search.extract import extract_article
from search.ingest import iter_records
from search.models import FACETS, SourceRecord
from search.postings import Postings
from search.snapshot import Snapshot
from search.textanalysis import FastTextField, analyse_texts, fast_fields

#: text that stresses the tokenizer, lower-casing and position numbering
HARD_TEXTS = [
    "",
    "a",
    "I am a b c d e",  # single letters dropped, positions renumbered from the first kept word
    "x Hello hello HELLO world",  # the first kept word keeps its place (1), the rest follow
    "3.141 big-time under_score e.g. U.S. a.b.c. ..dots.. 1,000,000 $5.50 *star* wild*card",
    "ΟΔΥΣΣΕΥΣ ΣΙΣΥΦΟΣ σοφός Σ",  # Greek capital sigma lowers differently at the end of a word
    "İstanbul İİ ǅemal ß STRASSE ﬁnance Ǆ",  # characters whose lower case is longer or special
    "naïve café coöperate résumé e\u0301te\u0301",  # precomposed and combining accents
    "日本語のテキスト 中文 한국어 עברית العربية",
    "emoji 😀 sign ™ ① ² ½ Ⅻ",
    "the of and to be or not to be may will",  # stop words: indexed unstemmed
    "running runs ran runner generously generous generation",
    "tab\tnew\nline\r\nnbsp\u00a0zero\u200bwidth",
]


background = pytest.mark.skipif(not bulkwrite.can_write_in_background(),
                                reason="segments are written by forked children on Linux with two cores or more")


def reuters_articles(reuters_path, folder, count):
    corpus = folder / "reuters.jsonl"
    with gzip.open(reuters_path, "rt", encoding="utf-8") as source:
        kept = [line for line in itertools.islice(source, count * 2) if json.loads(line).get("body")][:count]
    corpus.write_text("".join(kept), encoding="utf-8")
    return [extract_article(r) for r in iter_records([corpus]) if isinstance(r, SourceRecord)]


def generated(number, title, body):
    return extract_article(SourceRecord(id=f"g{number}", path="gen.jsonl", kind="json", text=body,
                                        content_hash=f"h{number}", meta={"title": title}))


def seed_articles(seeds_dir):
    return [extract_article(r) for r in iter_records([seeds_dir]) if isinstance(r, SourceRecord)]


def whoosh_view(directory):
    """Everything a reader can see of an index, in comparable form."""
    ix = index.open_dir(str(directory))
    reader = ix.reader()
    try:
        terms = {}
        for field, term in reader.all_terms():
            if field.startswith("spell_"):  # the spelling word list: its words are what counts
                terms[field, term] = True
                continue
            info = reader.term_info(field, term)
            matcher = reader.postings(field, term)
            postings = []
            while matcher.is_active():
                postings.append((matcher.id(), matcher.weight(), matcher.value()))
                matcher.next()
            terms[field, term] = (info.weight(), info.doc_frequency(), info.min_length(), info.max_length(),
                                  info.max_weight(), info.min_id(), info.max_id(), postings)
        size = reader.doc_count_all()
        return {
            "count": size,
            "terms": terms,
            "stored": list(reader.all_stored_fields()),
            "lengths": {f: [reader.doc_field_length(d, f) for d in range(size)] for f in ("title", "body")},
            "totals": {f: reader.field_length(f) for f in ("title", "body")},
            "dates": list(reader.column_reader("date", translate=False)) if reader.has_column("date") else [],
        }
    finally:
        reader.close()
        ix.close()


def write_with_whoosh(directory, articles):
    documents.create(directory)
    ix = index.open_dir(str(directory))
    writer = ix.writer(compound=False)
    for article in articles:
        writer.add_document(**documents.article_to_document(article))
    writer.commit()
    ix.close()


def write_in_bulk(directory, articles):
    documents.create(directory)
    writer = documents.Writer(directory)
    for article in articles:
        writer.put(article)
    writer.commit()


def assert_same_index(tmp_path, articles):
    write_with_whoosh(tmp_path / "whoosh", articles)
    write_in_bulk(tmp_path / "bulk", articles)
    assert not list((tmp_path / "bulk").glob("*.tmp"))  # no scratch folder left behind
    expected, got = whoosh_view(tmp_path / "whoosh"), whoosh_view(tmp_path / "bulk")
    assert got["count"] == expected["count"] == len(articles)
    assert set(got["terms"]) == set(expected["terms"])
    differing = [key for key in expected["terms"] if expected["terms"][key] != got["terms"][key]]
    assert not differing, differing[:5]
    assert got == expected


def test_same_index_as_whoosh_on_the_seeds(tmp_path, seeds_dir):
    assert_same_index(tmp_path, seed_articles(seeds_dir))


@pytest.mark.parametrize("list_batch", [65536, 7])
def test_same_index_as_whoosh_on_reuters(tmp_path, reuters_path, monkeypatch, list_batch):
    # 400 wire articles: numbers, tables, capitals, terms in many documents (several blocks)
    monkeypatch.setattr(segmentformat, "LIST_BATCH", list_batch)  # postings taken a few terms at a time
    articles = reuters_articles(reuters_path, tmp_path, 400)
    assert_same_index(tmp_path, articles)


def test_terms_in_more_documents_than_a_block_holds(tmp_path, seeds_dir):
    base = seed_articles(seeds_dir)[0]
    articles = []
    for number in range(300):  # "common" in all 300 (three blocks of 128), "rare<n>" in one each
        articles.append(generated(number, f"Common title {number}", f"common words and rare{number} ones. "
                                  + base.body[:200]))
    assert_same_index(tmp_path, articles)


@pytest.mark.parametrize("text", HARD_TEXTS)
def test_fast_analysis_is_the_analysers(text):
    schema = documents.make_schema()
    for name in documents.SEARCH_FIELDS:
        field = schema[name]
        fast = FastTextField.for_field(field)
        assert fast is not None
        done = fast.analyse(text)
        expected = sorted(field.index(text))  # (term, frequency, weight, encoded positions)
        boost = field.format.field_boost
        assert sorted(zip(done.terms, [round(w / boost) for w in done.weights], done.weights, done.values,
                          strict=True)) == expected
        assert done.length == sum(freq for _, freq, _, _ in expected)
        assert sorted(done.spelling) == [w.encode("utf-8") for w in field.spellable_words(text)]


def test_other_fields_and_fractional_weights_index_as_whoosh_indexes_them(tmp_path):
    # a boost of 0.1 makes weights whose sums depend on the order of the additions: the term
    # totals must be Whoosh's (block by block, in document order), in terms of several blocks too
    from whoosh import fields
    from whoosh.analysis import StandardAnalyzer

    schema = fields.Schema(text=fields.TEXT(analyzer=StandardAnalyzer(), field_boost=0.1, stored=True),
                           tag=fields.KEYWORD(stored=True))
    rng = np.random.default_rng(3)
    words = ["alpha", "beta", "gamma", "delta", "epsilon"]
    docs = [{"text": " ".join(rng.choice(words, rng.integers(1, 40)).tolist()),
             "tag": f"t{n % 7} u{n % 3}" if n % 2 else [f"t{n % 7}", f"v{n % 5}"]}  # lists: values no dict keeps
            for n in range(600)]
    views = []
    for name, bulk in (("whoosh", False), ("bulk", True)):
        (tmp_path / name).mkdir()
        ix = index.create_in(str(tmp_path / name), schema)
        writer = BulkWriter(ix, background=False) if bulk else ix.writer()
        for doc in docs:
            if bulk:
                writer.add_document(doc)
            else:
                writer.add_document(**doc)
        writer.commit()
        with ix.reader() as reader:
            views.append({(f, t): (reader.term_info(f, t).weight(), reader.term_info(f, t).max_weight(),
                                   reader.term_info(f, t).min_length(), reader.term_info(f, t).max_length(),
                                   list(reader.postings(f, t).items_as("weight")))
                          for f, t in reader.all_terms()})
    assert views[0] == views[1]
    assert any(len(postings) > 128 for *_, postings in views[0].values())  # several blocks


@pytest.mark.parametrize("value", ["", "a", "Bank of Japan\nBank of Japan\nFed", "x y  x\ty", "Ünïcode\nünïcode\n\n",
                                   "\n", "  lead, comma,x ", "İstanbul ǅemal\nß", "日本語\n中文 中文"])
def test_other_fields_terms_are_whooshs(value):
    # ids and facet lines skip Whoosh's token generators: the same terms, weights, values, lengths
    from whoosh import fields
    from whoosh.analysis import IDTokenizer, LowercaseFilter, RegexTokenizer

    from search.fieldterms import index_terms

    schema = documents.make_schema()
    others = [schema["id"], schema["content_hash"], *(schema[name] for name in FACETS),
              fields.KEYWORD(scorable=True, field_boost=1.5), fields.KEYWORD(commas=True, lowercase=True),
              fields.ID(analyzer=IDTokenizer() | LowercaseFilter()),
              fields.KEYWORD(analyzer=RegexTokenizer(r"(\w)\w*")),
              fields.KEYWORD(analyzer=RegexTokenizer(r"\s+", gaps=True))]
    for field in others:
        expected = list(field.index(value))
        terms, weights, encoded, length = index_terms(field, value)
        got = sorted(zip(terms, weights, encoded, strict=True))
        assert got == sorted((term, weight, code) for term, _, weight, code in expected)
        assert [type(w) for _, w, _ in got] == [type(w) for _, _, w, _ in sorted(expected)]
        assert length == (sum(freq for _, freq, _, _ in expected) if field.scorable else 0)


def test_term_totals_are_the_block_by_block_sums():
    # W3TermInfo.add_block: each block's weights summed in order, then the blocks' sums in order
    rng = np.random.default_rng(5)
    counts = rng.integers(1, 400, 300)
    bounds = np.concatenate(([0], np.cumsum(counts)))
    block_starts = np.concatenate([np.arange(start, stop, 128) for start, stop in itertools.pairwise(bounds)])
    block_ends = np.append(block_starts[1:], bounds[-1])
    term_blocks = np.searchsorted(block_starts, bounds)
    for weights in (rng.random(bounds[-1]) * 3, rng.integers(1, 9, bounds[-1]).astype(np.float64)):
        listed = weights.tolist()
        expected = []
        for first, last in itertools.pairwise(term_blocks):
            total = 0.0
            for block in range(first, last):
                total += sum(listed[block_starts[block]:block_ends[block]])
            expected.append(total)
        assert segmentformat._term_totals(weights, bounds, block_starts, block_ends, term_blocks) == expected
    fractional = rng.random(bounds[-1]) * 3
    assert np.add.reduceat(fractional, bounds[:-1]).tolist() != \
        segmentformat._term_totals(fractional, bounds, block_starts, block_ends, term_blocks)  # order matters


def test_positions_are_encoded_as_the_positions_format_encodes_them():
    from whoosh.formats import Positions

    from search.textanalysis import _encode

    rng = np.random.default_rng(7)
    lists = [[0], [5], [0, 1], [3, 300, 70_000, 5_000_000], list(range(1, 2500)), list(range(0, 3000, 7))]
    lists += [sorted(set(rng.integers(0, 10 ** rng.integers(1, 8), rng.integers(1, 40)).tolist())) for _ in range(300)]
    assert all(_encode(positions) == Positions().encode(positions) for positions in lists)


def test_a_lookup_makes_each_value_once_and_stays_bounded():
    from search import lookup

    made = []
    squares = lookup.Lookup(lambda word: made.append(word) or len(word) ** 2, size=3)
    assert list(map(squares.__getitem__, ["ab", "abc", "ab", "abc"])) == [4, 9, 4, 9]
    assert made == ["ab", "abc"]
    assert [squares[w] for w in ["a", "abcd", "abcde", "ab"]] == [1, 16, 25, 4]
    assert len(squares) <= 3


def test_hard_texts_index_as_whoosh_indexes_them(tmp_path):
    articles = [generated(n, text[:40] or "untitled", text or "empty") for n, text in enumerate(HARD_TEXTS)]
    assert_same_index(tmp_path, articles)


def test_other_analysers_are_left_to_whoosh():
    from whoosh import fields
    from whoosh.analysis import StandardAnalyzer

    assert FastTextField.for_field(fields.TEXT(analyzer=StandardAnalyzer())) is None
    assert FastTextField.for_field(fields.KEYWORD()) is None


def test_a_large_build_is_written_as_several_segments(tmp_path, seeds_dir, monkeypatch):
    articles = seed_articles(seeds_dir)
    monkeypatch.setattr(bulkwrite, "SEGMENT_TEXT", 2000)  # a segment every few articles
    write_in_bulk(tmp_path / "bulk", articles)
    ix = index.open_dir(str(tmp_path / "bulk"))
    try:
        assert len(ix._segments()) > 2
    finally:
        ix.close()
    monkeypatch.setattr(bulkwrite, "SEGMENT_TEXT", 10**9)
    write_with_whoosh(tmp_path / "whoosh", articles)
    many, one = whoosh_view(tmp_path / "bulk"), whoosh_view(tmp_path / "whoosh")
    # segments renumber nothing: the same documents, stored fields and lengths in the same order,
    # and every term finds the same documents
    assert many["stored"] == one["stored"] and many["lengths"] == one["lengths"]
    assert {k: [p[:2] for p in v[7]] for k, v in many["terms"].items() if v is not True} == \
        {k: [p[:2] for p in v[7]] for k, v in one["terms"].items() if v is not True}


def write_in_background(directory, articles, monkeypatch):
    """As :func:`write_in_bulk`, the segments written by child processes."""
    monkeypatch.setattr(bulkwrite, "BACKGROUND_MIN", 0)
    documents.create(directory)
    writer = documents.Writer(directory, expected=len(articles))
    assert writer._writer._children is not None
    try:
        for article in articles:
            writer.put(article)
        writer.flush()
        assert writer._writer._children  # the last segment is still being written
        writer.commit()
    except BaseException:  # as the indexer does
        writer.cancel()
        raise
    return writer


@background
def test_segments_written_in_the_background_hold_the_same_index(tmp_path, reuters_path, monkeypatch):
    articles = reuters_articles(reuters_path, tmp_path, 400)
    writer = write_in_background(tmp_path / "background", articles, monkeypatch)
    ix = index.open_dir(str(tmp_path / "background"))
    try:
        assert [s.doc_count_all() for s in ix._segments()] == [200, 200]  # halves of what was expected
    finally:
        ix.close()
    # byte for byte what this process writes when it closes a segment at the same document
    documents.create(tmp_path / "here")
    here = documents.Writer(tmp_path / "here")
    for number, article in enumerate(articles):
        here.put(article)
        if number == 199:
            here.flush()
    here.commit()
    assert whoosh_view(tmp_path / "background") == whoosh_view(tmp_path / "here")
    write_with_whoosh(tmp_path / "whoosh", articles)
    got, expected = whoosh_view(tmp_path / "background"), whoosh_view(tmp_path / "whoosh")
    assert got["stored"] == expected["stored"] and got["lengths"] == expected["lengths"]
    assert got["totals"] == expected["totals"] and got["dates"] == expected["dates"]
    # every term: the same documents, weights and positions (statistics are per segment)
    assert {k: v[7] for k, v in got["terms"].items() if v is not True} == \
        {k: v[7] for k, v in expected["terms"].items() if v is not True}
    kept, ids, spelling = writer.arrays()
    assert ids == [a.id for a in articles]
    with index.open_dir(str(tmp_path / "background")).reader() as reader:
        arrays_equal(kept, Postings.build(reader, list(documents.ARRAY_FIELDS),
                                          np.ones(reader.doc_count_all(), dtype=bool)))
        assert spelling == Snapshot(reader)._words(reader)


class _Unpicklable(Exception):
    def __init__(self, message):
        super().__init__(message)
        self.held = threading.Lock()  # a lock does not pickle


def _failure(kind):
    import errno
    import os
    import signal

    def write_field(*args):  # runs in the child
        if kind == "killed":
            os.kill(os.getpid(), signal.SIGKILL)
        raise OSError(errno.ENOSPC, "No space left on device") if kind == "disk full" else _Unpicklable("odd")
    return write_field


@background
@pytest.mark.parametrize(("failure", "says"), [("disk full", "No space left"), ("killed", "stopped .exit code -9"),
                                               ("odd error", "writing an index segment failed: _Unpicklable")])
def test_a_failed_background_segment_fails_the_commit_cleanly(tmp_path, seeds_dir, monkeypatch, failure, says):
    monkeypatch.setattr(bulkwrite, "write_field", _failure(failure))
    with pytest.raises(OSError, match=says):
        write_in_background(tmp_path / "ix", seed_articles(seeds_dir), monkeypatch)
    assert documents.doc_count(tmp_path / "ix") == 0  # nothing published
    assert not (tmp_path / "ix" / ".bulk-arrays").exists() and not list((tmp_path / "ix").glob("*.tmp"))
    monkeypatch.undo()
    write_in_bulk(tmp_path / "ix", seed_articles(seeds_dir))  # and the lock was let go
    assert documents.doc_count(tmp_path / "ix") == len(seed_articles(seeds_dir))


@background
def test_an_interrupted_commit_stops_the_segment_writers(tmp_path, seeds_dir, monkeypatch):
    import multiprocessing.connection
    import time

    write = bulkwrite._SegmentTask.write

    def slow_write(self, in_child=False):  # still at work when the indexer is interrupted
        time.sleep(3)
        return write(self, in_child)

    def interrupted(self):
        raise KeyboardInterrupt

    monkeypatch.setattr(bulkwrite._SegmentTask, "write", slow_write)
    monkeypatch.setattr(multiprocessing.connection.Connection, "recv", interrupted)
    started = []
    start = bulkwrite._Child.__init__
    monkeypatch.setattr(bulkwrite._Child, "__init__", lambda self, *a: started.append(self) or start(self, *a))
    with pytest.raises(KeyboardInterrupt):
        write_in_background(tmp_path / "ix", seed_articles(seeds_dir), monkeypatch)
    assert started and not any(child._process.is_alive() for child in started)
    files = sorted(p.name for p in (tmp_path / "ix").iterdir())
    time.sleep(3.5)  # nothing is written after the run gave up
    assert sorted(p.name for p in (tmp_path / "ix").iterdir()) == files


@background
def test_segments_closed_for_memory_are_written_one_at_a_time(tmp_path, seeds_dir, monkeypatch):
    monkeypatch.setattr(bulkwrite, "SEGMENT_TEXT", 3000)  # each segment closes full
    in_flight, live = [], []
    start, result = bulkwrite._Child.__init__, bulkwrite._Child.result

    def starting(self, task, text):
        in_flight.append(len(live))
        live.append(self)
        start(self, task, text)

    def collected(self):
        live.remove(self)
        return result(self)

    monkeypatch.setattr(bulkwrite._Child, "__init__", starting)
    monkeypatch.setattr(bulkwrite._Child, "result", collected)
    articles = seed_articles(seeds_dir)
    writer = write_in_background(tmp_path / "ix", articles, monkeypatch)
    assert len(in_flight) > 2 and set(in_flight) == {0}  # the one before had been collected
    with index.open_dir(str(tmp_path / "ix")).searcher() as searcher:
        assert searcher.doc_count() == len(articles) == len(writer.arrays().ids)


def test_a_cancelled_bulk_write_publishes_nothing(tmp_path, seeds_dir):
    documents.create(tmp_path / "ix")
    writer = documents.Writer(tmp_path / "ix")
    for article in seed_articles(seeds_dir):
        writer.put(article)
    writer.cancel()
    assert documents.doc_count(tmp_path / "ix") == 0
    write_in_bulk(tmp_path / "ix2", seed_articles(seeds_dir))  # and the lock was let go
    writer = documents.Writer(tmp_path / "ix2")  # an existing index: Whoosh's writer
    assert not isinstance(writer._writer, BulkWriter)
    writer.cancel()


def with_facets(articles):
    """The articles with entity facets: shared, per-article and multi-valued ones."""
    from search.models import Entities

    for number, article in enumerate(articles):
        article.entities = Entities(people=["Ann Lee", f"Person {number % 7}"], orgs=[f"Org {number % 3}"],
                                    places=["Paris"] if number % 2 else [], mentioned_dates=[])
    return articles


def arrays_equal(a, b):
    assert set(a.fields) == set(b.fields)
    for name in a.fields:
        x, y = a.fields[name], b.fields[name]
        for part in ("terms", "offsets", "docs", "weights", "df"):
            assert np.array_equal(getattr(x, part), getattr(y, part)), (name, part)
            assert getattr(x, part).dtype == getattr(y, part).dtype, (name, part)
        assert (x.lengths is None) == (y.lengths is None), name
        if x.lengths is not None:
            assert np.array_equal(x.lengths, y.lengths), name
        assert x.avgfl == pytest.approx(y.avgfl, rel=1e-12) and x.doc_count_all == y.doc_count_all, name


@pytest.mark.parametrize(("segment_text", "in_background"),
                         [(10**9, False), (3000, False), pytest.param(10**9, True, marks=background)])
def test_postings_arrays_kept_while_writing_are_those_read_back(tmp_path, seeds_dir, monkeypatch, segment_text,
                                                                 in_background):
    monkeypatch.setattr(bulkwrite, "SEGMENT_TEXT", segment_text)
    monkeypatch.setattr(bulkwrite, "BACKGROUND_MIN", 0 if in_background else 10**9)
    articles = with_facets(seed_articles(seeds_dir) + [generated(n, f"Title {n}", f"body words {n} common")
                                                       for n in range(40)])
    documents.create(tmp_path / "ix")
    writer = documents.Writer(tmp_path / "ix", expected=len(articles))
    for article in articles:
        writer.put(article)
    writer.commit()
    written = writer.arrays()
    kept, ids = written.postings, written.ids
    assert not (tmp_path / "ix" / ".bulk-arrays").exists()  # where the segments' arrays waited
    ix = index.open_dir(str(tmp_path / "ix"))
    try:
        reader = ix.reader()
        assert (len(ix._segments()) > 1) == (segment_text < 10**9 or in_background)
        read = Postings.build(reader, list(documents.ARRAY_FIELDS), np.ones(reader.doc_count_all(), dtype=bool))
        arrays_equal(kept, read)
        assert ids == [a.id for a in articles]
        # and the facet pairs made from them are those the facet postings give
        snapshot = Snapshot(reader, written=written)
        assert written.spelling == Snapshot(reader)._words(reader)  # as read from the index
        for name in FACETS:
            expected = [(term.decode("utf-8"), sorted(reader.postings(name, term).all_ids()))
                        for term in reader.lexicon(name)]
            facet = snapshot.facets[name]
            got = [(value, sorted(facet.docs[facet.value_ids == number].tolist()))
                   for number, value in enumerate(facet.values)]
            assert got == expected, name
        assert snapshot.facets["person"].find("ann lee") is not None
        reader.close()
    finally:
        ix.close()


def test_texts_analysed_by_the_cleaning_workers_give_the_same_index(tmp_path, seeds_dir, monkeypatch):
    from search import indexer
    from search.store import IndexFolder

    index_corpus = indexer.index_corpus
    index_corpus(tmp_path / "here", [seeds_dir], entities=False)  # a few articles: cleaned in this process
    monkeypatch.setattr(indexer, "PARALLEL_MIN", 1)
    analysed_ahead = analyses_given(monkeypatch)
    index_corpus(tmp_path / "workers", [seeds_dir], entities=False)  # on two spawned worker processes
    assert analysed_ahead and all(analysed_ahead)  # every article came with its analysis
    here = whoosh_view(IndexFolder(tmp_path / "here").current())
    there = whoosh_view(IndexFolder(tmp_path / "workers").current())
    assert here == there


def test_an_analysis_of_other_text_is_not_used(tmp_path):
    documents.create(tmp_path / "ix")
    ix = index.open_dir(str(tmp_path / "ix"))
    writer = BulkWriter(ix)
    stale = analyse_texts(fast_fields(writer.schema), {"body": "zeppelins over the harbour"})
    writer.add_document({"id": "a", "title": "Balloons", "body": "balloons over the harbour"}, stale)
    writer.commit()
    with ix.searcher() as searcher:
        assert set(searcher.lexicon("body")) == {b"balloon", b"harbour", b"over", b"the"}
    ix.close()


def test_a_new_index_saves_the_ids_its_writer_kept(tmp_path, seeds_dir):
    from search import indexer
    from search.snapshot import Snapshot
    from search.store import IndexFolder

    indexer.index_corpus(tmp_path / "ix", [seeds_dir], entities=False)
    generation = IndexFolder(tmp_path / "ix").current()
    ix = index.open_dir(str(generation))
    reader = ix.reader()
    try:
        saved = Snapshot(reader, generation).ids(reader)
        read = Snapshot(reader).ids(reader)  # no directory: read from the id postings
        assert saved == read and len(saved) == reader.doc_count_all() and all(saved)
    finally:
        reader.close()
        ix.close()


def test_a_rebuild_takes_the_analysis_from_the_cleaned_article_cache(tmp_path, seeds_dir, monkeypatch):
    from search import indexer
    from search.store import IndexFolder

    monkeypatch.setattr(indexer, "PARALLEL_MIN", 1)  # cleaned (and analysed) on worker processes
    indexer.index_corpus(tmp_path / "ix", [seeds_dir], entities=False)
    first = whoosh_view(IndexFolder(tmp_path / "ix").current())
    given = analyses_given(monkeypatch)
    monkeypatch.setattr(indexer, "clean_for_index", _must_not_clean)
    indexer.index_corpus(tmp_path / "ix", [seeds_dir], rebuild=True, entities=False)
    assert given and all(given)  # every article's analysis came from the cache
    assert whoosh_view(IndexFolder(tmp_path / "ix").current()) == first


def analyses_given(monkeypatch) -> list:
    """The analyses the writer is handed, one per article put (None: it analyses itself)."""
    given = []
    put = documents.Writer.put

    def noting_put(self, article, analysed=None):
        given.append(analysed)
        put(self, article, analysed)

    monkeypatch.setattr(documents.Writer, "put", noting_put)
    return given


def _must_not_clean(records, **_):
    raise AssertionError(f"{len(records)} records cleaned again")


@background
def test_a_build_written_in_the_background_searches_as_one_written_here(tmp_path, reuters_path, monkeypatch):
    from click.testing import CliRunner

    from search import open_index
    from search.cli import main
    from search.store import IndexFolder

    corpus = tmp_path / "wire"
    corpus.mkdir()
    reuters_articles(reuters_path, corpus, 400)
    built = {}
    for where, least in (("here", 10**9), ("background", 0)):
        monkeypatch.setattr(bulkwrite, "BACKGROUND_MIN", least)
        result = CliRunner().invoke(main, ["index", str(corpus), "--index", str(tmp_path / where), "--no-entities"])
        assert result.exit_code == 0, result.output
        assert "400 articles (added 400" in result.output
        built[where] = IndexFolder(tmp_path / where).current()
    segments = index.open_dir(str(built["background"]))
    assert [s.doc_count_all() for s in segments._segments()] == [200, 200]
    segments.close()
    here, there = whoosh_view(built["here"]), whoosh_view(built["background"])
    assert there["stored"] == here["stored"] and there["lengths"] == here["lengths"]
    assert {k: v[7] for k, v in there["terms"].items() if v is not True} == \
        {k: v[7] for k, v in here["terms"].items() if v is not True}
    # what a reader gets: ranked hits, snippets, facets, stories, suggestions
    for query in ("oil prices", '"trade deficit"', "bank -rates", "wheat OR grain", "petrolium"):
        a, b = open_index(tmp_path / "here").search(query), open_index(tmp_path / "background").search(query)
        assert a.total == b.total
        assert a.total or a.suggestion
        assert [(h.id, h.score, h.snippet, h.story) for h in a.hits] == [(h.id, h.score, h.snippet, h.story)
                                                                         for h in b.hits]
        assert a.facets == b.facets and a.date_histogram == b.date_histogram and a.suggestion == b.suggestion
    # and Whoosh's writer updates it in place like any other index
    oil = open_index(tmp_path / "background").search("oil prices").total
    (corpus / "new.txt").write_text("Zeppelin fleet grounded\n\nThe zeppelin fleet stayed grounded on Monday.",
                                    encoding="utf-8")
    result = CliRunner().invoke(main, ["index", str(corpus), "--index", str(tmp_path / "background"), "--no-entities"])
    assert result.exit_code == 0, result.output
    assert "401 articles (added 1" in result.output
    updated = open_index(tmp_path / "background")
    assert updated.search("zeppelin").total == 1 and updated.search("oil prices").total == oil


def test_term_table_refuses_keys_out_of_order(tmp_path):
    """Rows go in a batch at a time, with Whoosh's own check that keys increase kept."""
    from whoosh.filedb.filestore import FileStorage
    from whoosh.filedb.filetables import OrderedHashWriter

    from search.segmentformat import _TermTable

    table = _TermTable(OrderedHashWriter(FileStorage(str(tmp_path)).create_file("terms")), b"\x00\x01")
    table.add([b"b", b"c"], [b"x", b"y"])
    table.add([], [])
    with pytest.raises(ValueError, match="Keys must increase"):
        table.add([b"a"], [b"z"])
