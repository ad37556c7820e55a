"""How big does the database get after a year of daily runs? (SYNTHETIC data, real storage code.)

Simulates `--days` daily cycles of `--outlets` outlets x `--items` new articles each, writing what the crawl
pipeline writes (an articles row with the extracted text, its urls_seen aliases, per-source health,
conditional-GET state, a runs row), then running the real match stage (config/keywords.yaml, one
Aho-Corasick pass), the real outbox (digest + parts, with a stand-in Slack that acknowledges every post)
and the real retention sweep — on a simulated clock, so retention sees the days pass.

Article texts are synthetic, 2,000-9,000 characters (mean ~5,500; trafilatura extracts a mean of ~5,400 from
the real article pages of the project's fixture corpus) and compress like real text (zlib ~2.3x); ~8% of them
mention the beat, so the digest is realistic (~30 items a day).

    python bench/db_size_year.py                 # the four configurations below; PostgreSQL if it can start
    python bench/db_size_year.py --config sqlite:90 --days 30          # quicker

Prints one line per configuration and writes bench/out/db_size_year.json.
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import string
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import text, update

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from borderwatch.alerts.delivery import Deliverer  # noqa: E402
from borderwatch.alerts.outbox import deliver  # noqa: E402
from borderwatch.alerts.rules import load_rules  # noqa: E402
from borderwatch.alerts.stage import match_new  # noqa: E402
from borderwatch.store import (  # noqa: E402
    ArticleRow,
    CompressedText,
    DigestPart,
    DigestRow,
    FetchState,
    RunRow,
    Store,
    UrlSeen,
)
from borderwatch.store.retention import prune  # noqa: E402

WORDS = (
    "the government officials said on monday that security forces in the state had been deployed after reports "
    "of violence along the highway near the town where residents described gunfire and roadblocks while the "
    "ministry announced an investigation into the incident and local media reported that schools were closed "
    "economy trade tariffs investment budget election congress senate court ruling migration asylum shelter "
    "weather storm rainfall harvest water supply energy electricity prices inflation tourism festival museum"
).split()
BEAT = [
    "Cartel gunmen used a drone to drop explosives on a police checkpoint.",
    "The CJNG has formed a dedicated drone unit, prosecutors said.",
    "The Pentagon deployed counter-UAS systems to the southern border.",
    "Los Chapitos tested FPV drones carrying improvised explosives.",
]


class AckDeliverer(Deliverer):
    """Stands in for Slack: acknowledges every post with a ts, like chat.postMessage does."""

    kind = "slack"

    def __init__(self):
        self.n = 0

    def post(self, blocks, text, ref, thread_ts=None):
        self.n += 1
        return f"{1700000000 + self.n}.000100"


# A Zipf-distributed vocabulary of pseudo-words: zlib compresses this text ~2.3x, like the real article
# texts of the fixture corpus (2.24x), so the SQLite compression figure is not flattered (a small fixed
# vocabulary compresses 3.6x).
_VRNG = random.Random(42)
VOCAB = WORDS + [
    "".join(_VRNG.choice(string.ascii_lowercase) for _ in range(_VRNG.randint(2, 10))) for _ in range(6000)
]
CUM = list(itertools.accumulate(1 / (i + 1) for i in range(len(VOCAB))))


def article_text(rng: random.Random, on_beat: bool) -> str:
    target = rng.randint(2000, 9000)  # mean ~5,500 characters
    words, size = [], 0
    while size < target:
        chunk = rng.choices(VOCAB, cum_weights=CUM, k=50)
        words.extend(chunk)
        size += sum(len(w) + 1 for w in chunk)
    body = " ".join(words)[:target]
    if on_beat:
        cut = rng.randint(0, len(body))
        body = body[:cut] + " " + rng.choice(BEAT) + " " + body[cut:]
    return body


def simulate(
    url: str, days: int, outlets: int, items: int, retention: int, compress: bool = True, seed: int = 1
) -> dict:
    rng = random.Random(seed)
    CompressedText.MIN_CHARS = 200 if compress else 10**12  # plain: the baseline without compression
    store = Store(url)
    ruleset = load_rules(REPO / "config" / "keywords.yaml")
    deliverer = AckDeliverer()
    start = datetime(2026, 1, 1, 6, 0, tzinfo=timezone.utc)
    names = [f"Outlet {i:02d}" for i in range(outlets)]
    t0 = time.monotonic()
    serial = 0
    for day in range(days):
        now = start + timedelta(days=day)
        with store.session() as s:
            run = RunRow(started_at=now)
            s.add(run)
            s.flush()
            run_id = run.id
            for name in names:
                src = store.source_row(s, name)
                src.last_run_at = src.last_success_at = now
                src.items_found = items
                feed = f"https://{name.lower().replace(' ', '')}.example/feed/"
                st = s.get(FetchState, feed) or FetchState(url=feed, source=name)
                st.etag, st.last_status, st.last_fetched, st.items_found = f'"{day}"', 200, now, items
                s.merge(st)
                for _ in range(items):
                    serial += 1
                    slug = f"{now:%Y/%m/%d}/story-{serial}-" + "-".join(rng.sample(WORDS, 6))
                    canonical = f"https://{name.lower().replace(' ', '')}.example/{slug}/"
                    on_beat = rng.random() < 0.08
                    a = ArticleRow(
                        url=canonical,
                        guid=f"https://{name.lower().replace(' ', '')}.example/?p={serial}",
                        source=name,
                        title=" ".join(rng.sample(WORDS, 10)).capitalize(),
                        author="Staff writer",
                        published=now - timedelta(hours=rng.randint(1, 20)),
                        text=article_text(rng, on_beat),
                        language="en",
                        first_seen=now,
                        status="new",
                    )
                    s.add(a)
                    s.flush()
                    s.add(UrlSeen(url=canonical, article_id=a.id))
                    s.add(UrlSeen(url=a.guid, article_id=a.id))
        match_new(store, ruleset)
        res = deliver(store, deliverer, ruleset, [], now)
        with store.session() as s:  # the outbox stamps real time; put the simulated clock on it
            s.execute(update(DigestRow).where(DigestRow.created_at == now).values(sent_at=now))
            for did in res.digests:
                s.execute(update(DigestPart).where(DigestPart.digest_id == did).values(sent_at=now))
        pruned = prune(store, retention, now)
        with store.session() as s:
            run = s.get(RunRow, run_id)
            run.finished_at, run.status = now + timedelta(minutes=3), "ok"
            run.stats = {
                "matched": outlets * items,
                "digest_items": res.items,
                "texts_pruned": pruned.texts_pruned,
            }
    elapsed = time.monotonic() - t0
    with store.engine.connect() as c:
        counts = {
            t: c.execute(text(f"SELECT count(*) FROM {t}")).scalar()
            for t in ("articles", "urls_seen", "matches", "digests", "digest_parts", "runs")
        }
        with_text = c.execute(text("SELECT count(*) FROM articles WHERE text IS NOT NULL")).scalar()
    if store.dialect == "sqlite":
        with store.engine.connect() as c:
            c.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    size = store.size_bytes()
    out = {
        "backend": store.dialect,
        "days": days,
        "outlets": outlets,
        "items_per_outlet_per_day": items,
        "retention_days": retention,
        "text_compressed": compress and store.dialect == "sqlite",
        "size_bytes": size,
        "size_mib": round(size / 2**20, 1),
        "articles_with_text": with_text,
        "rows": counts,
        "seconds": round(elapsed, 1),
    }
    store.dispose()
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--outlets", type=int, default=12)
    ap.add_argument("--items", type=int, default=30, help="new articles per outlet per day")
    ap.add_argument(
        "--config",
        action="append",
        help="BACKEND:RETENTION_DAYS[:plain] (repeatable). Default: sqlite:90, sqlite:90:plain (baseline: "
        "no compression), sqlite:0 (no retention), postgresql:90",
    )
    args = ap.parse_args()
    configs = args.config or ["sqlite:90", "sqlite:90:plain", "sqlite:0", "postgresql:90"]
    outdir = REPO / "bench" / "out"
    outdir.mkdir(parents=True, exist_ok=True)
    results = []
    for conf in configs:
        backend, ret, *flags = conf.split(":")
        ret, compress = int(ret), "plain" not in flags
        if backend == "sqlite":
            path = outdir / f"year-{ret}{'' if compress else '-plain'}.db"
            for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
                p.unlink(missing_ok=True)
            r = simulate(f"sqlite:///{path}", args.days, args.outlets, args.items, ret, compress)
        else:
            from tests.support.pgserver import PgServer, PgUnavailable

            try:
                with PgServer(fast=True) as pg:
                    r = simulate(pg.create_database("year"), args.days, args.outlets, args.items, ret)
            except PgUnavailable as exc:
                print(f"postgresql: skipped ({exc})")
                continue
        results.append(r)
        label = f"{r['backend']}{' (text compressed)' if r['text_compressed'] else ''}"
        print(
            f"{label:28} retention={ret:>3}d  {r['days']} days x {r['outlets']} outlets x "
            f"{r['items_per_outlet_per_day']} items = {r['rows']['articles']} articles "
            f"({r['articles_with_text']} with text): {r['size_mib']} MiB  [{r['seconds']} s]",
            flush=True,
        )
        (outdir / "db_size_year.json").write_text(json.dumps(results, indent=2))
    base = next((r for r in results if r["backend"] == "sqlite" and not r["text_compressed"]), None)
    for r in results:
        if base and r is not base:
            print(
                f"  {r['backend']} retention={r['retention_days']}d: {r['size_bytes'] / base['size_bytes']:.2f}x the plain SQLite baseline"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
