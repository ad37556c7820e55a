"""RANE / Stratfor Worldview: analysis behind a subscription paywall, pages rendered by script.

A crawler only ever sees a teaser shell, so borderwatch does not request article pages at all
(fetch_pages: False): each item is built from what the public RSS feed says (title, teaser, date, author)
and links to the page for subscribers. The paywall is never touched.
"""

from __future__ import annotations

from .base import OutletProfile

PROFILE = OutletProfile(
    slug="stratfor",
    name="RANE/Stratfor",
    platform="drupal",
    domains=("stratfor.com", "ranenetwork.com"),
    fetch_pages=False,
    why="Public RSS feed only: title, teaser, date and author become the item; article pages are "
    "paywalled and script-rendered, so they are never requested.",
)
