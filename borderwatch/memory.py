"""Give freed memory back to the OS between the stages of a run (glibc's malloc_trim).

A small server runs the daily cycle in little memory, and the stages peak one after the other: the crawl
(pages in flight, lxml trees), then matching (the language model), then delivery (near-duplicate
sketches). glibc keeps most of what a stage freed inside its heaps, so each stage would start from the
last one's high-water mark; malloc_trim(0) returns the free pages of every arena (glibc >= 2.8 releases
whole free pages anywhere in a heap, not only at its top). Elsewhere (not glibc) this is a no-op.
"""

from __future__ import annotations

import gc

_TRIM = None


def release_freed() -> None:
    """Collect garbage, then hand the free pages of the C heap back to the OS."""
    global _TRIM
    gc.collect()
    if _TRIM is None:
        try:
            import ctypes

            _TRIM = ctypes.CDLL("libc.so.6").malloc_trim
        except (OSError, AttributeError):  # not glibc
            _TRIM = False
    if _TRIM:
        _TRIM(0)
