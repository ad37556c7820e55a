"""Replay: re-match stored articles with a (candidate) rules file and diff against what was matched before.

Read-only by design -- nothing is written to the database and nothing is sent -- so an operator can try a
rule change against real recent articles and see exactly what it would add and remove before committing it.
"Before" is what the match stage stored (the matches table) when each article was first matched.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from borderwatch.records import RuleMatch
from borderwatch.store import Store
from borderwatch.store.articles import articles_with_rules_since
from borderwatch.store.feedback import marked_articles

from .matcher import Matcher
from .rules import RuleSet

SINCE_RE = re.compile(r"^\s*(\d+)\s*([hdw])\s*$", re.I)


class SinceError(ValueError):
    pass


def parse_since(value: str, now: datetime) -> datetime:
    """'30d', '12h', '2w' or an ISO date ('2026-11-01') -> a UTC datetime."""
    m = SINCE_RE.match(value or "")
    if m:
        n, unit = int(m.group(1)), m.group(2).lower()
        return now - {"h": timedelta(hours=n), "d": timedelta(days=n), "w": timedelta(weeks=n)}[unit]
    try:
        dt = datetime.fromisoformat(value.strip())
    except ValueError:
        raise SinceError(
            f"--since {value!r}: use a duration like 30d, 12h, 2w or a date like 2026-11-01"
        ) from None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=now.tzinfo)
    return dt


@dataclass
class ArticleDiff:
    article_id: int
    title: str
    url: str
    source: str
    before: list[str]  # rule ids stored when the article was matched
    after: list[RuleMatch]  # what the replayed rules fire now (priority order)
    language: str | None = None  # detected when it was matched (borderwatch/language.py)

    @property
    def after_ids(self) -> list[str]:
        return [m.rule for m in self.after]

    @property
    def kind(self) -> str:
        if not self.before and self.after:
            return "added"
        if self.before and not self.after:
            return "removed"
        if set(self.before) != set(self.after_ids):
            return "changed"
        return "same"


@dataclass
class RuleCount:
    before: int = 0
    after: int = 0
    added: int = 0
    removed: int = 0


@dataclass
class ReplayReport:
    since: datetime
    articles: int = 0  # matched articles in the window that were replayed
    skipped: int = 0  # in the window but not matched yet (new) or never fetched (old)
    fired_before: int = 0
    fired_after: int = 0
    rules: dict[str, RuleCount] = field(default_factory=dict)
    diffs: list[ArticleDiff] = field(default_factory=list)  # only articles whose rules changed

    def of_kind(self, kind: str) -> list[ArticleDiff]:
        return [d for d in self.diffs if d.kind == kind]

    @property
    def changed(self) -> bool:
        return bool(self.diffs)


def replay(store: Store, ruleset: RuleSet, since: datetime, batch: int = 500) -> ReplayReport:
    matcher = Matcher(ruleset)
    report = ReplayReport(since=since)
    order = {r.id: i for i, r in enumerate(ruleset.topics)}
    for rows, stored in articles_with_rules_since(store, since, batch):
        for r in rows:
            if r.status != "matched":
                report.skipped += 1
                continue
            report.articles += 1
            before = sorted(stored.get(r.id, []), key=lambda rid: (order.get(rid, len(order)), rid))
            after = matcher.match(r.title or "", r.text or "", language=r.language)
            report.fired_before += bool(before)
            report.fired_after += bool(after)
            after_ids = {m.rule for m in after}
            for rid in set(before) | after_ids:
                c = report.rules.setdefault(rid, RuleCount())
                c.before += rid in before
                c.after += rid in after_ids
                c.added += rid in after_ids and rid not in before
                c.removed += rid in before and rid not in after_ids
            if set(before) != after_ids:
                report.diffs.append(
                    ArticleDiff(r.id, r.title or "", r.url, r.source, before, after, r.language)
                )
    for r in ruleset.topics:  # a rule with `topic:` fires under its topic: no row of its own
        report.rules.setdefault(r.id, RuleCount())
    return report


# -- feedback: what a candidate would do to the items consultants marked -----------------------------------


@dataclass
class MarkedItem:
    article_id: int
    title: str
    url: str
    source: str
    rule: str  # the topic it was marked under
    verdict: str  # useful | not_relevant
    after: list[str]  # rules the candidate fires on it

    @property
    def kept(self) -> bool:
        """Would the candidate still send it under the rule it was marked under?"""
        return self.rule in self.after


@dataclass
class FeedbackReplay:
    since: datetime
    not_relevant: list[MarkedItem] = field(default_factory=list)
    useful: list[MarkedItem] = field(default_factory=list)

    @property
    def dropped(self) -> list[MarkedItem]:  # flagged items the candidate stops sending under their rule
        return [m for m in self.not_relevant if not m.kept]

    @property
    def lost(self) -> list[MarkedItem]:  # useful items the candidate would no longer send under their rule
        return [m for m in self.useful if not m.kept]


def replay_feedback(store: Store, ruleset: RuleSet, since: datetime) -> FeedbackReplay:
    """Re-match the items marked in Slack since `since` (whenever they were first seen) with `ruleset`."""
    matcher = Matcher(ruleset)
    out = FeedbackReplay(since=since)
    marks, arts = marked_articles(store, since)  # several users' same mark: once per item
    fired: dict[int, list[str]] = {}
    for aid, rule, verdict in sorted(marks):
        a = arts.get(aid)
        if a is None:
            continue
        if aid not in fired:
            fired[aid] = [m.rule for m in matcher.match(a.title or "", a.text or "")]
        item = MarkedItem(aid, a.title or a.url, a.url, a.source, rule, verdict, fired[aid])
        (out.useful if verdict == "useful" else out.not_relevant).append(item)
    return out
