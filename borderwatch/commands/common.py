"""Helpers shared by subcommands: opening the database and reporting expected failures without tracebacks."""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps

from sqlalchemy.exc import OperationalError, SQLAlchemyError

from borderwatch.yamlload import ConfigError


def err(msg: str) -> None:
    print(f"borderwatch: {msg}", file=sys.stderr)


def friendly(fn: Callable[..., int]) -> Callable[..., int]:
    """Turn expected failures (bad config, database problems) into one clear message and exit code 2."""

    @wraps(fn)
    def wrapper(args) -> int:
        try:
            return fn(args)
        except ConfigError as exc:
            err("configuration error:\n" + str(exc))
            return 2
        except OperationalError as exc:
            err(f"database error: {str(exc.orig) if exc.orig else exc}".splitlines()[0])
            err(
                "check BORDERWATCH_DB: the database must be reachable and writable (is another run holding it?)"
            )
            return 2
        except SQLAlchemyError as exc:
            err(f"database error: {type(exc).__name__}: {str(exc).splitlines()[0]}")
            return 2

    return wrapper
