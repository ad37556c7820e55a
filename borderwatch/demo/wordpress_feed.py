"""The one renderer of SYNTHETIC WordPress RSS feeds, for every loopback site that needs one.

It writes the stock WordPress /feed/ RSS2 template, line for line as in the real dcrainmaker 2017 feed
(tests/fixtures/outlets/_standins/wordpress/feed-rss2-dcrainmaker-2017.xml), with a current generator line.
Used by the fixture outlets (borderwatch/demo/outlets.py), the generator of the twelve outlet copies' feeds
(tests/fixtures/outlets/make_synthetic.py, served by outlet_sites.py) and the benchmark site
(bench/fixture_site.py), so a change to the template reaches all of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import format_datetime
from html import escape


@dataclass
class FeedItem:
    title: str
    link: str
    published: datetime
    guid: str  # WordPress: "<site>/?p=<post id>", not a permalink
    author: str = "Staff"
    description: str = ""  # put as is inside CDATA
    category: str = "News"
    content: str | None = None  # HTML for content:encoded; left out when None
    comments: bool = (
        False  # the <comments>, wfw:commentRss and slash:comments lines of a post open to comments
    )


def rfc822(dt: datetime) -> str:
    return format_datetime(dt.astimezone(timezone.utc))


def wordpress_rss(
    title: str,
    link: str,
    self_url: str,
    items: list[FeedItem],
    banner: str,
    description: str = "",
    last_build: datetime | None = None,
    language: str = "en-US",
) -> str:
    """A WordPress /feed/ document listing `items` in the order given; `banner` goes in an XML comment.

    last_build defaults to the newest item's date (what WordPress sends), and is left out for an empty feed.
    """
    if last_build is None and items:
        last_build = max(i.published for i in items)
    out = [
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"',
        '\txmlns:content="http://purl.org/rss/1.0/modules/content/"',
        '\txmlns:wfw="http://wellformedweb.org/CommentAPI/"',
        '\txmlns:dc="http://purl.org/dc/elements/1.1/"',
        '\txmlns:atom="http://www.w3.org/2005/Atom"',
        '\txmlns:sy="http://purl.org/rss/1.0/modules/syndication/"',
        '\txmlns:slash="http://purl.org/rss/1.0/modules/slash/"',
        "\t>",
        f"<!-- {banner} -->",
        "",
        "<channel>",
        f"\t<title>{escape(title)}</title>",
        f'\t<atom:link href="{escape(self_url)}" rel="self" type="application/rss+xml" />',
        f"\t<link>{escape(link)}</link>",
        f"\t<description>{escape(description)}</description>",
        *([f"\t<lastBuildDate>{rfc822(last_build)}</lastBuildDate>"] if last_build else []),
        f"\t<language>{escape(language)}</language>",
        "\t<sy:updatePeriod>hourly</sy:updatePeriod>",
        "\t<sy:updateFrequency>1</sy:updateFrequency>",
        "\t<generator>https://wordpress.org/?v=6.8</generator>",
    ]
    for i in items:
        url = escape(i.link)
        out += [
            "\t<item>",
            f"\t\t<title>{escape(i.title)}</title>",
            f"\t\t<link>{url}</link>",
            *([f"\t\t<comments>{url}#respond</comments>"] if i.comments else []),
            f"\t\t<pubDate>{rfc822(i.published)}</pubDate>",
            f"\t\t<dc:creator><![CDATA[{i.author}]]></dc:creator>",
            f"\t\t\t\t<category><![CDATA[{i.category}]]></category>",
            "",
            f'\t\t<guid isPermaLink="false">{escape(i.guid)}</guid>',
            f"\t\t<description><![CDATA[{i.description}]]></description>",
            *(
                [f"\t\t\t\t<content:encoded><![CDATA[{i.content}]]></content:encoded>"]
                if i.content is not None
                else []
            ),
            *(
                [
                    f"\t\t\t\t\t<wfw:commentRss>{url}feed/</wfw:commentRss>",
                    "\t\t<slash:comments>0</slash:comments>",
                ]
                if i.comments
                else []
            ),
            "\t\t</item>",
        ]
    out += ["\t</channel>", "</rss>", ""]
    return "\n".join(out)


__all__ = ["FeedItem", "rfc822", "wordpress_rss"]
