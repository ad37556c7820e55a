"""trafilatura: page HTML -> main text and metadata (title, author, date, language)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import trafilatura

from .discovery import parse_date
from .outlets.base import ExtractFixes


@dataclass
class Extracted:
    title: str | None
    text: str
    author: str | None
    published: datetime | None
    language: str | None
    canonical: str | None


def extract(html: str | bytes, url: str, fixes: ExtractFixes | None = None) -> Extracted | None:
    """Main text and metadata of one page, or None when the page has no main text.

    `fixes` are the outlet's corrections (crawler/outlets/): chrome removed before trafilatura sees the
    page, bylines and titles cleaned after.
    """
    prepared = fixes.prepare(html) if fixes is not None else None
    doc = trafilatura.bare_extraction(
        prepared.doc if prepared is not None else html,
        url=url,
        with_metadata=True,
        include_comments=False,
        include_tables=False,
        include_images=False,
        include_links=False,
        deduplicate=False,
    )
    if doc is None:
        return None
    d = doc.as_dict() if hasattr(doc, "as_dict") else dict(doc)
    text = (d.get("text") or "").strip()
    if not text:
        return None
    ex = Extracted(
        title=(d.get("title") or None),
        text=text,
        author=(d.get("author") or None),
        published=parse_date(d.get("date")),
        language=d.get("language"),
        canonical=d.get("url"),
    )
    return fixes.finish(ex, prepared) if fixes is not None else ex
