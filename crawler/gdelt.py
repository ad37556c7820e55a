"""GDELT DOC 2.0 as a discovery kind: one article-list query -> Entry records on their publishers' sites.

The API (https://api.gdeltproject.org/api/v2/doc/doc; BORDERWATCH_GDELT_URL overrides it) is asked once per
query per run, through the crawler like any discovery document:

    ?query=<query> [sourcecountry:MX] [sourcelang:spanish]&mode=artlist&format=json&maxrecords=250
     &sort=datedesc&startdatetime=YYYYMMDDHHMMSS&enddatetime=YYYYMMDDHHMMSS

The window runs from the end of that query's last successful window (minus a small overlap, because GDELT
indexes in 15-minute batches), at most MAX_WINDOW back; the first run asks for the backfill window (capped at
the ~3 months GDELT keeps). The answer is {"articles": [{url, url_mobile, title, seendate, socialimage,
domain, language, sourcecountry}]}, or {} when nothing matched. GDELT reports a bad query or its rate limit
as a plain-text or HTML body (often with HTTP 200 or 429): that, a truncated body or an empty one is a
failure of the source, and the window is not advanced, so the next run asks again.

Politeness toward the API: every GDELT request goes through one Scrapy download slot (SLOT) with concurrency
1 and a fixed delay (settings.gdelt_interval, never under 5.5 s against the real API), which AutoThrottle
leaves alone. The articles themselves are ordinary article requests to their publishers.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from urllib.parse import urlencode, urlsplit

from borderwatch.records import Entry

from .discovery import DiscoveryError
from .urls import is_http

DEFAULT_ENDPOINT = "https://api.gdeltproject.org/api/v2/doc/doc"
ENV_ENDPOINT = "BORDERWATCH_GDELT_URL"
MAX_RECORDS = 250  # the API's ceiling for mode=artlist
MAX_WINDOW = timedelta(days=3)  # a query that failed for a week asks for the last 3 days, not the whole week
MAX_BACKFILL = timedelta(days=90)  # GDELT DOC keeps a rolling ~3 months
OVERLAP = timedelta(minutes=15)  # GDELT's update interval: an article seen just before our last end
# Seconds between two requests to the real API: GDELT's published limit (one every 5 s) plus a margin, because
# Scrapy spaces the *sending* of requests and a first request slowed on its way (a new connection, a busy
# machine) shortens the spacing GDELT sees: 4.95 s was measured on the loopback fake under load.
MIN_INTERVAL = 5.5
SLOT = "gdelt-api"


def endpoint() -> str:
    return os.environ.get(ENV_ENDPOINT) or DEFAULT_ENDPOINT


def interval(configured: float | None) -> float:
    """Seconds between two API requests. Against the real API never below MIN_INTERVAL; a test endpoint
    (BORDERWATCH_GDELT_URL) may be asked faster."""
    value = MIN_INTERVAL if configured is None else float(configured)
    return value if endpoint() != DEFAULT_ENDPOINT else max(value, MIN_INTERVAL)


@dataclass(frozen=True)
class Query:
    query: str
    sourcecountry: str | None = None
    sourcelang: str | None = None

    @classmethod
    def from_config(cls, d: dict) -> Query:
        return cls(d["query"], d.get("sourcecountry"), d.get("sourcelang"))

    @property
    def full(self) -> str:
        """The query with GDELT's own filter operators appended (how the API takes them)."""
        parts = [self.query.strip()]
        if self.sourcecountry:
            parts.append(f"sourcecountry:{self.sourcecountry}")
        if self.sourcelang:
            parts.append(f"sourcelang:{self.sourcelang}")
        return " ".join(parts)

    def base_params(self) -> dict[str, str]:
        return {
            "query": self.full,
            "mode": "artlist",
            "format": "json",
            "maxrecords": str(MAX_RECORDS),
            "sort": "datedesc",
        }

    def key_url(self, base: str | None = None) -> str:
        """The query's stable identity (no time window): its row in fetch_state and the report's URL."""
        return f"{base or endpoint()}?{urlencode(self.base_params())}"

    def state_key(self, base: str | None = None) -> str:
        """kv key holding the end of the last successful window."""
        return "gdelt:window:" + hashlib.sha1(self.key_url(base).encode()).hexdigest()[:20]

    def request_url(self, start: datetime, end: datetime, base: str | None = None) -> str:
        params = {**self.base_params(), "startdatetime": stamp(start), "enddatetime": stamp(end)}
        return f"{base or endpoint()}?{urlencode(params)}"


def stamp(when: datetime) -> str:
    return when.astimezone(timezone.utc).strftime("%Y%m%d%H%M%S")


def window(now: datetime, last_end: datetime | None, backfill_start: datetime) -> tuple[datetime, datetime]:
    """(start, end) of the next request: since the last success (overlapping a little), at most MAX_WINDOW;
    the first time the backfill window, at most MAX_BACKFILL."""
    if last_end is None:
        start = max(backfill_start, now - MAX_BACKFILL)
    else:
        start = max(last_end - OVERLAP, now - MAX_WINDOW)
    return min(start, now), now


def parse_seendate(value: str | None) -> datetime | None:
    """GDELT's "20261201T153000Z" (UTC)."""
    if not value:
        return None
    try:
        return datetime.strptime(value.strip(), "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc)
    except ValueError:
        return None


def error_text(body: bytes) -> str:
    text = body.decode("utf-8", "replace")
    if "<" in text:
        from lxml import etree
        from lxml import html as lhtml

        try:
            text = lhtml.fromstring(text).text_content()
        except (etree.ParserError, ValueError):
            pass
    return " ".join(text.split())[:200]


def parse_answer(body: bytes, source: str) -> list[Entry]:
    """The article list of one answer. Raises DiscoveryError for anything but GDELT's JSON."""
    if not body.strip():
        raise DiscoveryError("GDELT answered with an empty body")
    try:
        data = json.loads(body.decode("utf-8", "replace"), strict=False)  # raw control chars in titles
    except ValueError:
        raise DiscoveryError(f"GDELT answered with an error: {error_text(body)!r}") from None
    if not isinstance(data, dict):
        raise DiscoveryError("GDELT answered with JSON that is not an article list")
    articles = data.get("articles", [])  # {} = nothing matched in the window
    if not isinstance(articles, list):
        raise DiscoveryError("GDELT answered with JSON whose 'articles' is not a list")
    out: list[Entry] = []
    for a in articles:
        if not isinstance(a, dict):
            continue
        url = a.get("url")
        if not isinstance(url, str) or not is_http(url):
            continue
        title = a.get("title")
        out.append(
            Entry(
                url=url.strip(),
                source=source,
                title=" ".join(title.split()) if isinstance(title, str) and title.strip() else None,
                published=parse_seendate(a.get("seendate")),
                via="gdelt",
                outlet=(a.get("domain") or "").strip().lower() or None,
            )
        )
    return out


def host_key(netloc: str) -> str:
    """Host (and explicit port) without a leading www."""
    netloc = netloc.lower().rsplit("@", 1)[-1]
    return netloc[4:] if netloc.startswith("www.") else netloc


def _first_segment(path: str) -> str:
    return path.lstrip("/").split("/", 1)[0]


class Publishers:
    """Who published an article GDELT found: a configured source, an outlet of the registry, or a domain.

    Configured sources are matched by their discovery URLs' host; where several share a host (InSight Crime's
    English and /es/ editions) the one whose discovery URL starts with the article's first path segment wins.
    The outlet registry (crawler/outlets/) is matched by domain and its parent domains. Otherwise the article is
    filed under GDELT's `domain` for it (or its host).
    """

    def __init__(self, sources, profiles=()):
        self.hosts: dict[str, list[tuple[str, str]]] = {}  # host -> [(first path segment, source name)]
        self.by_slug: dict[str, str] = {}  # outlet profile slug -> the configured source that uses it
        for src in sources:
            if src.options.get("outlet"):
                self.by_slug.setdefault(src.options["outlet"], src.name)
            for url in (*src.feeds, *src.sitemaps, *(lst["url"] for lst in src.listings)):
                parts = urlsplit(url)
                pair = (_first_segment(parts.path), src.name)
                bucket = self.hosts.setdefault(host_key(parts.netloc), [])
                if pair not in bucket:
                    bucket.append(pair)
        self.domains: dict[str, tuple[str, str]] = {}  # domain -> (outlet name, profile slug)
        for p in profiles:
            for d in p.domains:
                self.domains.setdefault(host_key(d), (p.name, p.slug))

    def source_for(self, url: str) -> str | None:
        """The configured source that owns the article's URL, if any."""
        parts = urlsplit(url)
        bucket = self.hosts.get(host_key(parts.netloc))
        if not bucket:  # an article host the feeds are not on (rss.cnn.com lists edition.cnn.com)
            known = self._registry(parts.netloc)
            return self.by_slug.get(known[1]) if known else None
        seg = _first_segment(parts.path)
        return next((name for first, name in bucket if first and first == seg), bucket[0][1])

    def _registry(self, host: str) -> tuple[str, str] | None:
        host = host_key(host).split(":")[0]
        while host and not host.replace(".", "").isdigit():  # an IP address has no parent domain
            if host in self.domains:
                return self.domains[host]
            if "." not in host:
                return None
            host = host.split(".", 1)[1]
        return None

    def name_for(self, url: str, domain: str | None) -> str:
        host = urlsplit(url).netloc
        known = self._registry(host) or (self._registry(domain) if domain else None)
        return self.source_for(url) or (known[0] if known else None) or domain or host_key(host)
