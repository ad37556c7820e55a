"""Logs: one structured line per event, levels, and no secret ever reaches the output."""

from __future__ import annotations

import io
import json
import logging
import re

import pytest

from borderwatch import logs

from .conftest import TOKEN

WEBHOOK = "https://hooks.slack.com/services/T0AAAA/B0BBBB/XXXXSECRETXXXXWEBHOOK"


@pytest.fixture
def capture(monkeypatch):
    monkeypatch.setenv("SLACK_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("SLACK_WEBHOOK_URL", WEBHOOK)
    monkeypatch.setenv("BORDERWATCH_DB", "postgresql+psycopg://bw:dbPassw0rd@db.internal/bw")

    def make(fmt="logfmt"):
        stream = io.StringIO()
        logger = logging.getLogger(f"bw.test.{fmt}")
        logger.handlers[:] = [logs.make_handler(stream, fmt)]
        logger.setLevel(logging.DEBUG)
        logger.propagate = False
        return logger, stream

    return make


PAIR = re.compile(r'([A-Za-z_][\w.]*)=("(?:[^"\\]|\\.)*"|[^\s"]*)(?:\s+|$)')


def parse_logfmt(line: str) -> dict:
    """Strict logfmt: the whole line must be key=value pairs (quoted values are JSON strings)."""
    out, pos = {}, 0
    while pos < len(line):
        m = PAIR.match(line, pos)
        assert m, f"not logfmt at {pos}: {line!r}"
        k, v = m.groups()
        out[k] = json.loads(v) if v.startswith('"') else v
        pos = m.end()
    return out


def test_each_event_is_one_logfmt_line_with_level_logger_and_fields(capture):
    log, out = capture()
    log.info("fetched %d pages", 3, extra={"event": "crawl.done", "source": "Frontera Wire", "pages": 3})
    log.warning("multi\nline\nmessage")
    lines = out.getvalue().splitlines()
    assert len(lines) == 2
    first = parse_logfmt(lines[0])
    assert first["level"] == "info" and first["logger"] == "bw.test.logfmt"
    assert first["event"] == "crawl.done" and first["msg"] == "fetched 3 pages"
    assert first["source"] == "Frontera Wire" and first["pages"] == "3"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", first["ts"])
    assert parse_logfmt(lines[1])["msg"] == "multi\nline\nmessage"


def test_json_format_is_one_object_per_line(capture):
    log, out = capture("json")
    try:
        raise ValueError("boom\nsecond line")
    except ValueError:
        log.exception("failed", extra={"event": "x.failed"})
    lines = out.getvalue().splitlines()
    assert len(lines) == 1
    rec = json.loads(lines[0])
    assert rec["level"] == "error" and rec["event"] == "x.failed"
    assert "ValueError: boom" in rec["exc"]


def test_token_webhook_and_db_password_are_redacted_everywhere(capture):
    log, out = capture()
    log.error("posting with %s to %s", TOKEN, WEBHOOK)
    log.info("path only: POST /services/T0AAAA/B0BBBB/XXXXSECRETXXXXWEBHOOK 200")
    log.info("connecting", extra={"url": "postgresql+psycopg://bw:dbPassw0rd@db.internal/bw", "auth": TOKEN})
    log.info("a token we were never told about: xoxb-9999-8888-unknownTOKEN and https://x:hunter22@h/")
    try:
        raise RuntimeError(f"HTTP error for {WEBHOOK} with Bearer {TOKEN}")
    except RuntimeError:
        log.exception("delivery failed")
    text = out.getvalue()
    for secret in (TOKEN, "XXXXSECRETXXXXWEBHOOK", "dbPassw0rd", "unknownTOKEN", "hunter22"):
        assert secret not in text
    assert text.count("[redacted]") >= 7
    assert "bw:[redacted]@db.internal" in text  # the user and host stay: useful, not secret
    assert len(text.splitlines()) == 5  # the traceback stayed on its event's line


def test_a_broken_log_call_is_still_logged_not_lost(capture):
    log, out = capture()
    log.info("%d items", "not-a-number")
    assert "not-a-number" in out.getvalue()


def test_cli_debug_output_is_structured_and_secret_free(work, slack):
    """A real run at -vv with both Slack secrets set: every log line parses, none holds a secret."""
    work.slack_env(slack)
    work.env["SLACK_WEBHOOK_URL"] = slack.webhook_url + "/XXXXSECRETXXXXWEBHOOK"
    r = work.run("run", "-vv")
    assert r.returncode in (0, 3), r.output
    log_lines = [ln for ln in r.stderr.splitlines() if ln.startswith("ts=")]
    assert len(log_lines) > 10
    for ln in log_lines:
        rec = parse_logfmt(ln)
        assert rec["level"] in ("debug", "info", "warning", "error", "critical")
    assert any("event=run.finished" in ln for ln in log_lines)
    assert TOKEN not in r.output and "XXXXSECRETXXXXWEBHOOK" not in r.output


def test_a_default_run_logs_only_warnings_and_errors(work):
    """Scrapy resets its loggers' levels when a crawl starts; the CLI's level still decides what is shown."""
    r = work.run("run")
    assert r.returncode == 0, r.output
    levels = {parse_logfmt(ln)["level"] for ln in r.stderr.splitlines() if ln.startswith("ts=")}
    assert levels <= {"warning", "error", "critical"}, levels
