"""The weekly trends chart's exactly-once record: one trend_uploads row per trends day
(alerts/trends_delivery.py has the protocol: pending -> sending -> sent, or superseded)."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from .db import Store
from .models import TrendUpload, utcnow


def due_chart(store: Store, week: str) -> tuple[TrendUpload | None, bool]:
    """Supersede every unfinished chart of an earlier week (never sent late), then return this week's row
    (None if not written yet) and whether a chart of a later week was already sent (after trends_day moved
    earlier in the week, that one covers this week)."""
    with store.session() as s:
        s.execute(
            update(TrendUpload)
            .where(TrendUpload.week < week, TrendUpload.status.in_(("pending", "sending")))
            .values(status="superseded")
        )
        row = s.scalar(select(TrendUpload).where(TrendUpload.week == week))
        later = s.scalar(
            select(TrendUpload.week).where(TrendUpload.week > week, TrendUpload.status == "sent").limit(1)
        )
        return row, later is not None


def claim_chart(store: Store, week: str, destination: str, sentence: str) -> TrendUpload:
    """Write this week's row before anything is sent; if another run wrote it first, that row."""
    try:
        with store.session() as s:
            row = TrendUpload(week=week, channel=destination, status="pending", sentence=sentence)
            s.add(row)
            s.flush()
            return row
    except IntegrityError:  # another run created it first
        with store.session() as s:
            return s.scalar(select(TrendUpload).where(TrendUpload.week == week))


def update_chart(store: Store, row_id: int, **fields) -> None:
    """Set fields of a chart's row; status 'sent' also stamps sent_at and clears the last error."""
    with store.session() as s:
        row = s.get(TrendUpload, row_id)
        for k, v in fields.items():
            setattr(row, k, v)
        if fields.get("status") == "sent":
            row.sent_at = utcnow()
            row.last_error = None
