"""Warnings reach Slack on a day with nothing new: a broken keywords.yaml or a dead outlet gets one short
message ("nothing new matched" + the warning lines) through the exactly-once outbox, at most once per day per
problem; a quiet day without warnings stays silent. Real CLI, loopback outlets, fake Slack."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from .test_rules_cli import BROKEN, slack_text
from .test_sources_broken import add_broken_feed


def tz_far_from_midnight() -> str:
    """A fixed-offset zone where it is about noon now, so "the same day" holds for the whole test."""
    offset = 12 - datetime.now(timezone.utc).hour  # -11 .. +12
    return f"Etc/GMT{-offset:+d}" if offset else "Etc/GMT"  # Etc/GMT-5 is UTC+5


@pytest.fixture
def quiet(work, slack):
    """A workdir whose outlets were crawled and digested once: from now on they have nothing new."""
    work.env["BORDERWATCH_TZ"] = tz_far_from_midnight()
    work.slack_env(slack)
    first = work.run("run")
    assert first.returncode == 0, first.output
    assert len(slack.posts) == 1 and "nothing new matched" not in slack_text(slack.posts)
    return work


def header(post: dict) -> str:
    return post["blocks"][0]["text"]["text"]


def test_broken_rules_on_a_quiet_day_post_one_warning_naming_the_file_once_a_day(quiet, slack):
    (quiet.config / "keywords.yaml").write_text(BROKEN)
    r = quiet.run("run", "--json")
    assert r.returncode == 0, r.output
    summary = json.loads(r.stdout)
    assert summary["digest"]["nothing_new"] is True and summary["digest"]["items"] == 0
    assert summary["digest"]["warnings_sent"] == 1
    new = slack.posts[1:]
    assert len(new) == 1
    assert "nothing new matched" in header(new[0])
    text = slack_text(new)
    assert "keywords.yaml" in text and "unknown key" in text and "anny" in text
    assert "used the last good rules" in text
    assert not new[0]["thread_ts"]

    again = quiet.run("run")  # same day, same broken file: nothing more
    assert again.returncode == 0, again.output
    assert "WARNING: RULES FILE BROKEN" in again.stderr  # still loud on the terminal
    assert "nothing new to report" in again.stdout
    assert len(slack.posts) == 2


def test_a_source_failing_n_runs_on_a_quiet_day_posts_one_source_health_message(work, slack, server, outlets):
    work.env["BORDERWATCH_TZ"] = tz_far_from_midnight()
    work.slack_env(slack)
    add_broken_feed(work, server, outlets, failure_alert_after=2)
    first = work.run("run")  # the healthy outlets' news; Broken Feed failed once: no health line yet
    assert first.returncode == 0, first.output
    assert len(slack.posts) == 1 and "Source health" not in slack_text(slack.posts)

    second = work.run("run")  # nothing new anywhere; Broken Feed failed twice
    assert second.returncode == 0, second.output
    new = slack.posts[1:]
    assert len(new) == 1 and "nothing new matched" in header(new[0])
    text = slack_text(new)
    assert "Source health: Broken Feed has failed 2 runs in a row" in text and "HTTP 404" in text
    assert "sent to Slack" in second.stdout

    third = work.run("run")  # failed 3 times now: the same problem, already posted today
    assert third.returncode == 0, third.output
    assert "Source health: Broken Feed has failed 3 runs in a row" in third.stderr
    assert len(slack.posts) == 2


def test_a_quiet_day_without_warnings_posts_nothing(quiet, slack):
    r = quiet.run("run", "--json")
    assert r.returncode == 0, r.output
    summary = json.loads(r.stdout)
    assert summary["warnings"] == [] and summary["digest"]["warnings_sent"] == 0
    assert summary["digest"]["nothing_new"] is True and summary["digest"]["parts_sent"] == 0
    r = quiet.run("run")
    assert r.returncode == 0 and r.stdout.startswith("borderwatch: nothing new to report"), r.output
    assert len(slack.posts) == 1


def test_a_quiet_day_warning_slack_failed_to_take_is_delivered_once_by_the_next_run(quiet, slack):
    (quiet.config / "keywords.yaml").write_text(BROKEN)
    slack.inject("500")
    r = quiet.run("run")
    assert r.returncode == 3, r.output
    assert "digest not delivered" in r.stderr and "Traceback" not in r.output
    assert len(slack.posts) == 1  # the 500 posted nothing

    r = quiet.run("run")
    assert r.returncode == 0, r.output
    new = slack.posts[1:]
    assert len(new) == 1 and "nothing new matched" in header(new[0])
    assert "used the last good rules" in slack_text(new)
    assert quiet.run("run").returncode == 0
    assert len(slack.posts) == 2


def test_a_webhook_gets_the_quiet_day_warning_once(work, slack):
    work.env["BORDERWATCH_TZ"] = tz_far_from_midnight()
    work.env["SLACK_WEBHOOK_URL"] = slack.webhook_url
    assert work.run("run").returncode == 0
    assert len(slack.webhook_posts) == 1
    (work.config / "keywords.yaml").write_text(BROKEN)
    for _ in range(2):
        r = work.run("run")
        assert r.returncode == 0, r.output
    new = slack.webhook_posts[1:]
    assert len(new) == 1 and "nothing new matched" in header(new[0])
    assert "used the last good rules" in slack_text(new)


def test_the_console_prints_the_quiet_day_warning_and_still_says_nothing_new(work):
    work.env["BORDERWATCH_TZ"] = tz_far_from_midnight()
    assert work.run("run").returncode == 0
    (work.config / "keywords.yaml").write_text(BROKEN)
    r = work.run("run")
    assert r.returncode == 0, r.output
    assert "nothing new matched" in r.stdout and "used the last good rules" in r.stdout
    assert "borderwatch: nothing new to report" in r.stderr
    again = work.run("run")
    assert "nothing new matched" not in again.stdout and "WARNING: RULES FILE BROKEN" in again.stderr
