"""Politeness machinery Scrapy does not have out of the box.

- RobotsTxtMiddleware: Scrapy's, plus RFC 9309 section 2.3.1.3/2.3.1.4: a robots.txt that cannot be
  reached (timeout, DNS failure, refused connection, 5xx or 429) means *do not crawl* this host for now.
  Scrapy would treat it as "allow everything" and then hit the failing host again for every URL.
  robots.txt itself is fetched once per host and never retried, so a silent host costs one timeout.
- BackoffRetryMiddleware: Scrapy's RetryMiddleware (5xx and timeouts only, see settings.py) with a pause
  before the retry: RETRY_BACKOFF seconds, or the server's Retry-After, at most RETRY_BACKOFF_MAX. The
  pause does not hold the host's download slot, so other requests (and other hosts) go on meanwhile.
- GuardedHTTPDownloadHandler: the standard HTTP/1.1 handler with a per-host breaker: after two timeouts
  in a row on one host, its remaining requests in this run fail at once instead of each waiting out
  2 x DOWNLOAD_TIMEOUT. Nothing is lost: those URLs stay unseen and are tried again next run.
"""

from __future__ import annotations

import logging

from scrapy import Request
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware as ScrapyRobotsTxtMiddleware
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.http.request import NO_CALLBACK
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet import error as twisted_error
from twisted.internet.defer import Deferred

from .scrapy_tls import HTTP11DownloadHandler  # Scrapy's own, imported cheaply (scrapy_tls.py)

logger = logging.getLogger(__name__)

TIMEOUTS = (DownloadTimeoutError, twisted_error.TimeoutError, twisted_error.TCPTimedOutError)
UNREACHABLE = (
    *TIMEOUTS,
    CannotResolveHostError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    ResponseDataLossError,
    twisted_error.DNSLookupError,
    twisted_error.ConnectError,
    twisted_error.ConnectionLost,
)


class HostSkipped(IgnoreRequest):
    """A request not sent because its host already failed badly in this run."""


def is_robots_request(request: Request) -> bool:
    return bool(request.meta.get("dont_obey_robotstxt")) and urlparse_cached(request).path == "/robots.txt"


def describe_exception(exc: BaseException) -> str:
    """A short, operator-readable reason for a failed download."""
    if isinstance(exc, TIMEOUTS):
        return "timed out"
    if isinstance(exc, (CannotResolveHostError, twisted_error.DNSLookupError)):
        return "DNS lookup failed"
    if isinstance(exc, (DownloadConnectionRefusedError, twisted_error.ConnectionRefusedError)):
        return "connection refused"
    if isinstance(exc, (twisted_error.ConnectionLost, ResponseDataLossError, DownloadFailedError)):
        return "connection dropped"
    msg = str(exc).strip()
    if "larger than download max size" in msg:
        return "response larger than the size cap"
    if isinstance(exc, IgnoreRequest):
        if msg == "max redirections reached":
            return "too many redirects (loop?)"
        if msg == "Forbidden by robots.txt":
            return "forbidden by robots.txt"
        return msg or "ignored"
    name = type(exc).__name__
    return f"{name}: {msg}"[:300] if msg else name


class RobotsTxtMiddleware(ScrapyRobotsTxtMiddleware):
    def __init__(self, crawler):
        super().__init__(crawler)
        self.unreachable: dict[str, str] = {}  # netloc -> reason

    async def robot_parser(self, request: Request):
        """Scrapy's, minus the ERROR log with a traceback for a robots.txt that cannot be fetched: that is an
        expected, reported failure of the host (see process_request), not a bug."""
        netloc = urlparse_cached(request).netloc
        if netloc not in self._parsers:
            self._parsers[netloc] = Deferred()
            url = urlparse_cached(request)
            robotsreq = Request(
                f"{url.scheme}://{netloc}/robots.txt",
                priority=self.DOWNLOAD_PRIORITY,
                meta={"dont_obey_robotstxt": True},
                callback=NO_CALLBACK,
            )
            try:
                resp = await self.crawler.engine.download_async(robotsreq)
                await self._parse_robots(resp, netloc, request)
            except Exception as exc:  # every download failure is handled (and reported) the same way
                logger.info("robots.txt of %s: %s", netloc, describe_exception(exc))
                self._robots_error(exc, netloc)
            self._stats.inc_value("robotstxt/request_count")
        parser = self._parsers[netloc]
        if isinstance(parser, Deferred):
            return await maybe_deferred_to_future(parser)
        return parser

    async def process_request(self, request: Request) -> None:
        if request.meta.get("dont_obey_robotstxt"):
            return
        rp = await self.robot_parser(request)
        netloc = urlparse_cached(request).netloc
        if netloc in self.unreachable:
            self._stats.inc_value("robotstxt/host_skipped")
            raise HostSkipped(
                f"host unreachable ({self.unreachable[netloc]} on robots.txt); skipped this run"
            )
        self.process_request_2(rp, request)

    async def _parse_robots(self, response, netloc: str, request: Request) -> None:
        if response.status >= 500 or response.status == 429:
            self.unreachable[netloc] = f"HTTP {response.status}"
            self._robots_error(IgnoreRequest(f"robots.txt HTTP {response.status}"), netloc)
            return
        await super()._parse_robots(response, netloc, request)

    def _robots_error(self, exc: Exception, netloc: str) -> None:
        if isinstance(exc, UNREACHABLE):
            self.unreachable[netloc] = describe_exception(exc)
        super()._robots_error(exc, netloc)


class BackoffRetryMiddleware(RetryMiddleware):
    def __init__(self, settings):
        super().__init__(settings)
        self.backoff = settings.getfloat("RETRY_BACKOFF", 2.0)
        self.backoff_max = settings.getfloat("RETRY_BACKOFF_MAX", 30.0)

    async def process_response(self, request, response):
        if is_robots_request(request):
            return response  # a robots.txt failure is decided once, in RobotsTxtMiddleware
        result = super().process_response(request, response)
        if isinstance(result, Request):
            await self._pause(self._delay(response))
        return result

    async def process_exception(self, request, exception):
        if is_robots_request(request):
            return None
        result = super().process_exception(request, exception)
        if isinstance(result, Request):
            await self._pause(self.backoff)
        return result

    def _delay(self, response) -> float:
        delay = self.backoff
        value = response.headers.get(b"Retry-After")
        if value:
            try:
                delay = max(delay, float(value.decode("latin-1").strip()))
            except ValueError:
                pass  # an HTTP date: keep our own backoff
        return min(delay, self.backoff_max)

    async def _pause(self, seconds: float) -> None:
        if seconds <= 0:
            return
        from twisted.internet import reactor
        from twisted.internet.task import deferLater

        await maybe_deferred_to_future(deferLater(reactor, seconds, lambda: None))


class GuardedHTTPDownloadHandler(HTTP11DownloadHandler):
    TRIP_AFTER = 2  # timeouts in a row on one host

    def __init__(self, crawler):
        super().__init__(crawler)
        self._strikes: dict[str, int] = {}
        self._tripped: dict[str, str] = {}

    async def download_request(self, request: Request):
        host = urlparse_cached(request).netloc
        if host in self._tripped:
            raise HostSkipped(f"skipped: host {self._tripped[host]} earlier in this run")
        try:
            response = await super().download_request(request)
        except TIMEOUTS:
            self._strikes[host] = self._strikes.get(host, 0) + 1
            if self._strikes[host] >= self.TRIP_AFTER:
                self._tripped[host] = f"timed out {self._strikes[host]} times"
                logger.info("host %s timed out %d times; skipping it for this run", host, self._strikes[host])
            raise
        self._strikes[host] = 0
        return response
