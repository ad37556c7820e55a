"""`borderwatch status`: the one screen an operator checks, true to what the runs did."""

from __future__ import annotations

import json

import pytest


def status(work, *args):
    r = work.run("status", "--config-dir", str(work.config), *args)
    return r


def test_status_before_any_run_says_so_and_asks_for_attention(work):
    r = status(work)
    assert r.returncode == 1, r.output
    assert "does not exist yet" in r.stdout and "no run recorded yet" in r.stdout
    assert "Traceback" not in r.output
    assert not (work.path / "bw.db").exists()  # status never creates or writes the database
    assert work.run("db", "upgrade").returncode == 0
    r = status(work)
    assert r.returncode == 1, r.output
    assert "last run     never" in r.stdout and "no run recorded yet" in r.stdout


@pytest.mark.both_backends
def test_status_after_a_delivered_run_shows_the_digest_with_its_slack_ts(work, slack):
    work.slack_env(slack)
    assert work.run("run").returncode == 0
    r = status(work)
    assert r.returncode == 0, r.output
    ts = [p["ts"] for p in slack.posts]
    assert ts
    assert f"ts {', '.join(ts)}" in r.stdout
    assert "3 items in 1 message(s) via slack" in r.stdout
    assert "attention: none" in r.stdout
    st = json.loads(status(work, "--json").stdout)
    assert st["last_run"]["status"] == "ok"
    assert st["last_digest"]["items"] == 3 and st["last_digest"]["slack_ts"] == ts
    assert st["queued"] == {"items": 0, "unmatched_articles": 0, "digests_unfinished": 0, "parts_unsent": 0}
    assert st["database"]["size_bytes"] > 0 and st["database"]["schema_up_to_date"] is True
    assert st["config"]["rules"]["valid"] and st["config"]["rules"]["last_good_stored"]
    assert st["config"]["sources"]["valid"] and st["config"]["sources"]["last_good_stored"]
    assert st["sources"]["failing"] == []


def test_status_shows_queued_items_failing_sources_and_broken_rules(work, slack, server, outlets):
    work.slack_env(slack)
    slack.inject("500")
    feed = outlets.feed_path(outlets.outlets[1])
    server.fault(feed, status=503)
    assert work.run("run").returncode == 3  # Slack down: items stay queued
    (work.config / "keywords.yaml").write_text("rules:\n  - id: x\n    any: [unterminated\n")
    r = status(work)
    assert r.returncode == 1
    out = r.stdout
    assert "digest message(s) unsent" in out
    assert "Rio Grande Defense Review: 1 run(s) in a row" in out and "HTTP 503" in out
    assert "keywords.yaml: INVALID — runs use the last good copy" in out
    assert "keywords.yaml:4:1: invalid YAML" in out  # file:line:column of the problem
    st = json.loads(status(work, "--json").stdout)
    assert st["queued"]["parts_unsent"] == 1 and st["last_run"]["status"] == "delivery_failed"
    assert any("Rio Grande" in a for a in st["attention"])


def test_status_reads_a_read_only_database(work, slack):
    work.slack_env(slack)
    assert work.run("run").returncode == 0
    path = work.db.split("///", 1)[1]
    r = work.run(
        "status",
        "--config-dir",
        str(work.config),
        env={"BORDERWATCH_DB": f"sqlite:///file:{path}?mode=ro&uri=true"},
    )
    assert r.returncode == 0, r.output
    assert "3 items in 1 message(s)" in r.stdout
