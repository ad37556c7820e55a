"""Extraction off the reactor thread: a small process pool so trafilatura uses every core.

Scrapy's reactor is single-threaded and trafilatura is CPU-bound, so extracting in the reactor serialises the
whole crawl behind the parser. Worker processes (spawn: no fork of a threaded reactor) run extraction on all
cores. Workers = 0 extracts in-process (useful on one core, and for debugging).

The pool is a succession of *generations*, each a plain ProcessPoolExecutor:

- Recycling: after `tasks_per_child` pages per worker the generation is drained and retired and the next
  one starts, in case a parser's memory grows per page. Neither stdlib mechanism could be trusted for this:
  ProcessPoolExecutor(max_tasks_per_child=...) stops replacing retired workers up to CPython 3.13
  (gh-115634: a 1,000-article run hung after 200 pages), and multiprocessing.Pool(maxtasksperchild=...)
  deadlocks in terminate() when a worker dies holding one of its queue locks (seen in CI).
- A worker that dies (OOM killer, a crash in lxml) breaks its generation; every page it held is handed to a
  fresh generation, up to `retries` times, so no page is silently lost and the run never waits forever.
- A page still unfinished after `page_timeout` seconds fails with TimeoutError and its generation is killed
  (the other pages in it are retried), so one pathological page cannot stall the daily run.
- Starting workers never changes which signals the calling thread blocks: multiprocessing unblocks
  SIGTERM/SIGINT whenever it (re)starts its resource tracker, which let Scrapy take a SIGTERM the run holds
  back during the crawl, so the tracker is started by stopping.start_resource_tracker (which leaves blocked
  signals blocked) when the first generation starts, and `_keep_sigmask` restores the mask after.
- Workers watch their parent and exit when it is gone, so a kill -9 of the run leaves no orphans. (Not
  PR_SET_PDEATHSIG: it fires when the *thread* that started the worker exits, which killed workers while
  they held queue locks.)
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from multiprocessing.connection import wait as mp_wait
from typing import Any

from borderwatch.stopping import start_resource_tracker

from . import worker_boot
from .extract import Extracted, extract

log = logging.getLogger("borderwatch.crawler.workers")

# A worker's memory stays flat over 1,200 pages of the bench corpus (62 MB; /tmp-style loop in bench/RESULTS.md),
# so recycling is a safety net against a leak in a future trafilatura/lxml, not a per-hundred-pages cost: each
# new generation re-imports trafilatura (~0.9 s CPU per worker).
DEFAULT_TASKS_PER_CHILD = 1000
DEFAULT_PAGE_TIMEOUT = 120.0
DEFAULT_RETRIES = 2


# How long a retired worker may take to exit (it has no page left) before it is killed. A process counts as
# exited when its sentinel fires: the kernel closes its files after it has released its memory.
RETIRE_GRACE = 10.0


def _wait_exited(procs: list, timeout: float) -> list:
    """Wait up to `timeout` seconds for the processes to exit; return those still running."""
    deadline = time.monotonic() + timeout
    while procs and time.monotonic() < deadline:
        ready = mp_wait([p.sentinel for p in procs], timeout=max(0.0, deadline - time.monotonic()))
        procs = [p for p in procs if p.sentinel not in ready]
    return procs


# The defaults of the crawl's pool (pages extracted in-process before it starts, workers) are settings:
# borderwatch/config.py CrawlSettings.extract_inline / default_extract_workers (the why is there). The crawl
# passes them through its Scrapy settings (crawler/pipelines.py); these serve a pool made without them. They
# import config when called, not here: every worker process imports this module.


def default_inline() -> int:
    """Pages to extract in-process before the pool starts (env BORDERWATCH_EXTRACT_INLINE; 0 = pool at once)."""
    from borderwatch.config import build_settings

    return build_settings().crawl.extract_inline


def default_workers() -> int:
    """BORDERWATCH_EXTRACT_WORKERS, else one per core."""
    from borderwatch.config import build_settings

    workers = build_settings().crawl.default_extract_workers
    return (os.cpu_count() or 1) if workers < 0 else workers


@contextmanager
def _keep_sigmask() -> Iterator[None]:
    """Restore this thread's blocked signals afterwards (see the module docstring)."""
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, ())
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)


class _Generation:
    def __init__(self, workers: int):
        with _keep_sigmask():
            start_resource_tracker()  # first, and without unblocking the crawl's held-back signals
            self.executor = ProcessPoolExecutor(
                workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=worker_boot.warm,
                initargs=(os.getpid(),),
            )
        self.submitted = 0
        self.retiring = False
        self.unsettled: dict[
            int, _Task
        ] = {}  # in submission order: the executor hands work out in that order
        self.suspects: set[int] | None = None

    def start_workers(self, workers: int) -> None:
        """Spawn the generation's `workers` now rather than on the first pages: one no-op call each (the executor
        spawns a process per call while none is idle). Their futures are not watched: a worker that dies booting
        breaks the generation, and the first page sent to it takes the usual retry path."""
        with _keep_sigmask():
            for _ in range(workers):
                self.executor.submit(worker_boot.ready)

    @property
    def in_flight(self) -> int:
        return len(self.unsettled)

    def suspects_of_break(self, workers: int) -> set[int]:
        """The pages that were inside a worker (or next in line) when one died: the first workers + 1 unsettled.

        Only these spend a retry; pages still queued in the parent cannot have killed anything.
        """
        if self.suspects is None:
            self.suspects = set(list(self.unsettled)[: workers + 1])
        return self.suspects

    def kill(self) -> None:
        # The executor notices the dead processes and fails every pending future with BrokenProcessPool.
        for proc in list((self.executor._processes or {}).values()):
            try:
                proc.kill()
            except (OSError, AttributeError):
                pass


class _Task:
    __slots__ = ("fn", "args", "out", "tries_left", "deadline", "generation")

    def __init__(self, fn, args, out, tries_left, deadline):
        self.fn, self.args, self.out = fn, args, out
        self.tries_left, self.deadline = tries_left, deadline
        self.generation: _Generation | None = None


class ExtractorPool:
    def __init__(
        self,
        workers: int | None = None,
        tasks_per_child: int = DEFAULT_TASKS_PER_CHILD,
        page_timeout: float | None = DEFAULT_PAGE_TIMEOUT,
        retries: int = DEFAULT_RETRIES,
        retire_grace: float = RETIRE_GRACE,
        inline_first: int = 0,
    ):
        self.workers = default_workers() if workers is None else workers
        self.inline_first = max(0, inline_first)  # pages extracted in-process before any worker starts
        self.inline_done = 0
        self.tasks_per_child = max(1, tasks_per_child)
        self.page_timeout = page_timeout
        self.retries = retries
        self.retire_grace = retire_grace
        self.generations_started = 0
        self._lock = threading.RLock()
        self._current: _Generation | None = None
        self._retiring: list[_Generation] = []
        self._waiting: deque[_Task] = deque()  # held back while the previous generation drains
        self._tasks: set[_Task] = set()
        self._exiting: list = []  # retired workers (Process objects) not yet known to have exited
        self._switching = False
        self._closed = False
        self._watchdog: threading.Thread | None = None

    @property
    def may_extract_inline(self) -> bool:
        """Whether the next page may still be extracted in-process (then `submit` wants its `backlog`)."""
        return (
            self.workers > 0
            and self.inline_done < self.inline_first
            and self._current is None
            and not self._tasks
        )

    def expect(self, backlog: int) -> bool:
        """`backlog` pages are known to be coming (discovery has filed them): when `submit` would send them to
        the workers, start the workers now, so each one's start-up (spawn, importing trafilatura: ~0.4 s)
        overlaps the rest of discovery instead of delaying the first page. A small day (fewer than
        `inline_first` pages) starts nothing, and neither does any call after the first generation. Returns
        whether it started them."""
        with self._lock:
            if self.workers <= 0 or self._closed or self.generations_started or backlog <= 0:
                return False
            if self._day_is_small(backlog):
                return False
            try:
                self._start_generation().start_workers(self.workers)
            except (OSError, BrokenProcessPool) as exc:
                # (the first page sent takes the usual path: a broken generation is replaced and retried)
                log.warning("extraction workers could not be started ahead of the pages: %s", exc)
                return False
            return True

    def _day_is_small(self, backlog: int) -> bool:
        """Whether this page and the `backlog` known to follow fit in the pages extracted in-process."""
        return self.inline_done + backlog < self.inline_first

    def _start_generation(self) -> _Generation:
        gen = self._current = _Generation(self.workers)
        self.generations_started += 1
        return gen

    def submit(
        self, html: str | bytes, url: str, fixes=None, backlog: int = 0, encoding: str | None = None
    ) -> Future[Extracted | None] | None:
        """A future for the extraction, or None when extraction should run in-process.

        `backlog` is how many more pages the caller already knows are coming (Scrapy's queue): a day known
        to be bigger than `inline_first` pages goes to the workers from its first page, instead of
        extracting the first `inline_first` pages on one core while the other waits.
        """
        if self.workers <= 0:
            return None
        if self.may_extract_inline and self._day_is_small(backlog):
            self.inline_done += 1
            return None
        return self._submit_call(extract, html, url, fixes, encoding)

    def _submit_call(self, fn: Callable[..., Any], *args) -> Future:
        out: Future = Future()
        out.set_running_or_notify_cancel()
        task = _Task(fn, args, out, self.retries, None)
        with self._lock:
            if self._closed:
                raise RuntimeError("extraction pool is shut down")
            self._tasks.add(task)
            self._dispatch(task)
            if self.page_timeout and self._watchdog is None:
                self._watchdog = threading.Thread(target=self._watch, daemon=True, name="extract-watchdog")
                self._watchdog.start()
        return out

    # All below run under self._lock.
    def _dispatch(self, task: _Task) -> None:
        gen = self._current
        if gen is not None and (gen.retiring or gen.submitted >= self.workers * self.tasks_per_child):
            self._retire(gen)
            gen = None
        if gen is None:
            if self._switching or self._exiting or any(g.in_flight for g in self._retiring):
                task.deadline = None
                self._waiting.append(task)  # start the next generation only once the last one is gone
                self._maybe_switch()
                return
            gen = self._start_generation()
        # The clock runs from the hand-over to the executor: time spent held back (or in a broken generation
        # before the retry) does not count against the page.
        task.deadline = time.monotonic() + self.page_timeout if self.page_timeout else None
        gen.submitted += 1
        gen.unsettled[id(task)] = task
        task.generation = gen
        try:
            with _keep_sigmask():  # (submit spawns the workers)
                inner = gen.executor.submit(task.fn, *task.args)
        except BrokenProcessPool as exc:
            gen.unsettled.pop(id(task), None)
            self._after_failure(task, gen, exc, suspect=False)
            return
        inner.add_done_callback(lambda f, task=task, gen=gen: self._settle(task, gen, f))

    def _retire(self, gen: _Generation) -> None:
        gen.retiring = True
        if self._current is gen:
            self._current = None
        if gen not in self._retiring:
            self._retiring.append(gen)
        self._reap()

    def _reap(self) -> None:
        for g in [g for g in self._retiring if g.in_flight == 0]:
            self._retiring.remove(g)
            # (the Process objects, not bare sentinels: holding them keeps their sentinel fds open and valid)
            self._exiting += list((g.executor._processes or {}).values())
            g.executor.shutdown(wait=False)
        self._maybe_switch()

    def _maybe_switch(self) -> None:
        if self._waiting and not self._switching and not self._closed:
            if not any(g.in_flight for g in self._retiring):
                # Not inline: this may be the old executor's own thread, which must return before its workers
                # can be told to exit.
                self._switching = True
                threading.Thread(target=self._switch, daemon=True, name="extract-switch").start()

    def _switch(self) -> None:
        """Start the next generation once the last one's workers have exited: never twice the workers in memory.

        A retired worker that has not exited after `retire_grace` seconds (stopped, or starved on a loaded
        machine) is killed first: it holds no page any more, and starting beside it is what the generations
        exist to prevent.
        """
        with self._lock:
            exiting, self._exiting = self._exiting, []
        exiting = _wait_exited(exiting, self.retire_grace)
        if exiting:  # told to exit, every page back, still there: stuck; it must go before the next starts
            for proc in exiting:
                try:
                    proc.kill()
                except (OSError, AttributeError):
                    pass
            exiting = _wait_exited(exiting, self.retire_grace)
        if exiting:  # not even SIGKILL ended it (uninterruptible I/O): say so rather than wait forever
            log.warning(
                "extraction workers %s did not exit after SIGKILL; starting the next generation anyway",
                [p.pid for p in exiting],
            )
        with self._lock:
            self._switching = False
            if self._closed:
                return
            waiting, self._waiting = self._waiting, deque()
            for t in waiting:
                self._dispatch(t)

    def _settle(self, task: _Task, gen: _Generation, inner: Future) -> None:
        with self._lock:
            if inner.cancelled():  # only shutdown() cancels, and it has failed every open task already
                gen.unsettled.pop(id(task), None)
                return
            exc = inner.exception()
            if task.out.done():  # already failed by the watchdog
                gen.unsettled.pop(id(task), None)
            elif isinstance(exc, BrokenProcessPool):
                suspect = id(task) in gen.suspects_of_break(self.workers)
                gen.unsettled.pop(id(task), None)
                self._after_failure(task, gen, exc, suspect=suspect)
                return
            else:
                gen.unsettled.pop(id(task), None)
                self._tasks.discard(task)
                if exc is not None:
                    task.out.set_exception(exc)
                else:
                    task.out.set_result(inner.result())
            if gen.retiring:
                self._reap()

    def _after_failure(self, task: _Task, gen: _Generation, exc: BaseException, suspect: bool) -> None:
        if not gen.retiring:
            self._retire(gen)
        if (task.tries_left > 0 or not suspect) and not self._closed:
            task.tries_left -= 1 if suspect else 0
            self._dispatch(task)
        else:
            self._tasks.discard(task)
            if not task.out.done():
                task.out.set_exception(exc)
        self._reap()

    def _watch(self) -> None:
        while True:
            time.sleep(0.25)
            with self._lock:
                if self._closed:
                    return
                now = time.monotonic()
                for task in [t for t in self._tasks if t.deadline is not None and t.deadline < now]:
                    self._tasks.discard(task)
                    task.out.set_exception(TimeoutError(f"extraction took over {self.page_timeout:g}s"))
                    gen = task.generation
                    if gen is not None and gen.in_flight:  # (held-back tasks have no deadline)
                        self._retire(gen)
                        gen.kill()

    def shutdown(self) -> None:
        with self._lock:
            self._closed = True
            gens = [g for g in (self._current, *self._retiring) if g is not None]
            self._current, self._retiring = None, []
            for task in self._tasks:
                if not task.out.done():
                    task.out.set_exception(RuntimeError("extraction pool shut down"))
            self._tasks.clear()
            self._waiting.clear()
        for g in gens:
            # Every page has come back by now (each item awaited its future); cancel anything left over.
            g.executor.shutdown(wait=True, cancel_futures=True)
