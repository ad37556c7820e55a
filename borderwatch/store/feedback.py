"""The feedback table: consultants' verdicts on digest items (alerts/feedback.py handles the clicks).

One row per item, topic and Slack user. The item's topic is the rule it was shown under in the digest
message the click came from, found through the outbox's stored (channel, ts) of each part.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from .db import Store
from .models import ArticleRow, DigestItem, DigestPart, DigestRow, FeedbackRow, MatchRow, utcnow


@dataclass
class SentItem:
    digest_id: int
    part_id: int
    part_idx: int
    parts: int
    rule_id: str


def find_sent_item(store: Store, channel_id: str, ts: str, article_id: int) -> SentItem | None:
    """The digest part posted at (channel, ts) and the topic `article_id` was shown under in it."""
    with store.session() as s:
        part = s.execute(
            select(DigestPart.id, DigestPart.digest_id, DigestPart.idx, DigestPart.channel_id).where(
                DigestPart.ts == ts
            )
        ).all()
        part = next((p for p in part if p.channel_id in (None, channel_id)), None)
        if part is None:
            return None
        rule = s.scalar(
            select(DigestItem.rule_id).where(
                DigestItem.digest_id == part.digest_id,
                DigestItem.article_id == article_id,
                DigestItem.role == "item",
            )
        )
        if rule is None:
            return None
        total = s.scalar(select(func.count(DigestPart.id)).where(DigestPart.digest_id == part.digest_id))
        return SentItem(part.digest_id, part.id, part.idx, total or 1, rule)


def record_verdict(
    store: Store, article_id: int, verdict: str, user_id: str, channel_id: str | None, item: SentItem
) -> str:
    """Store a click: 'new', 'same' (nothing written) or 'changed' (the earlier verdict replaced)."""
    for _attempt in range(2):  # two clicks racing to insert the same row: the loser updates instead
        try:
            with store.session() as s:
                row = s.scalar(
                    select(FeedbackRow).where(
                        FeedbackRow.article_id == article_id,
                        FeedbackRow.rule_id == item.rule_id,
                        FeedbackRow.user_id == user_id,
                    )
                )
                now = utcnow()
                if row is None:
                    s.add(
                        FeedbackRow(
                            article_id=article_id,
                            rule_id=item.rule_id,
                            verdict=verdict,
                            user_id=user_id,
                            digest_id=item.digest_id,
                            channel_id=channel_id,
                            created_at=now,
                            updated_at=now,
                        )
                    )
                    return "new"
                if row.verdict == verdict:
                    return "same"
                row.verdict, row.updated_at = verdict, now
                return "changed"
        except IntegrityError:
            continue
    return "same"


def verdicts_in(store: Store, digest_id: int, article_ids: list[int]) -> dict[int, list[tuple[str, str]]]:
    """{article id: [(verdict, user id)]} for the items of one digest, in click order."""
    if not article_ids:
        return {}
    with store.session() as s:
        shown = dict(
            s.execute(
                select(DigestItem.article_id, DigestItem.rule_id).where(
                    DigestItem.digest_id == digest_id,
                    DigestItem.article_id.in_(article_ids),
                    DigestItem.role == "item",
                )
            ).all()
        )
        rows = s.execute(
            select(FeedbackRow.article_id, FeedbackRow.rule_id, FeedbackRow.verdict, FeedbackRow.user_id)
            .where(FeedbackRow.article_id.in_(article_ids))
            .order_by(FeedbackRow.created_at, FeedbackRow.id)
        ).all()
    out: dict[int, list[tuple[str, str]]] = {}
    for aid, rule, verdict, user in rows:
        if shown.get(aid) == rule:
            out.setdefault(aid, []).append((verdict, user))
    return out


def part_blocks(store: Store, part_id: int) -> tuple[list[dict], str]:
    """A sent part's stored blocks and fallback text."""
    with store.session() as s:
        p = s.get(DigestPart, part_id)
        return list(p.blocks or []), p.text or ""


@dataclass
class FeedbackSince:
    """What the per-rule rates are computed from (alerts/feedback.feedback_by_rule)."""

    sent: dict[str, set[int]]  # rule -> items shown under it in digests sent in the window
    marked: dict[tuple[str, str], set[int]]  # (rule, verdict) -> those of the sent items marked so
    flagged_terms: list[tuple[str, int, list[str] | None]]  # (rule, article, terms) of not-relevant items


def feedback_since(store: Store, since: datetime) -> FeedbackSince:
    """Items shown under each rule in digests sent since `since`, their verdicts under that rule, and the
    terms that fired on those marked not relevant."""
    with store.session() as s:
        shown = s.execute(
            select(DigestItem.rule_id, DigestItem.article_id)
            .join(DigestRow, DigestRow.id == DigestItem.digest_id)
            .where(DigestItem.role == "item", DigestRow.status == "sent", DigestRow.created_at >= since)
        ).all()
        sent: dict[str, set[int]] = {}
        for rule, aid in shown:
            if rule:
                sent.setdefault(rule, set()).add(aid)
        ids = {aid for aids in sent.values() for aid in aids}
        verdicts = (
            s.execute(
                select(FeedbackRow.rule_id, FeedbackRow.article_id, FeedbackRow.verdict).where(
                    FeedbackRow.article_id.in_(ids)
                )
            ).all()
            if ids
            else []
        )
        marked: dict[tuple[str, str], set[int]] = {}
        for rule, aid, verdict in verdicts:
            if aid in sent.get(rule, ()):
                marked.setdefault((rule, verdict), set()).add(aid)
        flagged = {(r, a) for (r, v), aids in marked.items() if v == "not_relevant" for a in aids}
        terms_rows = (
            s.execute(
                select(MatchRow.rule_id, MatchRow.article_id, MatchRow.terms).where(
                    MatchRow.article_id.in_({a for _r, a in flagged})
                )
            ).all()
            if flagged
            else []
        )
    return FeedbackSince(sent, marked, [(r, a, t) for r, a, t in terms_rows if (r, a) in flagged])


def flagged_items(store: Store, verdict: str, since: datetime) -> dict[int, set[str]]:
    """{article id: rules it was marked `verdict` under} for feedback given since `since`."""
    with store.session() as s:
        rows = s.execute(
            select(FeedbackRow.article_id, FeedbackRow.rule_id).where(
                FeedbackRow.verdict == verdict, FeedbackRow.updated_at >= since
            )
        ).all()
    out: dict[int, set[str]] = {}
    for aid, rule in rows:
        out.setdefault(aid, set()).add(rule)
    return out


def marked_articles(store: Store, since: datetime) -> tuple[set[tuple[int, str, str]], dict[int, ArticleRow]]:
    """The (article id, rule, verdict) marks given since `since` (several users' same mark once) and the
    articles they are on (for `rules replay`'s feedback part)."""
    with store.session() as s:
        rows = s.execute(
            select(FeedbackRow.article_id, FeedbackRow.rule_id, FeedbackRow.verdict)
            .where(FeedbackRow.updated_at >= since)
            .order_by(FeedbackRow.article_id, FeedbackRow.rule_id)
        ).all()
        marks = {(aid, rule, verdict) for aid, rule, verdict in rows}
        arts = {
            a.id: a
            for a in s.scalars(select(ArticleRow).where(ArticleRow.id.in_({m[0] for m in marks}))).all()
        }
    return marks, arts
