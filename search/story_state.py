"""The story state of an index generation: ``stories.sqlite`` beside the Whoosh index, written by
:mod:`search.stories` (each run writes a copy and swaps it in with ``os.replace``, so a reader's
open file never changes) and read by :mod:`search.storyread`.

Tables: ``members`` (per article: story, day, body key, MinHash signature, distinctive terms,
people, places, title, source), ``stories`` (per story of two or more articles: label, span,
sources, people, places, article ids), ``redirects`` (ids retired by merges -> the surviving
story), ``settings`` (document frequencies, article count, rules revision).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

STATE_FILE = "stories.sqlite"


@dataclass(slots=True)
class Member:
    """One article as story grouping sees it. Its distinctive terms are kept as the JSON text
    the state file holds (a third of the dictionary's memory, shared by copies of a text) and
    decoded where they are compared: a million members fit in memory (bench/story_memory.py)."""

    id: str
    day: int  # date ordinal, 0 when undated
    key: str  # body key: equal keys are exact duplicates
    minhash: np.ndarray
    terms_json: str  # distinctive terms -> weights L2-normalised, as JSON: see :attr:`terms`
    people: list[str]
    places: list[str]
    title: str
    site: str | None
    story: str | None = None
    figures: str = ""  # the distinct numbers written in its body, space-separated (as stored)
    orgs: list[str] = field(default_factory=list)  # canonical organisations: same-event links need one shared

    @property
    def terms(self) -> dict[str, float]:
        """The distinctive terms and their weights (decoded on each call: keep the result)."""
        return json.loads(self.terms_json)


# the state file -------------------------------------------------------------------------------

#: ``members`` rows run to a kilobyte (a signature, a terms vector): a rowid table keeps them in
#: its leaves, where a ``WITHOUT ROWID`` one spilled them to overflow pages (Reuters: the state
#: file was 78 MB, now 27). :func:`copy_state` brings a state of that older layout over.
SCHEMA = """
CREATE TABLE IF NOT EXISTS members (id TEXT PRIMARY KEY, story TEXT, day INTEGER, key TEXT, minhash BLOB,
    terms TEXT, people TEXT, places TEXT, title TEXT, site TEXT, figures TEXT, orgs TEXT);
CREATE TABLE IF NOT EXISTS stories (id TEXT PRIMARY KEY, label_id TEXT, label TEXT, size INTEGER, first INTEGER,
    last INTEGER, sources TEXT, people TEXT, places TEXT, members TEXT) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS redirects (old TEXT PRIMARY KEY, new TEXT) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS settings (name TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID;
"""


#: one encoder for every value written (``json.dumps`` with options makes a new one per call)
_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def dumps(value) -> str:
    return _JSON.encode(value)


def connect_readonly(path: Path) -> sqlite3.Connection:
    """A state file for reading. The writer replaces the file (never edits it in place), so a
    reader's open file never changes under it."""
    return sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True, check_same_thread=False)


def copy_state(source: Path, target: Path) -> None:
    """``source``'s state as a new file ``target`` in this module's layout: the file copied, or
    its rows, for a state written before ``members`` was a rowid table."""
    db = connect_readonly(source)
    try:
        layout = db.execute("SELECT sql FROM sqlite_master WHERE name = 'members'").fetchone()
    finally:
        db.close()
    if not layout or "WITHOUT ROWID" not in layout[0]:
        shutil.copyfile(source, target)
        return
    db = sqlite3.connect(target, isolation_level=None)
    try:
        db.executescript(SCHEMA)
        db.execute("ATTACH DATABASE ? AS old", [str(source)])
        db.execute("BEGIN")
        for table in ("members", "stories", "redirects", "settings"):
            db.execute(f"INSERT INTO {table} SELECT * FROM old.{table}")
        db.execute("COMMIT")
    finally:
        db.close()


def load_members(db: sqlite3.Connection) -> dict[str, Member]:
    members = {}
    rows = db.execute(
        "SELECT id, story, day, key, minhash, terms, people, places, title, site, figures, orgs FROM members")
    for id_, story, day, key, blob, terms, people, places, title, site, figures, orgs in rows:
        members[id_] = Member(id_, day, key, np.frombuffer(blob, dtype=np.uint32).copy(), terms,
                              json.loads(people), json.loads(places), title, site, story, figures,
                              json.loads(orgs))
    return members


def setting(db: sqlite3.Connection, name: str, default):
    row = db.execute("SELECT value FROM settings WHERE name = ?", [name]).fetchone()
    return json.loads(row[0]) if row else default


def previous_assignment(generation: Path | None) -> dict[str, str]:
    """Article id -> story id in another generation's state (for a rebuild to keep story ids)."""
    path = generation / STATE_FILE if generation else None
    if not path or not path.is_file():
        return {}
    db = connect_readonly(path)
    try:
        return dict(db.execute("SELECT id, story FROM members WHERE story IS NOT NULL"))
    except sqlite3.DatabaseError:
        return {}
    finally:
        db.close()


def new_id(cluster: list[Member], avoid: set[str]) -> str:
    founder = min(cluster, key=lambda m: (m.day or 10**7, m.id))
    salt = 0
    while True:
        story = "s" + hashlib.blake2b(f"{founder.id}:{salt}".encode(), digest_size=5).hexdigest()
        if story not in avoid:
            return story
        salt += 1


def _centrality(cluster: list[Member]) -> np.ndarray:
    """Each member's summed similarity to the others: body shingles (MinHash) and distinctive
    terms (the dot product with the sum of the others' term vectors)."""
    signatures = np.stack([m.minhash for m in cluster])
    shingles = (signatures[:, None, :] == signatures[None, :, :]).mean(axis=2).sum(axis=1) - 1.0
    vectors = [m.terms for m in cluster]
    total: Counter = Counter()
    for vector in vectors:
        total.update(vector)
    terms = np.array([sum(w * total[t] for t, w in vector.items()) - sum(w * w for w in vector.values())
                      for vector in vectors])
    return shingles + terms


def write_story(db, story: str, cluster: list[Member]) -> None:
    texts = list({m.key: m for m in sorted(cluster, key=lambda m: m.id, reverse=True)}.values())  # one per text
    sample = texts if len(texts) <= 60 else sorted(texts, key=lambda m: m.id)[:60]
    scores = _centrality(sample).tolist() if len(sample) > 1 else [0.0]
    central = max(zip(scores, sample, strict=True), key=lambda item: (item[0], item[1].title != "", item[1].id))[1]
    # of its copies, the one whose headline shares most words with the story's other headlines
    words = [set(m.title.lower().split()) for m in cluster]
    central = max((m for m in cluster if m.key == central.key),
                  key=lambda m: (sum(len(set(m.title.lower().split()) & w) for w in words), m.id))
    dated = [m.day for m in cluster if m.day]
    # oldest first; on one day the central article (the likeliest original) leads
    ordered = sorted(cluster, key=lambda m: (m.day or 10**7, m is not central, m.id))
    people = Counter(p for m in cluster for p in dict.fromkeys(m.people))
    places = Counter(p for m in cluster for p in dict.fromkeys(m.places))
    sources = list(dict.fromkeys(m.site for m in ordered if m.site))
    db.execute("INSERT OR REPLACE INTO stories VALUES (?,?,?,?,?,?,?,?,?,?)", [
        story, central.id, central.title, len(cluster), min(dated) if dated else 0, max(dated) if dated else 0,
        dumps(sources), dumps([p for p, _ in people.most_common(12)]), dumps([p for p, _ in places.most_common(12)]),
        dumps([m.id for m in ordered])])


def save(db: sqlite3.Connection, gone: set[str], rewritten: list[Member], stories: dict[str, list[Member]],
         redirects: list[tuple[str, str]], settings: dict) -> int:
    """One transaction: drop the ``gone`` members, write the ``rewritten`` ones, rewrite the
    ``stories`` (those left with fewer than two members go), retire the ``redirects``' old ids
    (redirects to a retired id follow it on), and the settings. Returns the number of stories."""
    db.execute("BEGIN")
    db.executemany("DELETE FROM members WHERE id = ?", [(a,) for a in gone])
    db.executemany("INSERT OR REPLACE INTO members VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", (  # rows made one by one
        (m.id, m.story, m.day, m.key, m.minhash.tobytes(), m.terms_json, dumps(m.people), dumps(m.places),
         m.title, m.site, m.figures, dumps(m.orgs)) for m in rewritten))
    for story, cluster in stories.items():
        if len(cluster) >= 2:
            write_story(db, story, cluster)
        else:
            db.execute("DELETE FROM stories WHERE id = ?", [story])
    for old, survivor in redirects:
        db.execute("DELETE FROM stories WHERE id = ?", [old])
        db.execute("UPDATE redirects SET new = ? WHERE new = ?", [survivor, old])
        db.execute("INSERT OR REPLACE INTO redirects VALUES (?, ?)", [old, survivor])
    db.execute("DELETE FROM redirects WHERE old IN (SELECT id FROM stories)")
    for name, value in settings.items():
        db.execute("INSERT OR REPLACE INTO settings VALUES (?, ?)", [name, dumps(value)])
    db.execute("COMMIT")
    return db.execute("SELECT COUNT(*) FROM stories").fetchone()[0]
