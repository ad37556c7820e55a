"""The daily trigger: APScheduler 3 (BlockingScheduler) runs `borderwatch run` at a cron time in a timezone.

- When: BORDERWATCH_SCHEDULE / settings.schedule ("07:00", "07:00:30", or a crontab line "0 7 * * 1-5"),
  in BORDERWATCH_TZ / settings.timezone (an IANA name, e.g. America/Phoenix; default: the host's zone).
- Each cycle runs in a child process (`python -m borderwatch run`): Scrapy's reactor cannot restart, a
  crash or leak in one run cannot take the scheduler down, and the rules and sources files are re-read
  every run.
- One job, max_instances=1, coalesce=True, a misfire grace (default 3 h) for a late wake-up (suspend, a
  long previous run). Two runs never overlap even across processes: every run takes the run lock
  (borderwatch/lock.py); a run that finds it taken exits 4 and is logged as skipped.
- Catch-up: at start-up, if the database's last completed cycle (or delivered digest) is older than the
  most recent scheduled time, the job runs at once. The decision comes from the database, so a server that
  was down over the cron time catches up, and a restart after a delivered day does not run again.
- A cycle whose digest could not be delivered (exit 3: Slack down) is followed by `borderwatch deliver`
  retries (default every 30 min, 3 times); the items are queued in the outbox either way.
- SIGTERM/SIGINT: no new run starts; a running child gets SIGTERM and stops after its current step; then
  the scheduler exits 0.
"""

from __future__ import annotations

import logging
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from borderwatch.config import DEFAULTS, SettingError, build_settings
from borderwatch.exitcodes import EXIT_BUSY, EXIT_DELIVERY, EXIT_STOPPED

log = logging.getLogger("borderwatch.schedule")

DEFAULT_TIME = DEFAULTS.schedule.schedule
DEFAULT_GRACE_MINUTES = DEFAULTS.schedule.misfire_grace_minutes
DEFAULT_RETRY_MINUTES = DEFAULTS.schedule.delivery_retry_minutes
DEFAULT_RETRIES = DEFAULTS.schedule.delivery_retries


def resolve_timezone(settings=None, env=None) -> tzinfo:
    """BORDERWATCH_TZ, else settings.timezone, else the host's zone (UTC if it cannot be told)."""
    return timezone_named(build_settings(settings, env).delivery.timezone)


def timezone_named(name: str | None) -> tzinfo:
    """The IANA zone `name` (SettingError if unknown); None: the host's zone (UTC if it cannot be told)."""
    if name:
        try:
            return ZoneInfo(str(name))
        except (ZoneInfoNotFoundError, ValueError):
            raise SettingError(
                f"unknown timezone '{name}' (use an IANA name such as America/Phoenix or UTC)"
            ) from None
    from tzlocal import get_localzone

    try:
        return get_localzone()
    except Exception as exc:  # tzlocal raises its own types, ValueError and OSError for a broken host setup
        log.warning(
            "cannot tell the host's timezone (%s: %s): using UTC; set BORDERWATCH_TZ (e.g. America/Phoenix) "
            "or settings.timezone in sources.yaml",
            type(exc).__name__,
            exc,
        )
        return timezone.utc


@dataclass
class ScheduleConfig:
    spec: str
    tz: tzinfo
    misfire_grace: int = DEFAULT_GRACE_MINUTES * 60
    retry_minutes: float = DEFAULT_RETRY_MINUTES
    retries: int = DEFAULT_RETRIES

    def trigger(self):
        from apscheduler.triggers.cron import CronTrigger

        if " " in self.spec.strip():
            return CronTrigger.from_crontab(self.spec.strip(), timezone=self.tz)
        hms = [int(x) for x in self.spec.strip().split(":")]
        return CronTrigger(hour=hms[0], minute=hms[1], second=hms[2] if len(hms) > 2 else 0, timezone=self.tz)

    def describe(self) -> str:
        zone = getattr(self.tz, "key", None) or str(self.tz)
        return f"{self.spec} {zone}"


def load_schedule(settings=None, env=None) -> ScheduleConfig:
    """The schedule from a Settings (or a sources.yaml settings mapping plus `env`)."""
    s = build_settings(settings, env)
    spec = s.schedule.schedule
    cfg = ScheduleConfig(
        spec=spec,
        tz=timezone_named(s.delivery.timezone),
        misfire_grace=s.schedule.misfire_grace_minutes * 60,
        retry_minutes=s.schedule.delivery_retry_minutes,
        retries=s.schedule.delivery_retries,
    )
    try:
        if " " not in spec:
            parts = spec.split(":")
            if not 2 <= len(parts) <= 3 or not all(p.isdigit() for p in parts):
                raise ValueError
            h, m, *s = (int(p) for p in parts)
            if not (0 <= h < 24 and 0 <= m < 60 and all(0 <= x < 60 for x in s)):
                raise ValueError
        cfg.trigger()
    except ValueError:
        raise SettingError(
            f"invalid schedule '{spec}': use HH:MM (e.g. 07:00), HH:MM:SS, or a crontab line like '0 7 * * 1-5'"
        ) from None
    return cfg


def last_due(cfg: ScheduleConfig, now: datetime) -> datetime | None:
    """The most recent scheduled time at or before `now` (searched over the last 8 days)."""
    trig = cfg.trigger()
    t = trig.get_next_fire_time(None, now - timedelta(days=8))
    due = None
    while t is not None and t <= now:
        due = t
        t = trig.get_next_fire_time(t, t + timedelta(seconds=1))
    return due


def next_due(cfg: ScheduleConfig, now: datetime) -> datetime | None:
    return cfg.trigger().get_next_fire_time(None, now + timedelta(microseconds=1))


def last_completed(store) -> datetime | None:
    """When the database last saw the daily job done: a cycle that finished ok, or a digest fully sent."""
    from borderwatch.store.outbox import last_daily_sent_at
    from borderwatch.store.runs import last_ok_run_finished_at

    run, sent = last_ok_run_finished_at(store), last_daily_sent_at(store)
    stamps = [_aware(x) for x in (run, sent) if x is not None]
    return max(stamps) if stamps else None


def _aware(dt: datetime) -> datetime:
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


@dataclass
class CatchUp:
    needed: bool
    due: datetime | None
    last: datetime | None


def catch_up(store, cfg: ScheduleConfig, now: datetime) -> CatchUp:
    due = last_due(cfg, now)
    last = last_completed(store)
    return CatchUp(needed=due is not None and (last is None or last < due), due=due, last=last)


class DailyScheduler:
    def __init__(
        self,
        cfg: ScheduleConfig,
        config_dir: Path,
        child_args: list[str] | None = None,
        stop_timeout: float = 600,
    ):
        self.cfg = cfg
        self.config_dir = Path(config_dir)
        self.child_args = child_args or []
        self.stop_timeout = stop_timeout
        self.stopping = False
        self.child: subprocess.Popen | None = None
        self._child_lock = threading.RLock()
        self.retries_left = cfg.retries
        self.scheduler = None

    # -- child runs --------------------------------------------------------------------------------
    def run_child(self, command: str) -> int | None:
        cmd = [sys.executable, "-m", "borderwatch", command, "--config-dir", str(self.config_dir)]
        cmd += self.child_args
        with self._child_lock:
            if self.stopping:
                return None
            log.info("starting: borderwatch %s", command)
            started = time.monotonic()
            self.child = subprocess.Popen(cmd)  # stdout/stderr inherited: one log stream
        code = self.child.wait()
        with self._child_lock:
            self.child = None
        log.info("borderwatch %s exited %s after %.0fs", command, code, time.monotonic() - started)
        return code

    def daily_job(self) -> None:
        code = self.run_child("run")
        if code is None:
            return
        if code == 0:
            self.retries_left = self.cfg.retries
        self._after(code, "run")

    def retry_job(self) -> None:
        code = self.run_child("deliver")
        if code is not None:
            self._after(code, "deliver")

    def _after(self, code: int, what: str) -> None:
        if code == EXIT_BUSY:
            log.warning("another borderwatch run was in progress: this %s was skipped", what)
        elif code in (EXIT_STOPPED, -signal.SIGTERM):
            log.info("the %s stopped on SIGTERM; the next run continues from the database", what)
        elif code == EXIT_DELIVERY:
            if self.stopping or self.retries_left <= 0 or self.scheduler is None:
                log.error("digest not delivered; the items stay queued for the next run")
                return
            self.retries_left -= 1
            when = datetime.now(self.cfg.tz) + timedelta(minutes=self.cfg.retry_minutes)
            log.warning(
                "digest not delivered; retrying delivery at %s (%d retr%s left after that)",
                when.strftime("%H:%M:%S %Z"),
                self.retries_left,
                "y" if self.retries_left == 1 else "ies",
            )
            self.scheduler.add_job(
                self.retry_job,
                "date",
                run_date=when,
                id="retry-delivery",
                replace_existing=True,
                misfire_grace_time=self.cfg.misfire_grace,
            )
        elif code != 0:
            log.error("borderwatch %s failed (exit %s); see the messages above", what, code)
        if not self.stopping:
            nxt = next_due(self.cfg, datetime.now(self.cfg.tz))
            if nxt:
                log.info("next daily run: %s", nxt.strftime("%Y-%m-%d %H:%M:%S %Z"))

    # -- signals -------------------------------------------------------------------------------------
    def _on_signal(self, signum, _frame) -> None:
        if self.stopping:
            return
        log.info(
            "%s received: stopping (a running cycle finishes its current step)", signal.Signals(signum).name
        )
        with self._child_lock:
            self.stopping = True
            child = self.child
        if child is not None and child.poll() is None:
            child.send_signal(signal.SIGTERM)
        if self.scheduler is not None:
            self.scheduler.shutdown(wait=False)

    # -- main ----------------------------------------------------------------------------------------
    def start(self, store, on_started=None) -> int:
        """Run until SIGTERM/SIGINT. `on_started()` runs once the signal handlers are in place (the
        feedback listener starts there, so a stop request never finds it half set up)."""
        from apscheduler.executors.pool import ThreadPoolExecutor
        from apscheduler.schedulers.blocking import BlockingScheduler

        now = datetime.now(self.cfg.tz)
        cu = catch_up(store, self.cfg, now)
        store.dispose()
        self.scheduler = BlockingScheduler(
            timezone=self.cfg.tz,
            executors={"default": ThreadPoolExecutor(1)},  # the daily run and delivery retries never overlap
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": self.cfg.misfire_grace},
        )
        kwargs = {}
        if cu.needed:
            kwargs["next_run_time"] = now
            log.info(
                "catching up: last completed %s, scheduled %s -> running now",
                cu.last.astimezone(self.cfg.tz).strftime("%Y-%m-%d %H:%M %Z") if cu.last else "never",
                cu.due.strftime("%Y-%m-%d %H:%M %Z"),
            )
        self.scheduler.add_job(
            self.daily_job, self.cfg.trigger(), id="daily", name="borderwatch run", **kwargs
        )
        nxt = next_due(self.cfg, now)
        log.info(
            "borderwatch scheduler started: daily at %s; next run %s",
            self.cfg.describe(),
            "now" if cu.needed else nxt.strftime("%Y-%m-%d %H:%M:%S %Z"),
        )
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, self._on_signal)
        if on_started is not None:
            on_started()
        try:
            self.scheduler.start()
        finally:
            self._wait_child()
        log.info("borderwatch scheduler stopped")
        return 0

    def _wait_child(self) -> None:
        deadline = time.monotonic() + self.stop_timeout
        while time.monotonic() < deadline:
            with self._child_lock:
                child = self.child
            if child is None or child.poll() is not None:
                return
            time.sleep(0.1)
        log.error(
            "the running cycle did not stop in %.0fs: killing it (the next run recovers)", self.stop_timeout
        )
        with self._child_lock:
            if self.child is not None:
                self.child.kill()
