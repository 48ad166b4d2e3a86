"""The peers that `query_latency.py` runs on the same articles and queries: SQLite FTS5 (Python's
sqlite3) and Tantivy (the `tantivy` package, installed by the project's optional `bench` extra).

Both index title and body with their default English-ish tokenizers (FTS5 `porter unicode61`,
Tantivy `en_stem`), weight titles twice as Dateline does, and answer each query with its ten
best documents and their stored titles. Neither computes facets, a date histogram or snippets:
they are the floor a plain full-text engine gives on this machine, not the same work.
Indexes are built once per size and cached beside Dateline's under bench/.cache/.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
import sqlite3
import time
from pathlib import Path

log = logging.getLogger("bench.peers")

_WORD = re.compile(r"[A-Za-z]+")


def _fts5_query(text: str) -> str:
    """Dateline's query (words AND-ed, or joined by OR) in FTS5 syntax: bare words quoted."""
    parts = []
    for token in text.split():
        parts.append(token if token == "OR" else '"' + token.replace('"', "") + '"')
    return " ".join(parts)


def _tantivy_query(text: str) -> str:
    words = text.split()
    if "OR" in words:
        return " OR ".join(w for w in words if w != "OR")
    return " ".join(f"+{w}" for w in words)


class Fts5:
    name = "sqlite_fts5"

    def __init__(self, path: Path):
        self.db = sqlite3.connect(str(path), check_same_thread=False)

    @classmethod
    def build(cls, path: Path, articles) -> Fts5:
        if not path.exists():
            tmp = path.with_name(path.name + ".tmp")
            tmp.unlink(missing_ok=True)
            db = sqlite3.connect(str(tmp))
            db.execute("CREATE VIRTUAL TABLE docs USING fts5(title, body, tokenize='porter unicode61')")
            db.executemany("INSERT INTO docs(title, body) VALUES (?, ?)", ((a.title, a.body) for a in articles))
            db.execute("INSERT INTO docs(docs) VALUES ('optimize')")
            db.commit()
            db.close()
            tmp.rename(path)
        return cls(path)

    def search(self, text: str) -> int:
        rows = self.db.execute(
            "SELECT rowid, title FROM docs WHERE docs MATCH ? ORDER BY bm25(docs, 2.0, 1.0) LIMIT 10",
            (_fts5_query(text),),
        ).fetchall()
        return len(rows)


class Tantivy:
    name = "tantivy"

    def __init__(self, path: Path):
        import tantivy

        self.index = tantivy.Index.open(str(path))
        self.index.reload()
        self.searcher = self.index.searcher()

    @classmethod
    def build(cls, path: Path, articles) -> Tantivy:
        import tantivy

        if not path.exists():
            tmp = path.with_name(path.name + ".tmp")
            shutil.rmtree(tmp, ignore_errors=True)
            tmp.mkdir(parents=True)
            builder = tantivy.SchemaBuilder()
            builder.add_text_field("title", stored=True, tokenizer_name="en_stem")
            builder.add_text_field("body", stored=False, tokenizer_name="en_stem")
            index = tantivy.Index(builder.build(), path=str(tmp))
            writer = index.writer(heap_size=256_000_000, num_threads=1)
            for article in articles:
                writer.add_document(tantivy.Document(title=article.title, body=article.body))
            writer.commit()
            writer.wait_merging_threads()
            tmp.rename(path)
        return cls(path)

    def search(self, text: str) -> int:
        q = self.index.parse_query(_tantivy_query(text), ["title", "body"], field_boosts={"title": 2.0})
        hits = self.searcher.search(q, 10).hits
        for _score, address in hits:
            self.searcher.doc(address)["title"]
        return len(hits)


def available() -> list[type]:
    peers: list[type] = [Fts5]
    try:
        import tantivy  # noqa: F401
    except ImportError:
        log.warning("tantivy is not installed (pip install -e '.[bench]'): measuring SQLite FTS5 only")
    else:
        peers.append(Tantivy)
    return peers


def build_all(cache: Path, copies: int, articles_factory) -> dict:
    """Build (or reuse) every available peer's index for ``copies`` from ``articles_factory()``
    (called once per peer: it may return a generator); returns build seconds."""
    record_file = cache / f"reuters-x{copies}.peers.json"
    record = json.loads(record_file.read_text(encoding="utf-8")) if record_file.is_file() else {}
    for peer in available():
        path = cache / f"reuters-x{copies}.{peer.name}"
        if path.exists() and peer.name in record:
            continue
        started = time.perf_counter()
        log.info("x%d: building the %s peer index", copies, peer.name)
        peer.build(path, articles_factory())
        record[peer.name] = {"build_seconds": round(time.perf_counter() - started, 1), "path": path.name}
    record_file.write_text(json.dumps(record, indent=1), encoding="utf-8")
    return record


def open_all(cache: Path, copies: int) -> list:
    return [peer(cache / f"reuters-x{copies}.{peer.name}") for peer in available()]
