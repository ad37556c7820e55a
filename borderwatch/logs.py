"""Logging: one line per event on stderr, secrets redacted by a filter on every handler."""

from __future__ import annotations

import logging
import os
import sys

SECRET_VARS = ("SLACK_BOT_TOKEN", "SLACK_WEBHOOK_URL")


class RedactSecrets(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        secrets = [v for v in (os.environ.get(k) for k in SECRET_VARS) if v]
        if secrets:
            msg = record.getMessage()
            for sec in secrets:
                msg = msg.replace(sec, "[redacted]")
            record.msg, record.args = msg, ()
        return True


def setup(level: int = logging.WARNING) -> None:
    root = logging.getLogger()
    for h in list(root.handlers):
        root.removeHandler(h)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactSecrets())
    handler.setLevel(level)  # libraries (Scrapy) reset logger levels; the handler keeps ours
    root.addHandler(handler)
    root.setLevel(level)
    # slack_sdk logs request bodies at DEBUG; keep it quiet even in -vv
    logging.getLogger("slack_sdk").setLevel(max(level, logging.INFO))
