"""An index of several folders on a real index on disk: ids that never clash, labels that stay,
and one article indexed once."""

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from search import InputError, index_corpus, open_index
from search.cli import main
from search.store import IndexFolder, read_meta, write_meta

SEED = "000_9fd24cdd38f6fc40.txt"


def ids(index_dir: Path) -> set[str]:
    return {hit.id for hit in open_index(index_dir).search("", per_page=100).hits}


def folder_of(path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (path / name).parent.mkdir(parents=True, exist_ok=True)
        (path / name).write_text(text, encoding="utf-8")
    return path


def feed(*records: tuple[str, str]) -> str:
    return "".join(json.dumps({"id": i, "title": t, "body": f"{t}. " * 20}) + "\n" for i, t in records)


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def test_folders_with_the_same_file_names_and_record_ids_are_all_indexed(corpus, tmp_path):
    index_dir = tmp_path / "ix"
    index_corpus(index_dir, [corpus], entities=False)
    before = ids(index_dir)
    reports = folder_of(tmp_path / "reports", {
        SEED: "Walrus colony\n\nA walrus colony returned to the bay.\n",
        "index.html": "<html><head><title>Heron count</title></head><body><article><h1>Heron count</h1>"
                      "<p>Volunteers counted herons along the river on Sunday morning.</p></article></body></html>",
        "feed.jsonl": feed(("1", "Lynx tracks"), ("2", "Bison herd")),
    })
    wire = folder_of(tmp_path / "elsewhere" / "wire", {"feed.jsonl": feed(("1", "Marten den"), ("2", "Ibex climb"))})
    stats = index_corpus(index_dir, [reports, wire], entities=False)
    assert (stats.added, stats.unchanged, stats.skipped, stats.total) == (6, 5, [], 11)
    assert ids(index_dir) == before | {
        f"reports/{SEED}", "reports/index.html", "reports/1", "reports/2", "wire/1", "wire/2",
    }
    index = open_index(index_dir)
    assert index.get(SEED).title != "Walrus colony"  # the first folder's ids are as they were
    assert index.get(f"reports/{SEED}").title == "Walrus colony"
    assert (index.get("reports/1").title, index.get("wire/1").title) == ("Lynx tracks", "Marten den")
    assert index.get("reports/index.html").title == "Heron count"
    assert [r["label"] for r in read_meta(IndexFolder(index_dir).current())["roots"]] == ["", "reports", "wire"]
    assert index.info().roots == [str(corpus), str(reports), str(wire)]

    # the index remembers the labels: later runs, a removal and a re-add keep every id
    assert index_corpus(index_dir, [], entities=False).unchanged == 11
    assert index_corpus(index_dir, remove=[reports], entities=False).total == 7
    index_corpus(index_dir, [reports], entities=False)
    assert ids(index_dir) == before | {
        f"reports/{SEED}", "reports/index.html", "reports/1", "reports/2", "wire/1", "wire/2",
    }


def test_a_label_never_meets_a_path_of_the_first_folder_or_another_label(corpus, tmp_path):
    index_dir = tmp_path / "ix"
    folder_of(corpus, {"reports/a.txt": "Grain\n\nGrain prices rose on Tuesday.\n"})
    (corpus / "feed.jsonl").write_text(feed(("reports-2/b.txt", "Tin output")), encoding="utf-8")
    index_corpus(index_dir, [corpus], entities=False)
    one = folder_of(tmp_path / "one" / "reports", {"a.txt": "Steel\n\nSteel output fell.\n",
                                                   "b.txt": "Coal\n\nCoal stocks grew.\n"})
    two = folder_of(tmp_path / "two" / "reports", {"a.txt": "Zinc\n\nZinc prices slid.\n"})
    # a file given on its own is labelled by its name without its type
    single = folder_of(tmp_path / "three", {"reports.jsonl": feed(("a.txt", "Nickel rally"))}) / "reports.jsonl"
    stats = index_corpus(index_dir, [one, two, single], entities=False)
    assert stats.skipped == [] and stats.added == 4
    index = open_index(index_dir)
    assert index.get("reports/a.txt").title == "Grain"
    assert index.get("reports-2/b.txt").title == "Tin output"  # a record id of the first folder
    assert index.get("reports-3/a.txt").title == "Steel"
    assert index.get("reports-3/b.txt").title == "Coal"
    assert index.get("reports-4/a.txt").title == "Zinc"
    assert index.get("reports-5/a.txt").title == "Nickel rally"


def test_an_index_made_before_labels_keeps_its_ids_and_labels_the_folders_added_later(corpus, tmp_path):
    index_dir = tmp_path / "ix"
    index_corpus(index_dir, [corpus], entities=False)
    generation = IndexFolder(index_dir).current()
    write_meta(generation, {**read_meta(generation), "roots": [str(corpus)]})  # as older versions wrote it
    mine = folder_of(tmp_path / "mine", {SEED: "Walrus colony\n\nA walrus colony returned to the bay.\n"})
    stats = index_corpus(index_dir, [mine], entities=False)
    assert (stats.added, stats.unchanged, stats.removed) == (1, 5, 0)
    assert open_index(index_dir).get(f"mine/{SEED}").title == "Walrus colony"


def test_a_folder_inside_or_around_a_held_one_is_refused_naming_both(corpus, tmp_path):
    index_dir = tmp_path / "ix"
    (corpus / "sub").mkdir()
    (corpus / "sub" / "a.txt").write_text("Grain\n\nGrain prices rose on Tuesday.\n")
    index_corpus(index_dir, [corpus], entities=False)
    generation = IndexFolder(index_dir).current_name()

    with pytest.raises(InputError, match=rf"{corpus / 'sub'} is inside {corpus}, .*--remove {corpus}"):
        index_corpus(index_dir, [corpus / "sub"], entities=False)
    with pytest.raises(InputError, match=rf"{tmp_path} holds {corpus}, .*--remove {corpus}`, then add"):
        index_corpus(index_dir, [tmp_path], entities=False)
    (tmp_path / "link-to-sub").symlink_to(corpus / "sub")
    with pytest.raises(InputError, match="is inside"):
        index_corpus(index_dir, [tmp_path / "link-to-sub"], entities=False)
    # the same folder reached through a link is the folder the index holds: nothing to add
    (tmp_path / "link").symlink_to(corpus)
    stats = index_corpus(index_dir, [tmp_path / "link"], entities=False)
    assert (stats.roots_added, stats.unchanged, stats.total) == ([], 6, 6)
    assert IndexFolder(index_dir).current_name() == generation

    result = run("index", corpus / "sub", "--index", index_dir)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1 and str(corpus) in result.output


def test_a_file_linked_into_another_folder_is_indexed_once(corpus, tmp_path):
    index_dir = tmp_path / "ix"
    index_corpus(index_dir, [corpus], entities=False)
    mine = folder_of(tmp_path / "mine", {"own.txt": "Steel\n\nSteel output fell.\n"})
    (mine / "seed.txt").symlink_to(corpus / SEED)
    (mine / "all-seeds").symlink_to(corpus)
    stats = index_corpus(index_dir, [mine], entities=False)
    assert (stats.added, stats.total) == (1, 6)
    assert {s.path for s in stats.skipped} == {"mine/seed.txt"} | {f"mine/all-seeds/{p.name}" for p in corpus.iterdir()}
    assert {s.reason for s in stats.skipped} == {"the same file as one in a folder indexed before (a link to it?)"}


@pytest.fixture
def labelled_index(corpus, tmp_path) -> Path:
    """The seeds, then a folder whose name and record ids need escaping in a URL."""
    index_dir = tmp_path / "ix"
    index_corpus(index_dir, [corpus], entities=False)
    news = folder_of(tmp_path / "Nouvelles & news #1", {
        SEED: "Walrus colony\n\nA walrus colony returned to the bay.\n",
        "feed.jsonl": feed(("a b?c#d%20e", "Heron <count>")),
    })
    index_corpus(index_dir, [news], entities=False)
    return index_dir


def test_labelled_ids_work_in_the_web_pages_and_api(labelled_index):
    from web import create_app

    client = create_app({"INDEX_PATH": str(labelled_index), "TESTING": True}).test_client()
    page = client.get("/?q=walrus").get_data(as_text=True)
    href = f'href="/article/Nouvelles-news-1/{SEED}?q=walrus"'
    assert href in page
    article = client.get(f"/article/Nouvelles-news-1/{SEED}")
    assert article.status_code == 200 and "Walrus colony" in article.get_data(as_text=True)
    assert "Walrus" not in client.get(f"/article/{SEED}").get_data(as_text=True)  # the seed's own

    page = client.get("/?q=heron").get_data(as_text=True)
    link = page.split('href="/article/Nouvelles-news-1/a', 1)[1].split('"', 1)[0]
    assert "?" not in link.split("?q=")[0] and "#" not in link  # escaped, so the id reaches the server
    response = client.get("/article/Nouvelles-news-1/a" + link.replace("&amp;", "&"))
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and "Heron &lt;count&gt;" in text and "<count>" not in text
    api = client.get("/api/article/Nouvelles-news-1/a%20b%3Fc%23d%2520e").get_json()
    assert (api["id"], api["title"]) == ("Nouvelles-news-1/a b?c#d%20e", "Heron <count>")


def test_labelled_ids_work_in_cli_show_and_search(labelled_index):
    shown = run("show", f"Nouvelles-news-1/{SEED}", "--index", labelled_index)
    assert shown.exit_code == 0 and "Walrus colony" in shown.output
    assert f"id: Nouvelles-news-1/{SEED}" in shown.output
    assert "Walrus" not in run("show", SEED, "--index", labelled_index).output
    found = run("search", "heron", "--index", labelled_index)
    assert "Nouvelles-news-1/a b?c#d%20e" in found.output
