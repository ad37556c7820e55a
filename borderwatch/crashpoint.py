"""Test-only fault injection for the crash-safety tests: a real SIGKILL of this process at a named point.

With BORDERWATCH_CRASH_AT=<point>, `crashpoint(point)` kills the process with SIGKILL: no finally blocks, no
atexit handlers, no buffered writes, exactly like the OOM killer or `kill -9`. Unset (always, in
production) it is one dictionary lookup. The points are the seams where a crash could lose or double work:
mid-match, after the digest is written, after Slack acknowledged a part but before it is marked sent, and
between two parts.
"""

from __future__ import annotations

import os
import signal

ENV = "BORDERWATCH_CRASH_AT"
SIGNAL_ENV = "BORDERWATCH_SIGNAL_AT"


def crashpoint(name: str) -> None:
    if os.environ.get(ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)


def signalpoint(name: str) -> None:
    """Test-only: with BORDERWATCH_SIGNAL_AT=<point>, send this process SIGTERM here, as `systemctl stop` could at
    that moment (a signal from outside cannot be timed into a window of a few milliseconds)."""
    if os.environ.get(SIGNAL_ENV) == name:
        os.kill(os.getpid(), signal.SIGTERM)
