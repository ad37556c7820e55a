"""Article pages waiting to be asked for: handed to Scrapy a few at a time, not all at once.

A feed lists hundreds of new entries; a big day, thousands. Yielding a Request for each as soon as its feed is
read puts every one (with its feed entry in `meta`) in Scrapy's scheduler for the rest of the crawl. Instead
the spider files each new entry here, per host in discovery order, and takes Requests out only while fewer
than `limit` of them are outstanding (scheduled, downloading, or waiting for their callback) and fewer than
`per_host` for any one host, so a slow host never holds more than its share of the downloader's slots
(crawler/spider.py sizes both from Scrapy's CONCURRENT_REQUESTS).

A page is outstanding from `take` until its callback or errback runs (`done`, by its `meta["page"]` token;
a redirect or retry keeps the token), or until Scrapy drops it (`request_dropped`). When the spider goes idle
nothing is in flight any more, whatever the counts say (`settle`): that is also the safety net for a request
some component dropped without a word. The spider wires these to Scrapy's `spider_idle` and `request_dropped`
signals (crawler/spider.py).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from urllib.parse import urlsplit

from borderwatch.records import Entry

# Sent (Scrapy signal, no arguments) after a discovery document's new entries were filed, so the extraction pool
# can start its workers as soon as the day is known to be big (crawler/pipelines.py), not when the first page
# arrives: the workers' start-up (~0.4 s each, importing trafilatura) then overlaps the rest of discovery.
pages_filed = object()


def host_of(url: str) -> str:
    """The politeness key: Scrapy gives each hostname its own download slot."""
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


class PageQueue:
    def __init__(self, limit: int, per_host: int):
        self.limit = max(1, limit)
        self.per_host = max(1, per_host)
        self._waiting: dict[str, deque[tuple[Entry, str | None]]] = {}
        self._ring: deque[str] = deque()  # hosts with pages waiting, in turn
        self._out: dict[int, str] = {}  # token -> host, of the pages handed out and not yet done
        self._out_per_host: dict[str, int] = {}
        self._next_token = 0
        self.waiting = 0  # pages filed and not yet handed out
        self.most_outstanding = 0  # the largest number outstanding at once in this crawl

    def __len__(self) -> int:
        return self.waiting

    @property
    def outstanding(self) -> int:
        return len(self._out)

    def add(self, entry: Entry, discovery_url: str | None) -> None:
        host = host_of(entry.url)
        q = self._waiting.get(host)
        if q is None:
            q = self._waiting[host] = deque()
            self._ring.append(host)
        q.append((entry, discovery_url))
        self.waiting += 1

    def take(self) -> Iterator[tuple[int, Entry, str | None]]:
        """(token, entry, discovery URL) for as many pages as may be outstanding now, one host after another."""
        while self.waiting and len(self._out) < self.limit:
            for _ in range(len(self._ring)):
                host = self._ring[0]
                self._ring.rotate(-1)
                if self._out_per_host.get(host, 0) < self.per_host:
                    break
            else:
                return  # every host with pages waiting has its share outstanding
            q = self._waiting[host]
            entry, discovery_url = q.popleft()
            self.waiting -= 1
            if not q:
                del self._waiting[host]
                self._ring.pop()  # (the rotation just moved it to the end)
            token = self._next_token
            self._next_token += 1
            self._out[token] = host
            self._out_per_host[host] = self._out_per_host.get(host, 0) + 1
            self.most_outstanding = max(self.most_outstanding, len(self._out))
            yield token, entry, discovery_url

    def done(self, token: int | None) -> None:
        """The page of `token` has come back (response or failure) or was dropped; unknown tokens are ignored."""
        host = self._out.pop(token, None) if token is not None else None
        if host is None:
            return
        left = self._out_per_host[host] - 1
        if left:
            self._out_per_host[host] = left
        else:
            del self._out_per_host[host]

    def settle(self) -> None:
        """Nothing is in flight (the spider is idle): forget the outstanding count."""
        self._out.clear()
        self._out_per_host.clear()
