"""The indexer on a real on-disk index: incremental updates, rebuilds, failures, kills."""

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import psutil
import pytest

from search import InputError, index_corpus, open_index
from search.bulkwrite import can_write_in_background
from search.store import IndexFolder


def ids(index_dir: Path) -> set[str]:
    results = open_index(index_dir).search("", per_page=100)
    return {hit.id for hit in results.hits}


def test_first_build_indexes_every_seed(corpus, tmp_path):
    stats = index_corpus(tmp_path / "ix", [corpus], entities=False)
    assert (stats.added, stats.updated, stats.removed, stats.total) == (5, 0, 0, 5)
    assert ids(tmp_path / "ix") == {p.name for p in corpus.glob("*.txt")}


def test_incremental_update_detects_new_changed_and_deleted_files(corpus, tmp_path):
    index_dir = tmp_path / "ix"
    index_corpus(index_dir, [corpus], entities=False)
    reader = open_index(index_dir)  # opened before the update, like a running server
    assert reader.search("zeppelin").total == 0

    again = index_corpus(index_dir, [corpus], entities=False)
    assert (again.added, again.updated, again.removed, again.unchanged) == (0, 0, 0, 5)

    (corpus / "001_3e90bc608dfce535.txt").unlink()
    changed = corpus / "000_9fd24cdd38f6fc40.txt"
    changed.write_text(changed.read_text(encoding="utf-8") + "\n\nA zeppelin appeared over the talks.\n",
                       encoding="utf-8")
    (corpus / "new.txt").write_text("Zeppelin sighted\n\nA zeppelin was sighted over Beijing on Monday.\n",
                                    encoding="utf-8")

    stats = index_corpus(index_dir, [], entities=False)  # no paths: the roots indexed last time
    assert (stats.added, stats.updated, stats.removed, stats.unchanged) == (1, 1, 1, 3)
    index = open_index(index_dir)
    assert {h.id for h in index.search("zeppelin").hits} == {"000_9fd24cdd38f6fc40.txt", "new.txt"}
    assert index.get("001_3e90bc608dfce535.txt") is None
    assert index.search("").total == 5
    assert {h.id for h in reader.search("zeppelin").hits} == {"000_9fd24cdd38f6fc40.txt", "new.txt"}
    assert reader.search("").total == 5 and reader.get("001_3e90bc608dfce535.txt") is None


def test_rebuild_swaps_in_a_new_generation_and_keeps_the_previous(corpus, tmp_path):
    index_dir = tmp_path / "ix"
    index_corpus(index_dir, [corpus], entities=False)
    folder = IndexFolder(index_dir)
    first = folder.current_name()
    reader = open_index(index_dir)
    assert reader.search("balloon").total > 0

    index_corpus(index_dir, [corpus], rebuild=True, entities=False)
    second = folder.current_name()
    assert second != first
    assert sorted(p.name for p in (index_dir / "generations").iterdir()) == sorted([first, second])
    # an index opened before the rebuild follows the swap by itself
    time.sleep(1.1)
    assert reader.info().generation == second
    assert reader.search("balloon").total > 0


def test_failed_rebuild_leaves_the_previous_index_serving(corpus, tmp_path):
    index_dir = tmp_path / "ix"
    index_corpus(index_dir, [corpus], entities=False)
    before = IndexFolder(index_dir).current_name()

    def explode(article):
        if article.id.startswith("003"):
            raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError):
        index_corpus(index_dir, [corpus], rebuild=True, entities=False, on_article=explode)
    assert IndexFolder(index_dir).current_name() == before
    assert [p.name for p in (index_dir / "generations").iterdir()] == [before]
    assert open_index(index_dir).search("").total == 5


def copies_of_a_seed(corpus: Path, folder: Path, count: int) -> Path:
    """A folder of ``count`` text files, each a seed article under its own headline."""
    folder.mkdir()
    text = (corpus / "000_9fd24cdd38f6fc40.txt").read_text(encoding="utf-8")
    for n in range(count):
        (folder / f"{n:05}.txt").write_text(f"Copy {n}\n\n{text}", encoding="utf-8")
    return folder


def test_sigkill_during_rebuild_leaves_the_previous_index_serving(tmp_path, corpus):
    index_dir = tmp_path / "ix"
    index_corpus(index_dir, [corpus], entities=False)
    before = IndexFolder(index_dir).current_name()
    big = copies_of_a_seed(corpus, tmp_path / "big", 3000)  # still being rebuilt when it is killed
    script = textwrap.dedent(f"""
        from pathlib import Path
        from search import index_corpus
        index_corpus(Path({str(index_dir)!r}), [Path({str(big)!r})], rebuild=True, entities=False)
    """)
    process = subprocess.Popen([sys.executable, "-c", script])
    generations = index_dir / "generations"
    deadline = time.monotonic() + 60
    while len(list(generations.iterdir())) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)
    # its worker processes (cleaning) have started
    while len(psutil.Process(process.pid).children()) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    workers = psutil.Process(process.pid).children(recursive=True)
    assert process.poll() is None, "the rebuild finished before it could be killed"
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    # and none of them outlives it, waiting for work forever
    _, alive = psutil.wait_procs(workers, timeout=10)
    assert len(workers) >= 2 and not alive, alive

    assert IndexFolder(index_dir).current_name() == before
    index = open_index(index_dir)
    assert index.search("").total == 5
    assert index.search("balloon").total > 0
    # the next run cleans up the half-written generation and works
    stats = index_corpus(index_dir, [corpus], rebuild=True, entities=False)
    assert stats.total == 5
    assert len(list(generations.iterdir())) == 2


@pytest.mark.skipif(not can_write_in_background(), reason="segments are written in-process here")
def test_sigkill_while_segments_are_written_in_the_background_leaves_no_writer(tmp_path, corpus):
    index_dir = tmp_path / "ix"
    big = copies_of_a_seed(corpus, tmp_path / "big", 1200)  # written in the background: over 1,000
    script = textwrap.dedent(f"""
        import time
        from pathlib import Path
        from search import bulkwrite, index_corpus
        write = bulkwrite._SegmentTask.write
        def slow_write(self, in_child=False):  # a segment writer still at work when its parent dies
            time.sleep(60)
            return write(self, in_child)
        bulkwrite._SegmentTask.write = slow_write
        index_corpus(Path({str(index_dir)!r}), [Path({str(big)!r})], entities=False)
    """)
    process = subprocess.Popen([sys.executable, "-c", script])
    parent = psutil.Process(process.pid)

    def segment_writers():  # forked: the parent's command line, unlike the spawned cleaning workers
        found = []
        for child in parent.children():
            with contextlib.suppress(psutil.Error):  # one that has just ended
                if "multiprocessing" not in " ".join(child.cmdline()):
                    found.append(child)
        return found

    deadline = time.monotonic() + 60
    writers = []
    while not writers and process.poll() is None and time.monotonic() < deadline:
        seen = segment_writers()
        time.sleep(0.3)  # a worker being spawned shows its parent's command line until it execs
        writers = [child for child in segment_writers() if child in seen]
    assert writers and process.poll() is None, (process.poll(), [c.cmdline()[:3] for c in parent.children()])
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    _, alive = psutil.wait_procs(writers, timeout=10)
    assert not alive, alive
    # nothing was published, and the next run works
    assert not IndexFolder(index_dir).exists()
    assert index_corpus(index_dir, [corpus], entities=False).total == 5


def test_bad_paths_give_clear_errors(tmp_path):
    with pytest.raises(InputError, match="does-not-exist"):
        index_corpus(tmp_path / "ix", [tmp_path / "does-not-exist"], entities=False)
    with pytest.raises(InputError, match="No corpus given"):
        index_corpus(tmp_path / "ix", [], entities=False)
    assert not (tmp_path / "ix" / "CURRENT").exists()


def test_refuses_to_write_into_a_folder_that_is_not_an_index(tmp_path, corpus):
    target = tmp_path / "documents"
    target.mkdir()
    (target / "thesis.docx").write_text("precious", encoding="utf-8")
    with pytest.raises(InputError, match="not empty"):
        index_corpus(target, [corpus], entities=False)
    assert (target / "thesis.docx").read_text(encoding="utf-8") == "precious"


def test_skipped_files_are_reported_with_reasons(tmp_path, corpus):
    (corpus / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    (corpus / "empty.txt").write_bytes(b"")
    stats = index_corpus(tmp_path / "ix", [corpus], entities=False)
    assert stats.total == 5
    reasons = {Path(s.path).name: s.reason for s in stats.skipped}
    assert set(reasons) == {"image.txt", "empty.txt"}


def test_reuters_jsonl_indexes(tmp_path, reuters_path):
    stats = index_corpus(tmp_path / "ix", [reuters_path], entities=False)
    # 2,535 Reuters lines (BRIEF and UNPROC) carry neither title nor body: skipped, with a reason
    assert stats.total == 19_043
    assert len(stats.skipped) == 2_535
    index = open_index(tmp_path / "ix")
    results = index.search("cocoa", per_page=5)
    assert results.total > 50
    assert all(hit.date is not None for hit in results.hits)
    newest = index.search("", sort="newest", per_page=1).hits[0]
    assert newest.date.year == 1987


def test_facet_cache_is_saved_per_commit_and_loaded_by_readers(corpus, tmp_path, monkeypatch):
    from search import snapshot

    index_dir = tmp_path / "ix"
    index_corpus(index_dir, [corpus], entities=False)
    (corpus / "new.txt").write_text("Zeppelin\n\nA zeppelin over Beijing.\n", encoding="utf-8")
    index_corpus(index_dir, [corpus], entities=False)
    generation = IndexFolder(index_dir).current()
    assert len(list(generation.glob("facets-*.npz"))) == 1  # the latest commit's only

    def no_build(self, reader):
        raise AssertionError("a reader rebuilt the facet cache although the indexer saved it")

    monkeypatch.setattr(snapshot.Snapshot, "_build_live_and_days", no_build)
    index = open_index(index_dir)
    assert index.search("").total == 6
    assert {c.value for c in index.search("").facets["contributor"]} >= {"Philip Wang", "Nectar Gan"}


def test_a_file_that_cannot_be_read_this_time_keeps_its_articles(tmp_path):
    import gzip
    import json

    corpus = tmp_path / "feed"
    corpus.mkdir()
    lines = [json.dumps({"id": f"a{n}", "title": f"Story {n}", "body": f"Harbour news number {n}. " * 40})
             for n in range(300)]
    feed = corpus / "feed.jsonl.gz"
    feed.write_bytes(gzip.compress("\n".join(lines).encode()))
    index_dir = tmp_path / "ix"
    assert index_corpus(index_dir, [corpus], entities=False).total == 300

    feed.write_bytes(feed.read_bytes()[: len(feed.read_bytes()) // 2])  # a copy still in progress
    stats = index_corpus(index_dir, [corpus], entities=False)
    assert any("corrupt gzip" in s.reason for s in stats.skipped)
    assert stats.removed == 0 and stats.total == 300


def test_indexing_a_second_folder_adds_it_and_remove_takes_it_out(corpus, tmp_path):
    index_dir = tmp_path / "ix"
    index_corpus(index_dir, [corpus], entities=False)
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "obsidian.txt").write_text("Obsidian trade\n\nAn obsidian trade ring was found in Oaxaca.\n")
    stats = index_corpus(index_dir, [mine], entities=False)
    assert (stats.added, stats.removed, stats.unchanged, stats.total) == (1, 0, 5, 6)
    assert stats.roots_added == [str(mine)] and stats.roots == [str(corpus), str(mine)]
    # a run without paths scans both; a held folder given again adds nothing
    assert index_corpus(index_dir, [], entities=False).unchanged == 6
    assert index_corpus(index_dir, [mine], entities=False).roots_added == []

    with pytest.raises(InputError, match="does not hold"):
        index_corpus(index_dir, remove=[tmp_path / "elsewhere"], entities=False)
    stats = index_corpus(index_dir, remove=[corpus], entities=False)
    assert (stats.removed, stats.total, stats.roots_removed) == (5, 1, [str(corpus)])
    assert ids(index_dir) == {"mine/obsidian.txt"}  # its ids keep their label: its URLs still work


def test_a_held_folder_that_disappeared_is_an_error_not_a_loss(corpus, tmp_path):
    index_dir = tmp_path / "ix"
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "a.txt").write_text("Grain\n\nGrain prices rose on Tuesday.\n")
    index_corpus(index_dir, [corpus, mine], entities=False)
    shutil.rmtree(mine)
    with pytest.raises(InputError, match=r"no longer exists.*--remove"):
        index_corpus(index_dir, [], entities=False)
    assert open_index(index_dir).search("").total == 6  # nothing lost
    assert index_corpus(index_dir, remove=[mine], entities=False).total == 5


def test_a_missing_corpus_leaves_no_index_folder_behind(tmp_path):
    with pytest.raises(InputError, match="nonexistent"):
        index_corpus(tmp_path / "new", [tmp_path / "nonexistent"], entities=False)
    assert not (tmp_path / "new").exists()


def test_leftovers_of_killed_runs_are_cleaned_at_the_next_start(corpus, tmp_path):
    # a first build killed before it published: only .lock and a generation remain
    index_dir = tmp_path / "ix"
    (index_dir / "generations" / "20260101-000000-deadbeef").mkdir(parents=True)
    (index_dir / ".lock").touch()
    index_corpus(index_dir, [corpus], entities=False)
    folder = IndexFolder(index_dir)
    first = folder.current_name()
    assert [p.name for p in (index_dir / "generations").iterdir()] == [first]
    index_corpus(index_dir, [corpus], rebuild=True, entities=False)
    second = folder.current_name()
    # a rebuild killed after this one started: a newer generation that never went live
    orphan = index_dir / "generations" / "29991231-235959-0badf00d"
    orphan.mkdir()
    (orphan / "MAIN_1.toc").write_text("half written")
    index_corpus(index_dir, [], entities=False)  # an incremental run, no rebuild
    assert sorted(p.name for p in (index_dir / "generations").iterdir()) == sorted([first, second])


def test_a_link_whose_target_is_gone_for_now_keeps_its_article(tmp_path):
    corpus, drive = tmp_path / "corpus", tmp_path / "drive"
    corpus.mkdir()
    drive.mkdir()
    (drive / "story.txt").write_text("Grain\n\nGrain prices rose on Tuesday.\n")
    (corpus / "story.txt").symlink_to(drive / "story.txt")
    (corpus / "own.txt").write_text("Steel\n\nSteel output fell.\n")
    index_corpus(tmp_path / "ix", [corpus], entities=False)
    (drive / "story.txt").rename(drive / "moved.txt")  # the drive is not mounted, say
    stats = index_corpus(tmp_path / "ix", [], entities=False)
    assert (stats.removed, stats.total) == (0, 2)
    assert [s.path for s in stats.skipped] == ["story.txt"]


def test_a_folder_that_cannot_be_read_this_time_keeps_its_articles(tmp_path, monkeypatch):
    corpus = tmp_path / "corpus"
    (corpus / "locked").mkdir(parents=True)
    (corpus / "locked" / "a.txt").write_text("Grain\n\nGrain prices rose on Tuesday.\n")
    (corpus / "b.txt").write_text("Steel\n\nSteel output fell.\n")
    index_corpus(tmp_path / "ix", [corpus], entities=False)
    # permissions do not stop root, who runs CI: the folder's listing fails as chmod 000 would
    real_scandir = os.scandir

    def scandir(path="."):
        if Path(path) == corpus / "locked":
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    stats = index_corpus(tmp_path / "ix", [], entities=False)
    assert (stats.removed, stats.total) == (0, 2)
    assert [(s.path, s.reason) for s in stats.skipped] == [("locked", "cannot read folder: Permission denied")]
