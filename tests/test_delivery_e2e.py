"""Delivery end to end through the CLI against the loopback fake Slack: near-duplicates, long days split
into thread replies or numbered parts, preview, faults (5xx, refused, timeouts, 429, lost answers), the
webhook path, and the run lock."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time

from sqlalchemy import select

from borderwatch.demo.outlets import Story
from borderwatch.store import DigestItem, DigestPart, DigestRow, Store
from tests.support.articles import seed_article, seed_articles
from tests.support.fake_slack import FakeSlack, check_limits

from .conftest import TOKEN

# SYNTHETIC: the Frontera Wire FPV story as another outlet republishes it (wire copy, new headline, a
# credit line and a closing sentence added).
SYNDICATED = Story(
    "wire-cartel-drones-michoacan",
    "Cartel gunmen attack Michoacán police post with FPV drones",
    "Wire staff",
    0.8,
    [
        "Gunmen linked to the Jalisco New Generation Cartel (CJNG) struck a police post in Michoacán on Sunday "
        "with first-person-view drones carrying improvised explosives, state officials said.",
        "Security analysts say the use of FPV drones by cartels has grown quickly since 2020, when only a handful "
        "of attacks were recorded, to near-daily incidents in parts of Michoacán this year.",
        "The state security ministry said two officers were wounded and that soldiers recovered the remains of "
        "three quadcopters near the town.",
        "Officials did not say whether the drones were bought commercially or assembled from parts.",
        "This report was distributed by a wire service.",
    ],
    guid=291,
)
FPV_LEAD = "cartel-fpv-drone-attack-michoacan"


def item_links(posts) -> list[str]:
    """URLs of the items' title links, in posting order."""
    urls = []
    for post in posts:
        for block in post["blocks"] or []:
            text = block.get("text", {}).get("text", "") if block["type"] == "section" else ""
            if text.startswith("*<"):
                urls.append(text[2:].split("|", 1)[0])
    return urls


def slug(url: str) -> str:
    return url.rstrip("/").rsplit("/", 1)[-1]


def db_rows(work, model, *where):
    store = Store(work.db)
    with store.session() as s:
        rows = s.scalars(select(model).where(*where)).all()
    store.dispose()
    return rows


def queue_items(work, n: int = 3) -> list[str]:
    """n synthetic matched items waiting in the outbox (no crawl needed: faster fault tests)."""
    urls = seed_articles(work.db, n)
    r = work.run("match")
    assert r.returncode == 0, r.output
    return urls


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# -- content ------------------------------------------------------------------------------------------


def test_the_same_story_from_two_outlets_is_posted_once_under_its_best_topic_with_also_in(
    work, slack, outlets
):
    outlets.add_story("rio", SYNDICATED)
    work.slack_env(slack)
    r = work.run("run")
    assert r.returncode == 0, r.output
    links = item_links(slack.posts)
    assert [slug(u) for u in links].count(FPV_LEAD) == 1
    assert SYNDICATED.slug not in {slug(u) for u in links}
    item = next(
        t
        for b in slack.posts[0]["blocks"]
        if (t := b.get("text", {}).get("text", "")).startswith("*<")
        and FPV_LEAD in t  # the item, not Top stories
    )
    assert "also in: <" in item and "|Rio Grande Defense Review>" in item
    assert SYNDICATED.slug in item  # the other outlet's copy is linked from "also in"
    roles = {i.role for i in db_rows(work, DigestItem)}
    assert roles == {"item", "also"}
    # it fires several rules: shown once, under the first of them in keywords.yaml, tagged with the others
    texts = [b.get("text", {}).get("text", "") for b in slack.posts[0]["blocks"]]
    heads = [i for i, t in enumerate(texts) if t.startswith("*") and not t.startswith("*<")]
    at = texts.index(item)
    assert texts[max(h for h in heads if h < at)].startswith("*Cartel drone attacks*")
    assert (
        "also under: Explosive drone attacks in Latin America, Armed drone attacks and drug drones, FPV attack drones"
        in item
    )


def test_a_later_repost_of_a_story_already_sent_is_not_sent_again(work, slack):
    work.slack_env(slack)
    text = "\n".join(SYNDICATED.paragraphs)
    seed_article(work.db, "https://a.example/fpv-attack/", SYNDICATED.title, text, "Outlet A", 600)
    assert work.run("match").returncode == 0
    assert work.run("deliver").returncode == 0
    before = len(slack.posts)
    assert before == 1
    # the next day Outlet B re-publishes the wire copy under a new URL and headline
    seed_article(
        work.db, "https://b.example/2026/cartel-drones/", "Drones used in cartel attack", text, "Outlet B"
    )
    assert work.run("match").returncode == 0
    preview = work.run("digest", "--preview", "--config-dir", str(work.config))
    assert "Left out as later reports of stories already sent" in preview.stdout, preview.output
    assert "Drones used in cartel attack — Outlet B" in preview.stdout
    r = work.run("deliver")
    assert r.returncode == 0, r.output
    assert len(slack.posts) == before
    assert "1 later report of stories already sent left out" in r.output
    repeat = db_rows(work, DigestItem, DigestItem.role == "repeat")
    assert len(repeat) == 1 and repeat[0].lead_article_id is not None
    assert work.run("deliver").returncode == 0 and len(slack.posts) == before  # and never comes back


# -- long days ----------------------------------------------------------------------------------------


def check_post(post) -> None:
    assert check_limits(post) is None
    assert len(post["text"]) < 4000
    assert len(post["blocks"]) <= 50


def test_a_long_day_goes_out_as_thread_replies_under_the_summary_with_every_item_once(work, slack):
    urls = seed_articles(work.db, 90)
    work.slack_env(slack)
    assert work.run("match").returncode == 0
    r = work.run("deliver")
    assert r.returncode == 0, r.output
    top = slack.top_level()
    assert len(top) == 1, "continuation parts must be thread replies, not new channel messages"
    replies = slack.thread_of(top[0]["ts"])
    assert len(replies) >= 1
    n = 1 + len(replies)
    assert f"(1/{n})" in top[0]["blocks"][0]["text"]["text"]
    assert [f"({i}/{n})" in p["blocks"][0]["text"]["text"] for i, p in enumerate(replies, 2)] == [True] * (
        n - 1
    )
    posted = item_links(slack.posts)
    assert sorted(posted) == sorted(urls)
    for p in slack.posts:
        check_post(p)
    parts = db_rows(work, DigestPart)
    assert all(p.status == "sent" and p.ts for p in parts)
    assert [p.ts for p in parts] == [top[0]["ts"], *(x["ts"] for x in replies)]


def test_webhook_long_day_goes_out_as_numbered_parts_and_reads_the_same(work, slack):
    urls = seed_articles(work.db, 90)
    work.env["SLACK_WEBHOOK_URL"] = slack.webhook_url
    assert work.run("match").returncode == 0
    r = work.run("deliver")
    assert r.returncode == 0, r.output
    assert "XXXXSECRETXXXX" not in r.output
    posts = slack.webhook_posts
    assert len(posts) >= 2
    assert f"(2/{len(posts)})" in posts[1]["blocks"][0]["text"]["text"]
    assert "Continued in the next message" in json.dumps(posts[0]["blocks"])
    assert sorted(item_links(posts)) == sorted(urls)
    for p in posts:
        check_post(p)


# -- preview ------------------------------------------------------------------------------------------


def test_preview_shows_exactly_what_delivery_sends_and_marks_nothing(work, slack):
    work.slack_env(slack)
    seed_articles(work.db, 60)
    assert work.run("match").returncode == 0
    cfg = ["--config-dir", str(work.config)]
    text = work.run("digest", "--preview", *cfg)
    assert text.returncode == 0, text.output
    assert "reply in the thread 2/" in text.stdout and "nothing was sent or marked" in text.stderr
    r = work.run("digest", "--preview", "--json", *cfg)
    preview = json.loads(r.stdout)
    assert slack.posts == [] and slack.calls == []
    assert db_rows(work, DigestRow) == []
    assert preview["channel"] == "slack" and preview["items"] == 60
    r = work.run("deliver")
    assert r.returncode == 0, r.output
    assert [m["blocks"] for m in preview["messages"]] == [p["blocks"] for p in slack.posts]
    assert [m["thread_reply"] for m in preview["messages"]] == [bool(p["thread_ts"]) for p in slack.posts]
    again = json.loads(work.run("digest", "--preview", "--json", *cfg).stdout)
    assert again["messages"] == []


def test_console_digest_and_preview_read_well_in_a_terminal(work):
    r = work.run("run")
    assert r.returncode == 0, r.output
    out = r.stdout
    assert "borderwatch digest ·" in out and "=====" in out
    assert "3 new items in 3 topics from 2 outlets" in out  # NDAA, counter-UAS, cartel drones
    assert "• Cartel fighters use FPV drones in attack on Michoacán police post" in out
    assert "  Frontera Wire · " in out and "matched: " in out
    assert "*" not in out and "&amp;" not in out and "&lt;" not in out  # no Slack markup on a terminal
    assert "<!channel>" in out  # the raw title, shown as text
    assert "\n  http://127.0.0.1:" in out


# -- faults -------------------------------------------------------------------------------------------


def test_slack_refusing_connections_keeps_items_queued_for_one_later_post(work):
    port = free_port()
    work.env.update({"SLACK_BOT_TOKEN": TOKEN, "SLACK_CHANNEL": "C0DIGEST"})
    work.env["SLACK_API_URL"] = f"http://127.0.0.1:{port}/api/"
    queue_items(work)
    r = work.run("deliver")
    assert r.returncode == 3, r.output
    assert "Traceback" not in r.output
    assert "unreachable" in r.output and "stay queued" in r.output
    assert [p.status for p in db_rows(work, DigestPart)] == ["pending"]
    with FakeSlack(token=TOKEN, port=port) as slack:
        assert work.run("deliver").returncode == 0
        assert work.run("deliver").returncode == 0
        assert len(slack.posts) == 1
        assert slack.calls.count(("conversations.history", 200)) == 0  # refused: never reached Slack


def test_timeout_after_slack_accepted_is_found_in_history_and_not_posted_again(work, slack):
    work.slack_env(slack)
    work.env["SLACK_TIMEOUT"] = "1"
    queue_items(work)
    slack.inject("hold", seconds=3)
    r = work.run("deliver")
    assert r.returncode == 3, r.output
    assert "did not answer" in r.output and "Traceback" not in r.output
    assert len(slack.posts) == 1
    r = work.run("deliver")
    assert r.returncode == 0, r.output
    assert len(slack.posts) == 1
    assert ("conversations.history", 200) in slack.calls
    assert db_rows(work, DigestPart)[0].ts == slack.posts[0]["ts"]


def test_lost_answer_on_a_thread_reply_is_found_via_replies(work, slack):
    seed_articles(work.db, 90)
    work.slack_env(slack)
    assert work.run("match").returncode == 0
    slack.inject("ok")  # part 1
    slack.inject("drop")  # part 2: accepted, answer lost
    r = work.run("deliver")
    assert r.returncode == 3, r.output
    n_before = len(slack.posts)
    assert n_before == 2
    r = work.run("deliver")
    assert r.returncode == 0, r.output
    assert ("conversations.replies", 200) in slack.calls
    parts = db_rows(work, DigestPart)
    assert len(slack.posts) == len(parts), "a part was posted twice"
    assert len({p["metadata"]["event_payload"]["part_id"] for p in slack.posts}) == len(parts)
    assert all(p["thread_ts"] == slack.posts[0]["ts"] for p in slack.posts[1:])


def test_long_retry_after_ends_the_run_quickly_and_the_next_run_sends(work, slack):
    work.slack_env(slack)
    queue_items(work)
    slack.inject("429", retry_after=900)
    t = time.monotonic()
    r = work.run("deliver")
    assert r.returncode == 3, r.output
    assert time.monotonic() - t < 60
    assert "rate limit" in r.output and "Traceback" not in r.output
    assert work.run("deliver").returncode == 0
    assert len(slack.posts) == 1


def test_unreadable_history_resends_an_unconfirmed_part_with_a_note(work, slack):
    work.slack_env(slack)
    queue_items(work)
    slack.inject("drop")
    assert work.run("deliver").returncode == 3
    slack.inject("error", method="conversations.history", error="missing_scope")
    r = work.run("deliver")
    assert r.returncode == 0, r.output
    assert "re-sending it with a note" in r.output
    assert len(slack.posts) == 2
    assert "could not be confirmed" in json.dumps(slack.posts[1]["blocks"])
    assert "could not be confirmed" not in json.dumps(slack.posts[0]["blocks"])


def test_webhook_lost_answer_is_resent_once_with_a_note(work, slack):
    work.env["SLACK_WEBHOOK_URL"] = slack.webhook_url
    queue_items(work)
    slack.inject("drop")
    r = work.run("deliver")
    assert r.returncode == 3 and "Traceback" not in r.output
    assert work.run("deliver").returncode == 0
    assert work.run("deliver").returncode == 0
    assert len(slack.webhook_posts) == 2
    assert "could not be confirmed" in json.dumps(slack.webhook_posts[1]["blocks"])


def test_webhook_rate_limit_is_honoured_within_the_run(work, slack):
    work.env["SLACK_WEBHOOK_URL"] = slack.webhook_url
    queue_items(work)
    slack.inject("429", retry_after=1)
    r = work.run("deliver")
    assert r.returncode == 0, r.output
    assert ("webhook", 429) in slack.calls and len(slack.webhook_posts) == 1


# -- one run at a time ----------------------------------------------------------------------------------


def test_two_processes_never_deliver_at_the_same_time(work, slack):
    work.slack_env(slack)
    queue_items(work)
    slack.inject("hold", seconds=90)  # until the second process has been turned away (released below)
    env = {**work.env}
    first = subprocess.Popen(
        [sys.executable, "-m", "borderwatch", "deliver", "--config-dir", str(work.config)],
        cwd=work.path,
        env={**_base_env(), "BORDERWATCH_DB": work.db, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert slack.held.wait(30)
    second = work.run("deliver")
    assert second.returncode == 4, second.output
    assert "another borderwatch run is in progress" in second.output
    assert f"pid {first.pid}" in second.output
    slack.release.set()
    out, errs = first.communicate(timeout=60)
    assert first.returncode == 0, out + errs
    assert len(slack.posts) == 1


def _base_env() -> dict:
    import os

    return {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "BORDERWATCH_"))}
