"""A storage failure mid-crawl (disk full, database gone) stops the crawl at once, in one line.

Without this, every page that could not be stored logged a traceback with the item's contents and the
crawl went on downloading pages it could not keep. Now the first failure is recorded in the report (the
cycle turns it into one message and exit 2, see borderwatch/diskspace.py), the spider is closed, later
items and callbacks that hit the database are dropped quietly, and the crawl counts as interrupted
(crawler/run.py): nothing is lost, the next run fetches those pages again.
"""

from __future__ import annotations

import logging

from scrapy.utils.defer import deferred_from_coro

from borderwatch.diskspace import disk_full_message
from borderwatch.store import DBAPIError

log = logging.getLogger(__name__)


def describe_storage_error(url: str, exc: BaseException) -> str:
    full = disk_full_message(url, exc)
    if full:
        return full
    orig = getattr(exc, "orig", None) or exc
    first = (str(orig).strip().splitlines() or [type(orig).__name__])[0]
    return f"database error: {type(orig).__name__}: {first}"


def storage_failed(crawler, exc: BaseException) -> None:
    spider = crawler.spider
    if spider is None or spider.report.storage_error is not None:
        return
    spider.report.storage_error = describe_storage_error(spider.store.url, exc)
    log.info("storage failed; stopping the crawl: %s", spider.report.storage_error)
    deferred_from_coro(crawler.engine.close_spider_async(reason="storage_failed"))


class StorageGuardMiddleware:
    """Spider middleware: a database error in a callback or errback stops the crawl (no traceback)."""

    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_spider_exception(self, response, exception, spider=None):
        if isinstance(exception, DBAPIError):
            storage_failed(self.crawler, exception)
            return []
        return None
