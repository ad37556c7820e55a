"""sources.yaml -> Source records + the one Settings object, with file:line:col errors.

`settings:` in sources.yaml is checked here (SETTINGS_KEYS, SETTINGS_RANGES) and, with every default and every
environment override of those settings, becomes one frozen Settings (build_settings; SourcesConfig.resolved).
The stages read that object; nothing else reads the raw mapping or those environment variables.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from borderwatch.crawler.outlets.base import EXTRACT_FLAG_KEYS, EXTRACT_KEYS
from borderwatch.records import Source
from borderwatch.yamlload import Checker, ConfigError, load_yaml

SOURCE_KEYS = {
    "name",
    "feeds",
    "sitemaps",
    "listings",
    "gdelt",
    "language",
    "enabled",
    "notes",
    "max_items",
    "max_pages",
    "paywalled",
    "fetch_pages",
    "outlet",
    "include",
    "exclude",
    "extract",
}
LISTING_KEYS = {"url", "links", "follow"}
GDELT_KEYS = {"query", "sourcecountry", "sourcelang"}
SETTINGS_KEYS = {
    "backfill_days": int,
    "user_agent": str,
    "contact": str,
    "download_timeout": (int, float),
    "download_delay": (int, float),
    "autothrottle_start_delay": (int, float),
    "autothrottle_max_delay": (int, float),
    "max_page_bytes": int,
    "concurrency_per_domain": int,
    "retry_backoff": (int, float),
    "max_redirects": int,
    "retention_days": int,
    "failure_alert_after": int,
    "extract_workers": int,
    "gdelt_interval": (
        int,
        float,
    ),  # seconds between GDELT API requests (never under 5.5 against the real API)
    "translate": (
        dict,
        str,
        bool,
    ),  # optional digest translation (alerts/translate.py): {backend, url?, timeout?}
    # intranet deployments: fetch internal addresses, all (true) or these networks (crawler/addresses.py)
    "allow_internal_addresses": (bool, list),
    "trends_day": str,  # weekday the trends chart goes out (alerts/trends_delivery.py), or "off"
    # delivery and schedule (alerts/outbox.py, borderwatch/schedule.py)
    "schedule": str,
    "timezone": str,
    "digest_title": str,
    "duplicate_threshold": (int, float),
    "duplicate_window_days": int,
    "misfire_grace_minutes": int,
    "delivery_retry_minutes": (int, float),
    "delivery_retries": int,
}
# (low, high) inclusive bounds: politeness limits an operator cannot configure away.
SETTINGS_RANGES = {
    "backfill_days": (0, 36500),
    "download_timeout": (0.1, 30),  # one silent server holds a run ~a minute at most (2 attempts)
    "download_delay": (0, 60),
    "autothrottle_start_delay": (0, 60),
    "autothrottle_max_delay": (0, 120),
    "max_page_bytes": (1024, 50 * 1024 * 1024),
    "concurrency_per_domain": (1, 2),
    "retry_backoff": (0, 30),
    "max_redirects": (0, 10),
    "retention_days": (1, 36500),
    "failure_alert_after": (1, 1000),
    "gdelt_interval": (0, 600),
}
LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z]{2,4})?$")


@dataclass
class SourcesConfig:
    sources: list[Source]
    settings: dict[str, Any] = field(default_factory=dict)  # `settings:` as checked: only what was written
    path: str = ""

    @cached_property
    def resolved(self) -> Settings:
        """The settings with every default and environment override: built once, on first use."""
        return build_settings(self.settings)


def _trends_day_ok(value: str) -> bool:
    from borderwatch.alerts.trends_delivery import parse_trends_day

    try:
        parse_trends_day(value)
    except ValueError:
        return False
    return True


def _types(spec) -> tuple:
    return spec if isinstance(spec, tuple) else (spec,)


def _networks_error(value) -> str | None:
    from borderwatch.crawler.addresses import parse_allowance

    try:
        parse_allowance(value)
    except ValueError as exc:
        return str(exc)
    return None


def _url_list(c: Checker, node: Any, key: str, label: str) -> tuple[str, ...]:
    value = node.get(key)
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        c.add(node, key, f"{label}: '{key}' must be a list of URLs")
        return ()
    out = []
    for i, u in enumerate(value):
        if not isinstance(u, str) or not u.startswith(("http://", "https://")):
            c.add(value, i, f"{label}: '{key}' entry must be an http(s) URL, got {u!r}")
            continue
        out.append(u)
    return tuple(out)


def parse_sources(data: Any, path: Path | str = "<sources.yaml>") -> SourcesConfig:
    c = Checker(path)
    if not isinstance(data, dict) or not isinstance(data.get("sources"), list):
        c.add(
            data, "sources" if isinstance(data, dict) else None, "expected a mapping with a 'sources:' list"
        )
        c.raise_if_any()
    for key in data:
        if key not in ("sources", "settings"):
            c.add(data, key, f"unknown top-level key '{key}' (allowed: sources, settings)")
    settings: dict[str, Any] = {}
    raw_settings = data.get("settings") or {}
    if not isinstance(raw_settings, dict):
        c.add(data, "settings", "'settings' must be a mapping")
        raw_settings = {}
    for key, value in raw_settings.items():
        if key == "translate":
            from borderwatch.alerts.translate import check_settings

            problem = check_settings(value)
            if problem:
                c.add(raw_settings, key, problem)
            elif isinstance(value, dict):
                settings[key] = dict(value)
            continue
        if key not in SETTINGS_KEYS:
            c.add(raw_settings, key, f"unknown setting '{key}' (allowed: {', '.join(sorted(SETTINGS_KEYS))})")
        elif not isinstance(value, SETTINGS_KEYS[key]) or (
            isinstance(value, bool) and bool not in _types(SETTINGS_KEYS[key])
        ):
            c.add(raw_settings, key, f"setting '{key}' has the wrong type ({type(value).__name__})")
        elif key == "trends_day" and not _trends_day_ok(value):
            c.add(
                raw_settings,
                key,
                f"setting 'trends_day' must be a weekday (monday ... sunday) or 'off', got {value!r}",
            )
        elif key in SETTINGS_RANGES and not (SETTINGS_RANGES[key][0] <= value <= SETTINGS_RANGES[key][1]):
            lo, hi = SETTINGS_RANGES[key]
            c.add(raw_settings, key, f"setting '{key}' must be between {lo} and {hi}, got {value}")
        elif key == "allow_internal_addresses" and _networks_error(value):
            c.add(
                raw_settings,
                key,
                f"setting '{key}' must be true, false or a list of networks: {_networks_error(value)}",
            )
        elif key in ("user_agent", "contact") and not re.search(r"https?://|@", value):
            c.add(raw_settings, key, f"setting '{key}' must name a contact URL or e-mail address")
        else:
            settings[key] = value
    sources: list[Source] = []
    names: set[str] = set()
    for i, node in enumerate(data["sources"]):
        if not isinstance(node, dict):
            c.add(data["sources"], i, f"source #{i + 1} must be a mapping with at least 'name' and 'feeds'")
            continue
        name = node.get("name")
        label = f"source '{name}'" if isinstance(name, str) else f"source #{i + 1}"
        if not isinstance(name, str) or not name.strip():
            c.add(node, "name" if "name" in node else None, f"{label}: 'name' is required")
            continue
        if name in names:
            c.add(node, "name", f"{label}: duplicate source name")
            continue
        names.add(name)
        for key in node:
            if key not in SOURCE_KEYS:
                c.add(node, key, f"{label}: unknown key '{key}' (allowed: {', '.join(sorted(SOURCE_KEYS))})")
        feeds = _url_list(c, node, "feeds", label)
        sitemaps = _url_list(c, node, "sitemaps", label)
        listings = []
        raw_listings = node.get("listings") or []
        if not isinstance(raw_listings, list):
            c.add(node, "listings", f"{label}: 'listings' must be a list of {{url, links}}")
            raw_listings = []
        for j, lst in enumerate(raw_listings):
            if not isinstance(lst, dict) or not isinstance(lst.get("url"), str):
                c.add(
                    raw_listings,
                    j,
                    f"{label}: a listing needs 'url' (and 'links': a CSS selector for article links)",
                )
                continue
            extra = set(lst) - LISTING_KEYS
            if extra:
                c.add(lst, sorted(extra)[0], f"{label}: unknown listing key '{sorted(extra)[0]}'")
            if not lst["url"].startswith(("http://", "https://")):
                c.add(lst, "url", f"{label}: listing 'url' must be an http(s) URL, got {lst['url']!r}")
                continue
            _check_selector(c, lst, label, lst.get("links", "a[href]"))
            listings.append(
                {"url": lst["url"], "links": lst.get("links", "a[href]"), "follow": lst.get("follow")}
            )
        gdelt = _gdelt_queries(c, node, label)
        enabled = node.get("enabled", True)
        if not isinstance(enabled, bool):
            c.add(node, "enabled", f"{label}: 'enabled' must be true or false")
        if not (feeds or sitemaps or listings or gdelt) and enabled:
            c.add(node, None, f"{label}: give at least one of 'feeds', 'sitemaps', 'listings' or 'gdelt'")
            continue
        options = _source_options(c, node, label)
        language = node.get("language", "en")
        if not isinstance(language, str) or not LANGUAGE.match(language):
            c.add(node, "language", f"{label}: 'language' must be a language code like en or es")
            language = "en"
        sources.append(
            Source(
                name=name.strip(),
                feeds=feeds,
                sitemaps=sitemaps,
                listings=tuple(listings),
                gdelt=gdelt,
                language=language,
                enabled=bool(enabled),
                options=options,
            )
        )
    c.raise_if_any()
    return SourcesConfig(sources=sources, settings=settings, path=str(path))


def _gdelt_queries(c: Checker, node: Any, label: str) -> tuple[dict, ...]:
    """`gdelt:` a list of {query, sourcecountry?, sourcelang?} (GDELT DOC 2.0; crawler/gdelt.py)."""
    raw = node.get("gdelt")
    if raw is None:
        return ()
    if not isinstance(raw, list) or not raw:
        c.add(node, "gdelt", f"{label}: 'gdelt' must be a list of {{query, sourcecountry?, sourcelang?}}")
        return ()
    out = []
    for j, q in enumerate(raw):
        if not isinstance(q, dict) or not isinstance(q.get("query"), str) or not q["query"].strip():
            c.add(raw, j, f"{label}: a gdelt entry needs 'query' (GDELT search terms)")
            continue
        extra = sorted(set(q) - GDELT_KEYS)
        if extra:
            c.add(
                q,
                extra[0],
                f"{label}: unknown gdelt key '{extra[0]}' (allowed: {', '.join(sorted(GDELT_KEYS))})",
            )
            continue
        entry = {"query": " ".join(q["query"].split())}
        country = q.get("sourcecountry")
        if country is not None:
            if not isinstance(country, str) or not re.fullmatch(r"[A-Za-z]{2}", country):
                c.add(
                    q, "sourcecountry", f"{label}: gdelt 'sourcecountry' must be a 2-letter FIPS code like MX"
                )
                continue
            entry["sourcecountry"] = country.upper()
        lang = q.get("sourcelang")
        if lang is not None:
            if not isinstance(lang, str) or not re.fullmatch(r"[A-Za-z]{2,20}", lang):
                c.add(q, "sourcelang", f"{label}: gdelt 'sourcelang' must be a language name like spanish")
                continue
            entry["sourcelang"] = lang.lower()
        out.append(entry)
    return tuple(out)


def _check_selector(c: Checker, node: Any, label: str, selector: Any) -> None:
    if not isinstance(selector, str) or not selector.strip():
        c.add(node, "links", f"{label}: 'links' must be a CSS selector (or an XPath starting with /)")
        return
    from parsel import Selector
    from parsel.csstranslator import HTMLTranslator

    try:
        if selector.startswith("/"):
            Selector(text="<html></html>").xpath(selector)
        else:
            HTMLTranslator().css_to_xpath(selector)
    except Exception as exc:  # cssselect / lxml raise several unrelated types for a bad selector
        c.add(node, "links", f"{label}: bad selector {selector!r}: {exc}")


def _int_option(c: Checker, node: Any, key: str, label: str, lo: int, hi: int) -> int | None:
    if key not in node:
        return None
    value = node[key]
    if not isinstance(value, int) or isinstance(value, bool) or not lo <= value <= hi:
        c.add(node, key, f"{label}: '{key}' must be a whole number from {lo} to {hi}")
        return None
    return value


def _valid_regex(pattern: str) -> bool:
    try:
        re.compile(pattern)
    except re.error:
        return False
    return True


def _patterns(c: Checker, node: Any, key: str, label: str) -> tuple[str, ...]:
    value = node.get(key)
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        c.add(node, key, f"{label}: '{key}' must be a list of regular expressions matched against URLs")
        return ()
    out = []
    for i, pat in enumerate(value):
        try:
            re.compile(pat)
        except (re.error, TypeError) as exc:
            c.add(value, i, f"{label}: '{key}' entry {pat!r} is not a valid regular expression: {exc}")
            continue
        out.append(pat)
    return tuple(out)


def _source_options(c: Checker, node: Any, label: str) -> dict[str, Any]:
    """Per-source knobs beyond the discovery URLs, merged later with the outlet profile."""
    from borderwatch.crawler import outlets

    opts: dict[str, Any] = {}
    if "notes" in node:
        opts["notes"] = node["notes"]
    slug = node.get("outlet")
    if slug is not None:
        if outlets.get(slug) is None:
            known = ", ".join(sorted(outlets.REGISTRY))
            c.add(node, "outlet", f"{label}: unknown outlet '{slug}' (known: {known})")
        else:
            opts["outlet"] = slug
    for key, lo, hi in (("max_items", 1, 10000), ("max_pages", 0, 10000)):
        value = _int_option(c, node, key, label, lo, hi)
        if value is not None:
            opts[key] = value
    for key in ("include", "exclude"):
        pats = _patterns(c, node, key, label)
        if pats:
            opts[key] = pats
    for key in ("fetch_pages", "paywalled"):
        if key in node and not isinstance(node[key], bool):
            c.add(node, key, f"{label}: '{key}' must be true or false")
    if "fetch_pages" in node and isinstance(node["fetch_pages"], bool):
        opts["fetch_pages"] = node["fetch_pages"]
    elif node.get("paywalled") is True:
        opts["fetch_pages"] = False  # older spelling: paywalled pages are never fetched
    raw = node.get("extract")
    if raw is not None:
        if not isinstance(raw, dict):
            c.add(
                node, "extract", f"{label}: 'extract' must be a mapping ({', '.join(sorted(EXTRACT_KEYS))})"
            )
        else:
            fixes: dict[str, Any] = {}
            for key, value in raw.items():
                if key not in EXTRACT_KEYS:
                    c.add(
                        raw,
                        key,
                        f"{label}: unknown extract key '{key}' (allowed: {', '.join(sorted(EXTRACT_KEYS))})",
                    )
                elif key in EXTRACT_FLAG_KEYS:
                    if not isinstance(value, bool):
                        c.add(raw, key, f"{label}: extract '{key}' must be true or false")
                    else:
                        fixes[key] = value
                else:
                    items = [value] if isinstance(value, str) else value
                    if not isinstance(items, list) or not all(isinstance(x, str) for x in items):
                        c.add(raw, key, f"{label}: extract '{key}' must be a list of strings")
                        continue
                    if key in ("drop", "unwrap"):
                        for sel in items:
                            _check_selector(c, raw, label, sel)
                    if key == "drop_lines":
                        bad = [p for p in items if not _valid_regex(p)]
                        if bad:
                            c.add(
                                raw,
                                key,
                                f"{label}: extract drop_lines {bad[0]!r} is not a valid regular expression",
                            )
                            continue
                    fixes[key] = tuple(items)
            opts["extract"] = fixes
    return opts


def load_sources(path: Path | str) -> SourcesConfig:
    return parse_sources(load_yaml(Path(path)), path)


class SettingError(ConfigError):
    """A bad schedule or timezone value (from the environment or sources.yaml settings): no file position."""

    def __init__(self, message: str):
        self.problems = []
        Exception.__init__(self, message)


# -- the settings object ------------------------------------------------------------------------------------
# Every default and every environment override of a setting, in one place. sources.yaml `settings:` is
# checked above (SETTINGS_KEYS, SETTINGS_RANGES); build_settings() turns that mapping plus the environment
# into one frozen Settings. Values whose parsing can fail (the timezone, the trends day, the schedule, the
# backfill variable) keep their text here and are resolved by the step that uses them, so a bad value fails
# that step with the same message as before, not every command that reads the settings.
# Connection details and secrets stay with their client: BORDERWATCH_DB / _DB_TIMEOUT (store.py), SLACK_*
# (alerts/delivery.py, per destination at send time), DEEPL_AUTH_KEY / LIBRETRANSLATE_API_KEY
# (alerts/translate.py), BORDERWATCH_GDELT_URL (a test endpoint, crawler/gdelt.py), and the process knobs
# BORDERWATCH_LOG_FORMAT, BORDERWATCH_CACHE_DIR, BORDERWATCH_CRASH_AT.

BACKFILL_DAYS_ENV = "BORDERWATCH_BACKFILL_DAYS"
TZ_ENV = "BORDERWATCH_TZ"
SCHEDULE_ENV = "BORDERWATCH_SCHEDULE"
TRENDS_DAY_ENV = "BORDERWATCH_TRENDS_DAY"
TRENDS_DIR_ENV = "BORDERWATCH_TRENDS_DIR"
EXTRACT_WORKERS_ENV = "BORDERWATCH_EXTRACT_WORKERS"
EXTRACT_INLINE_ENV = "BORDERWATCH_EXTRACT_INLINE"
ALLOW_INTERNAL_ENV = "BORDERWATCH_ALLOW_INTERNAL_ADDRESSES"
NOTIFY_ENV = "BORDERWATCH_NOTIFY"
ARCHIVE_ENV = "BORDERWATCH_ARCHIVE_DIR"
ARCHIVE_URL_ENV = "BORDERWATCH_ARCHIVE_URL"  # optional public base URL, for the feeds' rel="self" links
# Clamped by build_settings even when a mapping did not come through parse_sources (which reports values
# outside SETTINGS_RANGES as errors): politeness limits that hold whoever builds the settings.
CLAMPED = ("download_timeout", "concurrency_per_domain", "retry_backoff")
_URL_SPLIT = re.compile(r"[\s,]+")


@dataclass(frozen=True)
class CrawlSettings:
    """Politeness and crawl limits (crawler/settings.py derives Scrapy's settings from these)."""

    backfill_days: int = 7  # settings.backfill_days (BORDERWATCH_BACKFILL_DAYS wins: backfill())
    backfill_days_env: str | None = None
    user_agent: str | None = None  # a full User-Agent; default: borderwatch/<version> (+contact; ...)
    contact: str = "https://github.com/borderwatch/borderwatch"
    download_timeout: float = 20.0
    download_delay: float = 1.0
    autothrottle_start_delay: float | None = None  # None: max(download_delay, 2)
    autothrottle_max_delay: float = 30.0
    max_page_bytes: int = 5 * 1024 * 1024
    concurrency_per_domain: int = 2
    retry_backoff: float = 2.0
    max_redirects: int = 5
    gdelt_interval: float | None = None  # seconds between GDELT API requests (None: crawler/gdelt.py's)
    extract_workers: int = -1  # settings.extract_workers: -1 not set (see below), 0 in-process
    # Not set: BORDERWATCH_EXTRACT_WORKERS workers (default one per core), started only past the first
    # extract_inline pages, which are extracted in the crawling process: starting the workers (spawn, each
    # re-importing trafilatura: ~60 MB and ~0.9 s CPU apiece) costs more than it saves on a small day, and the
    # daily run on a small server is usually a hundred pages or fewer.
    default_extract_workers: int = -1  # BORDERWATCH_EXTRACT_WORKERS; -1: one per core
    extract_inline: int = 150  # BORDERWATCH_EXTRACT_INLINE; 0: the pool at once
    # fetch internal addresses: the setting (True, or networks) and BORDERWATCH_ALLOW_INTERNAL_ADDRESSES's
    # text (crawler/addresses.py parses it and reports a bad one when the crawl starts)
    allow_internal_addresses: bool | tuple[str, ...] = False
    allow_internal_addresses_env: str = ""
    failure_alert_after: int = 3  # a source failing this many runs in a row is reported in the digest
    # per-source defaults (a source's own max_items / max_pages in sources.yaml wins; crawler/plan.py)
    max_items: int = 100  # entries read per discovery document
    max_pages: int = 60  # article pages fetched per source per run; the rest wait for the next run

    def backfill(self) -> int:
        """Days back a first crawl reads: BORDERWATCH_BACKFILL_DAYS, else settings.backfill_days."""
        return int(self.backfill_days_env or self.backfill_days)


@dataclass(frozen=True)
class DeliverySettings:
    timezone: str | None = None  # IANA name (BORDERWATCH_TZ wins); None: the host's zone
    digest_title: str = "borderwatch"
    duplicate_threshold: float = 0.5
    duplicate_window_days: int = 14
    trends_day: str = "monday"  # weekday or "off" (BORDERWATCH_TRENDS_DAY wins)
    trends_day_from_env: bool = False
    trends_dir: str = "trends"  # BORDERWATCH_TRENDS_DIR
    translate: Any = None  # alerts/translate.TranslateSettings, or None: no translation
    notify: tuple[str, ...] = field(default=(), repr=False)  # Apprise URLs (BORDERWATCH_NOTIFY): secrets
    archive_dir: str | None = None  # BORDERWATCH_ARCHIVE_DIR; None: no archive
    archive_url: str | None = None  # BORDERWATCH_ARCHIVE_URL


@dataclass(frozen=True)
class ScheduleSettings:
    schedule: str = "07:00"  # HH:MM[:SS] or a crontab line (BORDERWATCH_SCHEDULE wins)
    misfire_grace_minutes: int = 180
    delivery_retry_minutes: float = 30.0
    delivery_retries: int = 3


@dataclass(frozen=True)
class Settings:
    crawl: CrawlSettings = field(default_factory=CrawlSettings)
    delivery: DeliverySettings = field(default_factory=DeliverySettings)
    schedule: ScheduleSettings = field(default_factory=ScheduleSettings)
    retention_days: int = 90  # 0 keeps every text


DEFAULTS = Settings()


def _clamped(key: str, value):
    if key in CLAMPED:
        lo, hi = SETTINGS_RANGES[key]
        return type(value)(min(max(value, lo), hi))
    return value


def _digits(text: str | None) -> int | None:
    return int(text) if text is not None and text.strip().isdigit() else None


def _or(value, default):
    return default if value is None else value


def notify_urls(env: Mapping[str, str]) -> tuple[str, ...]:
    """The Apprise URLs in BORDERWATCH_NOTIFY (separated by spaces, commas or newlines), in order, once each."""
    raw = (env.get(NOTIFY_ENV) or "").strip()
    return tuple(dict.fromkeys(u for u in _URL_SPLIT.split(raw) if u))


def build_settings(
    raw: Mapping[str, Any] | Settings | None = None, env: Mapping[str, str] | None = None
) -> Settings:
    """sources.yaml `settings` (as checked by parse_sources) + the environment -> Settings.

    A Settings passes through unchanged; a mapping that did not come through parse_sources is used as it is,
    with the CLAMPED bounds applied."""
    if isinstance(raw, Settings):
        return raw
    from borderwatch.alerts.translate import TranslateSettings

    raw = raw or {}
    env = os.environ if env is None else env
    c, d, s = DEFAULTS.crawl, DEFAULTS.delivery, DEFAULTS.schedule

    def num(key: str, default, kind=float):
        value = raw.get(key)
        return default if value is None else _clamped(key, kind(value))

    allow = raw.get("allow_internal_addresses", c.allow_internal_addresses)
    crawl = CrawlSettings(
        backfill_days=int(raw.get("backfill_days", c.backfill_days)),
        backfill_days_env=env.get(BACKFILL_DAYS_ENV) or None,
        user_agent=raw.get("user_agent") or None,
        contact=raw.get("contact") or c.contact,
        download_timeout=num("download_timeout", c.download_timeout),
        download_delay=num("download_delay", c.download_delay),
        autothrottle_start_delay=num("autothrottle_start_delay", None),
        autothrottle_max_delay=num("autothrottle_max_delay", c.autothrottle_max_delay),
        max_page_bytes=num("max_page_bytes", c.max_page_bytes, int),
        concurrency_per_domain=num("concurrency_per_domain", c.concurrency_per_domain, int),
        retry_backoff=num("retry_backoff", c.retry_backoff),
        max_redirects=num("max_redirects", c.max_redirects, int),
        gdelt_interval=raw.get("gdelt_interval"),
        extract_workers=int(raw.get("extract_workers", c.extract_workers)),
        default_extract_workers=_or(_digits(env.get(EXTRACT_WORKERS_ENV)), c.default_extract_workers),
        extract_inline=_or(_digits(env.get(EXTRACT_INLINE_ENV)), c.extract_inline),
        allow_internal_addresses=tuple(allow) if isinstance(allow, list) else allow,
        allow_internal_addresses_env=env.get(ALLOW_INTERNAL_ENV, ""),
        failure_alert_after=int(raw.get("failure_alert_after", c.failure_alert_after)),
    )
    env_day = env.get(TRENDS_DAY_ENV)
    delivery = DeliverySettings(
        timezone=env.get(TZ_ENV) or raw.get("timezone") or None,
        digest_title=str(raw.get("digest_title") or d.digest_title),
        duplicate_threshold=float(raw.get("duplicate_threshold", d.duplicate_threshold)),
        duplicate_window_days=int(raw.get("duplicate_window_days", d.duplicate_window_days)),
        trends_day=str(env_day) if env_day else raw.get("trends_day", d.trends_day),
        trends_day_from_env=bool(env_day),
        trends_dir=env.get(TRENDS_DIR_ENV) or d.trends_dir,
        translate=TranslateSettings.from_settings(raw),
        notify=notify_urls(env),
        archive_dir=(env.get(ARCHIVE_ENV) or "").strip() or None,
        archive_url=(env.get(ARCHIVE_URL_ENV) or "").strip() or None,
    )
    schedule = ScheduleSettings(
        schedule=str(env.get(SCHEDULE_ENV) or raw.get("schedule") or s.schedule).strip(),
        misfire_grace_minutes=int(raw.get("misfire_grace_minutes", s.misfire_grace_minutes)),
        delivery_retry_minutes=float(raw.get("delivery_retry_minutes", s.delivery_retry_minutes)),
        delivery_retries=int(raw.get("delivery_retries", s.delivery_retries)),
    )
    return Settings(
        crawl=crawl,
        delivery=delivery,
        schedule=schedule,
        retention_days=int(raw.get("retention_days", DEFAULTS.retention_days)),
    )


__all__ = [
    "ConfigError",
    "Settings",
    "SettingError",
    "SourcesConfig",
    "build_settings",
    "load_sources",
    "parse_sources",
]
