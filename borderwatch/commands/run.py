"""borderwatch run: one full cycle."""

from __future__ import annotations

import argparse
import json
import signal
import sys
from pathlib import Path

from borderwatch.alerts.delivery import ConsoleDeliverer, from_env
from borderwatch.cli import add_common
from borderwatch.commands.common import err, friendly
from borderwatch.commands.trends import report_weekly
from borderwatch.cycle import matches_by_source, run_cycle
from borderwatch.exitcodes import EXIT_BUSY, EXIT_DELIVERY, EXIT_OUTAGE
from borderwatch.progress import Progress
from borderwatch.stopping import exit_code, signame
from borderwatch.store import Store, utcnow


def report_delivery(res, deliverer_kind: str, quiet: bool = False) -> int:
    """One clear closing message for a cycle or a delivery; the exit code says what happened.

    quiet (also --json): only problems are reported, on stderr; stdout stays the digest or the JSON summary.
    """
    if res.busy:
        err(res.busy)
        err("nothing was done; try again when it has finished")
        return EXIT_BUSY
    for w in res.warnings:
        err("WARNING: " + w)
    if getattr(res, "archive", None) is not None and res.archive.error:
        err("WARNING: " + res.archive.error + " (the digest itself was delivered; the next run retries)")
    d = res.delivery
    if res.stopped:
        signum = res.stopped_by or signal.SIGTERM
        err(
            f"stopped by {signame(signum)} before {res.stopped}; the next run continues from here, "
            "nothing is lost"
        )
        return exit_code(signum)
    if d.error:
        if d.delivered:
            from borderwatch.alerts.delivery import describe_destination

            sent = ", ".join(dict.fromkeys(describe_destination(x) for x in d.delivered))
            err(f"digest sent to {sent} ({d.parts_sent} message(s))")
        err(f"digest not delivered: {d.error}")
        err("the items stay queued and will be sent on the next run")
        return EXIT_DELIVERY
    if res.outage:  # (the warning line above said it; the exit code lets a monitor see it)
        err("not one feed, sitemap or listing answered: check the network and DNS; nothing is lost")
        return EXIT_OUTAGE
    if quiet:
        return 0
    repeats = (
        f" ({d.repeats} later report{'s' if d.repeats != 1 else ''} of stories already sent left out)"
        if d.repeats
        else ""
    )
    if d.nothing_new and (not d.parts_sent or (deliverer_kind == "console" and d.warnings_sent)):
        # console: a quiet-day warning message (if any) is already on stdout; this line stays on stderr
        found = ""
        if d.delivered and not d.parts_sent and deliverer_kind != "console":
            from borderwatch.alerts.delivery import describe_destination

            where = ", ".join(dict.fromkeys(describe_destination(x) for x in d.delivered))
            found = f"; the unfinished digest for {where} was found already posted (not re-sent)"
        print(
            "borderwatch: nothing new to report" + repeats + found,
            file=sys.stderr if deliverer_kind == "console" else sys.stdout,
        )
    elif d.nothing_new and d.warnings_sent:
        n = d.warnings_sent
        print(
            f"borderwatch: nothing new to report{repeats}; {n} warning{'s' if n != 1 else ''} "
            f"sent to Slack ({deliverer_kind}) in one message"
        )
    elif deliverer_kind != "console":
        what = f"{d.items} items" if d.items else "the queued digest"
        print(f"digest sent to Slack ({deliverer_kind}): {what} in {d.parts_sent} message(s){repeats}")
    return 0


def execute(args, config_dir: Path, deliverer=None, footer: str | None = None) -> int:
    """Run one cycle with progress and a summary; shared by `run` and `demo`."""
    store = Store()
    store.check_writable()  # read-only or locked: say so now, before crawling anything
    if deliverer is None:
        # With --json the console digest goes to stderr, so stdout carries only the JSON summary.
        deliverer = from_env(out=sys.stderr if args.json else None)
    started = utcnow()
    progress = Progress(enabled=not args.quiet and not args.json)
    level = (
        "ERROR" if args.quiet else ("DEBUG" if args.verbose > 1 else "INFO" if args.verbose else "WARNING")
    )
    try:
        res = run_cycle(config_dir, store, deliverer, log_level=level, on_tick=progress.tick)
    finally:
        progress.close()
    matches = matches_by_source(store, started)
    code = report_weekly(
        res.trends, deliverer.kind, report_delivery(res, deliverer.kind, quiet=args.quiet or args.json)
    )
    if args.json:
        d = res.delivery
        print(
            json.dumps(
                {
                    "sources": res.crawl.source_counts(matches) if res.crawl else {},
                    "requests": res.crawl.requests if res.crawl else 0,
                    "bytes": res.crawl.bytes if res.crawl else 0,
                    "matched_articles": res.matched_articles,
                    "fired": res.fired,
                    "digest": {
                        "delivery": deliverer.kind,
                        "items": d.items if d else 0,
                        "parts_sent": d.parts_sent if d else 0,
                        "nothing_new": d.nothing_new if d else False,
                        "warnings_sent": d.warnings_sent if d else 0,
                        "error": d.error if d else None,
                    },
                    **(
                        {
                            "archive": {
                                "dir": res.archive.dir,
                                "written": len(res.archive.written),
                                "error": res.archive.error,
                            }
                        }
                        if res.archive is not None
                        else {}
                    ),
                    "busy": res.busy,
                    "stopped": res.stopped,
                    "outage": res.outage,
                    "warnings": res.warnings,
                    "exit_code": code,
                },
                ensure_ascii=False,
            )
        )
    elif not args.quiet and res.crawl is not None:
        progress.summary(res.crawl, matches)
        if footer:
            print("\n" + footer, file=sys.stderr)
    return code


@friendly
def cmd_run(args) -> int:
    return execute(args, Path(args.config_dir))


def register(sub) -> None:
    p = sub.add_parser(
        "run",
        help="one full cycle: crawl, extract, store, match, send the digest",
        description="Crawl the configured outlets, extract and store new articles, match the keyword rules and "
        "send one digest (Slack if SLACK_BOT_TOKEN+SLACK_CHANNEL or SLACK_WEBHOOK_URL is set, else the console).\n\n"
        "Exit 0 when the cycle completed (failed sources are reported), 2 on a config/database error,\n"
        "3 when the digest could not be delivered (it stays queued for the next run), 4 when another run holds\n"
        "the lock (nothing done), 5 when not one source could be reached (network down?), 143 when stopped by SIGTERM between steps (the next run continues; 130 for\n"
        "SIGINT during the crawl).",
        epilog="Examples:\n  borderwatch run --config-dir ./config\n  borderwatch run --json > summary.json",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_common(p)
    p.add_argument(
        "--json", action="store_true", help="print a JSON summary on stdout (digest text goes to stderr)"
    )
    p.set_defaults(func=cmd_run)


__all__ = ["ConsoleDeliverer", "execute", "register", "report_delivery"]
