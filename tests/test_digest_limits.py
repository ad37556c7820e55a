"""The digest stays within Slack's limits and never drops an item, however long the day."""

from __future__ import annotations

from datetime import datetime, timezone

from borderwatch.alerts.digest import DigestEntry, render
from tests.support.fake_slack import check_limits


def entries(n, title="Cartel drone attack", snippet="x " * 400):
    return [
        DigestEntry(
            i,
            f"{title} {i} <!channel> & <http://evil|click>",
            f"https://example.com/{i}?a=1&b=2",
            "Outlet",
            datetime(2026, 11, 1, tzinfo=timezone.utc),
            f"r{i % 7}",
            f"Rule {i % 7}",
            ["FPV", "CJNG"],
            snippet,
        )
        for i in range(n)
    ]


def test_long_day_is_split_into_parts_within_limits_with_every_item_once():
    items = entries(300, title="T" * 500)
    parts = render(items, datetime(2026, 11, 24), [f"r{i}" for i in range(7)])
    assert len(parts) > 1
    for p in parts:
        assert check_limits({"blocks": p.blocks, "text": p.text}) is None
        assert len(p.blocks) <= 50 and len(p.text) < 4000
    ids = [i for p in parts for i in p.article_ids]
    assert sorted(ids) == list(range(300))
    assert "(2/" in parts[1].blocks[0]["text"]["text"]


def test_untrusted_text_is_escaped_everywhere():
    parts = render(entries(3), datetime(2026, 11, 24), [])
    blob = str([p.blocks for p in parts]) + "".join(p.text for p in parts)
    assert "<!channel>" not in blob and "<http://evil" not in blob
    assert "&lt;!channel&gt;" in blob
