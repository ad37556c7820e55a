"""borderwatch crawl: crawl and store only (no matching, no sending)."""

from __future__ import annotations

import argparse
from pathlib import Path

from borderwatch.cli import add_common
from borderwatch.commands.common import err, friendly
from borderwatch.config import load_sources
from borderwatch.cycle import crawl_stage
from borderwatch.exitcodes import EXIT_BUSY
from borderwatch.lock import RunBusy, run_lock
from borderwatch.progress import Progress
from borderwatch.stopping import exit_code, signame
from borderwatch.store import Store, utcnow


@friendly
def cmd_crawl(args) -> int:
    cfg = load_sources(Path(args.config_dir) / "sources.yaml")
    progress = Progress(enabled=not args.quiet)
    store = Store()
    try:
        # Under the run lock, as `run` and `deliver` are: a crawl beside a running cycle would race it for the
        # same feeds and crawl-state rows, and the cycle's crash recovery would take it for a dead run.
        with run_lock(store, what="borderwatch crawl"):
            report = crawl_stage(cfg, store, utcnow(), on_tick=progress.tick)
    except RunBusy as exc:
        err(str(exc))
        err("nothing was done; try again when it has finished")
        return EXIT_BUSY
    if not args.quiet:
        progress.summary(report, {})
    if report.storage_error:
        err(f"{report.storage_error}; the crawl stopped, nothing is lost: free some space and crawl again")
        return 2
    if report.stop_signal is not None:  # the crawl counts as interrupted: its feeds are re-read next time
        err(f"stopped by {signame(report.stop_signal)}; the next crawl re-reads the feeds, nothing is lost")
        return exit_code(report.stop_signal)
    return 0


def register(sub) -> None:
    p = sub.add_parser(
        "crawl",
        help="crawl the outlets and store new articles (no matching, no digest)",
        description="Fetch new articles from every source in sources.yaml and store them.\n"
        "Exit 0 when done, 2 when the database is not writable, 4 when another run holds the run lock,\n"
        "143 when stopped by SIGTERM (130 by SIGINT).",
        epilog="Example:\n  borderwatch crawl --config-dir ./config",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_common(p)
    p.set_defaults(func=cmd_crawl)
