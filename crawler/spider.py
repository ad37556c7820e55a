"""One spider driven by sources.yaml: discovery documents (feeds, sitemaps, listings) -> new article pages.

Decides here what is *not* fetched: URLs and feed GUIDs seen before, entries older than the backfill
window (stored as seen from their feed metadata), links the outlet's filters leave out, pages of paywalled
outlets (their item comes from the feed alone), and unchanged discovery documents (conditional GET -> 304).
Article pages that fail are retried on a few later runs or kept from their feed entry
(crawler/page_failures.py).

The spider opens no database session: what it needs from earlier runs is read in batches before the crawl
(crawler/history.py: validators, pages to retry, GDELT windows) and, per discovery document, one batch
"seen?" lookup; everything it learns leaves as an item (borderwatch.store.crawl's records) that
StorePipeline writes.

GDELT queries (crawler/gdelt.py) are discovery documents too: their articles are requested from their own
publishers like any feed entry, and filed under the publisher's name.

Two modes: "run" (the daily crawl) and "check" (`borderwatch sources check`: fetch every discovery document,
report what it holds, fetch no article and write nothing to the database).
"""

from __future__ import annotations

from datetime import datetime

import scrapy
from scrapy import signals
from scrapy.exceptions import DontCloseSpider
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError

from borderwatch.records import Entry, Source
from borderwatch.store import Store, utcnow
from borderwatch.store.crawl import (
    FetchRecord,
    GdeltWindowDone,
    OldEntry,
    PageFailureCleared,
    PageFailureRecord,
    Validators,
)

from . import gdelt
from .discovery import DiscoveryError, parse_feed
from .history import CrawlHistory
from .page_failures import (
    PAGE_RETRY_RUNS,
    entry_from_json,
    entry_to_json,
    failure_status,
    gives_up_at_once,
    is_refused,
)
from .pages import PageQueue, pages_filed
from .plan import SourcePlan, plan_for
from .politeness import describe_exception
from .report import CrawlReport, DocumentResult
from .sitemaps import parse_listing, parse_sitemap
from .urls import canonicalize, is_http


def describe_failure(failure) -> str:
    exc = failure.value
    if isinstance(exc, HttpError):
        return f"HTTP {exc.response.status}"
    return describe_exception(exc)


class OutletSpider(scrapy.Spider):
    name = "borderwatch"
    handle_httpstatus_list = [304]

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        # Article pages are handed to Scrapy a few at a time (crawler/pages.py): enough to keep every host's
        # download slots busy, never the whole day's list. A host's share is a quarter of the whole, so a small
        # day is handed out at once as before and a slow host never holds every slot. A page comes back through
        # its callback or errback; spider_idle (with DontCloseSpider, Scrapy's documented idle scheduling) and
        # request_dropped cover the rest.
        s = crawler.settings
        limit = s.getint("CONCURRENT_REQUESTS", 16)
        spider.pages = PageQueue(
            limit=limit,
            per_host=max(limit // 4, 2 * max(1, s.getint("CONCURRENT_REQUESTS_PER_DOMAIN", 1))),
        )
        crawler.signals.connect(spider._pages_idle, signal=signals.spider_idle)
        crawler.signals.connect(spider._page_dropped, signal=signals.request_dropped)
        return spider

    def __init__(
        self,
        sources: list[Source],
        store: Store,
        report: CrawlReport,
        cutoff: datetime,
        mode: str = "run",
        known_sources: list[Source] | None = None,
        history: CrawlHistory | None = None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.plans: dict[str, SourcePlan] = {s.name: plan_for(s) for s in sources}
        # every configured source, crawled in this run or not: who publishes what a GDELT query found
        known = known_sources if known_sources is not None else sources
        from .outlets import PROFILES

        self.publishers = gdelt.Publishers(known, PROFILES)
        self.known_plans: dict[str, SourcePlan] = {s.name: plan_for(s) for s in known}
        self.known_plans.update(self.plans)
        self.store = store  # for the pipelines; the spider itself reads only `history`
        self.history = history if history is not None else CrawlHistory.load(store, sources, mode)
        self.report = report
        self.cutoff = cutoff
        self.mode = mode
        self.now = utcnow()
        self.requested: set[str] = set()  # canonical article URLs asked for (or stored as old) in this run
        self.old_guids: set[str] = set()  # GUIDs of entries stored as old in this run
        self.revalidate: set[str] = set()  # discovery URLs to read in full next run
        self.retrying: dict[str, int] = {}  # canonical URL -> runs failed before, of pages asked again
        # article pages not asked for yet (from_crawler sizes it from the crawl's settings)
        self.pages = PageQueue(limit=64, per_host=16)

    @property
    def checking(self) -> bool:
        return self.mode == "check"

    # -- discovery -----------------------------------------------------------
    def _discovery_request(
        self, url: str, plan: SourcePlan, kind: str, selector: str | None = None, parent: str | None = None
    ) -> scrapy.Request:
        headers = {}
        st = self.history.validators.get(url)
        if st is not None:
            if st.etag:
                headers["If-None-Match"] = st.etag
            if st.last_modified:
                headers["If-Modified-Since"] = st.last_modified
        meta = {
            "source": plan.name,
            "kind": kind,
            "discovery_url": url,
            "links": selector,
            "parent": parent,
        }
        return scrapy.Request(
            url,
            headers=headers,
            callback=self.parse_discovery,
            errback=self.discovery_failed,
            meta=meta,
            dont_filter=True,
            priority=10,  # discovery documents before article pages
        )

    async def start(self):
        retries = [] if self.checking else self._retries()  # before any feed can list them again
        for plan in self.plans.values():
            self.report.for_source(plan.name)
            for kind, url, extra in plan.discovery:
                if kind == "gdelt":
                    yield self._gdelt_request(url, plan, extra)
                else:
                    yield self._discovery_request(url, plan, kind, extra)
        for out in retries:
            yield out
        for req in self._next_pages():
            yield req

    # -- article pages, a few at a time (crawler/pages.py) -------------------
    def _next_pages(self) -> list[scrapy.Request]:
        return [self._article_request(e, url, token) for token, e, url in self.pages.take()]

    def _pages_idle(self) -> None:
        """spider_idle: nothing is in flight, so every page handed out has come back; hand out the next."""
        self.pages.settle()
        if not self.pages.waiting:
            return
        for req in self._next_pages():
            self.crawler.engine.crawl(req)
        raise DontCloseSpider

    def _page_dropped(self, request: scrapy.Request) -> None:
        self.pages.done(request.meta.get("page"))

    def _gdelt_request(self, key: str, plan: SourcePlan, query: gdelt.Query) -> scrapy.Request:
        """One article-list request for the window since this query's last success (crawler/gdelt.py)."""
        start, end = gdelt.window(self.now, self.history.gdelt_windows.get(query.state_key()), self.cutoff)
        meta = {
            "source": plan.name,
            "kind": "gdelt",
            "discovery_url": key,
            "parent": None,
            "gdelt_state": query.state_key(),
            "gdelt_end": end,
            # one slot for the API, its delay fixed (crawler/settings.py DOWNLOAD_SLOTS)
            "download_slot": gdelt.SLOT,
            "autothrottle_dont_adjust_delay": True,
        }
        return scrapy.Request(
            query.request_url(start, end),
            headers={"Accept": "application/json"},
            callback=self.parse_discovery,
            errback=self.discovery_failed,
            meta=meta,
            dont_filter=True,
            priority=10,
        )

    def _page_plan(self, entry: Entry) -> SourcePlan:
        """The plan an article page is read with: its publisher's, when GDELT found it on a configured source."""
        if entry.via == "gdelt":
            owner = self.publishers.source_for(entry.url)
            if owner in self.known_plans:
                return self.known_plans[owner]
        return self.plans[entry.source]

    def _retries(self) -> list:
        """Pages that failed on an earlier run and are still within PAGE_RETRY_RUNS (crawler/page_failures.py).

        Asked for from the stored feed entry, whether or not a feed still lists them; marked as requested now,
        so a feed that lists one again in this run does not ask for it a second time.
        """
        out = []
        for row in self.history.retries:  # pages stored meanwhile (e.g. under another URL) are left out
            entry = entry_from_json(row.entry)
            rep = self.report.for_source(row.source)
            self.requested.add(row.url)
            self.retrying[row.url] = row.failures or 0
            rep.retried += 1
            if not self._page_plan(entry).fetch_pages:  # the outlet is feed-only now: keep what the feed said
                out.append(PageFailureCleared(row.url))
                rep.teasers += 1
                out.append(self._from_feed(entry))
                continue
            self.pages.add(entry, row.discovery_url)
        return out

    @staticmethod
    def _from_feed(entry: Entry) -> dict:
        """An item built from the feed entry alone (ExtractPipeline stores title + summary, no page text)."""
        return {"entry": entry, "url": entry.url, "html": "", "fixes": None}

    def _article_request(self, entry: Entry, discovery_url: str | None, token: int) -> scrapy.Request:
        return scrapy.Request(
            entry.url,
            callback=self.parse_article,
            errback=self.article_failed,
            meta={"entry": entry, "source": entry.source, "discovery_url": discovery_url, "page": token},
        )

    def _document(self, meta, status: int | None, error: str | None = None) -> DocumentResult:
        doc = DocumentResult(
            source=meta["source"],
            url=meta["discovery_url"],
            kind=meta["kind"] if not meta.get("parent") else "sitemap (child)",
            status=status,
            error=error,
            parent=meta.get("parent"),
        )
        rep = self.report.for_source(meta["source"])
        rep.documents.append(doc)
        rep.touch()
        if error:
            rep.discovery_failed += 1
            rep.errors.append(f"{doc.url}: {error}")
        else:
            rep.discovery_ok += 1
        return doc

    def _record_fetch(
        self, url: str, source: str, status: int | None, error: str | None, response=None, items=0
    ) -> list[FetchRecord]:
        """The item that stores what this fetch said (none in check mode)."""
        if self.checking:
            return []  # a check must not move the validators: the next run would miss what the check saw
        new = None
        if response is not None and status == 200:
            etag = response.headers.get(b"ETag")
            lm = response.headers.get(b"Last-Modified")
            new = Validators(
                etag.decode("latin-1") if etag else None, lm.decode("latin-1") if lm else None, items
            )
        return [FetchRecord(url, source, status, error, new)]

    def discovery_failed(self, failure):
        meta = failure.request.meta
        reason = describe_failure(failure)
        status = failure.value.response.status if isinstance(failure.value, HttpError) else None
        if meta.get("kind") == "gdelt" and isinstance(failure.value, HttpError):
            said = gdelt.error_text(
                failure.value.response.body
            )  # e.g. "Please limit requests to one every 5 seconds"
            reason += f": {said!r}" if said else ""
        self._document(meta, status, reason)
        return self._record_fetch(meta["discovery_url"], meta["source"], status, reason)

    def parse_discovery(self, response: Response):
        meta = response.meta
        name, kind, url = meta["source"], meta["kind"], meta["discovery_url"]
        plan = self.plans[name]
        rep = self.report.for_source(name)
        if response.status == 304:
            rep.not_modified += 1
            doc = self._document(meta, 304)
            st = self.history.validators.get(url)
            doc.items = st.items_found if st else 0
            yield from self._record_fetch(url, name, 304, None)
            return
        try:
            if kind == "feed":
                entries = parse_feed(response.body, response.url, name)
            elif kind == "gdelt":
                entries = gdelt.parse_answer(response.body, name)
                for e in entries:
                    e.outlet = self.publishers.name_for(e.url, e.outlet)
            elif kind == "sitemap":
                entries, children = parse_sitemap(response.body, response.url, name, self.cutoff)
                for child in children:
                    yield self._discovery_request(child, plan, "sitemap", parent=url)
            else:
                entries = parse_listing(response, meta.get("links") or "a[href]", name)
        except DiscoveryError as exc:
            self._document(meta, response.status, str(exc))
            yield from self._record_fetch(url, name, response.status, str(exc))
            return
        entries = [e for e in entries if is_http(e.url)]
        wanted = [e for e in entries if plan.wants(e.url)]
        rep.filtered += len(entries) - len(wanted)
        wanted = wanted[: plan.max_items]
        doc = self._document(meta, response.status)
        doc.items = len(wanted)
        for e in wanted:
            if e.published and (doc.newest is None or e.published > doc.newest):
                doc.newest = e.published
            rep.saw_date(e.published)
        yield from self._record_fetch(url, name, response.status, None, response, items=len(wanted))
        if self.checking:
            return
        deferred = rep.deferred
        # one lookup for the whole document (not one per entry): this runs in the reactor thread
        seen_urls, seen_guids = self.history.seen(
            [k for k in (canonicalize(e.url) for e in wanted) if k not in self.requested],
            [e.guid for e in wanted],
        )
        old: list[OldEntry] = []
        for entry in wanted:
            out = self._follow(entry, plan, url, seen_urls, seen_guids, old)
            if out is not None:
                yield out
        if self.pages.waiting and getattr(self, "crawler", None) is not None:
            self.crawler.signals.send_catch_log(pages_filed)
        yield from self._next_pages()
        yield from old
        if kind == "gdelt" and rep.deferred == deferred:
            # the next window starts here; with articles left over (max_pages) it stays, and they come next run
            yield GdeltWindowDone(meta["gdelt_state"], meta["gdelt_end"])

    def _follow(
        self,
        entry: Entry,
        plan: SourcePlan,
        discovery_url: str,
        seen_urls: set[str],
        seen_guids: set[str],
        old: list[OldEntry],
    ):
        """For one discovered entry, if new: its page is filed to be asked for (self.pages), or for a paywalled
        outlet the finished item is returned. An entry outside the backfill window goes into `old` (stored as
        seen, never fetched or sent)."""
        rep = self.report.for_source(entry.source)
        rep.discovered += 1
        key = canonicalize(entry.url)
        if key in self.requested:
            rep.seen += 1
            return None
        if key in seen_urls or (entry.guid and (entry.guid in seen_guids or entry.guid in self.old_guids)):
            rep.seen += 1
            return None
        if entry.published is not None and entry.published < self.cutoff:
            # Outside the backfill window: remember it from its feed metadata, never fetch or send it.
            old.append(
                OldEntry(
                    url=key,
                    guid=entry.guid,
                    source=entry.outlet or entry.source,
                    title=entry.title or "",
                    author=entry.author,
                    published=entry.published,
                )
            )
            self.requested.add(key)  # listed again in this run: seen, as it would be in the database
            if entry.guid:
                self.old_guids.add(entry.guid)
            rep.old += 1
            return None
        if rep.new >= plan.max_pages:
            rep.deferred += 1
            self.revalidate.add(discovery_url)  # so the next run sees the rest even if nothing changed
            return None
        self.requested.add(key)
        rep.new += 1
        if not self._page_plan(entry).fetch_pages:
            rep.teasers += 1
            return self._from_feed(entry)
        self.pages.add(entry, discovery_url)
        return None

    # -- articles ------------------------------------------------------------
    def article_failed(self, failure):
        """Retry the page on a later run, or keep the item from its feed entry and never ask again.

        The policy and its reasons are in crawler/page_failures.py. Every failure is reported for its source
        with the reason and what happens next.
        """
        req = failure.request
        self.pages.done(req.meta.get("page"))
        out: list = self._next_pages()
        entry: Entry = req.meta["entry"]
        rep = self.report.for_source(entry.source)
        rep.touch()
        rep.failed += 1
        reason = describe_failure(failure)
        status = failure_status(failure)
        key = canonicalize(entry.url)
        runs = self.retrying.get(key, 0) + 1  # a page is asked for at most once per run
        give_up = gives_up_at_once(status, reason) or runs >= PAGE_RETRY_RUNS
        refused = is_refused(reason)
        record = PageFailureRecord(
            url=key,
            source=entry.source,
            entry=entry_to_json(entry),
            discovery_url=req.meta.get("discovery_url"),
            status=status,
            reason=reason,
            give_up=give_up,
            # nothing to keep from the feed (or a refused address): mark it seen, just never ask again
            never_ask=give_up and (refused or not entry.title),
        )
        if not give_up:
            rep.errors.append(f"{entry.url}: {reason}; asked again next run ({runs}/{PAGE_RETRY_RUNS})")
            return [*out, record]
        after = f" after {runs} runs" if runs > 1 else ""
        if refused:
            rep.errors.append(f"{entry.url}: {reason}; never fetched, not kept")
            return [*out, record]
        if not entry.title:
            rep.errors.append(f"{entry.url}: {reason}; given up{after} (the feed gave no title to keep)")
            return [*out, record]
        rep.errors.append(f"{entry.url}: {reason}; kept from the feed entry, not fetched again{after}")
        rep.from_feed += 1
        return [*out, record, self._from_feed(entry)]

    def parse_article(self, response: Response):
        self.pages.done(response.meta.get("page"))
        yield from self._next_pages()  # the next pages first: the downloader need not wait for extraction
        entry: Entry = response.meta["entry"]
        rep = self.report.for_source(entry.source)
        rep.fetched += 1
        rep.touch()
        key = canonicalize(entry.url)
        if key in self.retrying:  # a page that failed on an earlier run came through
            yield PageFailureCleared(key)
        # No parsing here: the extraction worker reads the canonical link from the tree trafilatura builds
        # anyway (crawler/extract.py); a selector here would parse every page a second time, in the reactor.
        yield {
            "entry": entry,
            "url": response.url,
            # the raw body and its encoding: the extraction worker decodes it (crawler/extract.py), not the reactor
            "html": response.body if isinstance(response, scrapy.http.TextResponse) else b"",
            "encoding": response.encoding if isinstance(response, scrapy.http.TextResponse) else None,
            "fixes": self._page_plan(entry).fixes,
        }

    # StorePipeline.close_spider drops the validators of `revalidate` once every item is written.
