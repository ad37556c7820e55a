"""The weekly trends chart goes through the digest outbox: each trend_uploads row becomes a digest of kind
'trends' (day: its week) with one part of kind 'file' (text: the sentence, payload: {"path": ...}, and the new
digest_parts.file_id), and the table is dropped. A partial unique index keeps one chart per trends day.

Status: a sent chart is a sent digest and part; a superseded one a superseded digest (its part pending); a
pending or sending one a pending digest whose part keeps that state. Downgrade copies the charts back.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)
TRENDS = "trends"
INDEX = "uq_digests_trends_day"
WHERE = sa.text(f"kind = '{TRENDS}'")

trend_uploads = sa.table(
    "trend_uploads",
    sa.column("id", sa.Integer),
    sa.column("week", sa.String),
    sa.column("channel", sa.String),
    sa.column("status", sa.String),
    sa.column("file_id", sa.String),
    sa.column("ts", sa.String),
    sa.column("path", sa.Text),
    sa.column("sentence", sa.Text),
    sa.column("attempts", sa.Integer),
    sa.column("last_error", sa.Text),
    sa.column("created_at", TZ),
    sa.column("sent_at", TZ),
)
digests = sa.Table(  # a Table, not a table(): the insert gives back the new id (inserted_primary_key)
    "digests",
    sa.MetaData(),
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("created_at", TZ),
    sa.Column("sent_at", TZ),
    sa.Column("channel", sa.String),
    sa.Column("status", sa.String),
    sa.Column("item_count", sa.Integer),
    sa.Column("kind", sa.String),
    sa.Column("day", sa.String),
    sa.Column("destination", sa.String),
)
digest_parts = sa.table(
    "digest_parts",
    sa.column("id", sa.Integer),
    sa.column("digest_id", sa.Integer),
    sa.column("idx", sa.Integer),
    sa.column("blocks", sa.JSON),
    sa.column("text", sa.Text),
    sa.column("status", sa.String),
    sa.column("ts", sa.String),
    sa.column("sent_at", TZ),
    sa.column("attempts", sa.Integer),
    sa.column("last_error", sa.Text),
    sa.column("kind", sa.String),
    sa.column("payload", sa.JSON),
    sa.column("thread", sa.Boolean),
    sa.column("file_id", sa.String),
)


def _create_trend_uploads() -> None:
    op.create_table(  # as 0003 made it
        "trend_uploads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("week", sa.String(length=10), nullable=False),
        sa.Column("channel", sa.String(length=50), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("file_id", sa.String(length=50), nullable=True),
        sa.Column("ts", sa.String(length=50), nullable=True),
        sa.Column("path", sa.Text(), nullable=True),
        sa.Column("sentence", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("week"),
    )


def upgrade() -> None:
    op.add_column("digest_parts", sa.Column("file_id", sa.String(length=50), nullable=True))
    op.create_index(INDEX, "digests", ["day"], unique=True, sqlite_where=WHERE, postgresql_where=WHERE)
    conn = op.get_bind()
    for r in conn.execute(sa.select(trend_uploads).order_by(trend_uploads.c.week)).all():
        sent = r.status == "sent"
        done = r.status if r.status in ("sent", "superseded") else "pending"
        digest_id = conn.execute(
            digests.insert().values(
                created_at=r.created_at,
                sent_at=r.sent_at,
                channel=r.channel,
                status=done,
                item_count=0,
                kind=TRENDS,
                day=r.week,
                destination="default",
            )
        ).inserted_primary_key[0]
        conn.execute(
            digest_parts.insert().values(
                digest_id=digest_id,
                idx=0,
                blocks=[],
                text=r.sentence,
                status="sent" if sent else ("sending" if r.status == "sending" else "pending"),
                ts=r.ts,
                sent_at=r.sent_at if sent else None,
                attempts=r.attempts,
                last_error=r.last_error,
                kind="file",
                payload={"path": r.path} if r.path else None,
                thread=False,
                file_id=r.file_id,
            )
        )
    op.drop_table("trend_uploads")


def downgrade() -> None:
    _create_trend_uploads()
    conn = op.get_bind()
    rows = conn.execute(
        sa.select(
            digests,
            digest_parts.c.status.label("part_status"),
            digest_parts.c.file_id,
            digest_parts.c.ts,
            digest_parts.c.payload,
            digest_parts.c.text,
            digest_parts.c.attempts,
            digest_parts.c.last_error,
        )
        .join(digest_parts, sa.and_(digest_parts.c.digest_id == digests.c.id, digest_parts.c.idx == 0))
        .where(digests.c.kind == TRENDS)
        .order_by(digests.c.day)
    ).all()
    for r in rows:
        conn.execute(
            trend_uploads.insert().values(
                week=r.day,
                channel=r.channel,
                status=r.status if r.status in ("sent", "superseded") else r.part_status,
                file_id=r.file_id,
                ts=r.ts,
                path=(r.payload or {}).get("path"),
                sentence=r.text or "",
                attempts=r.attempts or 0,
                last_error=r.last_error,
                created_at=r.created_at,
                sent_at=r.sent_at,
            )
        )
    ids = sa.select(digests.c.id).where(digests.c.kind == TRENDS)
    conn.execute(digest_parts.delete().where(digest_parts.c.digest_id.in_(ids)))
    conn.execute(digests.delete().where(digests.c.kind == TRENDS))
    op.drop_index(INDEX, table_name="digests", sqlite_where=WHERE, postgresql_where=WHERE)
    op.drop_column("digest_parts", "file_id")  # native on SQLite >= 3.35
