"""Confusion counts for the rule-quality tests (written passages and real labelled passages alike)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass


@dataclass
class Counts:
    """True/false positives and negatives; an empty denominator scores 1.0 (nothing to get wrong)."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def false_alarms_per_100(self) -> float:
        return 100 * self.fp / (self.fp + self.tn) if self.fp + self.tn else 0.0


def page_key(url: str) -> str:
    """The page a URL names, for "do two sets share a page?": no scheme, `www.`, query, fragment or trailing slash,
    lower case.

    Looser than the crawler's canonical URL (crawler/urls.py) on purpose: an AMP or tracking variant of a page
    another set already holds counts as the same page here.
    """
    u = url.strip().split("://", 1)[-1].split("?", 1)[0].split("#", 1)[0].rstrip("/").lower()
    return u[4:] if u.startswith("www.") else u


def article_split(url: str) -> str:
    """The article samples' held-out third, fixed by the page before labelling: SHA-1 of page_key(url), first 8 hex
    digits mod 3 == 2 -> "heldout", else "tune" (tests/data/articles2_method.md)."""
    return "heldout" if int(hashlib.sha1(page_key(url).encode()).hexdigest()[:8], 16) % 3 == 2 else "tune"


def print_scores(
    title: str, scores: dict, errors: list[str], keys=("all", "tune", "heldout", "en", "es")
) -> None:
    """Print one set's scores (the keys it has) and one line per error, for the closing notes (`pytest -s`)."""
    print(f"\n{title}:")
    for key in keys:
        if key in scores:
            print(f"  {key:8} {scores[key]}")
    for e in errors:
        print("  " + e)
