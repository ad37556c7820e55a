"""kill -9 at any point of a run leaves a state the next run finishes from: nothing lost, nothing doubled.

Real processes, real SIGKILL: either the process kills itself at a named seam (BORDERWATCH_CRASH_AT, see
borderwatch/crashpoint.py), or the test kills it from outside while it is inside the crawl or while Slack
holds back the answer to a post it has already accepted.
"""

from __future__ import annotations

import signal
import subprocess
import time

import pytest
from sqlalchemy import func, select

from borderwatch.store import ArticleRow, DigestPart, Store
from tests.support.articles import seed_articles

from .test_delivery_e2e import item_links, slug

EXPECTED = {
    "cartel-fpv-drone-attack-michoacan",
    "border-counter-uas-deployment",
    "ndaa-counter-drone-provisions",
}


def spawn(work, *args: str) -> subprocess.Popen:
    return work.popen(*args)


def assert_each_part_and_item_posted_once(work, slack, urls: list[str]) -> None:
    parts = Store(work.db)
    with parts.session() as s:
        rows = s.scalars(select(DigestPart).order_by(DigestPart.digest_id, DigestPart.idx)).all()
    parts.dispose()
    assert rows and all(p.status == "sent" for p in rows)
    part_ids = [p["metadata"]["event_payload"]["part_id"] for p in slack.posts]
    assert sorted(part_ids) == sorted(p.id for p in rows), "a part was lost or posted twice"
    assert sorted(item_links(slack.posts)) == sorted(urls)
    first = {p.digest_id: p.ts for p in rows if p.idx == 0}
    for p in rows:
        if p.idx:
            post = next(x for x in slack.posts if x["ts"] == p.ts)
            assert post["thread_ts"] == first[p.digest_id]


@pytest.mark.parametrize(
    "point",
    ["mid_match", "digest_created", "before_post_2", "after_post_2", "after_part_1"],
)
def test_kill_9_at_a_seam_then_the_next_run_finishes_the_job_exactly_once(work, slack, point):
    urls = seed_articles(work.db, 80)  # a long day: three parts
    work.slack_env(slack)
    if point != "mid_match":
        assert work.run("match").returncode == 0
    r = work.run("match" if point == "mid_match" else "deliver", env={"BORDERWATCH_CRASH_AT": point})
    assert r.returncode == -signal.SIGKILL, r.output
    if point == "mid_match":
        store = Store(work.db)
        with store.session() as s:  # the batch was rolled back whole: every article still waits
            assert s.scalar(select(func.count()).where(ArticleRow.status == "new")) == 80
        store.dispose()
        assert work.run("match").returncode == 0
    r = work.run("deliver")
    assert r.returncode == 0, r.output
    assert_each_part_and_item_posted_once(work, slack, urls)
    posts = len(slack.posts)
    assert work.run("deliver").returncode == 0
    assert len(slack.posts) == posts


def test_kill_9_while_slack_holds_the_answer_to_an_accepted_post(work, slack):
    urls = seed_articles(work.db, 80)
    work.slack_env(slack)
    assert work.run("match").returncode == 0
    slack.inject("ok")
    slack.inject("hold", seconds=20)  # part 2 is accepted, then the answer hangs
    proc = spawn(work, "deliver")
    assert slack.held.wait(60)
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    assert len(slack.posts) == 2
    r = work.run("deliver")
    assert r.returncode == 0, r.output
    assert ("conversations.replies", 200) in slack.calls
    assert_each_part_and_item_posted_once(work, slack, urls)


def test_kill_9_mid_crawl_then_the_next_run_sends_everything_once(work, slack, server, outlets):
    work.slack_env(slack)
    slow = outlets.article_path(outlets.outlets[1], outlets.outlets[1].stories[0])  # the NDAA story
    server.fault(slow, delay=15)
    proc = spawn(work, "run")
    store = Store(work.db)
    deadline = time.monotonic() + 60
    stored = 0
    while time.monotonic() < deadline and stored < 2:  # some articles are in, the slow one is pending
        time.sleep(0.2)
        try:
            with store.session() as s:
                stored = s.scalar(select(func.count()).select_from(ArticleRow)) or 0
        except Exception:  # the schema may not exist yet
            stored = 0
    store.dispose()
    assert stored >= 2 and proc.poll() is None, "the crawl finished before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    assert slack.posts == []
    server.faults.clear()
    r = work.run("run")
    assert r.returncode == 0, r.output
    links = [slug(u) for u in item_links(slack.posts)]
    assert sorted(links) == sorted(EXPECTED)
    assert work.run("run").returncode == 0
    assert len(item_links(slack.posts)) == len(EXPECTED)
