"""Property: whatever the pages say, the digest builder produces messages Slack accepts (the fake Slack's
limit checker), escaped so no text can ping, mention or forge a link, with every item present exactly once."""

from __future__ import annotations

import dataclasses
import re
from datetime import datetime, timezone

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from borderwatch.alerts.digest import MAX_FALLBACK, DigestEntry, Mention, render
from borderwatch.alerts.slacktext import safe_url
from tests.support.fake_slack import check_limits

# Text that tries everything: Slack control sequences, mrkdwn, entities, long words, any unicode.
HOSTILE = st.sampled_from(
    ["<!channel>", "<!here>", "<@U024BE7LH>", "<#C123|general>", "<http://evil|click>", "&amp;", "&lt;", ">", "<",
     "&", "|", "*bold*", "_it_", "`code`", "```", "~", "\n", "\t", "\u200b", "🚁", "Cártel", "x" * 300]
)  # fmt: skip
TEXT = st.lists(st.one_of(st.text(max_size=30), HOSTILE), max_size=8).map("".join)
URL = st.builds(
    lambda scheme, host, path: f"{scheme}://{host}/{path}",
    st.sampled_from(["http", "https"]),
    st.sampled_from(["example.com", "news.example.org:8080", "127.0.0.1"]),
    st.lists(st.one_of(st.text(max_size=20), HOSTILE), max_size=5).map("".join),
)
DATE = st.one_of(
    st.none(),
    st.datetimes(
        min_value=datetime(1990, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(timezone.utc)
    ),
)
RULES = [f"r{i}" for i in range(8)]


@st.composite
def entries(draw):
    """A day's items: up to 10 hostile templates, repeated (with their own ids) up to 150 items, so big days
    that need several messages are as common as small ones without generating 150 independent texts."""
    k = draw(st.integers(1, 10))
    templates = []
    for _ in range(k):
        rule = draw(st.sampled_from(RULES))
        templates.append(
            DigestEntry(
                article_id=0,
                title=draw(TEXT),
                url=draw(URL),
                source=draw(TEXT),
                published=draw(DATE),
                rule_id=rule,
                rule_name=draw(st.one_of(st.just(f"Rule {rule}"), TEXT)),
                terms=draw(st.lists(TEXT, max_size=4)),
                snippet=draw(TEXT),
                other_rules=draw(st.lists(TEXT, max_size=3)),
                also_in=draw(st.lists(st.builds(Mention, source=TEXT, url=URL), max_size=3)),
            )
        )
    n = draw(st.one_of(st.integers(1, 12), st.integers(40, 150)))
    return [dataclasses.replace(templates[i % k], article_id=i) for i in range(n)]


LINK = re.compile(r"<([^<>|]*)\|([^<>]*)>")


def mrkdwn_texts(blocks: list[dict]) -> list[str]:
    out = []
    for b in blocks:
        if b["type"] == "section":
            out.append(b["text"]["text"])
        elif b["type"] == "context":
            out.extend(e["text"] for e in b["elements"] if e.get("type") == "mrkdwn")
    return out


def assert_escaped(text: str, our_urls: set[str]) -> None:
    """Every <...> in the text is one of our links to an item's URL; nothing else can be a control sequence."""
    for m in LINK.finditer(text):
        assert m.group(1) in our_urls, f"a link we did not make: {m.group(0)[:80]!r}"
    rest = re.sub(r"(?m)^> ", "", LINK.sub("", text))  # our links and our blockquote markers
    assert "<" not in rest and ">" not in rest, rest[:200]


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
@given(
    items=entries(), warnings=st.lists(TEXT, max_size=3), day=st.datetimes(timezones=st.just(timezone.utc))
)
def test_any_day_renders_into_valid_escaped_messages_with_every_item_once(items, warnings, day):
    parts = render(items, day, RULES, warnings)
    assert parts
    event("several messages" if len(parts) > 1 else "one message")
    urls = {safe_url(e.url) for e in items} | {safe_url(m.url) for e in items for m in e.also_in}
    seen: list[int] = []
    for p in parts:
        assert check_limits({"blocks": p.blocks, "text": p.text}) is None
        assert len(p.text) <= MAX_FALLBACK and p.text.strip()
        for text in mrkdwn_texts(p.blocks):
            assert_escaped(text, urls)
        assert "<!" not in p.text and "<@" not in p.text and "<#" not in p.text
        blob = "\n".join(mrkdwn_texts(p.blocks))
        for aid in p.article_ids:
            assert f"<{safe_url(items[aid].url)}|" in blob, "an item's link is missing from its message"
        seen.extend(p.article_ids)
    assert sorted(seen) == list(range(len(items))), "an item was dropped or repeated"
