"""Send the weekly trends chart once, through the digest outbox.

Once a week (sources.yaml `settings.trends_day`, or BORDERWATCH_TRENDS_DAY; default monday; `off` disables)
the cycle calls maybe_send_weekly_trends() after the digest:

- Slack Web API: the PNG is uploaded with slack-sdk's files_upload_v2 (files.getUploadURLExternal, the
  bytes to the upload URL, files.completeUploadExternal) into the digest's channel, with the summary as the
  file's comment (alerts/delivery.py, SlackApiDeliverer.upload).
- Webhook and console: a webhook cannot carry a file, so they get the summary and the path of the saved PNG.

Exactly once: the week's chart is a digest of kind 'trends' in the outbox (borderwatch/store/trends.py), its one
part of kind 'file', written before anything is sent and sent by the outbox's send_digest like any digest
part: marked 'sending' before the upload, the file id stored the moment Slack issues it (step 1), and only
step 3 can share the file. So after a crash or a lost answer a part in 'sending' either has no file id
(nothing could have been shared: upload again) or has one, and files.info says whether that file reached the
channel (Deliverer.find_uploaded, the file parts' counterpart of the messages' find_posted). If Slack cannot
be asked, the part stays 'sending' and is checked again next run: never a second copy. A chart that did not
go out on its day is retried on the following runs until the next trends day, when the newer chart
supersedes it. The daily delivery, the preview and the status leave this kind of digest out.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from borderwatch.config import DEFAULTS, TRENDS_DAY_ENV, build_settings
from borderwatch.store import Store
from borderwatch.store import outbox as queue
from borderwatch.store.trends import chart_of, claim_chart, due_chart, refresh_chart

from .delivery import DeliveryError
from .outbox import send_digest
from .rules import RuleSet
from .slacktext import clip, code, escape
from .trends import DEFAULT_WEEKS, Trends, compute_trends, day_start, save_png

log = logging.getLogger(__name__)

DEFAULT_TRENDS_DAY = DEFAULTS.delivery.trends_day
DEFAULT_TRENDS_DIR = DEFAULTS.delivery.trends_dir
WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
OFF = {"off", "never", "none", "false", "no"}
MAX_COMMENT = 3500
MAX_ALT = 1000


class TrendsDayError(ValueError):
    pass


def parse_trends_day(value: Any, where: str = "trends_day") -> int | None:
    """'monday' / 'Mon' -> 0 ... 'sunday' -> 6; 'off' -> None. Anything else raises TrendsDayError."""
    text = str(value).strip().lower()
    if text in OFF:
        return None
    for i, name in enumerate(WEEKDAYS):
        if text == name or (len(text) >= 3 and name.startswith(text)):
            return i
    raise TrendsDayError(f"{where}: expected a weekday (monday ... sunday) or 'off', got {value!r}")


def trends_day(settings) -> int | None:
    """The weekday the chart goes out (0 = Monday), or None when switched off. The environment wins."""
    d = build_settings(settings).delivery
    where = TRENDS_DAY_ENV if d.trends_day_from_env else "sources.yaml settings.trends_day"
    return parse_trends_day(d.trends_day, where)


def period_day(now: datetime, weekday: int) -> date:
    """The most recent trends day on or before `now` (UTC): the chart that is due belongs to that day."""
    today = day_start(now).date()
    return today - timedelta(days=(today.weekday() - weekday) % 7)


def trends_dir(settings=None) -> Path:
    """Where the charts are saved: BORDERWATCH_TRENDS_DIR, default ./trends."""
    return Path(build_settings(settings).delivery.trends_dir)


def chart_filename(week: str) -> str:
    return f"borderwatch-trends-{week}.png"


# -- messages -------------------------------------------------------------------------------------------


def slack_comment(trends: Trends) -> str:
    """The file's comment in Slack mrkdwn: headline sentence first, then one line per topic (escaped)."""
    lines = [f"*Weekly trends* · {escape(trends.week_label)}", escape(trends.sentence)]
    lines += ["• " + escape(line) for line in trends.lines()]
    if trends.where:
        lines.append(escape(trends.where_line()))
    return clip_lines(lines, MAX_COMMENT)


def alt_text(trends: Trends) -> str:
    return clip(
        f"Line charts: matched articles per week for {len(trends.charted)} topics over the last "
        f"{len(trends.weeks)} weeks. {trends.sentence} " + " ".join(line + "." for line in trends.lines()),
        MAX_ALT,
    )


def clip_lines(lines: list[str], limit: int) -> str:
    out: list[str] = []
    for line in lines:
        if sum(len(x) + 1 for x in out) + len(line) > limit:
            out.append("…")
            break
        out.append(line)
    return "\n".join(out)


def chart_part(trends: Trends, week: str, path: Path) -> dict:
    """The chart's file part payload (alerts/delivery.py, Deliverer.upload): the saved PNG, what Slack shows
    with it, and the text for channels that cannot carry a file (webhook: mrkdwn; console: plain)."""
    comment = slack_comment(trends)
    return {
        "path": str(path),
        "filename": chart_filename(week),
        "title": f"borderwatch trends, {trends.week_label}",
        "comment": comment,
        "alt": alt_text(trends),
        "text": comment + f"\nChart saved on the borderwatch host: `{code(str(path))}`",
        "summary": trends.summary() + f"\nChart saved to {path}",
    }


# -- the weekly step ------------------------------------------------------------------------------------


@dataclass
class TrendsOutcome:
    status: str  # off | already_sent | empty | sent | recovered | failed | config_error
    week: str | None = None
    sentence: str | None = None
    path: str | None = None
    file_id: str | None = None
    error: str | None = None


def maybe_send_weekly_trends(
    store: Store,
    deliverer,
    ruleset: RuleSet | None,
    now: datetime,
    settings,
    weeks: int = DEFAULT_WEEKS,
) -> TrendsOutcome:
    """Send this week's chart if it is due and not sent yet. Never raises for expected failures: the
    outcome carries the error and the chart is retried on the next run. `settings`: a Settings (or a
    sources.yaml settings mapping, built into one with the environment)."""
    settings = build_settings(settings)
    try:
        day = trends_day(settings)
    except TrendsDayError as exc:
        return TrendsOutcome("config_error", error=str(exc))
    if day is None:
        return TrendsOutcome("off")
    week = period_day(now, day).isoformat()
    # an unfinished older chart is not sent late once a newer one is due; a later week's sent chart
    # (trends_day moved earlier in the week) covers this one
    row, later = due_chart(store, week)
    if later or (row is not None and row.status in ("sent", "superseded")):
        return TrendsOutcome("already_sent", week=week, sentence=row.sentence if row else None)
    trends = compute_trends(store, ruleset, day_start(date.fromisoformat(week)), weeks, generated_at=now)
    if row is None:
        if trends.empty or trends.total.average is None:
            # nothing matched, or no watched week before this one to compare with (the first weeks after
            # installing): a chart would say nothing yet
            return TrendsOutcome("empty", week=week, sentence=trends.sentence)
        row = claim_chart(store, week, deliverer.kind, trends.sentence)
        if row.status == "sent":
            return TrendsOutcome("already_sent", week=week, sentence=row.sentence, path=row.path)
    out = TrendsOutcome("sent", week=week, sentence=trends.sentence)
    try:
        path = save_png(trends, trends_dir(settings) / chart_filename(week))
    except OSError as exc:
        queue.mark_part_failed(store, row.part_id, row.status, f"could not save the chart: {exc}")
        out.status, out.error = "failed", f"could not save the trends chart: {exc}"
        return out
    out.path = str(path)
    refresh_chart(store, row, trends.sentence, chart_part(trends, week, path))
    try:
        uploaded = send_digest(store, row.digest_id, deliverer)
    except DeliveryError as exc:
        out.status, out.error = "failed", str(exc)
        return out
    out.status = "sent" if uploaded else "recovered"  # recovered: an earlier attempt was found in Slack
    out.file_id = chart_of(store, week).file_id
    return out
