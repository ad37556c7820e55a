"""Digest building: matched articles -> Slack Block Kit messages (plus plain-text fallback) within limits.

Slack's limits we respect: 50 blocks per message, 3000 characters per section text, 150 per header text,
and we keep the fallback `text` under 4000. A long day becomes several parts ("2/3") with no item dropped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from .slacktext import clip, escape, link, safe_url, unescape

MAX_BLOCKS = 50
MAX_SECTION = 3000
MAX_HEADER = 150
MAX_FALLBACK = 4000
TITLE_CHARS = 200
SNIPPET_CHARS = 300


@dataclass
class DigestEntry:
    article_id: int
    title: str
    url: str
    source: str
    published: datetime | None
    rule_id: str
    rule_name: str
    terms: list[str]
    snippet: str
    other_rules: list[str] = field(default_factory=list)
    also_in: list[str] = field(default_factory=list)


@dataclass
class RenderedPart:
    blocks: list[dict]
    text: str
    article_ids: list[int]


def _date(dt: datetime | None) -> str:
    return dt.strftime("%d %b %Y") if dt else "date unknown"


def item_mrkdwn(e: DigestEntry) -> str:
    lines = [f"*{link(e.url, clip(e.title or e.url, TITLE_CHARS))}*"]
    meta = f"{escape(clip(e.source, 80))} · {_date(e.published)}"
    if e.terms:
        meta += " · matched: " + ", ".join(f"`{escape(clip(t, 40))}`" for t in e.terms[:6])
    if e.other_rules:
        meta += " · also: " + ", ".join(escape(clip(r, 40)) for r in e.other_rules[:5])
    if e.also_in:
        meta += " · also in: " + ", ".join(escape(clip(s, 40)) for s in e.also_in[:5])
    lines.append(meta)
    if e.snippet:
        lines.append("> " + escape(clip(e.snippet, SNIPPET_CHARS)))
    text = "\n".join(lines)
    return text[:MAX_SECTION]  # each piece is clipped well below this; the slice is a last guard


def item_plain(e: DigestEntry) -> str:
    """Fallback-text line. Slack parses the fallback as mrkdwn too, so it is escaped like the blocks."""
    return escape(
        f"• {clip(e.title or e.url, TITLE_CHARS)} ({clip(e.source, 60)}, {_date(e.published)}) "
    ) + safe_url(e.url)


def group_entries(
    entries: list[DigestEntry], rule_order: list[str]
) -> list[tuple[str, str, list[DigestEntry]]]:
    """[(rule_id, rule_name, entries newest first)] in the rules file's order."""
    groups: dict[str, list[DigestEntry]] = {}
    names: dict[str, str] = {}
    for e in entries:
        groups.setdefault(e.rule_id, []).append(e)
        names[e.rule_id] = e.rule_name
    order = {rid: i for i, rid in enumerate(rule_order)}
    out = []
    for rid in sorted(groups, key=lambda r: (order.get(r, len(order)), r)):
        items = sorted(groups[rid], key=lambda e: (e.published is not None, e.published), reverse=True)
        out.append((rid, names[rid], items))
    return out


def render(
    entries: list[DigestEntry],
    day: datetime,
    rule_order: list[str],
    warnings: list[str] | None = None,
    title: str = "borderwatch",
) -> list[RenderedPart]:
    """Render all entries into one or more parts; every entry appears exactly once across the parts."""
    groups = group_entries(entries, rule_order)
    n_sources = len({e.source for e in entries})
    summary = f"{len(entries)} new item{'s' if len(entries) != 1 else ''} in {len(groups)} topic{'s' if len(groups) != 1 else ''} from {n_sources} outlet{'s' if n_sources != 1 else ''}"
    head_text = clip(f"{title} digest · {day.strftime('%a %d %b %Y')}", MAX_HEADER - 10)

    parts: list[dict] = []

    def new_part() -> dict:
        p = {"blocks": [], "plain": [], "ids": []}
        parts.append(p)
        return p

    cur = new_part()
    cur["blocks"].append({"type": "context", "elements": [{"type": "mrkdwn", "text": escape(summary)}]})
    cur["plain"].append(escape(summary))
    for w in warnings or []:
        cur["blocks"].append(
            {"type": "section", "text": {"type": "mrkdwn", "text": ":warning: " + escape(clip(w, 1500))}}
        )
        cur["plain"].append(escape("WARNING: " + clip(w, 500)))

    budget_blocks = MAX_BLOCKS - 1  # keep one for the header added at the end
    budget_text = MAX_FALLBACK - 300
    for _rid, name, items in groups:
        group_head = {
            "type": "section",
            "text": {"type": "mrkdwn", "text": f"*{escape(clip(name, 200))}* ({len(items)})"},
        }
        plain_head = "\n" + escape(f"{clip(name, 200)} ({len(items)})")
        first = True
        for e in items:
            block = {"type": "section", "text": {"type": "mrkdwn", "text": item_mrkdwn(e)}}
            plain = item_plain(e)
            need_blocks = 1 + (2 if first else 0)
            need_text = len(plain) + 1 + (len(plain_head) + 1 if first else 0)
            used_text = sum(len(x) + 1 for x in cur["plain"])
            if cur["ids"] and (
                len(cur["blocks"]) + need_blocks > budget_blocks or used_text + need_text > budget_text
            ):
                cur = new_part()
                first = True
                need_blocks = 3
            if first:
                if cur["blocks"]:
                    cur["blocks"].append({"type": "divider"})
                cont = "" if e is items[0] else " (continued)"
                head = dict(group_head)
                if cont:
                    head = {
                        "type": "section",
                        "text": {"type": "mrkdwn", "text": f"*{escape(clip(name, 200))}*{cont}"},
                    }
                cur["blocks"].append(head)
                cur["plain"].append(plain_head + cont)
                first = False
            cur["blocks"].append(block)
            cur["plain"].append(plain)
            cur["ids"].append(e.article_id)

    total = len(parts)
    out: list[RenderedPart] = []
    for i, p in enumerate(parts, 1):
        suffix = f" ({i}/{total})" if total > 1 else ""
        header = {
            "type": "header",
            "text": {"type": "plain_text", "text": (head_text + suffix)[:MAX_HEADER], "emoji": True},
        }
        blocks = [header, *p["blocks"]]
        text = "\n".join([escape(head_text + suffix), *p["plain"]])
        if len(text) > MAX_FALLBACK:
            text = text[: MAX_FALLBACK - 1] + "…"
        out.append(RenderedPart(blocks=blocks, text=text, article_ids=p["ids"]))
    return out


def render_console(parts: list[RenderedPart]) -> str:
    return "\n\n".join(unescape(p.text) for p in parts)
