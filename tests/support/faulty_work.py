"""Work for the extraction pool's failure tests: functions that die or hang inside a worker process.

Spawned workers import them as `tests.support.faulty_work` (multiprocessing hands the child the parent's sys.path).
"""

from __future__ import annotations

import os
import time
from pathlib import Path


def echo(value):
    return value


def die_once(marker: str, value):
    """Kill the worker process the first time (no exception, no cleanup: like the OOM killer); then succeed."""
    path = Path(marker)
    if not path.exists():
        path.write_text("died")
        os._exit(137)
    return value


def always_die(value):
    os._exit(137)


def hang(value):
    time.sleep(3600)
    return value


def slow(seconds: float, value):
    time.sleep(seconds)
    return value


def loaded_modules(names: list[str]) -> dict[str, bool]:
    """Which of `names` this (worker) process has really imported."""
    import sys

    return {n: sys.modules.get(n) is not None for n in names}
