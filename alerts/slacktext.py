"""Escaping and safe truncation for Slack mrkdwn. Page text is untrusted."""

from __future__ import annotations

from urllib.parse import quote


def escape(text: str) -> str:
    """Escape the three characters Slack treats as control: & < > (so <!channel> cannot ping)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def unescape(text: str) -> str:
    """Inverse of escape(), for showing Slack text on a terminal."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def clip(text: str, limit: int) -> str:
    """Cut *raw* text to at most `limit` characters on a word boundary (escape afterwards)."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit * 0.6:
        cut = cut[:space]
    return cut.rstrip(" ,;:-") + "…"


def safe_url(url: str) -> str:
    """A URL that cannot break out of <url|label>: percent-encode the characters Slack parses."""
    return (
        quote(url, safe=":/?#[]@!$'()*+,;=%~-._&").replace("&", "%26")
        if any(c in url for c in "<>| ")
        else url
    )


def link(url: str, label: str) -> str:
    return f"<{safe_url(url)}|{escape(label)}>"
