"""Discovery parsers: feed (RSS 2.0 / Atom / RDF via feedparser), sitemap, listing page -> Entry records."""

from __future__ import annotations

import calendar
from datetime import datetime, timezone
from urllib.parse import urljoin

import feedparser
from dateutil import parser as dateparser

from borderwatch.records import Entry

from .urls import is_http


class DiscoveryError(Exception):
    """A discovery document that could not be parsed (reported per source, never raised past the crawl)."""


def _struct_to_dt(st) -> datetime | None:
    if not st:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(st), tz=timezone.utc)
    except (OverflowError, ValueError, TypeError):
        return None


def parse_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        dt = dateparser.parse(value)
    except (ValueError, OverflowError, TypeError):
        return None
    if dt is None:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(timezone.utc)


def parse_feed(body: bytes, url: str, source: str) -> list[Entry]:
    """Entries of an RSS/Atom/RDF feed, links resolved against the feed URL (and xml:base)."""
    parsed = feedparser.parse(body, response_headers={"content-location": url})
    if not parsed.entries:
        if parsed.bozo and not parsed.get("version"):
            raise DiscoveryError(f"not a feed: {parsed.get('bozo_exception', 'unparseable')}")
        if not parsed.get("version"):
            raise DiscoveryError("not a feed (no RSS/Atom root element)")
    out: list[Entry] = []
    for e in parsed.entries:
        link = e.get("link") or ""
        if not link:
            for lk in e.get("links", []):
                if lk.get("rel") in (None, "alternate") and lk.get("href"):
                    link = lk["href"]
                    break
        if not link:
            continue
        link = urljoin(url, link)
        if not is_http(link):
            continue
        published = _struct_to_dt(e.get("published_parsed") or e.get("updated_parsed"))
        out.append(
            Entry(
                url=link,
                source=source,
                title=(e.get("title") or "").strip() or None,
                published=published,
                guid=e.get("id") or None,
                summary=e.get("summary") or None,
                author=e.get("author") or None,
                via="feed",
            )
        )
    return out
