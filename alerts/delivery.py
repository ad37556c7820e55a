"""Delivery channels behind one small interface, chosen from the environment:

SLACK_BOT_TOKEN + SLACK_CHANNEL -> Slack Web API (chat.postMessage, optional SLACK_API_URL base)
SLACK_WEBHOOK_URL               -> Slack incoming webhook
neither                         -> console

Destinations. A digest goes to one destination, named by a key stored with it in the outbox:
"default" (SLACK_CHANNEL / SLACK_WEBHOOK_URL / the console, whatever the environment says at send time),
"slack:C0POLICY1" (a channel ID, Web API), "webhook:POLICY_HOOK" (the env var holding a webhook URL). A rule
names its topic's destination (`channel`, `webhook_env`); `Deliverer.route(rule)` turns that into a key,
`Deliverer.to(key)` gives the deliverer for a key. Other kinds (e.g. "apprise:NAME") plug in the same way.

A part is a message (post), an Apprise notification, or a file (upload: the weekly trends chart). Every Web
API post carries message metadata (event type `borderwatch_digest_part`, digest and part id), so a
post whose answer was lost can be found again in the channel (conversations.history, or conversations.replies
for a thread reply) before anything is re-sent. Only 429 answers are retried inside a run (honouring
Retry-After, up to a cap); slack-sdk's connection-error retry is left out on purpose because it re-posts a
message Slack may already have accepted: the outbox decides re-sends instead. An uploaded file is found
again by the file id Slack issued for it (files.info) rather than by metadata.
"""

from __future__ import annotations

import logging
import os
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TextIO

from borderwatch.logs import redact as _redact

log = logging.getLogger(__name__)

EVENT_TYPE = "borderwatch_digest_part"
MAX_RETRY_AFTER = 120  # seconds; a longer rate-limit pause ends the run (the parts stay queued)
LOOKUP_SLACK = timedelta(minutes=10)  # clock skew margin when searching the history from a digest's creation
CHANNEL_ID_RE = re.compile(r"^[CGD][A-Z0-9]{2,}$")  # uploads need a channel ID, not a #name

HINTS = {
    "invalid_auth": "SLACK_BOT_TOKEN is not valid",
    "not_authed": "SLACK_BOT_TOKEN is not valid",
    "account_inactive": "the bot token belongs to a deactivated app or user",
    "token_revoked": "the bot token was revoked",
    "channel_not_found": "SLACK_CHANNEL does not exist or the bot cannot see it (use the channel ID, e.g. C0123ABCD)",
    "not_in_channel": "invite the bot to the channel (/invite @borderwatch)",
    "is_archived": "the channel is archived",
    "missing_scope": "the bot token lacks a scope (chat:write; channels:history or groups:history)",
    "invalid_blocks": "Slack rejected the message layout (a bug: please report it)",
    "msg_too_long": "Slack rejected the message length (a bug: please report it)",
}
LOOKUP_IMPOSSIBLE = {
    "missing_scope",
    "not_in_channel",
    "channel_not_found",
    "method_not_supported_for_channel_type",
}


class DeliveryError(Exception):
    """Sending failed. `maybe_sent` is True when Slack may have accepted the post (timeout, 5xx, lost answer)."""

    def __init__(self, message: str, maybe_sent: bool, code: str | None = None):
        super().__init__(message)
        self.maybe_sent = maybe_sent
        self.code = code  # Slack's error code, when it answered with one


class LookupUnavailable(Exception):
    """The channel cannot be searched for an earlier post (no history scope, webhook, console)."""


@dataclass
class PartRef:
    digest_id: int
    part_id: int
    idx: int  # 1-based
    total: int
    thread_ts: str | None = None  # post as a reply under this message
    since: datetime | None = None  # the part cannot have been posted before this
    channel_id: str | None = None  # where an earlier attempt went, if Slack told us
    file_id: str | None = None  # a file part: the id Slack issued to an earlier upload


@dataclass
class Posted:
    ts: str | None = None
    channel_id: str | None = None
    file_id: str | None = None  # an uploaded file's id


def _transport_error(exc: BaseException, what: str) -> DeliveryError:
    """A connection-level failure. Refused: the post never left. Anything else: it may have arrived."""
    text = _redact(str(exc) or type(exc).__name__)
    refused = isinstance(exc, ConnectionRefusedError) or "refused" in text.lower()
    if isinstance(getattr(exc, "reason", None), ConnectionRefusedError):
        refused = True
    kind = "unreachable" if refused else "did not answer"
    return DeliveryError(f"{what} {kind}: {text}", maybe_sent=not refused)


DEFAULT_DESTINATION = "default"


def destination_key(kind: str, name: str) -> str:
    return f"{kind}:{name}"


def split_destination(key: str) -> tuple[str, str]:
    """("slack", "C0POLICY1") for "slack:C0POLICY1"; ("default", "") for the default destination."""
    kind, _, name = key.partition(":")
    return kind, name


def describe_destination(key: str) -> str:
    kind, name = split_destination(key)
    if kind == DEFAULT_DESTINATION:
        return "the default channel"
    if kind == "slack":
        return f"channel {name}"
    if kind == "webhook":
        return f"the webhook in ${name}"
    if kind == "apprise":
        from .notify import describe

        return describe(name)
    return key


class Deliverer:
    kind = "console"
    can_lookup = False
    supports_threads = False
    interactive = False  # messages may carry buttons whose clicks come back (Web API + Socket Mode)

    def route(self, rule) -> str:
        """The destination key for a rule's items: its `channel`, else its `webhook_env`, else the default."""
        if getattr(rule, "channel", None):
            return destination_key("slack", rule.channel)
        if getattr(rule, "webhook_env", None):
            return destination_key("webhook", rule.webhook_env)
        return DEFAULT_DESTINATION

    def to(self, destination: str) -> Deliverer:
        """The deliverer for a destination key. Raises DeliveryError (nothing sent) when it cannot be reached
        from this environment; the digest then waits in the outbox for a run that can."""
        if destination == DEFAULT_DESTINATION:
            return self
        kind, name = split_destination(destination)
        if kind == "webhook":
            return _webhook_from_env(name, getattr(self, "timeout", 20))
        if kind == "apprise":
            from .notify import apprise_target

            return apprise_target(name)
        raise DeliveryError(
            f"{describe_destination(destination)} needs the Slack Web API (SLACK_BOT_TOKEN and "
            f"SLACK_CHANNEL); this run delivers through {self.kind}",
            maybe_sent=False,
        )

    def post(self, blocks: list[dict], text: str, ref: PartRef) -> Posted:
        raise NotImplementedError

    def find_posted(self, ref: PartRef) -> Posted | None:
        """Where an earlier attempt of this part landed, None if it did not; LookupUnavailable if unknowable."""
        raise LookupUnavailable(f"{self.kind} delivery cannot read the channel back")

    def upload(
        self,
        file: dict,
        ref: PartRef,
        on_file_id: Callable[[str], None] | None = None,
        unconfirmed: bool = False,
    ) -> Posted:
        """Send a file part (`file`: its payload, see alerts/trends_delivery.chart_part). A channel that
        cannot carry a file gets its text, which says where the file was saved."""
        return self.post([], _unconfirmed(file.get("text", ""), unconfirmed), ref)

    def find_uploaded(self, ref: PartRef) -> Posted | None:
        """find_posted for a file part: where an earlier upload landed, None if it did not."""
        return self.find_posted(ref)


# What a re-sent part says on every medium when the earlier attempt's outcome is unknown (alerts/outbox.py).
UNCONFIRMED = "Re-sent: an earlier attempt to send this part could not be confirmed, so it may appear twice."


def _unconfirmed(text: str, unconfirmed: bool) -> str:
    return f"({UNCONFIRMED})\n{text}" if unconfirmed else text


class ConsoleDeliverer(Deliverer):
    kind = "console"

    def __init__(self, out: TextIO | None = None, label: str | None = None):
        self.out = out or sys.stdout
        self.label = label

    def to(self, destination: str) -> Deliverer:
        """The console prints every destination's digest, each under a line naming where it would go."""
        if destination == DEFAULT_DESTINATION:
            return self
        if split_destination(destination)[0] == "apprise":  # Apprise destinations are real, Slack or not
            return super().to(destination)
        return ConsoleDeliverer(self.out, label=describe_destination(destination))

    def post(self, blocks, text, ref):
        from .digest import to_terminal

        if self.label and ref.idx == 1:
            self.out.write(f"[for {self.label}]\n")
        self.out.write(to_terminal(blocks) + "\n")
        self.out.flush()
        return Posted()

    def upload(self, file, ref, on_file_id=None, unconfirmed=False):
        self.out.write(_unconfirmed(file.get("summary", ""), unconfirmed) + "\n\n")
        self.out.flush()
        return Posted()


def _rate_limit_handler(max_retry_count: int = 3, max_wait: int = MAX_RETRY_AFTER):
    """slack-sdk's RateLimitErrorRetryHandler (sleeps Retry-After), but gives up on an unreasonable pause."""
    from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

    class CappedRateLimitRetryHandler(RateLimitErrorRetryHandler):
        def _can_retry(self, *, state, request, response=None, error=None) -> bool:
            if not super()._can_retry(state=state, request=request, response=response, error=error):
                return False
            for k, v in (response.headers or {}).items():
                if k.lower() == "retry-after":
                    try:
                        wait = int((v[0] if isinstance(v, list) else v) or 0)
                    except ValueError:
                        return True
                    if wait > max_wait:
                        log.warning(
                            "Slack asks to wait %ss (over %ss): giving up for this run", wait, max_wait
                        )
                        return False
                    log.info("Slack rate limit: waiting %ss as asked", wait)
            return True

    return CappedRateLimitRetryHandler(max_retry_count=max_retry_count)


class SlackApiDeliverer(Deliverer):
    kind = "slack"
    can_lookup = True
    supports_threads = True

    def __init__(
        self,
        token: str,
        channel: str,
        base_url: str | None = None,
        timeout: int = 20,
        client=None,
        interactive: bool = False,
    ):
        self.token, self.base_url, self.timeout = token, base_url, timeout
        self._client = client
        self.channel = channel
        self.interactive = interactive  # feedback buttons: only when a listener can receive the clicks

    @property
    def client(self):
        """The WebClient, made on first use: a run with nothing to send never imports slack-sdk (~0.1 s)."""
        if self._client is None:
            self._client = self._web_client()
        return self._client

    def _web_client(self, cls=None):
        """A slack-sdk WebClient (or subclass `cls`) with this deliverer's token, base URL and timeout, and
        only 429s retried."""
        from slack_sdk import WebClient

        kwargs = {}
        if self.base_url:
            kwargs["base_url"] = self.base_url if self.base_url.endswith("/") else self.base_url + "/"
        return (cls or WebClient)(
            token=self.token, timeout=self.timeout, retry_handlers=[_rate_limit_handler()], **kwargs
        )

    def route(self, rule) -> str:
        if getattr(rule, "channel", None) == self.channel:  # the default channel named explicitly
            return DEFAULT_DESTINATION
        return super().route(rule)

    def to(self, destination: str) -> Deliverer:
        kind, name = split_destination(destination)
        if kind == "slack":
            if name == self.channel:
                return self
            return SlackApiDeliverer(
                self.token,
                name,
                self.base_url,
                self.timeout,
                client=self.client,
                interactive=self.interactive,
            )
        return super().to(destination)

    def _call(self, fn, lookup: bool = False, **kwargs):
        from slack_sdk.errors import SlackApiError

        try:
            return fn(**kwargs)
        except SlackApiError as exc:
            resp = exc.response
            status = resp.status_code if resp is not None else 0
            err = resp.get("error") if resp is not None and isinstance(resp.data, dict) else None
            if lookup and err in LOOKUP_IMPOSSIBLE:
                raise LookupUnavailable(f"{err}: {HINTS.get(err, '')}".rstrip(": ")) from None
            if status == 429:
                wait = (resp.headers or {}).get("retry-after") or (resp.headers or {}).get("Retry-After")
                raise DeliveryError(
                    f"Slack rate limit: asked to wait {wait or '?'}s", maybe_sent=False
                ) from None
            if status >= 500 or status == 0:
                raise DeliveryError(f"Slack is failing: HTTP {status}", maybe_sent=True, code=err) from None
            hint = HINTS.get(err or "", "")
            raise DeliveryError(
                _redact(f"Slack API error: {err or 'HTTP ' + str(status)}" + (f" ({hint})" if hint else "")),
                maybe_sent=False,
                code=err,
            ) from None
        except Exception as exc:  # urllib: URLError / timeouts / resets (OSError family) and the rest
            raise _transport_error(exc, "Slack") from None

    def post(self, blocks, text, ref):
        resp = self._call(
            self.client.chat_postMessage,
            channel=ref.channel_id or self.channel,
            text=text,
            blocks=blocks,
            thread_ts=ref.thread_ts,
            unfurl_links=False,
            unfurl_media=False,
            metadata={
                "event_type": EVENT_TYPE,
                "event_payload": {
                    "digest_id": ref.digest_id,
                    "part_id": ref.part_id,
                    "part": ref.idx,
                    "of": ref.total,
                },
            },
        )
        return Posted(ts=resp.get("ts"), channel_id=resp.get("channel"))

    def find_posted(self, ref: PartRef) -> Posted | None:
        """Look for this part by its metadata: thread replies via conversations.replies, else the history."""
        channel = ref.channel_id or self.channel
        cursor = None
        for _ in range(20):  # 20 pages x 200 messages: far more than a channel gets between two runs
            if ref.thread_ts:
                resp = self._call(
                    self.client.conversations_replies,
                    lookup=True,
                    channel=channel,
                    ts=ref.thread_ts,
                    include_all_metadata=True,
                    limit=200,
                    cursor=cursor,
                )
            else:
                oldest = f"{(ref.since - LOOKUP_SLACK).timestamp():.6f}" if ref.since else None
                resp = self._call(
                    self.client.conversations_history,
                    lookup=True,
                    channel=channel,
                    include_all_metadata=True,
                    limit=200,
                    oldest=oldest,
                    cursor=cursor,
                )
            for msg in resp.get("messages", []):
                meta = msg.get("metadata") or {}
                payload = meta.get("event_payload") or {}
                if meta.get("event_type") == EVENT_TYPE and payload.get("part_id") == ref.part_id:
                    return Posted(ts=msg.get("ts"), channel_id=channel)
            cursor = (resp.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                break
        return None

    def upload(self, file, ref, on_file_id=None, unconfirmed=False):
        """files_upload_v2 into the channel, with the file's comment. The file id goes to `on_file_id` the
        moment step 1 issues it; only step 3 (files.completeUploadExternal) shares the file, so a failure
        before step 3 began surely shared nothing. Only 429s are retried: a connection retry could share
        the upload a second time. (Never `unconfirmed`: find_uploaded always knows.)"""
        channel = ref.channel_id or self.channel
        if not CHANNEL_ID_RE.match(channel or ""):
            raise DeliveryError(
                f"SLACK_CHANNEL must be a channel ID (like C0123ABCD) to upload the trends chart, "
                f"got {channel!r}",
                maybe_sent=False,
            )
        try:
            data = Path(file["path"]).read_bytes()
        except OSError as exc:
            raise DeliveryError(f"could not read {file['path']}: {exc}", maybe_sent=False) from None
        client = self._web_client(_tracking_client(on_file_id))
        try:
            resp = self._call(
                client.files_upload_v2,
                channel=channel,
                file=data,
                filename=file.get("filename"),
                title=file.get("title"),
                alt_txt=file.get("alt"),
                initial_comment=file.get("comment"),
            )
        except DeliveryError as exc:
            detail = f"{exc} ({exc.code})" if exc.code and exc.code not in str(exc) else str(exc)
            raise DeliveryError(
                f"Slack upload failed: {detail}",
                maybe_sent=exc.maybe_sent and client.completing,
                code=exc.code,
            ) from None
        f = resp.get("file") or {}
        return Posted(ts=_share_ts(f, channel), channel_id=channel, file_id=f.get("id"))

    def find_uploaded(self, ref: PartRef) -> Posted | None:
        """Whether an earlier upload of this file part reached the channel: files.info on the file id kept
        from step 1. No file id: nothing could have been shared. Slack cannot answer: DeliveryError (not
        LookupUnavailable), so the part stays 'sending' rather than risk a second copy."""
        if not ref.file_id:
            return None
        channel = ref.channel_id or self.channel
        try:
            resp = self._call(self.client.files_info, file=ref.file_id)
        except DeliveryError as exc:
            if exc.code == "file_not_found":
                return None
            raise DeliveryError(
                f"could not check an earlier upload with files.info: {exc}", maybe_sent=True, code=exc.code
            ) from None
        f = resp.get("file") or {}
        shared = set(f.get("channels") or []) | set(f.get("groups") or [])
        for kind in ("public", "private"):
            shared |= set(((f.get("shares") or {}).get(kind) or {}).keys())
        if channel not in shared:
            return None
        return Posted(ts=_share_ts(f, channel), channel_id=channel, file_id=ref.file_id)


def _tracking_client(on_file_id: Callable[[str], None] | None):
    """A WebClient class that reports the file id as soon as files_upload_v2's step 1 issues it, and
    whether step 3 (sharing) began (`completing`)."""
    from slack_sdk import WebClient

    class TrackingClient(WebClient):
        completing = False

        def files_getUploadURLExternal(self, **kwargs):
            resp = super().files_getUploadURLExternal(**kwargs)
            if on_file_id and resp.get("file_id"):
                on_file_id(resp["file_id"])
            return resp

        def files_completeUploadExternal(self, **kwargs):
            self.completing = True
            return super().files_completeUploadExternal(**kwargs)

    return TrackingClient


def _share_ts(f: dict, channel: str) -> str | None:
    """The ts of a file's share in `channel` (files.completeUploadExternal and files.info answers)."""
    for kind in ("public", "private"):
        shares = ((f.get("shares") or {}).get(kind) or {}).get(channel) or []
        if shares:
            return shares[0].get("ts")
    return None


class WebhookDeliverer(Deliverer):
    """Incoming webhook: no answer but "ok", so no ts, no threads and no way to read the channel back."""

    kind = "webhook"

    def __init__(self, url: str, timeout: int = 20):
        from slack_sdk.webhook import WebhookClient

        self.client = WebhookClient(url, timeout=timeout, retry_handlers=[_rate_limit_handler()])
        self.timeout = timeout

    def route(self, rule) -> str:
        """A webhook posts to the one channel it was made for: a rule's `channel` needs its `webhook_env`."""
        if getattr(rule, "webhook_env", None):
            return destination_key("webhook", rule.webhook_env)
        if getattr(rule, "channel", None):
            log.warning(
                "rule %s names channel %s but delivery is through an incoming webhook: its items go to "
                "the default webhook (give the rule webhook_env: NAME, or set SLACK_BOT_TOKEN)",
                rule.id,
                rule.channel,
            )
        return DEFAULT_DESTINATION

    def post(self, blocks, text, ref):
        try:
            resp = self.client.send(text=text, blocks=blocks or None, unfurl_links=False, unfurl_media=False)
        except Exception as exc:
            raise _transport_error(exc, "Slack webhook") from None
        if resp.status_code != 200:
            body = _redact(resp.body or "")[:200]
            hint = {
                "no_service": " (the webhook was removed: create a new one)",
                "invalid_token": " (the webhook URL is wrong)",
                "channel_not_found": " (the webhook's channel is gone)",
            }.get(body.strip(), "")
            raise DeliveryError(
                f"Slack webhook answered HTTP {resp.status_code}: {body}{hint}",
                maybe_sent=resp.status_code >= 500,
            )
        return Posted()


def _timeout() -> int:
    try:
        return max(1, int(float(os.environ.get("SLACK_TIMEOUT") or 20)))
    except ValueError:
        return 20


def _webhook_from_env(name: str, timeout: int) -> WebhookDeliverer:
    url = (os.environ.get(name) or "").strip()
    if not url:
        raise DeliveryError(
            f"environment variable {name} (a rule's webhook_env) is not set: set it to that channel's "
            "incoming-webhook URL",
            maybe_sent=False,
        )
    return WebhookDeliverer(url, timeout=timeout)


def from_env(out: TextIO | None = None) -> Deliverer:
    token, channel = os.environ.get("SLACK_BOT_TOKEN"), os.environ.get("SLACK_CHANNEL")
    timeout = _timeout()
    if token and channel:
        return SlackApiDeliverer(
            token,
            channel,
            base_url=os.environ.get("SLACK_API_URL") or None,
            timeout=timeout,
            interactive=bool((os.environ.get("SLACK_APP_TOKEN") or "").strip()),
        )
    hook = os.environ.get("SLACK_WEBHOOK_URL")
    if hook:
        return WebhookDeliverer(hook, timeout=timeout)
    return ConsoleDeliverer(out)
