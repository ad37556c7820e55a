"""borderwatch listen: receive the digest's feedback clicks through Slack's Socket Mode, until stopped."""

from __future__ import annotations

import argparse
import logging
import signal
import threading

from borderwatch.cli import add_common
from borderwatch.commands.common import err, friendly
from borderwatch.listen import FeedbackListener, ListenerConfigError, ListenerSettings
from borderwatch.store import Store


@friendly
def cmd_listen(args) -> int:
    try:
        settings = ListenerSettings.from_env()
    except ListenerConfigError as exc:
        err(str(exc))
        return 2
    if settings is None:
        err(
            "SLACK_APP_TOKEN is not set: create an app-level token with connections:write, switch Socket "
            "Mode on (docs/slack.md has the app manifest) and export SLACK_APP_TOKEN=xapp-..."
        )
        return 2
    if not args.quiet:
        for name in ("borderwatch.listen", "borderwatch.alerts.feedback"):
            logging.getLogger(name).setLevel(logging.INFO)
        for h in logging.getLogger().handlers:
            h.setLevel(min(h.level, logging.INFO))
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    listener = FeedbackListener(Store(), settings)
    try:
        listener.start()
    except ListenerConfigError as exc:
        err(str(exc))
        listener.close()
        return 2
    err("listening for feedback clicks (Socket Mode); stop with Ctrl-C or SIGTERM")
    stop.wait()
    listener.close()
    err(f"stopped ({listener.handled} click(s) handled)")
    return 0


def register(sub) -> None:
    p = sub.add_parser(
        "listen",
        help="receive the digest's Useful / Not relevant clicks (Slack Socket Mode), until stopped",
        description="Connect to Slack with Socket Mode (SLACK_APP_TOKEN, an app-level token with\n"
        "connections:write; no public URL needed) and store every Useful / Not relevant click on a digest item,\n"
        "then update the message to show it. `borderwatch schedule` runs the same listener itself; use this\n"
        "when the daily run comes from cron. Exit 0 on SIGTERM / Ctrl-C, 2 on a token problem.",
        epilog="Example:\n  SLACK_APP_TOKEN=xapp-... SLACK_BOT_TOKEN=xoxb-... borderwatch listen",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_common(p, config_dir=False)
    p.set_defaults(func=cmd_listen)
