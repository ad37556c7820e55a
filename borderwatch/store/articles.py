"""Stored articles and their matches: the match stage, replay, trends and the counts the status shows."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import distinct, func, or_, select

from .db import Store
from .models import ArticleRow, MatchRow


@dataclass
class NewMatch:
    rule_id: str
    terms: list[str]
    snippet: str


def count_unmatched(store: Store) -> int:
    """Stored articles waiting for the match stage."""
    with store.session() as s:
        return s.scalar(select(func.count()).select_from(ArticleRow).where(ArticleRow.status == "new")) or 0


def match_unmatched(
    store: Store,
    match: Callable[[ArticleRow], tuple[str | None, list[NewMatch], dict | None]],
    batch: int = 200,
) -> tuple[int, int]:
    """Run `match` on every article in state 'new', a batch per transaction (a crash rolls back the whole
    batch); store the language it detected, its matches and (when it fired) its tags, and mark it matched.
    Returns (articles matched, articles that fired)."""
    seen = fired = 0
    while True:
        with store.session() as s:
            rows = s.scalars(
                select(ArticleRow).where(ArticleRow.status == "new").order_by(ArticleRow.id).limit(batch)
            ).all()
            if not rows:
                break
            for row in rows:
                seen += 1
                row.language, matches, tags = match(row)
                if matches:
                    fired += 1
                    row.tags = tags
                for m in matches:
                    s.add(
                        MatchRow(article_id=row.id, rule_id=m.rule_id, terms=list(m.terms), snippet=m.snippet)
                    )
                row.status = "matched"
    return seen, fired


def tag_untagged(store: Store, tag: Callable[[ArticleRow], dict], limit: int) -> int:
    """Store `tag(row)` on up to `limit` matched articles that fired a rule and have no tags yet (matched
    before migration 0008), oldest first. Returns how many were tagged."""
    with store.session() as s:
        rows = s.scalars(
            select(ArticleRow)
            .where(ArticleRow.status == "matched", ArticleRow.tags.is_(None))
            .where(ArticleRow.id.in_(select(MatchRow.article_id)))
            .order_by(ArticleRow.id)
            .limit(limit)
        ).all()
        for row in rows:
            row.tags = tag(row)
    return len(rows)


def articles_with_rules_since(store: Store, since: datetime, batch: int = 500) -> Iterator[tuple[list, dict]]:
    """Batches of (rows, {article id: [stored rule ids]}) for articles first seen since `since`, by id.
    Each row has id, title, text, url, source, status and language."""
    last_id = 0
    while True:
        with store.session() as s:
            rows = s.execute(
                select(
                    ArticleRow.id,
                    ArticleRow.title,
                    ArticleRow.text,
                    ArticleRow.url,
                    ArticleRow.source,
                    ArticleRow.status,
                    ArticleRow.language,
                )
                .where(ArticleRow.first_seen >= since, ArticleRow.id > last_id)
                .order_by(ArticleRow.id)
                .limit(batch)
            ).all()
            if not rows:
                return
            stored: dict[int, list[str]] = {}
            for aid, rid in s.execute(
                select(MatchRow.article_id, MatchRow.rule_id).where(
                    MatchRow.article_id.in_([r.id for r in rows])
                )
            ):
                stored.setdefault(aid, []).append(rid)
        last_id = rows[-1].id
        yield rows, stored


def first_kept_article_seen(store: Store) -> datetime | None:
    """When the first article kept for matching (not an 'old' backfill row) was first seen."""
    with store.session() as s:
        return s.scalar(select(func.min(ArticleRow.first_seen)).where(ArticleRow.status != "old"))


def matches_in_window(store: Store, start: datetime) -> list[tuple[str, int, datetime | None, datetime]]:
    """(rule id, article id, published, first seen) of every match of an article published or first
    seen since `start`."""
    with store.session() as s:
        return [
            tuple(r)
            for r in s.execute(
                select(MatchRow.rule_id, ArticleRow.id, ArticleRow.published, ArticleRow.first_seen)
                .join(ArticleRow, ArticleRow.id == MatchRow.article_id)
                .where(or_(ArticleRow.published >= start, ArticleRow.first_seen >= start))
            ).all()
        ]


@dataclass
class TaggedArticle:
    id: int
    published: datetime | None
    first_seen: datetime
    tags: dict | None  # as stored at match time (alerts/tagging.py)
    title: str | None = None  # title and text only for articles whose tags are missing or stale
    text: str | None = None


def tagged_matches_in_window(
    store: Store, start: datetime, rule_ids: list[str] | None, tags_version: str
) -> list[TaggedArticle]:
    """Articles that fired one of `rule_ids` (any rule with None), published or first seen since `start`,
    with their stored tags; those without tags of `tags_version` come with their title and text."""
    matched = select(MatchRow.article_id)
    if rule_ids is not None:
        matched = matched.where(MatchRow.rule_id.in_(rule_ids))
    with store.session() as s:
        rows = s.execute(
            select(ArticleRow.id, ArticleRow.published, ArticleRow.first_seen, ArticleRow.tags)
            .where(ArticleRow.id.in_(matched))
            .where(or_(ArticleRow.published >= start, ArticleRow.first_seen >= start))
        ).all()
        out = [TaggedArticle(r.id, r.published, r.first_seen, r.tags) for r in rows]
        stale = {a.id: a for a in out if not a.tags or a.tags.get("v") != tags_version}
        if stale:
            for aid, title, text in s.execute(
                select(ArticleRow.id, ArticleRow.title, ArticleRow.text).where(ArticleRow.id.in_(list(stale)))
            ):
                stale[aid].title, stale[aid].text = title, text
    return out


def fired_by_source(store: Store, since: datetime) -> dict[str, int]:
    """Articles per source that fired at least one rule since `since`."""
    with store.session() as s:
        rows = s.execute(
            select(ArticleRow.source, func.count(distinct(MatchRow.article_id)))
            .join(MatchRow, MatchRow.article_id == ArticleRow.id)
            .where(MatchRow.matched_at >= since)
            .group_by(ArticleRow.source)
        ).all()
    return {src: n for src, n in rows}


def text_counts(store: Store) -> dict[str, int]:
    """Articles kept, with full text stored, and with it pruned by retention."""
    with store.session() as s:
        total = s.scalar(select(func.count(ArticleRow.id)))
        with_text = s.scalar(select(func.count(ArticleRow.id)).where(ArticleRow.text.is_not(None)))
        pruned = s.scalar(select(func.count(ArticleRow.id)).where(ArticleRow.text_pruned_at.is_not(None)))
        return {"articles": total, "with_text": with_text, "text_pruned": pruned}
