"""What a person sees while `borderwatch run` works: a live table on a terminal, plain lines otherwise,
and a closing summary table per source."""

from __future__ import annotations

import sys
import time
from typing import TextIO

from rich.console import Console
from rich.live import Live
from rich.table import Table


def _counts(r) -> tuple:
    return (r.discovered, r.new, r.seen, r.old, r.fetched, r.failed, r.discovery_failed)


class Progress:
    """Fed the crawl report every half second by the crawler (`on_tick`)."""

    def __init__(self, stream: TextIO | None = None, enabled: bool = True):
        self.stream = stream or sys.stderr
        self.enabled = enabled
        self.tty = self.stream.isatty()
        self.console = Console(file=self.stream, highlight=False, width=None if self.tty else 120)
        self._last: dict[str, tuple] = {}
        self._first_seen: dict[str, float] = {}
        self._last_change: dict[str, float] = {}
        self._live: Live | None = None
        self.started = time.monotonic()

    def _table(self, report) -> Table:
        t = Table(title="crawling", title_justify="left", box=None, pad_edge=False)
        for col in ("source", "discovered", "fetched", "skipped (seen)", "old", "failed"):
            t.add_column(col, justify="left" if col == "source" else "right")
        for r in sorted(report.sources.values(), key=lambda x: x.name):
            t.add_row(
                r.name,
                str(r.discovered),
                str(r.fetched),
                str(r.seen),
                str(r.old),
                str(r.failures),
            )
        return t

    def tick(self, report) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        for r in report.sources.values():
            c = _counts(r)
            self._first_seen.setdefault(r.name, now)
            if self._last.get(r.name) != c:
                self._last_change[r.name] = now
        if self.tty:
            if self._live is None:
                self._live = Live(
                    self._table(report), console=self.console, refresh_per_second=4, transient=True
                )
                self._live.start()
            else:
                self._live.update(self._table(report))
            for r in report.sources.values():
                self._last[r.name] = _counts(r)
            return
        for r in sorted(report.sources.values(), key=lambda x: x.name):
            c = _counts(r)
            if self._last.get(r.name) != c and (
                r.discovered or r.failed or r.discovery_failed or r.not_modified
            ):
                self._last[r.name] = c
                self.stream.write(
                    f"[{r.name}] discovered {r.discovered}, fetched {r.fetched}, skipped as seen {r.seen}, "
                    f"old {r.old}, failed {r.failures}\n"
                )
        self.stream.flush()

    def seconds(self, name: str) -> float:
        start = self._first_seen.get(name, self.started)
        return max(0.0, self._last_change.get(name, start) - self.started)

    def close(self) -> None:
        if self._live is not None:
            self._live.stop()
            self._live = None

    def summary(self, report, matches_by_source: dict[str, int]) -> None:
        """The closing table: per source new articles, matches, errors, time."""
        self.close()
        t = Table(title="borderwatch run", title_justify="left")
        for col in ("source", "new articles", "matches", "seen", "old", "errors", "time", "status"):
            t.add_column(col, justify="left" if col in ("source", "status") else "right")
        for r in sorted(report.sources.values(), key=lambda x: x.name):
            errors = r.failures
            if not r.ok:
                status = "FAILED: " + "; ".join(r.errors[:2])
            elif r.failed:
                status = f"ok, {r.failed} page(s) failed"
            elif r.extract_errors:
                status = f"ok, {r.extract_errors} extraction(s) failed (kept from the feed)"
            elif r.not_modified and not r.discovered:
                status = "ok (not modified)"
            else:
                status = "ok"
            t.add_row(
                r.name,
                str(r.fetched),
                str(matches_by_source.get(r.name, 0)),
                str(r.seen),
                str(r.old),
                str(errors),
                f"{self.seconds(r.name):.1f}s",
                status,
            )
        self.console.print(t)
        self.console.print(f"{report.requests} requests, {report.bytes / 1024:.0f} KiB downloaded")
