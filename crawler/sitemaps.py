"""Sitemaps (urlset / sitemapindex, Google News extension, gzip) and listing pages -> Entry records.

XML is parsed with lxml with entity resolution and network access off and a size cap (gzip included), and a
document declaring entities is refused first (discovery.refuse_xml_entities, defusedxml), so entity
expansion ("billion laughs") and external entities cannot hurt us.
"""

from __future__ import annotations

import gzip
import io
from datetime import datetime
from urllib.parse import urljoin

from lxml import etree

from borderwatch.records import Entry

from .discovery import DiscoveryError, parse_date, refuse_xml_entities
from .urls import is_http

MAX_XML_BYTES = 20 * 1024 * 1024


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
    entries: list[Entry] = []
    children: list[str] = []
    if kind not in ("urlset", "sitemapindex"):
        raise DiscoveryError(f"not a sitemap (root element <{kind}>)")
    for node in root:
        if _local(node.tag) not in ("url", "sitemap"):
            continue
        loc = title = None
        dates: list[str] = []
        for el in node.iter():
            name = _local(el.tag)
            if name == "loc" and loc is None:
                loc = (el.text or "").strip()
            elif name in ("lastmod", "publication_date"):
                dates.append((el.text or "").strip())
            elif name == "title" and title is None:
                title = (el.text or "").strip() or None
        if not loc:
            continue
        loc = urljoin(url, loc)
        if not is_http(loc):
            continue
        published = None
        for d in dates:
            published = parse_date(d)
            if published:
                break
        if kind == "sitemapindex":
            if published is None or published >= cutoff:
                children.append(loc)
            continue
        if published is not None and published < cutoff:
            continue
        entries.append(Entry(url=loc, source=source, title=title, published=published, via="sitemap"))
    return entries, children


def parse_listing(response, selector: str, source: str) -> list[Entry]:
    """Article links on a section/tag page, picked by a CSS selector (or XPath if it starts with '/')."""
    nodes = response.xpath(selector) if selector.startswith("/") else response.css(selector)
    out: list[Entry] = []
    seen: set[str] = set()
    for node in nodes:
        href = node.attrib.get("href") if hasattr(node, "attrib") else None
        if href is None:
            href = node.xpath("@href").get() or node.xpath(".//a/@href").get()
        if not href:
            continue
        link = response.urljoin(href.strip())
        if not is_http(link) or link in seen:
            continue
        seen.add(link)
        text = " ".join(node.xpath(".//text()").getall()).strip() or None
        out.append(Entry(url=link, source=source, title=text, via="listing"))
    return out
