"""Story strength: the score that orders items within a topic and picks the digest's top three.

    score = 3 × title hit                      (a matched term of the item's topic is in a title of the story)
          + 1 × distinct matched terms          (at most 5)
          + 2 × other outlets that carried it   (the near-duplicate cluster, alerts/dedup.py; at most 4)
          + 2 × recency                         (1 when just published, falling linearly to 0 at 48 hours)

The weights are deliberately few and round so a consultant can check an order by hand (docs/ranking.md).
Ties go to the newer item.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from .matcher import term_keys
from .rules import Term
from .textnorm import normalize

TITLE_WEIGHT = 3.0
TERM_WEIGHT = 1.0
MAX_TERMS = 5
OUTLET_WEIGHT = 2.0
MAX_OTHER_OUTLETS = 4
RECENCY_WEIGHT = 2.0
RECENCY_HOURS = 48.0
TOP_STORIES = 3


@dataclass(frozen=True)
class Score:
    total: float
    title_hit: bool
    terms: int
    outlets: int  # every outlet that carried the story, the lead's included
    age_hours: float | None

    def as_json(self) -> dict:
        return {
            "score": self.total,
            "title_hit": self.title_hit,
            "terms": self.terms,
            "outlets": self.outlets,
            "age_hours": None if self.age_hours is None else round(self.age_hours, 1),
        }


def title_hit(titles: list[str], terms: list[Term]) -> bool:
    """Does any of the terms occur, as a whole word or phrase, in any of the titles?"""
    for title in titles:
        cased = normalize(title or "", lower=False)
        low = cased.lower()
        for t in terms:
            for key in term_keys(t):
                if (key in cased) if t.case else (key.lower() in low):
                    return True
    return False


def score(hit_in_title: bool, terms: int, outlets: int, published: datetime | None, now: datetime) -> Score:
    age = None
    recency = 0.0
    if published is not None:
        age = max(0.0, (now - published).total_seconds() / 3600)
        recency = max(0.0, 1 - age / RECENCY_HOURS)
    total = (
        TITLE_WEIGHT * hit_in_title
        + TERM_WEIGHT * min(terms, MAX_TERMS)
        + OUTLET_WEIGHT * min(max(outlets - 1, 0), MAX_OTHER_OUTLETS)
        + RECENCY_WEIGHT * recency
    )
    return Score(round(total, 2), hit_in_title, terms, outlets, age)


__all__ = ["Score", "TOP_STORIES", "score", "title_hit"]
