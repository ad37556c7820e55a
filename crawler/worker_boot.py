"""What an extraction worker runs first (crawler/workers.py), in a module that imports nothing heavy.

Workers are spawned: each imports what its initializer and its tasks need. Kept apart from workers.py so
that unpickling the initializer does not import trafilatura before `warm` has had its say.
"""

from __future__ import annotations

import atexit
import gc
import os
import sys
import threading
import time


def _watch_parent(parent: int) -> None:
    while True:
        time.sleep(0.5)
        if os.getppid() != parent:
            os._exit(1)


def warm(parent: int) -> None:
    """Watch the parent (exit when it is gone) and import trafilatura once, without py3langid.

    trafilatura imports py3langid (and with it numpy, ~12 MB per worker) only to filter by a target
    language, which borderwatch never asks it for: the language is detected once, after extraction, in the
    match stage (borderwatch/language.py). Marking it missing before trafilatura is imported keeps it out.
    """
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True, name="watch-parent").start()
    atexit.register(
        gc.freeze
    )  # a retiring worker skips the interpreter's final collection (as borderwatch.cli)
    if "trafilatura" not in sys.modules:
        sys.modules.setdefault("py3langid", None)  # type: ignore[assignment]  (None: "not installed")
    import trafilatura  # noqa: F401  (import once per worker, not per page)


def ready() -> None:
    """A no-op call (crawler/workers.py `start_workers`): it makes the executor spawn a worker ahead of the pages."""
