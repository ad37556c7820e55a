"""The weekly trends chart in the outbox: a digest of kind 'trends' whose `day` is the trends day it belongs
to, with one part of kind 'file' (text: the sentence; payload: the saved chart and what is sent with it;
file_id: Slack's id for the upload). Same states as every digest: the part pending -> sending -> sent, the
digest pending -> sent, or superseded when a newer week's chart is due (never sent late). alerts/trends_delivery.py
has the protocol; the daily delivery, the preview and the status leave this kind out (outbox.py).

One chart per trends day, whichever run claims it first: the partial unique index uq_digests_trends_day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from .db import Store
from .models import TRENDS_KIND, DigestPart, DigestRow, utcnow
from .outbox import NewDigest, NewPart, create_digests, supersede_pending


@dataclass
class TrendChart:
    """One weekly chart, read from its digest and part (the fields of the former trend_uploads row)."""

    digest_id: int
    part_id: int
    week: str  # the trends day (ISO date)
    channel: str  # slack | webhook | console: the channel kind of the run that claimed it
    status: str  # pending | sending | sent | superseded
    file_id: str | None
    ts: str | None
    path: str | None
    sentence: str
    attempts: int
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None


# The model of the former trend_uploads table (migration 0009 moved its rows into the outbox): the name stays
# importable from borderwatch.store, now for the chart as read from the outbox.
TrendUpload = TrendChart


def _chart(d: DigestRow, p: DigestPart) -> TrendChart:
    return TrendChart(
        digest_id=d.id,
        part_id=p.id,
        week=d.day,
        channel=d.channel,
        status=d.status if d.status in ("sent", "superseded") else p.status,
        file_id=p.file_id,
        ts=p.ts,
        path=(p.payload or {}).get("path"),
        sentence=p.text,
        attempts=p.attempts or 0,
        last_error=p.last_error,
        created_at=d.created_at,
        sent_at=d.sent_at,
    )


def _charts(store: Store, *where) -> list[TrendChart]:
    with store.session() as s:
        rows = s.execute(
            select(DigestRow, DigestPart)
            .join(DigestPart, DigestPart.digest_id == DigestRow.id)
            .where(DigestRow.kind == TRENDS_KIND, DigestPart.idx == 0, *where)
            .order_by(DigestRow.day)
        ).all()
        return [_chart(d, p) for d, p in rows]


def charts(store: Store) -> list[TrendChart]:
    """Every weekly chart in the outbox, oldest week first."""
    return _charts(store)


def due_chart(store: Store, week: str) -> tuple[TrendChart | None, bool]:
    """Supersede every unfinished chart of an earlier week (never sent late), then return this week's chart
    (None if not written yet) and whether a chart of a later week was already sent (after trends_day moved
    earlier in the week, that one covers this week)."""
    supersede_pending(store, TRENDS_KIND, week)
    later = _charts(store, DigestRow.day > week, DigestRow.status == "sent")
    return chart_of(store, week), bool(later)


def chart_of(store: Store, week: str) -> TrendChart | None:
    """The chart of the trends day `week`, None if not written yet."""
    found = _charts(store, DigestRow.day == week)
    return found[0] if found else None


def claim_chart(store: Store, week: str, channel: str, sentence: str) -> TrendChart:
    """Write this week's chart before anything is sent; if another run wrote it first, that one."""
    part = NewPart(blocks=[], text=sentence, kind="file")
    new = NewDigest("default", channel, [], [part], 0, utcnow(), week, kind=TRENDS_KIND)
    try:
        create_digests(store, [new])
    except IntegrityError:  # another run claimed it first (uq_digests_trends_day)
        pass
    return chart_of(store, week)


def refresh_chart(store: Store, chart: TrendChart, sentence: str, payload: dict) -> None:
    """What the chart's part sends, as this run computed and saved it (a chart retried on a later run is
    counted and saved again; its Slack upload, if any, is still found by its file id)."""
    with store.session() as s:
        p = s.get(DigestPart, chart.part_id)
        p.text, p.payload = sentence, payload
