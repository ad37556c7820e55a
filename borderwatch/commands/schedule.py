"""borderwatch schedule: run the daily cycle at a fixed time, unattended (APScheduler; see schedule.py)."""

from __future__ import annotations

import argparse
import logging
from datetime import datetime
from pathlib import Path

from borderwatch.cli import add_common
from borderwatch.commands.common import err, friendly
from borderwatch.commands.deliver import load_settings
from borderwatch.listen import start_if_configured
from borderwatch.schedule import DailyScheduler, catch_up, load_schedule, next_due
from borderwatch.store import Store


def _fmt(dt, tz) -> str:
    return dt.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S %Z") if dt else "never"


@friendly
def cmd_schedule(args) -> int:
    config_dir = Path(args.config_dir)
    cfg = load_schedule(load_settings(config_dir))
    if args.check:
        now = datetime.fromisoformat(args.now) if args.now else datetime.now(cfg.tz)
        if now.tzinfo is None:
            now = now.replace(tzinfo=cfg.tz)
        cu = catch_up(Store(), cfg, now)
        print(f"schedule:       daily at {cfg.describe()}")
        print(f"now:            {_fmt(now, cfg.tz)}")
        print(f"last scheduled: {_fmt(cu.due, cfg.tz)}")
        print(f"last completed: {_fmt(cu.last, cfg.tz)}")
        print(f"catch up now:   {'yes' if cu.needed else 'no'}")
        print(f"next run:       {_fmt(next_due(cfg, now), cfg.tz)}")
        return 0
    if not args.quiet:
        # A long-running service: its own events (catch-up, next run, stop) are worth a line each.
        for h in logging.getLogger().handlers:
            h.setLevel(min(h.level, logging.INFO))
        for name in ("borderwatch.schedule", "apscheduler"):
            logging.getLogger(name).setLevel(logging.INFO)
    child_args = ["-q"] if args.quiet else ["-v"] * args.verbose
    if not config_dir.is_dir():
        err(f"config directory {config_dir} does not exist")
        return 2
    store = Store()
    listeners = []

    def listen() -> None:  # feedback clicks (Socket Mode), when SLACK_APP_TOKEN is set
        listeners.append(start_if_configured(store))

    try:
        return DailyScheduler(cfg, config_dir.resolve(), child_args).start(store, on_started=listen)
    finally:
        for listener in listeners:
            if listener is not None:
                listener.close()


def register(sub) -> None:
    p = sub.add_parser(
        "schedule",
        help="run the daily cycle at a fixed time (foreground; for systemd or Docker)",
        description="Run `borderwatch run` every day at BORDERWATCH_SCHEDULE (or settings.schedule, default 07:00)\n"
        "in BORDERWATCH_TZ (or settings.timezone, default the host's zone). A day missed while the server was\n"
        "down is caught up at start-up, judged from the database. Stops cleanly on SIGTERM.",
        epilog="Examples:\n  BORDERWATCH_SCHEDULE=07:00 BORDERWATCH_TZ=America/Phoenix borderwatch schedule\n"
        "  borderwatch schedule --check --now 2026-11-25T08:00:00-07:00",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_common(p)
    p.add_argument(
        "--check", action="store_true", help="print the schedule and the catch-up decision, then exit"
    )
    p.add_argument(
        "--now", metavar="ISO", help="with --check: decide as if it were this time (e.g. for testing)"
    )
    p.set_defaults(func=cmd_schedule)
