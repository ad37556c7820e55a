"""Every Scrapy setting borderwatch uses, in one place. Politeness first."""

from __future__ import annotations

from typing import Any

from borderwatch import __version__

DEFAULT_USER_AGENT = (
    f"borderwatch/{__version__} (+https://github.com/borderwatch/borderwatch; news monitoring bot)"
)


def scrapy_settings(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    o = overrides or {}
    return {
        "BOT_NAME": "borderwatch",
        "USER_AGENT": o.get("user_agent", DEFAULT_USER_AGENT),
        "ROBOTSTXT_OBEY": True,
        "ROBOTSTXT_USER_AGENT": "borderwatch",
        # Politeness: at most 2 requests in flight per host, adaptive delay.
        "CONCURRENT_REQUESTS": 16,
        "CONCURRENT_REQUESTS_PER_DOMAIN": o.get("concurrency_per_domain", 2),
        "DOWNLOAD_DELAY": o.get("download_delay", 0.25),
        "AUTOTHROTTLE_ENABLED": True,
        "AUTOTHROTTLE_START_DELAY": o.get("autothrottle_start_delay", 1.0),
        "AUTOTHROTTLE_MAX_DELAY": 10.0,
        "AUTOTHROTTLE_TARGET_CONCURRENCY": 1.0,
        # One silent server costs ~a minute at most: 20 s x 2 attempts, not Scrapy's 180 s x 3.
        "DOWNLOAD_TIMEOUT": o.get("download_timeout", 20),
        "RETRY_ENABLED": True,
        "RETRY_TIMES": 1,
        "RETRY_HTTP_CODES": [500, 502, 503, 504, 522, 524, 408],
        "DOWNLOAD_MAXSIZE": o.get("max_page_bytes", 5 * 1024 * 1024),
        "DOWNLOAD_WARNSIZE": 0,
        "REDIRECT_ENABLED": True,
        "REDIRECT_MAX_TIMES": 5,
        "COOKIES_ENABLED": False,
        "TELNETCONSOLE_ENABLED": False,
        "HTTPCACHE_ENABLED": False,
        "LOG_ENABLED": True,
        "LOG_INSTALL_ROOT_HANDLER": False,
        "LOG_LEVEL": o.get("log_level", "WARNING"),
        "DNS_TIMEOUT": 10,
        "ITEM_PIPELINES": {
            "borderwatch.crawler.pipelines.ExtractPipeline": 100,
            "borderwatch.crawler.pipelines.StorePipeline": 200,
        },
        "REQUEST_FINGERPRINTER_IMPLEMENTATION": "2.7",
        # trafilatura worker processes; -1 = one per core (env BORDERWATCH_EXTRACT_WORKERS), 0 = in-process
        "BORDERWATCH_EXTRACT_WORKERS": o.get("extract_workers", -1),
        "DEFAULT_REQUEST_HEADERS": {
            "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,application/rss+xml,*/*;q=0.8",
            "Accept-Language": "en,es;q=0.8",
        },
    }
