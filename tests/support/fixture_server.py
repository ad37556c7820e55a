"""A loopback HTTP server for fixture outlets: conditional GET (ETag / Last-Modified -> 304), a request log,
and fault injection (status codes, hangs, redirect loops, oversized bodies, dropped connections)."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from email.utils import formatdate, parsedate_to_datetime

from borderwatch.demo.server import PageServer


@dataclass
class Resource:
    body: bytes
    content_type: str = "text/html; charset=utf-8"
    last_modified: float = field(default_factory=time.time)
    conditional: bool = True  # honour If-None-Match / If-Modified-Since

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha1(self.body).hexdigest()[:16] + '"'


@dataclass
class Fault:
    status: int | None = None  # answer with this status
    delay: float = 0.0  # sleep before answering (a hanging server)
    redirect_to: str | None = None
    drop: bool = False  # close the connection without an answer
    body: bytes | None = None


@dataclass
class LoggedRequest:
    method: str
    path: str
    headers: dict[str, str]
    status: int
    bytes: int


class FixtureServer(PageServer):
    """The demo's PageServer plus conditional GET, a request log and faults set per path."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0):
        super().__init__(host, port)
        self.resources: dict[str, Resource] = {}
        self.faults: dict[str, Fault] = {}
        self.log: list[LoggedRequest] = []

    # -- content -------------------------------------------------------------
    def put(
        self,
        path: str,
        body: bytes | str,
        content_type: str = "text/html; charset=utf-8",
        last_modified: float | None = None,
        conditional: bool = True,
    ) -> None:
        if isinstance(body, str):
            body = body.encode("utf-8")
        with self._lock:
            self.resources[path] = Resource(body, content_type, last_modified or time.time(), conditional)

    def fault(self, path: str, **kwargs) -> None:
        with self._lock:
            self.faults[path] = Fault(**kwargs)

    def clear_fault(self, path: str) -> None:
        """The page answers normally again (a server that recovered)."""
        with self._lock:
            self.faults.pop(path, None)

    def requests(self, path: str | None = None) -> list[LoggedRequest]:
        with self._lock:
            return [r for r in self.log if path is None or r.path == path]

    def clear_log(self) -> None:
        with self._lock:
            self.log.clear()

    # -- serving -------------------------------------------------------------
    def _record(self, h, status: int, n: int) -> None:
        with self._lock:
            self.log.append(
                LoggedRequest(h.command, h.path, {k.lower(): v for k, v in h.headers.items()}, status, n)
            )

    def _send(self, h, status: int, body: bytes = b"", headers: dict | None = None, head=False) -> None:
        super()._send(h, status, body, headers, head)
        self._record(h, status, len(body))

    def _handle(self, h, head: bool = False) -> None:
        path = h.path
        bare = path.split("?", 1)[0]  # like WordPress, ignore tracking query strings when finding the page
        with self._lock:
            fault = self.faults.get(path) or self.faults.get(bare)
            res = self.resources.get(path) or self.resources.get(bare)
        if fault:
            if fault.delay:
                time.sleep(fault.delay)
            if fault.drop:
                self._record(h, 0, 0)
                h.close_connection = True
                try:
                    h.connection.shutdown(2)
                except OSError:
                    pass
                return
            if fault.redirect_to:
                return self._send(h, 302, b"", {"Location": fault.redirect_to}, head)
            if fault.status:
                return self._send(
                    h,
                    fault.status,
                    fault.body or f"error {fault.status}".encode(),
                    {"Content-Type": "text/plain"},
                    head,
                )
            if fault.body is not None:
                return self._send(h, 200, fault.body, {"Content-Type": "text/html"}, head)
        if res is None:
            return self._send(h, 404, b"not found", {"Content-Type": "text/plain"}, head)
        lm = formatdate(res.last_modified, usegmt=True)
        headers = {"Content-Type": res.content_type, "ETag": res.etag, "Last-Modified": lm}
        if res.conditional:
            inm = h.headers.get("If-None-Match")
            ims = h.headers.get("If-Modified-Since")
            if inm and res.etag in [t.strip() for t in inm.split(",")]:
                return self._send(h, 304, b"", {"ETag": res.etag, "Last-Modified": lm}, True)
            if not inm and ims:
                try:
                    if parsedate_to_datetime(ims).timestamp() >= int(res.last_modified):
                        return self._send(h, 304, b"", {"ETag": res.etag, "Last-Modified": lm}, True)
                except (TypeError, ValueError):
                    pass
        else:
            headers.pop("ETag")
            headers.pop("Last-Modified")
        self._send(h, 200, res.body, headers, head)
