"""The one Settings object (borderwatch/config.py): defaults, environment overrides, bounds, secrets."""

from __future__ import annotations

from dataclasses import FrozenInstanceError

import pytest

from borderwatch.config import DEFAULTS, build_settings, parse_sources

SOURCES = {"sources": [{"name": "X", "feeds": ["https://x.example/feed"]}]}


def test_every_default_lives_in_the_settings_and_the_old_constants_are_its_aliases():
    from borderwatch import cycle, retention, schedule
    from borderwatch.alerts import dedup, outbox, trends_delivery
    from borderwatch.crawler import plan
    from borderwatch.crawler import settings as crawl_settings

    assert build_settings({}, env={}) == DEFAULTS
    assert (plan.DEFAULT_MAX_ITEMS, plan.DEFAULT_MAX_PAGES) == (
        DEFAULTS.crawl.max_items,
        DEFAULTS.crawl.max_pages,
    )
    assert crawl_settings.DEFAULT_TIMEOUT == DEFAULTS.crawl.download_timeout == 20
    assert cycle.DEFAULT_BACKFILL_DAYS == DEFAULTS.crawl.backfill_days == 7
    assert schedule.DEFAULT_TIME == DEFAULTS.schedule.schedule == "07:00"
    assert outbox.DEFAULT_DUP_WINDOW_DAYS == DEFAULTS.delivery.duplicate_window_days
    assert dedup.DEFAULT_THRESHOLD == DEFAULTS.delivery.duplicate_threshold
    assert trends_delivery.DEFAULT_TRENDS_DAY == DEFAULTS.delivery.trends_day
    assert retention.DEFAULT_RETENTION_DAYS == DEFAULTS.retention_days == 90


def test_sources_yaml_settings_and_the_environment_are_built_into_one_frozen_object():
    cfg = parse_sources(
        {**SOURCES, "settings": {"timezone": "UTC", "backfill_days": 3, "extract_workers": 0}}
    )
    env = {
        "BORDERWATCH_TZ": "America/Phoenix",
        "BORDERWATCH_BACKFILL_DAYS": "30",
        "BORDERWATCH_SCHEDULE": " 06:15 ",
        "BORDERWATCH_TRENDS_DAY": "friday",
        "BORDERWATCH_EXTRACT_INLINE": "0",
        "BORDERWATCH_ARCHIVE_DIR": " /srv/archive ",
    }
    s = build_settings(cfg.settings, env)
    assert s.delivery.timezone == "America/Phoenix"  # the environment wins
    assert s.crawl.backfill_days == 3 and s.crawl.backfill() == 30
    assert (
        s.schedule.schedule == "06:15"
        and s.delivery.trends_day == "friday"
        and s.delivery.trends_day_from_env
    )
    assert s.crawl.extract_workers == 0 and s.crawl.extract_inline == 0
    assert s.delivery.archive_dir == "/srv/archive"
    assert build_settings(s) is s
    with pytest.raises(FrozenInstanceError):
        s.crawl.backfill_days = 1  # type: ignore[misc]
    assert cfg.resolved is cfg.resolved  # built once per loaded config


def test_politeness_bounds_hold_for_a_mapping_that_skipped_the_checks():
    s = build_settings({"download_timeout": 999, "concurrency_per_domain": 9, "retry_backoff": -1}, env={})
    assert (s.crawl.download_timeout, s.crawl.concurrency_per_domain, s.crawl.retry_backoff) == (30, 2, 0)


def test_apprise_urls_are_read_once_each_and_never_shown_in_the_repr():
    secret = "tgram://123456:SECRET-token/42"
    s = build_settings({}, env={"BORDERWATCH_NOTIFY": f"{secret}, mailto://u:pw@x.example {secret}"})
    assert s.delivery.notify == (secret, "mailto://u:pw@x.example")
    assert "SECRET" not in repr(s) and "pw@" not in repr(s)
