"""Reading a corpus from disk into :class:`SourceRecord` objects (and :class:`Skipped` for the rest).

Ids are stable across runs: a file's path relative to the corpus root it was found under (a file
given directly is its own root, so its id is its name), or a JSON record's own ``id``.
"""

from __future__ import annotations

import codecs
import gzip
import hashlib
import json
import logging
import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, BinaryIO

import charset_normalizer

from .errors import InputError
from .models import Skipped, SourceRecord

log = logging.getLogger(__name__)

TEXT_SUFFIXES = (".txt", ".md")
HTML_SUFFIXES = (".html", ".htm")
JSON_SUFFIXES = (".jsonl.gz", ".json.gz", ".jsonl", ".json")
BODY_FIELDS = ("body", "text", "content")
META_FIELDS = ("title", "date", "url", "source", "author")
SUPPORTED = ".txt, .md, .html, .htm, .jsonl, .jsonl.gz and .json"


def file_kind(path: Path) -> str | None:
    """``"text"``, ``"html"``, ``"json"``, or None for a file type Dateline does not read."""
    name = path.name.lower()
    if name.endswith(TEXT_SUFFIXES):
        return "text"
    if name.endswith(HTML_SUFFIXES):
        return "html"
    if name.endswith(JSON_SUFFIXES):
        return "json"
    return None


def check_paths(paths: Sequence[Path]) -> None:
    """Raise InputError naming the first path that does not exist."""
    for path in paths:
        if not Path(path).exists():
            raise InputError(f"{path} does not exist: give a folder or file of articles.")


def _walk(root: Path) -> list[Path]:
    """Files under ``root`` sorted by relative path, hidden files and folders left out."""
    found = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        found.extend(Path(folder) / name for name in files if not name.startswith("."))
    return sorted(found, key=lambda file: file.relative_to(root).as_posix())


def _corpus_files(paths: Sequence[Path]) -> Iterator[tuple[Path, str, bool]]:
    """(file, id relative to its root, named explicitly) for every path."""
    for path in map(Path, paths):
        if path.is_dir():
            for file in _walk(path):
                yield file, file.relative_to(path).as_posix(), False
        else:
            yield path, path.name, True


def iter_records(paths: Sequence[Path]) -> Iterator[SourceRecord | Skipped]:
    """Every article under ``paths`` (folders read recursively, sorted), or why it was skipped."""
    paths = [Path(p) for p in paths]
    check_paths(paths)
    for file, rel, explicit in _corpus_files(paths):
        kind = file_kind(file)
        if kind is None:
            if explicit:
                yield Skipped(rel, f"unsupported file type (Dateline reads {SUPPORTED})")
            continue
        try:
            if kind == "json":
                yield from _json_records(file, rel)
            else:
                yield _file_record(file, rel, kind)
        except OSError as error:
            log.warning("cannot read %s: %s", file, error)
            yield Skipped(rel, f"cannot read: {error.strerror or error}", unreadable=True)


def count_records(paths: Sequence[Path]) -> int:
    """A cheap estimate of what :func:`iter_records` yields: files, plus lines of JSONL files."""
    paths = [Path(p) for p in paths]
    check_paths(paths)
    total = 0
    for file, _rel, explicit in _corpus_files(paths):
        kind = file_kind(file)
        if kind is None:
            total += explicit
        elif kind == "json" and ".jsonl" in file.name.lower():
            try:
                with _open_binary(file) as handle:
                    total += sum(1 for line in handle if line.strip())
            except (OSError, EOFError, gzip.BadGzipFile):
                total += 1
        else:
            total += 1
    return total


# --- decoding ---------------------------------------------------------------------------------


def decode_bytes(data: bytes) -> str | None:
    """Text of ``data``: UTF-8 (BOM stripped), else the detected encoding; None when binary.

    When the detector finds several equally good single-byte encodings, cp1252 wins: it is what
    Western text that is not UTF-8 nearly always is (0x93/0x94 are its curly quotes).
    """
    for bom, codec in (
        (codecs.BOM_UTF32_LE, "utf-32"),
        (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom) and not data.startswith(codecs.BOM_UTF8):
            try:
                return data.decode(codec)
            except UnicodeDecodeError:
                return None
    if b"\x00" in data:
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    matches = list(charset_normalizer.from_bytes(data))
    if not matches:
        return None
    best = min(m.chaos for m in matches)
    for match in matches:
        if match.chaos <= best + 0.01 and "cp1252" in match.could_be_from_charset:
            try:
                return data.decode("cp1252")
            except UnicodeDecodeError:
                break
    return str(matches[0])


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _open_binary(path: Path) -> BinaryIO:
    if path.name.lower().endswith(".gz"):
        return gzip.open(path, "rb")
    return path.open("rb")


# --- text and HTML files ------------------------------------------------------------------------


def _file_record(file: Path, rel: str, kind: str) -> SourceRecord | Skipped:
    data = file.read_bytes()
    if not data.strip():
        return Skipped(rel, "empty file")
    text = decode_bytes(data)
    if text is None:
        return Skipped(rel, "binary or undecodable file")
    if not text.strip():
        return Skipped(rel, "empty file")
    return SourceRecord(id=rel, path=rel, kind=kind, text=text, content_hash=content_hash(data))


# --- JSON and JSONL -----------------------------------------------------------------------------


def _as_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        parts = [_as_text(v) for v in value]
        return "; ".join(p for p in parts if p) or None
    if isinstance(value, dict):
        return _as_text(value.get("name"))
    return str(value)


def _json_record(obj: Any, rel: str, where: str, fallback_id: str, raw: bytes) -> SourceRecord | Skipped:
    if not isinstance(obj, dict):
        return Skipped(where, f"expected a JSON object, found {type(obj).__name__}")
    body = next((t for t in (_as_text(obj.get(f)) for f in BODY_FIELDS) if t and t.strip()), None)
    meta = {key: text for key in META_FIELDS if (text := _as_text(obj.get(key))) and text.strip()}
    if body is None and "title" not in meta:
        return Skipped(where, "no body, text, content or title")
    record_id = _as_text(obj.get("id"))
    return SourceRecord(
        id=record_id if record_id and record_id.strip() else fallback_id,
        path=where,
        kind="json",
        text=body or "",
        content_hash=content_hash(raw),
        meta=meta,
    )


def _json_records(file: Path, rel: str) -> Iterator[SourceRecord | Skipped]:
    if ".jsonl" in file.name.lower():
        yield from _jsonl_records(file, rel)
        return
    try:
        with _open_binary(file) as handle:
            data = handle.read()
    except (EOFError, gzip.BadGzipFile) as error:
        yield Skipped(rel, f"corrupt gzip file: {error}", unreadable=True)
        return
    if not data.strip():
        yield Skipped(rel, "empty file")
        return
    text = decode_bytes(data)
    if text is None:
        yield Skipped(rel, "binary or undecodable file")
        return
    try:
        parsed = json.loads(text)
    except json.JSONDecodeError as error:
        # a .json file holding one object per line is JSONL under another name
        if text.lstrip().startswith("{") and "\n" in text.strip():
            yield from _jsonl_records(file, rel)
        else:
            yield Skipped(rel, f"malformed JSON: {error}")
        return
    if isinstance(parsed, list):
        for number, obj in enumerate(parsed, start=1):
            where = f"{rel}:{number}"
            raw = json.dumps(obj, sort_keys=True, ensure_ascii=False).encode()
            yield _json_record(obj, rel, where, where, raw)
    else:
        yield _json_record(parsed, rel, rel, rel, data)


def _jsonl_records(file: Path, rel: str) -> Iterator[SourceRecord | Skipped]:
    seen_any = False
    try:
        with _open_binary(file) as handle:
            for number, raw in enumerate(handle, start=1):
                if not raw.strip():
                    continue
                seen_any = True
                where = f"{rel}:{number}"
                line = decode_bytes(raw)
                if line is None:
                    yield Skipped(where, "binary or undecodable line")
                    continue
                try:
                    obj = json.loads(line)
                except json.JSONDecodeError as error:
                    yield Skipped(where, f"malformed JSON: {error}")
                    continue
                yield _json_record(obj, rel, where, where, raw.rstrip(b"\r\n"))
    except (EOFError, gzip.BadGzipFile) as error:
        yield Skipped(rel, f"corrupt gzip file: {error}", unreadable=True)
        return
    if not seen_any:
        yield Skipped(rel, "empty file")
