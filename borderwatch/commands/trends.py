"""borderwatch trends: the weekly trends chart and sentence, on demand (nothing is sent)."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date, timedelta
from pathlib import Path

from borderwatch.alerts.rules import RuleSet, parse_rules_text
from borderwatch.alerts.rules_cache import load_rules
from borderwatch.alerts.stage import LAST_GOOD_KEY
from borderwatch.alerts.trends import DEFAULT_WEEKS, compute_trends, day_start, save_png
from borderwatch.cli import add_common
from borderwatch.commands.common import err, friendly
from borderwatch.exitcodes import EXIT_DELIVERY
from borderwatch.lastgood import load_or_last_good
from borderwatch.store import Store, utcnow

MAX_WEEKS = 104


def _weeks(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        n = 0
    if not 2 <= n <= MAX_WEEKS:
        raise argparse.ArgumentTypeError(f"must be a whole number from 2 to {MAX_WEEKS}, got {value!r}")
    return n


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date like 2026-11-22, got {value!r}") from None


def _ruleset(store: Store, path: Path) -> RuleSet | None:
    """The rules file for topic names and order; if it is broken, the last good copy (as the run does)."""
    got = load_or_last_good(store, path, load_rules, parse_rules_text, LAST_GOOD_KEY, remember=False)
    if got.error is None:
        return got.value
    if got.value is None:
        raise got.error
    err(f"WARNING: {path} is invalid; using the last good rules for topic names.\n{got.error}")
    return got.value


@friendly
def cmd_trends(args) -> int:
    if args.out and not args.out.lower().endswith(".png"):
        err(f"--out must name a .png file, got {args.out!r}")
        return 2
    store = Store()
    ruleset = _ruleset(store, Path(args.config_dir) / "keywords.yaml")
    last_day = args.end or (day_start(utcnow()) - timedelta(days=1)).date()
    trends = compute_trends(store, ruleset, day_start(last_day + timedelta(days=1)), args.weeks, utcnow())
    out = args.out or (None if args.json else f"borderwatch-trends-{last_day.isoformat()}.png")
    path = None
    if out:
        try:
            path = save_png(trends, Path(out))
        except OSError as exc:
            err(f"could not write the chart to {out}: {exc.strerror or exc}")
            return 2
    if args.json:
        print(json.dumps({**trends.to_json(), "png": str(path) if path else None}, ensure_ascii=False))
    else:
        print(trends.summary())
        if path:
            print(f"Chart saved to {path}")
    return 0


def report_weekly(outcome, kind: str, code: int) -> int:
    """`borderwatch run`'s lines for the weekly chart. One that could not be sent exits 3, like the digest."""
    if outcome is None:
        return code
    if outcome.status == "config_error":
        err(f"weekly trends chart not sent: configuration error: {outcome.error}")
        return code or 2
    if outcome.status == "failed":
        err(f"weekly trends chart not delivered: {outcome.error}")
        err("it will be retried on the next run (never posted twice)")
        return code or EXIT_DELIVERY
    if outcome.status in ("sent", "recovered") and kind != "console":
        # stderr, like the other run lines: stdout is the digest (console) or the --json summary
        print(
            f"weekly trends sent ({kind}): {outcome.sentence}\nchart saved to {outcome.path}", file=sys.stderr
        )
    return code


def register(sub) -> None:
    p = sub.add_parser(
        "trends",
        help="weekly trends per topic: a chart (PNG) and the change in words",
        description="Count matched articles per topic (rule) per week, name this week's change against the "
        "average of the 4 weeks before, and draw the chart the weekly digest carries. Weeks are whole UTC days "
        "ending with --end (default: yesterday). Nothing is sent.\n\n"
        "The weekly chart goes out with the digest on sources.yaml settings.trends_day (or "
        "BORDERWATCH_TRENDS_DAY; default monday, 'off' to disable).",
        epilog="Examples:\n  borderwatch trends\n  borderwatch trends --weeks 26 --out trends.png\n"
        "  borderwatch trends --json > trends.json",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--weeks",
        type=_weeks,
        default=DEFAULT_WEEKS,
        metavar="N",
        help=f"weeks to show (default {DEFAULT_WEEKS})",
    )
    p.add_argument(
        "--out",
        metavar="FILE.png",
        help="where to write the chart (default ./borderwatch-trends-<last day>.png; with --json: no chart "
        "unless --out is given)",
    )
    p.add_argument("--json", action="store_true", help="print the counts and the sentence as JSON")
    p.add_argument(
        "--end", type=_day, metavar="YYYY-MM-DD", help="last day counted (default: yesterday, UTC)"
    )
    add_common(p)
    p.set_defaults(func=cmd_trends)
