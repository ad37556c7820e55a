"""The daily cycle: crawl -> extract -> store -> match -> deliver. Each stage also runs alone."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TextIO

from borderwatch.alerts.delivery import Deliverer
from borderwatch.alerts.outbox import DeliveryResult, deliver
from borderwatch.alerts.stage import RulesState, load_rules_or_last_good, match_new
from borderwatch.config import SourcesConfig
from borderwatch.lastgood import load_sources_or_last_good
from borderwatch.retention import prune, retention_days
from borderwatch.store import RunRow, SourceRow, Store, utcnow

log = logging.getLogger("borderwatch.cycle")
DEFAULT_BACKFILL_DAYS = 7
DEFAULT_FAILURE_ALERT_AFTER = 3


@dataclass
class CycleResult:
    crawl: object | None = None
    matched_articles: int = 0
    fired: int = 0
    delivery: DeliveryResult | None = None
    warnings: list[str] = field(default_factory=list)


def backfill_cutoff(cfg: SourcesConfig, now: datetime) -> datetime:
    days = int(
        os.environ.get("BORDERWATCH_BACKFILL_DAYS")
        or cfg.settings.get("backfill_days", DEFAULT_BACKFILL_DAYS)
    )
    return now - timedelta(days=days)


def crawl_stage(cfg: SourcesConfig, store: Store, now: datetime, log_level: str = "WARNING"):
    from borderwatch.crawler.run import run_crawl  # Scrapy imports are heavy; only load them to crawl

    return run_crawl(cfg, store, backfill_cutoff(cfg, now), log_level=log_level)


def match_stage(store: Store, config_dir: Path) -> tuple[RulesState, int, int]:
    state = load_rules_or_last_good(store, config_dir / "keywords.yaml")
    if state.ruleset is None:
        return state, 0, 0
    seen, fired = match_new(store, state.ruleset)
    return state, seen, fired


def health_warnings(store: Store, cfg: SourcesConfig) -> list[str]:
    after = int(cfg.settings.get("failure_alert_after", DEFAULT_FAILURE_ALERT_AFTER))
    names = {s.name for s in cfg.sources if s.enabled}
    with store.session() as s:
        rows = [
            r for r in s.query(SourceRow).all() if r.name in names and (r.consecutive_failures or 0) >= after
        ]
    return [
        f"Source health: {r.name} has failed {r.consecutive_failures} runs in a row ({(r.last_error or '')[:200]})"
        for r in rows
    ]


def run_cycle(
    config_dir: Path,
    store: Store,
    deliverer: Deliverer,
    log_level: str = "WARNING",
    out: TextIO | None = None,
) -> CycleResult:
    now = utcnow()
    sources_state = load_sources_or_last_good(store, config_dir / "sources.yaml")
    cfg = sources_state.cfg
    res = CycleResult()
    with store.session() as s:
        run = RunRow(started_at=now)
        s.add(run)
        s.flush()
        run_id = run.id
    res.crawl = crawl_stage(cfg, store, now, log_level)
    state, res.matched_articles, res.fired = match_stage(store, config_dir)
    res.warnings = sources_state.warnings + state.warnings + health_warnings(store, cfg)
    res.delivery = deliver(store, deliverer, state.ruleset, res.warnings, now)
    pruned = prune(store, retention_days(cfg.settings), now)
    with store.session() as s:
        run = s.get(RunRow, run_id)
        run.finished_at = utcnow()
        run.status = "delivery_failed" if res.delivery.error else "ok"
        run.stats = {
            "sources": {
                n: {"new": r.new, "fetched": r.fetched, "failed": r.failed, "errors": r.errors[:5]}
                for n, r in res.crawl.sources.items()
            },
            "requests": res.crawl.requests,
            "matched": res.matched_articles,
            "fired": res.fired,
            "digest_items": res.delivery.items,
            "texts_pruned": pruned.texts_pruned,
        }
    log.info(
        "run finished",
        extra={
            "event": "run.finished",
            "run_id": run_id,
            "status": "delivery_failed" if res.delivery.error else "ok",
            "matched": res.matched_articles,
            "fired": res.fired,
            "digest_items": res.delivery.items,
            "warnings": len(res.warnings),
        },
    )
    return res
