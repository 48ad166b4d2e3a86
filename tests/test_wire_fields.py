"""Wire-service JSONL fields on a real index: author as reporter, dateline place, capital headlines."""

import json
from pathlib import Path

import pytest

from search import Filters, index_corpus, open_index

WIRE = [
    {"id": 1, "title": "BAHIA COCOA REVIEW", "dateline": "SALVADOR, Feb 26 -", "date": "1987-02-26",
     "body": "Showers continued throughout the week in the Bahia cocoa zone, Comissaria Smith said."},
    {"id": 2, "title": "STANDARD OIL <SRD> TO FORM FINANCIAL UNIT", "dateline": "CLEVELAND, Feb 26 -",
     "date": "1987-02-26", "author": "Ana Ruiz",
     "body": "Standard Oil Co and BP North America Inc said they plan to form a venture."},
    {"_id": "beir-3", "title": "Obsidian trade ring in Oaxaca", "author": ["Ana Ruiz", "Li Wei"],
     "text": "Archaeologists traced obsidian blades across the valley.\n\nReporting by Mark Potter"},
    {"id": "imf-1", "title": "IMF SEES SLOWER GROWTH IN USSR", "body": "The fund said growth would slow there."},
    {"id": "imf-2", "title": "Fund meets", "body": "The IMF met in Washington. IMF staff and USSR officials talked."},
]


@pytest.fixture(scope="module")
def wire(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("wire_fields")
    (root / "corpus").mkdir()
    (root / "corpus" / "wire.jsonl").write_text("\n".join(json.dumps(r) for r in WIRE) + "\n")
    index_corpus(root / "ix", [root / "corpus"], entities=False)
    return root / "ix"


def test_author_field_is_the_reporter_facet_with_contributors(wire):
    index = open_index(wire)
    reporters = {c.value: c.count for c in index.search("").facets["contributor"]}
    assert reporters == {"Ana Ruiz": 2, "Li Wei": 1, "Mark Potter": 1}
    assert {h.id for h in index.search("", Filters({"contributor": ["ana ruiz"]})).hits} == {"2", "beir-3"}
    assert [h.id for h in index.search('reporter:"Mark Potter"').hits] == ["beir-3"]
    article = index.get("beir-3")
    assert article.reporters == ["Ana Ruiz", "Li Wei", "Mark Potter"]


def test_dateline_place_is_kept_and_shown_with_hits(wire):
    index = open_index(wire)
    hits = {h.id: h for h in index.search("").hits}
    assert hits["1"].dateline == "Salvador" and hits["2"].dateline == "Cleveland"
    assert hits["beir-3"].dateline is None
    assert index.get("1").dateline == "Salvador"


def test_capital_headlines_are_shown_in_title_case_and_searched_as_stored(wire):
    index = open_index(wire)
    results = index.search("standard oil")
    assert [h.title for h in results.hits] == ["Standard Oil <SRD> to Form Financial Unit"]
    assert index.get("1").title == "Bahia Cocoa Review"
    assert [h.id for h in index.search("title:COCOA").hits] == ["1"]
    # the stored text is unchanged
    from search import documents

    stored = {a.id: a.title for a in documents.iter_articles(index.folder.current())}
    assert stored["2"] == "STANDARD OIL <SRD> TO FORM FINANCIAL UNIT"


def test_web_pages_show_dateline_reporters_and_title_case(wire):
    from web import create_app

    client = create_app({"INDEX_PATH": str(wire)}).test_client()
    page = client.get("/?q=cocoa").get_data(as_text=True)
    assert '<span class="dateline">Salvador</span>' in page
    assert "Bahia Cocoa Review" in page and "BAHIA COCOA REVIEW" not in page
    article = client.get("/article/beir-3").get_data(as_text=True)
    for name in ("Ana Ruiz", "Li Wei", "Mark Potter"):
        assert f'href="/?contributor={name.replace(" ", "+")}">{name}</a>' in article
    assert '<span class="dateline">Cleveland</span>' in client.get("/article/2").get_data(as_text=True)
    # the reporter facet panel lists the author field's names
    browse = client.get("/").get_data(as_text=True)
    assert ">Reporters</h3>" in browse and "Li Wei" in browse
    data = client.get("/api/search?q=oil").get_json()
    assert data["hits"][0]["dateline"] == "Cleveland"
    assert data["hits"][0]["title"] == "Standard Oil <SRD> to Form Financial Unit"


def test_cli_shows_dateline_and_filters_by_reporter(wire):
    from click.testing import CliRunner

    from search.cli import main

    result = CliRunner().invoke(main, ["search", "", "--reporter", "Li Wei", "--index", str(wire)])
    assert result.exit_code == 0, result.output
    assert "1 articles" in result.output and "Obsidian Trade Ring" not in result.output
    assert "Obsidian trade ring in Oaxaca" in result.output
    shown = CliRunner().invoke(main, ["search", "cocoa", "--index", str(wire)])
    assert "Salvador · 1987-02-26 · 1" in shown.output and "Bahia Cocoa Review" in shown.output
    article = CliRunner().invoke(main, ["show", "1", "--index", str(wire)])
    assert "dateline: Salvador" in article.output


def test_an_index_made_before_the_dateline_field_takes_it_on_update(tmp_path, monkeypatch):
    from search import documents

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    feed = corpus / "wire.jsonl"
    feed.write_text(json.dumps(WIRE[1]) + "\n")
    full_schema = documents.make_schema

    def older_schema():
        schema = full_schema()
        schema.remove("dateline")
        return schema

    full_document = documents.article_to_document
    monkeypatch.setattr(documents, "make_schema", older_schema)
    monkeypatch.setattr(documents, "article_to_document",
                        lambda article: {k: v for k, v in full_document(article).items() if k != "dateline"})
    index_corpus(tmp_path / "ix", [corpus], entities=False)
    monkeypatch.undo()

    feed.write_text(json.dumps(WIRE[1]) + "\n" + json.dumps(WIRE[0]) + "\n")
    stats = index_corpus(tmp_path / "ix", [], entities=False)
    assert (stats.added, stats.total) == (1, 2)
    assert open_index(tmp_path / "ix").get("1").dateline == "Salvador"


def test_corpus_evidence_keeps_acronyms_the_article_itself_does_not_spell(wire):
    index = open_index(wire)
    assert index.get("imf-1").title == "IMF Sees Slower Growth in USSR"
    assert [h.title for h in index.search("slower growth").hits] == ["IMF Sees Slower Growth in USSR"]
