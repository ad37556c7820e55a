"""Helpers shared by subcommands: opening the database and reporting expected failures without tracebacks."""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps

from sqlalchemy.exc import DBAPIError, SQLAlchemyError

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


def friendly(fn: Callable[..., int]) -> Callable[..., int]:
    """Turn expected failures (bad config, database problems) into one clear message and exit code 2."""

    @wraps(fn)
    def wrapper(args) -> int:
        from borderwatch.migrations import SchemaError

        try:
            return fn(args)
        except ConfigError as exc:
            err("configuration error:\n" + str(exc))
            return 2
        except SchemaError as exc:
            err(f"database schema: {exc}")
            return 2
        except (DBAPIError, SQLAlchemyError) as exc:
            for line in explain_db_error(exc):
                err(line)
            return 2

    return wrapper
