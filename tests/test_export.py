"""Exports: every hit of a search as CSV or JSON lines, from the API, the CLI and the Python API."""

from __future__ import annotations

import csv
import io
import json

import pytest
from click.testing import CliRunner

import search.service
from search import export, index_corpus, open_index
from search.cli import main
from web import create_app

HOSTILE = [
    ("formula/eq", "=HYPERLINK(\"http://evil.example\",\"click\")", "The zebra story one."),
    ("formula/plus", "+41 says the zebra keeper", "Zebra keepers talk about zebra food."),
    ("formula/minus", "-3 degrees at the zebra park", "A cold night for the zebra herd."),
    ("formula/at", "@SUM(A1:A9) zebra", "The zebra accounts, with a NUL\x00 and a bell\x07 in it."),
    ("formula/quote", 'Zebra "quoted", with, commas\nand a newline', "The zebra paragraph."),
]


@pytest.fixture(scope="module")
def hostile_index(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile_export")
    lines = [
        json.dumps({"id": ident, "title": title, "body": body, "date": f"2024-01-{n + 1:02d}",
                    "source": "=cmd|' /C calc'!A0", "url": f"https://news.example/{n}"})
        for n, (ident, title, body) in enumerate(HOSTILE)
    ]
    (folder / "hostile.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    path = tmp_path_factory.mktemp("hostile_index") / "index"
    index_corpus(path, [folder], entities=False)
    return path


def csv_rows(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


def test_api_export_csv_has_every_hit_in_search_order(web_client):
    total = web_client.get("/api/search?q=officials").get_json()["total"]
    ids = [hit["id"] for page in (1, 2, 3)
           for hit in web_client.get(f"/api/search?q=officials&per_page={total // 3 + 1}&page={page}")
           .get_json()["hits"]]
    response = web_client.get("/api/export?q=officials&format=csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"  # one charset, not two
    assert response.headers["Content-Disposition"] == 'attachment; filename="dateline-results.csv"'
    text = response.get_data(as_text=True)
    assert text.splitlines()[0] == ",".join(export.COLUMNS)
    rows = csv_rows(text)
    assert [row["id"] for row in rows] == ids and len(rows) == total
    first = rows[0]
    assert float(first["score"]) > 0 and "officials" in first["snippet"].lower()
    assert first["date"].startswith("2023-") and first["url"].startswith("https://news.example/")


def test_api_export_follows_filters_and_sort(web_client):
    rows = csv_rows(web_client.get("/api/export?source=AFP&sort=oldest").get_data(as_text=True))
    expected = web_client.get("/api/search?source=AFP&sort=oldest&per_page=100").get_json()
    assert [r["id"] for r in rows] == [h["id"] for h in expected["hits"]] and len(rows) == expected["total"]
    assert {r["source"] for r in rows} == {"AFP"}
    assert [r["date"] for r in rows] == sorted(r["date"] for r in rows)
    assert all(r["score"] == "" for r in rows)  # no relevance without a query


def test_api_export_jsonl(web_client):
    response = web_client.get("/api/export?q=tariffs&format=jsonl")
    assert response.headers["Content-Type"] == "application/x-ndjson; charset=utf-8"
    records = [json.loads(line) for line in response.get_data(as_text=True).splitlines()]
    assert len(records) == web_client.get("/api/search?q=tariffs").get_json()["total"] > 0
    assert list(records[0]) == list(export.COLUMNS)
    assert isinstance(records[0]["people"], list) and isinstance(records[0]["score"], float)


def test_export_is_not_capped_by_the_page_limit(web_client, monkeypatch):
    """Pages stop at MAX_RESULTS; an export does not."""
    total = web_client.get("/api/search").get_json()["total"]
    monkeypatch.setattr(search.service, "MAX_RESULTS", 10)
    assert web_client.get("/api/search?page=2").status_code == 400  # pages are capped now
    rows = csv_rows(web_client.get("/api/export").get_data(as_text=True))
    assert len(rows) == total > 10
    assert len({r["id"] for r in rows}) == total


@pytest.mark.parametrize("query", ["format=xlsx", "q=a%2A", "sort=popular", "from=2023-13-01"])
def test_api_export_bad_parameters_are_400_json(web_client, query):
    response = web_client.get(f"/api/export?{query}")
    assert response.status_code == 400
    assert response.get_json()["error"]


def test_csv_cells_cannot_be_formulas_and_text_is_clean(hostile_index):
    client = create_app({"INDEX_PATH": str(hostile_index), "TESTING": True}).test_client()
    rows = csv_rows(client.get("/api/export?q=zebra&format=csv").get_data(as_text=True))
    assert len(rows) == len(HOSTILE)
    for row in rows:
        for name, cell in row.items():
            assert not cell.startswith(("=", "+", "-", "@")), (name, cell)
            assert "\x00" not in cell and "\x07" not in cell
    titles = {row["id"]: row["title"] for row in rows}
    assert titles["formula/eq"] == "'" + HOSTILE[0][1]
    assert titles["formula/minus"] == "'-3 degrees at the zebra park"
    assert titles["formula/quote"].startswith('Zebra "quoted", with, commas')  # csv quoting round-trips
    assert {row["source"] for row in rows} == {"'=cmd|' /C calc'!A0"}
    lines = client.get("/api/export?q=zebra&format=jsonl").get_data(as_text=True).splitlines()
    records = [json.loads(line) for line in lines]
    assert len(records) == len(HOSTILE)
    by_id = {r["id"]: r for r in records}
    assert by_id["formula/eq"]["title"] == HOSTILE[0][1]  # JSON keeps the text as it is
    assert "\x00" not in by_id["formula/at"]["snippet"] and "NUL" in by_id["formula/at"]["snippet"]


def test_iter_results_raises_bad_queries_before_streaming(hostile_index):
    index = open_index(hostile_index)
    with pytest.raises(search.QueryError):
        index.iter_results("z*")
    hits = index.iter_results("zebra", sort="oldest", batch=2)  # several batches
    assert [h.date.isoformat() for h in hits] == [f"2024-01-{n:02d}" for n in range(1, 6)]


def test_cli_exports_every_hit(hostile_index, web_index):
    runner = CliRunner()
    result = runner.invoke(main, ["search", "--index", str(web_index), "--format", "csv", "--all"])
    assert result.exit_code == 0, result.output
    rows = csv_rows(result.output)
    assert len(rows) == open_index(web_index).search("").total
    result = runner.invoke(main, ["search", "zebra", "--index", str(hostile_index), "--format", "jsonl",
                                  "--all", "--sort", "newest"])
    assert result.exit_code == 0, result.output
    assert [json.loads(line)["date"] for line in result.output.splitlines()] == [
        f"2024-01-{n:02d}" for n in range(5, 0, -1)]
    # without --all: the page asked for
    result = runner.invoke(main, ["search", "zebra", "--index", str(hostile_index), "--format", "csv",
                                  "--limit", "2"])
    assert len(csv_rows(result.output)) == 2


@pytest.mark.parametrize("args", [["--all"], ["--format", "csv", "--json"]])
def test_cli_export_option_mistakes(web_index, args):
    result = CliRunner().invoke(main, ["search", "--index", str(web_index), *args])
    assert result.exit_code == 2
    assert "--format" in result.output and "Traceback" not in result.output


def test_cli_export_bad_query_is_one_line(web_index):
    result = CliRunner().invoke(main, ["search", "a*", "--index", str(web_index), "--format", "csv", "--all"])
    assert result.exit_code == 1 and result.output.startswith("Error: The wildcard") and "too broad" in result.output
