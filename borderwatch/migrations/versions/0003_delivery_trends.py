"""Delivery and trends: digest kinds/days, item roles (lead / "also in" near-duplicates, best topic), parts that
can be thread replies or files, and the weekly trends uploads table.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # NOT NULL columns get a server default so rows written by older versions stay valid.
    op.add_column("digests", sa.Column("kind", sa.String(length=20), nullable=False, server_default="daily"))
    op.add_column("digests", sa.Column("day", sa.String(length=10), nullable=True))
    op.add_column(
        "digest_items", sa.Column("role", sa.String(length=10), nullable=False, server_default="item")
    )
    op.add_column("digest_items", sa.Column("lead_article_id", sa.Integer(), nullable=True))
    op.add_column("digest_items", sa.Column("rule_id", sa.String(length=100), nullable=True))
    op.add_column(
        "digest_parts", sa.Column("kind", sa.String(length=20), nullable=False, server_default="message")
    )
    op.add_column("digest_parts", sa.Column("payload", sa.JSON(), nullable=True))
    op.add_column(
        "digest_parts", sa.Column("thread", sa.Boolean(), nullable=False, server_default=sa.false())
    )
    op.add_column("digest_parts", sa.Column("channel_id", sa.String(length=50), nullable=True))
    op.add_column("digest_parts", sa.Column("first_attempt_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
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


def downgrade() -> None:
    op.drop_table("trend_uploads")
    with op.batch_alter_table("digest_parts") as b:
        for col in ("first_attempt_at", "channel_id", "thread", "payload", "kind"):
            b.drop_column(col)
    with op.batch_alter_table("digest_items") as b:
        for col in ("rule_id", "lead_article_id", "role"):
            b.drop_column(col)
    with op.batch_alter_table("digests") as b:
        for col in ("day", "kind"):
            b.drop_column(col)
