"""SIGTERM -> stop cleanly between steps.

`systemctl stop`, `docker stop` and the scheduler's own shutdown send SIGTERM. A run then finishes the step it
is in (the crawl, the current match batch, the current Slack post) and stops before the next one, leaving
the database in a state the next run continues from. The crawl is the one step Scrapy owns, together with
its own signal handlers: SIGTERM and SIGINT are held back (blocked) while it runs and acted on as soon as it
ends (SIGINT, Ctrl-C, then stops the run like SIGTERM, with exit 130; outside the crawl it interrupts at once).

Blocking has one trap: starting multiprocessing's resource tracker (which the first extraction worker pool
does) unconditionally *unblocks* SIGTERM and SIGINT in the calling thread once the tracker is spawned
(CPython's resource_tracker.ensure_running), and Scrapy's handler then took the signal and dropped the queued
requests. So the tracker is started through start_resource_tracker(), which leaves the signal mask alone
when the signals are blocked already. It is started only when a pool does start: a small day extracts in the
crawling process and needs no tracker (a 15 MB process). Should a signal reach Scrapy anyway, the crawl ends
with finish reason "shutdown" and counts as interrupted (crawler/run.py): its feeds are re-read in full on
the next run, as after a kill -9.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

log = logging.getLogger(__name__)

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)

# A SIGTERM that arrived before the run installed its handler (hold_early_stop): the run stops before its first step.
_early_signum: int | None = None


def _note_early(signum, _frame) -> None:
    global _early_signum
    if _early_signum is None:
        _early_signum = int(signum)


def hold_early_stop() -> None:
    """From the first line of `borderwatch run`: a SIGTERM during start-up (imports, config, opening the database)
    is recorded instead of killing the process with -15, and the run then stops with 143 before its first step,
    as it would between any two steps. Only where nothing else handles SIGTERM yet (the main thread, the default
    disposition)."""
    if (
        threading.current_thread() is threading.main_thread()
        and signal.getsignal(signal.SIGTERM) == signal.SIG_DFL
    ):
        signal.signal(signal.SIGTERM, _note_early)


def exit_code(signum: int) -> int:
    return 128 + int(signum)


def signame(signum: int) -> str:
    return signal.Signals(signum).name


class StopRequested(Exception):
    """Raised at a step boundary after SIGTERM (or SIGINT during the crawl); `step` was not started."""

    def __init__(self, step: str, signum: int = signal.SIGTERM):
        super().__init__(f"stopped by {signame(signum)} before {step}")
        self.step = step
        self.signum = int(signum)


class GracefulStop:
    def __init__(self) -> None:
        self.signum: int | None = None
        self._previous = None
        self._installed = False

    def _handler(self, signum, _frame) -> None:
        self.note(signum)

    def note(self, signum: int) -> None:
        """Record a stop signal (also one Scrapy took during the crawl, see crawler/run.py)."""
        if self.signum is None:
            log.warning("%s received: stopping after the current step", signame(signum))
            self.signum = int(signum)

    @property
    def requested(self) -> bool:
        return self.signum is not None

    def check(self, next_step: str) -> None:
        if self.signum is not None:
            raise StopRequested(next_step, self.signum)

    def install(self) -> GracefulStop:
        global _early_signum
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGTERM, self._handler)
            self._installed = True
            if self._previous is _note_early:  # start-up's holder: what it took is this run's stop
                self._previous = signal.SIG_DFL
                if _early_signum is not None:
                    self.note(_early_signum)
                _early_signum = None
        return self

    def restore(self) -> None:
        if self._installed:
            signal.signal(signal.SIGTERM, self._previous or signal.SIG_DFL)
            self._installed = False

    @contextmanager
    def deferred(self) -> Iterator[None]:
        """Hold SIGTERM and SIGINT back during a step that installs its own handlers (Scrapy), then act on them."""
        if not self._installed:
            yield
            return
        previous_int = signal.getsignal(signal.SIGINT)
        signal.pthread_sigmask(signal.SIG_BLOCK, set(STOP_SIGNALS))
        try:
            yield
        finally:
            # Take the signals that arrived meanwhile while they are still blocked, so none reaches a handler
            # Scrapy left behind, and SIGINT stops the run here instead of raising KeyboardInterrupt mid-step.
            pending = signal.sigpending() & set(STOP_SIGNALS)
            for signum in sorted(pending):
                if signal.sigtimedwait({signum}, 0) is not None:
                    self.note(signum)
            signal.signal(signal.SIGTERM, self._handler)  # Scrapy replaced both
            signal.signal(
                signal.SIGINT, previous_int if previous_int is not None else signal.default_int_handler
            )
            signal.pthread_sigmask(signal.SIG_UNBLOCK, set(STOP_SIGNALS))


_TRACKER_LOCK = threading.Lock()


def start_resource_tracker() -> None:
    """Start multiprocessing's resource tracker now (a no-op when it runs) without unblocking any signal.

    CPython blocks SIGINT and SIGTERM around spawning the tracker, so that it inherits them blocked, and then
    unblocks them in the calling thread whatever they were before. When this thread blocks both already (a
    crawl, see GracefulStop.deferred), the tracker inherits that mask as it is, so CPython's own masking is
    skipped (`_HAVE_SIGMASK`) and nothing is unblocked. Otherwise CPython's path runs unchanged.
    """
    from multiprocessing import resource_tracker

    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, ())
    if not set(STOP_SIGNALS) <= blocked or not hasattr(resource_tracker, "_HAVE_SIGMASK"):
        resource_tracker.ensure_running()
        return
    with _TRACKER_LOCK:
        saved = resource_tracker._HAVE_SIGMASK
        resource_tracker._HAVE_SIGMASK = False
        try:
            resource_tracker.ensure_running()
        finally:
            resource_tracker._HAVE_SIGMASK = saved


@contextmanager
def graceful_stop() -> Iterator[GracefulStop]:
    stop = GracefulStop().install()
    try:
        yield stop
    finally:
        stop.restore()
