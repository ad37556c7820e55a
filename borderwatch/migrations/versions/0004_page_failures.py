"""Article pages that failed: remembered with their feed entry so they are retried on a few later runs, then
stored from the feed and given up on (crawler/page_failures.py).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "page_failures",
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("entry", sa.JSON(), nullable=False),
        sa.Column("discovery_url", sa.String(length=2000), nullable=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("first_failed", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_failed", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_status", sa.Integer(), nullable=True),
        sa.Column("last_reason", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("url"),
    )
    op.create_index("ix_page_failures_source", "page_failures", ["source"])


def downgrade() -> None:
    op.drop_index("ix_page_failures_source", table_name="page_failures")
    op.drop_table("page_failures")
