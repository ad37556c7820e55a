"""Engine and session set-up: the Store object every stage is handed.

SQLite (default, a file in the working directory) or PostgreSQL by URL in BORDERWATCH_DB. Every stage
writes through the store package, so "nothing fetched, matched or sent twice" is decided by the database
alone. The queries themselves live next to this module, one module per concern (outbox, crawl, ...).
"""

from __future__ import annotations

import logging
import os
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone

from sqlalchemy import create_engine, event, select, text, update
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, sessionmaker

from .models import FetchState, KeyValue, SourceRow, TranslationRow, utcnow

DEFAULT_DB = "sqlite:///borderwatch.db"
DEFAULT_TIMEOUT = 30.0  # seconds; BORDERWATCH_DB_TIMEOUT overrides

log = logging.getLogger("borderwatch.store")

# Every Store's engine, so the process can close its connections at exit (close_all) without waiting for
# the garbage collector, which borderwatch.cli skips at exit (its _fast_exit).
_ENGINES: weakref.WeakSet[Engine] = weakref.WeakSet()


def close_all() -> None:
    """Close the pooled connections of every open Store (SQLite checkpoints its -wal file on the last close)."""
    for engine in list(_ENGINES):
        try:
            engine.dispose()
        except Exception:  # at exit: a connection that cannot be closed cleanly is closed by the OS
            log.debug("could not close the connections of %s", engine.url, exc_info=True)


def db_url(url: str | None = None) -> str:
    return url or os.environ.get("BORDERWATCH_DB") or DEFAULT_DB


def db_timeout() -> float:
    """Seconds to wait for a lock held by another process (SQLite busy timeout, PostgreSQL lock_timeout)."""
    try:
        return max(0.0, float(os.environ.get("BORDERWATCH_DB_TIMEOUT", DEFAULT_TIMEOUT)))
    except ValueError:
        return DEFAULT_TIMEOUT


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute(f"PRAGMA busy_timeout={int(db_timeout() * 1000)}")
    # WAL: readers never block the writer and a crash mid-write cannot corrupt the file; NORMAL sync is
    # the documented safe pairing with WAL (a power cut may lose the last commit, never consistency).
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    # after a checkpoint the -wal file is truncated back to 64 MiB instead of keeping its largest size
    cur.execute("PRAGMA journal_size_limit=67108864")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def url_password(url: str) -> str | None:
    """The password in a database URL, if any (so logs can redact it). Raises on an unparseable URL."""
    return make_url(url).password


def sqlite_path(url: str) -> str | None:
    """The file of a SQLite database URL (also the URI form sqlite:///file:/path/db?mode=ro&uri=true), or
    None (PostgreSQL, in-memory). Raises on an unparseable URL."""
    if not url.startswith("sqlite"):
        return None
    path = make_url(url).database or ""
    if path.startswith("file:"):
        path = path[5:].split("?", 1)[0]
    return None if not path or path == ":memory:" else path


def redact_url(url: str) -> str:
    """The database URL without its password, for messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "<unparseable database URL>"


class Store:
    """The database. Opening it brings the schema up to date (Alembic) unless migrate=False."""

    def __init__(self, url: str | None = None, create: bool = True, migrate: bool | None = None):
        self.url = db_url(url)
        kwargs: dict = {}
        timeout = db_timeout()
        if self.url.startswith("sqlite"):
            kwargs["connect_args"] = {"timeout": timeout}
        elif self.url.startswith("postgresql"):
            ms = int(timeout * 1000)
            kwargs["pool_pre_ping"] = True
            kwargs["connect_args"] = {
                "connect_timeout": 10,
                "application_name": "borderwatch",
                # never hang on a lock or a stuck session: fail clearly, the next run picks up
                "options": f"-c lock_timeout={ms} -c idle_in_transaction_session_timeout={max(ms, 60000) * 10}",
            }
        self.engine: Engine = create_engine(self.url, future=True, **kwargs)
        _ENGINES.add(self.engine)
        if self.url.startswith("sqlite"):
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self.Session = sessionmaker(self.engine, expire_on_commit=False, future=True)
        self.migrated: list[str] = []
        if create if migrate is None else migrate:
            from borderwatch import migrations

            self.migrated = migrations.upgrade(self.engine)
            if self.migrated:
                log.info(
                    "schema upgraded",
                    extra={"event": "db.upgraded", "revisions": ",".join(self.migrated)},
                )

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def session(self) -> Iterator[Session]:
        with self.Session() as s:
            try:
                yield s
                s.commit()
            except BaseException:
                s.rollback()
                raise

    def check_writable(self) -> None:
        """Fail now, before any crawling, if the database cannot be written (read-only, locked, full).

        Writes and commits one small row, so the error is the one a real write would get.
        """
        self.set_kv("store:last_open", utcnow().isoformat())

    def has_table(self, name: str) -> bool:
        from sqlalchemy import inspect

        return inspect(self.engine).has_table(name)

    def size_bytes(self) -> int | None:
        """On-disk size of the database (SQLite: file + WAL; PostgreSQL: pg_database_size)."""
        if self.dialect == "sqlite":
            path = sqlite_path(self.url)
            if path is None:
                return None
            return sum(os.path.getsize(p) for p in (path, path + "-wal") if os.path.exists(p))
        if self.dialect == "postgresql":
            with self.engine.connect() as c:
                return int(c.execute(text("SELECT pg_database_size(current_database())")).scalar())
        return None

    def schema_state(self):
        """Where the schema stands against the migrations (borderwatch.migrations.SchemaState)."""
        from borderwatch import migrations

        return migrations.state(self.engine)

    # -- kv ----------------------------------------------------------------
    def kv_updated_at(self, key: str):
        with self.session() as s:
            row = s.get(KeyValue, key)
            return row.updated_at if row else None

    def get_kv(self, key: str) -> str | None:
        with self.session() as s:
            row = s.get(KeyValue, key)
            return row.value if row else None

    def set_kv(self, key: str, value: str) -> None:
        with self.session() as s:
            row = s.get(KeyValue, key)
            if row:
                row.value = value
            else:
                s.add(KeyValue(key=key, value=value))

    def translations(self, keys: list[str], target: str) -> dict[str, str]:
        """{text_sha256: translation} of the given texts already translated into `target`."""
        out: dict[str, str] = {}
        with self.session() as s:
            for i in range(0, len(keys), 500):
                rows = s.execute(
                    select(TranslationRow.text_sha256, TranslationRow.translated).where(
                        TranslationRow.target_lang == target,
                        TranslationRow.text_sha256.in_(keys[i : i + 500]),
                    )
                )
                out.update({k: v for k, v in rows})
        return out

    def add_translations(self, rows: list[tuple[str, str | None, str, str, str, str]]) -> None:
        """(text_sha256, source_lang, target_lang, backend, text, translated) each; a row another process
        stored meanwhile is left as it is."""
        with self.session() as s:
            have = set(self.translations([r[0] for r in rows], rows[0][2])) if rows else set()
            for key, src, target, backend, text_, done in rows:
                if key not in have:
                    have.add(key)
                    s.add(
                        TranslationRow(
                            text_sha256=key,
                            source_lang=src,
                            target_lang=target,
                            backend=backend,
                            text=text_,
                            translated=done,
                        )
                    )

    def gdelt_window_end(self, key: str) -> datetime | None:
        """End of a GDELT query's last successful window (crawler/gdelt.py), None before its first."""
        value = self.get_kv(key)
        return datetime.fromisoformat(value) if value else None

    def set_gdelt_window_end(self, key: str, when: datetime) -> None:
        self.set_kv(key, when.astimezone(timezone.utc).isoformat())

    # -- crawl-side state (the rest is in crawl.py) ------------------------------------------------
    def forget_validators(self, sources: list[str] | None = None) -> None:
        """Drop the feeds' ETag/Last-Modified (of `sources`, or all): the next crawl reads them in full."""
        q = update(FetchState).values(etag=None, last_modified=None)
        if sources is not None:
            q = q.where(FetchState.source.in_(sources))
        with self.session() as s:
            s.execute(q)

    def source_row(self, s: Session, name: str) -> SourceRow:
        row = s.scalar(select(SourceRow).where(SourceRow.name == name))
        if row is None:
            row = SourceRow(name=name)
            s.add(row)
            s.flush()
        return row

    def dispose(self) -> None:
        self.engine.dispose()
