"""`borderwatch` command line: one entry point, one module per subcommand under borderwatch/commands/."""

from __future__ import annotations

import argparse
import atexit
import gc
import importlib
import logging
import sys

from borderwatch import __version__, logs
from borderwatch.exitcodes import EXIT_ERROR

# Each module exposes register(subparsers) and sets a `func(args) -> int` default.
COMMANDS = [
    "run",
    "demo",
    "init",
    "crawl",
    "match",
    "deliver",
    "digest",
    "schedule",
    "listen",
    "rules",
    "sources",
    "trends",
    "db",
    "status",
]


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    pass


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="borderwatch",
        formatter_class=HelpFormatter,
        description="Watch public reporting on the cartel drone threat along the US-Mexico border and send a daily digest.",
        epilog="Example:\n  borderwatch run --config-dir ./config\n\nSee 'borderwatch COMMAND --help' for each command.",
    )
    p.add_argument("--version", action="version", version=f"borderwatch {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(f"borderwatch.commands.{name}").register(sub)
    return p


def add_common(p: argparse.ArgumentParser, config_dir: bool = True) -> None:
    if config_dir:
        p.add_argument(
            "--config-dir",
            default="config",
            metavar="DIR",
            help="directory holding sources.yaml and keywords.yaml (default: ./config)",
        )
    p.add_argument("-v", "--verbose", action="count", default=0, help="more log output (-vv for debug)")
    p.add_argument("-q", "--quiet", action="store_true", help="only errors")


def log_level(args) -> int:
    if getattr(args, "quiet", False):
        return logging.ERROR
    return {0: logging.WARNING, 1: logging.INFO}.get(getattr(args, "verbose", 0), logging.DEBUG)


def _fast_exit() -> None:
    """At interpreter exit: close the database connections, then keep the interpreter's final garbage
    collection off the heap the command built (Scrapy, SQLAlchemy, the matcher). That collection was
    ~0.4 s of a 2 s run with nothing new; every object still gets freed when the process ends."""
    db = sys.modules.get("borderwatch.store.db")
    if db is not None:
        db.close_all()
    gc.disable()
    gc.freeze()


_exit_registered = False


def main(argv: list[str] | None = None) -> int:
    global _exit_registered
    if (sys.argv[1:] if argv is None else argv)[:1] == ["run"]:
        from borderwatch.crashpoint import signalpoint
        from borderwatch.stopping import hold_early_stop

        hold_early_stop()  # a SIGTERM during start-up stops the run before its first step (exit 143)
        signalpoint("startup")
    if not _exit_registered:  # (main runs many times in one test process: register once)
        atexit.register(_fast_exit)
        _exit_registered = True
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_ERROR
    logs.setup(log_level(args))
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `borderwatch rules check | head`: the reader left; not an error of ours
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
