"""Digest building: digest entries -> Slack Block Kit messages (plus plain-text fallback) within limits.

Slack's limits we respect by construction (never by slicing finished text): 50 blocks per message, 3000
characters per section text, 150 per header text, and a fallback `text` under 4000. A long day becomes several
parts ("2/3", sent as thread replies under the first where the channel supports threads) with no item dropped.

Layout of one item (a section block):

    *<url|Title>*
    Outlet · ES · 24 Nov 2026 · matched: `FPV`, `CJNG` · also under: Counter-UAS at the border  (ES: a non-English item)
    also in: <url|Outlet B>, <url|Outlet C>
    > One or two sentences around the strongest hit.
"""

from __future__ import annotations

import shutil
import textwrap
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo

from borderwatch.language import badge

from .buttons import actions_block, item_ids
from .ranking import TOP_STORIES, Score
from .slacktext import clip, clip_escaped, escape, link, links_in, mrkdwn_to_plain
from .tagging import Tags

MAX_BLOCKS = 50
MAX_SECTION = 3000
MAX_HEADER = 150
MAX_FALLBACK = 4000
FALLBACK_BUDGET = 3800  # leaves room for the "…and N more" line
TITLE_CHARS = 200
SNIPPET_CHARS = 320
MAX_TERMS = 6
MAX_TAGS = 5
MAX_ALSO_IN = 8


@dataclass
class Mention:
    """Another outlet that carried the same story."""

    source: str
    url: str


@dataclass
class DigestEntry:
    article_id: int  # the lead article (the one linked)
    title: str
    url: str
    source: str
    published: datetime | None
    rule_id: str  # best topic
    rule_name: str
    terms: list[str]
    snippet: str
    other_rules: list[str] = field(default_factory=list)  # names of the other topics it fired
    also_in: list[Mention] = field(default_factory=list)  # near-duplicates from other outlets
    member_ids: list[int] = field(default_factory=list)  # every article of the story, lead included
    language: str | None = None  # the lead's detected language; non-English items are marked ("ES")
    title_en: str | None = None  # English title and snippet, when translation is on (alerts/translate.py)
    snippet_en: str | None = None
    score: Score | None = None  # story strength (alerts/ranking.py); None: unranked, newest first
    tags: Tags | None = None  # who and where (alerts/tagging.py)

    @property
    def ids(self) -> list[int]:
        return [self.article_id, *(i for i in self.member_ids if i != self.article_id)]


@dataclass
class RenderedPart:
    blocks: list[dict]
    text: str
    article_ids: list[int]
    kind: str = "message"  # message (Slack blocks) | notify (an Apprise message: `payload` holds it)
    payload: dict | None = None


def _date(dt: datetime | None, tz: tzinfo | None = None) -> str:
    if dt is None:
        return "date unknown"
    if tz is not None and dt.tzinfo is not None:
        dt = dt.astimezone(tz)
    return f"{dt.day} {dt:%b %Y}"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def item_mrkdwn(e: DigestEntry, tz: tzinfo | None = None) -> str:
    """The item's section text, always within MAX_SECTION: optional parts shrink first, then the link goes."""
    variants = [
        dict(also_links=True, snippet=SNIPPET_CHARS, title_link=True),
        dict(also_links=False, snippet=SNIPPET_CHARS, title_link=True),
        dict(also_links=False, snippet=140, title_link=True),
        dict(also_links=False, snippet=0, title_link=True),
        dict(also_links=False, snippet=0, title_link=False),  # an absurdly long URL: title only
    ]
    for v in variants:
        text = _item_text(e, tz, **v)
        if len(text) <= MAX_SECTION:
            return text
    return _item_text(e, tz, also_links=False, snippet=0, title_link=False, minimal=True)


def _item_text(
    e: DigestEntry, tz, also_links: bool, snippet: int, title_link: bool, minimal: bool = False
) -> str:
    title = clip(e.title or e.url, TITLE_CHARS)
    lines = [f"*{link(e.url, title)}*" if title_link else f"*{escape(title)}*"]
    if e.title_en:  # the English next to the original
        lines.append(f"_EN: {escape(clip(e.title_en, TITLE_CHARS))}_")
    meta = [escape(clip(e.source, 80)), *filter(None, [badge(e.language)]), _date(e.published, tz)]
    if minimal:  # worst case 200 title chars x 5 (&amp;) + 80 x 5: far below the section limit
        return "\n".join([*lines, " · ".join(meta)])
    if e.terms:
        meta.append("matched: " + ", ".join(f"`{escape(clip(t, 40))}`" for t in e.terms[:MAX_TERMS]))
    if e.other_rules:
        meta.append("also under: " + ", ".join(escape(clip(r, 60)) for r in e.other_rules[:MAX_TAGS]))
    lines.append(" · ".join(meta))
    if e.tags and e.tags.line():
        lines.append(escape(clip(e.tags.line(), 200)))
    if e.also_in:
        shown = e.also_in[:MAX_ALSO_IN]
        names = [link(m.url, clip(m.source, 60)) if also_links else escape(clip(m.source, 60)) for m in shown]
        more = f" and {len(e.also_in) - len(shown)} more" if len(e.also_in) > len(shown) else ""
        lines.append("also in: " + ", ".join(names) + more)
    if e.snippet and snippet:
        lines.append("> " + escape(clip(e.snippet, snippet)))
        if e.snippet_en:
            lines.append("> _EN: " + escape(clip(e.snippet_en, snippet)) + "_")
    return "\n".join(lines)


def item_plain(e: DigestEntry) -> str:
    """Fallback-text line (escaped: Slack parses the fallback as mrkdwn too)."""
    return clip_escaped(f"• {clip(e.title or e.url, 140)} — {clip(e.source, 50)}", 220)


def _newest_first(e: DigestEntry):
    return (e.published is not None, e.published or datetime.min, e.article_id)


def _strongest_first(e: DigestEntry):
    """Sort key (reverse=True): score, then newest."""
    return (e.score.total if e.score else 0.0, *_newest_first(e))


def top_stories(entries: list[DigestEntry], n: int = TOP_STORIES) -> list[DigestEntry]:
    """The day's strongest stories across all topics (none for a digest of one item)."""
    return sorted(entries, key=_strongest_first, reverse=True)[:n] if len(entries) > 1 else []


def top_block(top: list[DigestEntry]) -> dict:
    """'Top stories': one line each, linked title, outlet, where and who; far below the section limit."""
    lines = ["*Top stories*"]
    for i, e in enumerate(top, 1):
        bits = [escape(clip(e.source, 50))] + (
            [escape(clip(e.tags.line(2, 2), 100))] if e.tags and e.tags.line() else []
        )
        lines.append(f"{i}. {link(e.url, clip(e.title or e.url, 120))} — " + " · ".join(bits))
    return {"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(lines)}}


def group_entries(
    entries: list[DigestEntry], rule_order: list[str]
) -> list[tuple[str, str, list[DigestEntry]]]:
    """[(rule_id, rule_name, entries strongest first)] in the rules file's order."""
    groups: dict[str, list[DigestEntry]] = {}
    names: dict[str, str] = {}
    for e in entries:
        groups.setdefault(e.rule_id, []).append(e)
        names[e.rule_id] = e.rule_name
    order = {rid: i for i, rid in enumerate(rule_order)}
    out = []
    for rid in sorted(groups, key=lambda r: (order.get(r, len(order)), r)):
        items = sorted(groups[rid], key=_strongest_first, reverse=True)
        out.append((rid, names[rid], items))
    return out


def summary_line(entries: list[DigestEntry], n_topics: int, repeats: int = 0) -> str:
    outlets = {e.source for e in entries} | {m.source for e in entries for m in e.also_in}
    s = (
        f"{_plural(len(entries), 'new item')} in {_plural(n_topics, 'topic')} "
        f"from {_plural(len(outlets), 'outlet')}"
    )
    if repeats:
        s += f" · {repeats} later report{'s' if repeats != 1 else ''} of stories already sent left out"
    return s


def render(
    entries: list[DigestEntry],
    day: datetime | date,
    rule_order: list[str],
    warnings: list[str] | None = None,
    title: str = "borderwatch",
    repeats: int = 0,
    threaded: bool = False,
    tz: tzinfo | None = None,
    buttons: bool = False,
) -> list[RenderedPart]:
    """Render all entries into one or more parts; every entry appears exactly once across the parts.

    buttons: each item gets a feedback `actions` block (alerts/feedback.py), and one block is kept free per
    item for the verdict line a click adds later, so the message stays within 50 blocks after updates."""
    groups = group_entries(entries, rule_order)
    head_text = clip(f"{title} digest · {day:%a} {day.day} {day:%b %Y}", MAX_HEADER - 10)
    summary = summary_line(entries, len(groups), repeats)
    topics = " · ".join(f"{clip(name, 60)} {len(items)}" for _rid, name, items in groups)

    first: list[dict] = [
        {
            "type": "context",
            "elements": [{"type": "mrkdwn", "text": clip_escaped(summary, MAX_SECTION)}]
            + ([{"type": "mrkdwn", "text": clip_escaped(topics, MAX_SECTION)}] if len(groups) > 1 else []),
        }
    ]
    plain_first = [escape(summary)]
    if warnings:
        first.append(warnings_block(warnings))
        plain_first.append(warnings_plain(warnings))
    top = top_stories(entries)
    if top:
        first.append(top_block(top))
        plain_first.append(clip_escaped("Top: " + " | ".join(clip(e.title or e.url, 80) for e in top), 400))

    body_max = MAX_BLOCKS - 3  # header, "continued" footer, and room for a "re-sent" note
    parts: list[dict] = [{"blocks": first, "ids": [], "lines": [], "plain_head": plain_first}]
    for _rid, name, items in groups:
        part_group_started = False
        for n, e in enumerate(items):
            cur = parts[-1]
            per_item = 3 if buttons else 1  # section (+ actions + the verdict line a click may add)
            need = per_item if part_group_started else per_item + 2
            reserved = len(
                item_ids(cur["blocks"])
            )  # one verdict line per item with buttons, added on a click
            if cur["ids"] and len(cur["blocks"]) + reserved + need > body_max:
                cur = {"blocks": [], "ids": [], "lines": [], "plain_head": []}
                parts.append(cur)
                part_group_started = False
            if not part_group_started:
                if cur["blocks"]:
                    cur["blocks"].append({"type": "divider"})
                label = f"*{clip_escaped(name, 200)}* ({len(items)})"
                if n:
                    label = f"*{clip_escaped(name, 200)}* (continued)"
                cur["blocks"].append({"type": "section", "text": {"type": "mrkdwn", "text": label}})
                cur["lines"].append(("head", escape(clip(name, 200)) + (" (continued)" if n else "")))
                part_group_started = True
            cur["blocks"].append({"type": "section", "text": {"type": "mrkdwn", "text": item_mrkdwn(e, tz)}})
            if buttons:
                cur["blocks"].append(actions_block(e.article_id))
            cur["lines"].append(("item", item_plain(e)))
            cur["ids"].extend(e.ids)

    total = len(parts)
    out: list[RenderedPart] = []
    for i, p in enumerate(parts, 1):
        suffix = f" ({i}/{total})" if total > 1 else ""
        header = {
            "type": "header",
            "text": {"type": "plain_text", "text": (head_text + suffix)[:MAX_HEADER], "emoji": True},
        }
        blocks = [header, *p["blocks"]]
        if i < total:
            nxt = "in this thread" if threaded else "in the next message"
            blocks.append(
                {
                    "type": "context",
                    "elements": [{"type": "mrkdwn", "text": f"Continued {nxt} ({i + 1}/{total})."}],
                }
            )
        out.append(RenderedPart(blocks=blocks, text=_fallback(head_text + suffix, p), article_ids=p["ids"]))
    return out


def warnings_block(warnings: list[str]) -> dict:
    """The ":warning:" section listing every warning line (the digest's first part, or a quiet day's)."""
    body = "\n".join("• " + clip(w, 600) for w in warnings)
    return {"type": "section", "text": {"type": "mrkdwn", "text": clip_escaped(":warning: " + body, 2900)}}


def warnings_plain(warnings: list[str]) -> str:
    return clip_escaped("Warnings: " + " | ".join(warnings), 600)


def render_quiet_day(
    day: datetime | date, warnings: list[str], title: str = "borderwatch", elsewhere: int = 0
) -> RenderedPart:
    """A day with nothing new but something wrong: one short message, the date and the warning lines.

    Without it a broken rules file or a dead outlet would stay unnoticed for as long as there is no news.
    elsewhere: items that went to other channels today (this one, the default, had none).
    """
    head = clip(f"{title} · {day:%a} {day.day} {day:%b %Y} · nothing new matched", MAX_HEADER)
    n = len(warnings)
    quiet = (
        f"No new items here today ({_plural(elsewhere, 'item')} went to other channels)" if elsewhere else ""
    )
    blocks = [
        {"type": "header", "text": {"type": "plain_text", "text": head, "emoji": True}},
        {
            "type": "context",
            "elements": [
                {
                    "type": "mrkdwn",
                    "text": f"{quiet or 'No new items today'}, but {_plural(n, 'problem')} "
                    f"need{'s' if n == 1 else ''} attention:",
                }
            ],
        },
        warnings_block(warnings),
    ]
    return RenderedPart(blocks=blocks, text=escape(head) + "\n" + warnings_plain(warnings), article_ids=[])


def _fallback(head: str, part: dict) -> str:
    """Plain-text fallback (notifications, screen readers): whole lines only, always < MAX_FALLBACK."""
    lines = [escape(head), *part["plain_head"]]
    size = sum(len(x) + 1 for x in lines)
    items_left = sum(1 for kind, _ in part["lines"] if kind == "item")
    for kind, line in part["lines"]:
        if size + len(line) + 1 > FALLBACK_BUDGET:
            lines.append(f"…and {items_left} more (see the message)")
            break
        lines.append(line if kind == "item" else "\n" + line)
        size += len(line) + 2
        items_left -= kind == "item"
    return "\n".join(lines)


# -- terminal -------------------------------------------------------------------------------------------


def to_terminal(blocks: list[dict], width: int | None = None) -> str:
    """Block Kit as we write it -> readable terminal text (console digest and `digest --preview`)."""
    width = width or min(shutil.get_terminal_size((100, 24)).columns, 120)
    out: list[str] = []
    for b in blocks:
        t = b.get("type")
        if t == "header":
            text = b["text"]["text"]
            out += [text, "=" * min(len(text), width)]
        elif t == "context":
            for el in b.get("elements", []):
                out.append(mrkdwn_to_plain(el.get("text", "")))
        elif t == "divider":
            out.append("")
        elif t == "section":
            out += _section_lines(b.get("text", {}).get("text", ""), width)
    return "\n".join(out).rstrip() + "\n"


def _section_lines(mrkdwn: str, width: int) -> list[str]:
    lines = mrkdwn.split("\n")
    first = lines[0]
    if first.startswith("*<") and first.endswith(">*"):  # an item: title, details, snippet, then its URL
        url, label = links_in(first)[0]
        out = textwrap.wrap(label, width, initial_indent="• ", subsequent_indent="  ")
        for ln in lines[1:]:
            plain = mrkdwn_to_plain(ln)
            if plain.startswith("> "):
                out += textwrap.wrap(plain[2:], width, initial_indent="  “", subsequent_indent="   ")
                out[-1] += "”"
            else:
                out += textwrap.wrap(plain, width, initial_indent="  ", subsequent_indent="  ")
        out.append("  " + url)
        return out
    if first.startswith("*") and len(lines) == 1:  # a topic heading
        return [mrkdwn_to_plain(first)]
    return [w for ln in lines for w in (textwrap.wrap(mrkdwn_to_plain(ln), width) or [""])]


def render_console(parts: list[RenderedPart]) -> str:
    return "\n".join(to_terminal(p.blocks) for p in parts)
