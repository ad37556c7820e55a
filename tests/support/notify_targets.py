"""Loopback targets for Apprise destinations: a JSON webhook receiver and a real SMTP server (aiosmtpd)."""

from __future__ import annotations

import json
import socket
import threading
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class JsonTarget:
    """Receives Apprise's json:// posts ({"version","title","message","type",...}) on 127.0.0.1.

    `fail_status`: answer every post with this status instead of 200 (a destination that is down)."""

    def __init__(self, host: str = "127.0.0.1"):
        self.posts: list[dict] = []
        self.fail_status: int | None = None
        target = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if target.fail_status:
                    self.send_response(target.fail_status)
                    self.end_headers()
                    return
                target.posts.append(json.loads(body or b"{}"))
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *a):
                pass

        self.httpd = ThreadingHTTPServer((host, 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        """The Apprise URL for this target."""
        return f"json://127.0.0.1:{self.port}/hook"

    def __enter__(self) -> JsonTarget:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@dataclass
class Mail:
    mail_from: str
    rcpt_tos: list[str]
    subject: str
    html: str | None
    text: str | None
    raw: bytes = field(repr=False, default=b"")


class SmtpTarget:
    """A real SMTP server on 127.0.0.1 (aiosmtpd) that keeps every message it accepts."""

    def __init__(self, host: str = "127.0.0.1"):
        from aiosmtpd.controller import Controller

        self.mails: list[Mail] = []
        target = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
                msg = message_from_bytes(envelope.content, policy=policy.default)
                parts = {p.get_content_type(): p.get_content() for p in msg.walk() if not p.is_multipart()}
                target.mails.append(
                    Mail(
                        envelope.mail_from,
                        list(envelope.rcpt_tos),
                        str(msg.get("Subject", "")),
                        parts.get("text/html"),
                        parts.get("text/plain"),
                        envelope.content,
                    )
                )
                return "250 Message accepted for delivery"

        # aiosmtpd's start() connects to its own port to check it is up, so it needs a real port number
        with socket.socket() as probe:
            probe.bind((host, 0))
            self.port = probe.getsockname()[1]
        self.controller = Controller(Handler(), hostname=host, port=self.port)

    @property
    def url(self) -> str:
        """The Apprise URL for this server: plain SMTP on loopback, no TLS, no login."""
        return (
            f"mailto://127.0.0.1:{self.port}?mode=insecure&from=borderwatch@example.org"
            f"&to=consultants@example.org&name=borderwatch"
        )

    def __enter__(self) -> SmtpTarget:
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.controller.stop()
