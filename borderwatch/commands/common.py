"""Helpers shared by subcommands: opening the database and reporting expected failures without tracebacks."""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path

from borderwatch.store import DatabaseError
from borderwatch.yamlload import ConfigError


def err(msg: str) -> None:
    print(f"borderwatch: {msg}", file=sys.stderr)


def explain_db_error(exc: Exception) -> list[str]:
    """One line saying what went wrong with the database, one saying what to do. Never a traceback."""
    from borderwatch.store import db_timeout, db_url, redact_url

    orig = getattr(exc, "orig", None)
    detail = (str(orig) if orig is not None else str(exc)).strip().splitlines()
    first = detail[0] if detail else type(exc).__name__
    low = " ".join(detail).lower()
    where = redact_url(db_url())
    from borderwatch.diskspace import disk_full_message

    full = disk_full_message(db_url(), exc)
    if full:
        return [
            f"database error: {full} ({first})",
            "free some space there and run again; nothing was changed",
        ]
    if "readonly" in low or "read-only" in low or "read only" in low:
        return [
            f"database error: the database is read-only ({first})",
            f"{where} must be writable by this user (file and its directory); nothing was changed",
        ]
    if "locked" in low or "lock timeout" in low or "could not obtain lock" in low:
        return [
            f"database error: the database is locked by another process ({first})",
            f"gave up after {db_timeout():g}s (BORDERWATCH_DB_TIMEOUT); nothing was changed — "
            "the next run picks up where this one stopped",
        ]
    if "unable to open" in low or "connection" in low or "could not connect" in low:
        return [
            f"database error: cannot open {where} ({first})",
            "check BORDERWATCH_DB: the database must exist (PostgreSQL) or its directory be writable (SQLite)",
        ]
    return [
        f"database error: {type(orig or exc).__name__}: {first}",
        f"check BORDERWATCH_DB ({where}): the database must be reachable and writable",
    ]


def missing_config_hint(args, exc: ConfigError) -> str | None:
    """How to get a config, when the error is that the config directory's files are not there at all."""
    config_dir = getattr(args, "config_dir", None)
    if config_dir is None:
        return None
    base = Path(config_dir)
    missing = [
        p for p in exc.problems if p.message.startswith("file not found") and Path(p.file).parent == base
    ]
    if not missing:
        return None
    names = " and ".join(Path(p.file).name for p in missing)
    return (
        f"{config_dir}/ has no {names}: create the shipped, commented config with `borderwatch init {config_dir}`, "
        "or point --config-dir at the directory that holds your sources.yaml and keywords.yaml"
    )


def friendly(fn: Callable[..., int]) -> Callable[..., int]:
    """Turn expected failures (bad config, database problems) into one clear message and exit code 2."""

    @wraps(fn)
    def wrapper(args) -> int:
        from borderwatch.diskspace import StorageFailed
        from borderwatch.migrations import SchemaError

        try:
            return fn(args)
        except ConfigError as exc:
            err("configuration error:\n" + str(exc))
            hint = missing_config_hint(args, exc)
            if hint:
                err(hint)
            return 2
        except SchemaError as exc:
            err(f"database schema: {exc}")
            return 2
        except StorageFailed as exc:
            err(str(exc))
            return 2
        except DatabaseError as exc:
            for line in explain_db_error(exc):
                err(line)
            return 2

    return wrapper
