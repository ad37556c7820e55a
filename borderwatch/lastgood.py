"""The last good sources.yaml, kept in the database so a broken edit never stops the daily run.

Like the rules (alerts/stage.py), a valid sources.yaml is remembered on every run; when the file is broken,
the run uses the remembered copy and says so loudly (stderr, and a warning line in the digest) with the
file:line:column of every problem. With no remembered copy, the broken file is a configuration error.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ruamel.yaml import YAML

from borderwatch.config import SourcesConfig, load_sources, parse_sources
from borderwatch.records import WarningLine
from borderwatch.store import Store
from borderwatch.yamlload import ConfigError

SOURCES_KEY = "sources:last_good"


@dataclass
class SourcesState:
    cfg: SourcesConfig
    warnings: list[str] = field(default_factory=list)
    using_last_good: bool = False
    error: str | None = None


def load_sources_or_last_good(store: Store, path: Path) -> SourcesState:
    """The sources file if valid (and remember it); else the last good copy; else raise ConfigError."""
    path = Path(path)
    try:
        cfg = load_sources(path)
    except ConfigError as exc:
        stored = store.get_kv(SOURCES_KEY)
        if stored is None:
            raise
        cfg = parse_sources(YAML(typ="rt").load(stored), f"{path} (last good copy)")
        return SourcesState(
            cfg,
            [
                WarningLine(
                    f"Sources file {path} is broken; this run used the last good sources instead. Fix it:\n{exc}",
                    key=f"sources:{path}",
                )
            ],
            using_last_good=True,
            error=str(exc),
        )
    text = path.read_text(encoding="utf-8")
    if store.get_kv(SOURCES_KEY) != text:
        store.set_kv(SOURCES_KEY, text)
    return SourcesState(cfg)
