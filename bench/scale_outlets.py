#!/usr/bin/env python
"""When one machine is not enough: a thousand outlets on loopback, a full cycle and a no-news cycle.

    python bench/scale_outlets.py                                  # 1,000 outlets x 5 articles, SQLite + PostgreSQL
    python bench/scale_outlets.py --outlets 300 --per-outlet 1     # the bigger day: 300 articles from 300 sources
    python bench/scale_outlets.py --backends sqlite --record       # also write the report into bench/RESULTS.md

Each outlet is its own loopback host (127.0.0.2-13 for the twelve, then 127.0.1.1, 127.0.1.2, ...), so Scrapy's
per-host politeness (robots.txt, 2 requests per host, AutoThrottle) applies per outlet exactly as on the web.
For each backend: the real CLI (`borderwatch run --json`, subprocess, a fresh database) runs a first cycle over
every article, then a second cycle in which every feed answers 304. Measured: wall time, CPU of the whole
process tree, peak RSS of the tree, requests, database size. The baseline, measured in the same invocation, is
trafilatura alone on the same pages (CPU per page): the ratios say what the pipeline costs on top of extraction.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench.fixture_site import BenchSite  # noqa: E402
from bench.measure import run_measured  # noqa: E402
from bench.run import MB, _json_line, _measured, fresh_workdir, log, trafilatura_alone  # noqa: E402

BEGIN, END = "<!-- BEGIN bench/scale_outlets.py -->", "<!-- END bench/scale_outlets.py -->"


def cycle(site: BenchSite, work: Path, db_url: str, extra_env: dict | None = None) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "BORDERWATCH_"))}
    env["BORDERWATCH_DB"] = db_url
    env.update(extra_env or {})
    site.clear_logs()
    m = run_measured(
        [sys.executable, "-m", "borderwatch", "run", "--json", "--config-dir", str(work / "config")],
        env=env,
        cwd=str(work),
        timeout=7200,
    )
    summary = _json_line(m)
    srcs = summary.get("sources", {}).values()
    out = _measured(m)
    out.update(
        {
            "requests": summary.get("requests"),
            "server_requests": len(site.request_log()),
            "new": sum(s.get("new", 0) for s in srcs),
            "failed_sources": sum(1 for s in srcs if s.get("failed")),
            "digest_items": summary.get("digest", {}).get("items"),
        }
    )
    if m.returncode not in (0, 1):
        out["stderr_tail"] = m.stderr[-1500:]
    return out


def db_size(db_url: str) -> int | None:
    from borderwatch.store import Store

    store = Store(db_url, migrate=False)
    try:
        return store.size_bytes()
    finally:
        store.dispose()


def run_backend(site: BenchSite, backend: str, pg, extra_env: dict | None = None) -> dict:
    work = fresh_workdir(f"scale-{backend}-{site.outlets}", site)
    url = f"sqlite:///{work / 'bw.db'}" if backend == "sqlite" else pg.create_database("scale")
    log(f"{backend}: first cycle over {site.articles} articles from {site.outlets} outlets")
    first = cycle(site, work, url, extra_env)
    first["db_mb"] = round((db_size(url) or 0) / MB, 1)
    log(f"{backend}: first cycle {first['wall_s']} s, {first['new']} new; now the no-news cycle")
    second = cycle(site, work, url, extra_env)
    second["db_mb"] = round((db_size(url) or 0) / MB, 1)
    return {"first": first, "second": second}


def report(args, base: dict, results: dict) -> str:
    lines = [
        f"`python bench/scale_outlets.py --outlets {args.outlets} --per-outlet {args.per_outlet}"
        f" --backends {','.join(args.backends)}` on {os.cpu_count()} cores, "
        f"load average at start {args.load:.1f}, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}",
        "",
        f"Baseline in the same run: trafilatura alone, {base['pages']} of the same pages: "
        f"{base['rate']:.1f} pages/s, {1000 * base['cpu_s'] / max(1, base['pages']):.1f} ms CPU per page.",
        "",
        "| backend | cycle | wall s | CPU s | CPU ms / article | × trafilatura CPU | peak RSS MB | requests | new | DB MB |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    per_page = base["cpu_s"] / max(1, base["pages"])
    for backend, r in results.items():
        for name in ("first", "second"):
            c = r[name]
            n = max(1, c["new"]) if name == "first" else max(1, args.outlets * args.per_outlet)
            ms = 1000 * c["cpu_s"] / n
            ratio = f"{(c['cpu_s'] / n) / per_page:.2f}" if name == "first" else "–"
            lines.append(
                f"| {backend} | {'full' if name == 'first' else 'no news (304)'} | {c['wall_s']:.1f} | "
                f"{c['cpu_s']:.1f} | {ms:.1f} | {ratio} | {c['peak_rss_mb']:.0f} | {c['requests']} | "
                f"{c['new']} | {c['db_mb']} |"
            )
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--outlets", type=int, default=1000)
    ap.add_argument("--per-outlet", type=int, default=5, help="new articles per outlet")
    ap.add_argument("--backends", type=lambda s: s.split(","), default=["sqlite", "postgresql"])
    ap.add_argument("--baseline-pages", type=int, default=200)
    ap.add_argument("--record", action="store_true", help="write the report into bench/RESULTS.md")
    ap.add_argument(
        "--inline-vs-pool",
        action="store_true",
        help="SQLite twice: the default (small days extracted in-process) and the pool from the first page",
    )
    args = ap.parse_args()
    args.load = os.getloadavg()[0]
    site = BenchSite(args.outlets * args.per_outlet, per_feed=max(10, args.per_outlet), outlets=args.outlets)
    site.keyword_every = 20
    results: dict[str, dict] = {}
    pg = None
    with site:
        base = trafilatura_alone(site, args.baseline_pages)
        if "postgresql" in args.backends:
            from tests.support.pgserver import PgServer

            pg = PgServer().start()
        try:
            for backend in args.backends:
                results[backend] = run_backend(site, backend, pg)
                log(f"{backend}: {json.dumps(results[backend], default=str)}")  # kept if a later one fails
            if args.inline_vs_pool:
                results["sqlite, pool from page 1"] = run_backend(
                    site, "sqlite", pg, {"BORDERWATCH_EXTRACT_INLINE": "0"}
                )
        finally:
            if pg is not None:
                pg.stop()
    text = report(args, base, results)
    print(text)
    print(json.dumps({"baseline": base, "results": results}, default=str), file=sys.stderr)
    if args.record:
        path = REPO / "bench" / "RESULTS.md"
        old = path.read_text() if path.exists() else ""
        block = f"{BEGIN}\n## A thousand outlets (bench/scale_outlets.py)\n\n{text}\n{END}"
        if BEGIN in old:
            old = old[: old.index(BEGIN)] + block + old[old.index(END) + len(END) :]
        else:
            old = old.rstrip() + "\n\n" + block + "\n"
        path.write_text(old)


if __name__ == "__main__":
    main()
