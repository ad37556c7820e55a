"""Scrapy's HTTP/1.1 download handler, imported without inspect.stack()'s walk of the whole stack.

Importing the handler imports scrapy.core.downloader.tls and .contextfactory, which define three deprecated
aliases with scrapy.utils.deprecate.create_deprecated_class. That function calls inspect.stack() for one thing,
the module of its caller (`inspect.stack()[1]`), and inspect.stack() builds a FrameInfo for every frame on the
stack: it reads each frame's source and, for importlib's frozen frames, scans sys.modules. Three calls, deep in
the import chain of a `borderwatch run`, cost 0.25-0.35 s of CPU in every crawling process, more than a tenth of
a run with nothing new (bench/RESULTS.md). For this one import inspect.stack answers with the two frames the
caller reads, built the way inspect.stack builds them, and inspect.getmodule, which it then calls on the caller's
frame, answers from the frame's globals instead of resolving every loaded module's path; the real functions are
back before the import returns, and the aliases get the same __module__ (tests/test_scrapy_tls.py).
"""

from __future__ import annotations

import inspect
import sys
from collections.abc import Iterator
from contextlib import contextmanager


def _caller_frames(context: int = 1) -> list[inspect.FrameInfo]:
    """inspect.stack()'s first two entries only: the frame that asked and the one that called it."""
    asking = sys._getframe(1)
    return [inspect.FrameInfo(f, *inspect.getframeinfo(f, context)) for f in (asking, asking.f_back) if f]


def _frame_module(obj, _filename=None):
    """inspect.getmodule() for a module body's frame: the module it runs, by name. The real one resolves the
    frame's file against every loaded module's real path (an lstat per path component: ~0.1 s the first time)."""
    if inspect.isframe(obj):
        module = sys.modules.get(obj.f_globals.get("__name__", ""))
        if module is not None and getattr(module, "__dict__", None) is obj.f_globals:
            return module
    return _real_getmodule(obj, _filename)


_real_getmodule = inspect.getmodule


@contextmanager
def _shallow_inspect() -> Iterator[None]:
    real_stack = inspect.stack
    inspect.stack, inspect.getmodule = _caller_frames, _frame_module
    try:
        yield
    finally:
        inspect.stack, inspect.getmodule = real_stack, _real_getmodule


if "scrapy.core.downloader.handlers.http11" in sys.modules:
    from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler
else:
    with _shallow_inspect():
        from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler

__all__ = ["HTTP11DownloadHandler"]
