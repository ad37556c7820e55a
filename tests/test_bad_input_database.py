"""A database that is read-only or locked gives a clear error and a non-zero exit before anything is crawled,
and nothing is lost: once the database is usable again, the next run delivers everything."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from .test_e2e_cycle import EXPECTED_FIRST, posted_urls, slugs


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def assert_clean_failure(r, words: str, server) -> None:
    assert r.returncode == 2, r.output
    assert words in r.stderr, r.stderr
    assert "Traceback" not in r.output
    assert server.requests() == [], "crawled although the database could not be written"


def test_read_only_sqlite_database_is_refused_before_crawling(work, slack, server):
    work.slack_env(slack)
    assert work.run("db", "upgrade").returncode == 0
    path = Path(work.db.split("///", 1)[1])
    before = digest(path)
    r = work.run("run", env={"BORDERWATCH_DB": f"sqlite:///file:{path}?mode=ro&uri=true"})
    assert_clean_failure(r, "the database is read-only", server)
    assert digest(path) == before


@pytest.mark.skipif(
    os.geteuid() == 0, reason="root ignores file permissions; the mode=ro variant covers root"
)
def test_sqlite_file_without_write_permission_is_refused(work, slack, server):
    work.slack_env(slack)
    assert work.run("db", "upgrade").returncode == 0
    path = Path(work.db.split("///", 1)[1])
    path.chmod(0o444)
    try:
        r = work.run("run")
        assert r.returncode == 2 and "Traceback" not in r.output and server.requests() == []
    finally:
        path.chmod(0o644)


HOLD_SQLITE = textwrap.dedent(
    """
    import sqlite3, sys, time
    c = sqlite3.connect(sys.argv[1], isolation_level=None)
    c.execute("BEGIN EXCLUSIVE")
    c.execute("INSERT INTO kv (key, value, updated_at) VALUES ('holder', 'x', '2026-01-01')")
    print("locked", flush=True)
    sys.stdin.read()  # hold the write lock until the test closes our stdin
    c.execute("ROLLBACK")
    """
)


def test_locked_sqlite_database_fails_fast_and_loses_nothing(work, slack, server):
    work.slack_env(slack)
    assert work.run("db", "upgrade").returncode == 0
    path = work.db.split("///", 1)[1]
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_SQLITE, path], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        t0 = time.monotonic()
        r = work.run("run", env={"BORDERWATCH_DB_TIMEOUT": "1"})
        assert time.monotonic() - t0 < 30
        assert_clean_failure(r, "locked by another process", server)
        assert "BORDERWATCH_DB_TIMEOUT" in r.stderr
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)
    r = work.run("run")
    assert r.returncode == 0, r.output
    assert slugs(posted_urls(slack)) == EXPECTED_FIRST


def _pg_connect(url: str):
    import psycopg

    u = make_url(url)
    return psycopg.connect(host=u.host, port=u.port, user=u.username, dbname=u.database, autocommit=True)


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_locked_postgresql_database_fails_fast_and_loses_nothing(work, slack, server, backend):
    work.slack_env(slack)
    assert work.run("db", "upgrade").returncode == 0
    with _pg_connect(work.db) as holder:
        holder.execute("BEGIN")
        holder.execute("LOCK TABLE kv IN ACCESS EXCLUSIVE MODE")
        r = work.run("run", env={"BORDERWATCH_DB_TIMEOUT": "1"})
        assert_clean_failure(r, "locked by another process", server)
        holder.execute("ROLLBACK")
    r = work.run("run")
    assert r.returncode == 0, r.output
    assert slugs(posted_urls(slack)) == EXPECTED_FIRST


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_read_only_postgresql_database_is_refused_before_crawling(work, slack, server, backend):
    work.slack_env(slack)
    assert work.run("db", "upgrade").returncode == 0
    name = make_url(work.db).database
    with _pg_connect(work.db) as admin:
        admin.execute(f'ALTER DATABASE "{name}" SET default_transaction_read_only = on')
    r = work.run("run")
    assert_clean_failure(r, "the database is read-only", server)
    with _pg_connect(work.db) as admin:
        admin.execute("SET default_transaction_read_only = off")
        admin.execute(f'ALTER DATABASE "{name}" SET default_transaction_read_only = off')
        assert admin.execute("SELECT count(*) FROM articles").fetchone() == (0,)


def test_unreachable_postgresql_is_a_clear_error(work, server):
    from tests.support.pgserver import free_port

    url = f"postgresql+psycopg://bw:s3cretpw@127.0.0.1:{free_port()}/bw"
    r = work.run("run", env={"BORDERWATCH_DB": url})
    assert r.returncode == 2
    assert "cannot open" in r.stderr and "Traceback" not in r.output
    assert "s3cretpw" not in r.output
    assert server.requests() == []
