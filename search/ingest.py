"""Reading a corpus from disk into :class:`SourceRecord` objects (and :class:`Skipped` for the rest).

Ids are stable across runs: a file's path relative to the corpus root it was found under (a file
given directly is its own root, so its id is its name), or a JSON record's own ``id``; prefixed
with the root's label (``label/...``) for every root of an index but its first.
"""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
import json
import logging
import os
import stat
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, BinaryIO

from .decoding import decode_bytes
from .errors import InputError
from .models import CorpusRoot, Skipped, SourceRecord

log = logging.getLogger(__name__)

TEXT_SUFFIXES = (".txt", ".md")
HTML_SUFFIXES = (".html", ".htm")
JSON_SUFFIXES = (".jsonl.gz", ".json.gz", ".jsonl", ".json")
BODY_FIELDS = ("body", "text", "content")
META_FIELDS = ("title", "date", "url", "source", "author", "dateline")
#: fields that hold a record's own id: ``id``, or ``_id`` as BEIR and MongoDB exports name it
ID_FIELDS = ("id", "_id")
SUPPORTED = ".txt, .md, .html, .htm, .jsonl, .jsonl.gz and .json"
#: the largest text, HTML or JSON file, or JSONL line, read as one article (longer ones are skipped)
MAX_ARTICLE_BYTES = 10 * 1024 * 1024

class NotRegularFile(OSError):
    """A path that is a pipe, socket or device: reading it could block forever."""


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


def _walk(root: Path) -> tuple[list[Path], list[Skipped]]:
    """Files under ``root`` sorted by relative path, hidden files and folders left out, and the
    folders that could not be read: unreadable ones, and links that lead back into the walk.

    Links to folders are followed (a linked-in folder of articles is part of the corpus)."""
    found: list[Path] = []
    problems: list[Skipped] = []

    def rel(path: Path) -> str:
        return path.relative_to(root).as_posix()

    def unreadable(error: OSError) -> None:
        problems.append(Skipped(rel(Path(error.filename)), f"cannot read folder: {error.strerror or error}",
                                unreadable=True))

    visited = {identity(root)}
    for folder, dirs, files in os.walk(root, onerror=unreadable, followlinks=True):
        kept = []
        for name in dirs:
            if name.startswith("."):
                continue
            seen = identity(Path(folder) / name)
            if seen in visited:
                problems.append(Skipped(rel(Path(folder) / name), "link to a folder already being read (a loop)"))
            else:
                visited.add(seen)
                kept.append(name)
        dirs[:] = kept
        found.extend(Path(folder) / name for name in files if not name.startswith("."))
    return sorted(found, key=rel), sorted(problems, key=lambda p: p.path)


def identity(path: Path) -> tuple[int, int]:
    """(device, inode) of what ``path`` leads to: the same for every way of reaching it."""
    info = path.stat()
    return info.st_dev, info.st_ino


def _as_roots(paths: Sequence[Path | CorpusRoot]) -> list[CorpusRoot]:
    roots = [p if isinstance(p, CorpusRoot) else CorpusRoot(Path(p)) for p in paths]
    check_paths([root.path for root in roots])
    return roots


def _corpus_files(path: Path) -> Iterator[tuple[Path, str, bool] | Skipped]:
    """(file, id relative to ``path``, named explicitly) for every file under ``path``, and the
    folders under it that could not be read."""
    if path.is_dir():
        files, problems = _walk(path)
        for file in files:
            yield file, file.relative_to(path).as_posix(), False
        yield from problems
    else:
        yield path, path.name, True


def iter_records(paths: Sequence[Path | CorpusRoot]) -> Iterator[SourceRecord | Skipped]:
    """Every article under ``paths`` (folders read recursively, sorted), or why it was skipped.

    Ids and paths carry their root's label. A file already read under an earlier root (the
    same file reached through a link, say) is skipped: one article is indexed once."""
    read_under: dict[tuple[int, int], int] = {}  # file identity -> number of the root that read it
    for number, root in enumerate(_as_roots(paths)):
        for item in _root_records(root.path, number, read_under):
            if isinstance(item, Skipped):
                yield dataclasses.replace(item, path=root.article_id(item.path))
            else:
                yield dataclasses.replace(item, id=root.article_id(item.id), path=root.article_id(item.path))


def _root_records(
    root: Path, number: int, read_under: dict[tuple[int, int], int]
) -> Iterator[SourceRecord | Skipped]:
    for entry in _corpus_files(root):
        if isinstance(entry, Skipped):
            yield entry
            continue
        file, rel, explicit = entry
        kind = file_kind(file)
        if kind is None:
            if explicit:
                yield Skipped(rel, f"unsupported file type (Dateline reads {SUPPORTED})")
            continue
        if file.is_symlink() and not file.exists():
            # its target may be on a drive not mounted now: what the index has from it stays
            yield Skipped(rel, "symbolic link to nothing (broken, or a loop)", unreadable=True)
            continue
        try:
            if read_under.setdefault(identity(file), number) != number:
                log.info("skipped %s under %s: the same file was read under an earlier folder", rel, root)
                yield Skipped(rel, "the same file as one in a folder indexed before (a link to it?)")
                continue
            if kind == "json":
                yield from _json_records(file, rel)
            else:
                yield _file_record(file, rel, kind)
        except NotRegularFile as error:
            yield Skipped(rel, str(error))
        except OSError as error:
            log.warning("cannot read %s: %s", file, error)
            yield Skipped(rel, f"cannot read: {error.strerror or error}", unreadable=True)


def count_records(paths: Sequence[Path | CorpusRoot]) -> int:
    """A cheap estimate of what :func:`iter_records` yields: files, plus lines of JSONL files."""
    total = 0
    for root in _as_roots(paths):
        for entry in _corpus_files(root.path):
            if isinstance(entry, Skipped):
                total += 1
                continue
            file, _rel, explicit = entry
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


# --- reading ----------------------------------------------------------------------------------


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


_NOT_REGULAR = {
    stat.S_IFIFO: "a named pipe (FIFO)",
    stat.S_IFSOCK: "a socket",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
}


def _open_binary(path: Path) -> BinaryIO:
    """Open a regular file for reading. Never blocks: a named pipe, socket or device raises
    :class:`NotRegularFile` (checked on the opened file, so a file swapped for a pipe after the
    folder was listed is caught too)."""
    _check_regular(os.stat(path).st_mode)  # a socket cannot even be opened
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        _check_regular(os.fstat(fd).st_mode)
    except NotRegularFile:
        os.close(fd)
        raise
    os.set_blocking(fd, True)  # a regular file: read it the ordinary way
    handle = os.fdopen(fd, "rb")
    if path.name.lower().endswith(".gz"):
        compressed = gzip.GzipFile(fileobj=handle, mode="rb")
        compressed.myfileobj = handle  # closed with the gzip stream
        return compressed
    return handle


def _check_regular(mode: int) -> None:
    if not stat.S_ISREG(mode):
        raise NotRegularFile(f"not a regular file: {_NOT_REGULAR.get(stat.S_IFMT(mode), 'of an unknown kind')}")


def _read_article_bytes(handle: BinaryIO) -> bytes:
    """Up to :data:`MAX_ARTICLE_BYTES` of ``handle``; a longer one raises :class:`TooLarge`."""
    data = handle.read(MAX_ARTICLE_BYTES + 1)
    if len(data) > MAX_ARTICLE_BYTES:
        raise TooLarge(_too_large("the file"))
    return data


def _too_large(what: str) -> str:
    return f"{what} is larger than {MAX_ARTICLE_BYTES // (1024 * 1024)} MB, too large for one article"


class TooLarge(ValueError):
    """A file or line too long to be one article."""


# --- text and HTML files ------------------------------------------------------------------------


def _file_record(file: Path, rel: str, kind: str) -> SourceRecord | Skipped:
    try:
        with _open_binary(file) as handle:
            data = _read_article_bytes(handle)
    except TooLarge as error:
        return Skipped(rel, str(error))
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
    record_id = next((i for i in (_as_text(obj.get(f)) for f in ID_FIELDS) if i and i.strip()), None)
    return SourceRecord(
        id=record_id or fallback_id,
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
            data = _read_article_bytes(handle)
    except (EOFError, gzip.BadGzipFile) as error:
        yield Skipped(rel, f"corrupt gzip file: {error}", unreadable=True)
        return
    except TooLarge as error:
        # one object per line is JSONL under another name, read line by line; else too large
        if _first_line_is_an_object(file):
            yield from _jsonl_records(file, rel)
        else:
            yield Skipped(rel, str(error))
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


def _first_line_is_an_object(file: Path) -> bool:
    with _open_binary(file) as handle:
        line = next(_lines(handle), None)
    text = decode_bytes(line) if line else None
    try:
        return text is not None and isinstance(json.loads(text), dict)
    except json.JSONDecodeError:
        return False


def _jsonl_records(file: Path, rel: str) -> Iterator[SourceRecord | Skipped]:
    seen_any = False
    try:
        with _open_binary(file) as handle:
            for number, raw in enumerate(_lines(handle), start=1):
                if raw is None:
                    seen_any = True
                    yield Skipped(f"{rel}:{number}", _too_large("the line"))
                    continue
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


def _lines(handle: BinaryIO) -> Iterator[bytes | None]:
    """The lines of ``handle``, None for one longer than :data:`MAX_ARTICLE_BYTES` (which is
    read past in pieces, never held whole)."""
    while raw := handle.readline(MAX_ARTICLE_BYTES + 1):
        if len(raw) <= MAX_ARTICLE_BYTES or raw.endswith(b"\n"):
            yield raw
            continue
        while (rest := handle.readline(MAX_ARTICLE_BYTES)) and not rest.endswith(b"\n"):
            pass
        yield None
