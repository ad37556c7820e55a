"""Typed records passed between the stages (crawl -> extract -> store -> match -> deliver)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class Source:
    """One outlet as configured in sources.yaml."""

    name: str
    feeds: tuple[str, ...] = ()
    sitemaps: tuple[str, ...] = ()
    listings: tuple[dict, ...] = ()
    gdelt: tuple[
        dict, ...
    ] = ()  # GDELT DOC 2.0 queries: {query, sourcecountry?, sourcelang?} (crawler/gdelt.py)
    language: str = "en"
    enabled: bool = True
    options: dict = field(default_factory=dict, compare=False, hash=False)

    @property
    def discovery_urls(self) -> list[str]:
        return [*self.feeds, *self.sitemaps, *(lst["url"] for lst in self.listings)]


@dataclass
class Entry:
    """A link discovered in a feed, sitemap or listing page."""

    url: str
    source: str
    title: str | None = None
    published: datetime | None = None
    guid: str | None = None
    summary: str | None = None
    author: str | None = None
    via: str = "feed"  # feed | sitemap | listing | gdelt
    outlet: str | None = None  # the publisher, when it is not the source itself (an article GDELT found)


@dataclass
class Article:
    """An extracted article, ready to store and match."""

    url: str
    source: str
    title: str
    text: str
    author: str | None = None
    published: datetime | None = None
    language: str | None = None
    guid: str | None = None
    fetched_url: str | None = None


@dataclass(frozen=True)
class RuleMatch:
    """A rule firing on an article: which terms, and a snippet around the strongest hit."""

    rule: str  # the digest topic (a rule's id; for a rule with `topic:`, that topic's id)
    terms: tuple[str, ...]
    snippet: str = ""
    # the rules that fired for this topic when one of them has `topic:` (the topic's own rule first if it fired);
    # empty when only the topic's own rule did. Not stored: the article is filed under `rule` alone.
    fired_by: tuple[str, ...] = ()

    @property
    def via(self) -> tuple[str, ...]:
        """The rules with `topic:` that caught this article for its topic."""
        return tuple(r for r in self.fired_by if r != self.rule)


class WarningLine(str):
    """A warning for stderr and the digest that also names the problem it is about.

    `key` identifies the problem, not its details ("rules:<path>", "source-health:<name>"): a quiet-day
    warning is posted at most once a day per key, even when a counter in the text moves ("failed 4 runs in
    a row" -> 5). A str subclass, so everything that prints, renders or JSON-encodes warnings is unchanged.
    """

    key: str

    def __new__(cls, text: str, key: str = ""):
        obj = super().__new__(cls, text)
        obj.key = key
        return obj

    def __getnewargs__(self):
        return (str(self), self.key)


def warning_key(warning: str) -> str:
    """The problem a warning is about: its `key`, else its first line with numbers blanked out."""
    import re

    return getattr(warning, "key", "") or re.sub(r"\d+", "#", warning.split("\n", 1)[0].strip())
