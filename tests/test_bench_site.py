"""bench/fixture_site.py builds a valid benchmark site: real pages under new loopback URLs, listed in feeds,
each copy a distinct article (new title, canonical URL and paragraph). A smoke test; speed is never asserted."""

from __future__ import annotations

import urllib.request

import feedparser

from bench.fixture_site import OUTLETS, BenchSite
from borderwatch.config import parse_sources
from borderwatch.crawler.extract import extract
from borderwatch.yamlload import load_yaml


def fetch(url: str, headers: dict | None = None):
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, b""


def test_bench_site_serves_distinct_copies_of_real_pages_listed_in_paginated_feeds(tmp_path):
    with BenchSite(30, per_feed=2) as site:
        # sources.yaml is valid for borderwatch and lists every feed page of the 12 outlets
        path = tmp_path / "sources.yaml"
        path.write_text(site.sources_yaml())
        cfg = parse_sources(load_yaml(path), path)
        assert [s.name for s in cfg.sources] == [name for _, name, _ in OUTLETS]
        assert len({s.feeds[0].split("/")[2] for s in cfg.sources}) == 12  # one loopback host per outlet

        listed = []
        for src in cfg.sources:
            for feed_url in src.feeds:
                status, headers, body = fetch(feed_url)
                assert status == 200
                parsed = feedparser.parse(body)
                assert parsed.version == "rss20" and 1 <= len(parsed.entries) <= 2
                listed += [e.link for e in parsed.entries]
                # unchanged feed: a conditional GET gets 304
                assert fetch(feed_url, {"If-None-Match": headers["ETag"]})[0] == 304
        assert sorted(listed) == sorted(site.url(a) for a in site.items)

        titles, texts = set(), set()
        for art in site.items[:12] + site.items[-3:]:
            status, _, body = fetch(site.url(art))
            assert status == 200 and body == site.page(art)
            ex = extract(body.decode("utf-8"), site.url(art))
            assert ex is not None
            assert ex.title.endswith(f"(copy {art.index})")
            assert f"Update {art.index}:" in ex.text
            assert ex.canonical in (None, site.url(art))  # the original site's canonical URL is gone
            titles.add(ex.title)
            texts.add(ex.text)
        assert len(titles) == len(texts) == 15
        assert fetch(site.servers[0].url("/no-such-page/"))[0] == 404
