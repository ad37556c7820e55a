"""A month of chaos, simulated: daily `borderwatch run`s over the loopback outlets with random faults.

    python bench/soak.py --days 30 --seed 15

Each simulated day publishes new articles on the fixture outlets (borderwatch/demo/outlets.py) and runs the
real CLI once (`borderwatch run --json`, default extraction workers, real Scrapy, real SQLite, the real
slack-sdk client against the fake Slack of tests/support/fake_slack.py), with faults drawn from the seed:
Slack 5xx, 429, a hang past SLACK_TIMEOUT and a lost acknowledgement; a source down (HTTP 500), answering
garbage, or slow; kill -9 at a crash point (borderwatch/crashpoint.py) and SIGTERM at a random moment; a
broken keywords.yaml or sources.yaml; a full disk (the database lives on a small tmpfs; needs root, else that
fault is left out and said so). There is no clock to move in the run path, so a "day" is one cycle: runs
follow each other at once and the articles' dates stay inside the backfill window.

Afterwards a few runs without faults drain what is queued, then it checks:
- every article published in the window reached Slack exactly once (lost = 0, doubled = 0);
- no digest part was posted twice;
- every failure that happened was reported (exit code and message, the run's JSON, or the sources table).
Prints days, runs, faults by kind, items delivered, lost, doubled; exit 1 if any check fails. Replay a
failing schedule with its --seed.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from borderwatch.demo.outlets import FixtureOutlets, Story  # noqa: E402
from tests.support.fake_slack import FakeSlack  # noqa: E402
from tests.support.fixture_server import FixtureServer  # noqa: E402

TOKEN = "xoxb-1111-2222-SOAKTOKEN"
SLACK_FAULTS = ["slack_5xx", "slack_429", "slack_hang", "slack_lost_ack"]
SOURCE_FAULTS = ["source_down", "source_garbage", "source_slow"]
PROCESS_FAULTS = ["kill9", "sigterm", "disk_full"]
CONFIG_FAULTS = ["broken_keywords", "broken_sources"]
CRASH_POINTS = ["after_crawl", "mid_match", "digest_created", "before_post_0", "after_post_0"]
WORDS = (
    "checkpoint ranch convoy highway orchard hillside bridge market clinic school warehouse quarry avocado "
    "lime cattle patrol helicopter radio jammer rifle truck motorcycle tunnel river canyon Apatzingán "
    "Aguililla Tepalcatepec Coalcomán Buenavista Zitácuaro Uruapan Zamora Tacámbaro Huetamo Sonora Tijuana"
).split()
BROKEN_KEYWORDS = "rules:\n  - id: fpv\n    anny: [FPV]\n"
BROKEN_SOURCES = "settings:\n  backfill_days: seven\nsources:\n  - name: X\n    feedz: [1]\n"
SLACK_TIMEOUT = 2


def story(rng: random.Random, day: int, i: int) -> Story:
    words = lambda n: " ".join(rng.choice(WORDS) for _ in range(n))  # noqa: E731
    return Story(
        f"soak-d{day:02d}-{i}-cjng-fpv-drone-attack",
        f"CJNG cell uses FPV drones against police post, day {day} report {i}",
        "Soak Desk",
        0.05,
        [
            "Gunmen linked to the Jalisco New Generation Cartel (CJNG) struck a police post with "
            "first-person-view drones carrying improvised explosives, officials said.",
            *(words(30) + "." for _ in range(3)),  # distinct texts: no two articles are near-duplicates
        ],
        guid=10_000 + day * 10 + i,
    )


class Disk:
    """The database's directory: a small tmpfs when we may mount one (root), so the disk can really fill."""

    def __init__(self, base: Path):
        self.path = base / "disk"
        self.path.mkdir()
        self.mounted = False
        if os.geteuid() == 0:
            p = subprocess.run(
                ["mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", str(self.path)], capture_output=True
            )
            self.mounted = p.returncode == 0
        self.filler = self.path / "filler"

    def fill(self, leave: int) -> None:
        free = shutil.disk_usage(self.path).free
        with open(self.filler, "wb") as f:
            f.write(b"\0" * max(0, free - leave))

    def empty(self) -> None:
        self.filler.unlink(missing_ok=True)

    def close(self) -> None:
        if self.mounted:
            subprocess.run(["umount", "-l", str(self.path)], check=False)


class Soak:
    def __init__(self, args, base: Path, server: FixtureServer, slack: FakeSlack):
        self.args = args
        self.rng = random.Random(args.seed)
        self.base = base
        self.server = server
        self.slack = slack
        self.outlets = FixtureOutlets(server)
        self.disk = Disk(base)
        self.config = base / "config"
        self.config.mkdir()
        shutil.copy(ROOT / "config" / "keywords.yaml", self.config / "keywords.yaml")
        self.good_keywords = (self.config / "keywords.yaml").read_text()
        self.good_sources = self.outlets.sources_yaml()
        (self.config / "sources.yaml").write_text(self.good_sources)
        self.db = f"sqlite:///{self.disk.path / 'bw.db'}"
        self.published: list[str] = []
        self.runs = 0
        self.injected: Counter[str] = Counter()  # faults that took effect
        self.reported: Counter[str] = Counter()
        self.unreported: list[str] = []
        self.exit_codes: Counter[int] = Counter()
        self.pending_kill = False
        self.log: list[dict] = []

    # -- one run ---------------------------------------------------------------------------------------
    def run(self, env_extra: dict | None = None, sigterm_after: float | None = None) -> tuple[int, str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "BORDERWATCH_"))}
        env.update(
            {
                "BORDERWATCH_DB": self.db,
                "SLACK_BOT_TOKEN": TOKEN,
                "SLACK_CHANNEL": "C0SOAK",
                "SLACK_API_URL": self.slack.api_url,
                "SLACK_TIMEOUT": str(SLACK_TIMEOUT),
                **(env_extra or {}),
            }
        )
        cmd = [sys.executable, "-m", "borderwatch", "run", "--json", "--config-dir", str(self.config)]
        proc = subprocess.Popen(
            cmd, cwd=self.base, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        if sigterm_after is not None:
            try:
                proc.wait(sigterm_after)
            except subprocess.TimeoutExpired:
                proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=600)
        self.runs += 1
        self.exit_codes[proc.returncode] += 1
        self.log.append(
            {
                "run": self.runs,
                "exit": proc.returncode,
                "posts": len(self.slack.posts),
                "env": env_extra or {},
                "sigterm_after": sigterm_after,
                "stderr": err[-1500:],
            }
        )
        if "Traceback" in out + err:
            self.unreported.append(f"run {self.runs}: a traceback was shown:\n{err[-2000:]}")
        if self.pending_kill and proc.returncode not in (-signal.SIGKILL, -signal.SIGTERM, 2):
            # a kill -9 is reported by the next run that gets as far as the run lock
            self.pending_kill = False
            if "previous run was interrupted" in err:
                self.reported["kill9"] += 1
            else:
                self.unreported.append(f"run {self.runs}: the kill -9 before it was not reported")
        return proc.returncode, out, err

    @staticmethod
    def summary(out: str) -> dict:
        for line in reversed(out.strip().splitlines()):
            if line.startswith("{"):
                try:
                    return json.loads(line)
                except ValueError:
                    return {}
        return {}

    def source_failed_in_db(self, name: str, since: datetime) -> bool:
        from borderwatch.store import SourceRow, Store

        store = Store(self.db, migrate=False)
        try:
            with store.session() as s:
                row = s.query(SourceRow).filter_by(name=name).one_or_none()
                return bool(row and row.last_error_at and row.last_error_at >= since)
        finally:
            store.dispose()

    def note(self, kind: str, ok: bool, why: str) -> None:
        self.injected[kind] += 1
        if ok:
            self.reported[kind] += 1
        else:
            self.unreported.append(f"run {self.runs}: {kind} not reported: {why}")

    # -- one day -------------------------------------------------------------------------------------
    def day(self, d: int) -> None:
        rng = self.rng
        for i in range(rng.randint(1, 3)):
            outlet = rng.choice(self.outlets.outlets)
            s = story(rng, d, i)
            self.outlets.add_story(outlet.key, s)
            self.published.append(s.slug)
        faults = []
        if d > 1 and rng.random() < 0.85:  # day 1 leaves a last good copy of both YAML files
            pools = [SLACK_FAULTS, SOURCE_FAULTS, PROCESS_FAULTS, CONFIG_FAULTS]
            for pool in rng.sample(pools, rng.randint(1, 2)):
                kind = rng.choice(pool)
                if kind == "disk_full" and not self.disk.mounted:
                    kind = "sigterm"
                faults.append(kind)
        env: dict[str, str] = {}
        sigterm_after = None
        target = rng.choice(self.outlets.outlets)
        feed = self.outlets.feed_path(target)
        for kind in faults:
            if kind == "slack_5xx":
                self.slack.inject("500")
            elif kind == "slack_429":
                self.slack.inject("429", retry_after=1)
            elif kind == "slack_hang":
                self.slack.inject("hold", seconds=SLACK_TIMEOUT + 2)
            elif kind == "slack_lost_ack":
                self.slack.inject("drop")
            elif kind == "source_down":
                self.server.fault(feed, status=500)
            elif kind == "source_garbage":
                self.server.fault(feed, body=b"\x00\xff<<garbage, not a feed>>")
            elif kind == "source_slow":
                self.server.fault(feed, delay=3.0)
            elif kind == "kill9":
                env["BORDERWATCH_CRASH_AT"] = rng.choice(CRASH_POINTS)
            elif kind == "sigterm":
                sigterm_after = rng.uniform(0.5, 8.0)
            elif kind == "disk_full":
                self.disk.fill(leave=rng.choice([0, 48, 96, 160]) * 1024)
            elif kind == "broken_keywords":
                (self.config / "keywords.yaml").write_text(BROKEN_KEYWORDS)
            elif kind == "broken_sources":
                (self.config / "sources.yaml").write_text(BROKEN_SOURCES)
        started = datetime.now(timezone.utc)
        before_faults = len(self.slack.faults)
        self.log.append({"day": d, "faults": faults})
        code, out, err = self.run(env, sigterm_after)
        consumed = before_faults - len(self.slack.faults)
        self.slack.faults.clear()
        summary = self.summary(out)
        if self.args.verbose:
            print(f"day {d:2d}: faults {faults or '-'} -> exit {code}", file=sys.stderr)
        self.check(faults, code, err, summary, consumed > 0, target.name, started, env)
        self.server.clear_fault(feed)
        self.disk.empty()
        (self.config / "keywords.yaml").write_text(self.good_keywords)
        (self.config / "sources.yaml").write_text(self.good_sources)

    def check(self, faults, code, err, summary, slack_hit, source, started, env) -> None:
        killed = code == -signal.SIGKILL
        for kind in faults:
            if kind == "kill9":
                if killed:
                    self.pending_kill = True
                    self.injected[kind] += 1  # reported by the next run (checked there)
            elif kind == "sigterm":
                if code == 143:
                    self.note(kind, "stopped by SIGTERM" in err, "no 'stopped by SIGTERM' line")
                elif (
                    code == -signal.SIGTERM
                ):  # before the run installed its handler (start-up): nothing begun
                    self.note("sigterm_at_startup", True, "")
            elif kind == "disk_full":
                if code == 2 or "the disk is full" in err:
                    self.note(kind, code == 2 and "the disk is full" in err, f"exit {code}: {err[-300:]}")
            elif kind in ("slack_5xx", "slack_hang"):
                if slack_hit and not killed:
                    self.note(kind, code == 3 and "digest not delivered" in err, f"exit {code}")
            elif kind in ("slack_429", "slack_lost_ack"):
                if slack_hit:
                    self.injected[kind] += 1
                    self.reported[kind] += 1  # absorbed: retried or confirmed; doubles are checked at the end
            elif kind in ("source_down", "source_garbage"):
                src = summary.get("sources", {}).get(source, {})
                seen = (src and not src.get("ok")) or self.source_failed_in_db(source, started)
                if seen or not (killed or code in (2, 143)):
                    self.note(kind, bool(seen), f"{source} not marked failed")
            elif kind == "source_slow":
                self.injected[kind] += 1
                self.reported[kind] += 1  # within the timeout: absorbed
            elif kind in ("broken_keywords", "broken_sources"):
                name = "keywords.yaml" if kind == "broken_keywords" else "sources.yaml"
                if not killed and code != 2:  # (a kill or a full disk ends the run before its warnings)
                    self.note(kind, name in err, f"no warning naming {name}")

    # -- the month -------------------------------------------------------------------------------------
    def month(self) -> dict:
        for d in range(1, self.args.days + 1):
            self.day(d)
        for drains in range(1, 5):  # no faults: everything still queued goes out
            code, _out, _err = self.run()
            if code == 0 and drains >= 2:
                break
        return self.figures()

    def figures(self) -> dict:
        posts = self.slack.posts
        # an item is a section whose text opens with its bold title link (a "Top stories" list also links it)
        items = [
            b["text"]["text"][2:].split("|", 1)[0]
            for p in posts
            for b in p.get("blocks", [])
            if b.get("type") == "section" and b.get("text", {}).get("text", "").startswith("*<")
        ]
        counts = {slug: sum(1 for u in items if f"/{slug}/" in u) for slug in self.published}
        lost = sorted(s for s, n in counts.items() if n == 0)
        doubled = sorted(s for s, n in counts.items() if n > 1)
        part_ids = [
            (p.get("metadata") or {}).get("event_payload", {}).get("part_id")
            for p in posts
            if (p.get("metadata") or {}).get("event_payload", {}).get("part_id") is not None
        ]
        parts_twice = len(part_ids) - len(set(part_ids))
        return {
            "seed": self.args.seed,
            "days": self.args.days,
            "runs": self.runs,
            "exit_codes": dict(sorted(self.exit_codes.items())),
            "faults_injected": dict(sorted(self.injected.items())),
            "faults_reported": dict(sorted(self.reported.items())),
            "articles_published": len(self.published),
            "items_delivered": sum(1 for n in counts.values() if n == 1),
            "lost": len(lost),
            "doubled": len(doubled),
            "parts_posted_twice": parts_twice,
            "slack_posts": len(posts),
            "unreported": self.unreported,
            "lost_slugs": lost[:10],
            "doubled_slugs": doubled[:10],
            "disk_full_fault": "tmpfs" if self.disk.mounted else "left out (mounting a tmpfs needs root)",
        }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--days", type=int, default=30)
    p.add_argument("--seed", type=int, default=15)
    p.add_argument("-v", "--verbose", action="store_true", help="one line per simulated day on stderr")
    args = p.parse_args(argv)
    t0 = time.monotonic()
    base = Path(tempfile.mkdtemp(prefix="borderwatch-soak-"))
    with FixtureServer() as server, FakeSlack(token=TOKEN) as slack:
        soak = Soak(args, base, server, slack)
        try:
            fig = soak.month()
        finally:
            soak.disk.close()
    fig["seconds"] = round(time.monotonic() - t0)
    shutil.rmtree(base, ignore_errors=True)
    print(f"soak: {fig['days']} simulated days, {fig['runs']} runs, seed {fig['seed']}, {fig['seconds']} s")
    print(f"exit codes: {fig['exit_codes']}")
    print(f"faults injected (took effect): {fig['faults_injected']}")
    print(f"faults reported: {fig['faults_reported']}")
    print(
        f"articles published {fig['articles_published']}, delivered exactly once {fig['items_delivered']}, "
        f"lost {fig['lost']}, doubled {fig['doubled']}, digest parts posted twice {fig['parts_posted_twice']}"
    )
    print(f"disk-full fault: {fig['disk_full_fault']}")
    for line in fig["unreported"]:
        print("UNREPORTED:", line)
    print(json.dumps({k: v for k, v in fig.items() if k not in ("unreported",)}))
    bad = fig["lost"] or fig["doubled"] or fig["parts_posted_twice"] or fig["unreported"]
    if bad:  # what Slack got, to see what went wrong
        dump = Path(tempfile.gettempdir()) / f"borderwatch-soak-{args.seed}-posts.json"
        dump.write_text(json.dumps({"posts": slack.posts, "log": soak.log}, indent=1))
        print(f"Slack posts and the run log written to {dump}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
