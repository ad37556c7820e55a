"""SIGTERM -> stop cleanly between steps.

`systemctl stop`, `docker stop` and the scheduler's own shutdown send SIGTERM. A run then finishes the step it
is in (the crawl, the current match batch, the current Slack post) and stops before the next one, leaving
the database in a state the next run continues from. The crawl is the one step Scrapy owns, together with
its own signal handlers: SIGTERM is held back (blocked) while it runs and acted on as soon as it ends.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

log = logging.getLogger(__name__)

EXIT_STOPPED = 143  # 128 + SIGTERM, as a shell reports a process stopped by it


class StopRequested(Exception):
    """Raised at a step boundary after SIGTERM; `step` is the step that was not started."""

    def __init__(self, step: str):
        super().__init__(f"stopped by SIGTERM before {step}")
        self.step = step


class GracefulStop:
    def __init__(self) -> None:
        self.signum: int | None = None
        self._previous = None
        self._installed = False

    def _handler(self, signum, _frame) -> None:
        if self.signum is None:
            log.warning("SIGTERM received: stopping after the current step")
        self.signum = signum

    @property
    def requested(self) -> bool:
        return self.signum is not None

    def check(self, next_step: str) -> None:
        if self.signum is not None:
            raise StopRequested(next_step)

    def install(self) -> GracefulStop:
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGTERM, self._handler)
            self._installed = True
        return self

    def restore(self) -> None:
        if self._installed:
            signal.signal(signal.SIGTERM, self._previous or signal.SIG_DFL)
            self._installed = False

    @contextmanager
    def deferred(self) -> Iterator[None]:
        """Hold SIGTERM back during a step that installs its own handlers (Scrapy), then act on it."""
        if not self._installed:
            yield
            return
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})
        try:
            yield
        finally:
            signal.signal(signal.SIGTERM, self._handler)  # Scrapy replaced it
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})


@contextmanager
def graceful_stop() -> Iterator[GracefulStop]:
    stop = GracefulStop().install()
    try:
        yield stop
    finally:
        stop.restore()
