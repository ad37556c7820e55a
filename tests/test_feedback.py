"""Feedback from the channel, end to end: the digest's Useful / Not relevant buttons, real `block_actions`
envelopes over a real Socket Mode websocket (the fake Slack's), acknowledged within 3 s by slack-sdk's
socket_mode client inside `borderwatch listen` / `borderwatch schedule`, stored once per item and user,
shown under the item with chat.update, and read back by `rules feedback`, `status` and `rules replay`."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time

from sqlalchemy import select

from borderwatch.alerts.buttons import ITEM_BLOCK, VERDICT_BLOCK, item_ids, with_verdicts
from borderwatch.alerts.digest import DigestEntry, render
from borderwatch.store import FeedbackRow, MatchRow, Store
from tests.support.articles import seed_articles
from tests.support.fake_slack import check_limits

from .test_delivery_e2e import db_rows

USEFUL, NOT_RELEVANT = "borderwatch_useful", "borderwatch_not_relevant"


def feedback_env(work, slack) -> None:
    work.slack_env(slack)
    work.env["SLACK_APP_TOKEN"] = slack.app_token


def deliver_with_buttons(work, slack, n: int = 6) -> dict:
    seed_articles(work.db, n)
    assert work.run("match").returncode == 0
    r = work.run("deliver")
    assert r.returncode == 0, r.output
    (post,) = slack.posts
    assert len(item_ids(post["blocks"])) == n
    return post


def start_listener(work, slack, *args: str) -> subprocess.Popen:
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "BORDERWATCH_"))}
    env.update({"BORDERWATCH_DB": work.db, **work.env})
    cmd = [sys.executable, "-m", "borderwatch", *(args or ("listen",))]
    p = subprocess.Popen(
        cmd, cwd=work.path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert slack.socket.wait_connected(60), "the listener never connected"
    return p


def stop(p: subprocess.Popen) -> tuple[int, str]:
    p.send_signal(signal.SIGTERM)
    out, errs = p.communicate(timeout=60)
    return p.returncode, out + errs


def wait_for(pred, timeout: float = 20, step: float = 0.01):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        got = pred()
        if got:
            return got
        time.sleep(step)
    return None


def stored(work) -> list[FeedbackRow]:
    return db_rows(work, FeedbackRow)


def click(slack, post_ts: str, aid: int, action: str, user: str) -> float:
    """Click a button as Slack would; returns the seconds until the client's ack arrived."""
    post = next(p for p in slack.posts if p["ts"] == post_ts)
    eid = slack.socket.send_interactive(slack.block_actions(post, aid, action, user))
    ack = slack.socket.wait_ack(eid, timeout=10)
    assert ack is not None, "the envelope was never acknowledged"
    assert slack.socket.acks[eid][1] == {"envelope_id": eid}
    return ack


def without_verdicts(blocks: list[dict]) -> list[dict]:
    return [b for b in blocks if not str(b.get("block_id", "")).startswith(VERDICT_BLOCK)]


def test_a_click_is_acked_stored_shown_under_the_item_and_reported_per_rule(work, slack):
    feedback_env(work, slack)
    post = deliver_with_buttons(work, slack)
    original = json.loads(json.dumps(post["blocks"]))
    aids = item_ids(post["blocks"])
    listener = start_listener(work, slack)
    try:
        # a consultant marks the first item not relevant
        t0 = time.monotonic()
        ack = click(slack, post["ts"], aids[0], NOT_RELEVANT, "U0ALICE01")
        rows = wait_for(lambda: stored(work))
        latency = time.monotonic() - t0
        assert ack < 3 and rows and latency < 10, (ack, latency)
        print(f"\nack {ack * 1000:.0f} ms, click to stored {latency * 1000:.0f} ms")
        (row,) = rows
        store = Store(work.db)
        with store.session() as s:
            fired = s.scalars(select(MatchRow.rule_id).where(MatchRow.article_id == aids[0])).all()
        store.dispose()
        assert (row.article_id, row.verdict, row.user_id) == (aids[0], "not_relevant", "U0ALICE01")
        assert row.rule_id in fired
        assert slack.wait_updates(1)
        blocks = post["blocks"]
        at = next(i for i, b in enumerate(blocks) if b.get("block_id") == f"{ITEM_BLOCK}{aids[0]}")
        line = blocks[at + 1]
        assert line["block_id"] == f"{VERDICT_BLOCK}{aids[0]}" and "Not relevant: <@U0ALICE01>" in json.dumps(
            line
        )
        assert without_verdicts(blocks) == original  # everything else intact
        assert check_limits({"blocks": blocks, "text": post["text"]}) is None

        # the same click again changes nothing: no write, no update
        first_time = row.updated_at
        click(slack, post["ts"], aids[0], NOT_RELEVANT, "U0ALICE01")
        time.sleep(1.0)
        (again,) = stored(work)
        assert again.updated_at == first_time and len(slack.updates) == 1

        # a changed mind replaces the verdict, and the line says so
        click(slack, post["ts"], aids[0], USEFUL, "U0ALICE01")
        assert slack.wait_updates(2)
        (changed,) = stored(work)
        assert changed.verdict == "useful" and changed.id == row.id
        text = json.dumps(post["blocks"])
        assert "Useful: <@U0ALICE01>" in text and "Not relevant: <@U0ALICE01>" not in text

        # a second consultant flags another item
        click(slack, post["ts"], aids[1], NOT_RELEVANT, "U0BOB0001")
        assert slack.wait_updates(3)
        assert without_verdicts(post["blocks"]) == original
    finally:
        code, out = stop(listener)
    assert code == 0 and "Traceback" not in out, out

    r = work.run("rules", "feedback", "--json", "--config-dir", str(work.config))
    assert r.returncode == 0, r.output
    report = {f["rule"]: f for f in json.loads(r.stdout)["rules"]}
    rule_of = {x.article_id: x.rule_id for x in stored(work)}
    flagged = report[rule_of[aids[1]]]
    assert flagged["not_relevant"] == 1 and flagged["sent"] >= 1 and flagged["not_relevant_terms"]
    assert report[rule_of[aids[0]]]["useful"] == 1
    assert sum(f["sent"] for f in report.values()) == len(aids)
    text = work.run("rules", "feedback", "--config-dir", str(work.config))
    assert "terms on not-relevant items:" in text.stdout, text.output
    st = work.run("status", "--json", "--config-dir", str(work.config))
    rates = {f["rule"]: f["not_relevant_rate"] for f in json.loads(st.stdout)["feedback"]["rules"]}
    assert rates[rule_of[aids[1]]] == round(1 / flagged["sent"], 4)


def test_replay_with_feedback_shows_the_flagged_items_a_candidate_drops_and_the_useful_ones_it_loses(
    work, slack
):
    feedback_env(work, slack)
    post = deliver_with_buttons(work, slack, n=5)
    aids = item_ids(post["blocks"])
    listener = start_listener(work, slack)
    try:
        for aid, action in zip(aids[:2], (NOT_RELEVANT, USEFUL), strict=True):
            click(slack, post["ts"], aid, action, "U0ALICE01")
        assert wait_for(lambda: len(stored(work)) == 2)
    finally:
        stop(listener)
    rows = {x.verdict: x for x in stored(work)}
    # the candidate disables the rules both marked items were shown under
    candidate = work.path / "candidate.yaml"
    text = (work.config / "keywords.yaml").read_text()
    for rule in {rows["not_relevant"].rule_id, rows["useful"].rule_id}:
        text = text.replace(f"  - id: {rule}\n", f"  - id: {rule}\n    enabled: false\n")
    candidate.write_text(text)
    r = work.run(
        "rules",
        "replay",
        "--feedback",
        "not-relevant",
        "--rules",
        str(candidate),
        "--json",
        "--config-dir",
        str(work.config),
    )
    assert r.returncode == 1, r.output
    fb = json.loads(r.stdout)["feedback"]
    assert [d["article_id"] for d in fb["dropped"]] == [rows["not_relevant"].article_id]
    assert [d["article_id"] for d in fb["lost"]] == [rows["useful"].article_id]
    r = work.run(
        "rules",
        "replay",
        "--feedback",
        "not-relevant",
        "--rules",
        str(work.config / "keywords.yaml"),
        "--config-dir",
        str(work.config),
    )
    assert "STILL SEND" in r.stdout and "No useful item would be lost." in r.stdout, r.output


def test_schedule_runs_the_listener_and_a_click_is_stored(work, slack):
    feedback_env(work, slack)
    post = deliver_with_buttons(work, slack, n=2)
    aid = item_ids(post["blocks"])[0]
    work.env["BORDERWATCH_SCHEDULE"] = "03:00"
    (work.config / "sources.yaml").write_text("sources: []\n")
    p = start_listener(work, slack, "schedule", "--config-dir", str(work.config))
    try:
        assert click(slack, post["ts"], aid, NOT_RELEVANT, "U0ALICE01") < 3
        assert wait_for(lambda: stored(work))
    finally:
        code, out = stop(p)
    assert code == 0, out


def test_buttons_stay_within_slacks_limits_on_a_long_day_even_with_every_verdict_shown():
    from datetime import datetime, timezone

    now = datetime(2026, 12, 1, 7, tzinfo=timezone.utc)
    entries = [
        DigestEntry(
            i,
            f"Item {i}",
            f"https://x.example/{i}/",
            "Outlet",
            now,
            f"r{i % 3}",
            f"Rule {i % 3}",
            ["drone"],
            "A snippet.",
        )
        for i in range(1, 121)
    ]
    parts = render(entries, now, ["r0", "r1", "r2"], buttons=True)
    shown = [aid for p in parts for aid in item_ids(p.blocks)]
    assert sorted(shown) == list(range(1, 121)) and len(parts) > 1
    for p in parts:
        voted = with_verdicts(p.blocks, {aid: [("not_relevant", "U0ALICE01")] for aid in item_ids(p.blocks)})
        assert len(voted) == len(p.blocks) + len(item_ids(p.blocks))
        assert check_limits({"blocks": voted, "text": p.text}) is None, len(voted)
    plain = render(entries, now, ["r0", "r1", "r2"])
    assert all(item_ids(p.blocks) == [] for p in plain)


def test_no_buttons_without_an_app_token_and_listen_says_what_to_set(work, slack):
    work.slack_env(slack)
    seed_articles(work.db, 2)
    assert work.run("match").returncode == 0
    assert work.run("deliver").returncode == 0
    assert item_ids(slack.posts[0]["blocks"]) == []
    r = work.run("listen")
    assert r.returncode == 2 and "SLACK_APP_TOKEN" in r.stderr and "Traceback" not in r.output
    r = work.run("listen", env={"SLACK_APP_TOKEN": "xoxb-not-an-app-token"})
    assert r.returncode == 2 and "app-level token" in r.stderr
    r = work.run("listen", env={"SLACK_APP_TOKEN": "xapp-1-WRONG"})
    assert r.returncode == 2 and "refused SLACK_APP_TOKEN" in r.stderr and "invalid_auth" in r.stderr


def test_the_documented_app_manifest_switches_on_socket_mode_interactivity_and_every_scope():
    from ruamel.yaml import YAML

    from .conftest import REPO

    text = (REPO / "docs" / "slack.md").read_text()
    manifest = YAML(typ="safe").load(text.split("```yaml\n")[-1].split("```")[0])
    assert manifest["settings"]["socket_mode_enabled"] is True
    assert manifest["settings"]["interactivity"]["is_enabled"] is True
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    # posting and updating, lost-ack lookups in public and private channels, the weekly chart upload
    assert {"chat:write", "channels:history", "groups:history", "files:write", "files:read"} <= scopes
