"""One spider driven by sources.yaml: discovery documents (feeds, sitemaps, listings) -> new article pages.

Decides here, against the database, what is *not* fetched: URLs and feed GUIDs seen before, entries older
than the backfill window (stored as seen from their feed metadata), and unchanged discovery documents
(conditional GET -> 304).
"""

from __future__ import annotations

from datetime import datetime

import scrapy
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.error import DNSLookupError, TCPTimedOutError, TimeoutError

from borderwatch.records import Entry, Source
from borderwatch.store import ArticleRow, FetchState, Store, UrlSeen, utcnow

from .discovery import DiscoveryError, parse_feed
from .report import CrawlReport
from .sitemaps import parse_listing, parse_sitemap
from .urls import canonicalize, is_http


def describe_failure(failure) -> str:
    exc = failure.value
    if isinstance(exc, HttpError):
        return f"HTTP {exc.response.status}"
    if isinstance(exc, DNSLookupError):
        return "DNS lookup failed"
    if isinstance(exc, (TimeoutError, TCPTimedOutError)):
        return "timed out"
    name = type(exc).__name__
    if name == "IgnoreRequest" and "robots" in str(exc).lower():
        return "forbidden by robots.txt"
    msg = str(exc).strip() or name
    return f"{name}: {msg}"[:300]


class OutletSpider(scrapy.Spider):
    name = "borderwatch"
    handle_httpstatus_list = [304]

    def __init__(self, sources: list[Source], store: Store, report: CrawlReport, cutoff: datetime, **kwargs):
        super().__init__(**kwargs)
        self.sources = sources
        self.store = store
        self.report = report
        self.cutoff = cutoff
        self.now = utcnow()

    # -- discovery -----------------------------------------------------------
    def _discovery_request(
        self, url: str, source: Source, kind: str, extra: dict | None = None
    ) -> scrapy.Request:
        headers = {}
        with self.store.session() as s:
            st = s.get(FetchState, url)
            if st is not None:
                if st.etag:
                    headers["If-None-Match"] = st.etag
                if st.last_modified:
                    headers["If-Modified-Since"] = st.last_modified
        meta = {"source": source.name, "kind": kind, "discovery_url": url, **(extra or {})}
        return scrapy.Request(
            url,
            headers=headers,
            callback=self.parse_discovery,
            errback=self.discovery_failed,
            meta=meta,
            dont_filter=True,
        )

    async def start(self):
        for src in self.sources:
            self.report.for_source(src.name)
            for url in src.feeds:
                yield self._discovery_request(url, src, "feed")
            for url in src.sitemaps:
                yield self._discovery_request(url, src, "sitemap")
            for listing in src.listings:
                yield self._discovery_request(listing["url"], src, "listing", {"links": listing["links"]})

    def _record_fetch(
        self, url: str, source: str, status: int | None, error: str | None, response=None, items=0
    ):
        with self.store.session() as s:
            st = s.get(FetchState, url)
            if st is None:
                st = FetchState(url=url, source=source)
                s.add(st)
            st.last_status = status
            st.last_error = error
            st.last_fetched = utcnow()
            if response is not None and status == 200:
                etag = response.headers.get(b"ETag")
                lm = response.headers.get(b"Last-Modified")
                st.etag = etag.decode("latin-1") if etag else None
                st.last_modified = lm.decode("latin-1") if lm else None
                st.items_found = items

    def discovery_failed(self, failure):
        req = failure.request
        name, url = req.meta["source"], req.meta["discovery_url"]
        reason = describe_failure(failure)
        rep = self.report.for_source(name)
        rep.discovery_failed += 1
        rep.errors.append(f"{url}: {reason}")
        status = failure.value.response.status if isinstance(failure.value, HttpError) else None
        self._record_fetch(url, name, status, reason)

    def parse_discovery(self, response: Response):
        meta = response.meta
        name, kind, url = meta["source"], meta["kind"], meta["discovery_url"]
        rep = self.report.for_source(name)
        if response.status == 304:
            rep.not_modified += 1
            rep.discovery_ok += 1
            self._record_fetch(url, name, 304, None)
            return
        try:
            if kind == "feed":
                entries = parse_feed(response.body, response.url, name)
            elif kind == "sitemap":
                entries, children = parse_sitemap(response.body, response.url, name, self.cutoff)
                for child in children:
                    src = next(s for s in self.sources if s.name == name)
                    yield self._discovery_request(child, src, "sitemap")
            else:
                entries = parse_listing(response, meta.get("links") or "a[href]", name)
        except DiscoveryError as exc:
            rep.discovery_failed += 1
            rep.errors.append(f"{url}: {exc}")
            self._record_fetch(url, name, response.status, str(exc))
            return
        rep.discovery_ok += 1
        self._record_fetch(url, name, response.status, None, response, items=len(entries))
        src = next(s for s in self.sources if s.name == name)
        limit = int(src.options.get("max_items", 100))
        for entry in entries[:limit]:
            req = self._entry_request(entry)
            if req is not None:
                yield req

    def _entry_request(self, entry: Entry):
        rep = self.report.for_source(entry.source)
        rep.discovered += 1
        if not is_http(entry.url):
            return None
        key = canonicalize(entry.url)
        with self.store.session() as s:
            if self.store.seen(s, key, entry.guid):
                rep.seen += 1
                return None
            if entry.published is not None and entry.published < self.cutoff:
                # Outside the backfill window: remember it from its feed metadata, never fetch or send it.
                art = ArticleRow(
                    url=key,
                    guid=entry.guid,
                    source=entry.source,
                    title=entry.title or "",
                    author=entry.author,
                    published=entry.published,
                    status="old",
                )
                s.add(art)
                s.flush()
                s.add(UrlSeen(url=key, article_id=art.id))
                rep.old += 1
                return None
        rep.new += 1
        return scrapy.Request(
            entry.url,
            callback=self.parse_article,
            errback=self.article_failed,
            meta={"entry": entry, "source": entry.source},
        )

    # -- articles ------------------------------------------------------------
    def article_failed(self, failure):
        entry: Entry = failure.request.meta["entry"]
        rep = self.report.for_source(entry.source)
        rep.failed += 1
        rep.errors.append(f"{entry.url}: {describe_failure(failure)}")

    def parse_article(self, response: Response):
        entry: Entry = response.meta["entry"]
        self.report.for_source(entry.source).fetched += 1
        canonical = None
        if isinstance(response, scrapy.http.HtmlResponse):
            href = response.css('link[rel="canonical"]::attr(href)').get()
            if href:
                canonical = response.urljoin(href.strip())
        yield {
            "entry": entry,
            "url": response.url,
            "canonical": canonical,
            "html": response.text if isinstance(response, scrapy.http.TextResponse) else "",
        }
