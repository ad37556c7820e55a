"""The feedback buttons under each digest item, and the verdict line a click adds (pure Block Kit, no I/O).

Each item of a Web API digest is followed by an `actions` block (block_id `borderwatch_item_<article id>`)
with two buttons, "Useful" and "Not relevant" (action_ids `borderwatch_useful`, `borderwatch_not_relevant`,
the item's article id as value). A click comes back as a Socket Mode `block_actions` payload
(alerts/feedback.py); the message is then updated with a context block (`borderwatch_verdict_<id>`) right
under the buttons saying who marked what, everything else left as it was. digest.py keeps one block free
per item for that line, so an updated message stays within Slack's 50 blocks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

ACTION_PREFIX = "borderwatch_"
USEFUL = "useful"
NOT_RELEVANT = "not_relevant"
VERDICTS = (USEFUL, NOT_RELEVANT)
ACTIONS = {f"{ACTION_PREFIX}{USEFUL}": USEFUL, f"{ACTION_PREFIX}{NOT_RELEVANT}": NOT_RELEVANT}
LABELS = {USEFUL: "Useful", NOT_RELEVANT: "Not relevant"}
EMOJI = {USEFUL: ":white_check_mark:", NOT_RELEVANT: ":no_entry_sign:"}
ITEM_BLOCK = f"{ACTION_PREFIX}item_"
VERDICT_BLOCK = f"{ACTION_PREFIX}verdict_"
USER_RE = re.compile(r"^[UW][A-Z0-9]{2,30}$")
MAX_NAMED = 8  # users named per verdict; more are counted ("and 3 more")


def actions_block(article_id: int) -> dict:
    return {
        "type": "actions",
        "block_id": f"{ITEM_BLOCK}{article_id}",
        "elements": [
            {
                "type": "button",
                "action_id": f"{ACTION_PREFIX}{v}",
                "text": {"type": "plain_text", "text": LABELS[v], "emoji": True},
                "value": str(article_id),
            }
            for v in VERDICTS
        ],
    }


def verdict_block(article_id: int, verdicts: list[tuple[str, str]]) -> dict | None:
    """The line under an item: who marked it useful, who not relevant (verdicts: [(verdict, user id)])."""
    parts = []
    for v in VERDICTS:
        users = [u for verdict, u in verdicts if verdict == v and USER_RE.match(u or "")]
        if not users:
            continue
        named = ", ".join(f"<@{u}>" for u in users[:MAX_NAMED])
        more = f" and {len(users) - MAX_NAMED} more" if len(users) > MAX_NAMED else ""
        parts.append(f"{EMOJI[v]} {LABELS[v]}: {named}{more}")
    if not parts:
        return None
    return {
        "type": "context",
        "block_id": f"{VERDICT_BLOCK}{article_id}",
        "elements": [{"type": "mrkdwn", "text": " · ".join(parts)}],
    }


def item_ids(blocks: list[dict]) -> list[int]:
    """Article ids of the items (their button blocks) in a message, in order."""
    out = []
    for b in blocks or []:
        bid = str(b.get("block_id") or "")
        if b.get("type") == "actions" and bid.startswith(ITEM_BLOCK) and bid[len(ITEM_BLOCK) :].isdigit():
            out.append(int(bid[len(ITEM_BLOCK) :]))
    return out


def with_verdicts(blocks: list[dict], verdicts: dict[int, list[tuple[str, str]]]) -> list[dict]:
    """The message's blocks with each item's verdict line (re)placed under its buttons; nothing else
    changes. Built from the stored verdicts every time, so concurrent clicks and repeats converge."""
    out = []
    for b in blocks or []:
        if str(b.get("block_id") or "").startswith(VERDICT_BLOCK):
            continue
        out.append(b)
        ids = item_ids([b])
        if ids:
            line = verdict_block(ids[0], verdicts.get(ids[0], []))
            if line is not None:
                out.append(line)
    return out


@dataclass(frozen=True)
class Click:
    article_id: int
    verdict: str
    user_id: str
    channel_id: str
    message_ts: str


def clicks(payload: dict) -> list[Click]:
    """Our button clicks in a block_actions payload (anything else in it is ignored)."""
    if not isinstance(payload, dict) or payload.get("type") != "block_actions":
        return []
    user = (payload.get("user") or {}).get("id") or ""
    container = payload.get("container") or {}
    channel = container.get("channel_id") or (payload.get("channel") or {}).get("id") or ""
    ts = container.get("message_ts") or (payload.get("message") or {}).get("ts") or ""
    out = []
    for a in payload.get("actions") or []:
        verdict = ACTIONS.get(a.get("action_id") or "")
        value = str(a.get("value") or "")
        if verdict and value.isdigit() and user and channel and ts:
            out.append(Click(int(value), verdict, user, channel, ts))
    return out
