"""The digest queue and the outbox: which matched articles wait for a digest, and each digest's parts
with their delivery states (pending -> sending -> sent; see borderwatch/alerts/outbox.py for the protocol).

Each digest goes to one *destination* (DigestRow.destination: "default", "slack:C0POLICY1", ...; see
alerts/delivery.py) over a channel kind (DigestRow.channel: slack | webhook | console). "Queued" and
"pending digest" are defined once, here, and so is which kinds the daily delivery reads: every kind but the
weekly trends chart, which shares these tables and states but goes out on its own day (store/trends.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from .db import Store
from .models import TRENDS_KIND, ArticleRow, DigestItem, DigestPart, DigestRow, MatchRow, utcnow


def queued_where():
    """ "Queued", defined once: matched articles that fired at least one rule and were never put in a
    digest, i.e. the next digest's items (retention keeps their text)."""
    return (
        ArticleRow.status == "matched",
        ArticleRow.id.in_(select(MatchRow.article_id)),
        ArticleRow.id.not_in(select(DigestItem.article_id)),
    )


def _of_kind(kind: str | None = None):
    """Which digests a reader means, defined once: those of `kind`, or (None) the daily delivery's, every
    kind but the weekly trends chart (sent by alerts/trends_delivery.py; never in the digest's counts)."""
    return DigestRow.kind == kind if kind else DigestRow.kind != TRENDS_KIND


def _pending_digests(kind: str | None = None):
    """ "Pending digest", defined once: written but not yet fully sent (retried until it is)."""
    return select(DigestRow.id).where(DigestRow.status == "pending", _of_kind(kind))


def queued_matches(store: Store) -> list[tuple[ArticleRow, MatchRow]]:
    """Every queued article with each of its matches, oldest article first."""
    with store.session() as s:
        return [
            (a, m)
            for a, m in s.execute(
                select(ArticleRow, MatchRow)
                .join(MatchRow, MatchRow.article_id == ArticleRow.id)
                .where(*queued_where())
                .order_by(ArticleRow.id)
            ).all()
        ]


def count_queued(store: Store) -> int:
    with store.session() as s:
        return s.scalar(select(func.count(ArticleRow.id)).where(*queued_where())) or 0


@dataclass
class SentArticle:
    id: int
    title: str | None
    text: str | None


def sent_since(store: Store, since: datetime, destination: str) -> list[SentArticle]:
    """Articles put in a digest for `destination` created at or after `since` (near-duplicate detection)."""
    with store.session() as s:
        rows = s.execute(
            select(ArticleRow.id, ArticleRow.title, ArticleRow.text)
            .join(DigestItem, DigestItem.article_id == ArticleRow.id)
            .join(DigestRow, DigestRow.id == DigestItem.digest_id)
            .where(DigestRow.created_at >= since, DigestItem.destination == destination)
        ).all()
    return [SentArticle(r.id, r.title, r.text) for r in rows]


@dataclass
class NewItem:
    article_id: int
    role: str  # item | also | repeat
    lead_article_id: int | None = None
    rule_id: str | None = None


@dataclass
class NewPart:
    blocks: list[dict]
    text: str
    thread: bool = False
    payload: dict | None = None
    kind: str = "message"  # message (blocks + text) | notify (an Apprise message, described by payload)


@dataclass
class NewDigest:
    destination: str  # where it goes ("default", "slack:C0...")
    channel: str  # the channel kind that posts it: slack | webhook | console
    items: list[NewItem]
    parts: list[NewPart]
    item_count: int
    created_at: datetime
    day: str  # the local day it reports on
    kind: str = "daily"  # daily | warnings


def create_digests(store: Store, digests: list[NewDigest]) -> list[int]:
    """Write digests with their items and parts in one transaction (so no item is ever recorded for one
    destination and lost for another). A digest with no parts is born sent."""
    ids = []
    with store.session() as s:
        for new in digests:
            d = DigestRow(
                channel=new.channel,
                status="pending" if new.parts else "sent",
                item_count=new.item_count,
                created_at=new.created_at,
                sent_at=None if new.parts else new.created_at,
                kind=new.kind,
                day=new.day,
                destination=new.destination,
            )
            s.add(d)
            s.flush()
            for it in new.items:
                s.add(
                    DigestItem(
                        digest_id=d.id,
                        article_id=it.article_id,
                        role=it.role,
                        lead_article_id=it.lead_article_id,
                        rule_id=it.rule_id,
                        destination=new.destination,
                    )
                )
            for i, p in enumerate(new.parts):
                s.add(
                    DigestPart(
                        digest_id=d.id,
                        idx=i,
                        kind=p.kind,
                        blocks=p.blocks,
                        text=p.text,
                        status="pending",
                        thread=p.thread,
                        payload=p.payload,
                    )
                )
            ids.append(d.id)
    return ids


def first_part_payloads(store: Store, day: str, destination: str) -> list[dict | None]:
    """The payload of part 0 of every message digest for `day` to `destination` (sent or still queued)."""
    with store.session() as s:
        return list(
            s.scalars(
                select(DigestPart.payload)
                .join(DigestRow, DigestRow.id == DigestPart.digest_id)
                .where(
                    DigestRow.day == day,
                    DigestPart.idx == 0,
                    DigestPart.kind == "message",
                    DigestRow.destination == destination,
                    _of_kind(),
                )
            ).all()
        )


def supersede_pending(store: Store, kind: str, before_day: str) -> int:
    """Mark unsent digests of `kind` for days before `before_day` superseded (never sent late)."""
    with store.session() as s:
        stale = s.scalars(
            select(DigestRow).where(DigestRow.id.in_(_pending_digests(kind)), DigestRow.day < before_day)
        ).all()
        for d in stale:
            d.status = "superseded"
        return len(stale)


def pending_digests(store: Store) -> list[tuple[int, str]]:
    """(digest id, destination) of every digest written but not yet fully sent, oldest first (the daily
    delivery's: the trends chart is sent on its own day)."""
    with store.session() as s:
        return [
            (r.id, r.destination)
            for r in s.execute(
                select(DigestRow.id, DigestRow.destination)
                .where(DigestRow.id.in_(_pending_digests()))
                .order_by(DigestRow.id)
            ).all()
        ]


def digest_and_parts(store: Store, digest_id: int) -> tuple[DigestRow, list[DigestPart]]:
    with store.session() as s:
        digest = s.get(DigestRow, digest_id)
        parts = s.scalars(
            select(DigestPart).where(DigestPart.digest_id == digest_id).order_by(DigestPart.idx)
        ).all()
        return digest, list(parts)


def unsent_parts(store: Store) -> list[tuple[DigestPart, int, str]]:
    """(part, parts in its digest, destination) for every unsent part of a pending digest, in sending order."""
    out = []
    for did, destination in pending_digests(store):
        _, parts = digest_and_parts(store, did)
        out += [(p, len(parts), destination) for p in parts if p.status != "sent"]
    return out


def count_unsent(store: Store) -> tuple[int, int]:
    """(pending digests, their unsent parts)."""
    with store.session() as s:
        digests = s.scalar(select(func.count()).select_from(_pending_digests().subquery()))
        parts = s.scalar(
            select(func.count(DigestPart.id)).where(
                DigestPart.digest_id.in_(_pending_digests()), DigestPart.status != "sent"
            )
        )
        return digests or 0, parts or 0


def mark_part_sending(store: Store, part_id: int) -> None:
    """Before a post or upload: a file id from an earlier attempt (found not shared) no longer applies."""
    with store.session() as s:
        p = s.get(DigestPart, part_id)
        p.status = "sending"
        p.attempts = (p.attempts or 0) + 1
        p.first_attempt_at = p.first_attempt_at or utcnow()
        p.file_id = None


def set_part_file_id(store: Store, part_id: int, file_id: str) -> None:
    """A file part's Slack file id, kept the moment Slack issues it (before the file can be shared)."""
    with store.session() as s:
        s.get(DigestPart, part_id).file_id = file_id


def mark_part_sent(
    store: Store, part_id: int, ts: str | None, channel_id: str | None, file_id: str | None = None
) -> DigestPart:
    with store.session() as s:
        p = s.get(DigestPart, part_id)
        p.status = "sent"
        p.ts = ts or p.ts
        p.channel_id = channel_id or p.channel_id
        p.file_id = file_id or p.file_id
        p.sent_at = utcnow()
        p.last_error = None
        s.flush()
        return p


def mark_part_failed(store: Store, part_id: int, status: str, error: str) -> None:
    """Back to `status` (pending: surely not sent; sending: maybe sent) with the error kept."""
    with store.session() as s:
        p = s.get(DigestPart, part_id)
        p.status = status
        p.last_error = error[:2000]


def mark_digest_sent(store: Store, digest_id: int) -> None:
    with store.session() as s:
        d = s.get(DigestRow, digest_id)
        d.status = "sent"
        d.sent_at = utcnow()


def last_sent_digest(store: Store) -> tuple[DigestRow, list[str | None]] | None:
    """The digest sent most recently and the Slack ts of each of its parts (None where unknown)."""
    with store.session() as s:
        d = s.scalars(
            select(DigestRow)
            .where(DigestRow.status == "sent", _of_kind())
            .order_by(DigestRow.sent_at.desc(), DigestRow.id.desc())
            .limit(1)
        ).first()
        if d is None:
            return None
        ts = s.scalars(
            select(DigestPart.ts).where(DigestPart.digest_id == d.id).order_by(DigestPart.idx)
        ).all()
        return d, list(ts)


def last_daily_sent_at(store: Store) -> datetime | None:
    with store.session() as s:
        return s.scalar(
            select(func.max(DigestRow.sent_at)).where(DigestRow.status == "sent", DigestRow.kind == "daily")
        )


def delivered_digest_rows(store: Store):
    """Delivered daily digests for the archive: [(digest, [(lead article, rule_id)], [(lead_id, article)],
    {(article_id, rule_id): match})], oldest first."""
    with store.session() as s:
        digests = s.scalars(
            select(DigestRow)
            .where(DigestRow.status == "sent", DigestRow.kind == "daily", DigestRow.item_count > 0)
            .order_by(DigestRow.id)
        ).all()
        if not digests:
            return []
        ids = [d.id for d in digests]
        rows = s.execute(
            select(DigestItem, ArticleRow)
            .join(ArticleRow, ArticleRow.id == DigestItem.article_id)
            .where(DigestItem.digest_id.in_(ids), DigestItem.role.in_(("item", "also")))
            .order_by(DigestItem.id)
        ).all()
        lead_ids = [it.article_id for it, _ in rows if it.role == "item"]
        matches = (
            {
                (m.article_id, m.rule_id): m
                for m in s.scalars(select(MatchRow).where(MatchRow.article_id.in_(lead_ids))).all()
            }
            if lead_ids
            else {}
        )
    leads: dict[int, list] = {i: [] for i in ids}
    also: dict[int, list] = {i: [] for i in ids}
    for it, art in rows:
        if it.role == "item":
            leads[it.digest_id].append((art, it.rule_id))
        else:
            also[it.digest_id].append((it.lead_article_id, art))
    return [(d, leads[d.id], also[d.id], matches) for d in digests]
