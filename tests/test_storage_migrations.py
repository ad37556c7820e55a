"""Schema migrations: new databases are built by Alembic, a 0.1.0 database upgrades without loss (on SQLite
and a real PostgreSQL), upgrades are idempotent and serialised, and a newer schema is refused clearly."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, func, inspect, select, text
from sqlalchemy.orm import Session

from borderwatch import migrations
from borderwatch.store import (
    ArticleRow,
    Base,
    DigestItem,
    DigestPart,
    DigestRow,
    KeyValue,
    MatchRow,
    Store,
    UrlSeen,
)

from .conftest import REPO
from .legacy import store_v0_1_0 as v010

NOW = datetime(2026, 11, 20, 6, 0, tzinfo=timezone.utc)
# Every migration, oldest first, as Alembic chains them from borderwatch/migrations/versions: a new migration
# extends this list by itself (test_the_migrations_form_one_numbered_chain checks the numbering).
REVISIONS = [r.revision for r in reversed(list(migrations.script().walk_revisions()))]


def run_cli(*args: str, db: str, env: dict | None = None) -> subprocess.CompletedProcess:
    import os

    full = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "BORDERWATCH_"))}
    full.update({"BORDERWATCH_DB": db, **(env or {})})
    return subprocess.run(
        [sys.executable, "-m", "borderwatch", *args], env=full, capture_output=True, text=True, timeout=120
    )


def make_legacy_database(url: str, canonical_urls: list[str] | None = None) -> dict:
    """A database as borderwatch 0.1.0 left it: its create_all schema and a realistic set of rows
    (articles sent in a digest, one queued, one old, fetch state, source health, last good rules).
    Returns a snapshot of what must survive the upgrade."""
    engine = create_engine(url)
    v010.Base.metadata.create_all(engine)
    urls = canonical_urls or [f"https://example.com/news/{i}/" for i in range(3)]
    with Session(engine) as s:
        s.add(
            v010.SourceRow(name="Frontera Wire", consecutive_failures=2, last_error="HTTP 503", items_found=5)
        )
        s.add(v010.FetchState(url="https://example.com/feed/", source="Frontera Wire", etag='"abc"'))
        d = v010.DigestRow(channel="slack", status="sent", item_count=len(urls), created_at=NOW, sent_at=NOW)
        s.add(d)
        s.flush()
        s.add(
            v010.DigestPart(
                digest_id=d.id, idx=0, blocks=[{"type": "divider"}], text="t", status="sent", ts="1.2"
            )
        )
        for i, u in enumerate(urls):
            a = v010.ArticleRow(
                url=u,
                guid=f"guid-{i}",
                source="Frontera Wire",
                title=f"Cártel drone story {i} <!channel>",
                text="Full text " * 50,
                published=NOW - timedelta(days=1),
                first_seen=NOW,
                status="matched",
            )
            s.add(a)
            s.flush()
            s.add(v010.UrlSeen(url=u, article_id=a.id))
            s.add(
                v010.MatchRow(article_id=a.id, rule_id="cartel_drones", terms=["CJNG", "drone"], snippet="…")
            )
            s.add(v010.DigestItem(digest_id=d.id, article_id=a.id))
        q = v010.ArticleRow(
            url="https://example.com/queued/",
            source="Frontera Wire",
            title="Queued",
            text="x",
            status="matched",
        )
        s.add(q)
        s.flush()
        s.add(v010.MatchRow(article_id=q.id, rule_id="fpv", terms=["FPV"], snippet="FPV"))
        s.add(
            v010.ArticleRow(url="https://example.com/old/", source="Frontera Wire", title="Old", status="old")
        )
        s.add(v010.KeyValue(key="rules:last_good", value="rules: []\n"))
        s.add(v010.RunRow(started_at=NOW, finished_at=NOW, status="ok", stats={"matched": 4}))
        s.commit()
    snap = snapshot(engine)
    engine.dispose()
    return snap


def snapshot(engine) -> dict:
    """Every row of every 0.1.0 table, as comparable tuples (column order of the 0.1.0 schema)."""
    out = {}
    with engine.connect() as c:
        for table in v010.Base.metadata.sorted_tables:
            cols = [col.name for col in table.columns]
            rows = c.execute(text(f"SELECT {', '.join(cols)} FROM {table.name} ORDER BY 1")).all()
            out[table.name] = [tuple(str(v) for v in r) for r in rows]
    return out


def models_vs_schema(engine) -> list:
    with engine.connect() as c:
        return compare_metadata(MigrationContext.configure(c, opts={"compare_type": True}), Base.metadata)


@pytest.mark.both_backends
def test_new_database_is_built_by_the_migrations_and_matches_the_models(db_url):
    store = Store(db_url)
    assert store.migrated == REVISIONS
    assert migrations.state(store.engine).up_to_date
    assert models_vs_schema(store.engine) == [], "models and migrations disagree: add a migration"
    assert Store(db_url).migrated == []  # second open: nothing to do


@pytest.mark.both_backends
def test_database_from_version_0_1_0_upgrades_without_losing_anything(db_url):
    before = make_legacy_database(db_url)
    engine = create_engine(db_url)
    assert migrations.state(engine).legacy
    r = run_cli("db", "current", db=db_url)
    assert r.returncode == 1 and "0.1.0 schema" in r.stdout, r.stdout + r.stderr
    r = run_cli("db", "upgrade", db=db_url)
    assert r.returncode == 0, r.stderr
    assert "upgraded" in r.stdout and "0002" in r.stdout
    assert snapshot(engine) == before  # every row of every table, unchanged
    assert models_vs_schema(engine) == []
    assert "text_pruned_at" in {c["name"] for c in inspect(engine).get_columns("articles")}
    r = run_cli("db", "upgrade", db=db_url)
    assert r.returncode == 0 and "up to date" in r.stdout
    assert run_cli("db", "current", db=db_url).returncode == 0
    # the upgraded data is usable through the current models
    store = Store(db_url)
    with store.session() as s:
        assert s.scalar(select(func.count(DigestItem.id))) == 3
        assert s.get(KeyValue, "rules:last_good").value == "rules: []\n"
        art = s.scalar(select(ArticleRow).where(ArticleRow.guid == "guid-0"))
        assert art.title == "Cártel drone story 0 <!channel>" and art.text_pruned_at is None
        assert art.published == NOW - timedelta(days=1)
    engine.dispose()


@pytest.mark.both_backends
def test_upgraded_0_1_0_database_neither_refetches_nor_resends(work, slack, server, outlets):
    """`borderwatch run` on a database 0.1.0 wrote (after it had sent the day's items) upgrades it
    automatically, fetches no article again, posts none of the sent items again, and delivers the one item
    0.1.0 had left queued."""
    urls = [server.url(outlets.article_path(o, st)) for o in outlets.outlets for st in o.stories]
    make_legacy_database(work.db, urls)
    work.slack_env(slack)
    r = work.run("run")
    assert r.returncode == 0, r.output
    assert "Traceback" not in r.output
    fetched = [q.path for q in server.requests() if "/feed/" not in q.path and q.path != "/robots.txt"]
    assert fetched == []
    posted = json.dumps([p["blocks"] for p in slack.posts])
    assert len(slack.posts) == 1 and "https://example.com/queued/" in posted
    assert not any(u in posted for u in urls)
    assert migrations.state(create_engine(work.db)).up_to_date


def test_database_written_by_a_newer_version_is_refused_clearly(tmp_path):
    url = f"sqlite:///{tmp_path / 'bw.db'}"
    Store(url)
    eng = create_engine(url)
    with eng.begin() as c:
        c.execute(text("UPDATE alembic_version SET version_num = '0099'"))
    r = run_cli("db", "upgrade", db=url)
    assert r.returncode == 2
    assert "0099" in r.stderr and "newer" in r.stderr and "Traceback" not in r.stderr
    r = run_cli("run", "--config-dir", str(tmp_path), db=url)
    assert r.returncode == 2 and "newer" in r.stderr


@pytest.mark.both_backends
def test_concurrent_upgrades_from_four_processes_all_succeed_once(db_url):
    make_legacy_database(db_url)
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "BORDERWATCH_"))}
    env["BORDERWATCH_DB"] = db_url
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "borderwatch", "db", "upgrade"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0, 0], outs
    assert sum("upgraded" in o for o, _ in outs) == 1, outs  # exactly one did the work
    eng = create_engine(db_url)
    with eng.connect() as c:
        assert c.execute(text("SELECT version_num FROM alembic_version")).scalars().all() == [
            migrations.head()
        ]
    assert models_vs_schema(eng) == []


@pytest.mark.both_backends
def test_migrations_downgrade_and_upgrade_again_keep_the_data(db_url):
    store = Store(db_url)
    with store.session() as s:
        a = ArticleRow(url="https://example.com/a/", source="S", title="T", text="body", status="matched")
        s.add(a)
        s.flush()
        s.add(UrlSeen(url=a.url, article_id=a.id))
        s.add(MatchRow(article_id=a.id, rule_id="r", terms=["x"], snippet="s"))
        s.add(DigestRow(channel="console", status="sent"))
    with store.engine.begin() as conn:
        command.downgrade(migrations._config(conn), migrations.BASELINE)
    assert migrations.state(store.engine).current == "0001"
    assert Store(db_url).migrated == REVISIONS[1:]
    with store.session() as s:
        assert s.scalar(select(ArticleRow.text).where(ArticleRow.url == "https://example.com/a/")) == "body"
        assert s.scalar(select(func.count(MatchRow.id))) == 1


TREND_UPLOADS = [  # trend_uploads rows as 0008 kept them: week, channel, status, file_id, ts, path, sentence,
    # attempts, last_error, created_at, sent_at
    ("2026-11-09", "webhook", "superseded", None, None, None, "S0", 1, "HTTP 500", NOW, None),
    ("2026-11-16", "slack", "sent", "F0001", "1.5", "/c/16.png", "S1", 1, None, NOW, NOW + timedelta(1)),
    ("2026-11-23", "slack", "sending", "F0002", None, "/c/23.png", "S2", 2, "lost answer", NOW, None),
    ("2026-11-30", "console", "pending", None, None, None, "S3", 0, None, NOW, None),
]
TREND_COLUMNS = "week channel status file_id ts path sentence attempts last_error created_at sent_at".split()
# as the 0008 models wrote it (datetimes through SQLAlchemy's DateTime, as the TZ type does)
TREND_TABLE = sa.table(
    "trend_uploads",
    *(sa.column(n, sa.DateTime(timezone=True) if n.endswith("_at") else None) for n in TREND_COLUMNS),
)


def trend_uploads(engine) -> list[tuple]:
    with engine.connect() as c:
        return [tuple(r) for r in c.execute(sa.select(TREND_TABLE).order_by(TREND_TABLE.c.week)).all()]


@pytest.mark.both_backends
def test_0009_moves_trend_uploads_into_the_outbox_and_its_downgrade_moves_them_back(db_url):
    from borderwatch.store import outbox
    from borderwatch.store.trends import charts

    engine = create_engine(db_url)
    migrations.upgrade(engine, "0008")
    with engine.begin() as c:
        c.execute(TREND_TABLE.insert(), [dict(zip(TREND_COLUMNS, r, strict=True)) for r in TREND_UPLOADS])
    before = trend_uploads(engine)
    assert [r[:9] for r in before] == [r[:9] for r in TREND_UPLOADS]
    store = Store(db_url)
    assert store.migrated == REVISIONS[REVISIONS.index("0009") :]
    assert not inspect(engine).has_table("trend_uploads")
    got = [
        (c.week, c.channel, c.status, c.file_id, c.ts, c.path, c.sentence, c.attempts, c.last_error)
        for c in charts(store)
    ]
    assert got == [r[:9] for r in TREND_UPLOADS]
    assert [(c.created_at, c.sent_at) for c in charts(store)] == [r[9:] for r in TREND_UPLOADS]
    with store.session() as s:
        kinds = s.execute(
            select(DigestRow.kind, DigestRow.status, DigestRow.day).order_by(DigestRow.day)
        ).all()
        parts = s.execute(select(DigestPart.kind, DigestPart.status).order_by(DigestPart.digest_id)).all()
    assert kinds == [
        ("trends", "superseded", "2026-11-09"),
        ("trends", "sent", "2026-11-16"),
        ("trends", "pending", "2026-11-23"),
        ("trends", "pending", "2026-11-30"),
    ]
    assert parts == [("file", "pending"), ("file", "sent"), ("file", "sending"), ("file", "pending")]
    # the charts are not digests to the daily delivery, the status or the preview
    assert outbox.count_unsent(store) == (0, 0) and outbox.last_sent_digest(store) is None
    assert outbox.pending_digests(store) == [] and outbox.unsent_parts(store) == []
    with store.engine.begin() as conn:
        command.downgrade(migrations._config(conn), "0008")
    assert trend_uploads(engine) == before
    with engine.connect() as c:
        assert c.execute(text("SELECT count(*) FROM digests")).scalar() == 0
        assert c.execute(text("SELECT count(*) FROM digest_parts")).scalar() == 0
    assert "file_id" not in {col["name"] for col in inspect(engine).get_columns("digest_parts")}
    assert Store(db_url).migrated == ["0009"] and len(charts(store)) == 4  # and up again
    store.dispose()
    engine.dispose()


def test_the_migrations_form_one_numbered_chain():
    """00NN_<slug>.py has revision "00NN" and follows 00NN-1: two migrations never share a number."""
    files = sorted(p.stem for p in (Path(migrations.SCRIPT_LOCATION) / "versions").glob("00*.py"))
    assert len(REVISIONS) >= 8 and REVISIONS[0] == migrations.BASELINE and REVISIONS[-1] == migrations.head()
    assert REVISIONS == [f"{i:04d}" for i in range(1, len(REVISIONS) + 1)]
    assert [f.split("_", 1)[0] for f in files] == REVISIONS
    for rev in migrations.script().walk_revisions():
        assert rev.down_revision == (None if rev.revision == REVISIONS[0] else f"{int(rev.revision) - 1:04d}")
    assert migrations.quick_head() == migrations.head()  # what Store() trusts without importing Alembic


def test_only_a_database_at_the_head_is_known_up_to_date_without_alembic(tmp_path):
    url = f"sqlite:///{tmp_path / 'bw.db'}"
    eng = create_engine(url)
    assert not migrations.up_to_date(eng)  # empty: no alembic_version table
    Store(url)
    assert migrations.up_to_date(eng)
    with eng.begin() as c:
        c.execute(text("UPDATE alembic_version SET version_num = '0099'"))
    assert not migrations.up_to_date(eng)  # (upgrade() then takes the full way, which refuses it)
    with pytest.raises(migrations.SchemaError, match="newer"):
        Store(url)


def test_sqlite_uses_wal_and_the_configured_busy_timeout(tmp_path, monkeypatch):
    monkeypatch.setenv("BORDERWATCH_DB_TIMEOUT", "7.5")
    store = Store(f"sqlite:///{tmp_path / 'bw.db'}")
    with store.engine.connect() as c:
        assert c.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert c.exec_driver_sql("PRAGMA busy_timeout").scalar() == 7500
        assert c.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_every_package_and_the_migration_scripts_are_installed_by_pip():
    """pyproject lists packages explicitly: a package or migration file missing there works in a checkout
    and breaks after `pip install .`."""
    tomllib = pytest.importorskip("tomllib")  # Python >= 3.11
    conf = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(conf["packages"])
    dirs = conf["package-dir"]
    found = set()
    for pkg, d in dirs.items():
        for init in (REPO / d).rglob("__init__.py"):
            rel = init.parent.relative_to(REPO / d)
            found.add(".".join([pkg, *rel.parts]))
    assert found <= listed, f"packages missing from pyproject: {sorted(found - listed)}"
    data = conf["package-data"]["borderwatch.migrations"]
    scripts = Path(migrations.SCRIPT_LOCATION)
    assert "script.py.mako" in data and "versions/*.py" in data
    installed = sorted(p.name for p in (scripts / "versions").glob("*.py"))
    assert [name.split("_", 1)[0] for name in installed] == REVISIONS  # a file for every revision


def test_in_memory_sqlite_keeps_its_tables_and_foreign_keys_after_the_upgrade():
    store = Store("sqlite://")
    assert store.migrated == REVISIONS
    with store.session() as s:
        s.add(ArticleRow(url="https://a/", source="S", title="T"))
    with store.engine.connect() as c:
        assert c.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert c.exec_driver_sql("SELECT count(*) FROM articles").scalar() == 1
