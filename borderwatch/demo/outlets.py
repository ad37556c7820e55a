"""Fixture outlets for tests and the demo, served by FixtureServer on loopback.

SYNTHETIC content: the stories below are written for testing (they paraphrase the kind of reporting the beat
sees; none is a copy of a real article). The *structure* is real: pages follow the WordPress + Yoast +
tagDiv markup of the stored mexiconewsdaily.com page (corpus standins/wordpress), the RSS feed follows the
stock WordPress /feed/ template (standins dcrainmaker 2017), the Atom feed the WordPress /feed/atom/
template (standins onefoottsunami 2015, with xml:base and relative links). Every page carries realistic
chrome: a nav menu, a "Trending" sidebar and a footer that contain bait keywords (FPV, CJNG, counter-UAS),
which must never cause a match.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from importlib import resources
from string import Template

from .server import PageServer
from .wordpress_feed import FeedItem, wordpress_rss


@dataclass
class Story:
    slug: str
    title: str
    author: str
    days_ago: float
    paragraphs: list[str]
    guid: int = 0


@dataclass
class Outlet:
    key: str  # path prefix on the fixture server
    name: str
    kind: str  # rss | atom
    stories: list[Story] = field(default_factory=list)


BAIT_SIDEBAR = [
    "FPV drone strikes: what we know",
    "CJNG leader profile",
    "Counter-UAS market outlook",
    "Sinaloa Cartel and the Chapitos",
]

FRONTERA = Outlet(
    key="frontera",
    name="Frontera Wire",
    kind="rss",
    stories=[
        Story(
            "cartel-fpv-drone-attack-michoacan",
            "Cartel fighters use FPV drones in attack on Michoacán police post",
            "Ana Torres",
            1,
            [
                "Gunmen linked to the Jalisco New Generation Cartel (CJNG) struck a police post in Michoacán on Sunday "
                "with first-person-view drones carrying improvised explosives, state officials said.",
                "Security analysts say the use of FPV drones by cartels has grown quickly since 2020, when only a handful "
                "of attacks were recorded, to near-daily incidents in parts of Michoacán this year.",
                "The state security ministry said two officers were wounded and that soldiers recovered the remains of "
                "three quadcopters near the town.",
                "Officials did not say whether the drones were bought commercially or assembled from parts.",
            ],
            guid=101,
        ),
        Story(
            "border-counter-uas-deployment",
            "Pentagon sends counter-UAS systems to the southern border",
            "Mark Reyes",
            2,
            [
                "The Defense Department has deployed additional counter-UAS systems, including radar detection and "
                "jammers, to sectors along the US-Mexico border, officials said Tuesday.",
                "Border Patrol agents have reported thousands of drone incursions over the past year, many of them "
                "scouting routes for smugglers.",
                "The systems will be operated by Joint Task Force Southern Border, the officials said.",
            ],
            guid=102,
        ),
        Story(
            "fpv-racing-league-season",
            "FPV racing league opens its season in Guadalajara",
            "Luis Paredes",
            1,
            [
                "Pilots from twelve countries gathered in Guadalajara for the first round of the FPV racing league, "
                "flying tiny quadcopters through neon gates at over 100 km/h.",
                "Organisers said the drone racing circuit has doubled its audience since last year.",
            ],
            guid=103,
        ),
        Story(
            "mexico-steel-tariffs-talks",
            "Mexico presses Washington on steel tariffs",
            "MND Staff",
            1,
            [
                "Mexico's economy minister said on Monday that the government would keep pressing Washington to drop "
                "tariffs on Mexican steel, citing the US trade surplus in the sector.",
                "Industry groups welcomed the talks but warned that investment decisions were on hold.",
            ],
            guid=104,
        ),
        Story(
            "sinaloa-chapitos-drone-old",
            "Chapitos faction tests explosive drones in Sinaloa",
            "Ana Torres",
            30,
            [
                "A faction of the Sinaloa Cartel known as the Chapitos has tested explosive-laden drones in the "
                "mountains of Sinaloa, according to a military intelligence report.",
                "The report, seen by reporters, describes at least four test flights.",
            ],
            guid=105,
        ),
    ],
)

RIO = Outlet(
    key="rio",
    name="Rio Grande Defense Review",
    kind="atom",
    stories=[
        Story(
            "ndaa-counter-drone-provisions",
            "NDAA conference text expands counter-drone authority <!channel> at the border",
            "Dana Whitfield",
            0.5,
            [
                "The compromise National Defense Authorization Act released this week expands the authority of the "
                "Defense Department to take down drones near military installations along the southern border.",
                "The counter-drone provisions would also fund new detection radars and a pilot program with the "
                "Department of Homeland Security.",
                "Lawmakers said the changes respond to a surge in cartel drone flights over the border.",
            ],
            guid=201,
        ),
        Story(
            "wedding-drone-photography",
            "Drone photography takes off at Texas weddings",
            "Kim Lee",
            1,
            [
                "Couples in Texas are increasingly hiring drone pilots to capture aerial wedding photos, vendors say.",
                "Most use small consumer quadcopters and must follow FAA rules for commercial flights.",
            ],
            guid=202,
        ),
    ],
)

OUTLETS = [FRONTERA, RIO]

# The article page: WordPress + Yoast + tagDiv markup (package data, so the markup is read as HTML, not code).
ARTICLE = Template(
    resources.files(__package__).joinpath("pages/article.html").read_text(encoding="utf-8").removesuffix("\n")
)


def _page(outlet: Outlet, story: Story, published: datetime) -> str:
    e = html.escape
    canonical = (
        f"/{outlet.key}/{published:%Y/%m}/{story.slug}/"  # relative on purpose: real fixtures carry these
    )
    nav = "".join(
        f'<li class="menu-item"><a href="/{outlet.key}/category/{x.lower()}/">{e(x)}</a></li>'
        for x in ["Drones", "Cartels", "Counter-UAS", "CJNG", "Border"]
    )
    side = "".join(
        f'<li><a href="/{outlet.key}/trending/{i}/">{e(t)}</a></li>' for i, t in enumerate(BAIT_SIDEBAR)
    )
    body = "\n".join(f"<p>{e(p)}</p>" for p in story.paragraphs)
    iso = published.isoformat()
    return ARTICLE.substitute(
        title=e(story.title),
        outlet=e(outlet.name),
        canonical=canonical,
        iso=iso,
        author=e(story.author),
        title_json=json.dumps(story.title),
        author_json=json.dumps(story.author),
        nav=nav,
        guid=story.guid,
        key=outlet.key,
        author_slug=story.slug[:5],
        date=f"{published:%B %d, %Y}",
        body=body,
        side=side,
    )


def _rss(outlet: Outlet, base: str, items: list[tuple[Story, datetime]]) -> str:
    return wordpress_rss(
        outlet.name,
        f"{base}/{outlet.key}/",
        f"{base}/{outlet.key}/feed/",
        [
            FeedItem(
                title=story.title,
                link=f"{base}/{outlet.key}/{pub:%Y/%m}/{story.slug}/?utm_source=rss&utm_medium=rss",
                published=pub,
                guid=f"{base}/{outlet.key}/?p={story.guid}",
                author=story.author,
                description=story.paragraphs[0][:200],
            )
            for story, pub in items
        ],
        banner="SYNTHETIC fixture feed (stock WordPress /feed/ template)",
        description="Borderlands security news",
    )


def _atom(outlet: Outlet, base: str, items: list[tuple[Story, datetime]]) -> str:
    e = html.escape
    out = []
    for story, pub in items:
        rel = f"{pub:%Y/%m}/{story.slug}/"  # relative to xml:base
        out.append(f"""	<entry>
		<author><name>{e(story.author)}</name></author>
		<title type="html"><![CDATA[{story.title}]]></title>
		<link rel="alternate" type="text/html" href="{rel}" />
		<id>{base}/{outlet.key}/?p={story.guid}</id>
		<updated>{pub.isoformat()}</updated>
		<published>{pub.isoformat()}</published>
		<summary type="html"><![CDATA[{story.paragraphs[0][:200]}]]></summary>
	</entry>""")
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<!-- SYNTHETIC fixture feed (stock WordPress /feed/atom/ template) -->
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en-US" xml:base="{base}/{outlet.key}/">
	<title type="text">{e(outlet.name)}</title>
	<updated>{datetime.now(timezone.utc).isoformat()}</updated>
	<link rel="alternate" type="text/html" href="{base}/{outlet.key}/" />
	<id>{base}/{outlet.key}/feed/atom/</id>
	<link rel="self" type="application/atom+xml" href="{base}/{outlet.key}/feed/atom/" />
	<generator uri="https://wordpress.org/" version="6.8">WordPress</generator>
{chr(10).join(out)}
</feed>
"""


class FixtureOutlets:
    """The fixture outlets published on a FixtureServer; `add_story` publishes a new article (feed updated)."""

    def __init__(self, server: PageServer, outlets: list[Outlet] | None = None, now: datetime | None = None):
        self.server = server
        self.outlets = outlets or [Outlet(o.key, o.name, o.kind, list(o.stories)) for o in OUTLETS]
        self.now = now or datetime.now(timezone.utc).replace(microsecond=0)
        self.server.put("/robots.txt", "User-agent: *\nDisallow: /private/\n", "text/plain")
        for o in self.outlets:
            self.publish(o)

    def pub_date(self, story: Story) -> datetime:
        return self.now - timedelta(days=story.days_ago)

    def feed_path(self, outlet: Outlet) -> str:
        return f"/{outlet.key}/feed/" + ("atom/" if outlet.kind == "atom" else "")

    def article_path(self, outlet: Outlet, story: Story) -> str:
        return f"/{outlet.key}/{self.pub_date(story):%Y/%m}/{story.slug}/"

    def publish(self, outlet: Outlet) -> None:
        items = sorted(((s, self.pub_date(s)) for s in outlet.stories), key=lambda x: x[1], reverse=True)
        for story, pub in items:
            self.server.put(self.article_path(outlet, story), _page(outlet, story, pub))
        render = _atom if outlet.kind == "atom" else _rss
        ctype = (
            "application/atom+xml; charset=UTF-8"
            if outlet.kind == "atom"
            else "application/rss+xml; charset=UTF-8"
        )
        self.server.put(self.feed_path(outlet), render(outlet, self.server.base, items), ctype)

    def add_story(self, outlet_key: str, story: Story) -> None:
        outlet = next(o for o in self.outlets if o.key == outlet_key)
        outlet.stories.append(story)
        self.publish(outlet)

    def sources_yaml(self, extra: str = "") -> str:
        lines = [
            "settings:",
            "  backfill_days: 7",
            "  autothrottle_start_delay: 0.05",
            "  download_delay: 0",
            "sources:",
        ]
        for o in self.outlets:
            lines += [f"  - name: {o.name}", f"    feeds: [{self.server.url(self.feed_path(o))}]"]
        return "\n".join(lines) + "\n" + extra
