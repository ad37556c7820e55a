"""borderwatch sources check|list: is every outlet still reachable and yielding items?"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from pathlib import Path

from borderwatch.cli import add_common
from borderwatch.commands.common import err, friendly
from borderwatch.config import SourcesConfig, load_sources
from borderwatch.cycle import backfill_cutoff
from borderwatch.exitcodes import EXIT_ATTENTION, EXIT_ERROR, EXIT_OK
from borderwatch.store import SourceRow, Store, utcnow
from borderwatch.store.crawl import source_health

EXIT_FAILING = EXIT_ATTENTION  # a source failed the check


def _day(when: datetime | None) -> str:
    return when.strftime("%Y-%m-%d %H:%M") if when else "-"


def _history(store: Store) -> dict[str, SourceRow]:
    return {r.name: r for r in source_health(store)}


def _select(cfg: SourcesConfig, names: list[str] | None) -> set[str] | None:
    if not names:
        return None
    known = {s.name for s in cfg.sources}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise SystemExit(f"unknown source(s): {', '.join(unknown)} (see 'borderwatch sources list')")
    return set(names)


def print_table(rows: list[list[str]], header: list[str], stream) -> None:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(header)]
    fmt = "  ".join(f"{{:{w}}}" for w in widths[:-1]) + "  {}"
    stream.write(fmt.format(*header).rstrip() + "\n")
    for r in rows:
        stream.write(fmt.format(*r).rstrip() + "\n")


@friendly
def cmd_check(args) -> int:
    cfg = load_sources(Path(args.config_dir) / "sources.yaml")
    try:
        only = _select(cfg, args.source)
    except SystemExit as exc:
        err(str(exc))
        return EXIT_ERROR
    from borderwatch.crawler.run import run_crawl  # Scrapy is heavy: import it only to crawl

    store = Store()
    now = utcnow()
    report = run_crawl(cfg, store, backfill_cutoff(cfg, now), log_level="ERROR", mode="check", only=only)
    history = _history(store)
    order = [s.name for s in cfg.sources if s.enabled and (only is None or s.name in only)]
    rows, failing = [], set()
    configured = {s.name: s.discovery_urls for s in cfg.sources}
    for name in order:
        rep = report.for_source(name)
        h = history.get(name)
        urls = configured[name]

        def place(d, urls=urls):  # sources.yaml order, a sitemap index's children right after it
            top = d.parent or d.url
            return (urls.index(top) if top in urls else len(urls), d.parent is not None, d.url)

        for d in sorted(rep.documents, key=place):
            if d.error:
                failing.add(name)
            last_error = d.error or ""
            if not last_error and h is not None and h.last_error and (h.consecutive_failures or 0) > 0:
                last_error = f"({_day(h.last_error_at)[:10]}) {h.last_error.split('; ', 1)[0]}"
            row = {
                "source": name,
                "kind": d.kind,
                "url": d.url,
                "status": d.status,
                "items": d.items,
                "newest": d.newest.isoformat() if d.newest else None,
                "last_success": h.last_success_at.isoformat() if h and h.last_success_at else None,
                "error": d.error,
                "last_error": last_error or None,
            }
            rows.append(row)
    if args.json:
        for row in rows:
            print(json.dumps(row))
    else:
        header = ["source", "discovery URL", "HTTP", "items", "newest item", "last success", "last error"]
        table = [
            [
                r["source"],
                r["url"],
                str(r["status"]) if r["status"] is not None else "-",
                str(r["items"]) if not r["error"] else "-",
                (r["newest"] or "-")[:16].replace("T", " "),
                (r["last_success"] or "never")[:16].replace("T", " "),
                (r["last_error"] or "")[:90],
            ]
            for r in rows
        ]
        print_table(table, header, sys.stdout)
        print(
            f"{len(order) - len(failing)} of {len(order)} sources OK"
            + (f"; failing: {', '.join(n for n in order if n in failing)}" if failing else "")
            + f" ({report.requests} requests, {report.seconds:.1f} s)"
        )
    return EXIT_FAILING if failing else EXIT_OK


@friendly
def cmd_list(args) -> int:
    cfg = load_sources(Path(args.config_dir) / "sources.yaml")
    from borderwatch.crawler.plan import plan_for

    history = _history(Store())
    after = cfg.resolved.crawl.failure_alert_after
    header = ["source", "outlet", "discovery", "pages", "last success", "failures", "newest item", "state"]
    rows = []
    for src in cfg.sources:
        plan = plan_for(src)
        kinds: dict[str, int] = {}
        for kind, _, _ in plan.discovery:
            kinds[kind] = kinds.get(kind, 0) + 1
        h = history.get(src.name)
        fails = (h.consecutive_failures or 0) if h else 0
        state = "disabled" if not src.enabled else ("FAILING" if fails >= after else "ok")
        rows.append(
            [
                src.name,
                src.options.get("outlet", "-"),
                ", ".join(f"{k}x{n}" for k, n in kinds.items()) or "-",
                "fetched" if plan.fetch_pages else "feed only",
                _day(h.last_success_at) if h else "never",
                str(fails),
                _day(h.newest_item) if h else "-",
                state,
            ]
        )
    configured = {s.name for s in cfg.sources}
    for name, h in sorted(history.items()):
        if name not in configured:  # removed from sources.yaml: history kept, not crawled
            rows.append(
                [
                    name,
                    "-",
                    "-",
                    "-",
                    _day(h.last_success_at),
                    str(h.consecutive_failures or 0),
                    _day(h.newest_item),
                    "removed",
                ]
            )
    print_table(rows, header, sys.stdout)
    return EXIT_OK


def register(sub) -> None:
    p = sub.add_parser(
        "sources",
        help="check that every outlet's feeds, sitemaps and listings answer and yield items",
        description="Work with the outlets in sources.yaml.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Examples:\n  borderwatch sources check --config-dir ./config\n  borderwatch sources list",
    )
    ssub = p.add_subparsers(dest="sources_command", metavar="SUBCOMMAND")
    c = ssub.add_parser(
        "check",
        help="fetch every discovery URL now and print a health table",
        description="Fetch every feed, sitemap and listing page of the enabled sources (politely: robots.txt, "
        "conditional GET, the same timeouts as a run), fetch no article and change nothing in the database.\n"
        "Prints: source, discovery URL, HTTP status, items found, newest item date, last success, last error.\n"
        "Exit 0 when every source answered, 1 when any failed, 2 on a configuration or database error.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Example:\n  borderwatch sources check --config-dir ./config --source CNN",
    )
    add_common(c)
    c.add_argument("--source", action="append", metavar="NAME", help="check only this source (repeatable)")
    c.add_argument("--json", action="store_true", help="one JSON object per discovery URL")
    c.set_defaults(func=cmd_check)
    ls = ssub.add_parser(
        "list",
        help="list the configured sources and their recorded health (no network)",
        description="The sources in sources.yaml with their outlet profile, discovery kinds and the health "
        "recorded by past runs; sources removed from sources.yaml are listed as 'removed' (history kept).",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Example:\n  borderwatch sources list --config-dir ./config",
    )
    add_common(ls)
    ls.set_defaults(func=cmd_list)
    p.set_defaults(func=lambda args: (p.print_help(), EXIT_ERROR)[1])
