"""Per-outlet tests in the style of fundus: every shipped outlet of the beat, crawled together from loopback copies.

One real `borderwatch crawl` (subprocess, real Scrapy, real trafilatura, real SQLite) runs the *shipped*
config/sources.yaml with only the origins swapped for 127.0.0.x addresses; a second crawl shows the
conditional GETs; `borderwatch sources check --json` reports what each discovery URL yields. Expectations live
next to the fixtures (tests/fixtures/outlets/<slug>/expected.yaml, each naming its source of truth).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit

import lxml.html
import pytest
from sqlalchemy import select

from borderwatch.alerts.matcher import Matcher
from borderwatch.alerts.rules import load_rules
from borderwatch.config import load_sources
from borderwatch.crawler import outlets
from borderwatch.crawler.urls import canonicalize
from borderwatch.store import ArticleRow, SourceRow, Store, UrlSeen
from tests.support.outlet_sites import FIXTURES, SHIPPED_CONFIG, OutletSites, _load_yaml

SLUGS = sorted(p.parent.name for p in FIXTURES.glob("*/site.yaml"))
# The test window opens before the oldest real page (CNN, 29 Nov 2016) and after the SYNTHETIC 2015 entries.
WINDOW_START = datetime(2016, 6, 1, tzinfo=timezone.utc)
CONTACT = "https://example.org/borderwatch-tests"


def backfill_days() -> int:
    return (datetime.now(timezone.utc) - WINDOW_START).days


def cli(args: list[str], db: str, timeout: float = 120) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "BORDERWATCH_"))}
    env["BORDERWATCH_DB"] = db
    return subprocess.run(
        [sys.executable, "-m", "borderwatch", *args], env=env, capture_output=True, text=True, timeout=timeout
    )


def norm(s: str) -> str:
    s = (
        s.replace("’", "'")
        .replace("‘", "'")
        .replace("“", '"')
        .replace("”", '"')
        .replace("–", "-")
        .replace("—", "-")
    )
    return " ".join(s.split())


class Crawl:
    def __init__(self, sites: OutletSites, tmp: Path):
        self.sites = sites
        self.dir = tmp
        self.db = f"sqlite:///{tmp / 'bw.db'}"
        (tmp / "run").mkdir()
        (tmp / "run" / "sources.yaml").write_text(
            sites.sources_yaml(settings={"backfill_days": backfill_days()})
        )
        (tmp / "check").mkdir()
        (tmp / "check" / "sources.yaml").write_text(
            sites.sources_yaml(settings={"backfill_days": backfill_days()}, check_listings=True)
        )
        self.first = cli(["crawl", "--config-dir", str(tmp / "run")], self.db)
        self.hits_first = {slug: list(site.hits()) for slug, site in sites.sites.items()}
        self.max_inflight = {
            (slug, origin): srv.max_inflight
            for slug, site in sites.sites.items()
            for origin, srv in site.servers.items()
        }
        sites.clear()
        self.second = cli(["crawl", "--config-dir", str(tmp / "run")], self.db)
        self.hits_second = {slug: list(site.hits()) for slug, site in sites.sites.items()}
        self.status_second = {
            slug: [
                r.status for srv in site.servers.values() for r in srv.requests() if r.path != "/robots.txt"
            ]
            for slug, site in sites.sites.items()
        }
        self.check = cli(
            ["sources", "check", "--json", "--config-dir", str(tmp / "check")], f"sqlite:///{tmp / 'c.db'}"
        )
        self.store = Store(self.db)
        self.matcher = Matcher(load_rules(SHIPPED_CONFIG.parent / "keywords.yaml"))

    def article(self, slug: str, real_url: str) -> ArticleRow | None:
        key = canonicalize(self.sites[slug].loopback(real_url))
        with self.store.session() as s:
            seen = s.get(UrlSeen, key)
            return s.get(ArticleRow, seen.article_id) if seen and seen.article_id else None


@pytest.fixture(scope="module")
def crawl(tmp_path_factory):
    with OutletSites() as sites:
        yield Crawl(sites, tmp_path_factory.mktemp("outlets"))


def pages():
    for slug in SLUGS:
        exp = _load_yaml(FIXTURES / slug / "expected.yaml")
        for i, page in enumerate(exp["pages"]):
            yield pytest.param(slug, page, id=f"{slug}-{i}")


# -- the fixtures themselves ---------------------------------------------------------------------------------
def outlet_sources():
    """The shipped sources that are outlets (GDELT searches are not: tests/test_gdelt.py)."""
    return [s for s in load_sources(SHIPPED_CONFIG).sources if not s.gdelt]


def test_every_outlet_of_the_beat_is_shipped_with_a_profile_and_a_documented_loopback_copy():
    sources = outlet_sources()
    assert len(sources) == len(SLUGS) >= 22
    shipped = {s.options.get("outlet") for s in sources}
    assert shipped == set(outlets.REGISTRY) == set(SLUGS)
    for slug in SLUGS:
        for name in ("PROVENANCE.md", "site.yaml", "expected.yaml"):
            assert (FIXTURES / slug / name).is_file(), f"{slug}/{name} missing"
        for route in (
            r
            for routes in _load_yaml(FIXTURES / slug / "site.yaml")["hosts"].values()
            for r in routes.values()
        ):
            path = FIXTURES / slug / route["file"]
            assert path.is_file(), path
            if "SYNTHETIC" in path.name:  # labelled in the name *and* inside the file
                assert "SYNTHETIC" in path.read_text(encoding="utf-8")[:600], path


def test_shipped_discovery_urls_are_on_each_outlets_own_domain():
    from urllib.parse import urlsplit

    sources = outlet_sources()
    checked = 0
    for src in sources:
        profile = outlets.get(src.options["outlet"])
        for url in src.discovery_urls:
            assert profile.owns(urlsplit(url).hostname), f"{src.name}: {url} is not on {profile.domains}"
            checked += 1
    assert sources and checked >= len(sources)  # every source has at least one discovery URL, each checked


# -- one crawl of all of them ---------------------------------------------------------------------------------
def test_a_crawl_of_every_shipped_outlet_succeeds_for_each(crawl):
    assert crawl.first.returncode == 0, crawl.first.stderr[-3000:]
    with crawl.store.session() as s:
        rows = {r.name: r for r in s.scalars(select(SourceRow))}
    assert set(rows) == {s.name for s in outlet_sources()}
    for name, row in rows.items():
        assert row.consecutive_failures == 0, f"{name}: {row.last_error}"
        assert row.last_success_at is not None


@pytest.mark.parametrize("slug", SLUGS)
def test_outlet_discovery_kinds_yield_the_expected_items(crawl, slug):
    assert crawl.check.returncode == 0, crawl.check.stdout + crawl.check.stderr
    rows = [json.loads(line) for line in crawl.check.stdout.splitlines() if line.startswith("{")]
    site = crawl.sites[slug]
    got = {r["url"]: r for r in rows}
    assert site.expected["discovery"], f"{slug}: expected.yaml lists no discovery document"
    for real_url, items in site.expected["discovery"].items():
        row = got.get(site.loopback(real_url))
        assert row is not None, f"{real_url} was not checked; rows: {sorted(got)}"
        assert row["error"] is None and row["status"] == 200, row
        assert row["items"] == items, f"{real_url}: {row['items']} items, expected {items}"


@pytest.mark.parametrize(("slug", "page"), list(pages()))
def test_outlet_page_metadata_and_main_text(crawl, slug, page):
    art = crawl.article(slug, page["url"])
    assert art is not None, f"{page['url']} was not stored"
    assert art.source == outlets.get(slug).name
    assert norm(art.title) == norm(page["title"])
    assert art.published is not None and art.published.date().isoformat() == str(page["date"])
    assert page["author"] in (art.author or ""), art.author
    for org in page.get("not_author", []):
        assert org not in re.split(r";\s*", art.author or ""), art.author
    text = norm(art.text or "")
    for key in ("first", "last"):
        assert norm(page[key]) in text, f"{key} paragraph missing: {page[key]!r}"
    assert 0 <= text.find(norm(page["first"])) < 30, f"the text does not start with the story: {text[:200]!r}"
    for snippet in page.get("also", []):
        assert norm(snippet) in text
    for chrome in page.get("chrome", []):
        assert norm(chrome) not in text, f"page chrome in the text: {chrome!r}"


@pytest.mark.parametrize(("slug", "page"), [p for p in pages() if not p.values[1].get("teaser")])
def test_outlet_text_holds_nothing_from_nav_footer_aside_or_related_blocks(crawl, slug, page):
    """Chrome found automatically in the served page: every text of <nav>, <footer>, <aside> and blocks whose
    class names them related/newsletter/trending/sidebar/comment."""
    site = crawl.sites[slug]
    url = site.loopback(page["url"])
    srv = next(srv for srv in site.servers.values() if url.startswith(srv.base))
    path = url[len(srv.base) :]
    tree = lxml.html.fromstring(srv.resources[path].body)
    blocks = tree.xpath(
        "//nav|//footer|//aside|//*[contains(@class,'related') or contains(@class,'newsletter')"
        " or contains(@class,'trending') or contains(@class,'sidebar') or contains(@class,'comment')]"
    )
    chrome = {
        " ".join(t.split())
        for el in blocks
        for t in el.xpath(".//text()[not(ancestor::script) and not(ancestor::style)]")
        if len(" ".join(t.split())) >= 25
    }
    assert chrome, "the page has no chrome to test against"
    text = " ".join(crawl.article(slug, page["url"]).text.split())
    assert not [c for c in chrome if c in text]


@pytest.mark.parametrize("slug", SLUGS)
def test_outlet_entries_outside_the_window_or_the_link_filters_are_never_requested(crawl, slug):
    site = crawl.sites[slug]
    requested = {h.path for _, h in crawl.hits_first[slug]}
    assert requested, "nothing was requested"
    assert site.manifest.get("never_requested"), f"{slug}: site.yaml lists nothing that must not be requested"
    for path in site.manifest["never_requested"]:
        assert path not in requested


def test_spanish_sources_say_they_are_spanish_and_enough_of_them_ship():
    spanish = [s for s in outlet_sources() if s.language == "es"]  # GDELT searches have no outlet
    assert len(spanish) >= 8
    for src in spanish:
        site = _load_yaml(FIXTURES / src.options["outlet"] / "site.yaml")
        assert site["outlet"] == src.options["outlet"]
    hosts = {urlsplit(u).hostname.removeprefix("www.") for s in spanish for u in s.discovery_urls}
    assert len(hosts) == len(spanish), "each Spanish source is on a domain of its own"


@pytest.mark.parametrize(("slug", "page"), [p for p in pages() if "rules" in p.values[1]])
def test_the_shipped_rules_fire_on_the_stored_text_of_each_story_and_not_on_its_near_miss(crawl, slug, page):
    """The text a crawl stored (not the fixture's own paragraphs) goes through the shipped keywords.yaml."""
    art = crawl.article(slug, page["url"])
    assert art is not None and art.text
    fired = [m.rule for m in crawl.matcher.match(art.title, art.text)]
    if page["rules"]:
        assert fired, f"no rule fired on {page['url']}"
    else:
        assert not fired, f"{fired} fired on a near miss {page['url']}"


def test_the_stored_text_of_each_new_outlet_is_in_the_language_its_source_declares(crawl):
    """What the crawl stored from the Spanish outlets is detected as Spanish (Borderland Beat: English)."""
    from borderwatch.language import detect

    declared = {s.options["outlet"]: s.language for s in outlet_sources()}
    checked = 0
    for slug, page in (p.values for p in pages() if "rules" in p.values[1]):
        art = crawl.article(slug, page["url"])
        assert detect(art.title, art.text) == declared[slug], (slug, page["url"])
        checked += 1
    assert checked >= 12


def test_outlet_fixes_drop_the_read_also_and_reporter_lines_of_the_mexican_press_and_blogger():
    """Without the profile's drop_lines the 'Lee también:' / 'Te recomendamos:' / reporter lines stay."""
    from borderwatch.crawler.extract import extract

    checked = 0
    for slug, marker in (
        ("eluniversal", "Lee también:"),
        ("infobae", "Seguir leyendo:"),
        ("milenio", "Te recomendamos:"),
        ("borderlandbeat", "for Borderland Beat"),
    ):
        page = _load_yaml(FIXTURES / slug / "expected.yaml")["pages"][0]
        site = _load_yaml(FIXTURES / slug / "site.yaml")
        origin = next(iter(site["hosts"]))
        html = (FIXTURES / slug / site["hosts"][origin][page["url"][len(origin) :]]["file"]).read_bytes()
        plain, fixed = extract(html, page["url"]), extract(html, page["url"], outlets.get(slug).fixes)
        assert marker in plain.text and marker not in fixed.text, slug
        assert norm(page["last"]) in norm(fixed.text)
        checked += 1
    assert checked == 4


def test_a_publisher_host_finds_its_most_specific_outlet_profile():
    assert outlets.for_host("es.insightcrime.org").slug == "insightcrime-es"
    assert outlets.for_host("insightcrime.org").slug == "insightcrime"
    assert outlets.for_host("www.infobae.com").name == "Infobae México"
    assert outlets.for_host("amp.milenio.com").slug == "milenio"
    assert outlets.for_host("example.com") is None and outlets.for_host(None) is None


def test_cnn_fixes_earn_their_keep():
    """Without its profile trafilatura keeps CNN's promo line and names CNN as an author; with it, not."""
    from borderwatch.crawler.extract import extract

    html = (FIXTURES / "cnn" / "article-meghan-harry-oprah-recap.html").read_bytes()
    url = "https://www.cnn.com/2021/03/08/uk/meghan-harry-oprah-interview-recap-scli-gbr-intl/index.html"
    plain, fixed = extract(html, url), extract(html, url, outlets.get("cnn").fixes)
    assert "CNN will soon launch Royal News" in plain.text and "CNN" in plain.author.split("; ")
    assert "CNN will soon launch Royal News" not in fixed.text and fixed.author == "Rob Picheta"
    assert fixed.text.startswith("London (CNN) It was the interview")


# -- politeness, measured on the same crawl ------------------------------------------------------------------
def test_every_request_of_the_crawl_names_the_bot_and_its_contact(crawl):
    hits = [h for hits in crawl.hits_first.values() for _, h in hits]
    assert hits
    assert all(h.user_agent.startswith("borderwatch/") and CONTACT in h.user_agent for h in hits)


def test_no_host_ever_had_more_than_two_requests_in_flight(crawl):
    assert max(crawl.max_inflight.values()) <= 2, crawl.max_inflight


def test_robots_txt_is_read_once_per_host_before_anything_else(crawl):
    assert set(crawl.hits_first) == set(SLUGS)
    for slug, hits in crawl.hits_first.items():
        assert hits, slug
        by_origin: dict[str, list] = {}
        for origin, h in hits:
            by_origin.setdefault(origin, []).append(h)
        for origin, hs in by_origin.items():
            hs.sort(key=lambda h: h.start)
            assert hs[0].path == "/robots.txt", f"{slug} {origin}: first request {hs[0].path}"
            assert [h.path for h in hs].count("/robots.txt") == 1


def test_second_run_asks_every_feed_sitemap_and_listing_conditionally_and_fetches_no_page(crawl):
    assert crawl.second.returncode == 0, crawl.second.stderr[-2000:]
    assert set(crawl.hits_second) == set(SLUGS)
    for slug, hits in crawl.hits_second.items():
        site = crawl.sites[slug]
        discovery = {urlparts(site.loopback(u)) for u in site.expected["discovery"]}
        asked = [h for _, h in hits if h.path != "/robots.txt"]
        assert asked, slug
        for h in asked:
            assert h.path in discovery or h.path.startswith("/post-sitemap"), (
                f"{slug}: fetched {h.path} again"
            )
            assert "if-none-match" in h.headers or "if-modified-since" in h.headers, f"{slug} {h.path}"
        statuses = crawl.status_second[slug]
        assert statuses and set(statuses) == {304}, (slug, statuses)


def urlparts(url: str) -> str:
    from urllib.parse import urlsplit

    p = urlsplit(url)
    return p.path + (f"?{p.query}" if p.query else "")
