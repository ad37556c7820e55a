"""One source's crawl plan: its outlet profile (crawler/outlets/) merged with its sources.yaml entry."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from borderwatch.config import DEFAULTS
from borderwatch.records import Source

from . import gdelt, outlets
from .outlets.base import ExtractFixes, OutletProfile

DEFAULT_MAX_ITEMS = DEFAULTS.crawl.max_items  # entries read per discovery document
DEFAULT_MAX_PAGES = DEFAULTS.crawl.max_pages  # article pages fetched per source per run; the rest wait


@dataclass
class SourcePlan:
    source: Source
    profile: OutletProfile | None
    include: tuple[re.Pattern, ...] = ()
    exclude: tuple[re.Pattern, ...] = ()
    fetch_pages: bool = True
    max_items: int = DEFAULT_MAX_ITEMS
    max_pages: int = DEFAULT_MAX_PAGES
    fixes: ExtractFixes | None = None
    # (kind, url, extra): extra is a listing's link selector or a GDELT query (its url the query's stable key)
    discovery: list[tuple[str, str, object]] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.source.name

    def wants(self, url: str) -> bool:
        """Link filters on the URL's path (and query): it must match an include pattern (if any) and no
        exclude pattern. Paths, not hosts, so one pattern serves www./edition./amp. hosts alike."""
        parts = urlsplit(url)
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        if self.include and not any(p.search(target) for p in self.include):
            return False
        return not any(p.search(target) for p in self.exclude)


def plan_for(source: Source) -> SourcePlan:
    o = source.options
    profile = outlets.get(o.get("outlet"))
    # No profile and no `extract:` -> None: trafilatura exactly as it is, no fix applied.
    base = profile.fixes if profile else (ExtractFixes() if o.get("extract") else None)
    fixes = base.merged(o["extract"]) if o.get("extract") else base
    include = (profile.include if profile else ()) + tuple(o.get("include", ()))
    exclude = (profile.exclude if profile else ()) + tuple(o.get("exclude", ()))
    fetch_pages = o.get("fetch_pages", profile.fetch_pages if profile else True)
    return SourcePlan(
        source=source,
        profile=profile,
        include=tuple(re.compile(p) for p in include),
        exclude=tuple(re.compile(p) for p in exclude),
        fetch_pages=bool(fetch_pages),
        # a GDELT answer holds up to 250 articles: read all of them unless told otherwise
        max_items=int(o.get("max_items", gdelt.MAX_RECORDS if source.gdelt else DEFAULT_MAX_ITEMS)),
        max_pages=int(o.get("max_pages", DEFAULT_MAX_PAGES)),
        fixes=fixes,
        discovery=[
            *(("feed", u, None) for u in source.feeds),
            *(("sitemap", u, None) for u in source.sitemaps),
            *(("listing", lst["url"], lst["links"]) for lst in source.listings),
            *(("gdelt", q.key_url(), q) for q in map(gdelt.Query.from_config, source.gdelt)),
        ],
    )
