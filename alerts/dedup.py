"""Near-duplicate detection: the same story from several outlets (syndication) or re-posted under a new URL.

Each article becomes a MinHash (datasketch) of the word 3-shingles of its folded title + main text; a MinHashLSH
index finds candidates and the estimated Jaccard similarity decides (default threshold 0.5: a wire story
with a different intro or a re-post with a new headline stays well above it; two different stories about the
same topic share few 3-word sequences and stay far below). Independent reporting of the same event in other
words is deliberately *not* merged: that is new information for the reader.

Decision for late twins: a queued article that is a near-duplicate of an article already sent in a digest
within the window (default 14 days) is not sent again. It is recorded as a "repeat" of the earlier article
(so it never comes back) and the next digest's header counts it.
"""

from __future__ import annotations

import sys
import types
from dataclasses import dataclass

from borderwatch.config import DEFAULTS

from .textnorm import WORD, fold

NUM_PERM = 128
SHINGLE = 3
MIN_TOKENS = 8  # fewer words than this is too little evidence to call two articles the same story
MAX_TOKENS = 4000  # the first few thousand words say whether two articles are the same story
DEFAULT_THRESHOLD = DEFAULTS.delivery.duplicate_threshold  # settings.duplicate_threshold


# MinHashLSH's (bands, rows) for the default threshold, as datasketch's own optimiser computes them; passing
# them skips that optimiser (a scipy.integrate.quad call) for the default. Other thresholds still compute them.
_LSH_PARAMS = {(DEFAULT_THRESHOLD, NUM_PERM): (25, 5)}


def _datasketch():
    """datasketch, imported without scipy.integrate: that import alone costs ~40 MB resident (it pulls in
    scipy.optimize, sparse, linalg and special), and datasketch needs it only for `quad` in the LSH parameter
    optimiser, which the default threshold never runs (_LSH_PARAMS). While datasketch is imported,
    scipy.integrate is a stand-in whose `quad` imports the real one when called; the stand-in is removed again
    at once, so any later `import scipy.integrate` gets the real module."""
    if "datasketch" in sys.modules or "scipy.integrate" in sys.modules:
        import datasketch

        return datasketch

    def quad(*args, **kwargs):
        from scipy.integrate import quad as real

        return real(*args, **kwargs)

    stand_in = types.ModuleType("scipy.integrate")
    stand_in.quad = quad
    sys.modules["scipy.integrate"] = stand_in
    try:
        import datasketch
    finally:
        if sys.modules.get("scipy.integrate") is stand_in:
            del sys.modules["scipy.integrate"]
    return datasketch


@dataclass(frozen=True)
class Doc:
    key: int  # article id
    title: str
    text: str


def tokens(title: str, text: str) -> list[str]:
    return [t.lower() for t in WORD.findall(fold(f"{title or ''}\n{text or ''}"))][:MAX_TOKENS]


def shingles(toks: list[str], k: int = SHINGLE) -> set[bytes]:
    if len(toks) < k:
        return {" ".join(toks).encode()} if toks else set()
    return {" ".join(toks[i : i + k]).encode() for i in range(len(toks) - k + 1)}


class NearDuplicates:
    """An LSH index of articles; `similar(doc)` lists indexed articles that are the same story."""

    def __init__(self, threshold: float = DEFAULT_THRESHOLD):
        self.threshold = threshold
        self.lsh = _datasketch().MinHashLSH(
            threshold=threshold, num_perm=NUM_PERM, params=_LSH_PARAMS.get((threshold, NUM_PERM))
        )
        self.hashes: dict = {}

    def sketch(self, docs: list[Doc]) -> dict:
        """MinHashes for the docs with enough words (computed in one batch: shared permutations)."""
        sets, keys = [], []
        for d in docs:
            toks = tokens(d.title, d.text)
            if len(toks) >= MIN_TOKENS:
                sets.append(shingles(toks))
                keys.append(d.key)
        if not sets:
            return {}
        return dict(zip(keys, _datasketch().MinHash.bulk(sets, num_perm=NUM_PERM, seed=1), strict=True))

    def add(self, key: int, mh) -> None:
        if key not in self.hashes:
            self.lsh.insert(key, mh)
            self.hashes[key] = mh

    def similar(self, mh) -> list[tuple[int, float]]:
        """[(key, estimated Jaccard)] of indexed docs at or above the threshold, most similar first."""
        out = []
        for key in self.lsh.query(mh):
            j = mh.jaccard(self.hashes[key])
            if j >= self.threshold:
                out.append((key, j))
        return sorted(out, key=lambda kj: (-kj[1], kj[0]))


@dataclass
class Clustering:
    clusters: list[list[int]]  # queued article ids; each cluster's first id is its lead
    repeats: dict[int, int]  # queued article id -> the earlier sent article it repeats


def cluster(
    queued: list[Doc],
    sent: list[Doc],
    order: dict[int, tuple],
    threshold: float = DEFAULT_THRESHOLD,
) -> Clustering:
    """Group queued articles into stories and spot repeats of stories already sent.

    `order` gives each queued id a sort key; the smallest key of a cluster is its lead (the caller passes
    (published, id) so the earliest report leads and the others become "also in").
    """
    index = NearDuplicates(threshold)
    for key, mh in index.sketch(sent).items():
        index.add(-1 - key, mh)  # negative keys: already sent
    hashes = index.sketch(queued)
    parent: dict[int, int] = {d.key: d.key for d in queued}
    repeats: dict[int, int] = {}

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for d in sorted(queued, key=lambda d: order[d.key]):
        mh = hashes.get(d.key)
        if mh is None:
            continue
        sims = [key for key, _j in index.similar(mh)]
        sent_hits = [k for k in sims if k < 0]
        repeat_hits = [k for k in sims if k >= 0 and k in repeats]
        if sent_hits:  # the same story as an article already sent
            repeats[d.key] = -1 - sent_hits[0]
        elif repeat_hits:  # the same story as a queued repeat: a repeat too
            repeats[d.key] = repeats[repeat_hits[0]]
        else:
            for key in sims:
                a, b = find(d.key), find(key)
                if a != b:
                    parent[max(a, b, key=lambda x: order[x])] = min(a, b, key=lambda x: order[x])
        index.add(d.key, mh)
    groups: dict[int, list[int]] = {}
    for d in queued:
        if d.key in repeats:
            continue
        groups.setdefault(find(d.key), []).append(d.key)
    clusters = []
    for members in groups.values():
        members.sort(key=lambda k: order[k])
        clusters.append(members)
    return Clustering(clusters=sorted(clusters, key=lambda m: order[m[0]]), repeats=repeats)
