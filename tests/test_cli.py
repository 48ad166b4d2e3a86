"""The real `dateline` CLI through click's CliRunner."""

import json

import pytest
from click.testing import CliRunner

from search.cli import main


@pytest.fixture(scope="module")
def seed_index(tmp_path_factory, seeds_dir):
    index_dir = tmp_path_factory.mktemp("cli") / "ix"
    result = CliRunner().invoke(main, ["index", str(seeds_dir), "--index", str(index_dir), "--no-entities"])
    assert result.exit_code == 0, result.output
    return index_dir


def run(*args, env=None):
    return CliRunner().invoke(main, [str(a) for a in args], env=env)


def test_index_prints_a_summary(seeds_dir, tmp_path):
    result = run("index", seeds_dir, "--index", tmp_path / "ix", "--no-entities")
    assert result.exit_code == 0
    assert "5 articles (added 5, updated 0, removed 0, unchanged 0, skipped 0)" in result.output
    again = run("index", "--index", tmp_path / "ix", "--no-entities")
    assert "unchanged 5" in again.output


def test_index_json_summary(seeds_dir, tmp_path):
    result = run("index", seeds_dir, "--index", tmp_path / "ix", "--no-entities", "--json")
    stats = json.loads(result.stdout)
    assert stats["added"] == 5 and stats["total"] == 5 and stats["skipped"] == []


def test_search_json_is_one_document(seed_index):
    result = run("search", "balloon", "--index", seed_index, "--json", "--limit", "2")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["total"] >= 3 and len(data["hits"]) == 2
    hit = data["hits"][0]
    assert {"id", "title", "date", "score", "snippet"} <= set(hit)
    assert any(span["match"] for fragment in hit["snippet"] for span in fragment)


def test_search_text_output_and_date_sort(seed_index):
    result = run("search", "--index", seed_index, "--sort", "date")
    assert result.exit_code == 0
    assert result.output.startswith("5 articles (1–5 shown")
    # 004 is the only dated seed, so it leads a newest-first listing
    assert result.output.index("004_b00d15f154702a9b.txt") < result.output.index("000_9fd24cdd38f6fc40.txt")


def test_search_filters_by_date(seed_index):
    result = run("search", "--index", seed_index, "--from", "2023-06-01", "--to", "2023-06-30", "--json")
    assert [h["id"] for h in json.loads(result.stdout)["hits"]] == ["004_b00d15f154702a9b.txt"]


def test_index_from_environment(seed_index):
    result = run("search", "Diaoyutai", "--json", env={"DATELINE_INDEX": str(seed_index)})
    assert json.loads(result.stdout)["total"] >= 3


def test_show_prints_the_clean_article(seed_index):
    result = run("show", "002_6937f6493b2a8ce3.txt", "--index", seed_index)
    assert result.exit_code == 0
    assert result.output.startswith("Blinken meets Jinping in final day of high stakes Beijing visit")
    assert "Leave a Reply" not in result.output
    data = json.loads(run("show", "002_6937f6493b2a8ce3.txt", "--index", seed_index, "--json").stdout)
    assert data["id"] == "002_6937f6493b2a8ce3.txt" and data["paragraphs"]


def test_extract_shows_what_was_dropped_and_why(seeds_dir):
    result = run("extract", seeds_dir / "000_9fd24cdd38f6fc40.txt")
    assert result.exit_code == 0
    assert "contributors: Philip Wang, Jennifer Hansler, Nectar Gan, Martha Zhou" in result.output
    assert "dropped:" in result.output and "For more CNN news" in result.output
    data = json.loads(run("extract", seeds_dir / "004_b00d15f154702a9b.txt", "--json").stdout)
    article = data["articles"][0]
    assert article["date"] == "2023-06-18" and article["title_derived"] is True
    assert len(article["dropped"]) >= 3  # the repeated paragraph and the two teasers


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["search", "x", "--index", "{tmp}/nothing-here"], "No Dateline index"),
        (["search", '"unbalanced w*', "--index", "{ix}"], "too broad"),
        (["search", "x", "--from", "yesterday", "--index", "{ix}"], "is not a date"),
        (["show", "nope.txt", "--index", "{ix}"], "No article 'nope.txt'"),
        (["index", "{tmp}/missing", "--index", "{tmp}/ix2"], "does not exist"),
        (["extract", "{tmp}/missing.txt"], "does not exist"),
    ],
)
def test_errors_are_one_clear_line_without_traceback(seed_index, tmp_path, args, message):
    args = [a.format(tmp=tmp_path, ix=seed_index) for a in args]
    result = run(*args)
    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output


def test_index_remembers_aliases_and_the_entities_setting(seeds_dir, tmp_path):
    aliases = tmp_path / "names.toml"
    aliases.write_text('[rename]\n"Xi Jinping" = "President Xi"\n', encoding="utf-8")
    index_dir = tmp_path / "ix"
    assert run("index", seeds_dir, "--index", index_dir, "--aliases", aliases).exit_code == 0
    assert run("index", "--index", index_dir).exit_code == 0  # no options: as last time
    people = json.loads(run("entities", "--type", "person", "--json", "--index", index_dir).stdout)
    assert "President Xi" in {p["name"] for p in people}

    off = tmp_path / "ix-off"
    run("index", seeds_dir, "--index", off, "--no-entities")
    run("index", "--index", off)  # stays without entities, no NER
    assert json.loads(run("entities", "--type", "person", "--json", "--index", off).stdout) == []


def test_serve_refuses_the_debugger_on_a_public_address(seed_index):
    result = run("serve", "--debug", "--host", "0.0.0.0", "--index", seed_index)
    assert result.exit_code == 2 and "127.0.0.1 only" in result.output


def test_index_adds_a_folder_and_says_what_was_added_and_removed(seeds_dir, tmp_path):
    index_dir = tmp_path / "ix"
    mine = tmp_path / "articles"
    mine.mkdir()
    (mine / "obsidian.txt").write_text("Obsidian trade\n\nAn obsidian trade ring was found in Oaxaca.\n")
    assert run("index", seeds_dir, "--index", index_dir, "--no-entities").exit_code == 0
    added = run("index", mine, "--index", index_dir)
    assert added.exit_code == 0, added.output
    assert "6 articles (added 1, updated 0, removed 0, unchanged 5" in added.output
    assert f"  added {mine}\n" in added.output and str(seeds_dir) in added.output
    removed = run("index", "--remove", mine, "--index", index_dir)
    assert "5 articles (added 0, updated 0, removed 1, unchanged 5" in removed.output
    assert f"  removed {mine} and its articles\n" in removed.output


def test_index_of_a_missing_folder_leaves_nothing_behind(tmp_path):
    result = run("index", tmp_path / "nonexistent", "--index", tmp_path / "new")
    assert result.exit_code == 1 and "nonexistent does not exist" in result.output
    assert not (tmp_path / "new").exists()


def test_serve_on_a_port_in_use_says_so_in_one_line(seed_index):
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = run("serve", "--port", port, "--index", seed_index)
    assert result.exit_code == 1
    assert "Traceback" not in result.output and "serving" not in result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and f"127.0.0.1:{port}" in lines[0] and "--port" in lines[0], result.output


def test_serve_on_an_address_of_another_machine_names_the_option(seed_index):
    result = run("serve", "--host", "192.0.2.1", "--index", seed_index)  # TEST-NET-1: never assigned
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "Cannot serve on 192.0.2.1:5000" in result.output and "--host" in result.output, result.output


def test_search_help_tells_the_default_sort_of_an_empty_query(seed_index):
    help_text = " ".join(run("search", "--help").output.split())
    assert "[default: relevance; newest first for an empty QUERY]" in help_text
    assert "[default: relevance]" not in help_text
    listed = json.loads(run("search", "--json", "--index", seed_index).stdout)
    assert listed["sort"] == "newest"
    ranked = json.loads(run("search", "balloon", "--json", "--index", seed_index).stdout)
    assert ranked["sort"] == "relevance"


def test_extract_names_a_pipe_instead_of_waiting_on_it(tmp_path):
    import os

    os.mkfifo(tmp_path / "f.txt")
    (tmp_path / "nul.txt").write_bytes(b"Obsidian\x00 trade ring in Oaxaca.\n\nBlades were traded.\n")
    result = CliRunner().invoke(main, ["extract", str(tmp_path / "f.txt"), str(tmp_path / "nul.txt")])
    assert result.exit_code == 0, result.output
    assert "skipped f.txt: not a regular file: a named pipe (FIFO)" in result.stderr
    assert "Obsidian trade ring in Oaxaca" in result.stdout
