"""`dateline index --cluster`: cleaning and NER on a real Dask LocalCluster (worker processes).

The index built through a cluster must equal a plain run's; a worker killed while it runs an NER
task loses no article; a scheduler that goes away, or an address where none answers, stops the run
with a one-line error naming the option and leaves the index as it was.
"""

from __future__ import annotations

import gzip
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from search import index_corpus, open_index
from search.cli import main
from search.compute import ClusterError
from search.documents import iter_articles
from search.store import GENERATIONS, IndexFolder

distributed = pytest.importorskip("distributed")

ARTICLES = 120


@pytest.fixture(scope="module")
def wire(tmp_path_factory, reuters_path) -> Path:
    """The first Reuters articles with text, with one line that is not an article."""
    folder = tmp_path_factory.mktemp("wire")
    lines = []
    with gzip.open(reuters_path, "rt", encoding="utf-8") as source:
        for line in source:
            if json.loads(line).get("body"):
                lines.append(line)
            if len(lines) == ARTICLES:
                break
    lines.insert(7, "{not json\n")
    (folder / "wire.jsonl").write_text("".join(lines), encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def plain(tmp_path_factory, wire) -> dict:
    index_dir = tmp_path_factory.mktemp("plain") / "index"
    index_corpus(index_dir, [wire])
    return _contents(index_dir)


def _contents(index_dir: Path) -> dict:
    """Every article as stored (all fields, facet values included), by id."""
    current = IndexFolder(index_dir).current()
    return {article.id: article for article in iter_articles(current)}


@pytest.fixture
def cluster():
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
    try:
        yield cluster
    finally:
        cluster.close()


def test_a_cluster_gives_the_same_index_as_a_plain_run(tmp_path, wire, plain):
    index_dir = tmp_path / "index"
    result = CliRunner().invoke(main, ["index", str(wire), "--index", str(index_dir), "--cluster", "local:2"])
    assert result.exit_code == 0, result.output
    assert f"{ARTICLES:,} articles (added {ARTICLES:,}" in result.output
    assert "skipped 1: malformed JSON" in result.output
    clustered = _contents(index_dir)
    assert clustered.keys() == plain.keys()
    assert clustered == plain  # every field, entities and facet values included
    people = {name for article in plain.values() for name in article.entities.people}
    assert len(people) > 20  # NER did run: the comparison covers real facet values
    assert open_index(index_dir).search("oil").total == open_index(index_dir).search("oil").total > 0


def test_a_worker_killed_during_ner_loses_no_article(tmp_path, wire, plain, cluster):
    client = distributed.Client(cluster)
    pids = client.run(os.getpid)  # worker address -> process id
    killed: list[str] = []
    done = threading.Event()

    def kill_a_worker_running_ner():
        while not done.is_set() and not killed:
            for address, keys in client.processing().items():
                if any("find_then" in str(key) for key in keys):  # NER, then the parse of its mentions
                    os.kill(pids[address], signal.SIGKILL)
                    killed.append(address)
                    return
            time.sleep(0.05)

    killer = threading.Thread(target=kill_a_worker_running_ner, daemon=True)
    killer.start()
    try:
        stats = index_corpus(tmp_path / "index", [wire], cluster=cluster.scheduler_address)
    finally:
        done.set()
        killer.join()
        client.close()
    assert killed, "no NER task was seen running: the test killed nothing"
    assert stats.added == ARTICLES
    assert _contents(tmp_path / "index") == plain


def test_a_scheduler_that_goes_away_fails_the_run_and_keeps_the_index(tmp_path, wire, seeds_dir):
    index_dir = tmp_path / "index"
    index_corpus(index_dir, [seeds_dir], entities=False)
    before = _contents(index_dir)
    generation = IndexFolder(index_dir).current_name()
    scheduler = subprocess.Popen(
        [sys.executable, "-c", (
            "import time, distributed\n"
            "cluster = distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True,"
            " dashboard_address=None)\n"
            "print(cluster.scheduler_address, flush=True)\n"
            "time.sleep(600)\n"
        )],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, start_new_session=True,
    )
    try:
        address = scheduler.stdout.readline().strip()
        assert address.startswith("tcp://")

        def scheduler_goes_away(article):
            if scheduler.poll() is None:
                os.killpg(scheduler.pid, signal.SIGKILL)
                scheduler.wait()

        with pytest.raises(ClusterError) as error:
            index_corpus(index_dir, [seeds_dir, wire], rebuild=True, entities=True, cluster=address,
                         on_article=scheduler_goes_away)
    finally:
        if scheduler.poll() is None:
            os.killpg(scheduler.pid, signal.SIGKILL)
        scheduler.wait()
    message = str(error.value)
    assert message.startswith(f"--cluster {address}:") and "\n" not in message
    assert "index is as it was" in message
    folder = IndexFolder(index_dir)
    assert folder.current_name() == generation
    assert _contents(index_dir) == before
    assert [p.name for p in (folder.root / GENERATIONS).iterdir()] == [generation]  # the new one is gone


@pytest.mark.parametrize("address, says", [
    ("tcp://127.0.0.1:9", "no Dask scheduler answers there"),
    ("local:0", "local:N takes a number of worker processes"),
    ("nonsense", "no Dask scheduler answers there"),
])
def test_an_unusable_cluster_address_is_a_one_line_error_naming_the_option(tmp_path, seeds_dir, address, says):
    index_dir = tmp_path / "index"
    result = CliRunner().invoke(main, ["index", str(seeds_dir), "--index", str(index_dir), "--cluster", address])
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: --cluster {address}: ")
    assert says in result.output
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1
    assert not index_dir.exists()  # nothing made on disk
