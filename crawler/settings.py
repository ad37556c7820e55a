"""Every Scrapy setting borderwatch uses, in one place. Politeness first.

The time budget of one bad host: DOWNLOAD_TIMEOUT (<= 30 s, default 20) per attempt, at most 2 attempts
(RETRY_TIMES = 1, and only for 5xx and timeouts), with a backoff between them (default 2 s, up to the
server's Retry-After, capped at 30 s). robots.txt is fetched once per host without a retry and a host whose
robots.txt cannot be fetched is skipped for the run, so a silent server costs one timeout (20 s); a server
that answers robots.txt and then hangs costs 20 + 2 + 20 = 42 s per request and trips the host breaker
(crawler/politeness.py) so the rest of its queue fails fast. Scrapy's default would be 180 s x 3 attempts.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from borderwatch import __version__
from borderwatch.config import DEFAULTS, SETTINGS_RANGES, Settings, build_settings

# The defaults and bounds live in borderwatch/config.py (Settings, SETTINGS_RANGES); named here for readers.
DEFAULT_CONTACT = DEFAULTS.crawl.contact
DEFAULT_TIMEOUT = DEFAULTS.crawl.download_timeout
MAX_TIMEOUT = SETTINGS_RANGES["download_timeout"][1]
RETRY_TIMES = 1  # 1 retry -> at most 2 attempts
DEFAULT_BACKOFF = DEFAULTS.crawl.retry_backoff
MAX_BACKOFF = float(SETTINGS_RANGES["retry_backoff"][1])
DEFAULT_MAX_BYTES = DEFAULTS.crawl.max_page_bytes
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524]
# Timeouts only: DNS failures, refused connections and dropped connections are not retried.
RETRY_EXCEPTIONS = [
    "scrapy.exceptions.DownloadTimeoutError",
    "twisted.internet.error.TimeoutError",
    "twisted.internet.error.TCPTimedOutError",
    "twisted.internet.defer.TimeoutError",
]


# Scrapy components switched off for every crawl, removed from its base lists (see scrapy_settings). Each is
# imported otherwise: cookies pull in tldextract and requests (~8 MB), and RemoteControl (on by default since
# Scrapy 2.14) imports aiohttp's web server (~10 MB) and would listen for commands beside the crawl.
UNUSED_MIDDLEWARES = (
    "scrapy.downloadermiddlewares.cookies.CookiesMiddleware",  # COOKIES_ENABLED is False
    "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware",  # METAREFRESH_ENABLED is False
    "scrapy.downloadermiddlewares.httpcache.HttpCacheMiddleware",  # HTTPCACHE_ENABLED is False
)
UNUSED_EXTENSIONS = (
    "scrapy.extensions.remote_control.RemoteControl",
    "scrapy.extensions.telnet.TelnetConsole",  # TELNETCONSOLE_ENABLED is False
    "scrapy.extensions.feedexport.FeedExporter",  # no FEEDS
    "scrapy.extensions.memdebug.MemoryDebugger",  # no MEMDEBUG_ENABLED
    "scrapy.extensions.spiderstate.SpiderState",  # no JOBDIR
)


def _without(base: dict[str, int], unused: tuple[str, ...]) -> dict[str, int]:
    return {k: v for k, v in base.items() if k not in unused}


def user_agent(settings: Settings | Mapping[str, Any] | None = None) -> str:
    """Identify the bot and say how to reach its operator (settings.contact or a full settings.user_agent)."""
    crawl = build_settings(settings).crawl
    return crawl.user_agent or f"borderwatch/{__version__} (+{crawl.contact}; news monitoring bot)"


def worst_case_seconds(timeout: float = DEFAULT_TIMEOUT, backoff: float = DEFAULT_BACKOFF) -> float:
    """How long one request to a silent server can take, all attempts and backoff included."""
    return timeout * (RETRY_TIMES + 1) + backoff * RETRY_TIMES


def scrapy_settings(
    settings: Settings | Mapping[str, Any] | None = None, log_level: str = "WARNING"
) -> dict[str, Any]:
    """Scrapy's settings, all derived from borderwatch's Settings (a sources.yaml mapping is built into one)."""
    from scrapy.settings import default_settings

    from . import gdelt

    settings = build_settings(settings)
    c = settings.crawl
    timeout, delay = c.download_timeout, c.download_delay
    return {
        "BOT_NAME": "borderwatch",
        "USER_AGENT": user_agent(settings),
        "ROBOTSTXT_OBEY": True,
        "ROBOTSTXT_USER_AGENT": "borderwatch",
        # Politeness: at most 1-2 requests in flight per host (a slot per hostname), adaptive delay.
        # The global cap is high on purpose: one slow host's queue must never use up the slots of others.
        "CONCURRENT_REQUESTS": 64,
        # Items processed in parallel per response. An article response yields one item, so Scrapy's default
        # (100) only costs idle asyncio tasks per page in the reactor thread.
        "CONCURRENT_ITEMS": 8,
        "CONCURRENT_REQUESTS_PER_DOMAIN": c.concurrency_per_domain,
        "CONCURRENT_REQUESTS_PER_IP": 0,
        "SCHEDULER_PRIORITY_QUEUE": "scrapy.pqueues.DownloaderAwarePriorityQueue",
        "DOWNLOAD_DELAY": delay,
        # The GDELT API: one request at a time, at most one every gdelt_interval seconds (crawler/gdelt.py;
        # its requests carry download_slot=SLOT and autothrottle_dont_adjust_delay, so this delay holds).
        "DOWNLOAD_SLOTS": {
            gdelt.SLOT: {"concurrency": 1, "delay": gdelt.interval(c.gdelt_interval), "jitter": 0}
        },
        "AUTOTHROTTLE_ENABLED": True,
        "AUTOTHROTTLE_START_DELAY": (
            max(delay, 2.0) if c.autothrottle_start_delay is None else c.autothrottle_start_delay
        ),
        "AUTOTHROTTLE_MAX_DELAY": c.autothrottle_max_delay,
        "AUTOTHROTTLE_TARGET_CONCURRENCY": 1.0,
        "DOWNLOAD_TIMEOUT": timeout,
        "DNS_TIMEOUT": min(10.0, timeout),
        "RETRY_ENABLED": True,
        "RETRY_TIMES": RETRY_TIMES,
        "RETRY_HTTP_CODES": RETRY_HTTP_CODES,
        "RETRY_EXCEPTIONS": RETRY_EXCEPTIONS,
        "RETRY_BACKOFF": c.retry_backoff,
        "RETRY_BACKOFF_MAX": MAX_BACKOFF,
        "RETRY_GIVE_UP_LOG_LEVEL": "INFO",
        "DOWNLOAD_MAXSIZE": c.max_page_bytes,
        "DOWNLOAD_WARNSIZE": 0,
        "REDIRECT_ENABLED": True,
        "REDIRECT_MAX_TIMES": c.max_redirects,
        "METAREFRESH_ENABLED": False,
        # Only http and https: no file:, ftp:, s3: or data: downloads, whatever a feed links to.
        "DOWNLOAD_HANDLERS": {
            "http": "borderwatch.crawler.politeness.GuardedHTTPDownloadHandler",
            "https": "borderwatch.crawler.politeness.GuardedHTTPDownloadHandler",
            "file": None,
            "ftp": None,
            "s3": None,
            "data": None,
        },
        "DOWNLOADER_MIDDLEWARES": {
            # ahead of robots.txt: every request, redirects and robots.txt included (crawler/addresses.py)
            "borderwatch.crawler.addresses.AddressGuardMiddleware": 50,
            "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
            "borderwatch.crawler.politeness.RobotsTxtMiddleware": 100,
            "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
            "borderwatch.crawler.politeness.BackoffRetryMiddleware": 550,
        },
        # Components this crawl never uses are left out of Scrapy's base lists, not just set to None: Scrapy
        # imports every entry of a component list, disabled or not, to merge class and string keys.
        "DOWNLOADER_MIDDLEWARES_BASE": _without(
            default_settings.DOWNLOADER_MIDDLEWARES_BASE, UNUSED_MIDDLEWARES
        ),
        "EXTENSIONS_BASE": _without(default_settings.EXTENSIONS_BASE, UNUSED_EXTENSIONS),
        "REMOTE_CONTROL_ENABLED": False,
        "COOKIES_ENABLED": False,
        "TELNETCONSOLE_ENABLED": False,
        "HTTPCACHE_ENABLED": False,
        "LOG_ENABLED": True,
        "LOG_INSTALL_ROOT_HANDLER": False,
        "LOG_LEVEL": log_level,
        "SPIDER_MIDDLEWARES": {"borderwatch.crawler.storage.StorageGuardMiddleware": 1000},
        "ITEM_PIPELINES": {
            "borderwatch.crawler.pipelines.ExtractPipeline": 100,
            "borderwatch.crawler.pipelines.StorePipeline": 200,
        },
        "REQUEST_FINGERPRINTER_IMPLEMENTATION": "2.7",
        # trafilatura worker processes (crawler/pipelines.py): settings.extract_workers (0 = in-process), or
        # -1: BORDERWATCH_EXTRACT_WORKERS (-1 = one per core) after the first BORDERWATCH_EXTRACT_INLINE pages
        "BORDERWATCH_EXTRACT_WORKERS": c.extract_workers,
        "BORDERWATCH_EXTRACT_DEFAULT_WORKERS": c.default_extract_workers,
        "BORDERWATCH_EXTRACT_INLINE": c.extract_inline,
        # fetch internal addresses (loopback, private, link-local ...) a feed links to: True, or networks;
        # the setting and the variable's text (crawler/addresses.py)
        "BORDERWATCH_ALLOW_INTERNAL_ADDRESSES": (
            list(c.allow_internal_addresses)
            if isinstance(c.allow_internal_addresses, tuple)
            else c.allow_internal_addresses
        ),
        "BORDERWATCH_ALLOW_INTERNAL_ADDRESSES_ENV": c.allow_internal_addresses_env,
        "DEFAULT_REQUEST_HEADERS": {
            "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,application/rss+xml,*/*;q=0.8",
            "Accept-Language": "en,es;q=0.8",
        },
    }
