"""A total outage (not one feed, sitemap or listing answered: network or DNS down) is not a quiet day: the run
exits 5 and one warning line goes out through the quiet-day path, once a day; one failing source among
healthy ones keeps the per-source rule (exit 0, no outage line)."""

from __future__ import annotations

import json
import socket

from .test_quiet_day_warnings import header, tz_far_from_midnight
from .test_rules_cli import slack_text

OUTAGE = "no source could be reached — is the network up?"


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_no_source_reachable_exits_5_and_posts_one_outage_line_a_day(work, slack, server):
    work.env["BORDERWATCH_TZ"] = tz_far_from_midnight()
    work.slack_env(slack)
    dead = f"http://127.0.0.1:{_closed_port()}"
    yaml = (work.config / "sources.yaml").read_text().replace(server.base, dead)
    assert yaml.count(dead) >= 2
    (work.config / "sources.yaml").write_text(yaml)
    r = work.run("run", "--json")
    assert r.returncode == 5, r.output
    summary = json.loads(r.stdout)
    assert summary["outage"] is True and summary["exit_code"] == 5
    assert summary["warnings"][0] == OUTAGE
    assert f"WARNING: {OUTAGE}" in r.stderr and "Traceback" not in r.output
    assert len(slack.posts) == 1 and "nothing new matched" in header(slack.posts[0])
    assert OUTAGE in slack_text(slack.posts)

    again = work.run("run")  # still down, same day: loud on the terminal, not posted twice
    assert again.returncode == 5, again.output
    assert OUTAGE in again.stderr
    assert len(slack.posts) == 1


def test_one_source_down_among_healthy_ones_is_no_outage(work, slack, server):
    work.slack_env(slack)
    dead = f"http://127.0.0.1:{_closed_port()}"
    yaml = (work.config / "sources.yaml").read_text()
    first_feed = yaml.split("feeds: [", 1)[1].split("]", 1)[0]
    (work.config / "sources.yaml").write_text(
        yaml.replace(first_feed, first_feed.replace(server.base, dead), 1)
    )
    r = work.run("run", "--json")
    assert r.returncode == 0, r.output
    summary = json.loads(r.stdout)
    assert summary["outage"] is False and OUTAGE not in r.output
    assert OUTAGE not in slack_text(slack.posts)
