"""Retention: articles.text_pruned_at (when the stored full text was dropped) and an index on first_seen
(the retention sweep selects by age).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # ADD COLUMN and CREATE INDEX work in place on SQLite too (no batch table copy needed).
    op.add_column("articles", sa.Column("text_pruned_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index(op.f("ix_articles_first_seen"), "articles", ["first_seen"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_articles_first_seen"), table_name="articles")
    op.drop_column("articles", "text_pruned_at")  # native on SQLite >= 3.35
