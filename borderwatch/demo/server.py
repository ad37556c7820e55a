"""A small loopback HTTP server that serves in-memory pages: what `borderwatch demo` crawls.

The test suite's FixtureServer (tests/support/fixture_server.py) extends it with conditional GET, a request
log and fault injection.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class PageServer:
    """Serves `put` pages on 127.0.0.1 (a free port) from a background thread; GET and HEAD, 404 otherwise."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0):
        self.resources: dict = {}
        self._lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # keep the console clean
                pass

            def do_GET(self):
                outer._handle(self)

            def do_HEAD(self):
                outer._handle(self, head=True)

        self.httpd = ThreadingHTTPServer((host, port), Handler)
        self.httpd.daemon_threads = True
        self.host, self.port = self.httpd.server_address[:2]
        self._thread: threading.Thread | None = None

    @property
    def base(self) -> str:
        return f"http://{self.host}:{self.port}"

    def url(self, path: str) -> str:
        return self.base + path

    def put(self, path: str, body: bytes | str, content_type: str = "text/html; charset=utf-8") -> None:
        if isinstance(body, str):
            body = body.encode("utf-8")
        with self._lock:
            self.resources[path] = (body, content_type)

    def _send(self, h, status: int, body: bytes = b"", headers: dict | None = None, head=False) -> None:
        h.send_response(status)
        for k, v in (headers or {}).items():
            h.send_header(k, v)
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        if not head and body:
            try:
                h.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass

    def _handle(self, h, head: bool = False) -> None:
        with self._lock:  # like WordPress, ignore tracking query strings when finding the page
            res = self.resources.get(h.path) or self.resources.get(h.path.split("?", 1)[0])
        if res is None:
            return self._send(h, 404, b"not found", {"Content-Type": "text/plain"}, head)
        body, content_type = res
        self._send(h, 200, body, {"Content-Type": content_type}, head)

    def start(self) -> PageServer:
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
