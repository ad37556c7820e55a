"""Feedback: a consultant's verdict (useful / not relevant) on a digest item, from its Slack buttons.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "feedback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("rule_id", sa.String(length=100), nullable=False),
        sa.Column("verdict", sa.String(length=20), nullable=False),
        sa.Column("user_id", sa.String(length=50), nullable=False),
        sa.Column("digest_id", sa.Integer(), nullable=True),
        sa.Column("channel_id", sa.String(length=50), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["article_id"], ["articles.id"]),
        sa.ForeignKeyConstraint(["digest_id"], ["digests.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("article_id", "rule_id", "user_id", name="uq_feedback_item_rule_user"),
    )
    op.create_index(op.f("ix_feedback_article_id"), "feedback", ["article_id"], unique=False)
    op.create_index(op.f("ix_feedback_rule_id"), "feedback", ["rule_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_feedback_rule_id"), table_name="feedback")
    op.drop_index(op.f("ix_feedback_article_id"), table_name="feedback")
    op.drop_table("feedback")
