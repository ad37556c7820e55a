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


def crashpoint(name: str) -> None:
    if os.environ.get(ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)
