"""Send the weekly trends chart once, under the same outbox rules as the digest.

Once a week (sources.yaml `settings.trends_day`, or BORDERWATCH_TRENDS_DAY; default monday; `off` disables)
the cycle calls maybe_send_weekly_trends() after the digest:

- Slack Web API: the PNG is uploaded with slack-sdk's files_upload_v2 (files.getUploadURLExternal, the
  bytes to the upload URL, files.completeUploadExternal) into the digest's channel, with the summary as the
  file's comment.
- Webhook and console: a webhook cannot carry a file, so they get the summary and the path of the saved PNG.

Exactly once: the week's chart is a row in `trend_uploads`, written before anything is sent. It is marked
'sending' before the upload; the file id is stored the moment Slack issues it (step 1), and only step 3 can
share the file. So after a crash or a lost answer a row in 'sending' either has no file id (nothing could
have been shared: upload again) or has one, and files.info says whether that file reached the channel.
If Slack cannot be asked, the row stays 'sending' and is checked again next run: never a second copy.
A chart that did not go out on its day is retried on the following runs until the next trends day, when
the newer chart supersedes it.
"""

from __future__ import annotations

import logging
import re
import sys
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from borderwatch.config import DEFAULTS, TRENDS_DAY_ENV, build_settings
from borderwatch.logs import redact as _redact
from borderwatch.store import Store
from borderwatch.store.trends import TrendChart, claim_chart, due_chart, update_chart

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
CHANNEL_ID_RE = re.compile(r"^[CGD][A-Z0-9]{2,}$")


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


# -- Slack upload ---------------------------------------------------------------------------------------


class UploadError(Exception):
    """The upload failed. `maybe_sent`: the file may have been shared (step 3 was under way)."""

    def __init__(self, message: str, maybe_sent: bool):
        super().__init__(message)
        self.maybe_sent = maybe_sent


class SlackTrendsUploader:
    """files_upload_v2 into the digest's channel, with the step it reached tracked for recovery."""

    def __init__(self, deliverer):
        from slack_sdk import WebClient
        from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

        base = deliverer.client

        class TrackingClient(WebClient):
            """Reports the file id as soon as step 1 issues it, and whether step 3 (sharing) began."""

            on_file_id = None
            completing = False

            def files_getUploadURLExternal(self, **kwargs):
                resp = super().files_getUploadURLExternal(**kwargs)
                if self.on_file_id and resp.get("file_id"):
                    self.on_file_id(resp["file_id"])
                return resp

            def files_completeUploadExternal(self, **kwargs):
                self.completing = True
                return super().files_completeUploadExternal(**kwargs)

        # Same token, base URL and timeout as the digest's client; only 429s are retried (a connection
        # retry could complete, i.e. share, the upload a second time).
        self.client = TrackingClient(
            token=base.token,
            base_url=base.base_url,
            timeout=base.timeout,
            retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=3)],
        )
        self.channel = deliverer.channel

    def upload(self, data: bytes, filename: str, title: str, comment: str, alt: str, on_file_id) -> dict:
        """Upload and share; returns {'file_id', 'ts'}. Raises UploadError."""
        from slack_sdk.errors import SlackApiError, SlackClientError

        if not CHANNEL_ID_RE.match(self.channel or ""):
            raise UploadError(
                f"SLACK_CHANNEL must be a channel ID (like C0123ABCD) to upload the trends chart, "
                f"got {self.channel!r}",
                maybe_sent=False,
            )
        client = self.client
        client.on_file_id, client.completing = on_file_id, False
        try:
            resp = client.files_upload_v2(
                channel=self.channel,
                file=data,
                filename=filename,
                title=title,
                alt_txt=alt,
                initial_comment=comment,
            )
        except SlackApiError as exc:
            status = exc.response.status_code if exc.response is not None else 0
            err = exc.response.get("error") if exc.response is not None else None
            raise UploadError(
                _redact(f"Slack API error: {err or 'HTTP ' + str(status)}"),
                maybe_sent=client.completing and (status >= 500 or status == 0),
            ) from None
        except (SlackClientError, OSError, TimeoutError) as exc:
            text = _redact(str(exc) or type(exc).__name__)
            raise UploadError(f"Slack upload failed: {text}", maybe_sent=client.completing) from None
        except Exception as exc:  # anything unexpected mid-flight: unknown if step 3 went through
            raise UploadError(
                _redact(f"Slack upload failed: {type(exc).__name__}: {exc}"), maybe_sent=client.completing
            ) from None
        f = resp.get("file") or {}
        return {"file_id": f.get("id"), "ts": _share_ts(f, self.channel)}

    def find_shared(self, file_id: str) -> tuple[bool, str | None]:
        """(shared in our channel?, ts) for a file an earlier attempt uploaded. Raises UploadError when
        Slack cannot answer (the caller then leaves the chart in 'sending': no second copy)."""
        from slack_sdk.errors import SlackApiError, SlackClientError

        try:
            resp = self.client.files_info(file=file_id)
        except SlackApiError as exc:
            err = exc.response.get("error") if exc.response is not None else None
            if err == "file_not_found":
                return False, None
            raise UploadError(
                _redact(f"could not check an earlier upload with files.info: {err or exc}"), maybe_sent=True
            ) from None
        except (SlackClientError, OSError, TimeoutError) as exc:
            raise UploadError(
                _redact(f"could not check an earlier upload with files.info: {exc}"), maybe_sent=True
            ) from None
        f = resp.get("file") or {}
        channels = set(f.get("channels") or []) | set(f.get("groups") or [])
        for kind in ("public", "private"):
            channels |= set(((f.get("shares") or {}).get(kind) or {}).keys())
        if self.channel in channels:
            return True, _share_ts(f, self.channel)
        return False, None


def _share_ts(f: dict, channel: str) -> str | None:
    for kind in ("public", "private"):
        shares = ((f.get("shares") or {}).get(kind) or {}).get(channel) or []
        if shares:
            return shares[0].get("ts")
    return None


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
        update_chart(store, row, last_error=f"could not save the chart: {exc}")
        out.status, out.error = "failed", f"could not save the trends chart: {exc}"
        return out
    out.path = str(path)
    update_chart(store, row, path=out.path, sentence=trends.sentence)
    if deliverer.kind == "slack":
        return _send_slack(store, deliverer, row, trends, path, out)
    return _send_text(store, deliverer, row, trends, out)


def _send_slack(store, deliverer, row: TrendChart, trends: Trends, path: Path, out: TrendsOutcome):
    uploader = SlackTrendsUploader(deliverer)
    if row.status == "sending" and row.file_id:
        try:
            shared, ts = uploader.find_shared(row.file_id)
        except UploadError as exc:
            update_chart(store, row, last_error=str(exc))
            out.status, out.error, out.file_id = "failed", str(exc), row.file_id
            return out
        if shared:
            update_chart(store, row, status="sent", ts=ts)
            out.status, out.file_id = "recovered", row.file_id
            return out
    update_chart(store, row, status="sending", file_id=None, attempts=(row.attempts or 0) + 1)
    try:
        got = uploader.upload(
            path.read_bytes(),
            filename=chart_filename(row.week),
            title=f"borderwatch trends, {trends.week_label}",
            comment=slack_comment(trends),
            alt=alt_text(trends),
            on_file_id=lambda fid: update_chart(store, row, file_id=fid),
        )
    except UploadError as exc:
        update_chart(store, row, status="sending" if exc.maybe_sent else "pending", last_error=str(exc))
        out.status, out.error = "failed", str(exc)
        return out
    update_chart(store, row, status="sent", file_id=got["file_id"], ts=got["ts"])
    out.file_id = got["file_id"]
    return out


def _send_text(store, deliverer, row: TrendChart, trends: Trends, out: TrendsOutcome):
    """Webhook and console: the summary and where the PNG was saved. A webhook cannot be searched, so (as
    for the digest) a post whose answer was lost is sent again next run."""
    update_chart(store, row, status="sending", attempts=(row.attempts or 0) + 1)
    if deliverer.kind == "webhook":
        text = slack_comment(trends) + f"\nChart saved on the borderwatch host: `{code(out.path)}`"
        try:
            resp = deliverer.client.send(text=text, unfurl_links=False, unfurl_media=False)
            ok, detail = resp.status_code == 200, f"HTTP {resp.status_code}"
            maybe = resp.status_code >= 500
        except Exception as exc:
            msg = _redact(str(exc) or type(exc).__name__)
            ok, detail, maybe = False, msg, "refused" not in msg.lower()
        if not ok:
            error = f"Slack webhook: {detail}"
            update_chart(store, row, status="sending" if maybe else "pending", last_error=error)
            out.status, out.error = "failed", error
            return out
    else:
        stream = getattr(deliverer, "out", None) or sys.stdout
        stream.write(trends.summary() + f"\nChart saved to {out.path}\n\n")
        stream.flush()
    update_chart(store, row, status="sent")
    return out
