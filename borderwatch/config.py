"""sources.yaml -> Source records + crawl settings, with file:line:col errors."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from borderwatch.records import Source
from borderwatch.yamlload import Checker, ConfigError, load_yaml

SOURCE_KEYS = {
    "name",
    "feeds",
    "sitemaps",
    "listings",
    "language",
    "enabled",
    "notes",
    "max_items",
    "paywalled",
    "outlet",
}
LISTING_KEYS = {"url", "links", "follow"}
SETTINGS_KEYS = {
    "backfill_days": int,
    "user_agent": str,
    "download_timeout": (int, float),
    "download_delay": (int, float),
    "autothrottle_start_delay": (int, float),
    "max_page_bytes": int,
    "concurrency_per_domain": int,
    "retention_days": int,
    "failure_alert_after": int,
    "extract_workers": int,
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


@dataclass
class SourcesConfig:
    sources: list[Source]
    settings: dict[str, Any] = field(default_factory=dict)
    path: str = ""


def _trends_day_ok(value: str) -> bool:
    from borderwatch.alerts.trends_delivery import parse_trends_day

    try:
        parse_trends_day(value)
    except ValueError:
        return False
    return True


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
        if key not in SETTINGS_KEYS:
            c.add(raw_settings, key, f"unknown setting '{key}' (allowed: {', '.join(sorted(SETTINGS_KEYS))})")
        elif not isinstance(value, SETTINGS_KEYS[key]) or isinstance(value, bool):
            c.add(raw_settings, key, f"setting '{key}' has the wrong type ({type(value).__name__})")
        elif key == "trends_day" and not _trends_day_ok(value):
            c.add(
                raw_settings,
                key,
                f"setting 'trends_day' must be a weekday (monday ... sunday) or 'off', got {value!r}",
            )
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
            listings.append(
                {"url": lst["url"], "links": lst.get("links", "a[href]"), "follow": lst.get("follow")}
            )
        enabled = node.get("enabled", True)
        if not (feeds or sitemaps or listings) and enabled:
            c.add(node, None, f"{label}: give at least one of 'feeds', 'sitemaps' or 'listings'")
            continue
        options = {k: node[k] for k in ("max_items", "paywalled", "notes", "outlet") if k in node}
        sources.append(
            Source(
                name=name.strip(),
                feeds=feeds,
                sitemaps=sitemaps,
                listings=tuple(listings),
                language=str(node.get("language", "en")),
                enabled=bool(enabled),
                options=options,
            )
        )
    c.raise_if_any()
    return SourcesConfig(sources=sources, settings=settings, path=str(path))


def load_sources(path: Path | str) -> SourcesConfig:
    return parse_sources(load_yaml(Path(path)), path)


__all__ = ["ConfigError", "SourcesConfig", "load_sources", "parse_sources"]
