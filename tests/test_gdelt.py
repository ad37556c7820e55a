"""GDELT DOC 2.0 as a discovery kind, end to end: real `borderwatch crawl` (Scrapy, trafilatura, SQLite)
against a loopback fake of the API (its real JSON shape) with articles on several loopback publishers,
next to the two fixture outlets read through their feeds.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from borderwatch.config import ConfigError, parse_sources
from borderwatch.crawler import gdelt
from borderwatch.crawler.discovery import DiscoveryError
from borderwatch.store import ArticleRow, SourceRow, Store
from tests.support.gdelt_fake import GdeltWorld

INTERVAL = 1.0  # the tests' gdelt_interval (the real API: never under 5 s)
# The fake logs a request when it has read it; under load a request can reach it later than Scrapy sent it,
# so the spacing seen there may be a little shorter than the spacing kept. Without the slot both requests
# would arrive together (~0 s apart).
SEEN_SPACING = 0.7 * INTERVAL

GDELT_SOURCE = """  - name: GDELT
    gdelt:
      - query: '(dron OR drones OR narcodron) (cártel OR CJNG OR "crimen organizado")'
        sourcecountry: MX
        sourcelang: spanish
      - query: '(drone OR drones) (cartel OR "counter-UAS")'
        sourcelang: english
"""


def _stamp(value: str) -> datetime:
    return datetime.strptime(value, "%Y%m%d%H%M%S").replace(tzinfo=timezone.utc)


@pytest.fixture
def world(work, outlets):
    with GdeltWorld() as w:
        # A Frontera Wire story that GDELT also indexed: one item, whoever finds it first.
        story = outlets.outlets[0].stories[0]
        w.add(
            outlets.server.url(outlets.article_path(outlets.outlets[0], story)) + "?utm_source=gdelt",
            story.title,
            w.now - timedelta(hours=20),
            "fronterawire.example",
        )
        (work.config / "sources.yaml").write_text(
            outlets.sources_yaml(GDELT_SOURCE).replace(
                "settings:\n", f"settings:\n  gdelt_interval: {INTERVAL}\n"
            )
        )
        work.env["BORDERWATCH_GDELT_URL"] = w.api.endpoint
        # the publishers GDELT finds stand in for the internet on 127.0.0.x addresses, which the SSRF guard
        # would refuse as internal (crawler/addresses.py): allow loopback for this world only
        work.env["BORDERWATCH_ALLOW_INTERNAL_ADDRESSES"] = "127.0.0.0/8"
        yield w


def _articles(work) -> list[ArticleRow]:
    store = Store(work.db)
    with store.session() as s:
        rows = list(s.scalars(select(ArticleRow)))
    store.dispose()
    return rows


def test_gdelt_articles_are_fetched_from_their_publishers_and_filed_under_them(work, world, outlets):
    r = work.run("crawl")
    assert r.returncode == 0, r.stderr[-3000:]
    assert "Traceback" not in r.stderr

    calls = world.api.api_calls()
    assert len(calls) == 2, "one request per query per run"
    for c in calls:
        assert (c.params["mode"], c.params["format"], c.params["maxrecords"]) == ("artlist", "json", "250")
        start, end = _stamp(c.params["startdatetime"]), _stamp(c.params["enddatetime"])
        assert timedelta(days=7) - timedelta(minutes=5) < end - start <= timedelta(days=7, minutes=1), (
            "first run: backfill"
        )
    assert {c.params["query"] for c in calls} == {
        '(dron OR drones OR narcodron) (cártel OR CJNG OR "crimen organizado") sourcecountry:MX sourcelang:spanish',
        '(drone OR drones) (cartel OR "counter-UAS") sourcelang:english',
    }
    spacing = calls[1].at - calls[0].at
    assert spacing >= SEEN_SPACING, f"API requests {spacing:.2f} s apart"

    rows = {urlsplit(a.url).path: a for a in _articles(work)}
    by_source = {a.source for a in rows.values()}
    # unknown publishers: their domain; the Frontera story found twice: one item, under the outlet's name
    assert {"noticiasdelbajio.example", "diariodelnorte.example", "borderdispatch.example"} <= by_source
    assert "GDELT" not in by_source
    bajio = rows["/es/ataque-con-drones-en-michoacan/"]
    assert "Cártel Jalisco Nueva Generación" in bajio.text, "the page itself was fetched and extracted"
    frontera = [a for a in rows.values() if "cartel-fpv-drone-attack-michoacan" in a.url]
    assert len(frontera) == 1 and frontera[0].source == "Frontera Wire"

    for pub in world.publishers:
        paths = [q.path for q in pub.server.requests()]
        assert paths and paths[0] == "/robots.txt", "robots.txt first, like any publisher"
        assert len([p for p in paths if p != "/robots.txt"]) == len(pub.stories)

    # second run: the window starts where the first ended (15 min overlap), nothing is fetched again
    for pub in world.publishers:
        pub.server.clear_log()
    first_ends = sorted(_stamp(c.params["enddatetime"]) for c in calls)
    world.api.clear_calls()
    r2 = work.run("crawl")
    assert r2.returncode == 0, r2.stderr[-3000:]
    calls2 = world.api.api_calls()
    assert len(calls2) == 2
    assert calls2[1].at - calls2[0].at >= SEEN_SPACING
    starts = sorted(_stamp(c.params["startdatetime"]) for c in calls2)
    assert [s + gdelt.OVERLAP for s in starts] == first_ends
    assert all(q.path == "/robots.txt" for pub in world.publishers for q in pub.server.requests())
    assert len(_articles(work)) == len(rows)

    # language on every item: detected from the text (Noticias del Bajío's theme declares en-US)
    m = work.run("match")
    assert m.returncode == 0, m.stderr[-2000:]
    langs = {urlsplit(a.url).path: a.language for a in _articles(work)}
    assert langs["/es/ataque-con-drones-en-michoacan/"] == langs["/es/feria-del-elote-2026/"] == "es"
    assert langs["/en/counter-uas-border-sector/"] == "en"
    d = work.run("digest", "--preview", "--json")
    assert d.returncode == 0, d.stderr[-2000:]
    preview = json.loads(d.stdout)
    shown = {urlsplit(e["url"]).path: e for e in preview["entries"]}
    assert shown["/es/ataque-con-drones-en-michoacan/"]["language"] == "es"
    assert shown["/es/ataque-con-drones-en-michoacan/"]["source"] == "noticiasdelbajio.example"
    blocks = json.dumps([m["blocks"] for m in preview["messages"]], ensure_ascii=False)
    assert "noticiasdelbajio.example · ES · " in blocks, "non-English items are marked"
    assert "Frontera Wire · ES" not in blocks


FAILING = ["html_error", "rate_limited", "empty", "truncated"]


def test_a_gdelt_failure_is_reported_for_that_source_and_its_window_asked_again(work, world, outlets):
    """Every way GDELT fails, each in a source of its own, next to a healthy GDELT source and two feeds."""
    extra = GDELT_SOURCE + "".join(
        f"  - name: GDELT {mode}\n    gdelt:\n      - query: 'drones {mode}'\n" for mode in FAILING
    )
    (work.config / "sources.yaml").write_text(
        outlets.sources_yaml(extra).replace("settings:\n", "settings:\n  gdelt_interval: 0.2\n")
    )
    world.api.modes = {mode: mode for mode in FAILING}
    r = work.run("crawl")
    assert r.returncode == 0, r.stderr[-3000:]
    assert "Traceback" not in r.output
    store = Store(work.db)
    with store.session() as s:
        health = {row.name: row for row in s.scalars(select(SourceRow))}
    reasons = {mode: health[f"GDELT {mode}"].last_error for mode in FAILING}
    assert all(health[f"GDELT {mode}"].consecutive_failures == 1 for mode in FAILING), reasons
    assert "The specified phrase is too short" in reasons["html_error"]
    assert "HTTP 429" in reasons["rate_limited"] and "limit requests" in reasons["rate_limited"]
    assert "empty body" in reasons["empty"]
    assert "GDELT answered with an error" in reasons["truncated"]
    for name in ("GDELT", "Frontera Wire", "Rio Grande Defense Review"):
        assert health[name].consecutive_failures == 0, f"{name} is not affected"
    first = {c.params["query"]: c.params["startdatetime"] for c in world.api.api_calls()}
    assert len(first) == 2 + len(FAILING)

    # GDELT recovers: the failed queries ask for their first window again, the healthy ones move on
    world.api.modes = {}
    world.api.clear_calls()
    assert work.run("crawl").returncode == 0
    again = {c.params["query"]: c.params for c in world.api.api_calls()}
    assert len(again) == len(first)
    for query, params in again.items():
        span = _stamp(params["enddatetime"]) - _stamp(params["startdatetime"])
        if query.split()[-1] in FAILING:
            assert span > timedelta(days=6, hours=23), f"{query}: the backfill window again"
        else:
            assert span < timedelta(hours=1), f"{query}: since the last success"


def test_window_is_at_most_three_days_after_a_long_outage():
    now = datetime(2026, 12, 1, 15, 30, tzinfo=timezone.utc)
    backfill = now - timedelta(days=7)
    assert gdelt.window(now, None, backfill) == (backfill, now)
    assert gdelt.window(now, None, now - timedelta(days=400))[0] == now - gdelt.MAX_BACKFILL
    assert (
        gdelt.window(now, now - timedelta(hours=2), backfill)[0] == now - timedelta(hours=2) - gdelt.OVERLAP
    )
    assert gdelt.window(now, now - timedelta(days=9), backfill)[0] == now - timedelta(days=3)


def test_answer_shapes():
    body = (
        b'{"articles": [{"url": "https://milenio.com/policia/dron", "url_mobile": "", "title": "Atacan con\n drones",'
        b' "seendate": "20261201T153000Z", "socialimage": "", "domain": "milenio.com", "language": "Spanish",'
        b' "sourcecountry": "Mexico"}, {"url": "javascript:alert(1)", "title": "x"}]}'
    )
    (e,) = gdelt.parse_answer(body, "GDELT")
    assert (e.url, e.title, e.outlet, e.via) == (
        "https://milenio.com/policia/dron",
        "Atacan con drones",
        "milenio.com",
        "gdelt",
    )
    assert e.published == datetime(2026, 12, 1, 15, 30, tzinfo=timezone.utc)
    assert gdelt.parse_answer(b"{}", "GDELT") == [], "nothing matched in the window"
    for bad in (b"", b"  \n", b"<html><body>Invalid query</body></html>", b'{"articles": [', b"[1, 2]"):
        with pytest.raises(DiscoveryError):
            gdelt.parse_answer(bad, "GDELT")


def test_gdelt_config_shape_and_errors():
    cfg = parse_sources(
        {
            "sources": [
                {
                    "name": "G",
                    "gdelt": [{"query": "drones  cartel", "sourcecountry": "mx", "sourcelang": "Spanish"}],
                }
            ]
        }
    )
    assert cfg.sources[0].gdelt == (
        {"query": "drones cartel", "sourcecountry": "MX", "sourcelang": "spanish"},
    )
    for bad in ([{"query": ""}], [{"q": "x"}], "drones", [{"query": "x", "sourcecountry": "Mexico"}], []):
        with pytest.raises(ConfigError) as exc:
            parse_sources({"sources": [{"name": "G", "gdelt": bad}]})
        assert "gdelt" in str(exc.value)


def test_interval_never_under_five_and_a_half_seconds_against_the_real_api(monkeypatch):
    monkeypatch.delenv(gdelt.ENV_ENDPOINT, raising=False)
    assert (
        gdelt.interval(0.1) == gdelt.interval(None) == gdelt.MIN_INTERVAL == 5.5 and gdelt.interval(8) == 8.0
    )
    monkeypatch.setenv(gdelt.ENV_ENDPOINT, "http://127.0.0.160:9/api/v2/doc/doc")
    assert gdelt.interval(0.1) == 0.1


def test_a_gdelt_article_is_filed_under_its_publisher_from_the_shipped_config():
    from borderwatch.config import load_sources
    from borderwatch.crawler.outlets import PROFILES
    from tests.support.outlet_sites import SHIPPED_CONFIG

    pubs = gdelt.Publishers(load_sources(SHIPPED_CONFIG).sources, PROFILES)
    cases = {
        # an article host the feeds are not on: the outlet registry knows cnn.com, the CNN source uses it
        ("https://edition.cnn.com/2026/11/30/americas/cartel-drones", "cnn.com"): ("CNN", "CNN"),
        ("https://es.insightcrime.org/noticias/drones-cjng/", None): ("InSight Crime (español)",) * 2,
        ("https://insightcrime.org/news/cartel-drones/", None): ("InSight Crime",) * 2,
        ("https://www.twz.com/news-features/x", "twz.com"): ("The War Zone",) * 2,
        ("https://www.elsoldesinaloa.com.mx/policiaca/dron", "elsoldesinaloa.com.mx"): (
            "elsoldesinaloa.com.mx",
            None,
        ),
        ("https://regional.example/nota", None): ("regional.example", None),
    }
    for (url, domain), (name, source) in cases.items():
        assert (pubs.name_for(url, domain), pubs.source_for(url)) == (name, source), url
