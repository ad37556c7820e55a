"""The feedback listener: Slack's Socket Mode, so clicks reach borderwatch without a public URL.

slack-sdk's built-in SocketModeClient opens the connection with apps.connections.open (the app-level
token SLACK_APP_TOKEN, scope connections:write), keeps it alive and reconnects by itself. Every envelope is
acknowledged first (Slack wants the ack within 3 seconds, and re-delivers otherwise); a button click is then
handled by alerts/feedback.py on the client's worker threads. `borderwatch schedule` runs it next to the
daily job; `borderwatch listen` runs it alone (for a cron-driven setup).
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass

from borderwatch.alerts.feedback import FeedbackHandler
from borderwatch.logs import redact
from borderwatch.store import Store

log = logging.getLogger("borderwatch.listen")


class ListenerConfigError(Exception):
    """SLACK_APP_TOKEN / SLACK_BOT_TOKEN missing or wrong (the message says what to set)."""


@dataclass
class ListenerSettings:
    app_token: str
    bot_token: str
    api_url: str | None = None

    @classmethod
    def from_env(cls, env=None) -> ListenerSettings | None:
        """None when SLACK_APP_TOKEN is not set (feedback off); an error when it is set but unusable."""
        env = os.environ if env is None else env
        app = (env.get("SLACK_APP_TOKEN") or "").strip()
        if not app:
            return None
        if not app.startswith("xapp-"):
            raise ListenerConfigError(
                "SLACK_APP_TOKEN must be an app-level token (xapp-..., scope connections:write; Basic "
                "Information > App-Level Tokens in the app's settings), not a bot or user token"
            )
        bot = (env.get("SLACK_BOT_TOKEN") or "").strip()
        if not bot:
            raise ListenerConfigError(
                "feedback needs SLACK_BOT_TOKEN too (to update the digest message after a click)"
            )
        return cls(app, bot, (env.get("SLACK_API_URL") or "").strip() or None)


class FeedbackListener:
    def __init__(self, store: Store, settings: ListenerSettings, ping_interval: float = 10):
        from slack_sdk import WebClient
        from slack_sdk.socket_mode import SocketModeClient

        from borderwatch.alerts.delivery import _rate_limit_handler

        kwargs = {}
        if settings.api_url:
            url = settings.api_url
            kwargs["base_url"] = url if url.endswith("/") else url + "/"
        self.web = WebClient(
            token=settings.bot_token, timeout=20, retry_handlers=[_rate_limit_handler()], **kwargs
        )
        self.handler = FeedbackHandler(store, self.web)
        self.client = SocketModeClient(
            app_token=settings.app_token,
            web_client=self.web,
            ping_interval=ping_interval,
            logger=logging.getLogger("borderwatch.listen.socket"),
        )
        self.client.socket_mode_request_listeners.append(self._on_request)
        self.handled = 0
        self.failures = 0
        self.idle = threading.Event()

    def _on_request(self, client, req) -> None:
        from slack_sdk.socket_mode.response import SocketModeResponse

        client.send_socket_mode_response(SocketModeResponse(envelope_id=req.envelope_id))  # ack first
        if req.type != "interactive" or (req.payload or {}).get("type") != "block_actions":
            return
        try:
            self.handler.handle(req.payload)
            self.handled += 1
        except Exception:  # unexpected: logged with its traceback and counted; the listener goes on
            self.failures += 1
            log.exception("feedback click could not be handled (%s so far)", self.failures)

    def start(self) -> None:
        """Open the connection; raises ListenerConfigError when Slack refuses the app token."""
        from slack_sdk.errors import SlackApiError

        try:
            self.client.connect()
        except SlackApiError as exc:
            err = exc.response.get("error") if exc.response is not None else None
            raise ListenerConfigError(
                f"Slack refused SLACK_APP_TOKEN ({err or 'error'}): create an app-level token with "
                "connections:write and switch Socket Mode on (see docs/slack.md)"
            ) from None
        except Exception as exc:
            raise ListenerConfigError(f"cannot open the Socket Mode connection: {redact(str(exc))}") from None
        log.info("listening for feedback clicks (Socket Mode)")

    def close(self) -> None:
        try:
            self.client.close()
        except Exception as exc:  # closing a half-open socket: nothing left to save
            log.debug("socket mode close: %s", exc)


def start_if_configured(store: Store) -> FeedbackListener | None:
    """The listener for `schedule`, when SLACK_APP_TOKEN is set; a bad setting is logged, not fatal."""
    try:
        settings = ListenerSettings.from_env()
        if settings is None:
            return None
        listener = FeedbackListener(store, settings)
        listener.start()
        return listener
    except ListenerConfigError as exc:
        log.error("feedback buttons are not listened to: %s", exc)
        return None
