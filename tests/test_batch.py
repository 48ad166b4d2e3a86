"""Batch search: a list of queries in, counts and date spans out (Python API, CLI, web page)."""

from __future__ import annotations

import csv
import io
import json

import pytest
from click.testing import CliRunner
from conftest import XSS_SCRIPT

from search import QueryError, open_index
from search.batch import MAX_QUERIES, as_phrases, read_queries
from search.cli import main


def test_read_queries_lines_blank_and_repeated():
    assert read_queries("\ufeffBlinken\n\n  Wang Yi \r\nBlinken\nballoon OR spy\n") == [
        "Blinken", "Wang Yi", "balloon OR spy"]


@pytest.mark.parametrize(("text", "column"), [
    ("name,role\nAntony Blinken,secretary\n\"Qin, Gang\",minister\n", "name"),
    ("name,role\nAntony Blinken,secretary\n\"Qin, Gang\",minister\n", "1"),
    ("Name;Role\nAntony Blinken;secretary\nQin, Gang;minister\n", "NAME"),
    ("name\trole\nAntony Blinken\tsecretary\nQin, Gang\tminister\n", "name"),
])
def test_read_queries_from_a_csv_column(text, column):
    assert read_queries(text, column) == ["Antony Blinken", "Qin, Gang"]


def test_read_queries_bad_column_and_too_many():
    with pytest.raises(QueryError, match=r"No column 'person'.*name, role"):
        read_queries("name,role\nA,b\n", "person")
    with pytest.raises(QueryError, match="at most 5,000"):
        read_queries("\n".join(f"q{n}" for n in range(MAX_QUERIES + 1)))
    assert as_phrases(['Antony Blinken', 'person:"Wang Yi"']) == ['"Antony Blinken"', 'person:"Wang Yi"']


def test_batch_counts_and_dates_match_the_search(web_index):
    index = open_index(web_index)
    queries = ["officials", "tariffs", "Blinken", "zzzyxnothing", 'a*', "steel OR chips"]
    rows = index.batch(queries)
    assert [row.query for row in rows] == queries
    for row in rows:
        if row.error:
            assert row.query == 'a*' and "too broad" in row.error
            continue
        assert row.articles == index.search(row.query).total
        dates = sorted(h.date for h in index.iter_results(row.query) if h.date)
        assert (row.first, row.last) == ((dates[0], dates[-1]) if dates else (None, None))
    assert rows[3].articles == 0 and rows[3].first is None
    assert rows[0].first < rows[0].last  # the wire stories span months


def test_batch_within_filters(web_index):
    from search import Filters

    index = open_index(web_index)
    [row] = index.batch(["officials"], Filters({"source": ["AFP"]}))
    assert row.articles == index.search("officials", Filters({"source": ["AFP"]})).total < index.search(
        "officials").total


def test_cli_batch_text_csv_json(web_index, tmp_path):
    listing = tmp_path / "names.csv"
    listing.write_text("name,note\nofficials,x\ntariffs,y\na*,z\n", encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(main, ["batch", str(listing), "--column", "name", "--index", str(web_index)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    total = open_index(web_index).search("officials").total
    assert lines[0].split()[:2] == ["officials", str(total)] and " – " in lines[0]
    assert "error: The wildcard" in lines[2] and "is too broad" in lines[2]
    result = runner.invoke(main, ["batch", str(listing), "--column", "name", "--csv", "--index", str(web_index)])
    table = list(csv.DictReader(io.StringIO(result.output)))
    assert [r["query"] for r in table] == ["officials", "tariffs", 'a*'] and table[0]["articles"] == str(total)
    result = runner.invoke(main, ["batch", "-", "--json", "--phrase", "--index", str(web_index)],
                           input="Ada Reporter\nofficials\n")
    data = json.loads(result.output)
    assert [d["query"] for d in data] == ['"Ada Reporter"', '"officials"'] and data[1]["articles"] == total


@pytest.mark.parametrize(("content", "message"), [
    (b"", "has no queries"),
    (b"\x00\x01\x02\x03" * 100, "is not a text file"),
])
def test_cli_batch_bad_files(web_index, tmp_path, content, message):
    path = tmp_path / "list.txt"
    path.write_bytes(content)
    result = CliRunner().invoke(main, ["batch", str(path), "--index", str(web_index)])
    assert result.exit_code == 1 and message in result.output and "Traceback" not in result.output
    result = CliRunner().invoke(main, ["batch", str(tmp_path / "missing.txt"), "--index", str(web_index)])
    assert result.exit_code == 1 and "Cannot read" in result.output and "missing.txt" in result.output


def test_batch_page_pasted_list(web_client):
    assert 'enctype="multipart/form-data"' in web_client.get("/batch").get_data(as_text=True)
    response = web_client.post("/batch", data={"queries": f"officials\ntariffs\n{XSS_SCRIPT}\na*"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert '<a href="/?q=officials">officials</a>' in page
    assert XSS_SCRIPT not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "too broad" in page and "Download the table as CSV" in page


def test_batch_page_upload_csv_column_and_download(web_client, web_index):
    upload = (io.BytesIO("person,x\nofficials,1\ntariffs,2\n".encode("utf-16")), "list.csv")
    response = web_client.post("/batch", data={"file": upload, "column": "person", "format": "csv"},
                               content_type="multipart/form-data")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == 'attachment; filename="dateline-batch.csv"'
    table = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [r["query"] for r in table] == ["officials", "tariffs"]
    assert table[1]["articles"] == str(open_index(web_index).search("tariffs").total)
    assert table[0]["url"] == "http://localhost/?q=officials"


@pytest.mark.parametrize(("data", "message"), [
    ({"queries": "  \n "}, "There are no queries"),
    ({"queries": "a,b\n1,2", "column": "zzz"}, "No column"),
    ({"file": (io.BytesIO(b"\x00\x01\x02" * 500), "x.bin")}, "x.bin is not a text file"),
])
def test_batch_page_errors_are_400(web_client, data, message):
    response = web_client.post("/batch", data=data, content_type="multipart/form-data")
    assert response.status_code == 400 and message in response.get_data(as_text=True)
