"""Crawl state: what was seen, what the discovery documents said last time, which pages failed, the
articles stored, and each source's health. Called from the crawl's start-up, pipelines and end."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, insert, select, update

from .db import Store
from .models import ArticleRow, FetchState, PageFailure, SourceRow, UrlSeen, utcnow


# -- conditional GET validators per discovery URL ---------------------------------------------------------
@dataclass(frozen=True)
class Validators:
    etag: str | None
    last_modified: str | None
    items_found: int


def validators(store: Store, sources: Iterable[str]) -> dict[str, Validators]:
    """Every stored discovery URL of these sources (feeds, sitemaps and their children, listings)."""
    with store.session() as s:
        rows = s.scalars(select(FetchState).where(FetchState.source.in_(list(sources)))).all()
        return {r.url: Validators(r.etag, r.last_modified, r.items_found or 0) for r in rows}


@dataclass(frozen=True)
class FetchRecord:
    """One discovery document fetched. `validators` only for a 200: the new ETag/Last-Modified/items."""

    url: str
    source: str
    status: int | None
    error: str | None
    validators: Validators | None = None


def record_fetch(store: Store, rec: FetchRecord) -> None:
    with store.session() as s:
        st = s.get(FetchState, rec.url)
        if st is None:
            st = FetchState(url=rec.url, source=rec.source)
            s.add(st)
        st.last_status = rec.status
        st.last_error = rec.error
        st.last_fetched = utcnow()
        if rec.validators is not None:
            st.etag = rec.validators.etag
            st.last_modified = rec.validators.last_modified
            st.items_found = rec.validators.items_found


def forget_validators(store: Store, urls: Iterable[str]) -> None:
    """Read these discovery URLs in full next run (no If-None-Match / If-Modified-Since)."""
    urls = list(urls)
    if urls:
        with store.session() as s:
            s.execute(
                update(FetchState).where(FetchState.url.in_(urls)).values(etag=None, last_modified=None)
            )


# -- URLs seen ---------------------------------------------------------------------------------------------
def seen(store: Store, urls: Iterable[str], guids: Iterable[str | None]) -> tuple[set[str], set[str]]:
    """Which of these canonical URLs, and which feed GUIDs, lead to something stored (or never to ask)."""
    urls, guids = list(dict.fromkeys(urls)), [g for g in dict.fromkeys(guids) if g]
    with store.session() as s:
        got_urls = set(s.scalars(select(UrlSeen.url).where(UrlSeen.url.in_(urls))).all()) if urls else set()
        got_guids = (
            set(s.scalars(select(ArticleRow.guid).where(ArticleRow.guid.in_(guids))).all())
            if guids
            else set()
        )
    return got_urls, got_guids


@dataclass(frozen=True)
class OldEntry:
    """A feed entry outside the backfill window: kept as seen from its feed metadata, never fetched."""

    url: str  # canonical
    guid: str | None
    source: str
    title: str
    author: str | None
    published: datetime | None


def remember_old(store: Store, entries: list[OldEntry]) -> None:
    if not entries:
        return
    with store.session() as s:
        for e in entries:
            art = ArticleRow(
                url=e.url,
                guid=e.guid,
                source=e.source,
                title=e.title,
                author=e.author,
                published=e.published,
                status="old",
            )
            s.add(art)
            s.flush()
            s.add(UrlSeen(url=e.url, article_id=art.id))


# -- articles ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class NewArticle:
    url: str  # canonical
    guid: str | None
    source: str
    title: str
    author: str | None
    published: datetime | None
    text: str | None
    language: str | None
    status: str  # new | old


def store_article(store: Store, art: NewArticle, aliases: Iterable[str]) -> tuple[int, bool]:
    """Store the article unless one of its URLs is known; record every URL as seen.
    Returns (article id, True if it was already stored). One query for all of the page's URLs."""
    return store_articles(store, [(art, aliases)])[0]


def store_articles(store: Store, batch: list[tuple[NewArticle, Iterable[str]]]) -> list[tuple[int, bool]]:
    """store_article for a batch, in one transaction: one query for every URL of every page, one INSERT
    round for the new articles, one for their URLs. In batch order, so a page whose URL an earlier page of
    the same batch already brought counts as seen, exactly as when they are stored one by one.
    Returns (article id, True if it was already stored) per page.

    Core statements (INSERT ... RETURNING id, in parameter order), not ORM objects: the rows are written
    and never looked at again in this session, and the unit of work's flush of ~50 ArticleRows was most of
    this function's time in the crawling process."""
    articles, urls = ArticleRow.__table__, UrlSeen.__table__
    keyed = [(art, {art.url, *aliases}) for art, aliases in batch]
    with store.session() as s:
        every = set().union(*(keys for _art, keys in keyed)) if keyed else set()
        # a URL's article id, None for a URL kept without one, or (new articles of this batch) a one-item
        # list the id is put in once the INSERT has returned it
        known: dict[str, int | list | None] = dict(
            s.execute(select(urls.c.url, urls.c.article_id).where(urls.c.url.in_(every))).all()
        )
        placed: list[tuple[int | list, bool]] = []
        seen_rows: list[tuple[str, int | list]] = []
        rows: list[dict] = []
        cells: list[list] = []
        for art, keys in keyed:
            existing = next((known[k] for k in keys if known.get(k) is not None), None)
            existed = existing is not None
            if existing is None:
                existing = [None]
                cells.append(existing)
                rows.append(
                    {
                        "url": art.url,
                        "guid": art.guid,
                        "source": art.source,
                        "title": art.title,
                        "author": art.author,
                        "published": art.published,
                        "text": art.text,
                        "language": art.language,
                        "status": art.status,
                    }
                )
            for k in keys - known.keys():
                seen_rows.append((k, existing))
                known[k] = existing
            placed.append((existing, existed))
        if rows:
            ids = s.execute(
                insert(articles).returning(articles.c.id, sort_by_parameter_order=True), rows
            ).scalars()
            for cell, new_id in zip(cells, ids, strict=True):
                cell[0] = new_id
        ident = lambda a: a if isinstance(a, int) else a[0]  # noqa: E731
        if seen_rows:
            s.execute(insert(urls), [{"url": k, "article_id": ident(a)} for k, a in seen_rows])
        return [(ident(a), existed) for a, existed in placed]


# -- pages that failed -------------------------------------------------------------------------------------
def page_failures(store: Store, sources: Iterable[str]) -> list[PageFailure]:
    with store.session() as s:
        return list(s.scalars(select(PageFailure).where(PageFailure.source.in_(list(sources)))).all())


def drop_page_failures(store: Store, urls: Iterable[str]) -> None:
    urls = list(urls)
    if urls:
        with store.session() as s:
            s.execute(delete(PageFailure).where(PageFailure.url.in_(urls)))


@dataclass(frozen=True)
class PageFailureRecord:
    url: str  # canonical
    source: str
    entry: dict  # the feed entry as JSON
    discovery_url: str | None
    status: int | None
    reason: str
    give_up: bool  # no retry on a later run (the spider decides: crawler/page_failures.py)
    never_ask: bool = False  # given up with nothing to keep (no title, or a refused address): mark it seen


def record_page_failure(store: Store, rec: PageFailureRecord) -> None:
    """Count one more failed run for the page, or, given up, drop its row; with nothing to keep from the
    feed (`never_ask`) the URL is then marked seen for good."""
    now = utcnow()
    with store.session() as s:
        row = s.get(PageFailure, rec.url)
        if row is None:
            row = PageFailure(url=rec.url, source=rec.source, entry=rec.entry, failures=0)
            row.first_failed = now
            s.add(row)
        row.failures = (row.failures or 0) + 1
        row.last_failed = now
        row.last_status = rec.status
        row.last_reason = rec.reason[:2000]
        row.discovery_url = rec.discovery_url or row.discovery_url
        if rec.give_up:
            # from here on urls_seen (written when the item is stored) keeps it from being fetched
            s.expunge(row) if row in s.new else s.delete(row)
            if rec.never_ask and s.get(UrlSeen, rec.url) is None:
                s.add(UrlSeen(url=rec.url, article_id=None))  # nothing to keep from the feed: just never ask


# -- source health -----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SourceOutcome:
    name: str
    ok: bool
    discovered: int
    newest: datetime | None
    reason: str


def record_source_health(store: Store, outcomes: list[SourceOutcome], now: datetime) -> None:
    """Per source: last run, last success, consecutive failures and the reason, newest item seen. Rows are
    kept by name: a source removed from sources.yaml keeps its history."""
    with store.session() as s:
        for o in outcomes:
            row = store.source_row(s, o.name)
            row.last_run_at = now
            row.items_found = o.discovered
            if o.newest is not None and (row.newest_item is None or o.newest > row.newest_item):
                row.newest_item = min(o.newest, now)
            if o.ok:
                row.last_success_at = now
                row.consecutive_failures = 0
            else:
                row.consecutive_failures = (row.consecutive_failures or 0) + 1
                row.last_error = o.reason[:2000]
                row.last_error_at = now


def source_health(store: Store) -> list[SourceRow]:
    """Every source's health row, by name."""
    with store.session() as s:
        return list(s.scalars(select(SourceRow).order_by(SourceRow.name)).all())


@dataclass(frozen=True)
class PageFailureCleared:
    """A page that failed on an earlier run needs no retry any more (fetched now, or feed-only)."""

    url: str  # canonical


def retryable_page_failures(store: Store, sources: Iterable[str]) -> list[PageFailure]:
    """The pages of these sources that failed on an earlier run and are still not stored (rows for pages
    stored meanwhile, e.g. under another URL, are dropped). Three queries, whatever the count."""
    rows = page_failures(store, sources)
    if not rows:
        return []
    got_urls, got_guids = seen(store, [r.url for r in rows], [(r.entry or {}).get("guid") for r in rows])
    done = [r for r in rows if r.url in got_urls or (r.entry or {}).get("guid") in got_guids]
    drop_page_failures(store, [r.url for r in done])
    return [r for r in rows if r not in done]


@dataclass(frozen=True)
class GdeltWindowDone:
    """A GDELT query's window read in full: the next run starts from `end` (crawler/gdelt.py)."""

    state_key: str
    end: datetime
