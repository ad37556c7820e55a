"""The tables: one ORM class per table (the schema Alembic's migrations must match, see tests)."""

from __future__ import annotations

import zlib
from datetime import datetime, timezone

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
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


class CompressedText(TypeDecorator):
    """An article's full text: zlib-compressed on SQLite, plain on PostgreSQL.

    SQLite never compresses, and full text is most of the database (a year of daily runs: ~200 MB of text
    kept by the 90-day retention); zlib makes it ~3x smaller. PostgreSQL compresses long values itself
    (TOAST), so it stores plain text there. No schema change: the column stays TEXT, SQLite simply holds a
    BLOB in it, and values written as plain text earlier (or short ones, left plain) read back unchanged.
    Readers through the ORM always get str; raw SQL on SQLite sees the compressed BLOB.
    """

    impl = Text
    cache_ok = True
    MIN_CHARS = 200  # shorter texts are not worth it

    def process_bind_param(self, value, dialect):
        if value is None or dialect.name != "sqlite" or len(value) < self.MIN_CHARS:
            return value
        return zlib.compress(value.encode("utf-8"), 6)

    def process_result_value(self, value, dialect):
        if isinstance(value, (bytes, bytearray, memoryview)):
            return zlib.decompress(bytes(value)).decode("utf-8")
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
    text: Mapped[str | None] = mapped_column(CompressedText, nullable=True)
    language: Mapped[str | None] = mapped_column(String(20), nullable=True)
    first_seen: Mapped[datetime] = mapped_column(TZ, default=utcnow, index=True)
    # new: extracted, waiting to be matched; old: outside the backfill window (kept as seen, never sent);
    # matched: rules ran (matches may be empty)
    status: Mapped[str] = mapped_column(String(20), default="new", index=True)
    fingerprint: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # set when retention dropped the stored full text (title, URL, dates and matches are kept forever)
    text_pruned_at: Mapped[datetime | None] = mapped_column(TZ, nullable=True)
    # who and where, set at match time for articles that fired a rule (alerts/tagging.py Tags.stored):
    # {"v": gazetteer version, "actors": [...], "places": [{"name", "admin1", "country", "kind"}]}
    tags: Mapped[dict | None] = mapped_column(JSON, nullable=True)


class UrlSeen(Base):
    """Every URL (canonicalised) that leads to an article: feed link, fetched URL, canonical URL."""

    __tablename__ = "urls_seen"
    url: Mapped[str] = mapped_column(String(2000), primary_key=True)
    article_id: Mapped[int | None] = mapped_column(ForeignKey("articles.id"), nullable=True)


class PageFailure(Base):
    """An article page that failed and will be asked for again on a later run (crawler/page_failures.py).

    Keeps the feed entry itself, so the retry does not depend on the feed still listing it, and so the item
    can be stored from its title and summary when borderwatch gives up. The row is deleted when the page is
    fetched or given up on; from then on urls_seen keeps it from being fetched again.
    """

    __tablename__ = "page_failures"
    url: Mapped[str] = mapped_column(String(2000), primary_key=True)  # canonical article URL
    source: Mapped[str] = mapped_column(String(200), index=True)
    entry: Mapped[dict] = mapped_column(JSON, default=dict)  # the feed entry (records.Entry as JSON)
    discovery_url: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)  # runs in which the page failed
    first_failed: Mapped[datetime] = mapped_column(TZ, default=utcnow)
    last_failed: Mapped[datetime] = mapped_column(TZ, default=utcnow)
    last_status: Mapped[int | None] = mapped_column(Integer, nullable=True)
    last_reason: Mapped[str] = mapped_column(Text, default="")


class MatchRow(Base):
    __tablename__ = "matches"
    __table_args__ = (UniqueConstraint("article_id", "rule_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"), index=True)
    rule_id: Mapped[str] = mapped_column(String(100))
    terms: Mapped[list] = mapped_column(JSON, default=list)
    snippet: Mapped[str] = mapped_column(Text, default="")
    matched_at: Mapped[datetime] = mapped_column(TZ, default=utcnow)


TRENDS_KIND = "trends"  # DigestRow.kind of the weekly trends chart (alerts/trends_delivery.py)


class DigestRow(Base):
    __tablename__ = "digests"
    # one weekly trends chart per trends day, whichever run claims it first (the claim's IntegrityError)
    __table_args__ = (
        Index(
            "uq_digests_trends_day",
            "day",
            unique=True,
            sqlite_where=text(f"kind = '{TRENDS_KIND}'"),
            postgresql_where=text(f"kind = '{TRENDS_KIND}'"),
        ),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(TZ, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(TZ, nullable=True)
    channel: Mapped[str] = mapped_column(String(50), default="console")  # slack | webhook | console
    status: Mapped[str] = mapped_column(String(20), default="pending")  # pending | sent | superseded
    item_count: Mapped[int] = mapped_column(Integer, default=0)
    # delivery additions: kind of digest (daily | warnings | trends: the weekly chart, one part of kind
    # 'file') and the local day it reports on (in the schedule's timezone; for trends, the trends day)
    kind: Mapped[str] = mapped_column(String(20), default="daily")
    day: Mapped[str | None] = mapped_column(String(10), nullable=True)
    # where it goes (alerts/delivery.py, "Destinations"): "default", "slack:C0POLICY1", "webhook:ENV_NAME"...
    destination: Mapped[str] = mapped_column(String(200), default="default", server_default="default")


class DigestItem(Base):
    __tablename__ = "digest_items"
    # an article is put in at most one digest per destination, ever (every destination's digest of a run
    # is written in one transaction, so "in no digest" is the queue)
    __table_args__ = (
        UniqueConstraint("article_id", "destination", name="uq_digest_items_article_destination"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    digest_id: Mapped[int] = mapped_column(ForeignKey("digests.id"), index=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"))
    destination: Mapped[str] = mapped_column(String(200), default="default", server_default="default")
    # item: shown (the story's lead); also: a near-duplicate shown as "also in" under lead_article_id;
    # repeat: a near-duplicate of an article sent in an earlier digest (lead_article_id), not shown again
    role: Mapped[str] = mapped_column(String(10), default="item")
    lead_article_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    rule_id: Mapped[str | None] = mapped_column(String(100), nullable=True)  # topic it was shown under


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
    # delivery additions. kind: message (blocks + text), notify (an Apprise message) or file (payload describes
    # it: the trends chart); thread: post as a reply under part 0 when the channel supports threads;
    # channel_id: Slack's answer
    kind: Mapped[str] = mapped_column(String(20), default="message")
    payload: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    thread: Mapped[bool] = mapped_column(Boolean, default=False)
    channel_id: Mapped[str | None] = mapped_column(String(50), nullable=True)
    first_attempt_at: Mapped[datetime | None] = mapped_column(TZ, nullable=True)
    # a file part's Slack file id, stored the moment Slack issues it (before the file is shared): a part
    # left 'sending' is looked up by it (files.info) before any second upload
    file_id: Mapped[str | None] = mapped_column(String(50), nullable=True)


class FeedbackRow(Base):
    """A consultant's verdict on a digest item, from its Slack buttons (alerts/feedback.py).

    One row per item, topic and Slack user: a repeated click changes nothing, a changed mind replaces the
    verdict (and its time). rule_id is the topic the item was shown under in that message."""

    __tablename__ = "feedback"
    __table_args__ = (
        UniqueConstraint("article_id", "rule_id", "user_id", name="uq_feedback_item_rule_user"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"), index=True)
    rule_id: Mapped[str] = mapped_column(String(100), index=True)
    verdict: Mapped[str] = mapped_column(String(20))  # useful | not_relevant
    user_id: Mapped[str] = mapped_column(String(50))
    digest_id: Mapped[int | None] = mapped_column(ForeignKey("digests.id"), nullable=True)
    channel_id: Mapped[str | None] = mapped_column(String(50), nullable=True)
    created_at: Mapped[datetime] = mapped_column(TZ, default=utcnow)  # first click
    updated_at: Mapped[datetime] = mapped_column(TZ, default=utcnow)  # the current verdict's click


class RunRow(Base):
    __tablename__ = "runs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    started_at: Mapped[datetime] = mapped_column(TZ, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(TZ, nullable=True)
    status: Mapped[str] = mapped_column(String(20), default="running")
    stats: Mapped[dict] = mapped_column(JSON, default=dict)


class TranslationRow(Base):
    """A text translated once (alerts/translate.py): keyed by its SHA-256 and the target language, so it is
    never sent to a translator again, whichever backend is configured later."""

    __tablename__ = "translations"
    __table_args__ = (UniqueConstraint("text_sha256", "target_lang", name="uq_translations_text_target"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    text_sha256: Mapped[str] = mapped_column(String(64))
    source_lang: Mapped[str | None] = mapped_column(String(20), nullable=True)
    target_lang: Mapped[str] = mapped_column(String(20))
    backend: Mapped[str] = mapped_column(String(30))
    text: Mapped[str] = mapped_column(Text)
    translated: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(TZ, default=utcnow)


class KeyValue(Base):
    """Small persistent state, e.g. the last good rules file."""

    __tablename__ = "kv"
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(TZ, default=utcnow, onupdate=utcnow)
