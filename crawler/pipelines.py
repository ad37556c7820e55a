"""Item pipelines: fetched page -> trafilatura extraction -> database row (deduplicated by canonical URL).

The spider's crawl-state records (borderwatch.store.crawl: fetch results, old entries, page failures) pass
the extraction untouched and are written by StorePipeline, the crawl's one writer.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures.process import BrokenProcessPool

from scrapy.exceptions import DropItem

from borderwatch.records import Article, Entry
from borderwatch.store import DBAPIError, utcnow
from borderwatch.store import crawl as crawl_state

from .extract import extract
from .pages import pages_filed
from .storage import storage_failed
from .urls import canonicalize, is_http
from .workers import ExtractorPool, default_inline

log = logging.getLogger("borderwatch.crawler.extract")

# What the pool raises for a page it gave up on: a worker died on it on every try, or it ran past the timeout.
EXPECTED_EXTRACT_FAILURES = (BrokenProcessPool, TimeoutError)


class _SpiderAware:
    def __init__(self, crawler=None):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    @property
    def spider(self):
        return self.crawler.spider if self.crawler else None


class ExtractPipeline(_SpiderAware):
    """trafilatura on each fetched page, in a process pool (see workers.py) so the reactor keeps crawling."""

    def __init__(self, crawler=None):
        super().__init__(crawler)
        s = crawler.settings if crawler else None
        workers = s.getint("BORDERWATCH_EXTRACT_WORKERS", -1) if s else -1
        # an explicit worker count (settings.extract_workers) uses the pool from the first page
        if workers >= 0:
            self.pool = ExtractorPool(workers)
        else:  # one worker per core by default, started once the day is big enough to repay them (config.py)
            default = s.getint("BORDERWATCH_EXTRACT_DEFAULT_WORKERS", -1) if s else -1
            inline = s.getint("BORDERWATCH_EXTRACT_INLINE", -1) if s else -1
            self.pool = ExtractorPool(
                None if default < 0 else default, inline_first=default_inline() if inline < 0 else inline
            )
        if crawler is not None:
            crawler.signals.connect(self._pages_filed, signal=pages_filed)

    def close_spider(self, spider=None):
        self.pool.shutdown()

    def _pages_filed(self) -> None:
        """A discovery document filed new pages: a day now known to be big starts the workers (workers.py)."""
        self.pool.expect(self._backlog())

    async def process_item(self, item):
        if not isinstance(item, dict):  # a crawl-state record: nothing to extract
            return item
        ex = None
        if item.get("html"):
            fixes, encoding = item.get("fixes"), item.get("encoding")
            try:
                backlog = self._backlog() if self.pool.may_extract_inline else 0
                fut = self.pool.submit(item["html"], item["url"], fixes, backlog=backlog, encoding=encoding)
                ex = (
                    extract(item["html"], item["url"], fixes, encoding)
                    if fut is None
                    else await asyncio.wrap_future(fut)
                )
            except EXPECTED_EXTRACT_FAILURES as exc:
                # a worker died on this page every time, or it took too long: expected, no traceback
                self._report(item, f"{item['url']}: extraction failed ({type(exc).__name__}: {exc})")
            except Exception as exc:  # a bug in trafilatura, lxml or an outlet fix/hook: keep the feed entry
                self._report(item, f"{item['url']}: extraction failed ({type(exc).__name__}: {exc})", exc)
        return self.build(item, ex)

    def _backlog(self) -> int:
        """Pages known to be coming besides this one (queued requests, downloads in flight, a few of them
        feeds, and the pages the spider has not handed to Scrapy yet, crawler/pages.py): a day known to be big
        goes to the workers from its first page (workers.py)."""
        engine = getattr(self.crawler, "engine", None)
        pages = getattr(self.spider, "pages", None)
        try:
            return len(engine.scheduler) + len(engine.downloader.active) + (len(pages) if pages else 0)
        except (AttributeError, TypeError):  # no engine (a pipeline used on its own), another Scrapy
            return 0

    def _report(self, item, message: str, exc: BaseException | None = None) -> None:
        """Count the failure for the run summary; log it (with the traceback when it was unexpected)."""
        spider = self.spider
        if spider:
            rep = spider.report.for_source(item["entry"].source)
            rep.errors.append(message)
            rep.extract_errors += 1
        if exc is None:
            log.warning(message)
        else:
            log.error(message + "; the item is kept from its feed entry", exc_info=exc)

    def build(self, item, ex):
        spider = self.spider
        entry: Entry = item["entry"]
        rep = spider.report.for_source(entry.source) if spider else None
        canonical = ex.canonical if ex is not None else None
        if canonical and not is_http(canonical):
            canonical = None
        if ex is None:
            # No main text (script-rendered or paywalled page): keep what the feed told us.
            if not entry.title:
                if rep:
                    rep.failed += 1
                    rep.errors.append(f"{item['url']}: no main text")
                raise DropItem("no main text and no feed title")
            text = entry.summary or ""
            title, author, published, language = entry.title, entry.author, entry.published, None
        else:
            text = ex.text
            title = ex.title or entry.title or ""
            author = ex.author or entry.author
            published = entry.published or ex.published  # the feed's date beats a date guessed from the page
            if entry.via == "gdelt":  # GDELT's date is when it saw the page: the page's own date is better
                published = ex.published or entry.published
            language = ex.language
        item["article"] = Article(
            url=canonicalize(canonical or item["url"]),
            source=entry.outlet or entry.source,  # an article GDELT found belongs to its publisher
            title=title or "",
            text=text,
            author=author,
            published=published,
            language=language,
            guid=entry.guid,
            fetched_url=item["url"],
        )
        item["aliases"] = {canonicalize(entry.url), canonicalize(item["url"])}
        return item


class StorePipeline(_SpiderAware):
    """The crawl's one writer: stored articles, and the spider's crawl-state records.

    A storage failure (disk full, database gone) stops the crawl at the first item it could not write
    (crawler/storage.py); items after it are dropped quietly, and the next run fetches them again.
    """

    # Articles are written in batches (borderwatch.store.crawl.store_articles): an item waits at most
    # BATCH_WAIT seconds, or until BATCH_MAX items wait, and its page's URLs are looked up and its rows
    # inserted together with the others'. One transaction per article (a session, a lookup, an INSERT, a
    # commit) was a fifth of the crawling process's CPU at 1,000 articles, once extraction left it.
    BATCH_MAX = 50
    BATCH_WAIT = 0.2

    def __init__(self, crawler=None):
        super().__init__(crawler)
        self._waiting: list[tuple[crawl_state.NewArticle, dict, asyncio.Future]] = []
        self._timer: asyncio.TimerHandle | None = None

    async def process_item(self, item):
        spider = self.spider
        if isinstance(item, dict):
            art: Article = item["article"]
            if spider.report.storage_error:  # the crawl is stopping: the next run fetches this page again
                return {"url": art.url, "source": art.source, "status": "not stored"}
            new = self._new_article(spider, art)
            done = asyncio.get_running_loop().create_future()
            self._waiting.append((new, item, done))
            if len(self._waiting) >= self.BATCH_MAX or self._nothing_else_coming():
                self._write_batch()
            elif self._timer is None:
                self._timer = asyncio.get_running_loop().call_later(self.BATCH_WAIT, self._write_batch)
            stored = await done
            return {"url": art.url, "source": art.source, "status": new.status if stored else "not stored"}
        if spider.report.storage_error:
            return item
        try:
            self._record(spider.store, item)
        except DBAPIError as exc:
            storage_failed(self.crawler, exc)
        return item

    def _nothing_else_coming(self) -> bool:
        """No download under way or queued, no page left to hand out, and every item in the pipelines
        already waiting here: no other item can join the batch, so waiting BATCH_WAIT would only idle (the
        end of every crawl)."""
        engine = getattr(self.crawler, "engine", None)
        pages = getattr(self.spider, "pages", None)
        try:
            return (
                not engine.downloader.active
                and not len(engine.scheduler)
                and not (len(pages) if pages is not None else 0)
                and engine.scraper.slot.itemproc_size <= len(self._waiting)
            )
        except (AttributeError, TypeError):  # no engine (a pipeline used on its own), another Scrapy
            return False

    def _write_batch(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        batch, self._waiting = self._waiting, []
        if not batch:
            return
        spider = self.spider
        stored = False
        if not spider.report.storage_error:
            try:
                results = crawl_state.store_articles(
                    spider.store, [(new, item["aliases"]) for new, item, _done in batch]
                )
            except DBAPIError as exc:  # disk full, database gone: stop the crawl (crawler/storage.py)
                storage_failed(self.crawler, exc)
            else:
                stored = True
                for (_new, item, _done), (_id, existed) in zip(batch, results, strict=True):
                    if existed:
                        spider.report.for_source(item["entry"].source).seen += 1
        for _new, _item, done in batch:
            if not done.done():
                done.set_result(stored)

    @staticmethod
    def _record(store, item) -> None:
        if isinstance(item, crawl_state.FetchRecord):
            crawl_state.record_fetch(store, item)
        elif isinstance(item, crawl_state.OldEntry):
            crawl_state.remember_old(store, [item])
        elif isinstance(item, crawl_state.PageFailureRecord):
            crawl_state.record_page_failure(store, item)
        elif isinstance(item, crawl_state.PageFailureCleared):
            crawl_state.drop_page_failures(store, [item.url])
        elif isinstance(item, crawl_state.GdeltWindowDone):
            store.set_gdelt_window_end(item.state_key, item.end)
        else:
            raise TypeError(f"StorePipeline got an item it does not know: {type(item).__name__}")

    @staticmethod
    def _new_article(spider, art: Article) -> crawl_state.NewArticle:
        now = utcnow()
        published = art.published
        if published is not None and published > now:
            published = now  # a future date is a publisher's error; do not let it sort above everything
        status = "old" if published is not None and published < spider.cutoff else "new"
        return crawl_state.NewArticle(
            url=art.url,
            guid=art.guid,
            source=art.source,
            title=art.title,
            author=art.author,
            published=published,
            text=art.text,
            language=art.language,
            status=status,
        )

    def close_spider(self, spider=None):
        """Every item is written by now: drop the validators of documents whose rest waits for next run
        (not after a storage failure: the crawl counts as interrupted and drops its sources' validators)."""
        self._write_batch()  # (normally empty: every article item has waited for its batch)
        spider = self.spider or spider
        if spider is None or spider.checking or not spider.revalidate or spider.report.storage_error:
            return
        try:
            crawl_state.forget_validators(spider.store, spider.revalidate)
        except DBAPIError as exc:
            storage_failed(self.crawler, exc)
