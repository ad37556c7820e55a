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

from borderwatch.logs import redact
from borderwatch.store import Store
from borderwatch.store import feedback as stored
from borderwatch.store.feedback import (  # noqa: F401  (importable from here as before)
    SentItem,
    find_sent_item,
    flagged_items,
    part_blocks,
    verdicts_in,
)

from .buttons import Click, clicks, item_ids, with_verdicts
from .delivery import EVENT_TYPE

log = logging.getLogger(__name__)


@dataclass
class Outcome:
    stored: list[tuple[Click, str]] = field(default_factory=list)  # new | same | changed | unknown
    updated: bool = False  # chat.update was called and succeeded
    update_error: str | None = None


def record_verdict(store: Store, click: Click, item: SentItem) -> str:
    """Store a click: 'new', 'same' (nothing written) or 'changed' (the earlier verdict replaced)."""
    return stored.record_verdict(
        store, click.article_id, click.verdict, click.user_id, click.channel_id, item
    )


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
    found = stored.feedback_since(store, since)
    sent, marked = found.sent, found.marked
    out: dict[str, RuleFeedback] = {r: RuleFeedback(r, sent=len(a)) for r, a in sent.items()}
    for (rule, verdict), aids in marked.items():
        fb = out[rule]
        if verdict == "useful":
            fb.useful = len(aids)
        elif verdict == "not_relevant":
            fb.not_relevant = len(aids)
    for rule, _aid, terms in found.flagged_terms:
        for t in dict.fromkeys(terms or []):
            out[rule].terms[t] = out[rule].terms.get(t, 0) + 1
    rank = {r: i for i, r in enumerate(rule_order or [])}
    return sorted(out.values(), key=lambda f: (rank.get(f.rule, len(rank)), f.rule))
