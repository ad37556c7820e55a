"""borderwatch deliver: send queued matches (and finish any digest an earlier run left half-sent)."""

from __future__ import annotations

import argparse
from pathlib import Path

from borderwatch.alerts.delivery import from_env
from borderwatch.alerts.outbox import deliver
from borderwatch.alerts.rules import load_rules
from borderwatch.cli import add_common
from borderwatch.commands.common import friendly
from borderwatch.commands.run import report_delivery
from borderwatch.cycle import CycleResult
from borderwatch.store import Store


@friendly
def cmd_deliver(args) -> int:
    store = Store()
    deliverer = from_env()
    ruleset = load_rules(Path(args.config_dir) / "keywords.yaml")
    res = CycleResult(delivery=deliver(store, deliverer, ruleset, []))
    return report_delivery(res, deliverer.kind)


def register(sub) -> None:
    p = sub.add_parser(
        "deliver",
        help="send the digest of queued matches",
        description="Send queued matched items as a digest; resumes a digest an earlier run did not finish.",
        epilog="Example:\n  SLACK_BOT_TOKEN=xoxb-... SLACK_CHANNEL=C0123 borderwatch deliver",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_common(p)
    p.set_defaults(func=cmd_deliver)
