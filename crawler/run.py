"""Run one crawl of the configured sources in this process and record per-source health."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime

from scrapy.crawler import Crawler, CrawlerProcess

from borderwatch.config import SourcesConfig
from borderwatch.store import Store, utcnow
from borderwatch.store.crawl import SourceOutcome, record_source_health

from .history import CrawlHistory
from .report import CrawlReport
from .settings import scrapy_settings
from .spider import OutletSpider

log = logging.getLogger("borderwatch.crawl")


class _Process(CrawlerProcess):
    """Scrapy's CrawlerProcess, remembering which stop signal it took (the cycle stops on it; see
    borderwatch/stopping.py for why the signals are normally held back from Scrapy)."""

    stop_signal: int | None = None

    def _signal_shutdown(self, signum, frame) -> None:
        if self.stop_signal is None:
            self.stop_signal = int(signum)
        super()._signal_shutdown(signum, frame)


def run_crawl(
    cfg: SourcesConfig,
    store: Store,
    cutoff: datetime,
    log_level: str = "WARNING",
    on_tick: Callable[[CrawlReport], None] | None = None,
    mode: str = "run",
    only: set[str] | None = None,
    on_crawler: Callable[[Crawler], None] | None = None,
) -> CrawlReport:
    """Crawl every enabled source once. Never raises for a broken source: failures land in the report.

    mode "check" fetches the discovery documents only and writes nothing (see OutletSpider).
    `on_crawler` is called with Scrapy's Crawler before the crawl starts (a test watches its queues so).
    Scrapy's reactor cannot be restarted, so call this at most once per process (the scheduler runs each
    cycle in a fresh process).

    A crawl that did not run to its end (a signal Scrapy took, any other Scrapy shutdown, a storage failure)
    counts as interrupted: its sources' feed validators are dropped, so the next run re-reads those feeds in
    full and asks for every entry this one never reached (as after a kill -9, see cycle.recover_interrupted),
    and it says nothing about source health.
    """
    report = CrawlReport()
    sources = [s for s in cfg.sources if s.enabled and (only is None or s.name in only)]
    settings = scrapy_settings(cfg.resolved, log_level=log_level)
    root_level = logging.getLogger().level
    for name in ("scrapy", "twisted", "py.warnings"):
        logging.getLogger(name).setLevel(getattr(logging, log_level, logging.WARNING))
    quiet = getattr(logging, log_level, logging.WARNING)
    logging.disable(quiet - 10)  # Scrapy logs its banner at INFO/DEBUG while it sets up logging itself
    try:
        process = _Process(settings)  # LOG_INSTALL_ROOT_HANDLER is off in settings.py
    finally:
        logging.disable(logging.NOTSET)
    logging.getLogger().setLevel(root_level)  # Scrapy resets it; our CLI decides verbosity
    for name in ("scrapy", "twisted", "py.warnings"):
        logging.getLogger(name).setLevel(getattr(logging, log_level, logging.WARNING))
    started = time.monotonic()
    crawler = process.create_crawler(OutletSpider)
    history = CrawlHistory.load(store, sources, mode)  # batch reads, before the reactor runs
    process.crawl(
        crawler,
        sources=sources,
        store=store,
        report=report,
        cutoff=cutoff,
        mode=mode,
        known_sources=cfg.sources,
        history=history,
    )
    if on_crawler is not None:
        on_crawler(crawler)
    if on_tick is not None:  # live progress: the CLI redraws from the report twice a second
        from twisted.internet import task

        ticker = task.LoopingCall(on_tick, report)
        ticker.start(0.5, now=False)
    process.start()
    if on_tick is not None:
        on_tick(report)
    stats = crawler.stats.get_stats() if crawler.stats else {}
    report.requests = int(stats.get("downloader/request_count", 0))
    report.bytes = int(stats.get("downloader/response_bytes", 0))
    report.seconds = time.monotonic() - started
    report.finish_reason = stats.get("finish_reason")
    report.stop_signal = process.stop_signal
    for rep in report.sources.values():
        rep.seconds = max(0.0, (rep.finished or started) - started)
    if mode == "run":
        if report.finished:
            record_health(store, report, sources)
        else:
            forget_validators(store, [s.name for s in sources], report)
    return report


def forget_validators(store: Store, names: list[str], report: CrawlReport) -> None:
    # (after a storage failure the CLI's one line says it all; this is for the log)
    log.log(
        logging.INFO if report.storage_error else logging.WARNING,
        "the crawl did not finish (%s); its feeds are read in full on the next run so nothing is lost",
        "storage failure" if report.storage_error else report.finish_reason or "no finish reason",
    )
    try:
        store.forget_validators(names)
    except Exception:  # the database itself may be what failed (disk full): then the run row stays open
        log.log(
            logging.INFO if report.storage_error else logging.WARNING,
            "could not drop the feed validators now; the next run recovers the interrupted run",
        )


def record_health(store: Store, report: CrawlReport, sources) -> None:
    """Per source: last run, last success, consecutive failures and the reason, newest item seen.

    Rows are kept by name: a source removed from sources.yaml keeps its history, and picks it up again
    if it comes back.
    """
    outcomes = []
    for src in sources:
        rep = report.for_source(src.name)
        outcomes.append(
            SourceOutcome(src.name, rep.ok, rep.discovered, rep.newest, "" if rep.ok else rep.reason)
        )
    record_source_health(store, outcomes, utcnow())
