"""Storage failures in one line: "the disk is full, N free where the database lives", never a traceback.

SQLite reports a full disk as "database or disk is full" (SQLITE_FULL) or, when the WAL or journal write
fails first, as a bare "disk I/O error"; PostgreSQL as "could not extend file … No space left on device".
Either way the free space where the database lives says which it is.
"""

from __future__ import annotations

import os
import shutil

FULL_WORDS = ("database or disk is full", "no space left on device", "could not extend file", "disk full")
LOW_SPACE = 1024 * 1024  # an I/O error with less than this free is taken for a full disk


class StorageFailed(RuntimeError):
    """The database could not store what the crawl fetched; the crawl stopped (exit 2, nothing lost)."""


def database_dir(url: str) -> str | None:
    """The directory holding a SQLite database file, or None (PostgreSQL, in-memory)."""
    from borderwatch.store.db import sqlite_path

    path = sqlite_path(url)
    if path is None:
        return None
    return os.path.dirname(os.path.abspath(path)) or "."


def free_bytes(directory: str | None) -> int | None:
    if directory is None:
        return None
    try:
        return shutil.disk_usage(directory).free
    except OSError:
        return None


def human(n: int) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024
    return str(n)


def disk_full_message(url: str, exc: BaseException) -> str | None:
    """'the disk is full (12.0 KiB free in /var/lib/borderwatch, where the database lives)', or None when the
    error is not a full disk."""
    orig = getattr(exc, "orig", None) or exc
    text = str(orig).lower()
    directory = database_dir(url)
    free = free_bytes(directory)
    full = any(w in text for w in FULL_WORDS) or (
        "disk i/o error" in text and free is not None and free < LOW_SPACE
    )
    if not full:
        return None
    if directory is None or free is None:
        return "the disk is full where the database lives (the database server reports no space left)"
    return f"the disk is full ({human(free)} free in {directory}, where the database lives)"
