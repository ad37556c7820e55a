"""Discovery parsers: feed (RSS 2.0 / Atom / RDF via feedparser), sitemap, listing page -> Entry records."""

from __future__ import annotations

import calendar
from datetime import datetime, timezone
from urllib.parse import urljoin
from xml.etree.ElementTree import ParseError

import feedparser
from dateutil import parser as dateparser
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring as defused_fromstring

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


_DOCTYPE_MARKERS = (b"<!DOCTYPE", b"<\x00!\x00D\x00O\x00C", b"\x00<\x00!\x00D\x00O\x00C")


def refuse_xml_entities(body: bytes, what: str = "document") -> None:
    """Refuse XML that declares entities (billion laughs, quadratic blow-up, external entities / XXE).

    feedparser hands well-formed feeds to expat, which expands internal entities; lxml and expat have
    amplification limits, but a feed or sitemap has no business declaring entities at all, so such a
    document is refused outright (defusedxml decides). Only documents with a DOCTYPE pay for the check.
    """
    if not any(m in body for m in _DOCTYPE_MARKERS):
        return
    try:
        defused_fromstring(body, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise DiscoveryError(
            f"refused: the {what} declares XML entities ({type(exc).__name__}; entity-expansion guard)"
        ) from None
    except (ParseError, ValueError, LookupError):
        pass  # not well-formed XML: feedparser's lenient parser copes, entities are not expanded there


def parse_feed(body: bytes, url: str, source: str) -> list[Entry]:
    """Entries of an RSS/Atom/RDF feed, links resolved against the feed URL (and xml:base)."""
    refuse_xml_entities(body, "feed")
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
