"""The folders (and files) an index holds, and the label that keeps their article ids apart.

The first folder of an index keeps bare relative ids (``000.txt``), as a one-folder index
always had, so its article URLs never change. Each folder added after it gets a label, its name
made unique, prefixed to its ids (``reports/000.txt``, ``wire/12345`` for a JSONL record). A
label is never the name of something in the first folder, nor the first path segment of an id
the index holds, so the two kinds of id cannot meet. The labels are kept with the folders in the
index settings (``meta.json``).

One article is indexed once: a folder inside a held one, or holding one, is refused.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .errors import InputError
from .ingest import JSON_SUFFIXES, identity
from .models import CorpusRoot

_NOT_IN_LABEL = re.compile(r"[^\w.-]+")


@dataclass
class RootPlan:
    """The roots an index run works on, and what it changed."""

    roots: list[CorpusRoot]
    added: list[CorpusRoot] = field(default_factory=list)
    removed: list[CorpusRoot] = field(default_factory=list)


def roots_from_meta(meta: dict) -> list[CorpusRoot]:
    """The roots recorded in an index's settings. Indexes made before labels recorded bare
    paths: the first keeps bare ids and the others are labelled now."""
    roots: list[CorpusRoot] = []
    for entry in meta.get("roots", []):
        if isinstance(entry, dict):
            roots.append(CorpusRoot(Path(entry["path"]), entry.get("label", "")))
        else:
            path = Path(entry)
            roots.append(CorpusRoot(path, _new_label(path, roots, ()) if roots else ""))
    return roots


def roots_to_meta(roots: Sequence[CorpusRoot]) -> list[dict[str, str]]:
    return [{"path": str(root.path), "label": root.label} for root in roots]


def plan_roots(
    held: Sequence[CorpusRoot], paths: Sequence[Path], remove: Sequence[Path], ids: Iterable[str] = ()
) -> RootPlan:
    """Remove ``remove`` from the ``held`` roots and add ``paths`` (all made absolute).

    A path the index holds already adds nothing. One inside a held folder, or holding one, is
    refused: its articles would be indexed twice. Removing a path the index does not hold is an
    error naming the ones it does. ``ids`` are the article ids in the index, which a new label
    must not be the first segment of."""
    plan = RootPlan(list(held))
    for path in (Path(p).resolve() for p in remove):
        root = next((r for r in plan.roots if r.path == path), None)
        if root is None:
            held_paths = ", ".join(str(r.path) for r in plan.roots) or "none"
            raise InputError(f"--remove {path}: the index does not hold this folder (it holds: {held_paths}).")
        plan.roots.remove(root)
        plan.removed.append(root)
    # first segments of the ids of held folders' articles (a removed folder's are going)
    gone = {root.label for root in plan.removed if root.label}
    segments = {i.split("/", 1)[0] for i in ids if "/" in i} - gone
    for path in (Path(p).resolve() for p in paths):
        if any(_same(path, root.path) for root in plan.roots):
            continue
        _check_apart(path, plan.roots)
        label = _new_label(path, plan.roots, segments) if plan.roots else ""
        root = CorpusRoot(path, label)
        plan.roots.append(root)
        plan.added.append(root)
    return plan


def check_present(plan: RootPlan) -> None:
    """Refuse to run while a folder indexed before is missing: its articles would be dropped."""
    for root in plan.roots:
        if root not in plan.added and not root.path.exists():
            raise InputError(
                f"{root.path}, indexed before, no longer exists: put it back, or drop its articles "
                f"with `dateline index --remove {root.path}`."
            )


def _check_apart(path: Path, held: Sequence[CorpusRoot]) -> None:
    for root in held:
        if _within(path, root.path):
            raise InputError(
                f"{path} is inside {root.path}, which the index already holds: its articles are indexed "
                f"already (`dateline index` updates them); to index {path} on its own instead, first "
                f"`dateline index --remove {root.path}`."
            )
        if _within(root.path, path):
            raise InputError(
                f"{path} holds {root.path}, which the index already holds: to index all of {path}, "
                f"first `dateline index --remove {root.path}`, then add {path}."
            )


def _same(path: Path, other: Path) -> bool:
    if path == other:
        return True
    try:
        return identity(path) == identity(other)  # one folder reached two ways (a bind mount)
    except OSError:
        return False


def _within(path: Path, folder: Path) -> bool:
    """Whether ``path`` lies under ``folder``, by name or by identity (paths are resolved)."""
    if path.is_relative_to(folder):
        return True
    try:
        target = identity(folder)
        return any(identity(parent) == target for parent in path.parents)
    except OSError:
        return False


def _new_label(path: Path, held: Sequence[CorpusRoot], segments: Iterable[str]) -> str:
    """``path``'s name as a label (a file's without its type): made unique among the held
    roots' labels, and never a name in the first root or a first id segment in ``segments``."""
    name = path.name
    if path.is_file():
        name = next((name[: -len(s)] for s in JSON_SUFFIXES if name.lower().endswith(s)), path.stem)
    base = _NOT_IN_LABEL.sub("-", name).strip(".-") or "folder"
    taken = {root.label for root in held} | set(segments)
    bare = [root.path for root in held if not root.label and root.path.is_dir()]
    number = 1
    label = base
    while label in taken or any((folder / label).exists() or (folder / label).is_symlink() for folder in bare):
        number += 1
        label = f"{base}-{number}"
    return label
