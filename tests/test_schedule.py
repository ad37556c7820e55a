"""The daily schedule: cron time in a timezone, catch-up decided from the database, clean SIGTERM, retries.

Decisions are tested with a fake clock (`--now`, or `now=` on the functions); the scheduler process itself is
tested with a cron time a few seconds ahead (seconds are allowed in the schedule for exactly that)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from borderwatch.schedule import catch_up, last_due, load_schedule, next_due
from borderwatch.store import DigestRow, RunRow, Store
from borderwatch.yamlload import ConfigError
from tests.support.articles import seed_articles

PHX = ZoneInfo("America/Phoenix")
NY = ZoneInfo("America/New_York")


def test_schedule_comes_from_env_over_settings_with_clear_errors():
    cfg = load_schedule({"schedule": "06:30", "timezone": "UTC"}, env={"BORDERWATCH_TZ": "America/Phoenix"})
    assert cfg.spec == "06:30" and cfg.tz.key == "America/Phoenix"
    cfg = load_schedule(
        {"schedule": "06:30"}, env={"BORDERWATCH_SCHEDULE": "0 7 * * 1-5", "BORDERWATCH_TZ": "UTC"}
    )
    assert cfg.spec == "0 7 * * 1-5"
    for bad in ("7am", "25:00", "07:61", "0 7 * *"):
        with pytest.raises(ConfigError, match="invalid schedule"):
            load_schedule({}, env={"BORDERWATCH_SCHEDULE": bad, "BORDERWATCH_TZ": "UTC"})
    with pytest.raises(ConfigError, match="unknown timezone 'Mars/Olympus'"):
        load_schedule({}, env={"BORDERWATCH_TZ": "Mars/Olympus"})


def test_cron_time_is_wall_clock_time_in_the_zone_across_dst():
    cfg = load_schedule({}, env={"BORDERWATCH_SCHEDULE": "07:00", "BORDERWATCH_TZ": "America/New_York"})
    before = datetime(2026, 3, 7, 12, 0, tzinfo=NY)  # DST starts 8 March 2026
    assert next_due(cfg, before) == datetime(2026, 3, 8, 7, 0, tzinfo=NY)
    assert next_due(cfg, before).utcoffset() == timedelta(hours=-4)
    assert last_due(cfg, before) == datetime(2026, 3, 7, 7, 0, tzinfo=NY)
    assert last_due(cfg, before).utcoffset() == timedelta(hours=-5)


def _store_with(tmp_path, finished=None, sent=None, status="ok"):
    tmp_path.mkdir(exist_ok=True)
    store = Store(f"sqlite:///{tmp_path / 'bw.db'}")
    with store.session() as s:
        if finished:
            s.add(RunRow(started_at=finished - timedelta(minutes=3), finished_at=finished, status=status))
        if sent:
            s.add(DigestRow(created_at=sent, sent_at=sent, status="sent", kind="daily"))
    return store


def test_catch_up_is_decided_from_the_last_completed_day_in_the_database(tmp_path):
    cfg = load_schedule({}, env={"BORDERWATCH_SCHEDULE": "07:00", "BORDERWATCH_TZ": "America/Phoenix"})
    now = datetime(2026, 11, 25, 9, 30, tzinfo=PHX)
    assert catch_up(_store_with(tmp_path / "a"), cfg, now).needed  # never ran
    yesterday = datetime(2026, 11, 24, 7, 2, tzinfo=PHX)
    assert catch_up(_store_with(tmp_path / "b", finished=yesterday), cfg, now).needed  # server down at 07:00
    today = datetime(2026, 11, 25, 7, 4, tzinfo=PHX)
    assert not catch_up(_store_with(tmp_path / "c", finished=today), cfg, now).needed
    # the run failed delivery but a retry sent the digest at 07:40
    store = _store_with(
        tmp_path / "d", finished=today, status="delivery_failed", sent=today + timedelta(minutes=36)
    )
    assert not catch_up(store, cfg, now).needed
    early = datetime(2026, 11, 25, 6, 0, tzinfo=PHX)  # before today's time: yesterday's run counts
    assert not catch_up(_store_with(tmp_path / "c"), cfg, early).needed


def cli(work, *args, env=None, timeout=60):
    return work.run(*args, "--config-dir", str(work.config), env=env, timeout=timeout)


def test_schedule_check_prints_the_decision_for_a_given_time(work):
    env = {"BORDERWATCH_SCHEDULE": "07:00", "BORDERWATCH_TZ": "America/Phoenix"}
    r = cli(work, "schedule", "--check", "--now", "2026-11-25T09:30:00-07:00", env=env)
    assert r.returncode == 0, r.output
    assert "daily at 07:00 America/Phoenix" in r.stdout
    assert "last scheduled: 2026-11-25 07:00:00 MST" in r.stdout
    assert "catch up now:   yes" in r.stdout
    assert "next run:       2026-11-26 07:00:00 MST" in r.stdout
    r = cli(work, "schedule", "--check", env={"BORDERWATCH_SCHEDULE": "7h", "BORDERWATCH_TZ": "UTC"})
    assert r.returncode == 2 and "invalid schedule '7h'" in r.output and "Traceback" not in r.output


def test_a_host_timezone_that_cannot_be_told_is_reported_and_the_schedule_runs_in_utc(work):
    r = cli(work, "schedule", "--check", "--now", "2026-11-25T09:30:00+00:00", env={"TZ": "Nowhere/Land"})
    assert r.returncode == 0, r.output
    assert "cannot tell the host's timezone" in r.stderr and "BORDERWATCH_TZ" in r.stderr
    assert "daily at 07:00 UTC" in r.stdout
    assert "Traceback" not in r.output


class Scheduler:
    """`borderwatch schedule` as a real background process, its output collected."""

    def __init__(self, work, env: dict):
        full = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "BORDERWATCH_"))}
        full.update({"BORDERWATCH_DB": work.db, **work.env, **env})
        self.log = open(work.path / f"scheduler-{time.monotonic_ns()}.log", "w+")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "borderwatch", "schedule", "--config-dir", str(work.config)],
            cwd=work.path,
            env=full,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            text=True,
        )

    def output(self) -> str:
        self.log.flush()
        self.log.seek(0)
        return self.log.read()

    def wait_for(self, text: str, timeout: float = 60) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            out = self.output()
            if text in out:
                return out
            if self.proc.poll() is not None:
                break
            time.sleep(0.2)
        raise AssertionError(f"{text!r} not seen; output:\n{self.output()}")

    def stop(self, timeout: float = 60) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout)


def _at(offset_s: int) -> str:
    return (datetime.now(timezone.utc) + timedelta(seconds=offset_s)).strftime("%H:%M:%S")


def test_scheduler_catches_up_a_missed_day_then_runs_at_the_cron_time_and_stops_on_sigterm(work, slack):
    work.slack_env(slack)
    past = {"BORDERWATCH_SCHEDULE": _at(-3600), "BORDERWATCH_TZ": "UTC"}
    s = Scheduler(work, past)  # fresh database: nothing delivered since today's time -> run now
    s.wait_for("catching up")
    s.wait_for("borderwatch run exited 0", 120)
    assert len(slack.posts) == 1
    assert s.stop() == 0
    assert "borderwatch scheduler stopped" in s.output() and "Traceback" not in s.output()

    s = Scheduler(work, past)  # restarted: the database says today is done -> no run
    out = s.wait_for("borderwatch scheduler started")
    time.sleep(1.5)
    assert s.stop() == 0
    assert "catching up" not in out and "starting: borderwatch run" not in s.output()

    soon = {"BORDERWATCH_SCHEDULE": _at(4), "BORDERWATCH_TZ": "UTC"}
    s = Scheduler(work, soon)
    s.wait_for("starting: borderwatch run", 30)
    s.wait_for("borderwatch run exited 0", 120)
    assert s.stop() == 0
    assert len(slack.posts) == 1  # nothing new: nothing posted
    store = Store(work.db)
    with store.session() as db:
        assert [r.status for r in db.query(RunRow).order_by(RunRow.id)] == ["ok", "ok"]
    store.dispose()


def test_sigterm_during_a_run_stops_between_parts_and_the_rest_goes_out_once_later(work, slack):
    seed_articles(work.db, 80)
    work.slack_env(slack)
    assert work.run("match").returncode == 0
    slack.inject("hold", seconds=3)  # part 1 is accepted; its answer arrives after SIGTERM
    s = Scheduler(work, {"BORDERWATCH_SCHEDULE": _at(-3600), "BORDERWATCH_TZ": "UTC"})
    assert slack.held.wait(90), s.output()
    s.proc.send_signal(signal.SIGTERM)
    assert s.proc.wait(60) == 0
    out = s.output()
    assert "stopped by SIGTERM before part 2/" in out, out
    assert "Traceback" not in out
    assert len(slack.posts) == 1
    r = work.run("deliver")
    assert r.returncode == 0, r.output
    ids = [p["metadata"]["event_payload"]["part_id"] for p in slack.posts]
    assert len(ids) == len(set(ids)) >= 3


def test_undelivered_digest_is_retried_by_the_scheduler_the_same_day(work, slack):
    work.slack_env(slack)
    seed_articles(work.db, 3)
    assert work.run("match").returncode == 0
    (work.config / "sources.yaml").write_text(
        (work.config / "sources.yaml")
        .read_text()
        .replace("settings:\n", "settings:\n  delivery_retry_minutes: 0.05\n  delivery_retries: 2\n")
    )
    slack.inject("500")
    s = Scheduler(work, {"BORDERWATCH_SCHEDULE": _at(-3600), "BORDERWATCH_TZ": "UTC"})
    s.wait_for("retrying delivery at", 120)
    s.wait_for("borderwatch deliver exited 0", 60)
    assert s.stop() == 0
    assert len(slack.posts) == 1
