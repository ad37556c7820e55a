"""Extraction off the reactor thread: a small process pool so trafilatura uses every core.

Scrapy's reactor is single-threaded and trafilatura is CPU-bound, so extracting in the reactor serialises the
whole crawl behind the parser. A ProcessPoolExecutor (forkserver: no fork of a threaded reactor) runs
extraction on all cores; workers are recycled after `max_tasks_per_child` pages because trafilatura's memory
grows per page. Workers = 0 extracts in-process (useful on one core, and for debugging).
"""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import Future, ProcessPoolExecutor

from .extract import Extracted, extract

DEFAULT_TASKS_PER_CHILD = 100


def default_workers() -> int:
    env = os.environ.get("BORDERWATCH_EXTRACT_WORKERS")
    if env is not None and env.strip().isdigit():
        return int(env)
    return os.cpu_count() or 1


def _warm() -> None:
    import trafilatura  # noqa: F401  (import once per worker, not per page)


class ExtractorPool:
    def __init__(self, workers: int | None = None, tasks_per_child: int = DEFAULT_TASKS_PER_CHILD):
        self.workers = default_workers() if workers is None else workers
        self.tasks_per_child = tasks_per_child
        self._pool: ProcessPoolExecutor | None = None

    def submit(self, html: str, url: str) -> Future[Extracted | None] | None:
        """A future for the extraction, or None when extraction should run in-process."""
        if self.workers <= 0:
            return None
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=multiprocessing.get_context("forkserver"),
                max_tasks_per_child=self.tasks_per_child,
                initializer=_warm,
            )
        return self._pool.submit(extract, html, url)

    def shutdown(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
