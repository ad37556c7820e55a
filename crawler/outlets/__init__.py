"""Per-outlet registry, fundus-style: every outlet borderwatch knows, declared as data in one place.

Outlets on a common platform share its defaults (WordPress, Arc XP, Drupal); an outlet with quirks of
its own gets a module (cnn.py, stratfor.py). sources.yaml picks a profile with ``outlet: <slug>`` and can
extend it (include/exclude patterns, ``extract: {drop: [...], org_bylines: [...]}``, ``fetch_pages``).
"""

from __future__ import annotations

from . import cnn, stratfor
from .base import HOOKS, ExtractFixes, OutletProfile

# WordPress: author/tag/category archives and feeds of single posts are not articles.
WP_EXCLUDE = (r"/(tag|category|author|page|feed|wp-content|wp-json)/", r"[?&](s|replytocom)=")
# WordPress themes (Yoast titles) glue the site name to the title and often repeat the headline in the body.
WORDPRESS = ExtractFixes(strip_site_name=True, drop_title_paragraph=True)
# Arc XP story bodies carry "related story" lines (a paragraph that is only a link) and may repeat the headline.
ARCXP = ExtractFixes(
    drop=("//p[a][not(text()[normalize-space()])][not(*[not(self::a)])]",),
    strip_site_name=True,
    drop_title_paragraph=True,
)


def _wp(slug: str, name: str, domains: tuple[str, ...], why: str, **kw) -> OutletProfile:
    return OutletProfile(
        slug=slug,
        name=name,
        platform="wordpress",
        domains=domains,
        exclude=WP_EXCLUDE,
        fixes=WORDPRESS,
        why=why,
        **kw,
    )


PROFILES: tuple[OutletProfile, ...] = (
    OutletProfile(
        slug="defensenews",
        name="Defense News",
        platform="arcxp",
        domains=("defensenews.com",),
        exclude=(r"/(video|podcasts?|photos?)/",),
        fixes=ARCXP,
        why="Arc XP outbound RSS feed (all sections, full text public).",
    ),
    _wp(
        "warontherocks",
        "War on the Rocks",
        ("warontherocks.com",),
        "WordPress RSS feed and the Yoast sitemap index (post sitemaps filtered by lastmod); the homepage "
        "listing works too but adds nothing the feed lacks.",
    ),
    _wp("dronexl", "DroneXL", ("dronexl.co",), "WordPress RSS feed."),
    _wp("dronelife", "DroneLife", ("dronelife.com",), "WordPress RSS feed."),
    _wp(
        "insightcrime",
        "InSight Crime",
        ("insightcrime.org",),
        "WordPress RSS feed (English edition; the Spanish edition lives under /es/).",
    ),
    _wp("defensescoop", "DefenseScoop", ("defensescoop.com",), "WordPress RSS feed."),
    _wp(
        "twz", "The War Zone", ("twz.com",), "WordPress RSS feed (twz.com, not the old thedrive.com section)."
    ),
    _wp(
        "smallwarsjournal",
        "Small Wars Journal",
        ("smallwarsjournal.com",),
        "WordPress RSS feed (the site moved to WordPress; the old Drupal /rss.xml is gone).",
    ),
    _wp("atlanticcouncil", "Atlantic Council", ("atlanticcouncil.org",), "WordPress RSS feed."),
    OutletProfile(
        slug="csis",
        name="CSIS",
        platform="drupal",
        domains=("csis.org",),
        include=(r"^/analysis/[^/?#]+/?$",),
        exclude=(r"/feed/?$",),
        why="The Analysis listing page: its feed URL is disputed, so article links are taken from "
        "/analysis and kept only when they look like /analysis/<slug>.",
    ),
    cnn.PROFILE,
    stratfor.PROFILE,
)

REGISTRY: dict[str, OutletProfile] = {p.slug: p for p in PROFILES}


def get(slug: str | None) -> OutletProfile | None:
    return REGISTRY.get(slug) if slug else None


__all__ = ["HOOKS", "REGISTRY", "ExtractFixes", "OutletProfile", "get"]
