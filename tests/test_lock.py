"""The run lock: one run at a time across processes, released by the OS/database when the holder dies
(even by kill -9), on SQLite (flock next to the file) and PostgreSQL (session advisory lock)."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import pytest

from borderwatch.lock import RunBusy, lock_path, run_lock
from borderwatch.store import Store

HOLDER = textwrap.dedent(
    """
    import sys, time
    from borderwatch.lock import run_lock
    from borderwatch.store import Store
    store = Store(sys.argv[1])
    with run_lock(store, what="test holder"):
        print("locked", flush=True)
        time.sleep(120)
    """
)


def hold(url: str) -> subprocess.Popen:
    p = subprocess.Popen([sys.executable, "-c", HOLDER, url], stdout=subprocess.PIPE, text=True)
    assert p.stdout.readline().strip() == "locked"
    return p


def acquire_eventually(store, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with run_lock(store):
                return
        except RunBusy:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def test_sqlite_lock_names_the_holder_and_is_released_by_kill_9(tmp_path):
    url = f"sqlite:///{tmp_path / 'bw.db'}"
    assert lock_path(url) == tmp_path / "bw.db.lock"
    store = Store(url)
    holder = hold(url)
    try:
        with pytest.raises(
            RunBusy, match=rf"another borderwatch run is in progress \(test holder pid {holder.pid}"
        ):
            with run_lock(store):
                pass
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    acquire_eventually(store, timeout=2)  # no stale lock after a crash
    with run_lock(store):  # and it is re-entrant across sequential runs
        pass


def test_in_memory_sqlite_needs_no_lock():
    assert lock_path("sqlite://") is None
    with run_lock(Store("sqlite://")):
        pass


# -- PostgreSQL -------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def pg_url(tmp_path_factory):
    """A throwaway PostgreSQL cluster on a Unix socket (skipped where PostgreSQL is not installed)."""
    initdb = shutil.which("initdb") or next(
        iter(sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), reverse=True)), None
    )
    if not initdb:
        pytest.skip("PostgreSQL server binaries not installed")
    bindir = Path(initdb).parent
    base = Path(tempfile.mkdtemp(prefix="borderwatch-pg-"))  # pytest's tmp is root-only; postgres needs in
    data, sock = base / "data", base / "sock"
    sock.mkdir()
    prefix: list[str] = []
    if os.geteuid() == 0:  # initdb refuses to run as root
        if not shutil.which("runuser"):
            pytest.skip("running as root without runuser")
        shutil.chown(base, "postgres")
        shutil.chown(sock, "postgres")
        prefix = ["runuser", "-u", "postgres", "--"]
    subprocess.run(
        [*prefix, str(initdb), "-D", str(data), "-A", "trust", "-U", "postgres"],
        check=True,
        capture_output=True,
    )
    port = _free_port()
    log = base / "pg.log"
    if prefix:
        shutil.chown(base, "postgres")
    subprocess.run(
        [
            *prefix,
            str(bindir / "pg_ctl"),
            "-D",
            str(data),
            "-l",
            str(log),
            "-w",
            "-o",
            f"-k {sock} -p {port} -c listen_addresses=''",
            "start",
        ],
        check=True,
        capture_output=True,
    )
    try:
        yield f"postgresql+psycopg://postgres@/postgres?host={sock}&port={port}"
    finally:
        subprocess.run(
            [*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"], capture_output=True
        )
        shutil.rmtree(base, ignore_errors=True)


def test_postgres_advisory_lock_excludes_other_processes_and_dies_with_its_holder(pg_url):
    store = Store(pg_url)
    holder = hold(pg_url)
    try:
        with pytest.raises(RunBusy, match="holds the database lock: PostgreSQL backend pid"):
            with run_lock(store):
                pass
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    acquire_eventually(store)
    store.dispose()


def test_full_cycle_on_postgres_posts_once(pg_url, work, slack):
    from sqlalchemy import text

    store = Store(pg_url)
    with store.session() as s:  # a clean schema for this test
        s.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    store.dispose()
    work.db = pg_url
    work.slack_env(slack)
    r = work.run("run")
    assert r.returncode == 0, r.output
    assert len(slack.posts) == 1
    slack.inject("drop")
    assert work.run("run").returncode == 0  # nothing new: nothing posted (the fault stays unused)
    assert len(slack.posts) == 1


def test_crawl_alone_waits_its_turn_behind_a_running_cycle_and_fetches_nothing(work, server):
    """`borderwatch crawl` takes the run lock like `run` and `deliver`: beside a running cycle it exits 4 at once,
    naming the holder, without a single request to an outlet; once the lock is free the same crawl goes ahead."""
    holder = hold(work.db)
    try:
        r = work.run("crawl")
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    assert r.returncode == 4, r.output
    assert f"another borderwatch run is in progress (test holder pid {holder.pid}" in r.output
    assert "Traceback" not in r.output
    assert server.requests() == []
    r = work.run("crawl", "-q")
    assert r.returncode == 0, r.output
    assert server.requests(), "the crawl after the holder died fetched nothing"
