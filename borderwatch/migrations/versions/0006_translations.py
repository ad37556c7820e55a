"""Translations of digest titles and snippets (alerts/translate.py), stored so no text is translated twice.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "translations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("text_sha256", sa.String(length=64), nullable=False),
        sa.Column("source_lang", sa.String(length=20), nullable=True),
        sa.Column("target_lang", sa.String(length=20), nullable=False),
        sa.Column("backend", sa.String(length=30), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("translated", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("text_sha256", "target_lang", name="uq_translations_text_target"),
    )


def downgrade() -> None:
    op.drop_table("translations")
