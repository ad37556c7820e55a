"""The static archive (BORDERWATCH_ARCHIVE_DIR): pages and Atom feeds derived from the delivered digests."""

from __future__ import annotations

import json
import os
import shutil
from datetime import datetime, timezone
from pathlib import Path

import feedparser
import pytest

from borderwatch.alerts.archive import ArchivedDigest, ArchivedItem, build_archive, safe_url

from .test_e2e_cycle import EXPECTED_FIRST, posted_urls, slugs

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def archive_hrefs(page: str) -> list[str]:
    import re

    return re.findall(r'<h3><a href="([^"]+)"', page)


def test_delivered_digest_is_archived_with_links_to_the_originals_and_a_feed_per_topic(work, slack, tmp_path):
    work.slack_env(slack)
    arch = tmp_path / "archive"
    r = work.run("run", "--json", env={"BORDERWATCH_ARCHIVE_DIR": str(arch)})
    assert r.returncode == 0, r.output
    summary = json.loads(r.stdout)
    assert summary["archive"]["error"] is None and summary["archive"]["written"] >= 3
    pages = sorted((arch / "digests").glob("*.html"))
    assert len(pages) == 1
    page = pages[0].read_text()
    # the archive shows exactly what Slack got, linked to the original articles
    assert sorted(archive_hrefs(page)) == sorted(posted_urls(slack))
    assert slugs(archive_hrefs(page)) == EXPECTED_FIRST
    assert "&lt;!channel&gt;" in page and "<!channel>" not in page  # the hostile title is escaped
    index = (arch / "index.html").read_text()
    assert f'href="digests/{pages[0].name}"' in index
    feeds = sorted((arch / "topics").glob("*.atom"))
    assert feeds, "no topic feed"
    linked = set()
    for f in feeds:
        parsed = feedparser.parse(f.read_bytes())
        assert not parsed.bozo, (f, parsed.bozo_exception)
        assert parsed.feed.title.startswith("borderwatch: ")
        linked |= {e.link for e in parsed.entries}
        assert f'href="topics/{f.name}"' in index
    assert linked == set(posted_urls(slack))
    assert not list(arch.rglob(".*.tmp")), "a temporary file was left behind"

    # nothing new: the archive is rebuilt from the store and nothing is rewritten
    r2 = work.run("run", "--json", env={"BORDERWATCH_ARCHIVE_DIR": str(arch)})
    assert r2.returncode == 0, r2.output
    assert json.loads(r2.stdout)["archive"]["written"] == 0
    assert pages[0].read_text() == page


def test_a_crash_before_the_archive_is_repaired_by_the_next_run(work, slack, tmp_path):
    work.slack_env(slack)
    arch = tmp_path / "archive"
    env = {"BORDERWATCH_ARCHIVE_DIR": str(arch)}
    r = work.run("run", env={**env, "BORDERWATCH_CRASH_AT": "before_archive"})
    assert r.returncode != 0  # SIGKILLed after the digest went out
    sent = posted_urls(slack)
    assert slugs(sent) == EXPECTED_FIRST
    assert not (arch / "index.html").exists()
    assert work.run("run", env=env).returncode == 0
    assert posted_urls(slack) == sent  # nothing posted twice
    (page,) = (arch / "digests").glob("*.html")
    assert sorted(archive_hrefs(page.read_text())) == sorted(sent)


def test_an_unwritable_archive_is_reported_and_the_digest_still_goes_out(work, slack, tmp_path):
    work.slack_env(slack)
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the archive directory should be")
    r = work.run("run", env={"BORDERWATCH_ARCHIVE_DIR": str(blocker / "archive")})
    assert r.returncode == 0, r.output
    assert slugs(posted_urls(slack)) == EXPECTED_FIRST
    assert "cannot write the archive" in r.stderr
    assert "Traceback" not in r.output


HOSTILE = ArchivedItem(
    article_id=7,
    title='<script>alert("x")</script> Drone \u202estrike\u202c & <b>bold</b>',
    url="javascript:alert(1)",
    source="Outlet <img src=x onerror=alert(1)>",
    published=datetime(2026, 11, 30, 12, tzinfo=timezone.utc),
    topic_id="cartel_drones",
    topic_name="Cartel drone attacks",
    terms=("CJNG", "<drone>"),
    snippet='He said "*bold*" <iframe src="http://evil.example/">',
    also_in=(("Other", "http://127.0.0.1/also?a=1&b=2"), ("Bad", "data:text/html,hi")),
)


def hostile_archive(tmp_path: Path) -> Path:
    items = (
        HOSTILE,
        ArchivedItem(
            8,
            "Pentagon sends counter-UAS systems to the southern border",
            "http://127.0.0.1:9/frontera/counter-uas/",
            "Frontera Wire",
            datetime(2026, 11, 29, tzinfo=timezone.utc),
            "counter_uas",
            "Counter-UAS at the border",
            ("counter-UAS",),
            "The Defense Department has deployed additional counter-UAS systems.",
        ),
    )
    d = ArchivedDigest(3, "2026-11-30", datetime(2026, 11, 30, 13, tzinfo=timezone.utc), items)
    out = tmp_path / "arch"
    build_archive(out, [d], topic_order=["counter_uas", "cartel_drones"])
    return out


def test_archive_pages_escape_hostile_text_and_link_only_http(tmp_path):
    out = hostile_archive(tmp_path)
    page = (out / "digests" / "2026-11-30-3.html").read_text()
    assert "<script" not in page and "<iframe" not in page and "<img" not in page
    assert "javascript:" not in page and "data:text" not in page
    assert "\u202e" not in page  # bidi overrides dropped
    assert 'href="http://127.0.0.1/also?a=1&amp;b=2"' in page
    assert page.index("Counter-UAS at the border") < page.index("Cartel drone attacks")  # rules order
    assert "http://" not in page.split("<body>")[0].replace("http-equiv", "")  # nothing loaded from elsewhere
    atom = feedparser.parse((out / "topics" / "cartel_drones.atom").read_bytes())
    assert not atom.bozo
    (entry,) = atom.entries
    assert not [x for x in entry.get("links", []) if x.get("rel") == "alternate"]  # javascript: is not linked
    assert entry.title.startswith('<script>alert("x")</script>')  # text, escaped by the XML writer


def test_safe_url_accepts_only_plain_http_links():
    assert safe_url("https://example.org/a?b=1") == "https://example.org/a?b=1"
    for bad in ("javascript:alert(1)", "data:text/html,x", "//evil", "http://a b", "ftp://x/"):
        assert safe_url(bad) is None, bad


@pytest.mark.skipif(not CHROMIUM and not os.environ.get("CI"), reason="Debian's chromium is not installed")
def test_archive_renders_in_headless_chromium_as_a_reader_sees_it(tmp_path):
    """A real browser opens the index, follows the digest link, and sees titles, outlets and links, with no
    request leaving the archive folder and no script run."""
    assert CHROMIUM, "CI must install Debian's chromium (see .ci/run)"
    from playwright.sync_api import sync_playwright

    out = hostile_archive(tmp_path)
    requests: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--no-first-run",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        try:
            page = browser.new_page(viewport={"width": 900, "height": 1200})
            dialogs: list[str] = []
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            page.on("request", lambda r: requests.append(r.url))
            page.goto((out / "index.html").as_uri())
            assert "past digests" in page.title()
            page.click("text=Mon 30 Nov 2026")
            page.wait_for_load_state()
            seen = page.inner_text("main")
            shot = page.screenshot(full_page=True)
            hrefs = page.eval_on_selector_all("article h3 a", "els => els.map(e => e.href)")
        finally:
            browser.close()
    assert "Pentagon sends counter-UAS systems to the southern border" in seen
    assert '<script>alert("x")</script> Drone' in seen  # shown as text, not run
    assert "Frontera Wire" in seen and "Counter-UAS at the border (1)" in seen
    assert hrefs == ["http://127.0.0.1:9/frontera/counter-uas/"]  # the javascript: title is not a link
    assert not dialogs, "a script ran"
    assert requests and all(u.startswith("file://") for u in requests), requests
    (tmp_path / "digest.png").write_bytes(shot)
    from PIL import Image

    img = Image.open(tmp_path / "digest.png").convert("L")
    lo, hi = img.getextrema()
    assert img.size[0] == 900 and hi - lo > 100, "the screenshot is blank"
