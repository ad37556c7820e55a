"""Article pages that fail are neither lost nor fetched forever (real Scrapy crawls over loopback via the CLI).

SYNTHETIC stories on the fixture outlets. What is proved, run by run, from the fixture server's request log:
- a page over the size cap is stored once from its feed entry (title + summary, so it can match and reach the
  digest), reported for its source with the reason, and never requested again;
- 404 / 410: stored from the feed at once, never requested again;
- 403 (a bot wall or paywall) and a 5xx that never recovers: asked once per run, for PAGE_RETRY_RUNS runs,
  then stored from the feed and never requested again; no page is requested twice as an article in one run,
  even when a changed feed lists it again;
- a 500 that recovers on the next run gets the full article.
"""

from __future__ import annotations

import json

from sqlalchemy import select

from borderwatch.crawler.page_failures import PAGE_RETRY_RUNS
from borderwatch.demo.outlets import Story
from borderwatch.store import ArticleRow, Store

from .test_e2e_cycle import EXPECTED_FIRST, posted_urls, slugs


def story(slug: str, title: str, first: str, guid: int) -> Story:
    return Story(
        slug,
        title,
        "Test Desk",
        0.2,
        [
            first,
            f"Officials said the {slug} case was still under investigation and gave no casualty figures.",
            f"FULLTEXT-ONLY sentence for {slug}: this line is in the page, never in the feed summary.",
        ],
        guid=guid,
    )


HUGE = story(
    "huge-cartel-drone-page",
    "Cartel drone squads hit army convoy near Apatzingán",
    "Sicarios of a cartel cell flew explosive-laden drones over an army convoy near Apatzingán at dawn.",
    301,
)
FORBIDDEN = story(
    "walled-cartel-drone-report",
    "Cartel drone lookouts mapped over Sonora smuggling corridor",
    "Smugglers working for a cartel used drone lookouts to watch Border Patrol positions in Sonora.",
    302,
)
BROKEN = story(
    "server-error-cartel-drone-story",
    "Cartel drones drop explosives on ranch in Zacatecas",
    "A cartel faction dropped explosives from drones on a ranch in Zacatecas, local police said.",
    303,
)
GONE = story(
    "gone-cartel-drone-story",
    "Cartel drone factory raided in Jalisco",
    "Soldiers raided a workshop where a cartel assembled drones for attacks, the defense ministry said.",
    304,
)
FLAKY = story(
    "flaky-cartel-drone-story",
    "Cartel drone strike wounds police in Guanajuato",
    "Police officers in Guanajuato were wounded when a cartel drone dropped a grenade on their patrol.",
    305,
)
FILLER = [
    story(
        f"filler-{i}",
        f"Steel tariff talks round {i}",
        f"Negotiators met again for round {i} of steel talks.",
        400 + i,
    )
    for i in range(5)
]


def requests_for(server, s: Story) -> list:
    return [q for q in server.requests() if s.slug in q.path]


def source_report(run) -> dict:
    return json.loads(run.stdout)["sources"]["Frontera Wire"]


def stored(work, s: Story) -> ArticleRow | None:
    store = Store(work.db)
    try:
        with store.session() as db:
            return db.scalar(select(ArticleRow).where(ArticleRow.url.contains(s.slug)))
    finally:
        store.dispose()


def small_cap(outlets, cap: int = 100_000) -> str:
    return outlets.sources_yaml().replace("settings:\n", f"settings:\n  max_page_bytes: {cap}\n", 1)


def test_an_oversized_page_is_stored_from_its_feed_entry_once_and_never_fetched_again(
    work, slack, server, outlets
):
    outlets.add_story("frontera", HUGE)
    path = outlets.article_path(outlets.outlets[0], HUGE)
    filler = "<p>" + "Padding paragraph without any interest. " * 50 + "</p>"
    server.put(path, "<html><body><article>" + filler * 200 + "</article></body></html>")  # ~400 KB
    (work.config / "sources.yaml").write_text(small_cap(outlets))
    work.slack_env(slack)

    r = work.run("run", "--json")
    assert r.returncode == 0, r.output
    rep = source_report(r)
    assert any(HUGE.slug in e and "size" in e for e in rep["errors"]), r.stderr[-4000:]
    assert len(requests_for(server, HUGE)) == 1  # a size failure is not retried within the run either
    row = stored(work, HUGE)
    assert row is not None and row.title == HUGE.title
    assert row.text == HUGE.paragraphs[0]  # the feed's summary, not the page
    got = slugs(posted_urls(slack))
    assert EXPECTED_FIRST | {HUGE.slug} <= got  # it matched on title + summary and reached the digest

    # next run, with a changed feed that lists it again: not requested, not reported, not sent again
    outlets.add_story("frontera", FILLER[0])
    posts = len(slack.posts)
    r = work.run("run", "--json")
    assert r.returncode == 0, r.output
    assert len(requests_for(server, HUGE)) == 1
    assert not any(HUGE.slug in e for e in source_report(r)["errors"])
    assert HUGE.slug not in sent_since(slack, posts)


def test_bot_walls_and_dead_servers_are_retried_for_a_few_runs_then_stored_from_the_feed(
    work, slack, server, outlets
):
    o = outlets.outlets[0]
    for s in (FORBIDDEN, BROKEN, GONE):
        outlets.add_story("frontera", s)
    server.fault(outlets.article_path(o, FORBIDDEN), status=403)
    server.fault(outlets.article_path(o, BROKEN), status=500)
    server.fault(outlets.article_path(o, GONE), status=410)
    (work.config / "sources.yaml").write_text(outlets.sources_yaml())
    work.slack_env(slack)
    assert PAGE_RETRY_RUNS == 3

    for n in range(1, PAGE_RETRY_RUNS + 2):
        if n == 2:
            outlets.add_story("frontera", FILLER[1])  # the feed changes and lists the failing pages again
        posts = len(slack.posts)
        r = work.run("run", "--json")
        assert r.returncode == 0, r.output
        assert "Traceback" not in r.output
        errors = " ".join(source_report(r)["errors"])
        sent = sent_since(slack, posts)
        asked = min(n, PAGE_RETRY_RUNS)
        # once per run (no in-run retry for a 403); never again after the bound
        assert len(requests_for(server, FORBIDDEN)) == asked, n
        # a 500 gets Scrapy's one in-run retry: 2 attempts per run, for PAGE_RETRY_RUNS runs
        assert len(requests_for(server, BROKEN)) == 2 * asked, n
        assert len(requests_for(server, GONE)) == 1, n  # 410: given up at once
        if n == 1:
            assert EXPECTED_FIRST <= sent  # the run went on
            assert GONE.slug in sent and stored(work, GONE).text == GONE.paragraphs[0]
            assert f"{GONE.slug}" in errors and "HTTP 410" in errors
        if n <= PAGE_RETRY_RUNS:
            assert "HTTP 403" in errors and "HTTP 500" in errors, errors
        if n < PAGE_RETRY_RUNS:
            assert stored(work, FORBIDDEN) is None and stored(work, BROKEN) is None
            assert FORBIDDEN.slug not in sent and BROKEN.slug not in sent
        if n == PAGE_RETRY_RUNS:  # given up: kept from the feed, so they still reach the digest
            assert {FORBIDDEN.slug, BROKEN.slug} <= sent, sent
            assert stored(work, FORBIDDEN).text == FORBIDDEN.paragraphs[0]
            assert stored(work, BROKEN).text == BROKEN.paragraphs[0]
        if n > PAGE_RETRY_RUNS:
            assert FORBIDDEN.slug not in errors and BROKEN.slug not in errors
            assert not sent & {FORBIDDEN.slug, BROKEN.slug, GONE.slug}


def sent_since(slack, posts: int) -> set[str]:
    """Slugs of the items posted after the first `posts` Slack messages."""

    class Later:
        pass

    Later.posts = slack.posts[posts:]
    return slugs(posted_urls(Later))


def test_a_server_error_that_recovers_by_the_next_run_gets_the_full_article(work, slack, server, outlets):
    o = outlets.outlets[0]
    outlets.add_story("frontera", FLAKY)
    path = outlets.article_path(o, FLAKY)
    server.fault(path, status=503)
    work.slack_env(slack)

    r = work.run("run", "--json")
    assert r.returncode == 0, r.output
    assert "HTTP 503" in " ".join(source_report(r)["errors"])
    assert stored(work, FLAKY) is None
    assert FLAKY.slug not in slugs(posted_urls(slack))

    server.clear_fault(path)
    r = work.run("run", "--json")
    assert r.returncode == 0, r.output
    row = stored(work, FLAKY)
    assert row is not None and "FULLTEXT-ONLY" in row.text  # the page, not the feed summary
    assert FLAKY.slug in slugs(posted_urls(slack))
    assert len([q for q in requests_for(server, FLAKY) if q.status == 200]) == 1


def test_an_extraction_that_raises_is_logged_with_its_traceback_counted_and_the_item_kept_from_its_feed(
    work, outlets
):
    # A valid XPath that selects text nodes, not elements: the outlet fix raises inside extraction.
    frontera = outlets.outlets[0]
    (work.config / "sources.yaml").write_text(
        outlets.sources_yaml().replace(
            f"  - name: {frontera.name}\n",
            f"  - name: {frontera.name}\n    extract: {{drop: ['//p/text()']}}\n",
        )
    )
    r = work.run("run", "--json")
    assert r.returncode == 0, r.output
    counts = json.loads(r.stdout)["sources"][frontera.name]
    assert counts["fetched"] > 0
    assert counts["extract_errors"] == counts["fetched"]  # every page of the outlet raised, each counted
    assert counts["failed"] >= counts["extract_errors"]  # and shown in the summary's error count
    assert "Traceback" in r.stderr and "AttributeError" in r.stderr and "drop_tree" in r.stderr
    with Store(work.db).session() as s:
        row = s.scalars(
            select(ArticleRow).where(ArticleRow.url.like("%cartel-fpv-drone-attack-michoacan%"))
        ).one()
    assert row.title.startswith("Cartel fighters use FPV drones")
    assert row.text == frontera.stories[0].paragraphs[0][:200]  # the feed entry's summary, not the page
