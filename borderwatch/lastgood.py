"""The last good copy of a config file, kept in the database so a broken edit never stops the daily run.

One mechanism for both YAML files (sources.yaml and keywords.yaml): every run that loads the file cleanly
remembers its text (kv table); when the file is broken, the remembered copy is parsed instead and the caller
says so loudly (stderr, and a warning line in the digest) with the file:line:column of every problem. A
remembered copy that no longer parses (e.g. written by a version with other rules) counts as no copy: the
caller reports the file's own problems, never a traceback.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Generic, TypeVar

from borderwatch.config import SourcesConfig, load_sources, parse_sources
from borderwatch.records import WarningLine
from borderwatch.store import Store, utcnow
from borderwatch.yamlload import ConfigError, parse_yaml_text

T = TypeVar("T")
SOURCES_KEY = "sources:last_good"


@dataclass
class LastGood(Generic[T]):
    """What to run with. `error`: the file is broken (value is then the last good copy, or None)."""

    value: T | None
    error: ConfigError | None = None
    saved: str | None = None  # when the copy in use was remembered, where known

    @property
    def using_last_good(self) -> bool:
        return self.error is not None and self.value is not None


def load_or_last_good(
    store: Store,
    path: Path | str,
    load: Callable[[Path], T],
    parse_text: Callable[[str, str], T],
    key: str,
    saved_key: str | None = None,
    remember: bool = True,
) -> LastGood[T]:
    """The file if valid (remembered under `key` unless `remember` is False: read-only callers), else the
    last good copy, else LastGood(None, error). `saved_key` keeps when the copy was remembered."""
    path = Path(path)
    try:
        value = load(path)
    except ConfigError as exc:
        stored = store.get_kv(key)
        if stored is None:
            return LastGood(None, exc)
        try:
            copy = parse_text(stored, f"{path} (last good copy)")
        except ConfigError:
            return LastGood(None, exc)
        return LastGood(copy, exc, store.get_kv(saved_key) if saved_key else None)
    if remember:
        text = path.read_text(encoding="utf-8")
        if store.get_kv(key) != text:
            store.set_kv(key, text)
            if saved_key:
                store.set_kv(saved_key, utcnow().strftime("%Y-%m-%d %H:%M UTC"))
    return LastGood(value)


# -- sources.yaml ---------------------------------------------------------------------------------------


@dataclass
class SourcesState:
    cfg: SourcesConfig
    warnings: list[str] = field(default_factory=list)
    using_last_good: bool = False
    error: str | None = None


def _parse_sources_text(text: str, label: str) -> SourcesConfig:
    return parse_sources(parse_yaml_text(text, label), label)


def load_sources_or_last_good(store: Store, path: Path) -> SourcesState:
    """The sources file if valid (and remember it); else the last good copy; else raise ConfigError."""
    path = Path(path)
    got = load_or_last_good(store, path, load_sources, _parse_sources_text, SOURCES_KEY)
    if got.error is None:
        return SourcesState(got.value)
    if got.value is None:
        raise got.error
    return SourcesState(
        got.value,
        [
            WarningLine(
                f"Sources file {path} is broken; this run used the last good sources instead. Fix it:\n{got.error}",
                key=f"sources:{path}",
            )
        ],
        using_last_good=True,
        error=str(got.error),
    )
