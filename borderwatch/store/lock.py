"""One run at a time, across processes: a lock the operating system or the database releases when the holder
dies, so a crashed (even kill -9'd) run never leaves a stale lock behind.

- SQLite: an exclusive flock(2) on `<database file>.lock` next to the database (keep the file on a local
  disk: flock over NFS is not reliable).
- PostgreSQL: a session-level advisory lock (pg_try_advisory_lock) on a connection held for the whole run;
  the server drops it when that connection ends.
- Anything else: a flock on a file in the temp directory named after the database URL (one host only).

`run_cycle` and `borderwatch deliver` take it; `digest --preview` does not (it only reads).
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url


class RunBusy(Exception):
    """Another run holds the lock."""


def _key(name: str) -> int:
    """A stable signed 64-bit advisory-lock key for `name`."""
    return int.from_bytes(hashlib.sha256(f"borderwatch:{name}".encode()).digest()[:8], "big", signed=True)


def lock_path(url: str, name: str = "run") -> Path | None:
    """The lock file for a file-backed database URL (None: in-memory SQLite, nothing to share)."""
    u = make_url(url)
    if u.get_backend_name() == "sqlite":
        db = u.database
        if not db or db == ":memory:" or db.startswith("file::memory:"):
            return None
        p = Path(db)
        return p.with_name(p.name + ".lock") if name == "run" else p.with_name(f"{p.name}.{name}.lock")
    digest = hashlib.sha256(u.render_as_string(hide_password=True).encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"borderwatch-{digest}-{name}.lock"


def _holder_info(what: str) -> str:
    return json.dumps(
        {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "what": what,
            "since": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        }
    )


def _describe(raw: str) -> str:
    try:
        info = json.loads(raw)
        return (
            f"{info.get('what', 'a run')} pid {info['pid']} on {info.get('host', '?')} since {info['since']}"
        )
    except (ValueError, KeyError, TypeError):
        return "another process"


@contextmanager
def _file_lock(path: Path, what: str) -> Iterator[None]:
    import fcntl

    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 4096, 0).decode("utf-8", "replace")
            raise RunBusy(
                f"another borderwatch run is in progress ({_describe(holder)}; lock {path})"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, _holder_info(what).encode(), 0)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


@contextmanager
def _pg_lock(engine, name: str, what: str) -> Iterator[None]:
    key = _key(name)
    conn = engine.connect()
    try:
        got = conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar()
        conn.commit()  # the advisory lock is held by the session, not the transaction
        if not got:
            holder = conn.execute(
                text(
                    "SELECT a.pid, a.backend_start FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
                    "WHERE l.locktype = 'advisory' AND l.granted "
                    "AND l.classid = :hi AND l.objid = :lo LIMIT 1"
                ),
                {"hi": (key >> 32) & 0xFFFFFFFF, "lo": key & 0xFFFFFFFF},
            ).first()
            conn.rollback()
            who = f"PostgreSQL backend pid {holder[0]} since {holder[1]:%Y-%m-%d %H:%M}" if holder else "?"
            raise RunBusy(f"another borderwatch run is in progress (holds the database lock: {who})")
        try:
            yield
        finally:
            try:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                conn.commit()
            except Exception:  # the connection is going away anyway; closing it releases the lock
                pass
    finally:
        conn.close()


@contextmanager
def run_lock(store, name: str = "run", what: str = "borderwatch run") -> Iterator[None]:
    """Hold the run lock for the block; raise RunBusy at once if another process holds it."""
    url = store.url
    if make_url(url).get_backend_name() == "postgresql":
        with _pg_lock(store.engine, name, what):
            yield
        return
    path = lock_path(url, name)
    if path is None:
        yield
        return
    with _file_lock(path, what):
        yield
