"""Per-outlet registry, fundus-style: every outlet borderwatch knows, declared as data in one place.

Outlets on a common platform share its defaults (WordPress, Arc XP, Drupal); an outlet with quirks of
its own gets a module (cnn.py, stratfor.py). sources.yaml picks a profile with ``outlet: <slug>`` and can
extend it (include/exclude patterns, ``extract: {drop: [...], org_bylines: [...]}``, ``fetch_pages``).
"""

from __future__ import annotations

from dataclasses import replace

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


# Mexican newsrooms put "Lee también: <link>" / "Te recomendamos: <link>" / "Seguir leyendo:" lines inside the
# story body; the label sits outside the link, so ARCXP's link-only rule does not catch them.
READ_ALSO_ES = r"^(Lee|Lea|Leer) (también|más)\b|^Te recomendamos\b|^Seguir leyendo\b|^Más información:"
# Blogger: archive, label and search pages, the mobile copy (?m=1) and per-post comment feeds are not posts.
BLOGGER_EXCLUDE = (r"^/search\b", r"^/feeds/", r"^/p/", r"[?&]m=1\b", r"^/\d{4}/\d{2}/?$", r"^/\d{4}/?$")


def _wp(slug: str, name: str, domains: tuple[str, ...], why: str, **kw) -> OutletProfile:
    return OutletProfile(
        slug=slug,
        name=name,
        platform="wordpress",
        domains=domains,
        exclude=WP_EXCLUDE + tuple(kw.pop("exclude", ())),
        fixes=kw.pop("fixes", WORDPRESS),
        why=why,
        **kw,
    )


def _arc(slug: str, name: str, domains: tuple[str, ...], why: str, **kw) -> OutletProfile:
    return OutletProfile(
        slug=slug,
        name=name,
        platform="arcxp",
        domains=domains,
        exclude=(r"/(videos?|galerias|fotogalerias|podcasts?|especiales)/",) + tuple(kw.pop("exclude", ())),
        fixes=kw.pop("fixes", ARCXP),
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
    # -- Spanish-language Mexican press (issue 16) and Borderland Beat -------------------------------------
    _wp(
        "insightcrime-es",
        "InSight Crime (español)",
        ("es.insightcrime.org",),
        "WordPress RSS feed of the Spanish edition (es.insightcrime.org/feed/).",
    ),
    _wp(
        "animalpolitico",
        "Animal Político",
        ("animalpolitico.com",),
        "WordPress-style RSS feed /feed/ (national; security and human-rights reporting).",
    ),
    _wp(
        "zetatijuana",
        "Zeta Tijuana",
        ("zetatijuana.com",),
        "WordPress RSS feed (Tijuana weekly; border crime).",
    ),
    _wp("riodoce", "Ríodoce", ("riodoce.mx",), "WordPress RSS feed (Culiacán weekly; the Sinaloa Cartel)."),
    _wp(
        "quadratin",
        "Quadratín Michoacán",
        ("quadratin.com.mx",),
        "WordPress RSS feed of the Michoacán edition (www.quadratin.com.mx; the other state editions are "
        "subdomains, not listed here).",
    ),
    _arc(
        "eluniversal",
        "El Universal",
        ("eluniversal.com.mx",),
        "Arc XP outbound RSS feed (all sections: the soft ones are filtered by URL); in-body 'Lee también:' "
        "lines are dropped.",
        # The feed carries every section: keep sport, show business and lifestyle pages out of the crawl.
        exclude=(
            r"^/(deportes|universal-deportes|espectaculos|tendencias|estilo-de-vida|menu|techbit|autopistas"
            r"|cultura|horoscopos)/",
        ),
        fixes=replace(ARCXP, drop_lines=(READ_ALSO_ES,)),
    ),
    _arc(
        "infobae",
        "Infobae México",
        ("infobae.com",),
        "Arc XP outbound RSS feed of the /mexico/ category; only /mexico/ stories are kept (Infobae is "
        "Argentine; its other editions are out of scope); 'Seguir leyendo:' lines are dropped.",
        include=(r"^/mexico/",),
        fixes=replace(ARCXP, drop_lines=(READ_ALSO_ES,)),
    ),
    OutletProfile(
        slug="milenio",
        name="Milenio",
        platform="milenio",
        domains=("milenio.com",),
        exclude=(r"^/(videos?|fotogalerias|deportes|espectaculos|estilo|la-aficion|tecnologia)/",),
        fixes=ExtractFixes(strip_site_name=True, drop_lines=(READ_ALSO_ES,)),
        why="Google News sitemap (Milenio publishes no RSS feed); sport, entertainment and video sections "
        "are filtered by URL; 'Te recomendamos:' lines are dropped.",
    ),
    OutletProfile(
        slug="proceso",
        name="Proceso",
        platform="proceso",
        domains=("proceso.com.mx",),
        exclude=(r"/(videos?|fotogalerias|multimedia)/",),
        fixes=ExtractFixes(strip_site_name=True, drop_lines=(READ_ALSO_ES,)),
        why="The site's RSS feed /rss/ (own CMS).",
    ),
    OutletProfile(
        slug="borderlandbeat",
        name="Borderland Beat",
        platform="blogger",
        domains=("borderlandbeat.com",),
        exclude=BLOGGER_EXCLUDE,
        # Each post opens with a 'By "<reporter>" for Borderland Beat' line inside the post body.
        fixes=ExtractFixes(drop_lines=(r"^(Posted )?By .{1,60} for Borderland Beat\b",)),
        why="Blogger Atom feed /feeds/posts/default (English; border and cartel reporting, much of it "
        "summarised from the Mexican press); the reporter line at the top of each post is dropped.",
    ),
)

REGISTRY: dict[str, OutletProfile] = {p.slug: p for p in PROFILES}


def get(slug: str | None) -> OutletProfile | None:
    return REGISTRY.get(slug) if slug else None


def for_host(host: str | None) -> OutletProfile | None:
    """The profile whose domain is the longest match for `host` (es.insightcrime.org is InSight Crime's
    Spanish edition, not the English one that owns insightcrime.org), or None for an unknown publisher."""
    if not host:
        return None
    owners = [(max(len(d) for d in p.domains if p.owns(host)), p) for p in PROFILES if p.owns(host)]
    return max(owners, key=lambda x: x[0])[1] if owners else None


__all__ = ["HOOKS", "REGISTRY", "ExtractFixes", "OutletProfile", "for_host", "get"]
