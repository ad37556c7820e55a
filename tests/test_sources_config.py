"""sources.yaml: what an operator can declare, what is refused (file:line:col), and that edits take effect on
the next run while a source's history is kept."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime, timezone

import pytest
from ruamel.yaml import YAML
from sqlalchemy import func, select

from borderwatch.config import load_sources, parse_sources
from borderwatch.crawler.plan import plan_for
from borderwatch.store import ArticleRow, SourceRow, Store
from borderwatch.yamlload import ConfigError
from tests.support.outlet_sites import SHIPPED_CONFIG, OutletSites


def parse(text: str):
    return parse_sources(YAML().load(text), "sources.yaml")


def problems(text: str) -> str:
    with pytest.raises(ConfigError) as exc:
        parse(text)
    return str(exc.value)


def test_per_source_options_reach_the_crawl_plan():
    cfg = parse(
        """
sources:
  - name: CNN
    outlet: cnn
    sitemaps: [https://www.cnn.com/sitemap/news.xml]
    include: ['^/\\d{4}/']
    exclude: ['/opinions/']
    max_items: 50
    max_pages: 7
    language: es
    extract: {drop: ["div.promo"], drop_lines: ["^Sign up"], org_bylines: [CNN Español]}
"""
    )
    plan = plan_for(cfg.sources[0])
    assert plan.max_items == 50 and plan.max_pages == 7 and cfg.sources[0].language == "es"
    assert plan.wants("https://www.cnn.com/2024/05/01/americas/mexico-cartel-drones/index.html")
    assert not plan.wants("https://www.cnn.com/2024/05/01/opinions/x/index.html")  # yaml exclude
    assert not plan.wants("https://www.cnn.com/videos/world/2024/05/01/x.cnn")  # the outlet's own exclude
    assert not plan.wants("https://www.cnn.com/about")  # include
    assert "div.promo" in plan.fixes.drop and len(plan.fixes.drop) > 1  # the profile's fixes stay
    assert plan.fixes.org_bylines[-1] == "CNN Español" and plan.fixes.hook == "cnn_dateline"


def test_paywalled_outlet_never_fetches_pages_unless_told_otherwise():
    cfg = parse(
        "sources:\n  - {name: S, outlet: stratfor, feeds: [https://worldview.stratfor.com/rss.xml]}\n"
        "  - {name: P, feeds: [https://p.example/feed/], paywalled: true}\n"
        "  - {name: Q, feeds: [https://q.example/feed/]}\n"
    )
    assert [plan_for(s).fetch_pages for s in cfg.sources] == [False, False, True]


@pytest.mark.parametrize(
    ("snippet", "where", "words"),
    [
        ("    outlet: nosuch\n", "4:5", "unknown outlet 'nosuch'"),
        ("    include: ['(unclosed']\n", "4:15", "not a valid regular expression"),
        ("    max_pages: -1\n", "4:5", "'max_pages' must be a whole number"),
        ("    extract: {drop: ['div[']}\n", "4:14", "bad selector"),
        ("    extract: {dropp: []}\n", "4:15", "unknown extract key 'dropp'"),
        ("    fetch_pages: sometimes\n", "4:5", "'fetch_pages' must be true or false"),
        ("    language: English\n", "4:5", "language code"),
        ("    listings: [{url: 'https://x.example/', links: 'h3 >> a'}]\n", "4:44", "bad selector"),
        ("    sitemaps: [ftp://x.example/sitemap.xml]\n", "4:16", "must be an http(s) URL"),
    ],
)
def test_bad_source_options_are_reported_with_file_line_and_column(snippet, where, words):
    msg = problems(f"sources:\n  - name: X\n    feeds: [https://x.example/feed/]\n{snippet}")
    assert msg.startswith(f"sources.yaml:{where}: source 'X'"), msg
    assert words in msg


def test_every_problem_is_reported_at_once():
    msg = problems(
        "settings:\n  download_timeout: 60\nsources:\n  - name: X\n    feeds: [https://x.example/feed/]\n"
        "    outlet: nosuch\n    exclude: ['(']\n"
    )
    assert len(msg.splitlines()) == 3


def test_the_shipped_config_loads_and_documents_each_source():
    cfg = load_sources(SHIPPED_CONFIG)
    assert cfg.settings["download_timeout"] <= 30 and cfg.settings["max_page_bytes"] == 5 * 1024 * 1024
    kinds = {s.name: {k for k, _, _ in plan_for(s).discovery} for s in cfg.sources}
    assert kinds["War on the Rocks"] == {"feed", "sitemap"}
    assert kinds["CNN"] == {"feed", "sitemap"}
    assert kinds["CSIS"] == {"listing"}
    assert not plan_for(next(s for s in cfg.sources if s.name == "RANE/Stratfor")).fetch_pages
    for s in cfg.sources:  # "what is crawled and why" is written down for every outlet
        if s.gdelt:  # a search, not an outlet: its notes say what it is for
            assert s.options.get("notes"), s.name
            continue
        assert plan_for(s).profile.why, s.name


# -- edits take effect on the next run; history is kept ------------------------------------------------------
def test_a_source_added_or_removed_takes_effect_next_run_and_keeps_its_history(tmp_path):
    days = (datetime.now(timezone.utc) - datetime(2016, 6, 1, tzinfo=timezone.utc)).days
    db = f"sqlite:///{tmp_path / 'bw.db'}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "BORDERWATCH_"))}
    env["BORDERWATCH_DB"] = db

    def cli(*args):
        return subprocess.run(
            [sys.executable, "-m", "borderwatch", *args, "--config-dir", str(tmp_path)],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    def write(sites, keep):
        cfg = sites.sources_config(settings={"backfill_days": days})
        cfg["sources"] = [s for s in cfg["sources"] if s["name"] in keep]
        with open(tmp_path / "sources.yaml", "w") as fh:
            YAML().dump(cfg, fh)

    with OutletSites(["dronexl", "dronelife", "insightcrime"]) as sites:
        write(sites, {"DroneXL", "DroneLife"})
        assert cli("crawl").returncode == 0
        assert sites["dronelife"].requested_paths() and not sites["insightcrime"].requested_paths()
        store = Store(db)
        with store.session() as s:
            before = s.scalar(select(SourceRow).where(SourceRow.name == "DroneLife"))
        sites.clear()

        write(sites, {"DroneXL", "InSight Crime"})  # DroneLife removed, InSight Crime added
        r = cli("crawl")
        assert r.returncode == 0, r.stderr[-2000:]
        assert sites["dronelife"].requested_paths() == []
        assert sites["insightcrime"].requested_paths()
        with store.session() as s:
            after = s.scalar(select(SourceRow).where(SourceRow.name == "DroneLife"))
            kept = s.scalar(
                select(func.count()).select_from(ArticleRow).where(ArticleRow.source == "DroneLife")
            )
            added = s.scalar(
                select(func.count()).select_from(ArticleRow).where(ArticleRow.source == "InSight Crime")
            )
        assert after.id == before.id and after.last_run_at == before.last_run_at  # untouched, not deleted
        assert kept >= 1 and added >= 1

        listing = cli("sources", "list")
        assert listing.returncode == 0
        row = next(ln for ln in listing.stdout.splitlines() if ln.startswith("DroneLife"))
        assert row.split()[-1] == "removed" and "never" not in row

        write(sites, {"DroneXL", "InSight Crime", "DroneLife"})  # back: its history is still there
        row = next(ln for ln in cli("sources", "list").stdout.splitlines() if ln.startswith("DroneLife"))
        assert row.split()[-1] == "ok" and before.last_success_at.strftime("%Y-%m-%d") in row
