"""Retention: what is kept forever and what is pruned, so months of daily runs stay small.

Kept forever: every article's metadata (URL, GUID, title, dates, status), every URL seen, matches (with
their snippets), digests and their Slack ts — this is what guarantees nothing is fetched or sent twice.
Pruned after `settings.retention_days` (default 90; 0 keeps everything):
- the stored full text of articles first seen before the cutoff, once they no longer wait for anything
  (matched and either sent or not matching any rule; 'old' backfill rows have no text anyway);
- the rendered Block Kit payload of digest parts Slack acknowledged before the cutoff (ts is kept).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, exists, not_, select, update

from borderwatch.store import ArticleRow, DigestItem, DigestPart, MatchRow, Store, utcnow

DEFAULT_RETENTION_DAYS = 90
log = logging.getLogger("borderwatch.retention")


@dataclass
class PruneResult:
    days: int
    cutoff: datetime | None
    texts_pruned: int = 0
    parts_pruned: int = 0


def retention_days(settings: dict) -> int:
    return int(settings.get("retention_days", DEFAULT_RETENTION_DAYS))


def prune(store: Store, days: int = DEFAULT_RETENTION_DAYS, now: datetime | None = None, batch: int = 5000):
    """Drop full texts and sent digest payloads older than `days`. Idempotent; small batches, short locks."""
    res = PruneResult(days=days, cutoff=None)
    if days <= 0:
        return res
    now = now or utcnow()
    cutoff = res.cutoff = now - timedelta(days=days)
    has_match = exists().where(MatchRow.article_id == ArticleRow.id)
    in_digest = exists().where(DigestItem.article_id == ArticleRow.id)
    waiting = and_(has_match, not_(in_digest))  # matched, queued for a digest: keep its text
    while True:
        with store.session() as s:
            ids = s.scalars(
                select(ArticleRow.id)
                .where(
                    ArticleRow.first_seen < cutoff,
                    ArticleRow.text.is_not(None),
                    ArticleRow.status != "new",
                    not_(waiting),
                )
                .limit(batch)
            ).all()
            if not ids:
                break
            s.execute(
                update(ArticleRow)
                .where(ArticleRow.id.in_(ids))
                .values(text=None, text_pruned_at=now)
                .execution_options(synchronize_session=False)
            )
            res.texts_pruned += len(ids)
    with store.session() as s:
        ids = s.scalars(
            select(DigestPart.id).where(
                DigestPart.status == "sent", DigestPart.sent_at < cutoff, DigestPart.text != ""
            )
        ).all()
        for i in range(0, len(ids), batch):
            s.execute(
                update(DigestPart)
                .where(DigestPart.id.in_(ids[i : i + batch]))
                .values(blocks=[], text="")
                .execution_options(synchronize_session=False)
            )
        res.parts_pruned = len(ids)
    if res.texts_pruned or res.parts_pruned:
        log.info(
            "retention pruned stored text",
            extra={
                "event": "retention.pruned",
                "days": days,
                "texts": res.texts_pruned,
                "digest_parts": res.parts_pruned,
            },
        )
    return res
