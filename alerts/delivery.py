"""Delivery channels behind one small interface, chosen from the environment:

SLACK_BOT_TOKEN + SLACK_CHANNEL -> Slack Web API (chat.postMessage, optional SLACK_API_URL base)
SLACK_WEBHOOK_URL               -> Slack incoming webhook
neither                         -> console
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from typing import TextIO

EVENT_TYPE = "borderwatch_digest_part"


class DeliveryError(Exception):
    """Sending failed. `maybe_sent` is True when Slack may have accepted the post (timeout, 5xx, lost answer)."""

    def __init__(self, message: str, maybe_sent: bool):
        super().__init__(message)
        self.maybe_sent = maybe_sent


@dataclass
class PartRef:
    digest_id: int
    part_id: int
    idx: int
    total: int


class Deliverer:
    kind = "console"
    can_lookup = False

    def post(self, blocks: list[dict], text: str, ref: PartRef, thread_ts: str | None = None) -> str | None:
        raise NotImplementedError

    def find_posted(self, ref: PartRef) -> str | None:
        """ts of an earlier post of this part, if the channel can be searched."""
        return None


class ConsoleDeliverer(Deliverer):
    kind = "console"

    def __init__(self, out: TextIO | None = None):
        self.out = out or sys.stdout

    def post(self, blocks, text, ref, thread_ts=None):
        from .slacktext import unescape

        self.out.write(unescape(text).rstrip() + "\n\n")
        self.out.flush()
        return None


def _redact(message: str) -> str:
    for var in ("SLACK_BOT_TOKEN", "SLACK_WEBHOOK_URL"):
        secret = os.environ.get(var)
        if secret:
            message = message.replace(secret, "[redacted]")
    return message


class SlackApiDeliverer(Deliverer):
    kind = "slack"
    can_lookup = True

    def __init__(self, token: str, channel: str, base_url: str | None = None, timeout: int = 20):
        from slack_sdk import WebClient
        from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

        kwargs = {}
        if base_url:
            kwargs["base_url"] = base_url if base_url.endswith("/") else base_url + "/"
        # Only 429s are retried (honouring Retry-After). The default connection-error retry is left out on
        # purpose: it can re-post a message Slack already accepted; the outbox decides re-sends instead.
        self.client = WebClient(
            token=token,
            timeout=timeout,
            retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=3)],
            **kwargs,
        )
        self.channel = channel
        self._channel_id: str | None = None

    def _call(self, fn, **kwargs):
        from slack_sdk.errors import SlackApiError, SlackClientError

        try:
            return fn(**kwargs)
        except SlackApiError as exc:
            status = exc.response.status_code if exc.response is not None else 0
            err = exc.response.get("error") if exc.response is not None else None
            maybe = status >= 500 or status == 0
            raise DeliveryError(
                _redact(f"Slack API error: {err or 'HTTP ' + str(status)}"), maybe_sent=maybe
            ) from None
        except (SlackClientError, OSError, TimeoutError) as exc:
            text = _redact(str(exc) or type(exc).__name__)
            refused = "refused" in text.lower() or isinstance(exc, ConnectionRefusedError)
            raise DeliveryError(f"Slack unreachable: {text}", maybe_sent=not refused) from None
        except Exception as exc:  # urllib raises URLError (an OSError) mostly; anything else: unknown state
            raise DeliveryError(
                _redact(f"Slack request failed: {type(exc).__name__}: {exc}"), maybe_sent=True
            ) from None

    def post(self, blocks, text, ref, thread_ts=None):
        resp = self._call(
            self.client.chat_postMessage,
            channel=self.channel,
            text=text,
            blocks=blocks,
            thread_ts=thread_ts,
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
        if resp.get("channel"):
            self._channel_id = resp["channel"]
        return resp.get("ts")

    def find_posted(self, ref: PartRef) -> str | None:
        """Look for this part in recent channel history by its metadata (lost-acknowledgement recovery)."""
        cursor = None
        for _ in range(10):
            resp = self._call(
                self.client.conversations_history,
                channel=self._channel_id or self.channel,
                include_all_metadata=True,
                limit=200,
                cursor=cursor,
            )
            for msg in resp.get("messages", []):
                meta = msg.get("metadata") or {}
                payload = meta.get("event_payload") or {}
                if meta.get("event_type") == EVENT_TYPE and payload.get("part_id") == ref.part_id:
                    return msg.get("ts")
            cursor = (resp.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                break
        return None


class WebhookDeliverer(Deliverer):
    kind = "webhook"

    def __init__(self, url: str, timeout: int = 20):
        from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
        from slack_sdk.webhook import WebhookClient

        self.client = WebhookClient(
            url, timeout=timeout, retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=3)]
        )

    def post(self, blocks, text, ref, thread_ts=None):
        try:
            resp = self.client.send(text=text, blocks=blocks, unfurl_links=False, unfurl_media=False)
        except Exception as exc:
            msg = _redact(str(exc) or type(exc).__name__)
            raise DeliveryError(
                f"Slack webhook unreachable: {msg}", maybe_sent="refused" not in msg.lower()
            ) from None
        if resp.status_code != 200:
            raise DeliveryError(
                f"Slack webhook answered HTTP {resp.status_code}: {_redact(resp.body or '')[:200]}",
                maybe_sent=resp.status_code >= 500,
            )
        return None


def from_env(out: TextIO | None = None) -> Deliverer:
    token, channel = os.environ.get("SLACK_BOT_TOKEN"), os.environ.get("SLACK_CHANNEL")
    if token and channel:
        return SlackApiDeliverer(token, channel, base_url=os.environ.get("SLACK_API_URL") or None)
    hook = os.environ.get("SLACK_WEBHOOK_URL")
    if hook:
        return WebhookDeliverer(hook)
    return ConsoleDeliverer(out)
