"""End-to-end: `borderwatch run` through the CLI against loopback fixture outlets and a fake Slack."""

from __future__ import annotations

import json

import pytest

from borderwatch.demo.outlets import Story

from .conftest import TOKEN

EXPECTED_FIRST = {
    "cartel-fpv-drone-attack-michoacan",
    "border-counter-uas-deployment",
    "ndaa-counter-drone-provisions",
}


def posted_urls(slack) -> list[str]:
    urls = []
    for post in slack.posts:
        for block in post["blocks"]:
            text = block.get("text", {}).get("text", "") if block["type"] == "section" else ""
            if text.startswith("*<"):
                urls.append(text[2:].split("|", 1)[0])
    return urls


def slugs(urls) -> set[str]:
    return {u.rstrip("/").rsplit("/", 1)[-1] for u in urls}


@pytest.mark.both_backends  # SQLite and a real PostgreSQL
def test_first_run_posts_exactly_the_matching_recent_items(work, slack):
    work.slack_env(slack)
    r = work.run("run")
    assert r.returncode == 0, r.output
    urls = posted_urls(slack)
    assert slugs(urls) == EXPECTED_FIRST
    assert len(urls) == len(set(urls)), "an item was posted twice"
    # canonical URLs: tracking parameters from the feed links are gone
    assert all("utm_" not in u for u in urls)


def test_sidebar_bait_and_vetoed_and_old_items_stay_out(work, slack):
    work.slack_env(slack)
    assert work.run("run").returncode == 0
    got = slugs(posted_urls(slack))
    assert (
        "mexico-steel-tariffs-talks" not in got
    )  # only the sidebar/nav/footer mention FPV, CJNG, counter-UAS
    assert "fpv-racing-league-season" not in got  # vetoed by none: [FPV racing]
    assert "wedding-drone-photography" not in got
    assert "sinaloa-chapitos-drone-old" not in got  # 30 days old: outside the 7-day backfill window


def test_old_feed_entries_are_remembered_without_being_fetched(work, slack, server, outlets):
    work.slack_env(slack)
    assert work.run("run").returncode == 0
    assert not [r for r in server.requests() if "sinaloa-chapitos-drone-old" in r.path]


@pytest.mark.both_backends  # SQLite and a real PostgreSQL
def test_second_run_fetches_nothing_again_asks_conditionally_and_posts_nothing(work, slack, server):
    work.slack_env(slack)
    assert work.run("run").returncode == 0
    first_posts = len(slack.posts)
    server.clear_log()
    r = work.run("run")
    assert r.returncode == 0, r.output
    paths = [q.path for q in server.requests()]
    assert all(p.endswith(("/feed/", "/feed/atom/", "/robots.txt")) for p in paths), paths
    feeds = [q for q in server.requests() if "/feed/" in q.path]
    assert feeds and all("if-none-match" in q.headers for q in feeds)
    assert all(q.status == 304 for q in feeds)
    assert len(slack.posts) == first_posts


def test_a_new_article_is_the_only_thing_posted_next(work, slack, server, outlets):
    work.slack_env(slack)
    assert work.run("run").returncode == 0
    before = len(slack.posts)
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
    server.clear_log()
    assert work.run("run").returncode == 0
    fetched_articles = [
        q.path for q in server.requests() if "/feed/" not in q.path and q.path != "/robots.txt"
    ]
    assert fetched_articles == [
        "/rio/" + outlets.pub_date(outlets.outlets[1].stories[-1]).strftime("%Y/%m") + "/cjng-drone-unit/"
    ]
    new_urls = posted_urls(type("S", (), {"posts": slack.posts[before:]})())
    assert slugs(new_urls) == {"cjng-drone-unit"}


def test_titles_are_escaped_so_they_cannot_ping_or_spoof_links(work, slack):
    work.slack_env(slack)
    assert work.run("run").returncode == 0
    blob = json.dumps([p["blocks"] for p in slack.posts]) + "".join(p["text"] for p in slack.posts)
    assert "<!channel>" not in blob
    assert "&lt;!channel&gt;" in blob


def test_token_never_appears_in_output(work, slack):
    work.slack_env(slack)
    r = work.run("run", "-vv")
    assert r.returncode == 0
    assert TOKEN not in r.output
    slack.stop()  # and not in error messages either
    work.run("run", "-vv")
    r = work.run("deliver", "-vv")
    assert TOKEN not in r.output


def test_console_digest_when_slack_is_not_configured(work):
    r = work.run("run")
    assert r.returncode == 0, r.output
    assert "borderwatch digest" in r.stdout
    for slug in EXPECTED_FIRST:
        assert slug in r.stdout
    r2 = work.run("run")
    assert "nothing new" in r2.output
    assert "borderwatch digest" not in r2.stdout


def test_webhook_delivery(work, slack):
    work.env["SLACK_WEBHOOK_URL"] = slack.webhook_url
    r = work.run("run")
    assert r.returncode == 0, r.output
    assert len(slack.webhook_posts) == 1
    assert "XXXXSECRETXXXX" not in r.output
    text = json.dumps(slack.webhook_posts[0]["blocks"])
    assert "cartel-fpv-drone-attack-michoacan" in text


@pytest.mark.both_backends  # SQLite and a real PostgreSQL
def test_slack_down_keeps_items_queued_and_sends_them_once_later(work, slack):
    work.slack_env(slack)
    slack.inject("500")
    r = work.run("run")
    assert r.returncode == 3
    assert "Traceback" not in r.output
    assert "queued" in r.output
    assert slack.posts == []
    r = work.run("run")
    assert r.returncode == 0, r.output
    assert slugs(posted_urls(slack)) == EXPECTED_FIRST
    r = work.run("run")
    assert len(posted_urls(slack)) == len(EXPECTED_FIRST)


def test_lost_acknowledgement_is_not_posted_twice(work, slack):
    work.slack_env(slack)
    slack.inject("drop")  # Slack records the post, the answer never arrives
    r = work.run("run")
    assert r.returncode == 3, r.output
    assert len(slack.posts) == 1
    r = work.run("run")
    assert r.returncode == 0, r.output
    assert len(slack.posts) == 1, "the part Slack had accepted was posted again"


def test_rate_limit_is_honoured_within_the_run(work, slack):
    work.slack_env(slack)
    slack.inject("429", retry_after=1)
    r = work.run("run")
    assert r.returncode == 0, r.output
    assert slugs(posted_urls(slack)) == EXPECTED_FIRST
    assert ("chat.postMessage", 429) in slack.calls
