"""Retention: what is kept forever and what is pruned, so months of daily runs stay small.

Kept forever: every article's metadata (URL, GUID, title, dates, status), every URL seen, matches (with
their snippets), digests and their Slack ts — this is what guarantees nothing is fetched or sent twice.
Pruned after `settings.retention_days` (default 90; 0 keeps everything):
- the stored full text of articles first seen before the cutoff, once they no longer wait for anything
  (matched and either sent or not matching any rule; 'old' backfill rows have no text anyway);
- the rendered Block Kit payload of digest parts Slack acknowledged before the cutoff (ts is kept).

SQLite does not give the space back by itself: a pruned row shrinks in place and its page stays mostly empty
(measured: 44% of the articles table unused after 9 months of daily pruning). So after pruning, at most once
every VACUUM_EVERY_DAYS, the SQLite file is rewritten compactly with VACUUM (seconds for a few hundred MB; it
needs that much free disk for the copy). A VACUUM that cannot run (locked, disk full) is logged and retried
next time; it never fails the run. PostgreSQL's autovacuum reuses the space on its own.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, not_, select, update
from sqlalchemy.exc import SQLAlchemyError

from borderwatch.config import DEFAULTS

from .db import Store
from .models import ArticleRow, DigestPart, utcnow
from .outbox import queued_where

DEFAULT_RETENTION_DAYS = DEFAULTS.retention_days  # settings.retention_days (borderwatch/config.py)
VACUUM_EVERY_DAYS = 7
VACUUM_KEY = "retention:last_vacuum"
log = logging.getLogger("borderwatch.retention")


@dataclass
class PruneResult:
    days: int
    cutoff: datetime | None
    texts_pruned: int = 0
    parts_pruned: int = 0
    vacuumed: bool = False


def prune(store: Store, days: int = DEFAULT_RETENTION_DAYS, now: datetime | None = None, batch: int = 5000):
    """Drop full texts and sent digest payloads older than `days`. Idempotent; small batches, short locks."""
    res = PruneResult(days=days, cutoff=None)
    if days <= 0:
        return res
    now = now or utcnow()
    cutoff = res.cutoff = now - timedelta(days=days)
    waiting = and_(*queued_where())  # queued for a digest: keep its text
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
        res.vacuumed = compact(store, now)
        log.info(
            "retention pruned stored text",
            extra={
                "event": "retention.pruned",
                "days": days,
                "texts": res.texts_pruned,
                "digest_parts": res.parts_pruned,
                "vacuumed": res.vacuumed,
            },
        )
    return res


def compact(store: Store, now: datetime | None = None, every_days: int = VACUUM_EVERY_DAYS) -> bool:
    """VACUUM a SQLite database if the last VACUUM is older than `every_days`. True if it ran."""
    if store.dialect != "sqlite":
        return False
    now = now or utcnow()
    last = store.get_kv(VACUUM_KEY)
    try:
        if last and now - datetime.fromisoformat(last) < timedelta(days=every_days):
            return False
    except ValueError:
        pass
    try:
        with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
            c.exec_driver_sql("VACUUM")
            # in WAL mode the rewritten pages sit in the -wal file until a checkpoint copies them back
            c.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    except SQLAlchemyError as exc:
        log.warning(
            "VACUUM failed; will retry after the next pruning",
            extra={"event": "retention.vacuum_failed", "error": str(getattr(exc, "orig", exc))},
        )
        return False
    store.set_kv(VACUUM_KEY, now.isoformat())
    return True
