"""Page text shows as the page wrote it: `*bold*`, `_x_`, `~s~` and `` `code` `` in a title or snippet do not
turn into Slack formatting (a zero-width space on both sides of each, alerts/slacktext.py), and the terminal
rendering gives the characters back unchanged."""

from __future__ import annotations

import re

from borderwatch.alerts.digest import render, to_terminal
from borderwatch.alerts.slacktext import ZW, escape, mrkdwn_to_plain, unescape

from .test_digest_render import NOW, assert_well_formed, entry

PAGE = "Officials said *bold* claims, _x_ marks, ~struck~ words and `code` appear as written & <!here>"

# What Slack formats: a marker at a word boundary, hugging the words it wraps (no escape exists).
SLACK_FORMAT = re.compile(r"(?:^|[\s(])([*_~`])(?=\S)[^*_~`\n]*?(?<=\S)\1(?=$|[\s.,;:!?)])")


def test_formatting_characters_in_page_text_cannot_format_in_slack():
    out = escape(PAGE)
    assert SLACK_FORMAT.search(PAGE)  # the pattern finds formatting in the raw text (the check can fail)
    assert not SLACK_FORMAT.search(out.replace(ZW, "x")), out  # U+200B read as a letter: mid-word
    assert not SLACK_FORMAT.search(out.replace(ZW, " ")), out  # U+200B read as a space: not hugging
    assert unescape(out) == PAGE


def test_a_snippet_and_title_with_markup_render_literally_in_the_digest_and_on_the_terminal():
    e = entry(1, title="The *real* story of `drones`", snippet=PAGE)
    (part,) = render([e], NOW, ["r1"])
    texts = [b["text"]["text"] for b in part.blocks if b["type"] == "section"]
    item = next(t for t in texts if "story of" in t)
    assert_well_formed(item)
    assert f"{ZW}*{ZW}real{ZW}*{ZW}" in item and f"{ZW}`{ZW}drones{ZW}`{ZW}" in item
    assert f"{ZW}_{ZW}x{ZW}_{ZW}" in item and "&lt;!here&gt;" in item
    assert item.startswith("*<")  # our own markup (the bold title link) is untouched
    plain = to_terminal(part.blocks, width=300)
    assert "The *real* story of `drones`" in plain
    assert "*bold* claims, _x_ marks, ~struck~ words and `code` appear as written & <!here>" in plain
    assert ZW not in plain
    assert mrkdwn_to_plain(escape("a *b* c")) == "a *b* c"
