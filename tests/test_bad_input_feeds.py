"""Hostile and malformed discovery documents: entity bombs, external entities, gzip bombs, garbage, non-http
links, tracking parameters. The parsers either return sane entries or raise DiscoveryError — nothing else."""

from __future__ import annotations

import gzip
import io
from datetime import datetime, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from borderwatch.crawler.discovery import DiscoveryError, parse_feed
from borderwatch.crawler.sitemaps import MAX_XML_BYTES, parse_sitemap
from borderwatch.crawler.urls import canonicalize, is_http

EPOCH = datetime(2000, 1, 1, tzinfo=timezone.utc)


def billion_laughs(root: str, inner: str) -> bytes:
    ents = ['<!ENTITY lol0 "lol">'] + [f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)]
    return f'<?xml version="1.0"?><!DOCTYPE {root} [{"".join(ents)}]>{inner}'.encode()


RSS_BOMB = billion_laughs(
    "rss",
    '<rss version="2.0"><channel><title>&lol9;</title><item><title>&lol9;</title><link>http://a/b</link></item></channel></rss>',
)
SITEMAP_BOMB = billion_laughs(
    "urlset",
    '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>http://a/&lol9;</loc></url></urlset>',
)
QUADRATIC = (
    f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "{"x" * 100_000}">]><rss version="2.0"><channel>'
    f"<item><title>{'&a;' * 5000}</title><link>http://a/b</link></item></channel></rss>"
).encode()
XXE_FEED = (
    b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    b'<rss version="2.0"><channel><item><title>&x;</title><link>http://a/b</link></item></channel></rss>'
)
XXE_SITEMAP = (
    b'<?xml version="1.0"?><!DOCTYPE urlset [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>http://a/&x;</loc></url></urlset>'
)


@pytest.mark.parametrize("body", [RSS_BOMB, QUADRATIC, XXE_FEED], ids=["billion-laughs", "quadratic", "xxe"])
def test_feeds_declaring_entities_are_refused(body):
    with pytest.raises(DiscoveryError, match="declares XML entities"):
        parse_feed(body, "http://a/feed/", "S")


def test_entity_guard_sees_utf16_feeds_too():
    body = RSS_BOMB.decode().replace('<?xml version="1.0"?>', '<?xml version="1.0" encoding="UTF-16"?>')
    with pytest.raises(DiscoveryError, match="declares XML entities"):
        parse_feed(body.encode("utf-16"), "http://a/feed/", "S")


def test_rss_091_with_an_external_dtd_and_no_entities_still_parses():
    body = (
        b'<?xml version="1.0"?><!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" '
        b'"http://my.netscape.com/publish/formats/rss-0.91.dtd"><rss version="0.91"><channel><title>t</title>'
        b"<item><title>Old school</title><link>http://a/old</link></item></channel></rss>"
    )
    assert [e.url for e in parse_feed(body, "http://a/feed/", "S")] == ["http://a/old"]


@pytest.mark.parametrize("body", [SITEMAP_BOMB, XXE_SITEMAP], ids=["billion-laughs", "xxe"])
def test_sitemaps_declaring_entities_are_refused(body):
    with pytest.raises(DiscoveryError, match="declares XML entities"):
        parse_sitemap(body, "http://a/sitemap.xml", "S", EPOCH)


def gzip_of_zeros(mib: int) -> bytes:
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb") as g:
        chunk = b"\0" * (1 << 20)
        for _ in range(mib):
            g.write(chunk)
    return buf.getvalue()


def test_gzip_bomb_sitemap_is_capped_not_inflated():
    bomb = gzip_of_zeros(MAX_XML_BYTES // (1 << 20) * 4)  # 80 MiB of zeros in ~80 KiB
    assert len(bomb) < 200_000
    with pytest.raises(DiscoveryError, match="larger than"):
        parse_sitemap(bomb, "http://a/sitemap.xml.gz", "S", EPOCH)


def test_truncated_gzip_is_a_discovery_error():
    good = gzip.compress(b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"></urlset>')
    with pytest.raises(DiscoveryError):
        parse_sitemap(good[:20], "http://a/sitemap.xml.gz", "S", EPOCH)


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"\x00\xff\xfe garbage",
        b"<html><body>Not a feed</body></html>",
        b"<rss><channel><item><title>cut",
    ],
    ids=["empty", "binary", "html", "truncated"],
)
def test_garbage_feeds_are_reported_not_raised(body):
    try:
        entries = parse_feed(body, "http://a/feed/", "S")
    except DiscoveryError:
        return
    assert all(is_http(e.url) for e in entries)


NON_HTTP = [
    "javascript:alert(1)",
    "mailto:desk@example.com",
    "ftp://a/b",
    "data:text/html,hi",
    "file:///etc/passwd",
]


def test_non_http_links_in_feeds_and_sitemaps_are_ignored():
    items = "".join(f"<item><title>x</title><link>{u}</link></item>" for u in NON_HTTP)
    feed = f'<rss version="2.0"><channel><title>t</title>{items}<item><title>ok</title><link>https://a/ok</link></item></channel></rss>'
    assert [e.url for e in parse_feed(feed.encode(), "https://a/feed/", "S")] == ["https://a/ok"]
    urls = "".join(f"<url><loc>{u}</loc></url>" for u in NON_HTTP)
    sm = f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}<url><loc>https://a/ok</loc></url></urlset>'
    entries, _ = parse_sitemap(sm.encode(), "https://a/sitemap.xml", "S", EPOCH)
    assert [e.url for e in entries] == ["https://a/ok"]


@pytest.mark.parametrize(
    "url,expected",
    [
        (
            "HTTPS://Example.COM:443/news/story/?utm_source=rss&utm_medium=feed&utm_campaign=x&id=7#comments",
            "https://example.com/news/story/?id=7",
        ),
        (
            "http://example.com/a?fbclid=abc&gclid=def&mc_cid=1&mc_eid=2&_hsenc=p&ref=tw&p=99",
            "http://example.com/a?p=99",
        ),
        ("http://example.com/a?b=2&a=1&UTM_Term=x", "http://example.com/a?a=1&b=2"),
        ("http://example.com:8080", "http://example.com:8080/"),
    ],
)
def test_tracking_parameters_are_stripped_when_canonicalising(url, expected):
    assert canonicalize(url) == expected


query_key = st.one_of(
    st.sampled_from(
        ["utm_source", "utm_medium", "UTM_CAMPAIGN", "fbclid", "gclid", "mc_cid", "id", "p", "page"]
    ),
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=8),
)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(
    path=st.text(alphabet="abcdefghij/-_.0123456789%", max_size=30),
    params=st.lists(st.tuples(query_key, st.text(max_size=10)), max_size=8),
)
def test_canonical_urls_are_stable_and_free_of_tracking(path, params):
    from urllib.parse import parse_qsl, urlencode, urlsplit

    url = f"https://Example.com/{path}?{urlencode(params)}#frag"
    once = canonicalize(url)
    assert canonicalize(once) == once  # idempotent: one story, one key
    keys = [k.lower() for k, _ in parse_qsl(urlsplit(once).query, keep_blank_values=True)]
    assert not any(k.startswith("utm_") or k in ("fbclid", "gclid", "mc_cid") for k in keys)
    assert "#" not in once and once.startswith("https://example.com/")


@settings(max_examples=200, deadline=None)
@given(body=st.one_of(st.binary(max_size=2000), st.text(max_size=2000).map(str.encode)))
def test_any_bytes_as_a_feed_give_entries_or_a_discovery_error(body):
    try:
        entries = parse_feed(body, "http://a/feed/", "S")
    except DiscoveryError:
        return
    assert all(is_http(e.url) for e in entries)


@settings(max_examples=200, deadline=None)
@given(body=st.one_of(st.binary(max_size=2000), st.text(max_size=2000).map(str.encode)))
def test_any_bytes_as_a_sitemap_give_entries_or_a_discovery_error(body):
    try:
        entries, children = parse_sitemap(body, "http://a/sitemap.xml", "S", EPOCH)
    except DiscoveryError:
        return
    assert all(is_http(e.url) for e in entries) and all(is_http(u) for u in children)
