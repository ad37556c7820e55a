"""Weekly trends: matched articles per topic (rule) per week, the change named in words, and a chart.

Consultants brief clients on direction, not on single articles, so once a week the digest carries a picture
of what is growing. This module only *computes and draws*; sending (exactly once) is trends_delivery.py.

Definitions (kept simple so the sentence can be checked by hand):
- Weeks are whole UTC days: the last week ends at `end` (a midnight) and each week is the 7 days before.
  The weekly chart sent on the trends day ends at that day's midnight, so a Monday chart covers Mon-Sun.
- An article is dated by `published`, or by `first_seen` when the outlet gave no date or a date more than a
  day after we first saw it (a wrong future date must not shift an article into a later week).
- An article that fires several rules counts once under each of them; "all topics" counts it once.
- Weeks that ended before borderwatch's first run are "not watched": drawn as gaps, never as zeros, and left
  out of the averages.
- "This week" is compared with the average of the up-to-4 watched weeks before it ("on the month").
- Where: matched articles per state (the admin1 of every place the article names: a Mexican state, a US
  border state; a CBP sector counts for its state), each article once per state, same weeks and average.
"""

from __future__ import annotations

import io
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path

from borderwatch.store import Store
from borderwatch.store.articles import first_kept_article_seen, matches_in_window, tagged_matches_in_window
from borderwatch.store.runs import first_run_started_at

from .rules import RuleSet
from .tagging import shipped, tags_for

DEFAULT_WEEKS = 12
BASELINE_WEEKS = 4
FLAT_BELOW_PCT = 10  # |change| under this is "flat"
FOLD_FROM = 3.0  # at 3x the average or more, say "up 3-fold" instead of "up 200%"
FUTURE_SLACK = timedelta(days=1)
ALL_TOPICS = "All topics"
WHERE_MAX = 8  # states in the "where" panel: the busiest this week and on the month


@dataclass
class TopicTrend:
    rule_id: str
    name: str
    counts: list[int | None]  # oldest -> newest; None: borderwatch was not watching yet
    this_week: int = 0
    average: float | None = None  # mean of the watched weeks among the BASELINE_WEEKS before this one
    average_weeks: int = 0
    change_pct: int | None = None  # rounded; None when there is nothing to compare with
    direction: str = "none"  # up | down | flat | new | first | none
    phrase: str = ""  # "up 60% on the month"

    @property
    def moved(self) -> float:
        """How notable the change is, in articles (so 1 -> 3 does not outrank 10 -> 16)."""
        if self.direction in ("up", "down", "new"):
            return abs(self.this_week - (self.average or 0))
        return 0.0

    @property
    def total(self) -> int:
        return sum(c for c in self.counts if c)


@dataclass
class Trends:
    end: datetime  # exclusive end of the last week (a UTC midnight)
    weeks: list[date]  # first day of each week, oldest first
    topics: list[TopicTrend]  # every configured rule, in rules-file order
    total: TopicTrend
    sentence: str
    generated_at: datetime | None = None
    quiet_topics: list[str] = field(default_factory=list)  # names with no article in the whole window
    where: list[TopicTrend] = field(default_factory=list)  # per state (rule_id: country), busiest first

    @property
    def charted(self) -> list[TopicTrend]:
        return [t for t in self.topics if t.total > 0]

    @property
    def empty(self) -> bool:
        return self.total.total == 0

    @property
    def week_label(self) -> str:
        last_day = (self.end - timedelta(days=1)).date()
        return f"week to {last_day.strftime('%a')} {last_day.day} {last_day.strftime('%b %Y')}"

    def lines(self) -> list[str]:
        """One line per topic with any reporting in the window, plus the total: '<name>: 8 this week, up 60% ...'."""
        out = [f"{t.name}: {t.this_week} this week, {t.phrase}" for t in self.charted]
        out.append(f"{ALL_TOPICS}: {self.total.this_week} this week, {self.total.phrase}")
        if self.quiet_topics:
            out.append(f"No reporting in {len(self.weeks)} weeks: {', '.join(self.quiet_topics)}")
        return out

    def where_line(self) -> str:
        """'Where: Michoacán 5 (4-week average 2), Sinaloa 3 (4) …' or '' when no article named a place."""
        if not self.where:
            return ""
        bits = [
            f"{t.name} {t.this_week}" + (f" ({_num(t.average)})" if t.average is not None else "")
            for t in self.where
        ]
        return f"Where (matched articles per state this week, {BASELINE_WEEKS}-week average): " + ", ".join(
            bits
        )

    def summary(self) -> str:
        """Plain-text summary: headline sentence, one line per topic, and the where line."""
        head = f"Weekly trends ({self.week_label}; matched articles per topic, last {len(self.weeks)} weeks)"
        where = [self.where_line()] if self.where else []
        return "\n".join([head, self.sentence, *("• " + line for line in self.lines()), *where])

    def to_json(self) -> dict:
        return {
            "end": self.end.isoformat(),
            "week_label": self.week_label,
            "weeks": [w.isoformat() for w in self.weeks],
            "sentence": self.sentence,
            "topics": [_topic_json(t) for t in self.topics],
            "total": _topic_json(self.total),
            "where": [
                {
                    "state": t.name,
                    "country": t.rule_id,
                    "counts": t.counts,
                    "this_week": t.this_week,
                    "average": t.average,
                    "change_pct": t.change_pct,
                    "phrase": t.phrase,
                }
                for t in self.where
            ],
        }


def _topic_json(t: TopicTrend) -> dict:
    d = asdict(t)
    d["rule"] = d.pop("rule_id")
    return d


# -- time -----------------------------------------------------------------------------------------------


def day_start(when: datetime | date) -> datetime:
    """The UTC midnight that starts `when`'s day."""
    if isinstance(when, datetime):
        when = when.astimezone(timezone.utc).date()
    return datetime.combine(when, time(0), tzinfo=timezone.utc)


def article_date(published: datetime | None, first_seen: datetime) -> datetime:
    if published is None or published > first_seen + FUTURE_SLACK:
        return first_seen
    return published


# -- counting -------------------------------------------------------------------------------------------


def watched_since(store: Store) -> datetime | None:
    """When borderwatch started watching: its first run, or the first sighting of an article kept for
    matching if that is earlier (a database filled by an import or by tests). Articles published before
    that (the first run's backfill) fall in weeks drawn as gaps: a week only counts once it was watched."""
    candidates = [first_run_started_at(store), first_kept_article_seen(store)]
    found = [c if c.tzinfo else c.replace(tzinfo=timezone.utc) for c in candidates if c is not None]
    return min(found) if found else None


def weekly_counts(
    store: Store,
    rule_ids: list[str] | None,
    end: datetime,
    weeks: int,
    fold: dict[str, str] | None = None,
) -> tuple[list[date], dict[str, list[int]], list[int]]:
    """(week start dates, per-rule counts, distinct matched articles), oldest week first. With rule_ids
    None (no valid rules file ever), every rule id found in the matches is a topic. `fold` maps the id of a
    rule with `topic:` to that topic: matches stored under its own id (before it had `topic:`) count for
    the topic, each article once, as the ones matched since do."""
    start = end - timedelta(weeks=weeks)
    rows = matches_in_window(store, start)
    ids = list(rule_ids) if rule_ids is not None else sorted({r[0] for r in rows})
    per_rule = {rid: [0] * weeks for rid in ids}
    articles: list[set[int]] = [set() for _ in range(weeks)]
    fold = fold or {}
    counted: set[tuple[str, int]] = set()
    for rule_id, article_id, published, first_seen in rows:
        when = article_date(published, first_seen)
        if not (start <= when < end):
            continue
        if fold:
            rule_id = fold.get(rule_id, rule_id)
            if (rule_id, article_id) in counted:
                continue
            counted.add((rule_id, article_id))
        if rule_id not in per_rule:  # a rule no longer configured: not a topic, not in "all topics"
            continue
        idx = int((when - start) // timedelta(weeks=1))
        per_rule[rule_id][idx] += 1
        articles[idx].add(article_id)
    week_starts = [(start + timedelta(weeks=i)).date() for i in range(weeks)]
    return week_starts, per_rule, [len(a) for a in articles]


def weekly_states(
    store: Store, rule_ids: list[str] | None, end: datetime, weeks: int
) -> dict[tuple[str, str], list[int]]:
    """{(state, country): matched articles per week}, oldest first. Tags are read as stored at match time;
    articles matched before tagging existed (or by an older gazetteer) are tagged from their text."""
    start = end - timedelta(weeks=weeks)
    rows = tagged_matches_in_window(store, start, rule_ids, shipped().version)
    per_state: dict[tuple[str, str], list[int]] = {}
    for a in rows:
        when = article_date(a.published, a.first_seen)
        if not (start <= when < end):
            continue
        tags = tags_for(a.tags, a.title or "", a.text or "")
        idx = int((when - start) // timedelta(weeks=1))
        for key in dict.fromkeys((p.admin1, p.country) for p in tags.places):
            per_state.setdefault(key, [0] * weeks)[idx] += 1
    return per_state


# -- words ----------------------------------------------------------------------------------------------


def _num(x: float) -> str:
    x = round(x, 1)
    return str(int(x)) if x == int(x) else f"{x:.1f}"


def _articles(n: int) -> str:
    return f"{n} article" if n == 1 else f"{n} articles"


def describe(rule_id: str, name: str, counts: list[int | None]) -> TopicTrend:
    """Fill in this week's count, the baseline and the change in words."""
    t = TopicTrend(rule_id=rule_id, name=name, counts=counts)
    t.this_week = counts[-1] or 0
    prev = [c for c in counts[-1 - BASELINE_WEEKS : -1] if c is not None]
    t.average_weeks = len(prev)
    span = "on the month" if len(prev) == BASELINE_WEEKS else f"on the {len(prev)}-week average"
    if counts[-1] is None:
        t.direction, t.phrase = "none", "not watched yet"
        return t
    if not prev:
        t.direction, t.phrase = "first", "first week watched"
        return t
    t.average = sum(prev) / len(prev)
    if t.average == 0:
        if t.this_week == 0:
            t.direction, t.phrase = "none", f"none this week or in the {len(prev)} weeks before"
        else:
            t.direction, t.phrase = "new", f"new this week (none in the {len(prev)} weeks before)"
        return t
    ratio = t.this_week / t.average
    t.change_pct = round((ratio - 1) * 100)
    if t.this_week == 0:
        t.direction, t.phrase = "down", f"none this week, down from {_num(t.average)} a week {span}"
    elif abs(t.change_pct) < FLAT_BELOW_PCT:
        t.direction, t.phrase = "flat", f"flat {span}"
    elif ratio >= FOLD_FROM:
        t.direction, t.phrase = "up", f"up {_num(ratio)}-fold {span}"
    elif t.change_pct > 0:
        t.direction, t.phrase = "up", f"up {t.change_pct}% {span}"
    else:
        t.direction, t.phrase = "down", f"down {-t.change_pct}% {span}"
    return t


def headline(topics: list[TopicTrend], total: TopicTrend) -> str:
    """The one sentence: the topic that moved most (in articles), and what 'this week' was compared with."""
    if total.total == 0:
        return f"No matched articles in the last {len(total.counts)} weeks."
    if total.counts[-1] is None:
        return "Not watched yet: borderwatch's first run came after this week."
    if total.direction in ("first", "none") and total.average is None:
        return f"First week watched: {_articles(total.this_week)} matched; changes are named from next week."
    movers = sorted(
        (t for t in topics if t.moved > 0),
        key=lambda t: (-t.moved, -abs(t.change_pct or 0), t.name),
    )
    if not movers:
        return (
            f"Reporting steady: no topic moved {FLAT_BELOW_PCT}% or more {_span(total)} "
            f"({_articles(total.this_week)} this week)."
        )
    top = movers[0]
    if top.direction == "new":
        return f"{top.name} reporting {top.phrase}: {_articles(top.this_week)}."
    if top.this_week == 0:
        return f"{top.name} reporting: {top.phrase}."
    return (
        f"{top.name} reporting {top.phrase} "
        f"({_articles(top.this_week)} this week against an average of {_num(top.average or 0)} a week)."
    )


def _span(t: TopicTrend) -> str:
    return "on the month" if t.average_weeks == BASELINE_WEEKS else f"on the {t.average_weeks}-week average"


def compute_trends(
    store: Store,
    ruleset: RuleSet | None,
    end: datetime,
    weeks: int = DEFAULT_WEEKS,
    generated_at: datetime | None = None,
) -> Trends:
    """Counts per rule for the `weeks` weeks ending at `end` (a UTC midnight), with the sentence."""
    if weeks < 1:
        raise ValueError("weeks must be at least 1")
    end = day_start(end) if (end.hour, end.minute, end.second, end.microsecond) != (0, 0, 0, 0) else end
    rule_ids = [r.id for r in ruleset.rules] if ruleset else None  # every rule, `topic:` ones too
    topic_ids = [r.id for r in ruleset.topics] if ruleset else None
    names = {r.id: r.name for r in ruleset.topics} if ruleset else {}
    fold = {r.id: r.topic for r in ruleset.rules if r.topic} if ruleset else {}
    week_starts, per_rule, totals = weekly_counts(store, topic_ids, end, weeks, fold)
    since = watched_since(store)

    def mask(counts: list[int]) -> list[int | None]:
        if since is None:
            return [None] * len(counts)
        return [
            c if day_start(w) + timedelta(weeks=1) > since else None
            for w, c in zip(week_starts, counts, strict=True)
        ]

    topics = [describe(rid, names.get(rid, rid), mask(c)) for rid, c in per_rule.items()]
    total = describe("*", ALL_TOPICS, mask(totals))
    where = [
        describe(country, state, mask(c))
        for (state, country), c in weekly_states(store, rule_ids, end, weeks).items()
    ]
    recent = [t for t in where if t.this_week or t.average]
    recent.sort(key=lambda t: (-(t.this_week + (t.average or 0)), -t.this_week, t.name))
    return Trends(
        end=end,
        weeks=week_starts,
        topics=topics,
        total=total,
        sentence=headline(topics, total),
        generated_at=generated_at,
        quiet_topics=[t.name for t in topics if t.total == 0],
        where=recent[:WHERE_MAX],
    )


# -- picture --------------------------------------------------------------------------------------------

INK = "#222222"
MUTED = "#7a7a7a"
LINE = "#3a3a3a"
UP = "#d95f02"  # orange: growing (colour-blind safe against the blue)
DOWN = "#1f78b4"
FLAT = "#6b6b6b"
# 5 in at 216 dpi = 1080 px wide: Slack's phone viewer shows the whole image across the screen, so type
# sized in points here reads at roughly the same size on a phone.
FIG_W, DPI = 5.0, 216
HEADER_H, FOOTER_H = 0.85, 0.6
SINGLE_COLUMN_MAX = 6
WHERE_HEAD_H, WHERE_ROW_H = 1.05, 0.34  # the "where" panel: heading, then one bar per state


def _colour(t: TopicTrend) -> str:
    return {"up": UP, "new": UP, "down": DOWN}.get(t.direction, FLAT)


def _badge(t: TopicTrend) -> str:
    """The change in a few characters: '▲ 60%', '▼ 45%', '▲ 4×', 'flat', 'new'."""
    if t.direction == "new":
        return f"new: {t.this_week}"
    if t.direction in ("first", "none") or t.change_pct is None:
        return ""
    if t.direction == "flat":
        return f"flat: {t.this_week}"
    if t.this_week and t.average and t.this_week / t.average >= FOLD_FROM:
        return f"▲ {_num(t.this_week / t.average)}×: {t.this_week} vs {_num(t.average)}"
    arrow = "▲" if t.change_pct > 0 else "▼"
    return f"{arrow} {abs(t.change_pct)}%: {t.this_week} vs {_num(t.average or 0)}"


def _clip(name: str, limit: int) -> str:
    return name if len(name) <= limit else name[: limit - 1].rstrip(" (,;:-") + "…"


FOOTER_PT, FOOTER_SPACING, MARK = 8, 1.35, "borderwatch"


def _text_width_pt(text: str, size: float = FOOTER_PT) -> float:
    from matplotlib.textpath import TextPath

    return TextPath((0, 0), text, size=size).get_extents().width if text.strip() else 0.0


def footer_lines(trends: Trends, topics: list[TopicTrend]) -> list[str]:
    """The chart's notes, word-wrapped to the width left of the "borderwatch" mark: every quiet topic named in
    full, however many there are (the footer grows instead)."""
    notes = ["Weeks start on the dates shown (UTC)."]
    if any(c is None for t in topics for c in t.counts):
        notes.append("Blank weeks: before borderwatch's first run.")
    if trends.quiet_topics:
        notes.append("No reporting in these weeks: " + ", ".join(trends.quiet_topics) + ".")
    # the figure's width between the side margins (0.03 .. 0.97), less the mark and a gap; 4% to spare for
    # the renderer's hinting
    width = (FIG_W * 72 * 0.94 - _text_width_pt(MARK) - 12) * 0.96
    lines: list[str] = []
    for note in notes:
        line = ""
        for word in note.split(" "):
            candidate = f"{line} {word}" if line else word
            if line and _text_width_pt(candidate) > width:
                lines.append(line)
                line = word
            else:
                line = candidate
        lines.append(line)
    return lines


def render_png(trends: Trends) -> bytes:
    buf = io.BytesIO()
    chart_figure(trends).savefig(buf, format="png", dpi=DPI, facecolor="white", metadata={"Software": MARK})
    return buf.getvalue()


def chart_figure(trends: Trends):
    """Small multiples, one panel per topic that had any reporting, on one shared y scale.

    Phone first: large type, at most two columns, one dark line per panel, with this week's point, its
    count and the change coloured (orange up, blue down, grey flat) and a dashed segment at the average the
    change is measured against. No legend, frame or heavy grid. matplotlib's object API on the Agg
    canvas: no pyplot global state, no display, nothing imported until a chart is drawn.
    """
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    topics = trends.charted or [trends.total]
    n = len(topics)
    where_h = WHERE_HEAD_H + WHERE_ROW_H * len(trends.where) if trends.where else 0.0
    # Up to SINGLE_COLUMN_MAX topics: one column (tall, like a phone screen; names never clipped).
    # More: two columns, name and change on two lines.
    cols = 1 if n <= SINGLE_COLUMN_MAX else 2
    rows = -(-n // cols)
    panel_h = 1.3 if cols == 1 else 1.8
    footer = footer_lines(trends, topics)
    footer_h = FOOTER_H + max(0, len(footer) - 3) * FOOTER_PT * FOOTER_SPACING / 72  # room for 3 lines
    height = rows * panel_h + HEADER_H + footer_h + where_h
    fig = Figure(figsize=(FIG_W, height), dpi=DPI, facecolor="white")
    fig.subplots_adjust(
        left=0.09,
        right=0.95,
        top=1 - (HEADER_H + (0.25 if cols == 1 else 0.4)) / height,
        bottom=(footer_h + where_h + 0.2) / height,
        hspace=0.75 if cols == 1 else 0.95,
        wspace=0.3,
    )
    axes = fig.subplots(rows, cols, sharex=True, sharey=True, squeeze=False)
    x = list(range(len(trends.weeks)))
    ymax = max([max((c or 0) for c in t.counts) for t in topics] + [1])
    fig.text(
        0.03, 1 - 0.12 / height, "Weekly trends by topic", fontsize=14, fontweight="bold", color=INK, va="top"
    )
    fig.text(
        0.03,
        1 - 0.45 / height,
        f"Matched articles per week, last {len(x)} weeks ({trends.week_label}).\n"
        f"Dashed: the {BASELINE_WEEKS}-week average this week is compared with.",
        fontsize=8.5,
        color=MUTED,
        va="top",
        linespacing=1.35,
    )
    for i, ax in enumerate(axes.flat):
        if i >= n:
            ax.set_visible(False)
            continue
        t = topics[i]
        colour = _colour(t)
        ys = [float("nan") if c is None else c for c in t.counts]
        ax.plot(x, ys, color=LINE, linewidth=1.6, solid_capstyle="round", solid_joinstyle="round")
        if t.average is not None and t.average_weeks:
            ax.plot(
                [x[-1 - t.average_weeks], x[-2]],
                [t.average, t.average],
                linestyle=(0, (2.5, 1.5)),
                color=colour,
                linewidth=1.4,
                zorder=2.5,  # above the weekly line, so a steady series still shows its average
            )
        if t.counts[-1] is not None:
            ax.plot([x[-1]], [t.this_week], "o", color=colour, markersize=5, zorder=3, clip_on=False)
        badge = dict(transform=ax.transAxes, fontsize=10, color=colour, fontweight="bold", va="bottom")
        if cols == 1:
            ax.text(0, 1.1, _clip(t.name, 40), transform=ax.transAxes, fontsize=10, color=INK, va="bottom")
            ax.text(1, 1.1, _badge(t), ha="right", **badge)
        else:
            ax.text(0, 1.3, _clip(t.name, 22), transform=ax.transAxes, fontsize=10, color=INK, va="bottom")
            ax.text(0, 1.06, _badge(t), **badge)
        for side in ("top", "right", "left"):
            ax.spines[side].set_visible(False)
        ax.spines["bottom"].set_color("#c8c8c8")
        ax.tick_params(colors=MUTED, labelsize=8.5, length=0, pad=3)
        ax.yaxis.set_major_locator(MaxNLocator(nbins=3, integer=True))
        ax.set_ylim(0, ymax * 1.12)
        ax.set_xlim(-0.3, x[-1] + 0.3)
        ax.grid(axis="y", color="#ececec", linewidth=0.7)
        ax.set_axisbelow(True)
    ticks = sorted({0, len(x) // 2, len(x) - 1})
    labels = [f"{trends.weeks[k].day} {trends.weeks[k].strftime('%b')}" for k in ticks]
    for c in range(cols):  # dates under the lowest visible panel of each column
        col = [axes[r][c] for r in range(rows) if r * cols + c < n]
        for ax in col:
            ax.set_xticks(ticks, labels)
        col[-1].tick_params(labelbottom=True)
    if trends.where:
        _where_panel(fig, trends, height, where_h, footer_h)
    fig.text(
        0.03,
        0.1 / height,
        "\n".join(footer),
        fontsize=FOOTER_PT,
        color=MUTED,
        va="bottom",
        linespacing=FOOTER_SPACING,
    )
    fig.text(0.97, 0.1 / height, MARK, fontsize=FOOTER_PT, color=MUTED, va="bottom", ha="right")
    return fig


def _where_panel(fig, trends: Trends, height: float, where_h: float, footer_h: float = FOOTER_H) -> None:
    """Bars: matched articles per state this week; a coloured tick at the 4-week average, with the figures."""
    from matplotlib.ticker import MaxNLocator

    top = (footer_h + where_h) / height
    fig.text(0.03, top - 0.32 / height, "Where", fontsize=12, fontweight="bold", color=INK, va="top")
    fig.text(
        0.03,
        top - 0.6 / height,
        f"Matched articles per state this week (bar) and the {BASELINE_WEEKS}-week average (tick).",
        fontsize=8.5,
        color=MUTED,
        va="top",
    )
    rows = trends.where
    ax = fig.add_axes(
        (0.33, (footer_h + 0.15) / height, 0.5, (WHERE_ROW_H * len(rows) - 0.1) / height), facecolor="white"
    )
    ys = list(range(len(rows)))[::-1]  # busiest on top
    xmax = max([max(t.this_week, t.average or 0) for t in rows] + [1])
    ax.barh(ys, [t.this_week for t in rows], height=0.58, color="#9a9a9a", zorder=2)
    for y, t in zip(ys, rows, strict=True):
        colour = _colour(t)
        if t.average is not None:
            ax.plot([t.average, t.average], [y - 0.4, y + 0.4], color=colour, linewidth=2.2, zorder=3)
        avg = f" vs {_num(t.average)}" if t.average is not None else ""
        ax.text(
            1.02,
            y,
            f"{t.this_week}{avg}",
            transform=ax.get_yaxis_transform(),
            fontsize=9.5,
            color=colour,
            fontweight="bold",
            va="center",
        )
    ax.set_yticks(ys, [_clip(t.name, 20) for t in rows])
    ax.tick_params(axis="y", colors=INK, labelsize=9.5, length=0, pad=4)
    ax.tick_params(axis="x", colors=MUTED, labelsize=8, length=0)
    ax.set_xlim(0, xmax * 1.05)
    ax.set_ylim(-0.6, len(rows) - 0.4)
    ax.xaxis.set_major_locator(MaxNLocator(nbins=3, integer=True))
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    ax.spines["bottom"].set_color("#c8c8c8")
    ax.grid(axis="x", color="#ececec", linewidth=0.7, zorder=0)


def save_png(trends: Trends, path: Path) -> Path:
    """Write the chart atomically (a half-written file is never uploaded) and return its absolute path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(render_png(trends))
    tmp.replace(path)
    return path.resolve()
