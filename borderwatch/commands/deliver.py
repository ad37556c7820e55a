"""borderwatch deliver: send queued matches (and finish any digest an earlier run left half-sent)."""

from __future__ import annotations

import argparse
from pathlib import Path

from borderwatch.alerts.archive import maybe_update_archive
from borderwatch.alerts.delivery import from_env
from borderwatch.alerts.outbox import DeliveryOptions, deliver
from borderwatch.alerts.stage import load_rules_or_last_good
from borderwatch.cli import add_common
from borderwatch.commands.common import friendly
from borderwatch.commands.run import report_delivery
from borderwatch.config import Settings, build_settings, load_sources
from borderwatch.cycle import CycleResult
from borderwatch.lock import RunBusy, run_lock
from borderwatch.stopping import StopRequested, graceful_stop
from borderwatch.store import Store


def load_settings(config_dir: Path) -> Settings:
    """The settings of sources.yaml (digest timezone, duplicate window); the defaults without a sources file."""
    path = config_dir / "sources.yaml"
    return load_sources(path).resolved if path.exists() else build_settings({})


@friendly
def cmd_deliver(args) -> int:
    config_dir = Path(args.config_dir)
    store = Store()
    deliverer = from_env()
    options = DeliveryOptions.from_settings(load_settings(config_dir))
    res = CycleResult()
    try:
        with run_lock(store, what="borderwatch deliver"), graceful_stop() as stop:
            state = load_rules_or_last_good(store, config_dir / "keywords.yaml")
            res.warnings = state.warnings
            res.delivery = deliver(store, deliverer, state.ruleset, [], options=options, stop=stop)
            res.archive = maybe_update_archive(store, state.ruleset, options)
    except RunBusy as exc:
        res.busy = str(exc)
    except StopRequested as exc:
        res.stopped = exc.step
    return report_delivery(res, deliverer.kind)


def register(sub) -> None:
    p = sub.add_parser(
        "deliver",
        help="send the digest of queued matches",
        description="Send queued matched items as a digest; resumes a digest an earlier run did not finish.\n"
        "Exit 0 when delivered (or nothing was queued), 3 when Slack could not be reached (the items stay\n"
        "queued), 4 when another run holds the run lock.",
        epilog="Example:\n  SLACK_BOT_TOKEN=xoxb-... SLACK_CHANNEL=C0123ABCD borderwatch deliver",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_common(p)
    p.set_defaults(func=cmd_deliver)
