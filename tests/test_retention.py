"""Retention: full text is pruned after N days, metadata stays forever, so nothing is fetched or sent again."""

from __future__ import annotations

import json
import random
import string
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import create_engine, select, text

from borderwatch.retention import DEFAULT_RETENTION_DAYS, compact, prune
from borderwatch.store import ArticleRow, DigestItem, DigestPart, DigestRow, MatchRow, Store, UrlSeen

NOW = datetime(2026, 11, 24, 6, 0, tzinfo=timezone.utc)


def add_article(s, url, days_old, status="matched", matched=False, sent_in=None, body="full text " * 100):
    a = ArticleRow(
        url=url,
        source="S",
        title=f"title {url}",
        text=body,
        status=status,
        first_seen=NOW - timedelta(days=days_old),
    )
    s.add(a)
    s.flush()
    s.add(UrlSeen(url=url, article_id=a.id))
    if matched:
        s.add(MatchRow(article_id=a.id, rule_id="r", terms=["t"], snippet="a snippet"))
    if sent_in is not None:
        s.add(DigestItem(digest_id=sent_in, article_id=a.id))
    return a.id


@pytest.mark.both_backends
def test_prune_drops_old_text_only_where_nothing_waits_for_it(db_url):
    store = Store(db_url)
    with store.session() as s:
        old_digest = DigestRow(channel="slack", status="sent", created_at=NOW - timedelta(days=120))
        s.add(old_digest)
        s.flush()
        s.add(
            DigestPart(
                digest_id=old_digest.id,
                idx=0,
                blocks=[{"type": "divider"}] * 40,
                text="x" * 3000,
                status="sent",
                ts="1700000000.000100",
                sent_at=NOW - timedelta(days=120),
            )
        )
        ids = {
            "sent_old": add_article(s, "https://a/sent-old", 120, matched=True, sent_in=old_digest.id),
            "nomatch_old": add_article(s, "https://a/nomatch-old", 100),
            "queued_old": add_article(s, "https://a/queued-old", 100, matched=True),
            "unmatched_old": add_article(s, "https://a/new-old", 100, status="new"),
            "recent": add_article(s, "https://a/recent", 10, matched=True, sent_in=old_digest.id),
        }
    res = prune(store, DEFAULT_RETENTION_DAYS, NOW)
    assert (res.texts_pruned, res.parts_pruned) == (2, 1)
    with store.session() as s:
        rows = {a.id: a for a in s.scalars(select(ArticleRow)).all()}
        assert rows[ids["sent_old"]].text is None and rows[ids["sent_old"]].text_pruned_at == NOW
        assert rows[ids["nomatch_old"]].text is None
        for keep in ("queued_old", "unmatched_old", "recent"):
            assert rows[ids[keep]].text.startswith("full text"), keep
        # metadata, URLs seen, matches and Slack ts are kept forever
        assert all(r.title.startswith("title ") for r in rows.values())
        assert len(s.scalars(select(UrlSeen)).all()) == 5
        assert s.scalar(select(MatchRow.snippet).where(MatchRow.article_id == ids["sent_old"])) == "a snippet"
        part = s.scalars(select(DigestPart)).one()
        assert part.ts == "1700000000.000100" and part.blocks == [] and part.text == ""
    again = prune(store, DEFAULT_RETENTION_DAYS, NOW)
    assert (again.texts_pruned, again.parts_pruned) == (0, 0)


def test_retention_zero_keeps_everything(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'bw.db'}")
    with store.session() as s:
        add_article(s, "https://a/x", 4000)
    assert prune(store, 0, NOW).texts_pruned == 0
    with store.session() as s:
        assert s.scalars(select(ArticleRow.text)).one() is not None


@pytest.mark.both_backends
def test_after_pruning_a_run_neither_refetches_nor_resends(work, slack, server):
    """Run, age everything by 100 days, run again with retention_days: 30: the text is pruned, and nothing
    is fetched or posted again (the metadata that says 'seen' and 'sent' is kept)."""
    sources = (work.config / "sources.yaml").read_text()
    (work.config / "sources.yaml").write_text(
        sources.replace("settings:\n", "settings:\n  retention_days: 30\n")
    )
    work.slack_env(slack)
    assert work.run("run").returncode == 0
    posts = len(slack.posts)
    assert posts >= 1
    store = Store(work.db)
    with store.session() as s:  # 100 days pass
        for a in s.scalars(select(ArticleRow)):
            a.first_seen -= timedelta(days=100)
        for p in s.scalars(select(DigestPart)):
            p.sent_at -= timedelta(days=100)
    store.dispose()
    engine = create_engine(work.db)
    with engine.connect() as c:
        with_text = c.execute(text("SELECT count(*) FROM articles WHERE text IS NOT NULL")).scalar()
    assert with_text >= 3
    server.clear_log()
    r = work.run("run")
    assert r.returncode == 0, r.output
    with engine.connect() as c:
        assert c.execute(text("SELECT count(*) FROM articles WHERE text IS NOT NULL")).scalar() == 0
        pruned = c.execute(text("SELECT count(*) FROM articles WHERE text_pruned_at IS NOT NULL")).scalar()
    assert pruned == with_text
    assert [q.path for q in server.requests() if "/feed/" not in q.path and q.path != "/robots.txt"] == []
    assert len(slack.posts) == posts
    st = json.loads(work.run("status", "--json", "--config-dir", str(work.config)).stdout)
    assert st["retention"]["text_pruned"] == pruned
    engine.dispose()


def test_sqlite_file_shrinks_after_pruning_and_vacuum_runs_at_most_weekly(tmp_path):
    path = tmp_path / "bw.db"
    store = Store(f"sqlite:///{path}")
    with store.session() as s:
        rng = random.Random(7)  # text that does not compress away: the file must be big before pruning
        for i in range(400):
            add_article(
                s, f"https://a/{i}", 100, body="".join(rng.choices(string.ascii_letters + " ", k=9000))
            )
    with store.engine.connect() as c:
        c.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    before = store.size_bytes()
    res = prune(store, DEFAULT_RETENTION_DAYS, NOW)
    assert res.texts_pruned == 400 and res.vacuumed
    after = store.size_bytes()
    assert after < before / 4, (before, after)
    with store.session() as s:  # nothing but the text went
        assert len(s.scalars(select(UrlSeen)).all()) == 400
    assert not compact(store, NOW + timedelta(days=1))
    assert compact(store, NOW + timedelta(days=8))


@pytest.mark.both_backends
def test_full_text_is_stored_compressed_on_sqlite_and_reads_back_exactly(db_url):
    body = "Cártel de Sinaloa 🚁 <b>drones</b> — " * 200
    store = Store(db_url)
    with store.session() as s:
        aid = add_article(s, "https://a/zip", 1, body=body)
        short = add_article(s, "https://a/short", 1, body="short text")
    with store.engine.connect() as c:
        raw = c.execute(text("SELECT text FROM articles WHERE id = :i"), {"i": aid}).scalar()
        if store.dialect == "sqlite":
            assert isinstance(raw, bytes) and len(raw) < len(body.encode()) / 5
        else:
            assert raw == body  # PostgreSQL compresses long values itself (TOAST)
        c.execute(text("UPDATE articles SET text = 'written by 0.1.0' WHERE id = :i"), {"i": short})
        c.commit()
    with store.session() as s:
        assert s.get(ArticleRow, aid).text == body
        assert s.get(ArticleRow, short).text == "written by 0.1.0"
