"""A loopback fake of the Slack Web API (auth.test, chat.postMessage, conversations.history) and of an
incoming webhook. It enforces Slack's message limits, records every accepted post, and injects faults:
5xx, 429 with Retry-After, and accept-then-drop (the post is recorded, the answer never arrives)."""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

MAX_BLOCKS = 50
MAX_SECTION = 3000
MAX_HEADER = 150
MAX_TEXT = 40000


def check_limits(payload: dict) -> str | None:
    """The error code Slack would answer for this message, or None."""
    blocks = payload.get("blocks")
    if isinstance(blocks, str):
        blocks = json.loads(blocks)
    text = payload.get("text") or ""
    if len(text) > MAX_TEXT:
        return "msg_too_long"
    if blocks is None:
        return None if text else "no_text"
    if len(blocks) > MAX_BLOCKS:
        return "invalid_blocks"
    for b in blocks:
        t = b.get("type")
        if t == "header":
            if len(b.get("text", {}).get("text", "")) > MAX_HEADER or b["text"].get("type") != "plain_text":
                return "invalid_blocks"
        elif t == "section":
            if len(b.get("text", {}).get("text", "")) > MAX_SECTION:
                return "invalid_blocks"
        elif t == "context":
            if len(b.get("elements", [])) > 10:
                return "invalid_blocks"
        elif t not in ("divider", "image", "actions", "rich_text"):
            return "invalid_blocks"
    return None


class FakeSlack:
    def __init__(self, token: str = "xoxb-test-token", host: str = "127.0.0.1", port: int = 0):
        self.token = token
        self.posts: list[dict] = []  # accepted chat.postMessage payloads (with ts)
        self.webhook_posts: list[dict] = []
        self.calls: list[tuple[str, int]] = []  # (method, status) for every API call
        self.faults: deque[dict] = deque()  # applied to the next chat.postMessage / webhook calls, in order
        self._lock = threading.Lock()
        self._ts = time.time()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                outer._handle(self)

            def do_POST(self):
                outer._handle(self)

        self.httpd = ThreadingHTTPServer((host, port), Handler)
        self.httpd.daemon_threads = True
        self.host, self.port = self.httpd.server_address[:2]

    @property
    def api_url(self) -> str:
        return f"http://{self.host}:{self.port}/api/"

    @property
    def webhook_url(self) -> str:
        return f"http://{self.host}:{self.port}/services/T000/B000/XXXXSECRETXXXX"

    def inject(self, kind: str, **kw) -> None:
        """Queue a fault for the next post: '500', '429' (retry_after=1), 'drop' (accept, then drop the answer)."""
        with self._lock:
            self.faults.append({"kind": kind, **kw})

    # -- plumbing --------------------------------------------------------------
    def _reply(self, h, status: int, obj: dict | str, headers: dict | None = None):
        body = obj.encode() if isinstance(obj, str) else json.dumps(obj).encode()
        h.send_response(status)
        h.send_header(
            "Content-Type", "text/plain" if isinstance(obj, str) else "application/json; charset=utf-8"
        )
        for k, v in (headers or {}).items():
            h.send_header(k, v)
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        h.wfile.write(body)

    def _drop(self, h):
        h.close_connection = True
        try:
            h.connection.shutdown(2)
        except OSError:
            pass

    def _payload(self, h) -> dict:
        parts = urlsplit(h.path)
        data: dict = dict(parse_qsl(parts.query))
        n = int(h.headers.get("Content-Length") or 0)
        raw = h.rfile.read(n) if n else b""
        ctype = h.headers.get("Content-Type", "")
        if raw:
            if "json" in ctype:
                data.update(json.loads(raw))
            else:
                data.update(dict(parse_qsl(raw.decode())))
        return data

    def _next_fault(self):
        with self._lock:
            return self.faults.popleft() if self.faults else None

    def _new_ts(self) -> str:
        with self._lock:
            self._ts += 0.0001
            return f"{self._ts:.6f}"

    def _handle(self, h):
        path = urlsplit(h.path).path
        data = self._payload(h)
        if path.startswith("/services/"):
            return self._webhook(h, data)
        method = path.rsplit("/", 1)[-1]
        auth = h.headers.get("Authorization", "")
        tok = auth.removeprefix("Bearer ").strip() or data.get("token")
        if tok != self.token:
            self.calls.append((method, 200))
            return self._reply(h, 200, {"ok": False, "error": "invalid_auth"})
        if method == "auth.test":
            self.calls.append((method, 200))
            return self._reply(h, 200, {"ok": True, "team": "fake", "user": "borderwatch", "bot_id": "B1"})
        if method == "chat.postMessage":
            return self._post(h, data)
        if method == "conversations.history":
            self.calls.append((method, 200))
            with self._lock:
                msgs = [
                    {
                        "type": "message",
                        "ts": p["ts"],
                        "text": p.get("text", ""),
                        **(
                            {"metadata": p["metadata"]}
                            if p.get("metadata")
                            and str(data.get("include_all_metadata")).lower() in ("1", "true")
                            else {}
                        ),
                    }
                    for p in reversed(self.posts)
                    if p.get("channel") == data.get("channel") or True
                ]
            return self._reply(
                h, 200, {"ok": True, "messages": msgs[: int(data.get("limit") or 100)], "has_more": False}
            )
        self.calls.append((method, 200))
        return self._reply(h, 200, {"ok": False, "error": "unknown_method"})

    def _post(self, h, data):
        fault = self._next_fault()
        if fault and fault["kind"] == "500":
            self.calls.append(("chat.postMessage", 500))
            return self._reply(h, 500, {"ok": False, "error": "internal_error"})
        if fault and fault["kind"] == "429":
            self.calls.append(("chat.postMessage", 429))
            return self._reply(
                h,
                429,
                {"ok": False, "error": "ratelimited"},
                {"Retry-After": str(fault.get("retry_after", 1))},
            )
        if not data.get("channel"):
            self.calls.append(("chat.postMessage", 200))
            return self._reply(h, 200, {"ok": False, "error": "channel_not_found"})
        error = check_limits(data)
        if error:
            self.calls.append(("chat.postMessage", 200))
            return self._reply(h, 200, {"ok": False, "error": error})
        ts = self._new_ts()
        meta = data.get("metadata")
        if isinstance(meta, str):
            meta = json.loads(meta)
        blocks = data.get("blocks")
        if isinstance(blocks, str):
            blocks = json.loads(blocks)
        record = {
            "channel": data["channel"],
            "text": data.get("text", ""),
            "blocks": blocks,
            "ts": ts,
            "metadata": meta,
            "thread_ts": data.get("thread_ts"),
        }
        with self._lock:
            self.posts.append(record)
        if fault and fault["kind"] == "drop":
            self.calls.append(("chat.postMessage", 0))
            return self._drop(h)
        self.calls.append(("chat.postMessage", 200))
        return self._reply(
            h, 200, {"ok": True, "channel": data["channel"], "ts": ts, "message": {"text": record["text"]}}
        )

    def _webhook(self, h, data):
        fault = self._next_fault()
        if fault and fault["kind"] == "500":
            self.calls.append(("webhook", 500))
            return self._reply(h, 500, "internal_error")
        if fault and fault["kind"] == "429":
            self.calls.append(("webhook", 429))
            return self._reply(h, 429, "rate_limited", {"Retry-After": str(fault.get("retry_after", 1))})
        error = check_limits(data)
        if error:
            self.calls.append(("webhook", 400))
            return self._reply(h, 400, error)
        with self._lock:
            self.webhook_posts.append(data)
        self.calls.append(("webhook", 200))
        return self._reply(h, 200, "ok")

    def start(self) -> FakeSlack:
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
