"""SYNTHETIC article history for the trends tests: known matched-article counts per rule per week.

Everything here is invented. Rows are written through the Store models, exactly as the crawler and matcher
would leave them (status 'matched', a MatchRow per fired rule).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from borderwatch.store import ArticleRow, MatchRow, Store

# A Monday: the chart's last week is Mon 16 - Sun 22 Nov 2026 (weeks start on Mondays, UTC).
END = datetime(2026, 11, 23, tzinfo=timezone.utc)
WEEKS = 12

# Matched articles per rule per week, oldest first; the last entry is "this week".
HISTORY: dict[str, list[int]] = {
    "cartel_drones": [3, 4, 3, 5, 4, 6, 5, 6, 7, 6, 7, 8],  # 8 vs 6.5: up 23%
    "fpv": [1, 0, 2, 1, 1, 2, 1, 2, 2, 2, 2, 2],  # 2 vs 2: flat
    "cjng": [5, 6, 4, 5, 6, 5, 4, 4, 4, 4, 4, 2],  # 2 vs 4: down 50%
    "sinaloa": [0] * 12,  # never: not charted, named as quiet
    "counter_uas": [2, 3, 2, 2, 4, 3, 5, 5, 4, 6, 5, 8],  # 8 vs 5: up 60%, the biggest move (+3)
    "ndaa": [0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1],  # 1 vs 0: new this week
}
# Articles that fired both cartel_drones and fpv (included in both rules' counts above), per week.
SHARED = {3: 1, 9: 2, 11: 1}


def expected_total(week: int) -> int:
    """Distinct matched articles in a week: the per-rule counts minus the double-counted shared ones."""
    return sum(counts[week] for counts in HISTORY.values()) - SHARED.get(week, 0)


def _article(s, n: int, when: datetime, rules: list[str], **kw) -> None:
    a = ArticleRow(
        url=f"https://synthetic.example/{n}",
        source=kw.pop("source", "Synthetic Wire"),
        title=f"SYNTHETIC article {n}",
        published=kw.pop("published", when),
        first_seen=kw.pop("first_seen", when + timedelta(hours=2)),
        status=kw.pop("status", "matched"),
    )
    s.add(a)
    s.flush()
    for rid in rules:
        s.add(MatchRow(article_id=a.id, rule_id=rid, terms=["synthetic"], matched_at=a.first_seen))


def build_history(store: Store, end: datetime = END, weeks: int = WEEKS, noise: bool = True) -> None:
    """Write HISTORY (and SHARED) for the `weeks` weeks before `end`; with `noise`, also rows that must
    not be counted in those weeks (or must be counted by their first sighting)."""
    start = end - timedelta(weeks=weeks)
    n = 0
    with store.session() as s:
        for w in range(weeks):
            week_start = start + timedelta(weeks=w)
            shared = SHARED.get(w, 0)
            for k in range(shared):
                n += 1
                _article(s, n, week_start + timedelta(hours=5 + 20 * k), ["cartel_drones", "fpv"])
            for rid, counts in HISTORY.items():
                single = counts[w] - (shared if rid in ("cartel_drones", "fpv") else 0)
                for k in range(single):
                    n += 1
                    # spread over the week, always inside it (the last one 3 hours before it ends)
                    offset = timedelta(hours=1 + (k * 164) // max(single, 1))
                    _article(s, n, week_start + offset, [rid])
        if not noise:
            return
        # Rows that must not be counted in these weeks:
        inside = end - timedelta(days=3)
        # no date from the outlet and first seen after the window
        _article(s, 9001, inside, ["counter_uas"], published=None, first_seen=end + timedelta(hours=1))
        # an impossible future date from the outlet: dated by its first sighting, after the window
        _article(
            s, 9002, inside, ["cjng"], published=end + timedelta(days=30), first_seen=end + timedelta(hours=3)
        )
        # published after the window
        _article(s, 9003, end + timedelta(hours=6), ["counter_uas"])
        # stored and matched against the rules, but fired none
        _article(s, 9004, inside, [])
        # a rule no longer in keywords.yaml: not a topic, not in "all topics"
        _article(s, 9005, inside, ["retired_rule"])
        # published before the window
        _article(s, 9006, start - timedelta(days=2), ["counter_uas"])
