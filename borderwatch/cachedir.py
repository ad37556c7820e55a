"""Where borderwatch keeps rebuildable local caches (the language model, parsed rules).

BORDERWATCH_CACHE_DIR, else $XDG_CACHE_HOME/borderwatch, else ~/.cache/borderwatch. Deleting it loses nothing.
"""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path

log = logging.getLogger(__name__)


def cache_dir() -> Path:
    if os.environ.get("BORDERWATCH_CACHE_DIR"):
        return Path(os.environ["BORDERWATCH_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "borderwatch"


def read(sub: str, name: str) -> bytes | None:
    """The cached entry `sub/name`, or None when it is missing or cannot be read (a cache never fails a run)."""
    try:
        return (cache_dir() / sub / name).read_bytes()
    except OSError:
        return None


def write(sub: str, name: str, data: bytes, keep: int = 8) -> None:
    """Store `sub/name` atomically (a concurrent reader sees the old entry or the whole new one) and keep only
    the `keep` newest entries of `sub`. Any trouble (read-only or full disk, a race) only means no entry."""
    folder = cache_dir() / sub
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(tmp, folder / name)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        entries = [p for p in folder.iterdir() if not p.name.startswith(".tmp-")]
        for p in sorted(entries, key=lambda p: p.stat().st_mtime, reverse=True)[keep:]:
            p.unlink(missing_ok=True)
    except Exception as exc:
        log.debug("cache entry %s/%s not written: %s", sub, name, exc)
