"""Discovery parsers on real stored documents of the outlets' platforms (tests/fixtures/outlets/_standins,
tests/fixtures/outlets/warontherocks): feeds, sitemaps, listings, and the link filters of the outlet profiles.
No network: the parsers take bytes (and a Scrapy HtmlResponse for listings)."""

from __future__ import annotations

import gzip
import xml.etree.ElementTree as ET
from datetime import datetime, timezone

import pytest
from scrapy.http import HtmlResponse

from borderwatch.config import parse_sources
from borderwatch.crawler.discovery import DiscoveryError, parse_feed, scoped_guid
from borderwatch.crawler.plan import plan_for
from borderwatch.crawler.sitemaps import parse_listing, parse_sitemap
from tests.support.outlet_sites import FIXTURES

WP = FIXTURES / "_standins" / "wordpress"
LONG_AGO = datetime(2000, 1, 1, tzinfo=timezone.utc)


def test_stock_wordpress_rss2_feed():
    entries = parse_feed(
        (WP / "feed-rss2-dcrainmaker-2017.xml").read_bytes(), "https://www.dcrainmaker.com/feed", "DCR"
    )
    assert len(entries) == 8
    e = entries[0]
    assert e.url == "https://www.dcrainmaker.com/2017/11/trainers-power-meters-fenix5-sale.html"
    assert e.author == "DC Rainmaker" and e.published == datetime(2017, 11, 9, 5, 0, tzinfo=timezone.utc)
    assert e.guid == "https://www.dcrainmaker.com/?p=81603"  # a URL GUID is globally unique as it is
    assert e.summary.startswith("It’s that time of year again!") and "<a" not in e.summary


def test_wordpress_vip_feedburner_feed_with_a_newline_before_the_xml_declaration():
    raw = (WP / "feed-rss2-techcrunch-2011.xml").read_bytes()
    with pytest.raises(ET.ParseError):
        ET.fromstring(raw)  # strict XML refuses this real file
    entries = parse_feed(raw, "http://feeds.feedburner.com/TechCrunch", "TC")
    assert len(entries) == 20
    assert all(e.url.startswith("http://techcrunch.com/2011/") for e in entries)  # origLink, not feedproxy


def test_wordpress_atom_feed_with_xml_base():
    entries = parse_feed(
        (WP / "feed-atom-onefoottsunami-2015.xml").read_bytes(), "http://onefoottsunami.com/feed/atom/", "O"
    )
    assert len(entries) == 25
    assert all(e.url.startswith("http") and e.published for e in entries)
    assert entries[0].author == "Paul Kafasis"


def test_rdf_rss_1_0_feed():
    rdf = b"""<?xml version="1.0"?><!-- SYNTHETIC RSS 1.0 -->
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
 xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel rdf:about="https://x.example/"><title>X</title><link>https://x.example/</link>
<items><rdf:Seq><rdf:li rdf:resource="https://x.example/a"/></rdf:Seq></items></channel>
<item rdf:about="https://x.example/a"><title>A drone story</title><link>https://x.example/a</link>
<dc:date>2024-05-01T10:00:00Z</dc:date><dc:creator>Ana</dc:creator></item></rdf:RDF>"""
    (e,) = parse_feed(rdf, "https://x.example/index.rdf", "X")
    assert (e.url, e.title, e.author) == ("https://x.example/a", "A drone story", "Ana")
    assert e.published == datetime(2024, 5, 1, 10, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (b"<!doctype html><html><body>Moved</body></html>", "not a feed"),
        (b'{"items": []}', "not a feed"),
        (b"", "not a feed"),
        (
            b'<?xml version="1.0"?><rss version="2.0"><channel><item><title>A</title><link>http://x/a</li',
            "malformed",
        ),
    ],
)
def test_what_is_not_a_feed_is_an_error_with_a_reason(body, words):
    with pytest.raises(DiscoveryError, match=words):
        parse_feed(body, "https://x.example/feed/", "X")


def test_an_empty_but_valid_feed_is_a_quiet_day_not_an_error():
    assert (
        parse_feed(
            b'<?xml version="1.0"?><rss version="2.0"><channel><title>x</title></channel></rss>',
            "https://x.example/f",
            "X",
        )
        == []
    )


def test_guids_that_are_not_urls_are_scoped_to_their_outlet():
    assert scoped_guid("12345", "CNN") == "CNN|12345"
    assert scoped_guid("https://x.example/?p=1", "X") == "https://x.example/?p=1"


def test_google_news_sitemap_is_filtered_by_publication_date():
    raw = (WP / "news-sitemap-wordpresscom-shinpaideshou-2017.xml").read_bytes()
    url = "https://shinpaideshou.wordpress.com/news-sitemap.xml"
    entries, children = parse_sitemap(raw, url, "S", LONG_AGO)
    assert len(entries) == 3 and children == []
    assert entries[0].title == "Job Opening: Reischauer Policy Research Fellow"
    assert entries[0].published == datetime(2017, 4, 25, 10, 0, 36, tzinfo=timezone.utc)
    recent, _ = parse_sitemap(raw, url, "S", datetime(2017, 4, 25, tzinfo=timezone.utc))
    assert [e.url for e in recent] == [entries[0].url]
    assert parse_sitemap(gzip.compress(raw), url, "S", LONG_AGO)[0] == entries  # .xml.gz the same


def test_an_extension_heavy_urlset_takes_no_image_or_video_field_for_the_article():
    raw = (FIXTURES / "_standins" / "other" / "sitemap-hebdenbridgetimes-2015-articles.xml").read_bytes()
    entries, _ = parse_sitemap(raw, "http://www.hebdenbridgetimes.co.uk/sitemap.xml", "H", LONG_AGO)
    assert len(entries) == raw.count(b"<url>") == 74
    assert all(e.title is None and "hebdenbridgetimes.co.uk/" in e.url for e in entries)  # no image:loc/title


def test_sitemap_index_children_older_than_the_window_are_not_read():
    raw = (FIXTURES / "warontherocks" / "sitemap_index.SYNTHETIC.xml").read_bytes()
    _, children = parse_sitemap(
        raw, "https://warontherocks.com/sitemap_index.xml", "W", datetime(2016, 6, 1, tzinfo=timezone.utc)
    )
    assert children == ["https://warontherocks.com/post-sitemap2.xml"]


def test_sitemap_xml_bombs_and_non_sitemaps_are_refused():
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        + b"".join(
            f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i else "&lol;" * 10}">'.encode()
            for i in range(1, 10)
        )
        + b']><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>https://x.example/&lol9;</loc></url></urlset>'
    )
    try:
        entries, _ = parse_sitemap(bomb, "https://x.example/s.xml", "X", LONG_AGO)
    except DiscoveryError:
        entries = []
    assert all(len(e.url) < 10_000 for e in entries)
    with pytest.raises(DiscoveryError, match="not a sitemap"):
        parse_sitemap(b'<?xml version="1.0"?><rss version="2.0"/>', "https://x.example/s.xml", "X", LONG_AGO)


def _response(path, url: str) -> HtmlResponse:
    return HtmlResponse(url=url, body=path.read_bytes(), encoding="utf-8")


def test_listing_on_the_real_war_on_the_rocks_homepage():
    resp = _response(FIXTURES / "warontherocks" / "homepage.html", "https://warontherocks.com/")
    sel = "div.latest-posts h2 > a, div.latest-posts h3 > a, div.all-posts div.single-post h3 > a"
    entries = parse_listing(resp, sel, "War on the Rocks")
    assert len(entries) == 15  # 17 links, 2 of them listed twice
    assert all(e.url.startswith("https://warontherocks.com/2020/05/") for e in entries)
    assert entries[3].title == "Bowling Alone with Robots"
    everything = parse_listing(resp, "a[href]", "War on the Rocks")
    assert everything and all("warontherocks.com" in e.url for e in everything)  # off-site links dropped


def test_listing_link_filters_of_the_csis_profile():
    resp = _response(FIXTURES / "csis" / "analysis.SYNTHETIC.html", "https://www.csis.org/analysis")
    cfg = parse_sources(
        {
            "sources": [
                {
                    "name": "CSIS",
                    "outlet": "csis",
                    "listings": [{"url": "https://www.csis.org/analysis", "links": "a[href*='/analysis/']"}],
                }
            ]
        }
    )
    plan = plan_for(cfg.sources[0])
    found = parse_listing(resp, plan.discovery[0][2], "CSIS")
    kept = [e.url for e in found if plan.wants(e.url)]
    assert len(found) > len(kept) == 1 and kept[0].endswith(
        "/analysis/storms-tornadoes-iowa-kansas-nebraska-oklahoma"
    )
