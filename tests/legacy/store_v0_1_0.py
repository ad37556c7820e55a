"""The database models of borderwatch 0.1.0 (commit fc3da7d), frozen: the schema an *older version* created
with Base.metadata.create_all, before Alembic. Tests build such a database and check that upgrading it loses
nothing. Do not edit: it is a record of what is deployed.
"""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class TZ(TypeDecorator):
    """Timezone-aware UTC datetimes on both backends (SQLite stores naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc) if value is not None else None

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value


class Base(DeclarativeBase):
    pass


class SourceRow(Base):
    __tablename__ = "sources"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    first_seen: Mapped[datetime] = mapped_column(TZ, default=utcnow)
    last_run_at: Mapped[datetime | None] = mapped_column(TZ, nullable=True)
    last_success_at: Mapped[datetime | None] = mapped_column(TZ, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    last_error_at: Mapped[datetime | None] = mapped_column(TZ, nullable=True)
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    items_found: Mapped[int] = mapped_column(Integer, default=0)
    newest_item: Mapped[datetime | None] = mapped_column(TZ, nullable=True)


class FetchState(Base):
    """Conditional-GET validators per discovery URL (feed, sitemap, listing)."""

    __tablename__ = "fetch_state"
    url: Mapped[str] = mapped_column(String(2000), primary_key=True)
    source: Mapped[str] = mapped_column(String(200))
    etag: Mapped[str | None] = mapped_column(String(500), nullable=True)
    last_modified: Mapped[str | None] = mapped_column(String(100), nullable=True)
    last_status: Mapped[int | None] = mapped_column(Integer, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    last_fetched: Mapped[datetime | None] = mapped_column(TZ, nullable=True)
    items_found: Mapped[int] = mapped_column(Integer, default=0)


class ArticleRow(Base):
    __tablename__ = "articles"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(String(2000), unique=True)
    guid: Mapped[str | None] = mapped_column(String(2000), nullable=True, index=True)
    source: Mapped[str] = mapped_column(String(200), index=True)
    title: Mapped[str] = mapped_column(Text, default="")
    author: Mapped[str | None] = mapped_column(Text, nullable=True)
    published: Mapped[datetime | None] = mapped_column(TZ, nullable=True)
    text: Mapped[str | None] = mapped_column(Text, nullable=True)
    language: Mapped[str | None] = mapped_column(String(20), nullable=True)
    first_seen: Mapped[datetime] = mapped_column(TZ, default=utcnow)
    # new: extracted, waiting to be matched; old: outside the backfill window (kept as seen, never sent);
    # matched: rules ran (matches may be empty)
    status: Mapped[str] = mapped_column(String(20), default="new", index=True)
    fingerprint: Mapped[str | None] = mapped_column(String(64), nullable=True)


class UrlSeen(Base):
    """Every URL (canonicalised) that leads to an article: feed link, fetched URL, canonical URL."""

    __tablename__ = "urls_seen"
    url: Mapped[str] = mapped_column(String(2000), primary_key=True)
    article_id: Mapped[int | None] = mapped_column(ForeignKey("articles.id"), nullable=True)


class MatchRow(Base):
    __tablename__ = "matches"
    __table_args__ = (UniqueConstraint("article_id", "rule_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"), index=True)
    rule_id: Mapped[str] = mapped_column(String(100))
    terms: Mapped[list] = mapped_column(JSON, default=list)
    snippet: Mapped[str] = mapped_column(Text, default="")
    matched_at: Mapped[datetime] = mapped_column(TZ, default=utcnow)


class DigestRow(Base):
    __tablename__ = "digests"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(TZ, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(TZ, nullable=True)
    channel: Mapped[str] = mapped_column(String(50), default="console")  # slack | webhook | console
    status: Mapped[str] = mapped_column(String(20), default="pending")  # pending | sent
    item_count: Mapped[int] = mapped_column(Integer, default=0)


class DigestItem(Base):
    __tablename__ = "digest_items"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    digest_id: Mapped[int] = mapped_column(ForeignKey("digests.id"), index=True)
    # unique: an article is put in at most one digest, ever
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"), unique=True)


class DigestPart(Base):
    __tablename__ = "digest_parts"
    __table_args__ = (UniqueConstraint("digest_id", "idx"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    digest_id: Mapped[int] = mapped_column(ForeignKey("digests.id"), index=True)
    idx: Mapped[int] = mapped_column(Integer)
    blocks: Mapped[list] = mapped_column(JSON, default=list)
    text: Mapped[str] = mapped_column(Text, default="")
    # pending: not tried; sending: a post may have reached Slack (state unknown); sent: acknowledged
    status: Mapped[str] = mapped_column(String(20), default="pending")
    ts: Mapped[str | None] = mapped_column(String(50), nullable=True)
    sent_at: Mapped[datetime | None] = mapped_column(TZ, nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)


class RunRow(Base):
    __tablename__ = "runs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    started_at: Mapped[datetime] = mapped_column(TZ, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(TZ, nullable=True)
    status: Mapped[str] = mapped_column(String(20), default="running")
    stats: Mapped[dict] = mapped_column(JSON, default=dict)


class KeyValue(Base):
    """Small persistent state, e.g. the last good rules file."""

    __tablename__ = "kv"
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(TZ, default=utcnow, onupdate=utcnow)
