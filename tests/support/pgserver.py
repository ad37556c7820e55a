"""A throwaway PostgreSQL server for tests and benchmarks: initdb into a temp dir, start it on a free loopback
port, hand out fresh databases, stop it and delete everything afterwards.

Uses the server binaries of Debian's `postgresql` package (/usr/lib/postgresql/*/bin) or any `pg_ctl` on PATH.
PostgreSQL refuses to run as root, so when we are root the server runs as the `postgres` user (runuser).
Anything that makes this impossible raises PgUnavailable with a reason the tests show when they skip.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path


class PgUnavailable(Exception):
    """No PostgreSQL server can be started here (the reason is the message)."""


def find_bindir() -> Path | None:
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name), reverse=True
    )
    for c in candidates:
        if (Path(c) / "pg_ctl").exists() and (Path(c) / "initdb").exists():
            return Path(c)
    pg_ctl = shutil.which("pg_ctl")
    if pg_ctl and shutil.which("initdb"):
        return Path(pg_ctl).parent
    return None


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


class PgServer:
    """`with PgServer() as pg: url = pg.create_database("x")` -> postgresql+psycopg://bw@127.0.0.1:PORT/x."""

    USER = "bw"

    def __init__(self, host: str = "127.0.0.1", fast: bool = True):
        self.host = host
        self.fast = fast  # fsync off: a test server's data is thrown away anyway
        self.bindir = find_bindir()
        self.port: int | None = None
        self.base: Path | None = None
        self._runas: list[str] = []
        self._n = 0

    # -- lifecycle -------------------------------------------------------------
    def start(self) -> PgServer:
        if self.bindir is None:
            raise PgUnavailable(
                "no PostgreSQL server binaries (install Debian's 'postgresql' package; .ci/run does)"
            )
        try:
            import psycopg  # noqa: F401
        except ImportError:
            raise PgUnavailable("psycopg is not installed (pip install 'borderwatch[postgres]')") from None
        self.base = Path(tempfile.mkdtemp(prefix="bw-pg-"))
        if os.geteuid() == 0:
            try:
                pw = pwd.getpwnam("postgres")
            except KeyError:
                self._cleanup()
                raise PgUnavailable(
                    "running as root and there is no 'postgres' user to run the server"
                ) from None
            os.chown(self.base, pw.pw_uid, pw.pw_gid)
            runuser = shutil.which("runuser") or shutil.which("setpriv")
            if runuser is None:
                self._cleanup()
                raise PgUnavailable("running as root and neither runuser nor setpriv is available")
            if runuser.endswith("runuser"):
                self._runas = [runuser, "-u", "postgres", "--"]
            else:
                self._runas = [runuser, f"--reuid={pw.pw_uid}", f"--regid={pw.pw_gid}", "--clear-groups"]
        data = self.base / "data"
        try:
            self._sh(
                "initdb",
                "-D",
                str(data),
                "-U",
                self.USER,
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
            )
            self.port = free_port(self.host)
            opts = f"-c listen_addresses={self.host} -p {self.port} -k {self.base} -c max_connections=60"
            if self.fast:
                opts += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
            self._sh(
                "pg_ctl", "-D", str(data), "-o", opts, "-l", str(self.base / "log"), "-w", "-t", "60", "start"
            )
        except PgUnavailable:
            self._cleanup()
            raise
        return self

    def _sh(self, tool: str, *args: str) -> None:
        cmd = [*self._runas, str(self.bindir / tool), *args]
        try:
            p = subprocess.run(cmd, capture_output=True, text=True, timeout=120, cwd=self.base)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise PgUnavailable(f"{tool} failed: {exc}") from None
        if p.returncode != 0:
            log = ""
            if self.base and (self.base / "log").exists():
                log = (self.base / "log").read_text(errors="replace")[-800:]
            raise PgUnavailable(f"{tool} failed ({p.returncode}): {(p.stderr or p.stdout)[-800:]} {log}")

    def stop(self) -> None:
        if self.base is None:
            return
        if self.port is not None and (self.base / "data" / "postmaster.pid").exists():
            try:
                self._sh("pg_ctl", "-D", str(self.base / "data"), "-m", "fast", "-w", "stop")
            except PgUnavailable:
                pass
        self._cleanup()

    def _cleanup(self) -> None:
        if self.base is not None:
            shutil.rmtree(self.base, ignore_errors=True)
            self.base = None

    def __enter__(self) -> PgServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- databases ---------------------------------------------------------------
    def url(self, dbname: str) -> str:
        return f"postgresql+psycopg://{self.USER}@{self.host}:{self.port}/{dbname}"

    def admin(self, sql: str, dbname: str = "postgres") -> None:
        import psycopg

        with psycopg.connect(
            host=self.host, port=self.port, user=self.USER, dbname=dbname, autocommit=True
        ) as conn:
            conn.execute(sql)

    def create_database(self, prefix: str = "bw") -> str:
        """A new empty database; returns its SQLAlchemy URL."""
        self._n += 1
        name = f"{prefix}_{os.getpid()}_{self._n}_{int(time.time() * 1000) % 100000}"
        self.admin(f'CREATE DATABASE "{name}"')
        return self.url(name)
