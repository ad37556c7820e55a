"""Confusion counts for the rule-quality tests (written passages and real labelled passages alike)."""

from __future__ import annotations

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
