"""Exactly-once digest delivery through an outbox in the database.

1. Queued items (matched, never in a digest) are written as a digest with its rendered parts, in one
   transaction, *before* anything is sent.
2. Each part is marked 'sending' before the post and 'sent' (with Slack's ts) after the acknowledgement.
3. A part left in 'sending' (crash, timeout, lost answer) is looked up in the channel history by its message
   metadata before it is re-sent, so a post Slack accepted is never posted again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from borderwatch.store import ArticleRow, DigestItem, DigestPart, DigestRow, MatchRow, Store, utcnow

from .delivery import Deliverer, DeliveryError, PartRef
from .digest import DigestEntry, render
from .rules import RuleSet


@dataclass
class DeliveryResult:
    digests: list[int] = field(default_factory=list)
    parts_sent: int = 0
    items: int = 0
    error: str | None = None
    nothing_new: bool = False


def queued_entries(store: Store, ruleset: RuleSet | None) -> list[DigestEntry]:
    """Matched articles that were never put in a digest, each once under its best topic."""
    order = [r.id for r in ruleset.rules] if ruleset else []
    names = {r.id: r.name for r in ruleset.rules} if ruleset else {}
    rank = {rid: i for i, rid in enumerate(order)}
    with store.session() as s:
        in_digest = select(DigestItem.article_id)
        rows = s.execute(
            select(ArticleRow, MatchRow)
            .join(MatchRow, MatchRow.article_id == ArticleRow.id)
            .where(ArticleRow.status == "matched", ArticleRow.id.not_in(in_digest))
            .order_by(ArticleRow.id)
        ).all()
    by_article: dict[int, tuple[ArticleRow, list[MatchRow]]] = {}
    for art, m in rows:
        by_article.setdefault(art.id, (art, []))[1].append(m)
    entries = []
    for art, matches in by_article.values():
        matches.sort(key=lambda m: (rank.get(m.rule_id, len(rank)), m.rule_id))
        best = matches[0]
        entries.append(
            DigestEntry(
                article_id=art.id,
                title=art.title or art.url,
                url=art.url,
                source=art.source,
                published=art.published or art.first_seen,
                rule_id=best.rule_id,
                rule_name=names.get(best.rule_id, best.rule_id),
                terms=list(best.terms),
                snippet=best.snippet,
                other_rules=[names.get(m.rule_id, m.rule_id) for m in matches[1:]],
            )
        )
    return entries


def create_digest(
    store: Store,
    entries: list[DigestEntry],
    ruleset: RuleSet | None,
    channel: str,
    warnings: list[str],
    now: datetime,
) -> int:
    parts = render(entries, now, [r.id for r in ruleset.rules] if ruleset else [], warnings)
    with store.session() as s:
        d = DigestRow(channel=channel, status="pending", item_count=len(entries), created_at=now)
        s.add(d)
        s.flush()
        for e in entries:
            s.add(DigestItem(digest_id=d.id, article_id=e.article_id))
        for i, p in enumerate(parts):
            s.add(DigestPart(digest_id=d.id, idx=i, blocks=p.blocks, text=p.text, status="pending"))
        return d.id


def send_digest(store: Store, digest_id: int, deliverer: Deliverer) -> int:
    """Send every unsent part of a digest, in order. Raises DeliveryError and leaves the rest queued."""
    with store.session() as s:
        parts = s.scalars(
            select(DigestPart).where(DigestPart.digest_id == digest_id).order_by(DigestPart.idx)
        ).all()
    total, sent = len(parts), 0
    for part in parts:
        if part.status == "sent":
            continue
        ref = PartRef(digest_id=digest_id, part_id=part.id, idx=part.idx + 1, total=total)
        if part.status == "sending" and deliverer.can_lookup:
            ts = deliverer.find_posted(ref)
            if ts:
                _mark(store, part.id, "sent", ts=ts)
                continue
        _mark(store, part.id, "sending", attempt=True)
        try:
            ts = deliverer.post(part.blocks, part.text, ref)
        except DeliveryError as exc:
            _mark(store, part.id, "sending" if exc.maybe_sent else "pending", error=str(exc))
            raise
        _mark(store, part.id, "sent", ts=ts)
        sent += 1
    with store.session() as s:
        d = s.get(DigestRow, digest_id)
        d.status = "sent"
        d.sent_at = utcnow()
    return sent


def _mark(
    store: Store, part_id: int, status: str, ts: str | None = None, error: str | None = None, attempt=False
):
    with store.session() as s:
        p = s.get(DigestPart, part_id)
        p.status = status
        if ts is not None:
            p.ts = ts
        if status == "sent":
            p.sent_at = utcnow()
            p.last_error = None
        if error:
            p.last_error = error
        if attempt:
            p.attempts = (p.attempts or 0) + 1


def deliver(
    store: Store,
    deliverer: Deliverer,
    ruleset: RuleSet | None,
    warnings: list[str],
    now: datetime | None = None,
) -> DeliveryResult:
    now = now or utcnow()
    res = DeliveryResult()
    try:
        with store.session() as s:
            pending = s.scalars(
                select(DigestRow.id).where(DigestRow.status == "pending").order_by(DigestRow.id)
            ).all()
        for did in pending:  # finish what an earlier run started first
            res.parts_sent += send_digest(store, did, deliverer)
            res.digests.append(did)
        entries = queued_entries(store, ruleset)
        if not entries:  # nothing new: nothing is posted (the CLI says so on the console)
            res.nothing_new = True
            return res
        did = create_digest(store, entries, ruleset, deliverer.kind, warnings, now)
        res.items = len(entries)
        res.parts_sent += send_digest(store, did, deliverer)
        res.digests.append(did)
    except DeliveryError as exc:
        res.error = str(exc)
    return res
