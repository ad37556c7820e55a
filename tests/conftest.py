"""Shared fixtures: loopback fixture outlets, a fake Slack, a config dir, and a CLI runner (real subprocess)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from borderwatch.demo.outlets import FixtureOutlets
from tests.support.fake_slack import FakeSlack
from tests.support.fixture_server import FixtureServer

from .conftest_pg import (  # noqa: F401  (fixtures and hooks for PostgreSQL and the both_backends marker)
    backend,
    database_url,
    db_url,
    pg_server,
    pg_url,
    pytest_configure,
    pytest_generate_tests,
)

REPO = Path(__file__).resolve().parent.parent
TOKEN = "xoxb-1111-2222-SECRETTOKENVALUE"


def pytest_sessionstart(session):
    """Write the bytecode of our own packages once, before the suite starts its several hundred CLI processes
    (tests/support/bytecode.py says why). Controller only (xdist workers start after it)."""
    if hasattr(session.config, "workerinput"):
        return
    from tests.support.bytecode import compile_our_packages

    compile_our_packages()


@pytest.fixture
def server():
    with FixtureServer() as srv:
        yield srv


@pytest.fixture
def outlets(server):
    return FixtureOutlets(server)


@pytest.fixture
def slack():
    with FakeSlack(token=TOKEN) as fake:
        yield fake


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


class Workdir:
    def __init__(self, path: Path, outlets: FixtureOutlets | None):
        self.path = path
        self.config = path / "config"
        self.config.mkdir()
        shutil.copy(REPO / "config" / "keywords.yaml", self.config / "keywords.yaml")
        if outlets is not None:
            (self.config / "sources.yaml").write_text(outlets.sources_yaml())
        self.db = f"sqlite:///{path / 'bw.db'}"
        self.env: dict[str, str] = {}

    def slack_env(self, slack: FakeSlack) -> None:
        self.env.update(
            {"SLACK_BOT_TOKEN": TOKEN, "SLACK_CHANNEL": "C0DIGEST", "SLACK_API_URL": slack.api_url}
        )

    def cli_env(self, env: dict | None = None) -> dict:
        """The CLI's environment: ours without SLACK_*/BORDERWATCH_*, then this dir's database and env."""
        full_env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "BORDERWATCH_"))}
        full_env.update({"BORDERWATCH_DB": self.db, **self.env, **(env or {})})
        return full_env

    def run(self, *args: str, timeout: float = 120, env: dict | None = None) -> Result:
        cmd = [sys.executable, "-m", "borderwatch", *args]
        if args and args[0] in ("run", "crawl", "match", "deliver") and "--config-dir" not in args:
            cmd += ["--config-dir", str(self.config)]
        p = subprocess.run(
            cmd, cwd=self.path, env=self.cli_env(env), capture_output=True, text=True, timeout=timeout
        )
        return Result(p.returncode, p.stdout, p.stderr)

    def popen(self, *args: str, env: dict | None = None) -> subprocess.Popen:
        """`borderwatch ARGS --config-dir CONFIG` started in the background, its output piped."""
        return subprocess.Popen(
            [sys.executable, "-m", "borderwatch", *args, "--config-dir", str(self.config)],
            cwd=self.path,
            env=self.cli_env(env),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )


@pytest.fixture
def work(tmp_path, outlets, request):
    w = Workdir(tmp_path, outlets)
    w.db = database_url(request, tmp_path)  # SQLite, or PostgreSQL for tests marked both_backends
    return w
