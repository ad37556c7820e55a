"""What the crawl needs to know from earlier runs, read in batches before it starts.

The spider never opens a database session: it reads the conditional-GET validators, the pages to retry and
the GDELT query windows from here (a few batch queries before the reactor starts), and asks `seen` once per
discovery document for all of its entries. What the crawl learns goes back as items (StorePipeline writes).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from borderwatch.records import Source
from borderwatch.store import PageFailure, Store
from borderwatch.store import crawl as crawl_state


@dataclass
class CrawlHistory:
    store: Store | None = None
    validators: dict[str, crawl_state.Validators] = field(default_factory=dict)
    retries: list[PageFailure] = field(default_factory=list)
    gdelt_windows: dict[str, datetime | None] = field(default_factory=dict)  # query state key -> last end

    @classmethod
    def load(cls, store: Store, sources: list[Source], mode: str = "run") -> CrawlHistory:
        """Start-up batch reads. A check ("check" mode) writes nothing, so it asks for no retries either."""
        from .plan import plan_for

        names = [s.name for s in sources]
        keys = [q.state_key() for s in sources for kind, _, q in plan_for(s).discovery if kind == "gdelt"]
        return cls(
            store=store,
            validators=crawl_state.validators(store, names),
            retries=[] if mode == "check" else crawl_state.retryable_page_failures(store, names),
            gdelt_windows={k: store.gdelt_window_end(k) for k in keys},
        )

    def seen(self, urls: Iterable[str], guids: Iterable[str | None]) -> tuple[set[str], set[str]]:
        """(canonical URLs, GUIDs) among these that earlier runs stored: one batch lookup."""
        if self.store is None:
            return set(), set()
        return crawl_state.seen(self.store, urls, guids)
