"""Broken sources are isolated: every way a source can fail, in one crawl next to two healthy real outlets.

The healthy outlets are the loopback copies of CNN and DroneXL (real pages, tests/fixtures/outlets/); the broken
ones are SYNTHETIC hosts on 127.0.0.9x. The crawl must deliver the healthy items, record each failure with its
reason, and `borderwatch sources check` must print the table and exit non-zero.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import select

from borderwatch.config import parse_sources
from borderwatch.cycle import health_warnings
from borderwatch.demo.outlets import Story
from borderwatch.store import ArticleRow, SourceRow, Store, utcnow
from tests.support.outlet_sites import MeteredServer, OutletSites

TIMEOUT = 3.0  # generous: the suite runs on 2 loaded cores; the hang cases wait TIMEOUT * 3
FEED = (
    '<?xml version="1.0"?><!-- SYNTHETIC --><rss version="2.0"><channel><title>t</title>'
    "<item><title>A story</title><link>{base}/a/</link></item></channel></rss>"
)

# source name -> (host key, feed path, reason the run must record)
BROKEN = {
    "Forbidden": ("broken", "/403/feed/", "HTTP 403"),
    "Missing": ("broken", "/404/feed/", "HTTP 404"),
    "Server Error": ("broken", "/500/feed/", "HTTP 500"),
    "Not XML": ("broken", "/html/feed/", "not a feed"),
    "Truncated": ("broken", "/truncated/feed/", "malformed feed"),
    "Redirect Loop": ("broken", "/loop/feed/", "too many redirects"),
    "Oversized": ("broken", "/huge/feed/", "size cap"),
    "Hangs": ("hang", "/feed/", "timed out"),
    "Silent": ("silent", "/feed/", "host unreachable (timed out on robots.txt)"),
    "Robots Down": ("robots503", "/feed/", "host unreachable (HTTP 503 on robots.txt)"),
    "No DNS": ("nodns", "/feed/", "DNS lookup failed"),
    "Refused": ("refused", "/feed/", "connection refused"),
}


def closed_port(host: str) -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]  # closed again on exit: nothing listens there


class World:
    def __init__(self, tmp: Path):
        self.sites = OutletSites(["cnn", "dronexl"]).start()
        self.srv = {
            k: MeteredServer(f"127.0.0.{ip}")
            for k, ip in (("broken", 91), ("hang", 92), ("silent", 93), ("robots503", 95))
        }
        b = self.srv["broken"]
        b.fault("/403/feed/", status=403)
        b.fault("/404/feed/", status=404)
        b.fault("/500/feed/", status=500)
        b.put("/html/feed/", "<!doctype html><html><body><h1>Our new website!</h1></body></html>")
        b.put("/truncated/feed/", FEED.format(base=b.base)[:120], "application/rss+xml")
        b.fault("/loop/feed/", redirect_to=b.url("/loop/feed/"))
        b.put(
            "/huge/feed/",
            FEED.format(base=b.base).replace("<title>t</title>", "<title>" + "x" * 2_000_000 + "</title>"),
        )
        h = self.srv["hang"]
        h.fault("/feed/", delay=TIMEOUT * 3, body=FEED.format(base=h.base).encode())
        self.srv["silent"].fault("/robots.txt", delay=TIMEOUT * 3, body=b"User-agent: *\nDisallow:\n")
        self.srv["silent"].put("/feed/", FEED.format(base=self.srv["silent"].base))
        self.srv["robots503"].fault("/robots.txt", status=503)  # RFC 9309: unreachable, so crawl nothing
        self.srv["robots503"].put("/feed/", FEED.format(base=self.srv["robots503"].base))
        for s in self.srv.values():
            s.start()
        bases = {k: s.base for k, s in self.srv.items()}
        bases["nodns"] = "http://no-such-host.invalid"
        bases["refused"] = f"http://127.0.0.94:{closed_port('127.0.0.94')}"
        cfg = self.sites.sources_config(
            settings={
                "download_timeout": TIMEOUT,
                "retry_backoff": 0.3,
                "max_page_bytes": 1_600_000,
                "backfill_days": (
                    datetime.now(timezone.utc) - datetime(2016, 6, 1, tzinfo=timezone.utc)
                ).days,
            }
        )
        for name, (host, path, _) in BROKEN.items():
            cfg["sources"].append({"name": name, "feeds": [bases[host] + path]})
        from ruamel.yaml import YAML

        self.dir = tmp
        with open(tmp / "sources.yaml", "w") as fh:
            YAML().dump(cfg, fh)
        self.db = f"sqlite:///{tmp / 'bw.db'}"

    def cli(self, *args: str) -> subprocess.CompletedProcess:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "BORDERWATCH_"))}
        env["BORDERWATCH_DB"] = self.db
        return subprocess.run(
            [sys.executable, "-m", "borderwatch", *args, "--config-dir", str(self.dir)],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    def stop(self):
        self.sites.stop()
        for s in self.srv.values():
            s.stop()


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    w = World(tmp_path_factory.mktemp("broken"))
    try:
        w.crawl = w.cli("crawl")
        w.paths = {k: s.paths() for k, s in w.srv.items()}  # before `sources check` asks again
        w.check = w.cli("sources", "check")
        w.store = Store(w.db)
        yield w
    finally:
        w.stop()


def test_the_run_completes_and_delivers_every_healthy_sources_items(world):
    assert world.crawl.returncode == 0, world.crawl.stderr[-3000:]
    assert "Traceback" not in world.crawl.stderr
    with world.store.session() as s:
        got = {(a.source, a.status) for a in s.scalars(select(ArticleRow))}
        counts = {
            src: sum(1 for a in s.scalars(select(ArticleRow).where(ArticleRow.source == src)))
            for src in ("CNN", "DroneXL")
        }
    assert counts["CNN"] >= 3 and counts["DroneXL"] >= 1, got
    assert not any(src in BROKEN for src, _ in got)


@pytest.mark.parametrize("name", list(BROKEN))
def test_each_broken_source_is_recorded_with_its_reason(world, name):
    with world.store.session() as s:
        row = s.scalar(select(SourceRow).where(SourceRow.name == name))
    assert row is not None and row.consecutive_failures == 1
    assert row.last_success_at is None
    assert BROKEN[name][2] in row.last_error, row.last_error


def test_healthy_sources_are_recorded_as_healthy(world):
    with world.store.session() as s:
        rows = {r.name: r for r in s.scalars(select(SourceRow).where(SourceRow.name.in_(["CNN", "DroneXL"])))}
    assert all(r.consecutive_failures == 0 and r.last_success_at for r in rows.values()) and len(rows) == 2


def test_silent_and_unresolvable_hosts_are_skipped_after_robots_txt(world):
    assert world.paths["silent"] == ["/robots.txt"]  # one attempt, never retried, feed never asked
    assert world.paths["robots503"] == ["/robots.txt"]
    hang = world.paths["hang"]
    assert hang.count("/feed/") == 2  # a hanging feed: two attempts, not Scrapy's three


def test_a_5xx_feed_is_asked_twice_and_a_4xx_feed_once(world):
    paths = world.paths["broken"]
    assert paths.count("/500/feed/") == 2
    assert paths.count("/403/feed/") == 1 and paths.count("/404/feed/") == 1


def test_sources_check_prints_the_table_and_exits_non_zero(world):
    out = world.check.stdout
    assert world.check.returncode == 1, out + world.check.stderr
    lines = out.splitlines()
    assert lines[0].split()[:3] == ["source", "discovery", "URL"]
    for col in ("HTTP", "items", "newest item", "last success", "last error"):
        assert col in lines[0]
    for name, (_, path, reason) in BROKEN.items():
        row = next((ln for ln in lines if ln.startswith(name + " ")), None)
        assert row is not None, f"no row for {name}"
        assert path in row and reason in row and "never" in row
    cnn = [ln for ln in lines if ln.startswith("CNN ")]
    # feeds, then sitemaps (sources.yaml order); asked conditionally: "304" with the items the run found
    assert len(cnn) == 2 and "/rss/edition_americas.rss" in cnn[0] and "/sitemap/news.xml" in cnn[1]
    assert all(" 304 " in ln for ln in cnn) and cnn[1].split()[3] == "3"
    assert "2 of 14 sources OK" in lines[-1]


def test_sources_check_rejects_an_unknown_source_name_without_a_traceback(world):
    r = world.cli("sources", "check", "--source", "Nope")
    assert r.returncode == 2 and "unknown source" in r.stderr and "Traceback" not in r.stderr


# -- the "source health" line --------------------------------------------------------------------------------
def test_health_line_appears_at_the_default_three_failures_and_names_the_reason(tmp_path):
    from ruamel.yaml import YAML

    cfg = parse_sources(
        YAML().load(
            "sources:\n  - {name: A, feeds: [https://a.example/f]}\n  - {name: B, feeds: [https://b.example/f]}\n  - {name: Gone, feeds: [https://c.example/f], enabled: false}\n"
        )
    )
    store = Store(f"sqlite:///{tmp_path / 'h.db'}")
    with store.session() as s:
        for name, fails in (("A", 2), ("B", 3), ("Gone", 9), ("Removed", 5)):
            row = store.source_row(s, name)
            row.consecutive_failures = fails
            row.last_error = "https://b.example/f: HTTP 500; https://b.example/g: HTTP 502"
            row.last_success_at = utcnow() - timedelta(days=4)
    lines = health_warnings(store, cfg)
    assert len(lines) == 1 and lines[0].startswith("Source health: B has failed 3 runs in a row")
    assert "HTTP 500" in lines[0] and "HTTP 502" not in lines[0] and len(lines[0]) < 250


def add_broken_feed(work, server, outlets, failure_alert_after: int = 2) -> None:
    """sources.yaml: the fixture outlets plus "Broken Feed" (HTTP 404), health line after N failed runs."""
    broken = f"  - name: Broken Feed\n    feeds: [{server.url('/gone/feed/')}]\n"
    yaml = outlets.sources_yaml(extra=broken).replace(
        "settings:\n", f"settings:\n  failure_alert_after: {failure_alert_after}\n"
    )
    (work.config / "sources.yaml").write_text(yaml)


def test_the_digest_carries_a_source_health_line_once_a_source_failed_n_runs_in_a_row(work, server, outlets):
    """End to end with failure_alert_after: 2 (the default of 3 is checked above without a crawl)."""
    add_broken_feed(work, server, outlets, failure_alert_after=2)
    first = work.run("run")
    assert first.returncode == 0, first.output
    assert "borderwatch digest" in first.stdout and "Source health" not in first.stdout
    outlets.add_story(
        "rio",
        Story(
            "cjng-drone-unit",
            "CJNG forms a drone unit in Jalisco",
            "Dana Whitfield",
            0.1,
            [
                "The Jalisco New Generation Cartel has formed a dedicated drone unit, according to prosecutors.",
                "The unit flies explosive-laden drones against rival groups in Michoacán.",
            ],
            guid=299,
        ),
    )
    second = work.run("run")
    assert second.returncode == 0, second.output
    assert "cjng-drone-unit" in second.stdout  # the healthy sources' news still arrives
    assert "Source health: Broken Feed has failed 2 runs in a row" in second.stdout
    assert "HTTP 404" in second.stdout
