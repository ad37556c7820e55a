"""Weekly chart delivery: once a week, exactly once, through slack-sdk's files_upload_v2 against the fake
Slack (real WebClient, real HTTP on loopback); webhook and console get the sentence and the saved path."""

from __future__ import annotations

import io
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from PIL import Image

from borderwatch.alerts.delivery import ConsoleDeliverer, SlackApiDeliverer, WebhookDeliverer
from borderwatch.alerts.outbox import DeliveryOptions, deliver, preview
from borderwatch.alerts.rules import load_rules
from borderwatch.alerts.trends_delivery import maybe_send_weekly_trends
from borderwatch.commands.status import collect
from borderwatch.store import RunRow, Store, outbox
from borderwatch.store.trends import charts, claim_chart

from .conftest import REPO, TOKEN
from .trends_history import END, _article, build_history

MONDAY_MORNING = END + timedelta(hours=7)  # the trends day (default: monday), 07:00 UTC
SENTENCE = (
    "Counter-UAS at the border reporting up 60% on the month "
    "(8 articles this week against an average of 5 a week)."
)


@pytest.fixture(autouse=True)
def env(monkeypatch, tmp_path):
    monkeypatch.delenv("BORDERWATCH_TRENDS_DAY", raising=False)
    monkeypatch.setenv("BORDERWATCH_TRENDS_DIR", str(tmp_path / "charts"))


@pytest.fixture
def ruleset():
    return load_rules(REPO / "tests" / "data" / "trends_keywords.yaml")


@pytest.fixture
def store(tmp_path):
    st = Store(f"sqlite:///{tmp_path / 'bw.db'}")
    build_history(st)
    yield st
    st.dispose()


@pytest.fixture
def slack_deliverer(slack):
    return SlackApiDeliverer(TOKEN, "C0DIGEST", base_url=slack.api_url, timeout=5)


def rows(store):
    """The weekly charts: digests of kind 'trends' in the outbox, oldest week first."""
    return charts(store)


def test_chart_is_uploaded_once_with_the_sentence_to_the_digest_channel(
    store, slack, slack_deliverer, ruleset
):
    out = maybe_send_weekly_trends(store, slack_deliverer, ruleset, MONDAY_MORNING, {})
    assert out.status == "sent", out.error
    assert [c[0] for c in slack.calls] == [
        "files.getUploadURLExternal",
        "upload",
        "files.completeUploadExternal",
    ]
    (up,) = slack.uploads
    assert up["channel_id"] == "C0DIGEST" and up["thread_ts"] is None
    assert up["filename"] == "borderwatch-trends-2026-11-23.png"
    assert SENTENCE in up["initial_comment"]
    assert up["initial_comment"].startswith("*Weekly trends* · week to Sun 22 Nov 2026")
    assert up["data"] == Path(out.path).read_bytes()  # the saved chart is what was uploaded
    assert Image.open(io.BytesIO(up["data"])).size[0] == 1080
    assert SENTENCE in up["alt_txt"] and len(up["alt_txt"]) <= 1000
    (row,) = rows(store)
    assert (row.status, row.file_id, row.ts, row.attempts) == ("sent", up["file_id"], up["ts"], 1)


def test_later_runs_the_same_week_upload_nothing(store, slack, slack_deliverer, ruleset):
    for hours in (0, 1, 24, 24 * 6 + 16):  # up to Sunday 23:00
        maybe_send_weekly_trends(store, slack_deliverer, ruleset, MONDAY_MORNING + timedelta(hours=hours), {})
    assert len(slack.uploads) == 1
    assert [r.week for r in rows(store)] == ["2026-11-23"]


def test_the_next_trends_day_sends_the_next_chart(store, slack, slack_deliverer, ruleset):
    maybe_send_weekly_trends(store, slack_deliverer, ruleset, MONDAY_MORNING, {})
    out = maybe_send_weekly_trends(store, slack_deliverer, ruleset, MONDAY_MORNING + timedelta(days=7), {})
    assert out.status == "sent" and len(slack.uploads) == 2
    assert slack.uploads[1]["filename"] == "borderwatch-trends-2026-11-30.png"


def test_trends_day_setting_and_environment_choose_the_day(
    store, slack, slack_deliverer, ruleset, monkeypatch
):
    tuesday = MONDAY_MORNING + timedelta(days=1)
    out = maybe_send_weekly_trends(store, slack_deliverer, ruleset, tuesday, {"trends_day": "tuesday"})
    assert out.status == "sent" and out.week == "2026-11-24"
    monkeypatch.setenv("BORDERWATCH_TRENDS_DAY", "off")
    out = maybe_send_weekly_trends(store, slack_deliverer, ruleset, tuesday + timedelta(days=7), {})
    assert out.status == "off" and len(slack.uploads) == 1
    monkeypatch.setenv("BORDERWATCH_TRENDS_DAY", "funday")
    out = maybe_send_weekly_trends(store, slack_deliverer, ruleset, tuesday + timedelta(days=7), {})
    assert out.status == "config_error" and "BORDERWATCH_TRENDS_DAY" in out.error


def test_moving_the_trends_day_earlier_does_not_send_the_week_twice(store, slack, slack_deliverer, ruleset):
    maybe_send_weekly_trends(store, slack_deliverer, ruleset, MONDAY_MORNING, {})  # monday
    out = maybe_send_weekly_trends(  # tuesday, now configured for friday: last friday is before monday
        store, slack_deliverer, ruleset, MONDAY_MORNING + timedelta(days=1), {"trends_day": "friday"}
    )
    assert out.status == "already_sent" and len(slack.uploads) == 1


def test_lost_answer_after_sharing_is_found_with_files_info_and_not_reuploaded(
    store, slack, slack_deliverer, ruleset
):
    slack.inject_upload("drop", method="files.completeUploadExternal")
    first = maybe_send_weekly_trends(store, slack_deliverer, ruleset, MONDAY_MORNING, {})
    assert first.status == "failed" and len(slack.uploads) == 1  # Slack shared it; we never heard back
    (row,) = rows(store)
    assert row.status == "sending" and row.file_id == slack.uploads[0]["file_id"]
    second = maybe_send_weekly_trends(
        store, slack_deliverer, ruleset, MONDAY_MORNING + timedelta(hours=1), {}
    )
    assert second.status == "recovered"
    assert len(slack.uploads) == 1
    assert [c[0] for c in slack.calls].count("files.getUploadURLExternal") == 1
    assert ("files.info", 200) in slack.calls
    (row,) = rows(store)
    assert (row.status, row.ts) == ("sent", slack.uploads[0]["ts"])


def test_server_error_before_sharing_is_retried_next_run_and_sent_once(
    store, slack, slack_deliverer, ruleset
):
    slack.inject_upload("500", method="files.completeUploadExternal")
    first = maybe_send_weekly_trends(store, slack_deliverer, ruleset, MONDAY_MORNING, {})
    assert first.status == "failed" and "internal_error" in first.error and slack.uploads == []
    # a 5xx at the sharing step may or may not have shared: the next run asks files.info first
    assert rows(store)[0].status == "sending"
    second = maybe_send_weekly_trends(
        store, slack_deliverer, ruleset, MONDAY_MORNING + timedelta(hours=1), {}
    )
    assert second.status == "sent" and len(slack.uploads) == 1
    assert ("files.info", 200) in slack.calls


def test_lost_answer_before_a_file_id_means_nothing_was_shared_and_it_uploads_again(
    store, slack, slack_deliverer, ruleset
):
    slack.inject_upload("drop", method="files.getUploadURLExternal")
    first = maybe_send_weekly_trends(store, slack_deliverer, ruleset, MONDAY_MORNING, {})
    assert first.status == "failed"
    (row,) = rows(store)
    assert row.status == "pending" and row.file_id is None
    second = maybe_send_weekly_trends(
        store, slack_deliverer, ruleset, MONDAY_MORNING + timedelta(hours=1), {}
    )
    assert second.status == "sent" and len(slack.uploads) == 1
    assert not [c for c in slack.calls if c[0] == "files.info"]


def test_a_failed_byte_upload_shares_nothing_and_is_retried(store, slack, slack_deliverer, ruleset):
    slack.inject_upload("500", method="upload")
    assert maybe_send_weekly_trends(store, slack_deliverer, ruleset, MONDAY_MORNING, {}).status == "failed"
    assert rows(store)[0].status == "pending" and slack.uploads == []
    maybe_send_weekly_trends(store, slack_deliverer, ruleset, MONDAY_MORNING + timedelta(hours=1), {})
    assert len(slack.uploads) == 1


def test_when_slack_cannot_be_asked_the_chart_stays_unsent_rather_than_doubled(
    store, slack, slack_deliverer, ruleset
):
    slack.inject_upload("drop", method="files.completeUploadExternal")
    maybe_send_weekly_trends(store, slack_deliverer, ruleset, MONDAY_MORNING, {})
    slack.inject_upload("500", method="files.info")
    out = maybe_send_weekly_trends(store, slack_deliverer, ruleset, MONDAY_MORNING + timedelta(hours=1), {})
    assert out.status == "failed" and "files.info" in out.error
    assert len(slack.uploads) == 1 and rows(store)[0].status == "sending"


def test_an_unsent_chart_is_superseded_by_the_next_week_not_sent_late(store, slack, slack_deliverer, ruleset):
    slack.inject_upload("500", method="upload")
    maybe_send_weekly_trends(store, slack_deliverer, ruleset, MONDAY_MORNING, {})
    maybe_send_weekly_trends(store, slack_deliverer, ruleset, MONDAY_MORNING + timedelta(days=7), {})
    assert [(r.week, r.status) for r in rows(store)] == [("2026-11-23", "superseded"), ("2026-11-30", "sent")]
    assert len(slack.uploads) == 1


def test_a_channel_name_instead_of_an_id_is_a_clear_error(store, slack, ruleset):
    d = SlackApiDeliverer(TOKEN, "#borderwatch", base_url=slack.api_url, timeout=5)
    out = maybe_send_weekly_trends(store, d, ruleset, MONDAY_MORNING, {})
    assert out.status == "failed" and "channel ID" in out.error and slack.uploads == []


def test_no_matched_articles_sends_nothing(tmp_path, slack, slack_deliverer, ruleset):
    empty = Store(f"sqlite:///{tmp_path / 'empty.db'}")
    out = maybe_send_weekly_trends(empty, slack_deliverer, ruleset, MONDAY_MORNING, {})
    assert out.status == "empty" and slack.calls == []
    assert rows(empty) == []


def test_webhook_gets_the_sentence_and_the_saved_chart_path_once(store, slack, ruleset):
    hook = WebhookDeliverer(slack.webhook_url, timeout=5)
    out = maybe_send_weekly_trends(store, hook, ruleset, MONDAY_MORNING, {})
    assert out.status == "sent"
    (post,) = slack.webhook_posts
    assert SENTENCE in post["text"] and out.path in post["text"]
    assert Path(out.path).read_bytes().startswith(b"\x89PNG")
    maybe_send_weekly_trends(store, hook, ruleset, MONDAY_MORNING + timedelta(hours=2), {})
    assert len(slack.webhook_posts) == 1


def test_console_gets_the_summary_and_the_saved_chart_path(store, ruleset, tmp_path):
    buf = io.StringIO()
    out = maybe_send_weekly_trends(store, ConsoleDeliverer(buf), ruleset, MONDAY_MORNING, {})
    text = buf.getvalue()
    assert out.status == "sent" and SENTENCE in text
    assert f"Chart saved to {out.path}" in text
    assert Path(out.path).parent == (tmp_path / "charts").resolve()
    assert rows(store)[0].status == "sent"


def test_the_weekly_chart_counts_the_weeks_before_its_trends_day_even_when_sent_late(
    store, slack, slack_deliverer, ruleset
):
    slack.inject_upload("500", method="upload")
    maybe_send_weekly_trends(store, slack_deliverer, ruleset, MONDAY_MORNING, {})
    late = maybe_send_weekly_trends(store, slack_deliverer, ruleset, MONDAY_MORNING + timedelta(days=2), {})
    assert late.status == "sent" and late.sentence == SENTENCE


def test_the_trends_day_is_taken_in_utc(store, slack, slack_deliverer, ruleset):
    # 01:00 on Tuesday in UTC+3 is still Monday 22:00 UTC: Monday's chart
    now = datetime(2026, 11, 24, 1, tzinfo=timezone(timedelta(hours=3)))
    out = maybe_send_weekly_trends(store, slack_deliverer, ruleset, now, {})
    assert out.week == "2026-11-23"


def test_no_chart_before_there_is_a_watched_week_to_compare_with(tmp_path, slack, slack_deliverer, ruleset):
    fresh = Store(f"sqlite:///{tmp_path / 'fresh.db'}")
    first_run = END - timedelta(days=4)  # installed on Thursday; the backfill brings last week's articles
    with fresh.session() as s:
        s.add(RunRow(started_at=first_run))
        for n, days in enumerate((2, 5, 9)):
            _article(s, n, END - timedelta(days=days), ["counter_uas"], first_seen=first_run)
    out = maybe_send_weekly_trends(fresh, slack_deliverer, ruleset, MONDAY_MORNING, {})
    assert out.status == "empty" and out.sentence.startswith("First week watched: 2 articles")
    assert slack.calls == [] and rows(fresh) == []
    with fresh.session() as s:  # a week later there is one watched week to compare with
        _article(s, 10, END + timedelta(days=3), ["counter_uas"], first_seen=END + timedelta(days=3))
    out = maybe_send_weekly_trends(fresh, slack_deliverer, ruleset, MONDAY_MORNING + timedelta(days=7), {})
    assert out.status == "sent" and "on the 1-week average" in out.sentence


def test_one_chart_per_trends_day_whichever_run_claims_it_first(store):
    first = claim_chart(store, "2026-11-23", "slack", "one")
    second = claim_chart(store, "2026-11-23", "slack", "two")  # a second run racing the first
    assert second.digest_id == first.digest_id  # the unique index refused the second chart
    assert [(r.week, r.sentence, r.status) for r in rows(store)] == [("2026-11-23", "one", "pending")]


def test_the_chart_is_no_digest_to_the_daily_delivery_the_preview_or_the_status(
    store, slack, slack_deliverer, ruleset, tmp_path
):
    slack.inject_upload("500", method="upload")
    assert maybe_send_weekly_trends(store, slack_deliverer, ruleset, MONDAY_MORNING, {}).status == "failed"
    (chart,) = rows(store)
    assert chart.status == "pending"  # unsent, in the outbox
    assert outbox.count_unsent(store) == (0, 0) and outbox.pending_digests(store) == []
    messages, _plan = preview(store, ruleset, DeliveryOptions(), True, now=MONDAY_MORNING)
    assert messages and {m.status for m in messages} == {"new"}  # today's digest only
    assert chart.digest_id not in {m.digest_id for m in messages}
    res = deliver(store, slack_deliverer, ruleset, [], MONDAY_MORNING, DeliveryOptions())
    assert res.error is None and res.digests and chart.digest_id not in res.digests
    assert slack.posts and slack.uploads == []  # the daily delivery posted its digest, not the chart
    daily = outbox.last_sent_digest(store)[0]
    out = maybe_send_weekly_trends(store, slack_deliverer, ruleset, MONDAY_MORNING + timedelta(hours=1), {})
    assert out.status == "sent" and len(slack.uploads) == 1
    assert outbox.last_sent_digest(store)[0].id == daily.id and daily.kind == "daily"
    st = collect(store, tmp_path)
    assert st["queued"]["digests_unfinished"] == 0 and st["queued"]["parts_unsent"] == 0
    assert st["last_digest"]["items"] == daily.item_count
    assert st["last_digest"]["slack_ts"] == [p["ts"] for p in slack.posts]
