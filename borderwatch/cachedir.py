"""Where borderwatch keeps rebuildable local caches (the language model, parsed rules).

BORDERWATCH_CACHE_DIR, else $XDG_CACHE_HOME/borderwatch, else ~/.cache/borderwatch. Deleting it loses nothing.
"""

from __future__ import annotations

import os
from pathlib import Path


def cache_dir() -> Path:
    if os.environ.get("BORDERWATCH_CACHE_DIR"):
        return Path(os.environ["BORDERWATCH_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "borderwatch"
