"""Feedback from the channel: a click on "Useful" / "Not relevant" is stored, then shown under the item.

A click (a Socket Mode `block_actions` payload, see borderwatch/listen.py, acknowledged before this runs)
is tied to the digest message it came from by its channel and ts, which the outbox stored when the part was
sent; the item's topic in that message is its rule. One verdict per item, topic and user: the same click
again changes nothing (no write, no message update), a different one replaces the verdict. The message is
then rebuilt from Slack's copy of it with every item's verdict line from the database (alerts/buttons.py)
and posted back with chat.update; everything else in it stays as it was.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from borderwatch.logs import redact
from borderwatch.store import DigestItem, DigestPart, FeedbackRow, Store, utcnow

from .buttons import Click, clicks, item_ids, with_verdicts
from .delivery import EVENT_TYPE

log = logging.getLogger(__name__)


@dataclass
class SentItem:
    digest_id: int
    part_id: int
    part_idx: int
    parts: int
    rule_id: str


@dataclass
class Outcome:
    stored: list[tuple[Click, str]] = field(default_factory=list)  # new | same | changed | unknown
    updated: bool = False  # chat.update was called and succeeded
    update_error: str | None = None


# -- queries (the feedback table; move to the store package with the other queries) --------------------


def find_sent_item(store: Store, channel_id: str, ts: str, article_id: int) -> SentItem | None:
    """The digest part posted at (channel, ts) and the topic `article_id` was shown under in it."""
    with store.session() as s:
        part = s.execute(
            select(DigestPart.id, DigestPart.digest_id, DigestPart.idx, DigestPart.channel_id).where(
                DigestPart.ts == ts
            )
        ).all()
        part = next((p for p in part if p.channel_id in (None, channel_id)), None)
        if part is None:
            return None
        rule = s.scalar(
            select(DigestItem.rule_id).where(
                DigestItem.digest_id == part.digest_id,
                DigestItem.article_id == article_id,
                DigestItem.role == "item",
            )
        )
        if rule is None:
            return None
        total = s.scalar(select(func.count(DigestPart.id)).where(DigestPart.digest_id == part.digest_id))
        return SentItem(part.digest_id, part.id, part.idx, total or 1, rule)


def record_verdict(store: Store, click: Click, item: SentItem) -> str:
    """Store a click: 'new', 'same' (nothing written) or 'changed' (the earlier verdict replaced)."""
    for _attempt in range(2):  # two clicks racing to insert the same row: the loser updates instead
        try:
            with store.session() as s:
                row = s.scalar(
                    select(FeedbackRow).where(
                        FeedbackRow.article_id == click.article_id,
                        FeedbackRow.rule_id == item.rule_id,
                        FeedbackRow.user_id == click.user_id,
                    )
                )
                now = utcnow()
                if row is None:
                    s.add(
                        FeedbackRow(
                            article_id=click.article_id,
                            rule_id=item.rule_id,
                            verdict=click.verdict,
                            user_id=click.user_id,
                            digest_id=item.digest_id,
                            channel_id=click.channel_id,
                            created_at=now,
                            updated_at=now,
                        )
                    )
                    return "new"
                if row.verdict == click.verdict:
                    return "same"
                row.verdict, row.updated_at = click.verdict, now
                return "changed"
        except IntegrityError:
            continue
    return "same"


def verdicts_in(store: Store, digest_id: int, article_ids: list[int]) -> dict[int, list[tuple[str, str]]]:
    """{article id: [(verdict, user id)]} for the items of one digest, in click order."""
    if not article_ids:
        return {}
    with store.session() as s:
        shown = dict(
            s.execute(
                select(DigestItem.article_id, DigestItem.rule_id).where(
                    DigestItem.digest_id == digest_id,
                    DigestItem.article_id.in_(article_ids),
                    DigestItem.role == "item",
                )
            ).all()
        )
        rows = s.execute(
            select(FeedbackRow.article_id, FeedbackRow.rule_id, FeedbackRow.verdict, FeedbackRow.user_id)
            .where(FeedbackRow.article_id.in_(article_ids))
            .order_by(FeedbackRow.created_at, FeedbackRow.id)
        ).all()
    out: dict[int, list[tuple[str, str]]] = {}
    for aid, rule, verdict, user in rows:
        if shown.get(aid) == rule:
            out.setdefault(aid, []).append((verdict, user))
    return out


def part_blocks(store: Store, part_id: int) -> tuple[list[dict], str]:
    with store.session() as s:
        p = s.get(DigestPart, part_id)
        return list(p.blocks or []), p.text or ""


# -- handling -------------------------------------------------------------------------------------------


class FeedbackHandler:
    """Stores the clicks of one block_actions payload and updates the message they came from."""

    def __init__(self, store: Store, client):
        self.store = store
        self.client = client  # slack_sdk WebClient with the bot token (chat.update)

    def handle(self, payload: dict) -> Outcome:
        out = Outcome()
        item = None
        for click in clicks(payload):
            found = find_sent_item(self.store, click.channel_id, click.message_ts, click.article_id)
            if found is None:
                log.warning(
                    "a feedback click on item %s in %s (ts %s) matches no digest item sent by this database; "
                    "ignored",
                    click.article_id,
                    click.channel_id,
                    click.message_ts,
                )
                out.stored.append((click, "unknown"))
                continue
            item = found
            result = record_verdict(self.store, click, found)
            out.stored.append((click, result))
            log.info(
                "feedback stored",
                extra={
                    "event": "feedback.stored",
                    "article_id": click.article_id,
                    "rule": found.rule_id,
                    "verdict": click.verdict,
                    "result": result,
                },
            )
        if item is not None and any(r in ("new", "changed") for _c, r in out.stored):
            self._update(payload, out.stored[-1][0], item, out)
        return out

    def _update(self, payload: dict, click: Click, item: SentItem, out: Outcome) -> None:
        message = payload.get("message") or {}
        blocks, text = message.get("blocks"), message.get("text")
        if not blocks:  # no copy of the message in the payload: rebuild it from the outbox
            blocks, text = part_blocks(self.store, item.part_id)
        verdicts = verdicts_in(self.store, item.digest_id, item_ids(blocks))
        new_blocks = with_verdicts(blocks, verdicts)
        if new_blocks == blocks:
            return
        try:
            self.client.chat_update(
                channel=click.channel_id,
                ts=click.message_ts,
                blocks=new_blocks,
                text=text or "borderwatch digest",
                metadata={
                    "event_type": EVENT_TYPE,
                    "event_payload": {
                        "digest_id": item.digest_id,
                        "part_id": item.part_id,
                        "part": item.part_idx + 1,
                        "of": item.parts,
                    },
                },
            )
            out.updated = True
        except Exception as exc:  # the verdict is stored; the next click on this message shows it
            out.update_error = redact(str(exc))[:300]
            log.warning("feedback stored but the message could not be updated: %s", out.update_error)


# -- the operator's view (rules feedback, status) --------------------------------------------------------


@dataclass
class RuleFeedback:
    rule: str
    sent: int = 0  # items shown under this rule in digests sent in the window
    useful: int = 0  # of those, items someone marked useful
    not_relevant: int = 0  # ... and items someone marked not relevant
    terms: dict[str, int] = field(default_factory=dict)  # term -> not-relevant items it fired on

    @property
    def rate(self) -> float | None:
        """Share of the items sent that were marked not relevant (None: nothing sent)."""
        return self.not_relevant / self.sent if self.sent else None


def feedback_by_rule(store: Store, since, rule_order: list[str] | None = None) -> list[RuleFeedback]:
    """Per rule: items sent since `since`, how many were marked useful / not relevant (an item two people
    disagree on counts in both), and the terms that fired on the not-relevant ones."""
    from borderwatch.store import DigestRow, MatchRow

    with store.session() as s:
        shown = s.execute(
            select(DigestItem.rule_id, DigestItem.article_id)
            .join(DigestRow, DigestRow.id == DigestItem.digest_id)
            .where(DigestItem.role == "item", DigestRow.status == "sent", DigestRow.created_at >= since)
        ).all()
        sent: dict[str, set[int]] = {}
        for rule, aid in shown:
            if rule:
                sent.setdefault(rule, set()).add(aid)
        ids = {aid for aids in sent.values() for aid in aids}
        verdicts = (
            s.execute(
                select(FeedbackRow.rule_id, FeedbackRow.article_id, FeedbackRow.verdict).where(
                    FeedbackRow.article_id.in_(ids)
                )
            ).all()
            if ids
            else []
        )
        marked: dict[tuple[str, str], set[int]] = {}
        for rule, aid, verdict in verdicts:
            if aid in sent.get(rule, ()):
                marked.setdefault((rule, verdict), set()).add(aid)
        flagged = {(r, a) for (r, v), aids in marked.items() if v == "not_relevant" for a in aids}
        terms_rows = (
            s.execute(
                select(MatchRow.rule_id, MatchRow.article_id, MatchRow.terms).where(
                    MatchRow.article_id.in_({a for _r, a in flagged})
                )
            ).all()
            if flagged
            else []
        )
    out: dict[str, RuleFeedback] = {r: RuleFeedback(r, sent=len(a)) for r, a in sent.items()}
    for (rule, verdict), aids in marked.items():
        fb = out[rule]
        if verdict == "useful":
            fb.useful = len(aids)
        elif verdict == "not_relevant":
            fb.not_relevant = len(aids)
    for rule, aid, terms in terms_rows:
        if (rule, aid) in flagged:
            for t in dict.fromkeys(terms or []):
                out[rule].terms[t] = out[rule].terms.get(t, 0) + 1
    rank = {r: i for i, r in enumerate(rule_order or [])}
    return sorted(out.values(), key=lambda f: (rank.get(f.rule, len(rank)), f.rule))


def flagged_items(store: Store, verdict: str, since) -> dict[int, set[str]]:
    """{article id: rules it was marked `verdict` under} for feedback given since `since`."""
    with store.session() as s:
        rows = s.execute(
            select(FeedbackRow.article_id, FeedbackRow.rule_id).where(
                FeedbackRow.verdict == verdict, FeedbackRow.updated_at >= since
            )
        ).all()
    out: dict[int, set[str]] = {}
    for aid, rule in rows:
        out.setdefault(aid, set()).add(rule)
    return out
