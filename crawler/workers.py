"""Extraction off the reactor thread: a small process pool so trafilatura uses every core.

Scrapy's reactor is single-threaded and trafilatura is CPU-bound, so extracting in the reactor serialises the
whole crawl behind the parser. A ProcessPoolExecutor (spawn: no fork of a threaded reactor, and the
workers are direct children, so they can be tied to the run's life) runs extraction on all cores; workers are recycled after `max_tasks_per_child` pages because trafilatura's memory
grows per page. Workers = 0 extracts in-process (useful on one core, and for debugging).

Why multiprocessing.Pool and not ProcessPoolExecutor(max_tasks_per_child=...): up to CPython 3.13 (bug
gh-115634) the executor stops replacing workers that retire at their task limit and every queued page then
waits forever (a 1,000-article run hung after 200 pages; found by the benchmarks).
Pool(maxtasksperchild=...) has recycled workers reliably for a decade.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import multiprocessing
import os
import signal
import sys
from concurrent.futures import Future

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
        self._pool = None

    def submit(self, html: str, url: str, fixes=None) -> Future[Extracted | None] | None:
        """A future for the extraction, or None when extraction should run in-process."""
        if self.workers <= 0:
            return None
        if self._pool is None:
            ctx = multiprocessing.get_context("spawn")
            self._pool = ctx.Pool(self.workers, initializer=_warm, maxtasksperchild=self.tasks_per_child)
        fut: Future[Extracted | None] = Future()
        fut.set_running_or_notify_cancel()
        # The callbacks run on the pool's result thread; asyncio.wrap_future hands the result to the event loop.
        self._pool.apply_async(
            extract, (html, url, fixes), callback=fut.set_result, error_callback=fut.set_exception
        )
        return fut

    def shutdown(self) -> None:
        if self._pool is not None:
            # Every page has come back by now (each item awaited its future). close()+join() can hang once
            # workers have been recycled, so the pool is terminated: there is nothing left to finish.
            self._pool.terminate()
            self._pool.join()
            self._pool = None
