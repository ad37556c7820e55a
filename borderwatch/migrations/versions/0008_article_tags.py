"""Who and where: articles.tags, the armed groups and places the gazetteer found in a matched article
(alerts/tagging.py), written at match time so the digest and the weekly "where" panel never re-scan text.
NULL: not tagged (matched before this column, or by an older gazetteer version: see the "v" key).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("articles", sa.Column("tags", sa.JSON(), nullable=True))


def downgrade() -> None:
    op.drop_column("articles", "tags")  # native on SQLite >= 3.35
