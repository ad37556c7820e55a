"""Politeness, measured: one real crawl over loopback hosts built to provoke each rule, plus the settings math.

Hosts (each on its own 127.0.0.x, so each has its own download slot as on the internet); all content here is
SYNTHETIC (tiny feeds and pages written for these tests).
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from borderwatch.config import parse_sources
from borderwatch.crawler.settings import (
    MAX_TIMEOUT,
    RETRY_EXCEPTIONS,
    RETRY_HTTP_CODES,
    scrapy_settings,
    user_agent,
    worst_case_seconds,
)
from borderwatch.store import SourceRow, Store
from borderwatch.yamlload import ConfigError
from tests.support.outlet_sites import MeteredServer

# The download timeout is 3 s, not 1 s: on a loaded machine (CI beside other work, load ~9) a 1 s timeout
# fired on pages the server had already answered (a /s404/ logged twice: timed out, then retried), so tests
# about retries counted the timeout's retry. The hanging page still proves the timeout path (7.5 s delay).
TIMEOUT, BACKOFF, RETRY_AFTER, SLOW = 3.0, 0.5, 1, 0.8
SLOW_PAGES = 12
CONTACT = "mailto:ops@example.org"


def rss(base: str, paths: list[str]) -> str:
    now = datetime.now(timezone.utc)
    items = "".join(
        f"<item><title>Story {i} {p}</title><link>{p if '://' in p else base + p}</link>"
        f"<guid>{base}{p}</guid><pubDate>{format_datetime(now - timedelta(hours=i + 1))}</pubDate></item>"
        for i, p in enumerate(paths)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><!-- SYNTHETIC test feed -->'
        f'<rss version="2.0"><channel><title>t</title><link>{base}/</link>{items}</channel></rss>'
    )


def page(title: str) -> str:
    para = (
        f"<p>{title}: officials said the counter-drone systems were deployed along the border this week, "
        "according to a statement released on Monday by the regional security ministry.</p>"
    )
    return f"<html><head><title>{title}</title></head><body><article><h1>{title}</h1>{para * 4}</article></body></html>"


class Hosts:
    """The SYNTHETIC loopback hosts and the sources.yaml that points at them."""

    def __init__(self):
        self.s = {name: MeteredServer(f"127.0.0.{ip}") for name, ip in HOSTS.items()}
        for srv in self.s.values():
            srv.start()
        a, g = self.s["robots"], self.s["robots_generic"]
        a.put(
            "/robots.txt",
            "User-agent: borderwatch\nDisallow: /members/\nDisallow: /feeds/private.xml\n\n"
            "User-agent: *\nDisallow: /\n",
            "text/plain",
        )
        a.put("/feed.xml", rss(a.base, ["/public/story/", "/members/story/"]), "application/rss+xml")
        a.put("/feeds/private.xml", rss(a.base, ["/public/other/"]), "application/rss+xml")
        for p in ("/public/story/", "/members/story/", "/public/other/"):
            a.put(p, page("robots " + p))
        g.put("/robots.txt", "User-agent: *\nDisallow: /private/\n", "text/plain")
        g.put("/feed.xml", rss(g.base, ["/open/story/", "/private/story/"]), "application/rss+xml")
        g.put("/open/story/", page("open"))
        g.put("/private/story/", page("private"))

        b = self.s["flaky"]
        b.put(
            "/feed.xml", rss(b.base, ["/s503/", "/s500/", "/s404/", "/s403/", "/ok/"]), "application/rss+xml"
        )
        b.put("/ok/", page("flaky ok"))
        b.fault("/s500/", status=500)
        b.fault("/s404/", status=404)
        b.fault("/s403/", status=403)
        self._503(b)

        c = self.s["hang"]
        c.put("/feed.xml", rss(c.base, ["/hang/", "/ok/"]), "application/rss+xml")
        c.put("/ok/", page("hang ok"))
        c.fault("/hang/", delay=TIMEOUT * 2.5, body=page("too late").encode())

        d = self.s["redirects"]
        d.fault("/r1", redirect_to=d.url("/r2"))
        d.fault("/r2", redirect_to=d.url("/r3"))
        d.fault("/r3", redirect_to=d.url("/feed.xml"))
        d.put(
            "/feed.xml",
            rss(d.base, ["/ok/", "/to-file/", "file:///etc/passwd", "ftp://127.0.0.1/x"]),
            "application/rss+xml",
        )
        d.put("/ok/", page("after three redirects"))
        d.fault("/to-file/", redirect_to="file:///etc/passwd")
        d.fault("/loop", redirect_to=d.url("/loop"))

        e = self.s["big"]
        e.put("/feed.xml", rss(e.base, ["/big/", "/ok/"]), "application/rss+xml")
        e.put("/big/", page("big") + "<!--" + "x" * 300_000 + "-->")
        e.put("/ok/", page("big ok"))

        k = self.s["capped"]
        k.put("/feed.xml", rss(k.base, ["/c1/", "/c2/", "/c3/"]), "application/rss+xml")
        for p in ("/c1/", "/c2/", "/c3/"):
            k.put(p, page("capped" + p))

        # Twice as many slow pages as fast ones, so the slow host's span dwarfs what a loaded machine adds to
        # the fast host's (reactor and extraction time stretch both; only the slow host waits on its server).
        for name, delay, n in (("slow", SLOW, SLOW_PAGES), ("fast", 0.0, 6)):
            srv = self.s[name]
            paths = [f"/{name}-{i}/" for i in range(n)]
            srv.put("/feed.xml", rss(srv.base, paths), "application/rss+xml")
            for p in paths:
                if delay:
                    srv.fault(p, delay=delay, body=page(name + p).encode())
                else:
                    srv.put(p, page(name + p))

    @staticmethod
    def _503(srv: MeteredServer) -> None:
        orig = srv._send

        def send(h, status, body=b"", headers=None, head=False):
            if h.path == "/s503/":
                status, headers, body = 503, {"Retry-After": str(RETRY_AFTER)}, b"busy"
            return orig(h, status, body, headers, head)

        srv._send = send
        srv.put("/s503/", "unused")

    def yaml(self) -> str:
        u = {k: v.base for k, v in self.s.items()}
        return f"""
settings:
  download_timeout: {TIMEOUT}
  retry_backoff: {BACKOFF}
  max_page_bytes: 200000
  download_delay: 0
  autothrottle_start_delay: 0.02
  autothrottle_max_delay: 1
  contact: "{CONTACT}"
sources:
  - {{name: Robots Specific, feeds: ["{u["robots"]}/feed.xml", "{u["robots"]}/feeds/private.xml"]}}
  - {{name: Robots Generic, feeds: ["{u["robots_generic"]}/feed.xml"]}}
  - {{name: Flaky, feeds: ["{u["flaky"]}/feed.xml"]}}
  - {{name: Hang, feeds: ["{u["hang"]}/feed.xml"]}}
  - {{name: Redirect Chain, feeds: ["{u["redirects"]}/r1"]}}
  - {{name: Redirect Loop, feeds: ["{u["redirects"]}/loop"]}}
  - {{name: Big, feeds: ["{u["big"]}/feed.xml"]}}
  - {{name: Slow, feeds: ["{u["slow"]}/feed.xml"]}}
  - {{name: Fast, feeds: ["{u["fast"]}/feed.xml"]}}
  - {{name: Capped, feeds: ["{u["capped"]}/feed.xml"], max_pages: 1}}
"""

    def stop(self):
        for srv in self.s.values():
            srv.stop()


HOSTS = {
    "robots": 81,
    "robots_generic": 82,
    "flaky": 83,
    "hang": 84,
    "redirects": 85,
    "big": 86,
    "slow": 87,
    "fast": 88,
    "capped": 89,
}


class Run:
    def __init__(self, hosts: Hosts, tmp: Path):
        self.hosts = hosts
        (tmp / "sources.yaml").write_text(hosts.yaml())
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "BORDERWATCH_"))}
        env["BORDERWATCH_DB"] = f"sqlite:///{tmp / 'bw.db'}"
        self.proc = subprocess.run(
            [sys.executable, "-m", "borderwatch", "crawl", "--config-dir", str(tmp)],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        self.store = Store(env["BORDERWATCH_DB"])
        with self.store.session() as s:
            self.health = {
                r.name: (r.consecutive_failures, r.last_error or "") for r in s.scalars(select(SourceRow))
            }

    def paths(self, host: str) -> list[str]:
        return self.hosts.s[host].paths()

    def hits(self, host: str, path: str):
        return sorted((h for h in self.hosts.s[host].hits if h.path == path), key=lambda h: h.start)


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    hosts = Hosts()
    try:
        yield Run(hosts, tmp_path_factory.mktemp("polite"))
    finally:
        hosts.stop()


def test_the_crawl_completes_despite_every_provocation(run):
    assert run.proc.returncode == 0, run.proc.stderr[-3000:]
    assert "Traceback" not in run.proc.stderr


def test_a_path_disallowed_for_our_token_is_never_requested(run):
    paths = run.paths("robots")
    assert "/public/story/" in paths, "our own robots group allows it although '*' is disallowed everywhere"
    assert "/members/story/" not in paths
    assert "/feeds/private.xml" not in paths
    fails, error = run.health["Robots Specific"]
    assert fails == 1 and "forbidden by robots.txt" in error


def test_a_path_disallowed_for_everyone_is_never_requested(run):
    paths = run.paths("robots_generic")
    assert "/open/story/" in paths and "/private/story/" not in paths


def test_every_request_carries_a_descriptive_user_agent_with_the_contact(run):
    hits = [h for srv in run.hosts.s.values() for h in srv.hits]
    assert hits
    expected = user_agent({"contact": CONTACT})
    assert {h.user_agent for h in hits} == {expected}
    assert expected.startswith("borderwatch/") and CONTACT in expected


def test_5xx_is_retried_once_after_a_backoff_that_honours_retry_after(run):
    first, second = run.hits("flaky", "/s503/")  # exactly two attempts
    assert second.start - first.end >= RETRY_AFTER - 0.05
    assert len(run.hits("flaky", "/s500/")) == 2
    b500 = run.hits("flaky", "/s500/")
    assert b500[1].start - b500[0].end >= BACKOFF - 0.05


def test_4xx_is_not_retried(run):
    assert len(run.hits("flaky", "/s404/")) == 1
    assert len(run.hits("flaky", "/s403/")) == 1


def test_a_hanging_page_costs_two_timeouts_and_a_backoff_at_most(run):
    attempts = run.hits("hang", "/hang/")
    assert len(attempts) == 2
    # Server-side clocks: the first attempt may be logged up to a few hundred ms after the client's timeout clock
    # started (seen in CI: 1.15 s for 1.0 + 0.5), so only the timeout is a firm lower bound here; the backoff
    # itself is proven exactly on the 5xx path above (same middleware, same pause).
    # The client waits TIMEOUT + BACKOFF (3.5 s) between its two attempts, but the server may log the first attempt
    # late, when its handler thread gets the CPU: clean-clone CI saw 2.9994 s and, at load, 2.69 s (0.81 s of lag).
    # Allowing 1 s of such lag still proves the retry waited for the timeout: without one it would come after the
    # 0.5 s backoff alone.
    assert attempts[1].start - attempts[0].start >= TIMEOUT + BACKOFF - 1.0
    assert attempts[1].start - attempts[0].start <= TIMEOUT + BACKOFF + 2.0
    assert "/ok/" in run.paths("hang")  # the host's other page still came


def test_redirects_are_followed_up_to_the_cap_and_never_to_other_schemes(run):
    assert {"/r1", "/r2", "/r3", "/feed.xml"} <= set(run.paths("redirects"))
    assert "/ok/" in run.paths("redirects")
    loops = run.hits("redirects", "/loop")
    assert 2 <= len(loops) <= 6  # the first request plus at most REDIRECT_MAX_TIMES (5) redirects
    fails, error = run.health["Redirect Loop"]
    assert fails == 1 and "too many redirects" in error
    assert run.health["Redirect Chain"][0] == 0
    assert len(run.hits("redirects", "/to-file/")) == 1  # a redirect to file:// ends there


def test_a_response_over_the_size_cap_is_not_downloaded_and_its_item_is_kept_from_the_feed(run):
    from borderwatch.store import ArticleRow

    with run.store.session() as s:
        rows = {a.url: a for a in s.scalars(select(ArticleRow).where(ArticleRow.source == "Big"))}
    assert any(u.endswith("/ok/") for u in rows)
    big = [a for u, a in rows.items() if u.endswith("/big/")]
    assert big and big[0].title == "Story 0 /big/" and "x" * 100 not in (big[0].text or "")
    assert len(run.hits("big", "/big/")) == 1  # cancelled once, not retried


def test_no_host_has_more_than_two_requests_in_flight(run):
    assert run.hosts.s
    for name, srv in run.hosts.s.items():
        assert srv.hits, f"{name} was never asked for anything"
        assert srv.max_inflight <= 2, (name, srv.max_inflight)


def test_one_slow_host_does_not_delay_the_others(run):
    fast = run.hosts.s["fast"].hits
    slow = run.hosts.s["slow"].hits
    fast_span = max(h.end for h in fast) - min(h.start for h in fast)
    slow_span = max(h.end for h in slow) - min(h.start for h in slow)
    assert len(slow) >= SLOW_PAGES and len(fast) >= 6
    assert slow_span >= SLOW_PAGES * SLOW / 2  # at most two slow pages at a time
    assert fast_span < slow_span / 2, (
        f"the fast host took {fast_span:.2f} s while the slow one took {slow_span:.2f} s"
    )
    assert max(h.end for h in fast) < max(h.end for h in slow) - 1.0


def test_max_pages_caps_a_run_and_the_rest_waits_for_the_next(run):
    from borderwatch.store import FetchState

    pages = [p for p in run.paths("capped") if p.startswith("/c")]
    assert len(pages) == 1
    with run.store.session() as s:
        st = s.get(FetchState, run.hosts.s["capped"].url("/feed.xml"))
    assert st.last_status == 200 and st.etag is None  # no 304 next run: the feed is read in full again


# -- the settings math (no network) --------------------------------------------------------------------------
def test_one_silent_server_costs_about_a_minute_at_most_not_scrapys_nine():
    s = scrapy_settings({})
    assert s["DOWNLOAD_TIMEOUT"] <= MAX_TIMEOUT == 30
    assert s["RETRY_TIMES"] == 1  # two attempts
    assert worst_case_seconds(s["DOWNLOAD_TIMEOUT"], s["RETRY_BACKOFF"]) <= 45
    assert worst_case_seconds(MAX_TIMEOUT, 0) <= 60 < 180 * 3
    assert scrapy_settings({"download_timeout": 999})["DOWNLOAD_TIMEOUT"] == 30


def test_only_5xx_and_timeouts_are_retried():
    assert all(500 <= c <= 599 for c in RETRY_HTTP_CODES)
    assert all("Timeout" in e or "TimedOut" in e for e in RETRY_EXCEPTIONS)


def test_per_domain_concurrency_autothrottle_size_cap_and_schemes():
    s = scrapy_settings({"concurrency_per_domain": 9})
    assert s["CONCURRENT_REQUESTS_PER_DOMAIN"] == 2
    assert s["AUTOTHROTTLE_ENABLED"] and s["ROBOTSTXT_OBEY"]
    assert s["DOWNLOAD_MAXSIZE"] == 5 * 1024 * 1024
    assert s["REDIRECT_MAX_TIMES"] == 5
    handlers = s["DOWNLOAD_HANDLERS"]
    assert {k for k, v in handlers.items() if v} == {"http", "https"}


@pytest.mark.parametrize(
    ("setting", "value"),
    [("download_timeout", 31), ("concurrency_per_domain", 3), ("max_redirects", 50), ("contact", "ops team")],
)
def test_impolite_settings_are_refused_with_their_line(setting, value):
    from ruamel.yaml import YAML

    text = f"settings:\n  {setting}: {value!r}\nsources:\n  - {{name: X, feeds: [https://x.example/feed/]}}\n"
    with pytest.raises(ConfigError) as exc:
        parse_sources(YAML().load(text), "sources.yaml")
    assert str(exc.value).startswith("sources.yaml:2:3:") and setting in str(exc.value)
