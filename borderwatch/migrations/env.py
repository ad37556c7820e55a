"""Alembic environment, run programmatically by borderwatch.migrations (there is no alembic.ini).

The caller passes an open SQLAlchemy connection in config.attributes["connection"].
"""

from __future__ import annotations

from alembic import context

from borderwatch.store import Base

config = context.config
connection = config.attributes["connection"]

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    # SQLite cannot ALTER most things in place: batch mode copies the table.
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
