#!/usr/bin/env python
"""borderwatch benchmarks: the daily run on a small 2-core server, measured against baselines in the same run.

    python bench/run.py --quick      # 100 and 1,000 articles, peers on 100 URLs: a few minutes
    python bench/run.py              # + 10,000 articles, in-process extraction, peers on 1,000 URLs
    python bench/run.py --record     # also write the report into bench/RESULTS.md

What runs (see bench/RESULTS.md for the figures):
1. Throughput: the real CLI (`borderwatch run --json`, subprocess, fresh SQLite) over the loopback site of
   bench/fixture_site.py (crawl -> extract -> store -> match -> digest), articles/s, versus
   trafilatura.bare_extraction in a plain loop over the same HTML in this process.
2. Matcher: every bench/bench_*.py present is run and its output shown (bench_matcher.py).
3. Scale: a full first cycle at each size: wall time, peak RSS (and PSS) of the whole process tree, DB size;
   then a second cycle with nothing changed (every feed answers 304).
4. Second-run cost: requests and bytes of the unchanged run versus the first (CLI summary + server log).
5. Peers: news-please and newspaper4k (installed into bench/.venvs/peers, never into our environment)
   fetching and extracting the same article URLs from the same site: articles/s and peak RSS.

Absolute times on a shared machine are noise; the ratios are measured back to back in one invocation.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

try:
    import psutil  # noqa: F401
except ImportError:  # pragma: no cover
    raise SystemExit("bench needs psutil: pip install -e '.[bench]'  (or: pip install psutil)") from None

from bench.fixture_site import BenchSite  # noqa: E402
from bench.measure import Measured, dir_size, run_measured  # noqa: E402
from borderwatch.crawler.extract import EXTRACT_OPTIONS  # noqa: E402
from borderwatch.store import CompressedText  # noqa: E402

BENCH = REPO / "bench"
WORK = BENCH / ".work"
PEER_VENV = BENCH / ".venvs" / "peers"
RESULTS = BENCH / "RESULTS.md"
BEGIN, END = "<!-- BEGIN bench/run.py -->", "<!-- END bench/run.py -->"
MB = 1024 * 1024

# The same options crawler/extract.py passes: the baseline does the same extraction work.
TRAFILATURA_KW = EXTRACT_OPTIONS


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# -- borderwatch ----------------------------------------------------------------------------------------------
def cli_env(db: Path, workers: int | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "BORDERWATCH_"))}
    env["BORDERWATCH_DB"] = f"sqlite:///{db}"
    if workers is not None:
        env["BORDERWATCH_EXTRACT_WORKERS"] = str(workers)
    return env


def db_stats(db: Path) -> dict:
    con = sqlite3.connect(db)
    # Article text is zlib-compressed on SQLite (borderwatch.store.CompressedText): read it as the ORM does.
    con.create_function(
        "plain", 1, lambda v: CompressedText().process_result_value(v, None), deterministic=True
    )
    try:
        q = lambda sql: con.execute(sql).fetchone()[0]  # noqa: E731
        return {
            "articles": q("select count(*) from articles"),
            "with_text": q("select count(*) from articles where length(coalesce(plain(text), '')) > 0"),
            "with_marker": q("select count(*) from articles where plain(text) like '%Update %:%'"),
            "matched_articles": q("select count(distinct article_id) from matches"),
            "db_bytes": dir_size(str(db), f"{db}-wal", f"{db}-shm"),
        }
    finally:
        con.close()


def server_stats(site: BenchSite) -> dict:
    reqs = site.request_log()
    by_status: dict[str, int] = {}
    for r in reqs:
        by_status[str(r.status)] = by_status.get(str(r.status), 0) + 1
    return {"requests": len(reqs), "body_bytes": sum(r.bytes for r in reqs), "by_status": by_status}


def borderwatch_cycle(site: BenchSite, work: Path, workers: int | None) -> dict:
    """One `borderwatch run --json` against the site, measured; the work dir (config + DB) is kept."""
    cfg = work / "config"
    db = work / "bw.db"
    site.clear_logs()
    m = run_measured(
        [sys.executable, "-m", "borderwatch", "run", "--json", "--config-dir", str(cfg)],
        env=cli_env(db, workers),
        cwd=str(work),
    )
    summary = _json_line(m)
    out = _measured(m)
    out.update(
        {
            "cli_requests": summary.get("requests"),
            "cli_bytes": summary.get("bytes"),
            "new": sum(s["new"] for s in summary.get("sources", {}).values()),
            "fetched": sum(s["fetched"] for s in summary.get("sources", {}).values()),
            "failed": sum(s["failed"] for s in summary.get("sources", {}).values()),
            "not_modified": sum(s["not_modified"] for s in summary.get("sources", {}).values()),
            "digest_items": summary.get("digest", {}).get("items"),
            "server": server_stats(site),
            **db_stats(db),
        }
    )
    return out


def fresh_workdir(name: str, site: BenchSite, workers: int | None = None) -> Path:
    work = WORK / name
    shutil.rmtree(work, ignore_errors=True)
    (work / "config").mkdir(parents=True)
    (work / "config" / "sources.yaml").write_text(site.sources_yaml(workers))
    shutil.copy(REPO / "config" / "keywords.yaml", work / "config" / "keywords.yaml")
    return work


def _json_line(m: Measured) -> dict:
    for line in reversed(m.stdout.strip().splitlines()):
        if line.startswith("{"):
            return json.loads(line)
    raise SystemExit(f"no JSON summary from {' '.join(m.cmd)} (exit {m.returncode}):\n{m.stderr[-3000:]}")


def _measured(m: Measured) -> dict:
    return {
        "exit": m.returncode,
        "wall_s": round(m.wall, 3),
        "peak_rss_mb": round(m.peak_rss / MB, 1),
        "peak_pss_mb": round(m.peak_pss / MB, 1),
        "peak_procs": m.peak_procs,
        "cpu_s": round(m.cpu, 2),
        "cpu_main_s": round(m.cpu_root, 2),
        "largest_procs_mb": sorted((round(v / MB, 1) for v in m.per_proc_peak.values()), reverse=True)[:6],
    }


# -- baseline: trafilatura alone ------------------------------------------------------------------------------
def trafilatura_alone(site: BenchSite, limit: int) -> dict:
    """bare_extraction in a plain loop over the same bytes the server sends; only extraction is timed."""
    import trafilatura

    n = ok = marked = 0
    spent = cpu = 0.0
    for url, body in site.pages(limit):
        html = body.decode("utf-8")
        t, c = time.perf_counter(), time.process_time()
        doc = trafilatura.bare_extraction(html, url=url, **TRAFILATURA_KW)
        spent += time.perf_counter() - t
        cpu += time.process_time() - c
        n += 1
        text = (doc.as_dict().get("text") or "") if doc is not None else ""
        ok += bool(text.strip())
        marked += f"Update {url.rstrip('/').rsplit('-', 1)[-1]}:" in text
    return {
        "pages": n,
        "with_text": ok,
        "with_marker": marked,
        "seconds": round(spent, 3),
        "cpu_s": round(cpu, 3),
        "rate": n / spent,
        "load": " ".join(f"{x:.1f}" for x in os.getloadavg()),
    }


# -- peers ----------------------------------------------------------------------------------------------------
def throughput_pair(cycle: dict, base: dict) -> dict:
    """One pipeline cycle and the baseline loop run right after it: their ratios (wall and CPU per article).

    The machine's speed drifts (shared cores: one run here measured 1.65x and the next, 20 minutes later, 1.28x),
    and a ratio of two runs minutes apart carries that drift; pairs run back to back, repeated, and their median
    carry much less of it.
    """
    rate = cycle["with_text"] / cycle["wall_s"]
    return {
        "wall_s": cycle["wall_s"],
        "with_text": cycle["with_text"],
        "cpu_ms_per_article": 1000 * cycle["cpu_s"] / max(1, cycle["articles"]),
        "base_rate": base["rate"],
        "base_cpu_ms_per_page": 1000 * base["cpu_s"] / max(1, base["pages"]),
        "ratio": rate / base["rate"],
        "cpu_ratio": (cycle["cpu_s"] / max(1, cycle["articles"])) / (base["cpu_s"] / max(1, base["pages"])),
    }


def ensure_peer_venv() -> tuple[Path | None, str]:
    """bench/.venvs/peers with news-please (and the newspaper4k it depends on); (python, '') or (None, why)."""
    py = PEER_VENV / "bin" / "python"
    req = BENCH / "peers" / "requirements.txt"
    stamp = PEER_VENV / ".installed"
    if py.exists() and stamp.exists() and stamp.read_text() == req.read_text():
        return py, ""
    log(f"creating {PEER_VENV.relative_to(REPO)} and installing news-please (about a minute)")
    shutil.rmtree(PEER_VENV, ignore_errors=True)
    base = getattr(sys, "_base_executable", None) or sys.executable
    for cmd in (
        [base, "-m", "venv", str(PEER_VENV)],
        [str(py), "-m", "pip", "install", "-q", "-r", str(req)],
    ):
        p = subprocess.run(cmd, capture_output=True, text=True)
        if p.returncode != 0:
            return None, f"`{' '.join(cmd[-3:])}` failed: {(p.stderr or p.stdout).strip()[-800:]}"
    stamp.write_text(req.read_text())
    return py, ""


def peer_run(py: Path, driver: str, urls_file: Path) -> dict:
    env = dict(os.environ)
    env["TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS"] = ""  # newspaper's tldextract: bundled list, no network fetch
    m = run_measured([str(py), str(BENCH / "peers" / driver), str(urls_file)], env=env)
    if m.returncode != 0:
        return {"error": f"exit {m.returncode}: {m.stderr.strip()[-800:]}", **_measured(m)}
    res = _json_line(m)
    out = _measured(m)
    out.update(res)
    out["rate"] = res["articles"] / m.wall if m.wall else 0.0
    return out


# -- report ---------------------------------------------------------------------------------------------------
def ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}×" if b else "n/a"


def verdict(ok: bool) -> str:
    return "**met**" if ok else "**not met**"


def report(r: dict) -> str:
    env, scales = r["env"], r["scales"]
    L: list[str] = []
    L.append(f"Command: `{r['command']}`  ")
    L.append(
        f"Machine: {env['nproc']} cores, {env['mem_gb']} GB RAM, {env['platform']}, Python {env['python']}; "
        f"trafilatura {env['trafilatura']}, Scrapy {env['scrapy']}; commit `{env['commit']}`; "
        f"{env['date']}; load average at start {env['load_start']}, at end {env['load_end']}.  "
    )
    L.append(
        f"Site: {env['outlets']} loopback outlets (127.0.0.2-13), real pages from tests/fixtures/outlets/ "
        f"(mean {env['mean_page_kb']:.0f} KB), RSS feeds of up to {env['per_feed']} items; "
        f"extraction workers: {env['workers']}."
    )
    t = r["throughput"]
    big = scales[str(t["scale"])]
    base = t["baseline"]
    bw_rate = big["first"]["with_text"] / big["first"]["wall_s"]
    L += [
        "",
        "### 1. Extraction throughput (whole pipeline vs trafilatura alone)",
        "",
        "| | articles | seconds | articles/s |",
        "|---|---|---|---|",
        f"| borderwatch run (crawl → extract → store → match → digest), {t['scale']} articles | "
        f"{big['first']['with_text']} | {big['first']['wall_s']:.1f} | {bw_rate:.1f} |",
        f"| baseline: trafilatura.bare_extraction loop, same HTML, one process | {base['pages']} | "
        f"{base['seconds']:.1f} | {base['rate']:.1f} |",
    ]
    if t.get("inprocess"):
        ip = t["inprocess"]
        L.append(
            f"| borderwatch run with extraction in-process (extract_workers: 0) | {ip['with_text']} | "
            f"{ip['wall_s']:.1f} | {ip['with_text'] / ip['wall_s']:.1f} |"
        )
    pairs = t.get("pairs") or []
    if len(pairs) > 1:
        med = statistics.median(p["ratio"] for p in pairs)
        cmed = statistics.median(p["cpu_ratio"] for p in pairs)
        L += [
            "",
            f"Ratio: **{med:.2f}×** trafilatura alone, the median of {len(pairs)} pairs run back to back (each a "
            f"fresh {t['scale']}-article cycle, then the baseline loop): "
            + ", ".join(f"{p['ratio']:.2f}×" for p in pairs)
            + f" (aim ≥ 1.5×: {verdict(med >= 1.5)}). The first pair is the table above. The pipeline's time "
            f"includes interpreter start-up, feed discovery, robots.txt, HTTP, the database, matching and the "
            f"digest; the baseline's only the extraction calls.",
            "",
            f"CPU per article against trafilatura alone's CPU per page, same pairs: **{cmed:.2f}×** median ("
            + ", ".join(f"{p['cpu_ms_per_article']:.1f} / {p['base_cpu_ms_per_page']:.1f} ms" for p in pairs)
            + f"; aim ≤ 1.25×: {verdict(cmed <= 1.25)}).",
        ]
    else:
        L += [
            "",
            f"Ratio: **{ratio(bw_rate, base['rate'])}** trafilatura alone (aim ≥ 1.5×: {verdict(bw_rate / base['rate'] >= 1.5)}). "
            f"The pipeline's time includes interpreter start-up, feed discovery, robots.txt, HTTP, the database, "
            f"matching and the digest; the baseline's only the extraction calls.",
        ]
    f1 = big["first"]
    if f1.get("cpu_s"):
        per = 1000 * f1["cpu_s"] / f1["articles"]
        main = 1000 * f1["cpu_main_s"] / f1["articles"]
        bper = 1000 * base["cpu_s"] / base["pages"]
        proj = bper / max(per / 2, main)
        L += [
            "",
            f"CPU (immune to other users' load, unlike wall time): borderwatch spends **{per:.1f} ms** of CPU per "
            f"article across all its processes ({main:.1f} ms in the crawling process, the rest in the "
            f"extraction workers); trafilatura alone **{bper:.1f} ms** per page. Cores the run actually got: "
            f"{f1['cpu_s'] / f1['wall_s']:.2f} (load average during the baseline: {base['load']}). On 2 idle "
            f"cores that is at most {proj:.2f}× trafilatura alone (model: baseline CPU per page / "
            f"max(pipeline CPU per article / 2, crawling-process CPU per article)).",
        ]
    if t.get("inprocess"):
        ip = t["inprocess"]
        L.append(
            f"Process pool versus in-process extraction: {ratio(bw_rate, ip['with_text'] / ip['wall_s'])} "
            f"(wall); CPU per article in-process {1000 * ip['cpu_s'] / max(1, ip['articles']):.1f} ms."
        )
    L += ["", "### 2. Matcher", ""]
    if r["extra"]:
        for name in r["extra"]:
            L.append(f"`{name}` ran in this invocation; its figures are in its own section below.")
    else:
        L.append("No bench/bench_*.py present in this checkout (bench_matcher.py lands from its own branch).")
    L += [
        "",
        "### 3. Scale: a full cycle of new articles, then a cycle with nothing new",
        "",
        "| new articles | stored | wall s | s per 1,000 | CPU s per 1,000 | peak RSS, all processes | peak PSS | processes | DB size | no-news run s | no-news peak RSS |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for n, s in scales.items():
        f, sec = s["first"], s["second"]
        L.append(
            f"| {int(n):,} | {f['articles']:,} | {f['wall_s']:.1f} | {1000 * f['wall_s'] / int(n):.1f} | "
            f"{1000 * f['cpu_s'] / int(n):.1f} | {f['peak_rss_mb']:.0f} MB | {f['peak_pss_mb']:.0f} MB | {f['peak_procs']} | "
            f"{f['db_bytes'] / MB:.1f} MB | {sec['wall_s']:.1f} | {sec['peak_rss_mb']:.0f} MB |"
        )
    ns = sorted(int(n) for n in scales)
    if len(ns) >= 2:
        a, b = scales[str(ns[-2])]["first"], scales[str(ns[-1])]["first"]
        marginal = (b["wall_s"] - a["wall_s"]) / (ns[-1] - ns[-2])
        per = b["wall_s"] / ns[-1]
        L.append("")
        L.append(
            f"Linearity: {ns[-2]:,} → {ns[-1]:,} articles costs {1000 * marginal:.1f} s per 1,000 more; "
            f"time per article at {ns[-1]:,} is {ratio(per, a['wall_s'] / ns[-2])} that at {ns[-2]:,} "
            f"(1.00× = linear; below 1 = start-up cost spread thinner)."
        )
    top = scales[str(ns[-1])]
    L.append(
        f"Peak RSS at {ns[-1]:,}: {top['first']['peak_rss_mb']:.0f} MB summed over {top['first']['peak_procs']} "
        f"processes (largest: {', '.join(f'{x:.0f}' for x in top['first']['largest_procs_mb'])} MB); "
        f"aim < 300 MB at 10,000: "
        + (verdict(top["first"]["peak_rss_mb"] < 300) if ns[-1] >= 10000 else "not measured in --quick")
        + "."
    )
    worst = max(s["second"]["wall_s"] for s in scales.values())
    L.append(
        f"No-news run (12 outlets, every feed 304): at most {worst:.1f} s; aim < 3 s (issue 20): {verdict(worst < 3)}."
    )
    L += [
        "",
        "### 4. Second-run cost when nothing changed",
        "",
        "| new articles | first run: requests | first run: bytes | second run: requests | second run: bytes | statuses (second) | requests ratio | bytes ratio |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for n, s in scales.items():
        f, sec = s["first"], s["second"]
        L.append(
            f"| {int(n):,} | {f['cli_requests']:,} | {f['cli_bytes'] / MB:.1f} MB | {sec['cli_requests']:,} | "
            f"{sec['cli_bytes'] / 1024:.1f} KB | {sec['server']['by_status']} | "
            f"{sec['cli_requests'] / f['cli_requests']:.4f} | {sec['cli_bytes'] / f['cli_bytes']:.5f} |"
        )
    L.append("")
    L.append(
        "Requests and bytes are Scrapy's counts from `borderwatch run --json` (bytes include headers); the "
        "server's own log agrees on the request count. The second run fetches robots.txt and every feed page "
        "conditionally (If-None-Match) and nothing else."
    )
    p = r.get("peers") or {}
    L += [
        "",
        f"### 5. Against peers: the same {p.get('scale', '?')} article URLs from the same loopback site",
        "",
    ]
    if p.get("error"):
        L.append(f"Peers not run: {p['error']}")
    elif p:
        bw = scales[str(p["scale"])]["first"]
        bw_rate5 = bw["with_text"] / bw["wall_s"]
        L += [
            "| tool | articles with text | with the per-copy paragraph | seconds | articles/s | peak RSS | peak PSS | processes |",
            "|---|---|---|---|---|---|---|---|",
            f"| borderwatch run (full cycle) | {bw['with_text']} | {bw['with_marker']} | {bw['wall_s']:.1f} | "
            f"{bw_rate5:.1f} | {bw['peak_rss_mb']:.0f} MB | {bw['peak_pss_mb']:.0f} MB | {bw['peak_procs']} |",
        ]
        for name, res in p["tools"].items():
            if res.get("error"):
                L.append(f"| {name} | failed: {res['error'][:200]} | | | | | | |")
                continue
            L.append(
                f"| {name} | {res['articles']} | {res['with_marker']} | {res['wall_s']:.1f} | {res['rate']:.1f} | "
                f"{res['peak_rss_mb']:.0f} MB | {res['peak_pss_mb']:.0f} MB | {res['peak_procs']} |"
            )
        L.append("")
        for name, res in p["tools"].items():
            if res.get("error"):
                continue
            L.append(
                f"- borderwatch vs {name}: throughput **{ratio(bw_rate5, res['rate'])}**, peak RSS "
                f"{ratio(bw['peak_rss_mb'], res['peak_rss_mb'])} of {name}'s"
                + (
                    f" (aim ≥ 3× at no more memory: {verdict(bw_rate5 / res['rate'] >= 3 and bw['peak_rss_mb'] <= res['peak_rss_mb'])})"
                    if name == "news-please"
                    else ""
                )
                + "."
            )
        L.append(
            "- news-please: `NewsPlease.from_urls` in batches of 50 (it starts one download thread per URL and "
            "keeps a batch's HTML in memory), `fetch_images=False`; extraction in its own process pool. "
            "newspaper4k: `newspaper.mthreading.fetch_news` (5 threads) in batches of 50, `fetch_images=False`. "
            "fundus was not run: it parses only its own publisher list with per-publisher parsers, so it cannot "
            "be pointed at these pages generically."
        )
    return "\n".join(L) + "\n"


def record(text: str) -> None:
    block = f"{BEGIN}\n{text}{END}\n"
    if RESULTS.exists():
        cur = RESULTS.read_text()
        if BEGIN in cur and END in cur:
            head, rest = cur.split(BEGIN, 1)
            tail = rest.split(END, 1)[1].lstrip("\n")
            RESULTS.write_text(head + block + ("\n" + tail if tail else ""))
            return
        RESULTS.write_text(cur.rstrip("\n") + "\n\n" + block)
        return
    RESULTS.write_text("# Benchmark results\n\n" + block)


# -- main -----------------------------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="100 and 1,000 articles; peers on 100 URLs")
    ap.add_argument(
        "--scales", help="comma-separated article counts (default 100,1000,10000; quick 100,1000)"
    )
    ap.add_argument(
        "--throughput-scale", type=int, default=1000, help="scale compared with trafilatura alone"
    )
    ap.add_argument("--baseline-pages", type=int, default=1000, help="pages in the trafilatura-alone loop")
    ap.add_argument(
        "--peer-scale", type=int, help="scale whose URLs the peers fetch (default 1000; quick 100)"
    )
    ap.add_argument(
        "--pairs",
        type=int,
        default=3,
        help="throughput: (cycle, baseline) pairs run back to back; the median ratio is reported (default 3)",
    )
    ap.add_argument("--no-peers", action="store_true", help="skip news-please / newspaper4k")
    ap.add_argument(
        "--no-matcher", action="store_true", help="skip bench/bench_*.py (bench_matcher.py takes ~10 minutes)"
    )
    ap.add_argument("--workers", type=int, help="extraction workers for borderwatch (default: one per core)")
    ap.add_argument("--record", action="store_true", help="write the report into bench/RESULTS.md")
    args = ap.parse_args(argv)
    scales = [int(x) for x in (args.scales or ("100,1000" if args.quick else "100,1000,10000")).split(",")]
    peer_scale = args.peer_scale or (100 if args.quick else 1000)
    if args.throughput_scale not in scales:
        args.throughput_scale = max(scales)
    if peer_scale not in scales:
        peer_scale = min(scales)
    WORK.mkdir(parents=True, exist_ok=True)
    (BENCH / ".venvs").mkdir(exist_ok=True)
    # An installed wheel has its bytecode compiled by pip; compile the editable checkout once the same way, so the
    # figures are an installed user's (tests/support/bytecode.py).
    from tests.support.bytecode import compile_our_packages

    compile_our_packages()

    import psutil
    import scrapy
    import trafilatura

    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPO, capture_output=True, text=True
    ).stdout.strip()
    r: dict = {
        "command": "python bench/run.py" + (" " + " ".join(sys.argv[1:]) if sys.argv[1:] else ""),
        "env": {
            "nproc": os.cpu_count(),
            "mem_gb": round(psutil.virtual_memory().total / 1024**3),
            "platform": f"{platform.system()} {platform.machine()}",
            "python": platform.python_version(),
            "trafilatura": trafilatura.__version__,
            "scrapy": scrapy.__version__,
            "commit": commit + ("+dirty" if dirty else ""),
            "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "load_start": " ".join(f"{x:.1f}" for x in os.getloadavg()),
            "workers": args.workers
            if args.workers is not None
            else f"default ({os.cpu_count()}, one per core)",
        },
        "scales": {},
        "throughput": {"scale": args.throughput_scale},
        "extra": {},
    }

    peers_py, peers_err = (None, "skipped (--no-peers)") if args.no_peers else ensure_peer_venv()
    for n in scales:
        with BenchSite(n) as site:
            r["env"]["outlets"] = len(site.servers)
            r["env"]["per_feed"] = site.per_feed
            r["env"]["mean_page_kb"] = sum(a.template.size for a in site.items) / max(1, n) / 1024
            work = fresh_workdir(f"run-{n}", site, None)
            log(f"{n} articles: first cycle")
            first = borderwatch_cycle(site, work, args.workers)
            log(
                f"  {first['wall_s']:.1f} s, {first['articles']} stored, peak RSS {first['peak_rss_mb']:.0f} MB"
            )
            log(f"{n} articles: second cycle, nothing changed")
            second = borderwatch_cycle(site, work, args.workers)
            log(f"  {second['wall_s']:.1f} s, {second['cli_requests']} requests")
            r["scales"][str(n)] = {"first": first, "second": second}
            if n == args.throughput_scale:
                if not args.quick:
                    log(f"{n} articles: first cycle with in-process extraction (extract_workers: 0)")
                    r["throughput"]["inprocess"] = borderwatch_cycle(
                        site, fresh_workdir(f"run-{n}-inproc", site, 0), 0
                    )
                log(f"baseline: trafilatura alone over {min(n, args.baseline_pages)} of the same pages")
                r["throughput"]["baseline"] = trafilatura_alone(site, args.baseline_pages)
                log(f"  {r['throughput']['baseline']['rate']:.1f} pages/s")
                pairs = [throughput_pair(first, r["throughput"]["baseline"])]
                for i in range(1, args.pairs):
                    log(
                        f"throughput pair {i + 1} of {args.pairs}: a fresh {n}-article cycle, then the baseline"
                    )
                    again = borderwatch_cycle(
                        site, fresh_workdir(f"run-{n}-pair{i + 1}", site, None), args.workers
                    )
                    pairs.append(throughput_pair(again, trafilatura_alone(site, args.baseline_pages)))
                    log(f"  ratio {pairs[-1]['ratio']:.2f}x")
                r["throughput"]["pairs"] = pairs
            if n == peer_scale:
                if peers_py is None:
                    r["peers"] = {"scale": n, "error": peers_err}
                else:
                    urls = WORK / f"urls-{n}.txt"
                    urls.write_text("\n".join(site.url(a) for a in site.items) + "\n")
                    tools = {}
                    for name, driver in (
                        ("news-please", "newsplease_run.py"),
                        ("newspaper4k", "newspaper4k_run.py"),
                    ):
                        log(f"peer: {name} over {n} URLs")
                        site.clear_logs()
                        tools[name] = peer_run(peers_py, driver, urls)
                        log(
                            f"  {tools[name].get('rate', 0):.1f} articles/s, peak RSS {tools[name]['peak_rss_mb']:.0f} MB"
                        )
                    r["peers"] = {"scale": n, "tools": tools}

    for script in [] if args.no_matcher else sorted(BENCH.glob("bench_*.py")):
        log(f"running {script.name}")
        p = subprocess.run([sys.executable, str(script)], cwd=REPO, capture_output=True, text=True)
        r["extra"][script.name] = {
            "exit": p.returncode,
            "stdout": p.stdout[-20000:],
            "stderr": p.stderr[-3000:],
        }
        print(p.stdout, end="")

    r["env"]["load_end"] = " ".join(f"{x:.1f}" for x in os.getloadavg())
    (WORK / "results.json").write_text(json.dumps(r, indent=2, default=str))
    text = report(r)
    print(text)
    if args.record:
        record(text)
        log(f"recorded in {RESULTS.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
