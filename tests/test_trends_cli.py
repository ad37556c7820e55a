"""End to end through the CLI (real subprocess): `borderwatch trends` on demand, and the weekly chart that
`borderwatch run` sends with the digest -- uploaded exactly once through the fake Slack."""

from __future__ import annotations

import io
import json
import shutil
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from PIL import Image

from borderwatch.alerts.rules import load_rules
from borderwatch.alerts.trends import compute_trends, day_start
from borderwatch.alerts.trends_delivery import WEEKDAYS
from borderwatch.store import Store
from borderwatch.store.trends import charts

from .conftest import TOKEN, Workdir
from .trends_history import HISTORY, WEEKS, build_history, expected_total

TRENDS_RULES = Path(__file__).resolve().parent / "data" / "trends_keywords.yaml"


@pytest.fixture
def work(work):
    """conftest's work dir, with the frozen rule set the synthetic history was written against."""
    shutil.copy(TRENDS_RULES, work.config / "keywords.yaml")
    return work


@pytest.fixture
def history_work(tmp_path):
    """A work dir (no fixture outlets) whose database holds the synthetic history ending at END."""
    w = Workdir(tmp_path, None)
    shutil.copy(TRENDS_RULES, w.config / "keywords.yaml")
    st = Store(w.db)
    build_history(st)
    st.dispose()
    return w


def test_trends_json_gives_the_weekly_counts_the_sentence_and_the_chart(history_work):
    w = history_work
    r = w.run("trends", "--json", "--end", "2026-11-22", "--out", "chart.png", "--config-dir", str(w.config))
    assert r.returncode == 0, r.output
    doc = json.loads(r.stdout)
    assert {t["rule"]: t["counts"] for t in doc["topics"]} == HISTORY
    assert doc["total"]["counts"] == [expected_total(i) for i in range(WEEKS)]
    assert doc["weeks"][0] == "2026-08-31" and doc["weeks"][-1] == "2026-11-16"
    assert doc["sentence"].startswith("Counter-UAS at the border reporting up 60% on the month")
    cuas = next(t for t in doc["topics"] if t["rule"] == "counter_uas")
    assert (cuas["this_week"], cuas["average"], cuas["change_pct"], cuas["direction"]) == (8, 5, 60, "up")
    png = Path(doc["png"])
    assert png == (w.path / "chart.png").resolve()
    img = Image.open(png)
    assert img.format == "PNG" and img.size[0] == 1080 and 1000 < img.size[1] < 2200


def test_trends_text_prints_the_summary_and_writes_the_default_file(history_work):
    w = history_work
    r = w.run("trends", "--end", "2026-11-22", "--config-dir", str(w.config))
    assert r.returncode == 0, r.output
    assert "Counter-UAS at the border reporting up 60% on the month" in r.output
    assert "• CJNG (Jalisco New Generation Cartel): 2 this week, down 50% on the month" in r.output
    path = w.path / "borderwatch-trends-2026-11-22.png"
    assert f"Chart saved to {path.resolve()}" in r.output
    assert path.read_bytes().startswith(b"\x89PNG")


def test_trends_weeks_option_changes_the_window(history_work):
    w = history_work
    r = w.run("trends", "--json", "--weeks", "6", "--end", "2026-11-22", "--config-dir", str(w.config))
    doc = json.loads(r.stdout)
    assert len(doc["weeks"]) == 6 and doc["png"] is None  # --json alone writes no file
    assert {t["rule"]: t["counts"] for t in doc["topics"]}["counter_uas"] == HISTORY["counter_uas"][-6:]
    assert not list(w.path.glob("*.png"))


@pytest.mark.parametrize(
    "args, message",
    [
        (["--weeks", "1"], "--weeks: must be a whole number from 2 to 104"),
        (["--weeks", "many"], "--weeks: must be a whole number"),
        (["--end", "yesterday"], "expected a date like"),
        (["--out", "chart.jpg"], "--out must name a .png file"),
        (["--out", "/proc/no/such/dir/chart.png"], "could not write the chart"),
    ],
)
def test_trends_bad_options_are_one_clear_error(history_work, args, message):
    w = history_work
    r = w.run("trends", *args, "--config-dir", str(w.config))
    assert r.returncode == 2 and message in r.stderr
    assert "Traceback" not in r.output


# -- the weekly chart in `borderwatch run` ----------------------------------------------------------------


def today_env() -> dict[str, str]:
    """BORDERWATCH_TRENDS_DAY = today's weekday (UTC). Waits out the last seconds before midnight so the
    test and the run it starts see the same day."""
    now = datetime.now(timezone.utc)
    if (day_start(now) + timedelta(days=1) - now).total_seconds() < 90:
        time.sleep(95)
        now = datetime.now(timezone.utc)
    return {"BORDERWATCH_TRENDS_DAY": WEEKDAYS[now.weekday()]}


def history_until_today(work) -> datetime:
    end = day_start(datetime.now(timezone.utc))
    st = Store(work.db)
    build_history(st, end=end, noise=False)
    st.dispose()
    return end


def expected_sentence(work, end: datetime) -> str:
    """The sentence for the weeks ending at `end`, computed from the database the run left behind."""
    st = Store(work.db)
    try:
        return compute_trends(st, load_rules(work.config / "keywords.yaml"), end).sentence
    finally:
        st.dispose()


def test_run_on_the_trends_day_uploads_the_chart_once_after_the_digest(work, slack):
    work.slack_env(slack)
    env = today_env()
    end = history_until_today(work)
    r = work.run("run", env=env)
    assert r.returncode == 0, r.output
    assert slack.posts, "the digest went out"
    (up,) = slack.uploads
    assert up["channel_id"] == "C0DIGEST"
    methods = [m for m, _ in slack.calls]
    assert methods.index("files.getUploadURLExternal") > max(
        i for i, m in enumerate(methods) if m == "chat.postMessage"
    )
    sentence = expected_sentence(work, end)
    assert sentence.startswith("Counter-UAS at the border reporting up")  # the synthetic rise, plus fixtures
    assert sentence in up["initial_comment"]
    assert f"weekly trends sent (slack): {sentence}" in r.output
    saved = work.path / "trends" / f"borderwatch-trends-{end.date().isoformat()}.png"
    assert saved.read_bytes() == up["data"]
    assert Image.open(io.BytesIO(up["data"])).size[0] == 1080

    r2 = work.run("run", env=env)
    assert r2.returncode == 0, r2.output
    assert len(slack.uploads) == 1, "the chart was uploaded twice"
    assert "weekly trends sent" not in r2.output


def test_run_after_a_lost_upload_answer_checks_slack_and_does_not_upload_again(work, slack):
    work.slack_env(slack)
    env = today_env()
    history_until_today(work)
    slack.inject_upload("drop", method="files.completeUploadExternal")
    r = work.run("run", env=env)
    assert r.returncode == 3, r.output
    assert "weekly trends chart not delivered" in r.stderr and "retried on the next run" in r.stderr
    assert TOKEN not in r.output
    assert len(slack.uploads) == 1  # Slack has it; borderwatch does not know yet
    r2 = work.run("run", env=env)
    assert r2.returncode == 0, r2.output
    assert len(slack.uploads) == 1
    assert ("files.info", 200) in slack.calls


def test_run_killed_after_the_chart_was_shared_finds_it_and_does_not_upload_again(work, slack):
    """SIGKILL after Slack shared the chart and before it was marked sent: the part is left 'sending' with
    its file id; the next run asks files.info, finds it in the channel and marks it sent."""
    work.slack_env(slack)
    env = today_env()
    history_until_today(work)
    r = work.run("run", env={**env, "BORDERWATCH_CRASH_AT": "after_upload_1"})
    assert r.returncode == -9, r.output
    (up,) = slack.uploads
    st = Store(work.db)
    (chart,) = charts(st)
    assert (chart.status, chart.file_id, chart.attempts) == ("sending", up["file_id"], 1)
    r2 = work.run("run", env=env)
    assert r2.returncode == 0, r2.output
    assert len(slack.uploads) == 1 and ("files.info", 200) in slack.calls
    assert [m for m, _ in slack.calls].count("files.getUploadURLExternal") == 1
    (chart,) = charts(st)
    assert (chart.status, chart.ts, chart.attempts) == ("sent", up["ts"], 1)
    st.dispose()


def test_run_with_a_webhook_posts_the_sentence_and_where_the_chart_was_saved(work, slack):
    work.env["SLACK_WEBHOOK_URL"] = slack.webhook_url
    env = today_env()
    end = history_until_today(work)
    r = work.run("run", env=env)
    assert r.returncode == 0, r.output
    trend_posts = [p for p in slack.webhook_posts if "Weekly trends" in p.get("text", "")]
    assert len(trend_posts) == 1
    saved = (work.path / "trends" / f"borderwatch-trends-{end.date().isoformat()}.png").resolve()
    assert str(saved) in trend_posts[0]["text"] and saved.read_bytes().startswith(b"\x89PNG")
    assert expected_sentence(work, end) in trend_posts[0]["text"]


def test_bad_trends_day_in_sources_yaml_stops_the_run_before_crawling(work, slack, server):
    work.slack_env(slack)
    src = work.config / "sources.yaml"
    src.write_text(src.read_text().replace("settings:\n", "settings:\n  trends_day: someday\n", 1))
    r = work.run("run")
    assert r.returncode == 2
    assert "sources.yaml:2:" in r.stderr and "trends_day" in r.stderr
    assert not server.requests() and not slack.posts
