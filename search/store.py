"""The index folder on disk: generations, the pointer to the live one, the write lock.

Layout of an index folder::

    CURRENT                 name of the live generation (replaced atomically)
    generations/<name>/     one complete Whoosh index, meta.json, the facet cache of its
                            latest commit (facets-<commit>.npz, see search.snapshot) and its
                            stories (stories.sqlite, see search.story_state)
    cache/                  caches that survive rebuilds (NER mentions, body signatures)
    .lock                   held by the one process writing

A rebuild writes a new generation beside the live one and swaps ``CURRENT`` with
``os.replace`` only once the new one is complete, so readers never see a half-built index and a
killed rebuild leaves the previous one serving. The generation before the live one is kept so a
reader that still has it open is not pulled out from under.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import secrets
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .errors import IndexNotFound, InputError

log = logging.getLogger(__name__)

CURRENT = "CURRENT"
GENERATIONS = "generations"
META = "meta.json"


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_tree(directory: Path) -> None:
    for path in directory.iterdir():
        if path.is_file():
            with open(path, "rb") as handle:
                os.fsync(handle.fileno())
    _fsync_dir(directory)


class IndexFolder:
    def __init__(self, root: Path):
        self.root = Path(root)

    @property
    def cache_dir(self) -> Path:
        return self.root / "cache"

    def exists(self) -> bool:
        return (self.root / CURRENT).is_file()

    def current(self) -> Path:
        """The live generation's folder."""
        pointer = self.root / CURRENT
        try:
            name = pointer.read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            raise IndexNotFound(
                f"No Dateline index at {self.root}: build one with `dateline index PATH --index {self.root}`."
            ) from None
        path = self.root / GENERATIONS / name
        if not path.is_dir():
            raise IndexNotFound(f"The index at {self.root} points to a missing generation {name!r}: "
                                "rebuild it with `dateline index --rebuild`.")
        return path

    def current_name(self) -> str | None:
        try:
            return (self.root / CURRENT).read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return None

    def check_usable(self) -> None:
        """Refuse to write into a folder that holds something other than a Dateline index."""
        if self.root.exists() and not self.root.is_dir():
            raise InputError(f"--index {self.root} is a file: give a folder for the index.")
        if self.root.is_dir() and not self.exists():
            foreign = [p.name for p in self.root.iterdir() if p.name not in {GENERATIONS, "cache", ".lock"}]
            if foreign:
                raise InputError(
                    f"--index {self.root} is not empty and holds no Dateline index "
                    f"(found {foreign[0]!r}): choose an empty or new folder."
                )

    def new_generation(self) -> Path:
        base = self.root / GENERATIONS
        base.mkdir(parents=True, exist_ok=True)
        # names sort in the order generations were made (see remove_orphans)
        now = time.time_ns()
        stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(now // 1_000_000_000))
        name = f"{stamp}.{now % 1_000_000_000:09d}-{secrets.token_hex(4)}"
        path = base / name
        path.mkdir()
        return path

    def publish(self, generation: Path) -> None:
        """Make a complete generation the live one, atomically, then drop old ones."""
        _fsync_tree(generation)
        previous = self.current_name()
        _write_atomic(self.root / CURRENT, generation.name + "\n")
        log.info("index %s now serves generation %s", self.root, generation.name)
        self.collect_garbage(keep={generation.name, previous})

    def collect_garbage(self, keep: set[str | None]) -> None:
        base = self.root / GENERATIONS
        if not base.is_dir():
            return
        keep = keep | {self.current_name()}
        for path in base.iterdir():
            if path.name not in keep:
                shutil.rmtree(path, ignore_errors=True)

    def remove_orphans(self) -> None:
        """Drop generations left by runs that were killed: every one but the live generation
        and the one before it (generation names sort by the time they were made). Called with
        the write lock held, so no run is writing one."""
        base = self.root / GENERATIONS
        if not base.is_dir():
            return
        current = self.current_name()
        older = sorted(p.name for p in base.iterdir() if current and p.name < current)
        keep = {current, older[-1] if older else None}
        for path in base.iterdir():
            if path.name not in keep:
                log.info("removing %s, left by an index run that did not finish", path)
                shutil.rmtree(path, ignore_errors=True)

    @contextmanager
    def write_lock(self) -> Iterator[None]:
        """One writer at a time; the kernel releases the lock if the process dies."""
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / ".lock", "w") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise InputError(
                    f"Another `dateline index` is writing {self.root}: wait for it to finish."
                ) from None
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


def read_meta(generation: Path) -> dict:
    try:
        return json.loads((generation / META).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}


def write_meta(generation: Path, meta: dict) -> None:
    _write_atomic(generation / META, json.dumps(meta, ensure_ascii=False, indent=1, sort_keys=True))
