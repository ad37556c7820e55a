"""Extraction off the reactor thread: a small process pool so trafilatura uses every core.

Scrapy's reactor is single-threaded and trafilatura is CPU-bound, so extracting in the reactor serialises the
whole crawl behind the parser. A ProcessPoolExecutor (spawn: no fork of a threaded reactor, and the
workers are direct children, so they can be tied to the run's life) runs extraction on all cores; workers are recycled after `max_tasks_per_child` pages because trafilatura's memory
grows per page. Workers = 0 extracts in-process (useful on one core, and for debugging).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import multiprocessing
import os
import signal
import sys
from concurrent.futures import Future, ProcessPoolExecutor

from .extract import Extracted, extract

DEFAULT_TASKS_PER_CHILD = 100


def default_workers() -> int:
    env = os.environ.get("BORDERWATCH_EXTRACT_WORKERS")
    if env is not None and env.strip().isdigit():
        return int(env)
    return os.cpu_count() or 1


def _die_with_parent() -> None:
    """Linux: have the kernel SIGKILL this worker when its parent goes, so a kill -9 of the run leaves no orphans.

    (With forkserver the parent would be the fork server, which outlives a killed run: hence spawn.)
    """
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() == 1:  # the parent died before prctl took effect
        os._exit(1)


def _warm() -> None:
    _die_with_parent()
    import trafilatura  # noqa: F401  (import once per worker, not per page)


class ExtractorPool:
    def __init__(self, workers: int | None = None, tasks_per_child: int = DEFAULT_TASKS_PER_CHILD):
        self.workers = default_workers() if workers is None else workers
        self.tasks_per_child = tasks_per_child
        self._pool: ProcessPoolExecutor | None = None

    def submit(self, html: str, url: str, fixes=None) -> Future[Extracted | None] | None:
        """A future for the extraction, or None when extraction should run in-process."""
        if self.workers <= 0:
            return None
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=multiprocessing.get_context("spawn"),
                max_tasks_per_child=self.tasks_per_child,
                initializer=_warm,
            )
        return self._pool.submit(extract, html, url, fixes)

    def shutdown(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
