import gzip
import hashlib
import json
from pathlib import Path

import pytest

from search.decoding import decode_bytes
from search.errors import InputError
from search.ingest import count_records, iter_records
from search.models import Skipped, SourceRecord

DATA = Path(__file__).parent / "data"


def records(paths):
    items = list(iter_records([Path(p) for p in paths]))
    return [i for i in items if isinstance(i, SourceRecord)], [i for i in items if isinstance(i, Skipped)]


def test_seed_folder(seeds_dir):
    found, skipped = records([seeds_dir])
    assert [r.id for r in found] == sorted(p.name for p in seeds_dir.iterdir())
    assert not skipped
    first = found[0]
    assert first.kind == "text" and first.path == first.id
    raw = (seeds_dir / first.id).read_bytes()
    assert first.content_hash == hashlib.sha256(raw).hexdigest()
    assert first.text.startswith("Blinken meets China’s top diplomat")
    assert count_records([seeds_dir]) == 5


def test_walk_is_recursive_sorted_and_skips_hidden_and_unknown(tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / ".git").mkdir()
    (tmp_path / "b" / "z.md").write_text("# Title\n\nBody text.")
    (tmp_path / "a.txt").write_text("Some text.")
    (tmp_path / "page.HTM").write_text("<p>Hello there.</p>")
    (tmp_path / ".hidden.txt").write_text("secret")
    (tmp_path / ".git" / "x.txt").write_text("no")
    (tmp_path / "notes.pdf").write_bytes(b"%PDF-1.4")
    found, skipped = records([tmp_path])
    assert [(r.id, r.kind) for r in found] == [("a.txt", "text"), ("b/z.md", "text"), ("page.HTM", "html")]
    assert not skipped


def test_explicit_file_uses_its_name_as_id_and_unknown_type_is_reported(tmp_path):
    (tmp_path / "deep").mkdir()
    article = tmp_path / "deep" / "story.txt"
    article.write_text("Story text.")
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(b"%PDF-1.4 binary")
    found, skipped = records([article, pdf])
    assert [r.id for r in found] == ["story.txt"]
    assert skipped[0].path == "report.pdf" and "unsupported" in skipped[0].reason


def test_nonexistent_path_raises_input_error(tmp_path):
    missing = tmp_path / "nowhere"
    with pytest.raises(InputError, match="nowhere"):
        list(iter_records([missing]))
    with pytest.raises(InputError, match="nowhere"):
        count_records([missing])


def test_bad_files(tmp_path):
    (tmp_path / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "blank.html").write_bytes(b"  \n\n ")
    (tmp_path / "smart.txt").write_bytes(b"He said \x93hello\x94 and left \x96 quickly. It\x92s fine.\n")
    found, skipped = records([tmp_path])
    reasons = {s.path: s.reason for s in skipped}
    assert "binary" in reasons["binary.txt"]
    assert reasons["empty.txt"] == "empty file"
    assert reasons["blank.html"] == "empty file"
    assert [r.text for r in found] == ["He said “hello” and left – quickly. It’s fine.\n"]


def test_decode_bytes():
    assert decode_bytes("\ufeffCafé “quoted”".encode()) == "Café “quoted”"
    assert decode_bytes("Café naïve résumé à la française, déjà vu.".encode("cp1252")) == (
        "Café naïve résumé à la française, déjà vu."
    )
    assert decode_bytes("Привет, как дела? Это тестовый текст на русском языке.".encode("cp1251")) == (
        "Привет, как дела? Это тестовый текст на русском языке."
    )
    assert decode_bytes("UTF-16 text".encode("utf-16")) == "UTF-16 text"
    # a stray NUL is dropped, the text kept; many control bytes make a file binary
    assert decode_bytes(b"Obsidian\x00 trade ring in Oaxaca.") == "Obsidian trade ring in Oaxaca."
    assert decode_bytes(b"Padded text." + b"\x00" * 1000) is None
    assert decode_bytes(b"Some words \x01\x02\x03\x04\x05\x06 and more") is None
    # UTF-16 without a byte order mark, either byte order
    text = "Obsidian trade ring in Oaxaca, “quoted”."
    assert decode_bytes(text.encode("utf-16-le")) == text
    assert decode_bytes(text.encode("utf-16-be")) == text


def write_jsonl(path: Path, lines: list[str], bom: bool = False) -> None:
    data = "\n".join(lines).encode()
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)


def test_jsonl_records(tmp_path):
    lines = [
        json.dumps(
            {
                "id": 17,
                "title": "Port votes",
                "body": "The port voted.",
                "date": "2024-03-12",
                "url": "https://x.example/a",
                "source": "Ledger",
                "author": ["A One", "B Two"],
                "extra": [1],
            }
        ),
        '{"id": 18, "title": "Broken", ',
        json.dumps({"title": "Only a title", "body": None}),
        json.dumps({"text": "<p>Para one.</p><p>Para two.</p>"}),
        "",
        json.dumps({"id": "x", "body": None}),
        json.dumps(["not", "an", "object"]),
        json.dumps({"content": "Content field text.", "id": None}),
    ]
    write_jsonl(tmp_path / "feed.jsonl", lines, bom=True)
    found, skipped = records([tmp_path])
    assert [r.id for r in found] == ["17", "feed.jsonl:3", "feed.jsonl:4", "feed.jsonl:8"]
    assert [r.path for r in found] == ["feed.jsonl:1", "feed.jsonl:3", "feed.jsonl:4", "feed.jsonl:8"]
    first = found[0]
    assert first.kind == "json" and first.text == "The port voted."
    assert first.meta == {
        "title": "Port votes",
        "date": "2024-03-12",
        "url": "https://x.example/a",
        "source": "Ledger",
        "author": "A One; B Two",
    }
    assert first.content_hash == hashlib.sha256(b"\xef\xbb\xbf" + lines[0].encode()).hexdigest()
    assert found[1].text == "" and found[1].meta == {"title": "Only a title"}
    assert found[2].text == "<p>Para one.</p><p>Para two.</p>"
    assert found[3].text == "Content field text."
    by_path = {s.path: s.reason for s in skipped}
    assert by_path["feed.jsonl:2"].startswith("malformed JSON:")
    assert "no body" in by_path["feed.jsonl:6"]
    assert "expected a JSON object" in by_path["feed.jsonl:7"]
    assert count_records([tmp_path]) == 7  # non-blank lines


def test_json_file_with_object_or_list_and_gzip(tmp_path):
    (tmp_path / "one.json").write_text(json.dumps({"title": "Single", "body": "Single body."}))
    (tmp_path / "many.json").write_text(json.dumps([{"id": 1, "body": "First."}, {"body": "Second."}]))
    with gzip.open(tmp_path / "packed.jsonl.gz", "wt", encoding="utf-8") as handle:
        handle.write(json.dumps({"id": "g1", "body": "Zipped."}) + "\n")
    (tmp_path / "bad.json").write_text("{not json")
    found, skipped = records([tmp_path])
    assert [(r.id, r.path) for r in found] == [
        ("1", "many.json:1"),
        ("many.json:2", "many.json:2"),
        ("one.json", "one.json"),
        ("g1", "packed.jsonl.gz:1"),
    ]
    assert [s.path for s in skipped] == ["bad.json"] and "malformed JSON" in skipped[0].reason


def test_empty_jsonl_is_skipped(tmp_path):
    (tmp_path / "none.jsonl").write_text("\n\n")
    found, skipped = records([tmp_path / "none.jsonl"])
    assert not found and skipped[0].reason == "empty file"


def test_html_fixture_is_read_as_html():
    found, _ = records([DATA / "news_full.html"])
    assert found[0].kind == "html" and found[0].id == "news_full.html"
    assert "<article" in found[0].text


def test_reuters_corpus_reads_every_line(reuters_path):
    found, skipped = records([reuters_path])
    assert len(found) + len(skipped) == 21578
    assert count_records([reuters_path]) == 21578
    # 2,535 lines (text_type BRIEF and UNPROC) have neither title nor body in this file
    assert len(skipped) == 2535 and all("no body" in s.reason for s in skipped)
    assert len({r.id for r in found}) == len(found)
    first = found[0]
    assert first.id == "1" and first.path == "reuters21578.jsonl.gz:1"
    assert first.meta["title"] == "BAHIA COCOA REVIEW" and first.meta["date"] == "1987-02-26T15:01:01"
    assert first.meta["dateline"] == "SALVADOR, Feb 26 -"


def test_pipes_sockets_and_devices_are_skipped_by_name_without_blocking(tmp_path):
    import os
    import socket

    os.mkfifo(tmp_path / "pipe.txt")
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(tmp_path / "sock.html"))
    os.symlink("/dev/zero", tmp_path / "zero.txt")
    (tmp_path / "good.txt").write_text("A real article about trade.")
    # would block forever (or read forever) before: a pipe has no writer, /dev/zero no end
    assert count_records([tmp_path]) == 4
    found, skipped = records([tmp_path])
    sock.close()
    assert [r.id for r in found] == ["good.txt"]
    reasons = {s.path: s.reason for s in skipped}
    assert reasons == {
        "pipe.txt": "not a regular file: a named pipe (FIFO)",
        "sock.html": "not a regular file: a socket",
        "zero.txt": "not a regular file: a character device",
    }
    assert not any(s.unreadable for s in skipped)
    # named directly, as `dateline extract pipe.txt` does
    assert records([tmp_path / "pipe.txt"])[1][0].reason == "not a regular file: a named pipe (FIFO)"


def test_symbolic_links_loops_and_broken_links(tmp_path):
    corpus = tmp_path / "corpus"
    (corpus / "sub").mkdir(parents=True)
    (corpus / "sub" / "a.txt").write_text("Article A about grain.")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "b.txt").write_text("Article B about steel.")
    os_links = [
        (corpus / "linked", elsewhere),  # a linked-in folder is read
        (corpus / "sub" / "up", corpus),  # a loop back to the root
        (corpus / "gone.txt", tmp_path / "missing.txt"),
        (corpus / "self.txt", corpus / "self.txt"),
    ]
    for link, target in os_links:
        link.symlink_to(target)
    found, skipped = records([corpus])
    assert [r.id for r in found] == ["linked/b.txt", "sub/a.txt"]
    reasons = {s.path: s.reason for s in skipped}
    assert "loop" in reasons["sub/up"]
    assert reasons["gone.txt"].startswith("symbolic link to nothing")
    assert reasons["self.txt"].startswith("symbolic link to nothing")


def test_a_file_too_large_for_an_article_is_skipped_without_reading_it_all(tmp_path, monkeypatch):
    import search.ingest as ingest

    monkeypatch.setattr(ingest, "MAX_ARTICLE_BYTES", 1000)
    (tmp_path / "huge.txt").write_bytes(b"word " * 400)
    (tmp_path / "small.txt").write_text("A short article.")
    long_line = json.dumps({"id": "long", "body": "word " * 400})
    (tmp_path / "feed.jsonl").write_text(long_line + "\n" + json.dumps({"id": "ok", "body": "Fine."}) + "\n")
    (tmp_path / "whole.json").write_text(json.dumps({"title": "Long", "body": "word " * 400}))
    (tmp_path / "listed.json").write_text(json.dumps([{"id": f"l{n}", "body": "word " * 50} for n in range(9)]))
    # one object a line under a .json name: read line by line, so no more limited than JSONL
    lines = [json.dumps({"id": f"n{n}", "body": "word " * 50}) for n in range(9)]
    (tmp_path / "lines.json").write_text("\n".join(lines) + "\n")
    found, skipped = records([tmp_path])
    assert [r.id for r in found] == ["ok", *(f"n{n}" for n in range(9)), "small.txt"]
    too_large = "is larger than 0 MB, too large for one article"
    assert {s.path: s.reason for s in skipped} == {
        "feed.jsonl:1": f"the line {too_large}",
        "huge.txt": f"the file {too_large}",
        "whole.json": f"the file {too_large}",
        "listed.json": f"the file {too_large}",
    }


def test_beir_id_and_dateline_fields(tmp_path):
    feed = tmp_path / "corpus.jsonl"
    feed.write_text(
        json.dumps({"_id": "4983", "title": "Microstructural development", "text": "Alterations of the brain."})
        + "\n"
        + json.dumps({"id": 7, "_id": "ignored", "dateline": "SALVADOR, Feb 26 -", "body": "Showers continued."})
        + "\n"
    )
    found, _ = records([feed])
    assert [r.id for r in found] == ["4983", "7"]
    assert found[1].meta["dateline"] == "SALVADOR, Feb 26 -"
