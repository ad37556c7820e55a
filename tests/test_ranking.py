"""Story ranking and who/where in the digest: the score orders items within a topic, the digest opens with
the top three, each item shows its places and armed groups, and `digest --preview --json` shows the score.
Tags are written at match time and read back by the digest (re-tagged only under a newer gazetteer)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from borderwatch.alerts.digest import DigestEntry, Mention, render, to_terminal
from borderwatch.alerts.ranking import score, title_hit
from borderwatch.alerts.rules import Term
from borderwatch.alerts.tagging import shipped
from borderwatch.store import ArticleRow, Store
from tests.support.articles import seed_article
from tests.support.fake_slack import check_limits

NOW = datetime(2026, 11, 24, 14, 0, tzinfo=timezone.utc)


def test_score_adds_title_hit_terms_outlets_and_recency_as_documented():
    fresh = score(True, 2, 3, NOW, NOW)
    assert fresh.total == 3 + 2 + 2 * 2 + 2  # title, 2 terms, 2 other outlets, just published
    day_old = score(False, 9, 1, NOW - timedelta(hours=24), NOW)
    assert day_old.total == 5 + 1  # terms capped at 5; half the recency
    assert score(False, 1, 1, None, NOW).total == 1  # undated: no recency
    assert title_hit(["Cártel usa drones en Aguililla"], [Term("dron")])  # plurals as the matcher has them
    assert not title_hit(["A quiet day"], [Term("drone")])


def entry(
    i: int, title: str, total_terms: int, outlets: int, hours: float, rule="cartel_drones"
) -> DigestEntry:
    when = NOW - timedelta(hours=hours)
    text = "Two officers were wounded in Aguililla, Michoacán, by CJNG drones." if i == 2 else "No place."
    return DigestEntry(
        article_id=i,
        title=title,
        url=f"https://example.com/{i}/",
        source=f"Outlet {i}",
        published=when,
        rule_id=rule,
        rule_name="Cartel drone attacks",
        terms=["cartel", "drone"][:total_terms],
        snippet="…",
        also_in=[Mention(f"Other {k}", f"https://other{k}.example/{i}/") for k in range(outlets - 1)],
        score=score(i != 1, total_terms, outlets, when, NOW),
        tags=shipped().tag(title, text),
    )


def test_items_are_ordered_by_strength_and_the_digest_opens_with_the_top_three():
    entries = [
        entry(1, "Newest but weakest", 1, 1, 0.5),
        entry(2, "Cartel drones strike police in Aguililla", 2, 3, 20),
        entry(3, "Cartel drone seen", 2, 1, 10),
        entry(4, "Another cartel drone", 1, 1, 30, rule="cjng"),
    ]
    parts = render(entries, NOW, ["cartel_drones", "cjng"])
    blocks = parts[0].blocks
    texts = [b.get("text", {}).get("text", "") for b in blocks]
    top = next(t for t in texts if t.startswith("*Top stories*"))
    lines = top.split("\n")[1:]
    assert len(lines) == 3 and lines[0].startswith("1. <https://example.com/2/|")
    assert "Aguililla, Michoacán · CJNG" in lines[0]
    assert texts.index(top) < min(i for i, t in enumerate(texts) if t.startswith("*<"))  # before any item
    items = [t for t in texts if t.startswith("*<")]
    assert [t.split("|")[0] for t in items[:3]] == [
        "*<https://example.com/2/",
        "*<https://example.com/3/",
        "*<https://example.com/1/",
    ]
    assert "\nAguililla, Michoacán · CJNG\n" in items[0]
    console = to_terminal(blocks, width=100)
    assert (
        "Top stories\n1. Cartel drones strike police in Aguililla — Outlet 2 · Aguililla, Michoacán"
        in console
    )
    assert "Top:" in parts[0].text
    check_limits({"blocks": blocks, "text": parts[0].text})


def test_a_long_ranked_day_stays_within_slack_limits_and_sends_every_item_once():
    entries = [entry(i, "Cartel drone report " + "x" * (i % 190), 2, 1 + i % 9, i % 50) for i in range(120)]
    parts = render(entries, NOW, ["cartel_drones"])
    assert len(parts) > 1
    for p in parts:
        check_limits({"blocks": p.blocks, "text": p.text})
    assert sorted(i for p in parts for i in p.article_ids) == list(range(120))
    assert sum("*Top stories*" in json.dumps(p.blocks) for p in parts) == 1


def test_tags_are_stored_at_match_time_and_the_preview_json_shows_scores_and_tags(work):
    story = (
        "Gunmen of the Cártel Jalisco Nueva Generación (CJNG) attacked police with explosive drones in "
        "Aguililla, Michoacán, on Sunday, officials said. The cartel is fighting Cárteles Unidos."
    )
    seed_article(
        work.db, "https://a.example/1/", "CJNG drones hit police in Aguililla", story, "Outlet A", 30
    )
    seed_article(work.db, "https://b.example/1/", "Police attacked in Michoacán", story, "Outlet B", 20)
    seed_article(
        work.db,
        "https://c.example/1/",
        "Border Patrol sees drones",
        "Agents in the El Paso Sector saw cartel drones cross from Ciudad Juárez every night, officials said.",
        "Outlet C",
        10,
    )
    assert work.run("match").returncode == 0
    store = Store(work.db)
    with store.session() as s:
        stored = {a.url: a.tags for a in s.scalars(select(ArticleRow)).all()}
    assert stored["https://a.example/1/"]["v"] == shipped().version
    assert stored["https://a.example/1/"]["actors"] == ["CJNG", "Cárteles Unidos"]
    assert {"name": "El Paso Sector", "admin1": "Texas", "country": "US", "kind": "sector"} in stored[
        "https://c.example/1/"
    ]["places"]
    # the digest reads the stored tags (it does not re-scan): a stored value shows up as stored
    with store.session() as s:
        row = s.scalar(select(ArticleRow).where(ArticleRow.url == "https://c.example/1/"))
        row.tags = {**row.tags, "actors": ["Los Viagras"]}
    store.dispose()
    r = work.run("digest", "--preview", "--json", "--config-dir", str(work.config))
    assert r.returncode == 0, r.output
    data = json.loads(r.stdout)
    assert data["items"] == 2 and {"channel", "messages", "repeats", "entries"} <= set(data)
    by_url = {e["url"]: e for e in data["entries"]}
    lead, other = by_url["https://a.example/1/"], by_url["https://c.example/1/"]
    assert lead["outlets"] == 2 and lead["title_hit"] is True and lead["terms"] == 2
    assert 8.9 < lead["score"] <= 9  # title 3 + terms 2 + one other outlet 2 + recency just under 2
    assert lead["actors"] == ["CJNG", "Cárteles Unidos"]
    assert lead["places"][0] == {"name": "Aguililla", "admin1": "Michoacán", "country": "MX"}
    assert other["actors"] == ["Los Viagras"]
    assert "Top stories" in json.dumps(data["messages"][0]["blocks"])


def test_articles_matched_before_tagging_are_tagged_by_the_next_match_run(tmp_path):
    from borderwatch.alerts.rules import load_rules
    from borderwatch.alerts.stage import match_new
    from borderwatch.store import MatchRow

    from .conftest import REPO

    store = Store(f"sqlite:///{tmp_path / 'bw.db'}")
    with store.session() as s:
        for n in range(3):
            a = ArticleRow(
                url=f"https://old.example/{n}",
                source="S",
                title="Old",
                status="matched",
                text="Drones del CJNG atacaron Tepalcatepec, Michoacán." if n else "No match here.",
            )
            s.add(a)
            s.flush()
            if n:
                s.add(MatchRow(article_id=a.id, rule_id="cjng", terms=["CJNG"], snippet=""))
    match_new(store, load_rules(REPO / "config" / "keywords.yaml"))
    with store.session() as s:
        tags = {a.url: a.tags for a in s.scalars(select(ArticleRow)).all()}
    store.dispose()
    assert tags["https://old.example/0"] is None  # never matched: nothing to tag
    assert tags["https://old.example/1"]["actors"] == ["CJNG"] == tags["https://old.example/2"]["actors"]


def test_apprise_renderings_carry_the_places_and_groups_line():
    from borderwatch.alerts.notify import render_notifications

    entries = [entry(2, "Cartel drones strike police in Aguililla", 2, 1, 2)]
    for fmt in ("markdown", "text", "html"):
        (note,) = render_notifications(entries, "Tue 24 Nov 2026", ["cartel_drones"], fmt)
        assert "Aguililla, Michoacán · CJNG" in note.to_payload()["body"], fmt
