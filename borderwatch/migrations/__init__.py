"""Schema migrations with Alembic, run programmatically (no alembic.ini): `borderwatch db upgrade`, and
automatically whenever a command opens the database (Store()).

- An empty database is built by running every migration from the first.
- A database created by borderwatch 0.1.0 (tables made by create_all, no `alembic_version` table) is stamped
  with the baseline revision, which describes exactly that schema, and then upgraded.
- Two processes upgrading at once are serialised: SQLite by taking the write lock (BEGIN IMMEDIATE) for the
  whole upgrade, PostgreSQL by a transaction-scoped advisory lock. DDL runs in that one transaction on both
  backends, so a failed upgrade leaves the database as it was.
- A database whose revision this version does not know (made by a newer borderwatch) is refused.

To change the schema: edit the models in borderwatch/store.py, add a file in versions/ (next number, with
upgrade and downgrade), and run the test suite: tests/test_storage_migrations.py fails if models and
migrations disagree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import text

if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.script import ScriptDirectory
    from sqlalchemy.engine import Connection, Engine

# Alembic is imported where it is used: a database already at the head is recognised without it (up_to_date),
# which saves every command that opens one ~0.1-0.2 s of imports and script loading.

SCRIPT_LOCATION = str(Path(__file__).resolve().parent)
BASELINE = "0001"  # the schema borderwatch 0.1.0 created without Alembic
ADVISORY_KEY = 0x62770001  # "bw" + 1: PostgreSQL advisory lock id for schema upgrades


class SchemaError(Exception):
    """The database schema cannot be used or upgraded by this version (the message says why)."""


@dataclass
class SchemaState:
    current: str | None  # None: no alembic_version (empty, or created by 0.1.0)
    head: str
    legacy: bool  # tables from borderwatch 0.1.0 without an alembic_version table
    empty: bool

    @property
    def up_to_date(self) -> bool:
        return self.current == self.head

    def describe(self) -> str:
        if self.up_to_date:
            return f"{self.current} (up to date)"
        if self.empty:
            return f"empty (will be created at {self.head})"
        if self.legacy:
            return f"borderwatch 0.1.0 schema without revision (upgrade to {self.head} pending)"
        return f"{self.current} (upgrade to {self.head} pending)"


def _config(connection: Connection | None = None) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", SCRIPT_LOCATION)
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def script() -> ScriptDirectory:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_config())


def head() -> str:
    h = script().get_current_head()
    assert h is not None
    return h


_REVISION = re.compile(r'^revision = "(\w+)"$', re.M)
_DOWN = re.compile(r'^down_revision = (?:None|"(\w+)")$', re.M)


def quick_head() -> str | None:
    """The head revision read from versions/*.py without Alembic: the one revision no other revises.
    None when the files do not say it plainly (then Alembic decides; the test suite checks they agree)."""
    revisions, downs = set(), set()
    for path in (Path(SCRIPT_LOCATION) / "versions").glob("*.py"):
        src = path.read_text(encoding="utf-8")
        rev, down = _REVISION.findall(src), _DOWN.findall(src)
        if len(rev) != 1 or len(down) != 1:
            return None
        revisions.add(rev[0])
        downs.add(down[0])
    heads = revisions - downs
    return heads.pop() if len(heads) == 1 else None


def up_to_date(engine: Engine) -> bool:
    """True when the database's one alembic_version row is the head (no Alembic import). False means
    "not known to be": no such table yet, another revision, or anything unusual; upgrade() then decides."""
    head_rev = quick_head()
    if head_rev is None:
        return False
    try:
        with engine.connect() as conn:
            rows = conn.exec_driver_sql("SELECT version_num FROM alembic_version").all()
    except Exception:  # no alembic_version table (empty, or made by 0.1.0): the full check says which
        return False
    return [tuple(r) for r in rows] == [(head_rev,)]


def _state(conn: Connection) -> SchemaState:
    from alembic.runtime.migration import MigrationContext
    from sqlalchemy import inspect

    insp = inspect(conn)
    has_version = insp.has_table("alembic_version")
    cur = MigrationContext.configure(conn).get_current_revision() if has_version else None
    has_tables = insp.has_table("articles")
    return SchemaState(
        current=cur, head=head(), legacy=has_tables and cur is None, empty=not has_tables and cur is None
    )


def state(engine: Engine) -> SchemaState:
    with engine.connect() as conn:
        return _state(conn)


def _check_known(st: SchemaState) -> None:
    if st.current is not None:
        try:
            known = script().get_revision(st.current)
        except Exception:  # alembic raises several kinds for unknown ids
            known = None
        if known is None:
            raise SchemaError(
                f"the database is at schema revision {st.current}, which this borderwatch does not know "
                f"(newest known: {st.head}); it was probably written by a newer version — upgrade borderwatch"
            )


def upgrade(engine: Engine, revision: str = "head") -> list[str]:
    """Bring the schema to `revision`; returns the revisions applied (empty when already there)."""
    if revision == "head" and up_to_date(engine):
        return []
    st = state(engine)
    _check_known(st)
    if st.up_to_date and revision == "head":
        return []
    with engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        if sqlite:
            # Batch migrations copy tables; with foreign keys enforced, dropping the old copy fails. The
            # pragma only works outside a transaction; integrity is checked before commit instead.
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            conn.commit()
        try:
            applied = _upgrade_locked(conn, revision)
            conn.commit()
        except BaseException:
            conn.rollback()
            raise
        finally:
            if sqlite:  # the connection goes back to the pool: restore the normal pragma
                conn.exec_driver_sql("PRAGMA foreign_keys=ON")
                conn.commit()
    return applied


def _upgrade_locked(conn: Connection, revision: str) -> list[str]:
    if conn.dialect.name == "sqlite":
        # pysqlite does not BEGIN before DDL; take the write lock now so the whole upgrade is one
        # transaction and a second process waits here (busy timeout) instead of racing us.
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    elif conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": ADVISORY_KEY})
    st = _state(conn)  # again, under the lock: another process may have done it meanwhile
    _check_known(st)
    if st.up_to_date and revision == "head":
        return []
    from alembic import command

    cfg = _config(conn)
    start = st.current
    if st.legacy:
        command.stamp(cfg, BASELINE)
        start = BASELINE
    target = script().get_revision(revision)
    command.upgrade(cfg, revision)
    if conn.dialect.name == "sqlite":
        broken = conn.exec_driver_sql("PRAGMA foreign_key_check").all()
        if broken:
            raise SchemaError(f"upgrade would break foreign keys ({broken[:3]}); nothing was changed")
    applied = [r.revision for r in script().iterate_revisions(target.revision, start) if r.revision != start]
    applied.reverse()
    return applied
