"""Discovery parsers: feed (RSS 2.0 / Atom / RDF via feedparser), sitemap, listing page -> Entry records."""

from __future__ import annotations

import calendar
import xml.sax
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


def plain_text(value: str | None, limit: int = 2000) -> str | None:
    """Feed summaries are HTML fragments: keep their text only (it may become an item's text)."""
    if not value or not value.strip():
        return None
    if "<" in value:
        from lxml import etree
        from lxml import html as lhtml

        try:
            value = lhtml.fromstring(value).text_content()
        except (etree.ParserError, ValueError):
            pass
    text = " ".join(value.split())
    return text[:limit] or None


def scoped_guid(guid: str | None, source: str) -> str | None:
    """A GUID that is not a URL ("12345", "post-12345") is only unique within its outlet."""
    if not guid:
        return None
    guid = guid.strip()
    return guid if guid.startswith(("http://", "https://")) else f"{source}|{guid}"


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
    # WordPress.com/FeedBurner feeds sometimes start with a newline before <?xml: strict parsers refuse.
    body = body.lstrip()
    refuse_xml_entities(body, "feed")
    # The server's Content-Type is not trusted (feeds are served as text/html, text/plain ...): the body decides.
    parsed = feedparser.parse(
        body, response_headers={"content-location": url, "content-type": "application/xml"}
    )
    if not parsed.get("version"):
        raise DiscoveryError("not a feed (no RSS/Atom/RDF root element)")
    out: list[Entry] = []
    for e in parsed.entries:
        # FeedBurner-era feeds link to a feedproxy redirect and keep the article URL in feedburner:origLink
        link = e.get("feedburner_origlink") or e.get("link") or ""
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
                guid=scoped_guid(e.get("id"), source),
                summary=plain_text(e.get("summary")),
                author=e.get("author") or None,
                via="feed",
            )
        )
    broken = parsed.get("bozo_exception")
    if not out and parsed.bozo and isinstance(broken, xml.sax.SAXException):
        # A feed root but no usable item: a truncated or broken document, not a quiet day.
        raise DiscoveryError(f"malformed feed: {str(broken)[:200]}")
    return out
