"""The user's aliases file: merges, renames and blocks applied when entities are resolved.

Format (TOML, read with :func:`load_aliases`; names are matched case-insensitively)::

    [merge]                 # alias = canonical: the alias is treated as the canonical name,
    "Tony Blinken" = "Antony Blinken"   # both before linking and on the final names
    "Beijing" = "China"

    [rename]                # canonical = display name, applied last
    "Xi Jinping" = "President Xi Jinping"

    [block]                 # names dropped from the facets
    names = ["State Department"]        # from every facet
    org = ["House"]                     # or only from one: person, org or place

Merge targets may chain (a -> b -> c); a cycle is an error.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import InputError


@dataclass
class Aliases:
    """User corrections applied in :func:`resolve_entities` (format: module docstring).

    Keys are casefolded names.
    """

    merge: dict[str, str] = field(default_factory=dict)
    rename: dict[str, str] = field(default_factory=dict)
    block: set[str] = field(default_factory=set)
    block_facet: dict[str, set[str]] = field(default_factory=dict)

    # each asked about every item of a corpus: nothing to casefold for when there are no such aliases

    def merged(self, name: str) -> str:
        return self.merge.get(name.casefold(), name) if self.merge else name

    def renamed(self, name: str) -> str:
        return self.rename.get(name.casefold(), name) if self.rename else name

    def blocked(self, facet: str, *names: str) -> bool:
        if not (self.block or self.block_facet):
            return False
        keys = {n.casefold() for n in names}
        return bool(keys & self.block or keys & self.block_facet.get(facet, set()))


_BLOCK_FACETS = ("person", "org", "place")


def _string_table(path: Path, section: str, table: Any) -> dict[str, str]:
    if not isinstance(table, dict) or not all(isinstance(v, str) and v.strip() for v in table.values()):
        raise InputError(f"{path}: [{section}] must be a table of \"name\" = \"name\" strings.")
    return {" ".join(k.split()).casefold(): " ".join(v.split()) for k, v in table.items()}


def _resolve_chains(path: Path, merge: dict[str, str]) -> dict[str, str]:
    resolved: dict[str, str] = {}
    for alias in merge:
        seen = {alias}
        target = merge[alias]
        while target.casefold() in merge and merge[target.casefold()].casefold() != target.casefold():
            if target.casefold() in seen:
                raise InputError(f"{path}: [merge] has a cycle through {target!r}.")
            seen.add(target.casefold())
            target = merge[target.casefold()]
        resolved[alias] = target
    return {k: v for k, v in resolved.items() if k != v.casefold()}


def load_aliases(path: Path) -> Aliases:
    """Read an aliases TOML file; :class:`InputError` names the file (and line) when it is bad."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise InputError(f"Cannot read the aliases file {path}: {error.strerror or error}.") from error
    except UnicodeDecodeError as error:
        raise InputError(f"The aliases file {path} is not UTF-8 text.") from error
    except tomllib.TOMLDecodeError as error:
        line = re.search(r"line (\d+)", str(error))
        where = f" line {line.group(1)}" if line else ""
        raise InputError(f"The aliases file {path}{where} is not valid TOML: {error}.") from error
    unknown = set(data) - {"merge", "rename", "block"}
    if unknown:
        names = ", ".join(sorted(unknown))
        raise InputError(f"{path}: unknown section(s) {names}: use merge, rename and block.")
    merge = _resolve_chains(path, _string_table(path, "merge", data.get("merge", {})))
    rename = _string_table(path, "rename", data.get("rename", {}))
    block_table = data.get("block", {})
    if not isinstance(block_table, dict):
        raise InputError(f"{path}: [block] must be a table: names = [...], or person/org/place = [...].")
    block: set[str] = set()
    block_facet: dict[str, set[str]] = {}
    for key, names in block_table.items():
        if key not in ("names", *_BLOCK_FACETS):
            raise InputError(f"{path}: [block] key {key!r} is unknown: use names, person, org or place.")
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise InputError(f"{path}: [block] {key} must be a list of strings.")
        folded = {" ".join(n.split()).casefold() for n in names}
        if key == "names":
            block |= folded
        else:
            block_facet[key] = folded
    return Aliases(merge, rename, block, block_facet)
