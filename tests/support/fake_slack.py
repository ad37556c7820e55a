"""A loopback fake of the Slack Web API (auth.test, chat.postMessage, chat.update, conversations.history,
conversations.replies, apps.connections.open with the app-level token and a real Socket Mode websocket, see
fake_socket_mode.py) and of an incoming webhook.

It enforces Slack's message limits, records every accepted post (with its ts, thread_ts and message
metadata), answers history/replies like Slack does (top-level messages in the history, thread replies only
through conversations.replies, metadata only with include_all_metadata, newest first, cursor pages), and
injects faults, each for the next matching call, in order:

- "500" (or status=503 ...): an HTTP 5xx answer, nothing posted
- "429" (retry_after=N): rate limited, nothing posted
- "drop": the post is accepted and recorded, then the connection is closed without an answer
- "hold" (seconds=N): the post is accepted and recorded, the answer is held back N seconds (a slow or
  dying connection; tests kill the client meanwhile). `held` is set once the post is recorded.
- "error" (error="missing_scope"): an ok=false answer with that error code
- "ok": answer normally (a placeholder to aim the next fault at a later call)

A fault may be aimed at one channel (`channel="C0POLICY1"`, matched against the call's channel) or one
webhook (`channel="/services/..."`, its path). `webhook_paths` lists the path of every accepted webhook post.
"""

from __future__ import annotations

import json
import re
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
            els = b.get("elements", [])
            if len(els) > 10 or any(len(e.get("text", "")) > MAX_SECTION for e in els):
                return "invalid_blocks"
        elif t == "actions":
            if not _actions_ok(b):
                return "invalid_blocks"
        elif t not in ("divider", "image", "rich_text"):
            return "invalid_blocks"
    ids = [b["block_id"] for b in blocks if b.get("block_id")]
    if len(ids) != len(set(ids)) or any(len(i) > 255 for i in ids):
        return "invalid_blocks"
    return None


def _actions_ok(block: dict) -> bool:
    """Block Kit's actions block: at most 25 elements; a button's text is plain_text up to 75 characters,
    its action_id up to 255 and unique in the block, its value up to 2000."""
    els = block.get("elements") or []
    if not els or len(els) > 25:
        return False
    action_ids = [e.get("action_id") for e in els]
    if len(action_ids) != len(set(action_ids)):
        return False
    for e in els:
        if e.get("type") != "button":
            continue
        text = e.get("text") or {}
        if text.get("type") != "plain_text" or not 0 < len(text.get("text", "")) <= 75:
            return False
        if len(e.get("action_id") or "") > 255 or len(str(e.get("value") or "")) > 2000:
            return False
    return True


# -- files_upload_v2 flow (weekly trends chart) ---------------------------------------------------------
# Kept apart from the message API above: FakeSlack inherits these methods. slack-sdk's files_upload_v2 does
# files.getUploadURLExternal -> POST of the bytes to the returned upload_url -> files.completeUploadExternal;
# files.info answers whether a file was shared (the lost-answer check).

UPLOAD_PREFIX = "/upload/v1/"
FILES_METHODS = ("files.getUploadURLExternal", "files.completeUploadExternal", "files.info")
CHANNEL_ID_RE = re.compile(r"^[CGD][A-Z0-9]{2,}$")


class FakeFilesApi:
    """Files half of FakeSlack. `uploads`: every share files.completeUploadExternal made (with the bytes);
    `inject_upload(kind, method=...)` queues a fault for the next call of that files method ('500',
    '429' with retry_after, 'drop': do the work, then drop the answer)."""

    def _files_init(self) -> None:
        if not hasattr(self, "_files"):
            self._files: dict[str, dict] = {}  # file_id -> {filename, length, alt_txt, data, shares}
            self._uploads: list[dict] = []
            self._upload_faults: deque[dict] = deque()
            self._file_seq = 0

    @property
    def uploads(self) -> list[dict]:
        self._files_init()
        return self._uploads

    def inject_upload(self, kind: str, method: str = "files.completeUploadExternal", **kw) -> None:
        self._files_init()
        with self._lock:
            self._upload_faults.append({"kind": kind, "method": method, **kw})

    def _upload_fault(self, method: str):
        with self._lock:
            for f in list(self._upload_faults):
                if f["method"] == method:
                    self._upload_faults.remove(f)
                    return f
        return None

    def _files_api(self, h, method: str, data: dict):
        self._files_init()
        fault = self._upload_fault(method)
        if fault and fault["kind"] == "500":
            self.calls.append((method, 500))
            return self._reply(h, 500, {"ok": False, "error": "internal_error"})
        if fault and fault["kind"] == "429":
            self.calls.append((method, 429))
            return self._reply(
                h,
                429,
                {"ok": False, "error": "ratelimited"},
                {"Retry-After": str(fault.get("retry_after", 1))},
            )
        handler = {
            "files.getUploadURLExternal": self._get_upload_url,
            "files.completeUploadExternal": self._complete_upload,
            "files.info": self._file_info,
        }[method]
        body = handler(data)
        if fault and fault["kind"] == "drop":
            self.calls.append((method, 0))
            return self._drop(h)
        self.calls.append((method, 200))
        return self._reply(h, 200, body)

    def _get_upload_url(self, data: dict) -> dict:
        filename, length = data.get("filename"), data.get("length")
        if not filename or not str(length or "").isdigit():
            return {"ok": False, "error": "invalid_arguments"}
        with self._lock:
            self._file_seq += 1
            file_id = f"F{self._file_seq:08d}"
            self._files[file_id] = {
                "filename": filename,
                "length": int(length),
                "alt_txt": data.get("alt_txt"),
                "data": None,
                "shares": {},
                "title": None,
            }
        return {
            "ok": True,
            "file_id": file_id,
            "upload_url": f"http://{self.host}:{self.port}{UPLOAD_PREFIX}{file_id}",
        }

    def _upload_bytes(self, h):
        self._files_init()
        file_id = urlsplit(h.path).path[len(UPLOAD_PREFIX) :]
        n = int(h.headers.get("Content-Length") or 0)
        raw = h.rfile.read(n) if n else b""
        fault = self._upload_fault("upload")
        if fault and fault["kind"] == "500":
            self.calls.append(("upload", 500))
            return self._reply(h, 500, "internal_error")
        f = self._files.get(file_id)
        if f is None or h.command != "POST":
            self.calls.append(("upload", 404))
            return self._reply(h, 404, "not_found")
        if len(raw) != f["length"]:
            self.calls.append(("upload", 400))
            return self._reply(h, 400, f"length mismatch: declared {f['length']}, got {len(raw)}")
        f["data"] = raw
        self.calls.append(("upload", 200))
        return self._reply(h, 200, f"OK - {len(raw)}")

    def _complete_upload(self, data: dict) -> dict:
        try:
            files = json.loads(data.get("files") or "[]")
        except ValueError:
            return {"ok": False, "error": "invalid_arguments"}
        channel = data.get("channel_id")
        if not files:
            return {"ok": False, "error": "invalid_arguments"}
        if channel and not CHANNEL_ID_RE.match(channel):
            return {"ok": False, "error": "invalid_channel"}
        out = []
        with self._lock:
            for item in files:
                f = self._files.get(item.get("id"))
                if f is None:
                    return {"ok": False, "error": "file_not_found"}
                if f["data"] is None:
                    return {"ok": False, "error": "file_upload_incomplete"}
            for item in files:
                f = self._files[item["id"]]
                f["title"] = item.get("title") or f["filename"]
                if channel:
                    self._ts += 0.0001
                    ts = f"{self._ts:.6f}"
                    share = {"ts": ts, **({"thread_ts": data["thread_ts"]} if data.get("thread_ts") else {})}
                    f["shares"].setdefault("public", {}).setdefault(channel, []).append(share)
                    self._uploads.append(
                        {
                            "file_id": item["id"],
                            "filename": f["filename"],
                            "title": f["title"],
                            "alt_txt": f["alt_txt"],
                            "data": f["data"],
                            "channel_id": channel,
                            "initial_comment": data.get("initial_comment"),
                            "thread_ts": data.get("thread_ts"),
                            "ts": ts,
                        }
                    )
                out.append(self._file_obj(item["id"]))
        return {"ok": True, "files": out}

    def _file_obj(self, file_id: str) -> dict:
        f = self._files[file_id]
        is_png = (f["data"] or b"").startswith(b"\x89PNG\r\n\x1a\n")
        return {
            "id": file_id,
            "name": f["filename"],
            "title": f["title"] or f["filename"],
            "mimetype": "image/png" if is_png else "application/octet-stream",
            "size": len(f["data"] or b""),
            "channels": sorted(f["shares"].get("public", {})),
            "shares": json.loads(json.dumps(f["shares"])),
        }

    def _file_info(self, data: dict) -> dict:
        with self._lock:
            if data.get("file") not in self._files:
                return {"ok": False, "error": "file_not_found"}
            return {"ok": True, "file": self._file_obj(data["file"])}


class FakeSlack(FakeFilesApi):
    def __init__(
        self,
        token: str = "xoxb-test-token",
        host: str = "127.0.0.1",
        port: int = 0,
        app_token: str = "xapp-1-A0FAKEAPP-1-TESTAPPTOKEN",
    ):
        self.token = token
        self.app_token = app_token
        self.updates: list[dict] = []  # accepted chat.update calls (channel, ts, blocks, text)
        self._socket = None  # FakeSocketMode, started by the first apps.connections.open
        self.posts: list[dict] = []  # accepted chat.postMessage payloads (with ts)
        self.webhook_posts: list[dict] = []
        self.webhook_paths: list[str] = []  # the path of each accepted webhook post (one per webhook URL)
        self.calls: list[tuple[str, int]] = []  # (method, status) for every API call
        self.faults: deque[dict] = deque()  # applied to the next matching calls, in order
        self._lock = threading.Lock()
        self._posted = threading.Condition(self._lock)
        self.held = threading.Event()
        self.release = threading.Event()  # set() ends every hold early
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

    def webhook_url_for(self, name: str) -> str:
        """Another incoming webhook (another channel's) on the same fake."""
        return f"http://{self.host}:{self.port}/services/T000/{name}/XXXXSECRETXXXX"

    def inject(self, kind: str, method: str | None = None, **kw) -> None:
        """Queue a fault ('500', '429', 'drop', 'hold', 'error'; see the module doc) for the next call of
        `method` (default: the next chat.postMessage or webhook post), optionally only on `channel=`."""
        with self._lock:
            self.faults.append({"kind": kind, "method": method, **kw})

    def wait_posts(self, n: int, timeout: float = 30) -> bool:
        """Block until at least n posts (API + webhook) were accepted."""
        with self._posted:
            return self._posted.wait_for(lambda: len(self.posts) + len(self.webhook_posts) >= n, timeout)

    def thread_of(self, ts: str) -> list[dict]:
        with self._lock:
            return [p for p in self.posts if p.get("thread_ts") == ts]

    def top_level(self) -> list[dict]:
        with self._lock:
            return [p for p in self.posts if not p.get("thread_ts")]

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

    def _next_fault(self, method: str, channel: str | None = None):
        with self._lock:
            for i, f in enumerate(self.faults):
                want = f.get("method")
                if f.get("channel") and f["channel"] != channel:
                    continue
                if want == method or (want is None and method in ("chat.postMessage", "webhook")):
                    del self.faults[i]
                    return f
            return None

    def _new_ts(self) -> str:
        with self._lock:
            self._ts += 0.0001
            return f"{self._ts:.6f}"

    def _handle(self, h):
        path = urlsplit(h.path).path
        if path.startswith(UPLOAD_PREFIX):  # files_upload_v2 step 2: raw bytes, no token (FakeFilesApi)
            return self._upload_bytes(h)
        data = self._payload(h)
        if path.startswith("/services/"):
            return self._webhook(h, data, path)
        method = path.rsplit("/", 1)[-1]
        auth = h.headers.get("Authorization", "")
        tok = auth.removeprefix("Bearer ").strip() or data.get("token")
        if method == "apps.connections.open":  # the app-level token, never the bot token
            return self._connections_open(h, tok)
        if tok != self.token:
            self.calls.append((method, 200))
            return self._reply(h, 200, {"ok": False, "error": "invalid_auth"})
        if method in FILES_METHODS:  # files_upload_v2 flow (FakeFilesApi)
            return self._files_api(h, method, data)
        if method == "auth.test":
            self.calls.append((method, 200))
            return self._reply(h, 200, {"ok": True, "team": "fake", "user": "borderwatch", "bot_id": "B1"})
        if method == "chat.postMessage":
            return self._post(h, data)
        if method == "chat.update":
            return self._update(h, data)
        if method in ("conversations.history", "conversations.replies"):
            fault = self._next_fault(method, data.get("channel"))
            if fault and self._fault_answer(h, method, fault):
                return None
            return self._history(h, method, data)
        self.calls.append((method, 200))
        return self._reply(h, 200, {"ok": False, "error": "unknown_method"})

    def _fault_answer(self, h, method: str, fault: dict):
        """Answer a fault that posts nothing (True); False for the faults that accept the post first."""
        kind = fault["kind"]
        if kind == "500":
            status = int(fault.get("status", 500))
            self.calls.append((method, status))
            body = "internal_error" if method == "webhook" else {"ok": False, "error": "internal_error"}
            self._reply(h, status, body)
            return True
        if kind == "429":
            self.calls.append((method, 429))
            body = "rate_limited" if method == "webhook" else {"ok": False, "error": "ratelimited"}
            self._reply(h, 429, body, {"Retry-After": str(fault.get("retry_after", 1))})
            return True
        if kind == "error":
            self.calls.append((method, 200))
            self._reply(h, 200, {"ok": False, "error": fault.get("error", "internal_error")})
            return True
        return False

    def _history(self, h, method: str, data: dict):
        self.calls.append((method, 200))
        with_meta = str(data.get("include_all_metadata")).lower() in ("1", "true")
        oldest = float(data.get("oldest") or 0)
        with self._lock:
            if method == "conversations.history":
                msgs = [
                    p
                    for p in self.posts
                    if p["channel"] == data.get("channel")
                    and not p.get("thread_ts")
                    and float(p["ts"]) > oldest
                ]
            else:
                parent = data.get("ts")
                msgs = [
                    p
                    for p in self.posts
                    if p["channel"] == data.get("channel")
                    and (p["ts"] == parent or p.get("thread_ts") == parent)
                ]
                if not msgs:
                    return self._reply(h, 200, {"ok": False, "error": "thread_not_found"})
        # history: newest first; replies: parent first, then oldest to newest
        msgs = sorted(msgs, key=lambda p: float(p["ts"]), reverse=method == "conversations.history")
        start = int(data.get("cursor") or 0)
        limit = int(data.get("limit") or 100)
        page = msgs[start : start + limit]
        more = start + limit < len(msgs)
        out = [
            {
                "type": "message",
                "ts": p["ts"],
                "text": p.get("text", ""),
                **({"thread_ts": p["thread_ts"]} if p.get("thread_ts") else {}),
                **({"metadata": p["metadata"]} if p.get("metadata") and with_meta else {}),
            }
            for p in page
        ]
        return self._reply(
            h,
            200,
            {
                "ok": True,
                "messages": out,
                "has_more": more,
                "response_metadata": {"next_cursor": str(start + limit) if more else ""},
            },
        )

    def _post(self, h, data):
        method = "chat.postMessage"
        fault = self._next_fault(method, data.get("channel"))
        if fault and self._fault_answer(h, method, fault):
            return
        if not data.get("channel"):
            self.calls.append((method, 200))
            return self._reply(h, 200, {"ok": False, "error": "channel_not_found"})
        error = check_limits(data)
        if error:
            self.calls.append((method, 200))
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
            "thread_ts": data.get("thread_ts") or None,
        }
        self._accept(self.posts, record)
        answer = {"ok": True, "channel": data["channel"], "ts": ts, "message": {"text": record["text"]}}
        return self._after_accept(h, method, fault, answer)

    # -- interactivity (Socket Mode) -----------------------------------------------------------------------
    @property
    def socket(self):
        """The Socket Mode websocket server (started on first use)."""
        from .fake_socket_mode import FakeSocketMode

        with self._lock:
            if self._socket is None:
                self._socket = FakeSocketMode(self.host).start()
            return self._socket

    def _connections_open(self, h, tok):
        method = "apps.connections.open"
        fault = self._next_fault(method)
        if fault and self._fault_answer(h, method, fault):
            return None
        self.calls.append((method, 200))
        if tok != self.app_token:
            error = "not_allowed_token_type" if tok == self.token else "invalid_auth"
            return self._reply(h, 200, {"ok": False, "error": error})
        return self._reply(h, 200, {"ok": True, "url": self.socket.url})

    def _update(self, h, data):
        method = "chat.update"
        fault = self._next_fault(method, data.get("channel"))
        if fault and self._fault_answer(h, method, fault):
            return None
        error = check_limits(data)
        blocks = data.get("blocks")
        if isinstance(blocks, str):
            blocks = json.loads(blocks)
        with self._posted:
            post = next(
                (p for p in self.posts if p["channel"] == data.get("channel") and p["ts"] == data.get("ts")),
                None,
            )
            if post is None:
                error = error or "message_not_found"
            if not error:
                if blocks is not None:
                    post["blocks"] = blocks
                if data.get("text") is not None:
                    post["text"] = data["text"]
                self.updates.append({"channel": post["channel"], "ts": post["ts"], "blocks": blocks})
                self._posted.notify_all()
        self.calls.append((method, 200))
        if error:
            return self._reply(h, 200, {"ok": False, "error": error})
        return self._reply(
            h, 200, {"ok": True, "channel": post["channel"], "ts": post["ts"], "text": post["text"]}
        )

    def wait_updates(self, n: int, timeout: float = 20) -> bool:
        with self._posted:
            return self._posted.wait_for(lambda: len(self.updates) >= n, timeout)

    def block_actions(self, post: dict, article_id: int, action_id: str, user: str = "U0CONSULT1") -> dict:
        """The block_actions payload Slack sends when `user` clicks a button of item `article_id` in a
        posted message (the message as it is now, after any chat.update)."""
        with self._lock:
            blocks = json.loads(json.dumps(post["blocks"]))
            text = post["text"]
        block_id = f"borderwatch_item_{article_id}"
        block = next(b for b in blocks if b.get("block_id") == block_id)
        button = next(e for e in block["elements"] if e["action_id"] == action_id)
        return {
            "type": "block_actions",
            "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": "T0FAKE"},
            "api_app_id": self.socket.app_id,
            "token": "verification-token-unused-in-socket-mode",
            "container": {
                "type": "message",
                "message_ts": post["ts"],
                "channel_id": post["channel"],
                "is_ephemeral": False,
            },
            "trigger_id": "1111.2222.abcdef",
            "team": {"id": "T0FAKE", "domain": "fake"},
            "enterprise": None,
            "is_enterprise_install": False,
            "channel": {"id": post["channel"], "name": "digest"},
            "message": {
                "type": "message",
                "subtype": "bot_message",
                "text": text,
                "ts": post["ts"],
                "bot_id": "B1",
                "blocks": blocks,
                **({"thread_ts": post["thread_ts"]} if post.get("thread_ts") else {}),
            },
            "state": {"values": {}},
            "response_url": f"http://{self.host}:{self.port}/actions/T0FAKE/1/unused",
            "actions": [
                {
                    "action_id": action_id,
                    "block_id": block_id,
                    "text": button["text"],
                    "value": button["value"],
                    "type": "button",
                    "action_ts": f"{time.time():.6f}",
                }
            ],
        }

    def _accept(self, store: list, record: dict) -> None:
        with self._posted:
            store.append(record)
            self._posted.notify_all()

    def _after_accept(self, h, method: str, fault: dict | None, answer):
        if fault and fault["kind"] == "drop":
            self.calls.append((method, 0))
            return self._drop(h)
        if fault and fault["kind"] == "hold":
            self.held.set()
            self.release.wait(float(fault.get("seconds", 30)))
        self.calls.append((method, 200))
        try:
            return self._reply(h, 200, answer)
        except OSError:  # the client is gone (killed while we held the answer)
            return None

    def _webhook(self, h, data, path: str = ""):
        method = "webhook"
        fault = self._next_fault(method, path)
        if fault and self._fault_answer(h, method, fault):
            return
        error = check_limits(data)
        if error:
            self.calls.append((method, 400))
            return self._reply(h, 400, error)
        with self._lock:
            self.webhook_paths.append(path)
        self._accept(self.webhook_posts, data)
        return self._after_accept(h, method, fault, "ok")

    def start(self) -> FakeSlack:
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._socket is not None:
            self._socket.stop()
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
