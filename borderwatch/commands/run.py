"""borderwatch run: one full cycle."""

from __future__ import annotations

import sys
from pathlib import Path

from borderwatch.alerts.delivery import from_env
from borderwatch.cli import EXIT_DELIVERY, add_common
from borderwatch.commands.common import err, friendly
from borderwatch.cycle import run_cycle
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
    d = res.delivery
    for w in res.warnings:
        err("WARNING: " + w)
    if d.error:
        err(f"digest not delivered: {d.error}")
        err("the items stay queued and will be sent on the next run")
        return EXIT_DELIVERY
    if d.nothing_new and not d.parts_sent:
        print(
            "borderwatch: nothing new to report",
            file=sys.stderr if deliverer_kind == "console" else sys.stdout,
        )
    elif deliverer_kind != "console":
        print(f"digest sent to Slack ({deliverer_kind}): {d.items} items in {d.parts_sent} message(s)")
    return 0


@friendly
def cmd_run(args) -> int:
    config_dir = Path(args.config_dir)
    store = Store()
    store.check_writable()  # read-only or locked: say so now, before crawling anything
    deliverer = from_env()
    res = run_cycle(
        config_dir,
        store,
        deliverer,
        log_level="ERROR" if args.quiet else ("INFO" if args.verbose else "WARNING"),
    )
    if not args.quiet:
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
