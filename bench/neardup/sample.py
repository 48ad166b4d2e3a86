"""Draw a stratified sample of Reuters-21578 article pairs for judging near-duplicates by reading.

The sample is independent of any detector: pairs are enumerated exhaustively (shingle Jaccard over
all pairs of the corpus, TF-IDF cosine over all pairs within 3 days), put into disjoint strata and
drawn at random within each stratum with a fixed seed. Each pair carries its stratum and a weight
(stratum population / pairs drawn from it), so precision and recall over the whole population can
be estimated from the judged sample (see README.md).

    python bench/neardup/sample.py            # writes pairs.jsonl, strata.json and to-judge/
"""

from __future__ import annotations

import argparse
import gzip
import json
import logging
import math
import random
import re
import sys
import zlib
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np
from scipy import sparse

log = logging.getLogger("neardup.sample")

HERE = Path(__file__).resolve().parent
CORPUS = HERE.parents[1] / ".." / "shared" / "corpora" / "reuters21578.jsonl.gz"
SEED = 16
SHINGLE = 5
NEAR_DAYS = 3.0
COSINE_HIGH = 0.5  # "high bag-of-words cosine" for the rewritten/same-event stratum
COSINE_MID = 0.3  # with LONG_WORDS: the second-phase stratum of long articles
LONG_WORDS = 60  # both bodies at least this many words: "long" (templates are ~15 words)
TITLE_NAME_MAX_DF = 40  # a title word in at most this many titles counts as a name
PAIRS_PER_BATCH = 25

# (stratum, pairs to draw); the order is the order of assignment: a pair belongs to the first
# stratum whose rule it meets, so strata are disjoint.
PLAN = [
    ("exact", 20),
    ("j5-0.9+", 25),
    ("j5-0.7-0.9", 35),
    ("j5-0.5-0.7", 40),
    ("j5-0.3-0.5", 40),
    ("j5-0.1-0.3", 40),
    ("cosine-high-3d", 50),
    ("hard-negative-same-day", 25),
    ("random-3d", 25),
]
# second phase, drawn with SEED + 1 after the first 300 pairs were judged: the first phase found
# few same-event pairs (cosine-high-3d is mostly dividend and earnings tables), so more long pairs
PLAN2 = [
    ("cosine-high-3d-long", 40),
    ("cosine-mid-3d-long", 40),
]
JACCARD_BUCKETS = [(0.9, "j5-0.9+"), (0.7, "j5-0.7-0.9"), (0.5, "j5-0.5-0.7"),
                   (0.3, "j5-0.3-0.5"), (0.1, "j5-0.1-0.3")]

WORD = re.compile(r"[a-z0-9]+(?:['.][a-z0-9]+)*")
TITLE_WORD = re.compile(r"[A-Z][A-Z0-9&'.-]+")
STOP = frozenset(re.findall(r"\S+", """a about after against all also an and any are as at be been before but by can
could did do for from had has have he her his if in into is it its last may more most new no not
of on one or other our out over said says she so some such than that the their them then there
these they this to two up was we were what when which while who will with would year"""))
TITLE_STOP = frozenset(re.findall(r"\S+", """SAYS SAID SEES SEE SET SETS TO THE OF IN ON FOR AND AT BY WITH FROM AS
NOT NO NEW UP DOWN U.S. US INC CORP CO LTD PLC NV AG SA GROUP OFFER BID SHARE SHARES STAKE NET
QTR QTLY 1ST 2ND 3RD 4TH YEAR RAISES CUTS RATE RATES PRICE PRICES UNIT SALE BUY BUYS SELL SELLS
DIVIDEND DIV REPORTS REPORT EARNINGS LOSS PROFIT OIL TRADE BANK MARKET MONEY"""))


@dataclass
class Doc:
    id: int
    date: datetime | None
    title: str
    body: str


def load(path: Path) -> list[Doc]:
    """Articles with a body (BRIEF and UNPROC records without one are not articles)."""
    docs = []
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            body = r.get("body") or ""
            if not body.strip():
                continue
            date = datetime.fromisoformat(r["date"]) if r.get("date") else None
            docs.append(Doc(int(r["id"]), date, r.get("title") or "", body))
    return docs


def shingle_matrix(docs: list[Doc]) -> sparse.csr_matrix:
    """Binary docs x hashed word-5-shingle matrix (crc32 of the shingle; collisions are negligible)."""
    rows, cols = [], []
    for i, d in enumerate(docs):
        words = WORD.findall(d.body.lower())
        grams = {zlib.crc32(" ".join(words[k:k + SHINGLE]).encode())
                 for k in range(max(1, len(words) - SHINGLE + 1))}
        rows.extend([i] * len(grams))
        cols.extend(grams)
    _, cols = np.unique(np.asarray(cols, dtype=np.int64), return_inverse=True)
    m = sparse.csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)))
    m.sum_duplicates()
    return m


def tfidf_matrix(docs: list[Doc]) -> sparse.csr_matrix:
    """L2-normalised TF-IDF (sublinear tf, stop words out, numbers kept) of the bodies."""
    vocab: dict[str, int] = {}
    rows, cols, vals = [], [], []
    for i, d in enumerate(docs):
        counts = Counter(w for w in WORD.findall(d.body.lower()) if w not in STOP)
        for w, c in counts.items():
            rows.append(i)
            cols.append(vocab.setdefault(w, len(vocab)))
            vals.append(1.0 + math.log(c))
    m = sparse.csr_matrix((vals, (rows, cols)), shape=(len(docs), len(vocab)), dtype=np.float32)
    df = np.bincount(m.indices, minlength=len(vocab))
    m = m @ sparse.diags(np.log((1 + len(docs)) / (1 + df)) + 1).astype(np.float32)
    norms = np.sqrt(m.multiply(m).sum(axis=1)).A1
    return sparse.diags(1 / np.maximum(norms, 1e-9)) @ m


def title_names(docs: list[Doc]) -> list[set[str]]:
    """Rare capitalised title words (company and place names, mostly) of each article."""
    words = [set(TITLE_WORD.findall(d.title)) - TITLE_STOP for d in docs]
    df = Counter(w for ws in words for w in ws)
    return [{w for w in ws if len(w) >= 3 and df[w] <= TITLE_NAME_MAX_DF} for ws in words]


def normalised(body: str) -> str:
    return " ".join(body.split())


def jaccard_pairs(x: sparse.csr_matrix) -> dict[tuple[int, int], float]:
    """Every pair (row indices, i < j) with 5-shingle Jaccard >= 0.1, over the whole corpus."""
    size = np.asarray(x.sum(axis=1)).ravel()
    out: dict[tuple[int, int], float] = {}
    xt = x.T.tocsc()
    step = 2000
    for start in range(0, x.shape[0], step):
        inter = (x[start:start + step] @ xt).tocoo()
        i = inter.row + start
        keep = i < inter.col
        i, j, v = i[keep], inter.col[keep], inter.data[keep]
        jac = v / (size[i] + size[j] - v)
        for a, b, s in zip(i[jac >= 0.1], j[jac >= 0.1], jac[jac >= 0.1], strict=True):
            out[(int(a), int(b))] = float(s)
        log.info("jaccard: rows %d/%d, %d pairs >= 0.1", min(start + step, x.shape[0]),
                 x.shape[0], len(out))
    return out


class Window:
    """Dated articles in time order, with the pairs at most `days` apart."""

    def __init__(self, docs: list[Doc], days: float):
        self.order = np.array(sorted((i for i, d in enumerate(docs) if d.date),
                                     key=lambda i: docs[i].date))
        self.t = np.array([docs[i].date.timestamp() / 86400 for i in self.order])
        # the last position within `days` after each position: partners are p+1 .. last[p]-1
        self.last = np.searchsorted(self.t, self.t + days, side="right")
        self.partners = self.last - np.arange(len(self.t)) - 1
        self.cum = np.cumsum(self.partners).tolist()

    @property
    def population(self) -> int:
        return int(self.partners.sum())

    def high_cosine(self, tfidf: sparse.csr_matrix, threshold: float):
        """Yield (i, j, cosine) for every pair in the window with cosine >= threshold."""
        step = 500
        for s in range(0, len(self.order), step):
            e = min(s + step, len(self.order))
            hi = int(self.last[e - 1])
            block = (tfidf[self.order[s:e]] @ tfidf[self.order[s:hi]].T).toarray()
            cols = np.arange(s, hi)
            inside = (cols[None, :] > np.arange(s, e)[:, None]) & (cols[None, :] < self.last[s:e, None])
            for r, c in zip(*np.nonzero(inside & (block >= threshold)), strict=True):
                yield int(self.order[s + r]), int(self.order[s + c]), float(block[r, c])

    def draw(self, rng: random.Random) -> tuple[int, int]:
        """One pair drawn uniformly from the pairs of the window."""
        p = rng.choices(range(len(self.t)), cum_weights=self.cum)[0]
        return int(self.order[p]), int(self.order[rng.randrange(p + 1, int(self.last[p]))])


class Corpus:
    """The articles with what the strata are built from: TF-IDF, title names, lengths, the window."""

    def __init__(self, docs: list[Doc]):
        self.docs = docs
        self.tfidf = tfidf_matrix(docs)
        self.names = title_names(docs)
        self.words = [len(WORD.findall(d.body.lower())) for d in docs]
        self.window = Window(docs, NEAR_DAYS)

    def cosine(self, i: int, j: int) -> float:
        return float(self.tfidf[i].multiply(self.tfidf[j]).sum())

    def key(self, i: int, j: int) -> tuple[int, int]:
        return (i, j) if self.docs[i].id < self.docs[j].id else (j, i)

    def long(self, k: tuple[int, int]) -> bool:
        return min(self.words[k[0]], self.words[k[1]]) >= LONG_WORDS

    def within_window(self, k: tuple[int, int]) -> bool:
        a, b = (self.docs[i].date for i in k)
        return bool(a and b) and abs((a - b).total_seconds()) <= NEAR_DAYS * 86400

    def exact_jaccard(self, i: int, j: int) -> float:
        def grams(text: str) -> set[str]:
            w = WORD.findall(text.lower())
            return {" ".join(w[k:k + SHINGLE]) for k in range(max(1, len(w) - SHINGLE + 1))}
        a, b = grams(self.docs[i].body), grams(self.docs[j].body)
        return len(a & b) / len(a | b)

    def record(self, k: tuple[int, int], stratum: str, scores: tuple[float, float]) -> dict:
        i, j = k
        gap = (abs((self.docs[j].date - self.docs[i].date).total_seconds()) / 86400
               if self.docs[i].date and self.docs[j].date else None)
        return {"a": self.docs[i].id, "b": self.docs[j].id, "stratum": stratum, "weight": 0.0,
                "jaccard5": round(scores[0], 4), "cosine": round(scores[1], 4),
                "days": None if gap is None else round(gap, 2)}


Strata = dict[str, dict[tuple[int, int], tuple[float, float]]]


def build_strata(c: Corpus) -> tuple[Strata, set[tuple[int, int]], int]:
    """Every pair of the populations, by stratum (disjoint, in order), all those pairs, and the
    number of the rest: the other pairs within NEAR_DAYS (random-3d, filled by drawing)."""
    strata: Strata = defaultdict(dict)
    groups: dict[str, list[int]] = defaultdict(list)
    for i, d in enumerate(c.docs):
        groups[normalised(d.body)].append(i)
    for members in groups.values():
        for a in range(len(members)):
            for b in range(a + 1, len(members)):
                strata["exact"][c.key(members[a], members[b])] = (1.0, 1.0)
    taken = set(strata["exact"])

    jac = jaccard_pairs(shingle_matrix(c.docs))
    for (i, j), s in jac.items():
        k = c.key(i, j)
        if k not in taken:
            name = next(n for lo, n in JACCARD_BUCKETS if s >= lo)
            strata[name][k] = (s, c.cosine(i, j))
    taken |= {c.key(i, j) for i, j in jac}

    mid = {}  # Jaccard < 0.1 below: pairs >= 0.1 are taken
    for i, j, cos in c.window.high_cosine(c.tfidf, COSINE_MID):
        k = c.key(i, j)
        if k in taken:
            continue
        if cos >= COSINE_HIGH:
            strata["cosine-high-3d"][k] = (0.0, cos)
        elif c.long(k):
            mid[k] = (0.0, cos)
    taken |= set(strata["cosine-high-3d"])

    by_name: dict[tuple[str, object], list[int]] = defaultdict(list)
    for i, ns in enumerate(c.names):
        if c.docs[i].date:
            for n in ns:
                by_name[(n, c.docs[i].date.date())].append(i)
    for members in by_name.values():
        for a in range(len(members)):
            for b in range(a + 1, len(members)):
                k = c.key(members[a], members[b])
                if k not in taken:
                    strata["hard-negative-same-day"][k] = (0.0, c.cosine(*k))
    taken |= set(strata["hard-negative-same-day"])
    strata["cosine-mid-3d-long"] = {k: v for k, v in mid.items() if k not in taken}
    taken |= set(strata["cosine-mid-3d-long"])

    rest_population = c.window.population - sum(1 for k in taken if c.within_window(k))
    log.info("pairs within %g days: %d, in no other stratum: %d", NEAR_DAYS, c.window.population,
             rest_population)
    strata["random-3d"] = {}
    return strata, taken, rest_population


def draw(c: Corpus, strata: Strata, plan: list[tuple[str, int]], rng: random.Random,
         exclude: set[tuple[int, int]]) -> list[dict]:
    """Pairs drawn at random within each stratum of the plan, shuffled (strata mixed)."""
    pairs = []
    for name, want in plan:
        pool = sorted(set(strata[name]) - exclude)
        chosen = rng.sample(pool, min(want, len(pool)))
        for k in sorted(chosen, key=lambda k: (c.docs[k[0]].id, c.docs[k[1]].id)):
            js, cs = strata[name][k]
            if not name.startswith(("exact", "j5-")):  # below 0.1, but say how far below
                js = c.exact_jaccard(*k)
            pairs.append(c.record(k, name, (js, cs)))
    # judging order shuffled so that a reader does not judge by stratum
    rng.shuffle(pairs)
    return pairs


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=CORPUS)
    ap.add_argument("--out", type=Path, default=HERE)
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if not args.corpus.exists():
        log.error("%s: Reuters-21578 not found; pass --corpus PATH", args.corpus)
        return 2

    c = Corpus(load(args.corpus))
    log.info("%d articles with a body", len(c.docs))
    strata, taken, rest_population = build_strata(c)

    rng = random.Random(SEED)
    while len(strata["random-3d"]) < dict(PLAN)["random-3d"]:
        k = c.key(*c.window.draw(rng))
        if k not in taken:
            strata["random-3d"][k] = (0.0, c.cosine(*k))
    pairs = draw(c, strata, PLAN, rng, set())
    # second phase: more pairs where same-story pairs are, after the first 300 were judged
    # (cosine-high-3d is split by length after the fact: each part's sample stays uniform)
    ids = {(c.docs[i].id, c.docs[j].id): (i, j) for i, j in strata["cosine-high-3d"]}
    first = {ids[(p["a"], p["b"])] for p in pairs if p["stratum"] == "cosine-high-3d"}
    high = strata.pop("cosine-high-3d")
    strata["cosine-high-3d-long"] = {k: v for k, v in high.items() if c.long(k)}
    strata["cosine-high-3d-short"] = {k: v for k, v in high.items() if not c.long(k)}
    for p in pairs:
        if p["stratum"] == "cosine-high-3d":
            long = c.long(ids[(p["a"], p["b"])])
            p["stratum"] = "cosine-high-3d-long" if long else "cosine-high-3d-short"
    pairs += draw(c, strata, PLAN2, random.Random(SEED + 1), first)

    summary = {}
    for name in dict.fromkeys(p["stratum"] for p in sorted(pairs, key=lambda p: p["stratum"])):
        population = rest_population if name == "random-3d" else len(strata[name])
        sampled = sum(p["stratum"] == name for p in pairs)
        summary[name] = {"population": population, "sampled": sampled}
        for p in pairs:
            if p["stratum"] == name:
                p["weight"] = round(population / sampled, 3)
        log.info("%-24s population %9d  sampled %3d", name, population, sampled)

    with open(args.out / "pairs.jsonl", "w", encoding="utf-8") as f:
        for p in pairs:
            f.write(json.dumps(p) + "\n")
    params = {"seed": SEED, "shingle": SHINGLE, "near_days": NEAR_DAYS, "cosine_high": COSINE_HIGH,
              "cosine_mid": COSINE_MID, "long_words": LONG_WORDS,
              "title_name_max_df": TITLE_NAME_MAX_DF, "articles": len(c.docs), "strata": summary}
    (args.out / "strata.json").write_text(json.dumps(params, indent=2) + "\n", encoding="utf-8")
    write_batches(pairs, {d.id: d for d in c.docs}, args.out / "to-judge")
    return 0


def write_batches(pairs: list[dict], by_id: dict[int, Doc], folder: Path) -> None:
    """Markdown files of PAIRS_PER_BATCH pairs: both dates, titles and full bodies, no scores."""
    folder.mkdir(exist_ok=True)
    for old in folder.glob("batch-*.md"):
        old.unlink()
    for b in range(0, len(pairs), PAIRS_PER_BATCH):
        lines = [f"# Pairs {b + 1}-{min(b + PAIRS_PER_BATCH, len(pairs))} (labels: see ../FORMAT.md)", ""]
        for n, p in enumerate(pairs[b:b + PAIRS_PER_BATCH], start=b + 1):
            lines += [f"## Pair {n}: {p['a']} / {p['b']}", ""]
            for side in ("a", "b"):
                d = by_id[p[side]]
                lines += [f"### {side.upper()} {d.id} — {d.date or 'no date'} — {d.title}", "",
                          "```", d.body.rstrip(), "```", ""]
        (folder / f"batch-{b // PAIRS_PER_BATCH + 1:02d}.md").write_text("\n".join(lines),
                                                                        encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
