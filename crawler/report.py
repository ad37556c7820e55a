"""What the crawl did, per source: the numbers the CLI prints and the database keeps."""

from __future__ import annotations

import time
from dataclasses import dataclass, field


@dataclass
class SourceReport:
    name: str
    discovered: int = 0
    new: int = 0
    seen: int = 0
    old: int = 0
    fetched: int = 0
    not_modified: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)
    discovery_ok: int = 0
    discovery_failed: int = 0
    started: float = field(default_factory=time.monotonic)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.discovery_failed == 0


@dataclass
class CrawlReport:
    sources: dict[str, SourceReport] = field(default_factory=dict)
    requests: int = 0
    bytes: int = 0

    def for_source(self, name: str) -> SourceReport:
        if name not in self.sources:
            self.sources[name] = SourceReport(name)
        return self.sources[name]
