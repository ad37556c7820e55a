"""Escaping and safe truncation for Slack mrkdwn. Page text is untrusted.

The rule everywhere: cut *raw* text first (on a word boundary), then escape. Escaped text is never sliced, so a
message can never end in the middle of an ``&amp;`` or a ``<url|label>`` link.
"""

from __future__ import annotations

import re
from urllib.parse import quote

LINK = re.compile(r"<([^<>|]+)\|([^<>]*)>")

# Slack has no escape for its formatting characters (a backslash shows, and still formats). A zero-width space
# on both sides of each one keeps it from opening or closing *bold*, _italic_, ~strike~ or `code`: if Slack
# reads U+200B as a letter the character is mid-word (never formatting), if as a space it is not next to the
# word it would wrap. The reader sees exactly what the page said.
ZW = "\u200b"
MARKS = "*_~`"
_MARK = re.compile(f"[{re.escape(MARKS)}]")
_NEUTRAL = re.compile(f"{ZW}([{re.escape(MARKS)}]){ZW}")
_HOLD = {c: chr(0xE000 + i) for i, c in enumerate(MARKS)}  # private-use stand-ins while markup is stripped


def escape(text: str) -> str:
    """Untrusted text -> mrkdwn that shows as is: & < > escaped (so <!channel> cannot ping), and the
    formatting characters * _ ~ ` neutralised (see ZW)."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MARK.sub(lambda m: f"{ZW}{m.group(0)}{ZW}", text)


def code(text: str) -> str:
    """Text for inside a `code span`, where Slack applies no formatting: & < > escaped, and a backtick (which
    would end the span) shown as a prime. No zero-width marks, so a path or a command stays copyable."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("`", "\u2032")


def unescape(text: str) -> str:
    """Inverse of escape(), for showing Slack text on a terminal."""
    text = _NEUTRAL.sub(r"\1", text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def clip(text: str, limit: int) -> str:
    """Cut *raw* text to at most `limit` characters on a word boundary (escape afterwards)."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: max(limit - 1, 0)]
    space = cut.rfind(" ")
    if space > limit * 0.6:
        cut = cut[:space]
    return cut.rstrip(" ,;:-") + "…"


def clip_escaped(text: str, limit: int) -> str:
    """escape(clip(text, n)) with the largest n whose *escaped* form fits in `limit` characters."""
    n = limit
    while True:
        out = escape(clip(text, n))
        if len(out) <= limit or n <= 1:
            return out if len(out) <= limit else ""
        n -= max(1, len(out) - limit)


def safe_url(url: str) -> str:
    """A URL that cannot break out of <url|label>: percent-encode the characters Slack parses as markup
    (< > | and whitespace) and escape & as &amp; (Slack unescapes it when it follows the link)."""
    url = quote(url.strip(), safe=":/?#[]@!$&()*+,;=%~-._")
    return url.replace("&", "&amp;")


def link(url: str, label: str) -> str:
    """<url|label> with the URL made safe and the label escaped (clip the label *before* calling)."""
    return f"<{safe_url(url)}|{escape(label)}>"


def mrkdwn_to_plain(text: str) -> str:
    """Slack mrkdwn (as we write it) -> terminal text: links become their label, markup is dropped."""
    text = _NEUTRAL.sub(lambda m: _HOLD[m.group(1)], text)  # the page's own characters stay
    text = LINK.sub(lambda m: m.group(2), text)
    text = re.sub(r"(?<![\w*])\*([^*\n]+)\*(?![\w*])", r"\1", text)
    text = text.replace("`", "")
    for mark, held in _HOLD.items():
        text = text.replace(held, mark)
    return unescape(text)


def links_in(text: str) -> list[tuple[str, str]]:
    """[(url, label)] of the <url|label> links in mrkdwn, URLs unescaped."""
    return [(unescape(m.group(1)), unescape(m.group(2))) for m in LINK.finditer(text)]
