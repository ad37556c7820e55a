"""borderwatch run: one full cycle."""

from __future__ import annotations

import sys
from pathlib import Path

from borderwatch.alerts.delivery import from_env
from borderwatch.cli import EXIT_DELIVERY, add_common
from borderwatch.commands.common import err, friendly
from borderwatch.cycle import run_cycle
from borderwatch.lock import EXIT_BUSY
from borderwatch.stopping import EXIT_STOPPED
from borderwatch.store import Store


def print_crawl_report(report, stream=sys.stderr) -> None:
    rows = sorted(report.sources.values(), key=lambda r: r.name)
    stream.write(
        f"{'source':28} {'found':>5} {'new':>4} {'seen':>4} {'old':>4} {'fetched':>7} {'failed':>6}  status\n"
    )
    for r in rows:
        status = (
            "ok"
            if r.ok and not r.failed
            else ("FAILED: " + "; ".join(r.errors[:2]) if not r.ok else f"{r.failed} page errors")
        )
        stream.write(
            f"{r.name[:28]:28} {r.discovered:>5} {r.new:>4} {r.seen:>4} {r.old:>4} {r.fetched:>7} {r.failed:>6}  {status}\n"
        )
    stream.write(f"{report.requests} requests, {report.bytes / 1024:.0f} KiB downloaded\n")


def report_delivery(res, deliverer_kind: str) -> int:
    """One clear closing message for a cycle or a delivery; the exit code says what happened."""
    if res.busy:
        err(res.busy)
        err("nothing was done; try again when it has finished")
        return EXIT_BUSY
    for w in res.warnings:
        err("WARNING: " + w)
    d = res.delivery
    if res.stopped:
        err(f"stopped by SIGTERM before {res.stopped}; the next run continues from here, nothing is lost")
        return EXIT_STOPPED
    if d.error:
        err(f"digest not delivered: {d.error}")
        err("the items stay queued and will be sent on the next run")
        return EXIT_DELIVERY
    repeats = (
        f" ({d.repeats} later report{'s' if d.repeats != 1 else ''} of stories already sent left out)"
        if d.repeats
        else ""
    )
    if d.nothing_new and not d.parts_sent:
        print(
            "borderwatch: nothing new to report" + repeats,
            file=sys.stderr if deliverer_kind == "console" else sys.stdout,
        )
    elif deliverer_kind != "console":
        what = f"{d.items} items" if d.items else "the queued digest"
        print(f"digest sent to Slack ({deliverer_kind}): {what} in {d.parts_sent} message(s){repeats}")
    return 0


@friendly
def cmd_run(args) -> int:
    config_dir = Path(args.config_dir)
    store = Store()
    deliverer = from_env()
    res = run_cycle(
        config_dir,
        store,
        deliverer,
        log_level="ERROR" if args.quiet else ("INFO" if args.verbose else "WARNING"),
    )
    if not args.quiet and res.crawl is not None:
        print_crawl_report(res.crawl)
        err(f"matched {res.matched_articles} new articles, {res.fired} fired a rule")
    return report_delivery(res, deliverer.kind)


def register(sub) -> None:
    p = sub.add_parser(
        "run",
        help="one full cycle: crawl, extract, store, match, send the digest",
        description="Crawl the configured outlets, extract and store new articles, match the keyword rules and "
        "send one digest (Slack if SLACK_BOT_TOKEN+SLACK_CHANNEL or SLACK_WEBHOOK_URL is set, else the console).\n\n"
        "Exit 0 when the cycle completed (failed sources are reported), 2 on a config/database error,\n"
        "3 when the digest could not be delivered (it stays queued for the next run).",
        epilog="Example:\n  borderwatch run --config-dir ./config",
        formatter_class=__import__("argparse").RawDescriptionHelpFormatter,
    )
    add_common(p)
    p.set_defaults(func=cmd_run)
