"""Sitemaps (urlset / sitemapindex, Google News extension, gzip) and listing pages -> Entry records.

XML is parsed with lxml with entity resolution and network access off and a size cap (gzip included), and a
document declaring entities is refused first (discovery.refuse_xml_entities, defusedxml), so entity
expansion ("billion laughs") and external entities cannot hurt us.

Dates: a news sitemap's <news:publication_date> is the story's date; <lastmod> only says the page
changed (a correction to a year-old story bumps it). So an entry's date is its publication date when
there is one, else its lastmod; entries older than the cutoff are dropped, and so are child sitemaps of
an index whose lastmod is older than the cutoff: a daily run reads only what changed recently.
"""

from __future__ import annotations

import gzip
import io
from datetime import datetime
from urllib.parse import urljoin, urlsplit

from lxml import etree

from borderwatch.records import Entry

from .discovery import DiscoveryError, parse_date, refuse_xml_entities
from .urls import is_http

MAX_XML_BYTES = 20 * 1024 * 1024
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
NEWS_NS = "http://www.google.com/schemas/sitemap-news/0.9"


def _maybe_gunzip(body: bytes) -> bytes:
    if body[:2] != b"\x1f\x8b":
        return body
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(body)) as gz:
            data = gz.read(MAX_XML_BYTES + 1)
    except (OSError, EOFError) as exc:
        raise DiscoveryError(f"bad gzip: {exc}") from None
    if len(data) > MAX_XML_BYTES:
        raise DiscoveryError(f"sitemap larger than {MAX_XML_BYTES} bytes when decompressed")
    return data


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _ns(tag) -> str:
    return tag[1:].split("}", 1)[0] if isinstance(tag, str) and tag.startswith("{") else ""


def _child_text(node, name: str) -> str | None:
    """Text of a direct child in the sitemap namespace (or none), never of an image:/video: element."""
    for el in node:
        if _local(el.tag) == name and _ns(el.tag) in (SITEMAP_NS, ""):
            return (el.text or "").strip() or None
    return None


def parse_sitemap(body: bytes, url: str, source: str, cutoff: datetime) -> tuple[list[Entry], list[str]]:
    """(entries newer than cutoff, child sitemap URLs newer than cutoff or undated)."""
    data = _maybe_gunzip(body).lstrip()
    refuse_xml_entities(data, "sitemap")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, recover=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise DiscoveryError(f"not a sitemap: {exc}") from None
    kind = _local(root.tag)
    if kind not in ("urlset", "sitemapindex"):
        raise DiscoveryError(f"not a sitemap (root element <{kind}>)")
    entries: list[Entry] = []
    children: list[str] = []
    for node in root:
        if _local(node.tag) not in ("url", "sitemap"):
            continue
        loc = _child_text(node, "loc")
        if not loc:
            continue
        loc = urljoin(url, loc)
        if not is_http(loc):
            continue
        lastmod = parse_date(_child_text(node, "lastmod"))
        if kind == "sitemapindex":
            if lastmod is None or lastmod >= cutoff:
                children.append(loc)
            continue
        title = published = None
        for news in node.iter(f"{{{NEWS_NS}}}news"):
            title = (news.findtext(f"{{{NEWS_NS}}}title") or "").strip() or None
            published = parse_date(news.findtext(f"{{{NEWS_NS}}}publication_date"))
            break
        published = published or lastmod
        if published is not None and published < cutoff:
            continue
        entries.append(Entry(url=loc, source=source, title=title, published=published, via="sitemap"))
    return entries, children


def _site(url: str) -> str:
    host = (urlsplit(url).hostname or "").lower()
    return host[4:] if host.startswith("www.") else host


def parse_listing(response, selector: str, source: str) -> list[Entry]:
    """Article links on a section/tag page, picked by a CSS selector (or XPath if it starts with '/')."""
    if not hasattr(response, "css"):
        raise DiscoveryError("not an HTML page")
    nodes = response.xpath(selector) if selector.startswith("/") else response.css(selector)
    site = _site(response.url)
    out: list[Entry] = []
    seen: set[str] = set()
    for node in nodes:
        href = node.attrib.get("href") if hasattr(node, "attrib") else None
        if href is None:
            href = node.xpath("@href").get() or node.xpath(".//a/@href").get()
        if not href:
            continue
        link = response.urljoin(href.strip())
        if not is_http(link) or link in seen or _site(link) != site:
            continue  # off-site links (social, partners, ads) are never the outlet's articles
        seen.add(link)
        text = " ".join(" ".join(node.xpath(".//text()").getall()).split()) or None
        out.append(Entry(url=link, source=source, title=text, via="listing"))
    return out
