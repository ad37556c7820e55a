"""Logging: one line per event on stderr, structured, with secrets redacted by a filter on the handler.

Format (BORDERWATCH_LOG_FORMAT=logfmt, the default) is logfmt, which grep, journald and most log shippers
read as key=value pairs:

    ts=2026-11-24T06:00:01.123Z level=info logger=borderwatch.store event=db.upgraded msg="schema upgraded" revisions=0002

BORDERWATCH_LOG_FORMAT=json writes one JSON object per line with the same keys. Newlines inside a message
or a traceback are escaped, so one event is always exactly one line. Fields passed with
`extra={"event": ..., "key": value}` become keys of their own.

RedactSecrets runs on the handler, so it sees every record (ours, Scrapy's, slack_sdk's) before it is
formatted, and replaces the Slack token, the webhook URL (and its secret path), the database password and
anything shaped like a Slack token or webhook with [redacted] — in the message, its arguments, extra
fields and tracebacks.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
from datetime import datetime, timezone
from urllib.parse import urlsplit

SECRET_VARS = ("SLACK_BOT_TOKEN", "SLACK_WEBHOOK_URL", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN")
REDACTED = "[redacted]"
# Shapes of Slack secrets, redacted even when they are not in our environment (e.g. a token in a URL).
PATTERNS = [
    re.compile(r"xox[abposr]-[0-9A-Za-z-]{8,}"),
    re.compile(r"xapp-[0-9A-Za-z-]{8,}"),
    re.compile(r"hooks\.slack(?:-gov)?\.com/(?:services|workflows|triggers)/[A-Za-z0-9/_-]+"),
    re.compile(r"(?<=://)([^/\s:@]+):[^@\s/]+@"),  # user:password@ in any URL -> keep the user
]

# Attributes every LogRecord has; anything else on a record came from `extra=` and is logged as a field.
_STANDARD = set(vars(logging.LogRecord("x", 0, "x", 0, "x", None, None))) | {"message", "asctime"}


def _secrets() -> list[str]:
    out = []
    for var in SECRET_VARS:
        val = os.environ.get(var)
        if not val or len(val) < 6:
            continue
        out.append(val)
        if var == "SLACK_WEBHOOK_URL":
            path = urlsplit(val).path
            if len(path) >= 8:  # the path of a webhook URL is the secret part
                out.append(path)
    db = os.environ.get("BORDERWATCH_DB")
    if db:
        try:
            from borderwatch.store.db import url_password

            pw = url_password(db)
            if pw and len(pw) >= 3:
                out.append(str(pw))
        except Exception:
            pass
    return sorted(out, key=len, reverse=True)  # longest first: a URL before its own path


def redact(text: str, secrets: list[str] | None = None) -> str:
    for sec in _secrets() if secrets is None else secrets:
        text = text.replace(sec, REDACTED)
    for pat in PATTERNS:
        if pat.groups:
            text = pat.sub(lambda m: f"{m.group(1)}:{REDACTED}@", text)
        else:
            text = pat.sub(REDACTED, text)
    return text


class RedactSecrets(logging.Filter):
    """Removes secrets from a record before any handler formats it. Never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        secrets = _secrets()
        try:
            msg = record.getMessage()
        except Exception:  # a broken format string must not lose the event
            msg = f"{record.msg!r} {record.args!r}"
        record.msg, record.args = redact(msg, secrets), ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text, secrets)
        if record.stack_info:
            record.stack_info = redact(record.stack_info, secrets)
        for key, value in list(vars(record).items()):
            if key not in _STANDARD and isinstance(value, str):
                setattr(record, key, redact(value, secrets))
        return True


def _fields(record: logging.LogRecord) -> dict:
    ts = datetime.fromtimestamp(record.created, timezone.utc)
    out = {
        "ts": ts.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ts.microsecond // 1000:03d}Z",
        "level": record.levelname.lower(),
        "logger": record.name,
    }
    if getattr(record, "event", None):
        out["event"] = record.event
    out["msg"] = record.getMessage()
    for key, value in vars(record).items():
        if key not in _STANDARD and key != "event" and not key.startswith("_"):
            out[key] = value
    if record.exc_info and not record.exc_text:
        record.exc_text = logging.Formatter().formatException(record.exc_info)
    if record.exc_text:
        out["exc"] = record.exc_text
    if record.stack_info:
        out["stack"] = record.stack_info
    return out


_BARE = re.compile(r"^[A-Za-z0-9_.,:/@+\-\[\]%]+$")


def _logfmt_value(value) -> str:
    if value is None:
        return '""'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if not isinstance(value, str):
        value = json.dumps(value, default=str, ensure_ascii=False)
    if value and _BARE.match(value):
        return value
    return json.dumps(value, ensure_ascii=False)  # quotes, escapes newlines: still one line


class LogfmtFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return " ".join(f"{k}={_logfmt_value(v)}" for k, v in _fields(record).items())


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return json.dumps(_fields(record), default=str, ensure_ascii=False)


def make_handler(stream=None, fmt: str | None = None) -> logging.Handler:
    fmt = (fmt or os.environ.get("BORDERWATCH_LOG_FORMAT") or "logfmt").lower()
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else LogfmtFormatter())
    handler.addFilter(RedactSecrets())
    return handler


def setup(level: int = logging.WARNING) -> None:
    root = logging.getLogger()
    for h in list(root.handlers):
        root.removeHandler(h)
    handler = make_handler()
    # The handler enforces the CLI's level too: Scrapy resets logger levels when a crawl starts, and a
    # quiet run must stay quiet whatever a library does to its own loggers.
    handler.setLevel(level)
    root.addHandler(handler)
    root.setLevel(level)
    # slack_sdk logs request bodies at DEBUG; keep it quiet even in -vv
    logging.getLogger("slack_sdk").setLevel(max(level, logging.INFO))
