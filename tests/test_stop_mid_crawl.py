"""SIGTERM / SIGINT during the crawl, through the real CLI with the default extraction workers: the run stops
before matching with 143 (SIGINT: 130), nothing is matched or posted, and no article is lost to the stop:
the next run delivers every article exactly once, each page fetched once in all.

`borderwatch run` holds the signals back until the crawl step ends (borderwatch/stopping.py); a crawl that
Scrapy itself shut down (here: `borderwatch crawl`, which leaves the signals to Scrapy) counts as
interrupted and its feeds are re-read in full by the next run."""

from __future__ import annotations

import random
import signal
import subprocess
import time

import pytest

from borderwatch.demo.outlets import FixtureOutlets, Outlet, Story
from borderwatch.store import FetchState, MatchRow, RunRow, Store

from .test_e2e_cycle import posted_urls

N_STORIES = 90  # more than Scrapy keeps in its downloader (64): its shutdown drops the rest
N_HELD = 30  # `borderwatch run` finishes the crawl step before it stops: fewer pages prove it


PLACES = "Apatzingán Aguililla Tepalcatepec Coalcomán Buenavista Zitácuaro Uruapan Zamora Tacámbaro Huetamo".split()
WORDS = (
    "checkpoint ranch convoy highway orchard hillside bridge market clinic school warehouse quarry "
    "avocado lime cattle patrol helicopter radio jammer rifle truck motorcycle tunnel river canyon"
).split()


def _paragraph(i: int, k: int) -> str:
    rnd = random.Random(i * 10 + k)
    return " ".join(rnd.choice(WORDS + PLACES) for _ in range(30)) + "."


def _outlet(n: int) -> Outlet:
    stories = [
        Story(
            f"cjng-fpv-drone-attack-{i:02d}",
            f"CJNG cell uses FPV drones in attack number {i} on a Michoacán police post",
            "Ana Torres",
            0.5 + i / 1000,
            [
                f"Gunmen linked to the Jalisco New Generation Cartel (CJNG) struck police post {i} in Michoacán "
                "with first-person-view drones carrying improvised explosives, state officials said.",
                *(_paragraph(i, k) for k in range(4)),  # distinct texts: no two are near-duplicates
            ],
            guid=500 + i,
        )
        for i in range(n)
    ]
    return Outlet("slowwire", "Slow Wire", "rss", stories)


def _popen(work, *args: str) -> subprocess.Popen:
    # default extraction workers (one per core), started from the first page: a small day would otherwise be
    # extracted in-process (borderwatch/config.py CrawlSettings.extract_inline) and the worker path would go untested
    return work.popen(*args, env={"BORDERWATCH_EXTRACT_INLINE": "0"})


def _article_requests(server, ok: bool = False) -> list[str]:
    return [
        r.path.split("?", 1)[0]
        for r in server.requests()
        if "/cjng-fpv-drone-attack-" in r.path and (r.status == 200 or not ok)
    ]


def _slow_outlet(work, server, n: int) -> tuple[FixtureOutlets, list[str]]:
    outlets = FixtureOutlets(server, [_outlet(n)])
    (work.config / "sources.yaml").write_text(
        outlets.sources_yaml().replace("    feeds:", "    max_pages: 200\n    feeds:")
    )
    slow = [outlets.article_path(outlets.outlets[0], s) for s in outlets.outlets[0].stories]
    for path in slow:  # a crawl of ~90 x 0.05 s / 2 connections: the signal lands in the middle of it
        server.fault(path, delay=0.05)
    return outlets, slow


def _signal_mid_crawl(server, proc: subprocess.Popen, signum: int) -> tuple[str, str]:
    deadline = time.monotonic() + 60
    while len(_article_requests(server)) < 3 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    assert len(_article_requests(server)) >= 3, "the crawl never got going"
    proc.send_signal(signum)
    return proc.communicate(timeout=120)


def _assert_each_posted_once(slack, outlets) -> None:
    # item sections only: the digest's "Top stories" lines link the same URLs once more
    posted = "\n".join(posted_urls(slack))
    counts = {s.slug: posted.count(f"/{s.slug}/") for s in outlets.outlets[0].stories}
    assert len(counts) == len(outlets.outlets[0].stories)
    assert set(counts.values()) == {1}, {k: v for k, v in counts.items() if v != 1}


@pytest.mark.parametrize("signum,code", [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_signal_during_the_crawl_stops_before_matching_and_the_next_run_delivers_every_article_once(
    work, slack, server, signum, code
):
    outlets, slow = _slow_outlet(work, server, N_HELD)
    work.slack_env(slack)
    proc = _popen(work, "run")
    out, err = _signal_mid_crawl(server, proc, signum)
    assert proc.returncode == code, out + err
    assert f"stopped by {signal.Signals(signum).name} before matching" in err, err
    assert "Traceback" not in out + err
    assert slack.posts == []
    store = Store(work.db)
    with store.session() as s:
        assert s.query(MatchRow).count() == 0
        assert [r.status for r in s.query(RunRow)] == ["stopped"]
    store.dispose()

    for path in slow:
        server.clear_fault(path)
    r = work.run("run")
    assert r.returncode == 0, r.output
    fetched = _article_requests(server, ok=True)
    assert sorted(fetched) == sorted(slow), "a page was never fetched, or fetched twice"
    _assert_each_posted_once(slack, outlets)
    store = Store(work.db)
    with store.session() as s:
        assert [r.status for r in s.query(RunRow).order_by(RunRow.id)] == ["stopped", "ok"]
    store.dispose()


def test_a_crawl_scrapy_shut_down_counts_as_interrupted_and_its_feeds_are_re_read_in_full(
    work, slack, server
):
    outlets, slow = _slow_outlet(work, server, N_STORIES)
    work.slack_env(slack)
    proc = _popen(work, "crawl")  # no run lock, no held-back signals: Scrapy's own shutdown takes SIGTERM
    out, err = _signal_mid_crawl(server, proc, signal.SIGTERM)
    assert proc.returncode == 143, out + err
    assert "stopped by SIGTERM" in err and "Traceback" not in out + err
    fetched_first = _article_requests(server, ok=True)
    assert len(fetched_first) < N_STORIES, "the crawl was not cut short: nothing to prove"
    store = Store(work.db)
    with store.session() as s:
        assert [(f.etag, f.last_modified) for f in s.query(FetchState)] == [(None, None)]
    store.dispose()

    for path in slow:
        server.clear_fault(path)
    server.clear_log()
    r = work.run("run")
    assert r.returncode == 0, r.output
    feeds = [q for q in server.requests() if q.path.endswith("/feed/")]
    assert feeds and all(q.status == 200 for q in feeds), "the interrupted crawl's feed validators were kept"
    fetched = fetched_first + _article_requests(server, ok=True)
    assert sorted(fetched) == sorted(slow), "a page was never fetched, or fetched twice"
    _assert_each_posted_once(slack, outlets)
