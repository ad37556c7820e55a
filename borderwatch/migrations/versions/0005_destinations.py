"""Destinations: a digest goes to one destination ("default", "slack:C0POLICY1", "webhook:ENV_NAME", ...), and
an article may be put in one digest per destination (it was one digest, ever).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# SQLite keeps 0.1.0's UNIQUE(article_id) unnamed: a naming convention lets batch mode find and drop it.
NAMING = {"uq": "uq_%(table_name)s_%(column_0_name)s"}


def _old_unique_name(bind) -> str:
    if bind.dialect.name == "postgresql":
        for uq in sa.inspect(bind).get_unique_constraints("digest_items"):
            if uq["column_names"] == ["article_id"]:
                return uq["name"]
    return "uq_digest_items_article_id"


def upgrade() -> None:
    op.add_column(
        "digests", sa.Column("destination", sa.String(length=200), nullable=False, server_default="default")
    )
    name = _old_unique_name(op.get_bind())
    with op.batch_alter_table("digest_items", naming_convention=NAMING) as b:
        b.add_column(
            sa.Column("destination", sa.String(length=200), nullable=False, server_default="default")
        )
        b.drop_constraint(name, type_="unique")
        b.create_unique_constraint("uq_digest_items_article_destination", ["article_id", "destination"])


def downgrade() -> None:
    # an article sent to several destinations keeps its first row (the old schema allowed one)
    op.execute(
        "DELETE FROM digest_items WHERE id NOT IN (SELECT min(id) FROM digest_items GROUP BY article_id)"
    )
    with op.batch_alter_table("digest_items", naming_convention=NAMING) as b:
        b.drop_constraint("uq_digest_items_article_destination", type_="unique")
        b.drop_column("destination")
        b.create_unique_constraint("uq_digest_items_article_id", ["article_id"])
    with op.batch_alter_table("digests") as b:
        b.drop_column("destination")
