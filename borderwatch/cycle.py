"""The daily cycle: crawl -> extract -> store -> match -> deliver. Each stage also runs alone."""

from __future__ import annotations

import gc
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TextIO

from borderwatch.alerts.archive import ArchiveResult, maybe_update_archive
from borderwatch.alerts.delivery import Deliverer
from borderwatch.alerts.outbox import DeliveryOptions, DeliveryResult, deliver
from borderwatch.alerts.stage import RulesState, load_rules_or_last_good, match_new
from borderwatch.alerts.trends_delivery import TrendsOutcome, maybe_send_weekly_trends
from borderwatch.config import DEFAULTS, SourcesConfig
from borderwatch.crashpoint import crashpoint
from borderwatch.diskspace import StorageFailed
from borderwatch.lastgood import load_sources_or_last_good
from borderwatch.lock import RunBusy, run_lock
from borderwatch.memory import release_freed
from borderwatch.records import WarningLine
from borderwatch.retention import prune
from borderwatch.stopping import StopRequested, graceful_stop
from borderwatch.store import Store, utcnow
from borderwatch.store.articles import fired_by_source
from borderwatch.store.crawl import source_health
from borderwatch.store.runs import close_interrupted_runs, finish_run, start_run

log = logging.getLogger("borderwatch.cycle")
DEFAULT_BACKFILL_DAYS = DEFAULTS.crawl.backfill_days
DEFAULT_FAILURE_ALERT_AFTER = DEFAULTS.crawl.failure_alert_after
OUTAGE_WARNING = "no source could be reached — is the network up?"


@dataclass
class CycleResult:
    crawl: object | None = None
    matched_articles: int = 0
    fired: int = 0
    delivery: DeliveryResult | None = None
    trends: TrendsOutcome | None = None
    archive: ArchiveResult | None = None  # BORDERWATCH_ARCHIVE_DIR set: what the archive stage wrote
    warnings: list[str] = field(default_factory=list)
    busy: str | None = None  # another run held the lock: nothing was done
    stopped: str | None = None  # SIGTERM (SIGINT during the crawl): the step that was not started
    stopped_by: int | None = None  # the signal
    outage: bool = False  # not one discovery document answered: exit 5 and a warning line


def backfill_cutoff(cfg: SourcesConfig, now: datetime) -> datetime:
    return now - timedelta(days=cfg.resolved.crawl.backfill())


def crawl_stage(cfg: SourcesConfig, store: Store, now: datetime, log_level: str = "WARNING", on_tick=None):
    from borderwatch.crawler.run import run_crawl  # Scrapy imports are heavy; only load them to crawl

    return run_crawl(cfg, store, backfill_cutoff(cfg, now), log_level=log_level, on_tick=on_tick)


def match_stage(store: Store, config_dir: Path) -> tuple[RulesState, int, int]:
    state = load_rules_or_last_good(store, config_dir / "keywords.yaml")
    if state.ruleset is None:
        return state, 0, 0
    seen, fired = match_new(store, state.ruleset)
    return state, seen, fired


def health_warnings(store: Store, cfg: SourcesConfig) -> list[str]:
    """One short "Source health" line per enabled source that failed `failure_alert_after` runs in a row.

    Removed or disabled sources stay quiet (their history is kept, see crawler/run.py).
    """
    after = cfg.resolved.crawl.failure_alert_after
    names = [s.name for s in cfg.sources if s.enabled]
    rows = {r.name: r for r in source_health(store) if r.name in names}
    out = []
    for name in names:  # in sources.yaml order
        r = rows.get(name)
        if r is None or (r.consecutive_failures or 0) < after:
            continue
        since = r.last_success_at.strftime("%d %b %Y") if r.last_success_at else "never"
        out.append(
            WarningLine(
                f"Source health: {r.name} has failed {r.consecutive_failures} runs in a row "
                f"(last success: {since}) — {short_reason(r.last_error)}",
                key=f"source-health:{r.name}",
            )
        )
    return out


def short_reason(error: str | None, limit: int = 140) -> str:
    """The first recorded failure, e.g. 'https://x.example/feed/: HTTP 500', clipped for one digest line."""
    first = (error or "unknown error").split("; ", 1)[0].strip()
    return first if len(first) <= limit else first[: limit - 1] + "…"


def run_cycle(
    config_dir: Path,
    store: Store,
    deliverer: Deliverer,
    log_level: str = "WARNING",
    out: TextIO | None = None,
    on_tick=None,
) -> CycleResult:
    """One cycle under the run lock; SIGTERM stops it between steps (see borderwatch/stopping.py)."""
    res = CycleResult()
    # What exists now (the imported modules, the config, the store) lives through the cycle: keep it out of
    # every garbage collection the cycle makes (release_freed's, and the collector's own during the crawl).
    gc.freeze()
    try:
        with run_lock(store), graceful_stop() as stop:
            _cycle(config_dir, store, deliverer, log_level, res, stop, on_tick)
    except RunBusy as exc:
        res.busy = str(exc)
    finally:
        gc.unfreeze()
    return res


def recover_interrupted(store: Store, now) -> int:
    """Close the records of runs that died (kill -9, power cut) and make the next crawl re-read every feed.

    Called under the run lock, so an unfinished run row can only be a dead run. A crawl killed midway may
    have stored a feed's ETag/Last-Modified before all of that feed's new entries were fetched; answering
    the next request with 304 would hide those entries for good. Dropping the validators once costs one full
    feed download per source; entries already stored are still skipped by URL.
    """
    dead = close_interrupted_runs(store, now)
    if dead:
        store.forget_validators()
        log.warning(
            "the previous run was interrupted; re-reading every feed in full so nothing it missed is lost"
        )
    return dead


def _cycle(
    config_dir: Path, store: Store, deliverer: Deliverer, log_level: str, res: CycleResult, stop, on_tick=None
):
    now = utcnow()
    sources_state = load_sources_or_last_good(store, config_dir / "sources.yaml")
    cfg = sources_state.cfg
    res.warnings = list(sources_state.warnings)  # said even when a stop ends the run before the digest
    recover_interrupted(store, now)
    run_id = start_run(store, now)
    pruned = None
    try:
        stop.check("crawl")  # a SIGTERM during start-up, or while the config was read: nothing started yet
        with stop.deferred():
            res.crawl = crawl_stage(cfg, store, now, log_level, on_tick)
        if res.crawl.storage_error:  # the run row stays open: the next run recovers it as interrupted
            raise StorageFailed(
                f"{res.crawl.storage_error}; the crawl stopped at the first article it could not store. "
                "Nothing is lost: free some space and the next run fetches the rest"
            )
        if res.crawl.stop_signal is not None:  # Scrapy took it: the crawl ended early (crawler/run.py)
            stop.note(res.crawl.stop_signal)
        crashpoint("after_crawl")
        release_freed()  # each stage peaks on its own (borderwatch/memory.py): start matching from the floor
        stop.check("matching")
        state, res.matched_articles, res.fired = match_stage(store, config_dir)
        release_freed()
        stop.check("delivery")
        res.outage = res.crawl.nothing_reached
        res.warnings = (
            ([WarningLine(OUTAGE_WARNING, key="total-outage")] if res.outage else [])
            + sources_state.warnings
            + state.warnings
            + health_warnings(store, cfg)
        )
        options = DeliveryOptions.from_settings(cfg.resolved)
        res.delivery = deliver(store, deliverer, state.ruleset, res.warnings, now, options=options, stop=stop)
        res.archive = maybe_update_archive(store, state.ruleset, options)
        res.trends = maybe_send_weekly_trends(store, deliverer, state.ruleset, now, cfg.resolved)
        pruned = prune(store, cfg.resolved.retention_days, now)
    except StopRequested as exc:
        res.stopped, res.stopped_by = exc.step, exc.signum
    status = "stopped" if res.stopped else ("delivery_failed" if res.delivery.error else "ok")
    finish_run(
        store,
        run_id,
        status,
        {
            "sources": res.crawl.source_counts(max_errors=5) if res.crawl else {},
            "requests": res.crawl.requests if res.crawl else 0,
            "outage": res.outage,
            "matched": res.matched_articles,
            "fired": res.fired,
            "digest_items": res.delivery.items if res.delivery else 0,
            "trends": res.trends.status if res.trends else None,
            "texts_pruned": pruned.texts_pruned if pruned else 0,
        },
    )
    log.info(
        "run finished",
        extra={
            "event": "run.finished",
            "run_id": run_id,
            "status": status,
            "matched": res.matched_articles,
            "fired": res.fired,
            "digest_items": res.delivery.items if res.delivery else 0,
            "warnings": len(res.warnings),
        },
    )
    return res


def matches_by_source(store: Store, since: datetime) -> dict[str, int]:
    """Articles per source that fired at least one rule since `since` (for the run summary)."""
    return fired_by_source(store, since)
