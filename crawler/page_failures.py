"""What happens to an article page that could not be fetched: retry it on a later run, or keep the item from
its feed entry (title + summary, like a page with no main text) and never ask for the page again.

Why these rules (a daily run; an item is worth more late with its summary than never):
- Size cap (DOWNLOAD_MAXSIZE / `max_page_bytes`), 404, 410, 451 and other 4xx answers, robots.txt
  forbidding the page: asking again tomorrow gets the same answer, so the item is stored from the feed at
  once (it can still match on title and summary and reach today's digest) and the page is never requested
  again. A 404 on a link the feed just published is most often a deleted or re-slugged post; a re-slug shows
  up in the feed under its new URL.
- 401 / 403 (paywalls, bot walls that lift after a while) and transient failures (5xx, 408, 429, timeouts,
  refused or dropped connections, DNS failures, a host skipped for the run): asked for again on the next
  runs, PAGE_RETRY_RUNS runs in all (the first one included), then stored from the feed and given up on.
  Within a run, 5xx and timeouts keep Scrapy's one polite retry (crawler/settings.py); nothing else asks
  for a page twice in one run.
- A link (or redirect) to an internal address (crawler/addresses.py): refused, given up at once and *not*
  kept from the feed entry, so nothing pointing inside the network reaches the digest.
The feed entry is kept in `page_failures` (borderwatch/store.py), so a retry does not depend on the feed
still listing the item, and giving up never loses it.
"""

from __future__ import annotations

from datetime import datetime

from scrapy.spidermiddlewares.httperror import HttpError

from borderwatch.records import Entry

# Runs (the first failing one included) in which a page failing with 401/403 or a transient error is asked
# for, before the item is stored from its feed entry and the page given up on.
PAGE_RETRY_RUNS = 3

# 4xx answers that may change by tomorrow: bot walls / paywalls (401, 403), request timeout, rate limit.
RETRY_4XX = {401, 403, 408, 429}


def failure_status(failure) -> int | None:
    exc = failure.value
    return exc.response.status if isinstance(exc, HttpError) else None


def is_size_failure(reason: str) -> bool:
    return "size cap" in reason or "DOWNLOAD_MAXSIZE" in reason or "larger than" in reason


def is_refused(reason: str) -> bool:
    """A request the SSRF guard refused (crawler/addresses.py)."""
    from .addresses import REFUSED

    return reason.startswith(REFUSED)


def gives_up_at_once(status: int | None, reason: str) -> bool:
    """True when asking for the page again cannot help (see the module docstring)."""
    if status is not None:
        return 400 <= status < 500 and status not in RETRY_4XX
    return is_size_failure(reason) or reason == "forbidden by robots.txt" or is_refused(reason)


def entry_to_json(entry: Entry) -> dict:
    return {
        "url": entry.url,
        "source": entry.source,
        "title": entry.title,
        "published": entry.published.isoformat() if entry.published else None,
        "guid": entry.guid,
        "summary": entry.summary,
        "author": entry.author,
        "via": entry.via,
        "outlet": entry.outlet,
    }


def entry_from_json(data: dict) -> Entry:
    published = data.get("published")
    return Entry(
        url=data["url"],
        source=data["source"],
        title=data.get("title"),
        published=datetime.fromisoformat(published) if published else None,
        guid=data.get("guid"),
        summary=data.get("summary"),
        author=data.get("author"),
        via=data.get("via") or "feed",
        outlet=data.get("outlet"),
    )
