"""What the crawl did, per source and per discovery document: the numbers the CLI prints and the
database keeps."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime


@dataclass
class DocumentResult:
    """One discovery document (feed, sitemap, child sitemap, listing) fetched in this run."""

    source: str
    url: str
    kind: str
    status: int | None = None  # HTTP status; None when no answer came
    items: int = 0  # entries found (after date window and link filters)
    newest: datetime | None = None
    error: str | None = None
    parent: str | None = None  # the sitemap index a child sitemap came from

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass
class SourceReport:
    name: str
    discovered: int = 0
    new: int = 0
    seen: int = 0
    old: int = 0
    filtered: int = 0  # left out by the link filters
    deferred: int = 0  # over max_pages: fetched next run
    teasers: int = 0  # items built from feed metadata alone (paywalled outlets)
    retried: int = 0  # pages that failed on an earlier run, asked for again (crawler/page_failures.py)
    from_feed: int = 0  # failed pages given up on, their items kept from the feed entry
    fetched: int = 0
    not_modified: int = 0
    failed: int = 0
    extract_errors: int = 0  # pages fetched whose extraction raised or gave up; kept from the feed entry
    errors: list[str] = field(default_factory=list)
    discovery_ok: int = 0
    discovery_failed: int = 0
    newest: datetime | None = None
    documents: list[DocumentResult] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)
    finished: float = 0.0  # monotonic time of this source's last answer
    seconds: float = 0.0

    def touch(self) -> None:
        self.finished = time.monotonic()

    def saw_date(self, when: datetime | None) -> None:
        if when is not None and (self.newest is None or when > self.newest):
            self.newest = when

    @property
    def failures(self) -> int:
        """Failed article pages, failed extractions and failed discovery documents: the one failure count
        users are shown (the summary's "errors" column, `run --json`'s "failed")."""
        return self.failed + self.extract_errors + self.discovery_failed

    def counts(self, matches: int | None = None, max_errors: int | None = None) -> dict:
        """This source's numbers as plain JSON: `borderwatch run --json` prints them, the run record keeps them."""
        out = {
            "discovered": self.discovered,
            "new": self.new,
            "fetched": self.fetched,
            "seen": self.seen,
            "old": self.old,
            "not_modified": self.not_modified,
            "failed": self.failures,
            "extract_errors": self.extract_errors,
            "ok": self.ok,
            "errors": self.errors[:max_errors],
        }
        if matches is not None:
            out["matches"] = matches
        return out

    @property
    def pages_all_failed(self) -> bool:
        return self.failed > 0 and self.fetched == 0 and self.teasers == 0

    @property
    def ok(self) -> bool:
        """A source fails a run when a discovery document fails or every article page it tried failed."""
        return self.discovery_failed == 0 and not self.pages_all_failed

    @property
    def reason(self) -> str:
        if self.discovery_failed:
            return "; ".join(f"{d.url}: {d.error}" for d in self.documents if d.error) or "; ".join(
                self.errors
            )
        if self.pages_all_failed:
            return f"all {self.failed} article pages failed: " + "; ".join(self.errors[:3])
        return ""


@dataclass
class CrawlReport:
    sources: dict[str, SourceReport] = field(default_factory=dict)
    requests: int = 0
    bytes: int = 0
    seconds: float = 0.0
    finish_reason: str | None = None  # Scrapy's: "finished" when the crawl ran to its end
    stop_signal: int | None = None  # SIGTERM/SIGINT that Scrapy took and stopped the crawl for
    storage_error: str | None = None  # the first item that could not be stored stopped the crawl

    @property
    def finished(self) -> bool:
        """False when the crawl ended early (a signal, a storage failure, any Scrapy shutdown)."""
        return self.finish_reason == "finished" and self.storage_error is None

    def for_source(self, name: str) -> SourceReport:
        if name not in self.sources:
            self.sources[name] = SourceReport(name)
        return self.sources[name]

    def source_counts(self, matches: dict[str, int] | None = None, max_errors: int | None = None) -> dict:
        """{source: SourceReport.counts()} sorted by name; with `matches` (articles that fired, per source)
        each entry also says how many matched."""
        return {
            r.name: r.counts(None if matches is None else matches.get(r.name, 0), max_errors)
            for r in sorted(self.sources.values(), key=lambda x: x.name)
        }

    @property
    def nothing_reached(self) -> bool:
        """A total outage: discovery documents were asked for and not one answered (network or DNS down)."""
        docs = self.documents
        return bool(docs) and not any(d.ok for d in docs)

    @property
    def documents(self) -> list[DocumentResult]:
        return [d for r in self.sources.values() for d in r.documents]
