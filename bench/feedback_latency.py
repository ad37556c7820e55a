"""Feedback click latency: a real `borderwatch listen` against the loopback fake Slack's Socket Mode.

For N clicks (alternating verdicts, so every click writes and updates the message) it measures, from the
moment the fake sends the `block_actions` envelope:
  ack      the client's {"envelope_id"} back (Slack wants it within 3 s)
  stored   the verdict readable in the database (polled every 2 ms)
  updated  chat.update received by the fake
and prints median / 90th percentile / max, with the ack as the baseline of the same run.

    python bench/feedback_latency.py [--clicks 40]
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from sqlalchemy import func, select  # noqa: E402

from borderwatch.alerts.buttons import item_ids  # noqa: E402
from borderwatch.store import FeedbackRow, Store  # noqa: E402
from tests.support.articles import seed_articles  # noqa: E402
from tests.support.fake_slack import FakeSlack  # noqa: E402

TOKEN = "xoxb-1111-2222-BENCHTOKEN"


def cli(args, env, cwd):
    return subprocess.run(
        [sys.executable, "-m", "borderwatch", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )


def pct(xs, q):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--clicks", type=int, default=40)
    n = ap.parse_args().clicks
    tmp = Path(tempfile.mkdtemp(prefix="bw-fb-bench-"))
    db = f"sqlite:///{tmp / 'bw.db'}"
    (tmp / "config").mkdir()
    (tmp / "config" / "keywords.yaml").write_text((REPO / "config" / "keywords.yaml").read_text())
    with FakeSlack(token=TOKEN) as slack:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "BORDERWATCH_"))}
        env.update(
            {
                "BORDERWATCH_DB": db,
                "SLACK_BOT_TOKEN": TOKEN,
                "SLACK_CHANNEL": "C0DIGEST",
                "SLACK_API_URL": slack.api_url,
                "SLACK_APP_TOKEN": slack.app_token,
            }
        )
        seed_articles(db, 10)
        for cmd in (["match", "--config-dir", "config"], ["deliver", "--config-dir", "config"]):
            r = cli(cmd, env, tmp)
            assert r.returncode == 0, r.stderr
        post = slack.posts[0]
        aids = item_ids(post["blocks"])
        listener = subprocess.Popen(
            [sys.executable, "-m", "borderwatch", "listen"],
            env=env,
            cwd=tmp,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert slack.socket.wait_connected(60)
        store = Store(db, migrate=False)
        acks, stored, updated = [], [], []
        for i in range(n):
            aid = aids[i % len(aids)]
            action = "borderwatch_not_relevant" if (i // len(aids)) % 2 == 0 else "borderwatch_useful"
            verdict = "not_relevant" if action.endswith("relevant") else "useful"
            before = len(slack.updates)
            payload = slack.block_actions(post, aid, action, "U0BENCH01")
            t0 = time.monotonic()
            eid = slack.socket.send_interactive(payload)
            while True:
                with store.session() as s:
                    got = s.scalar(
                        select(func.count(FeedbackRow.id)).where(
                            FeedbackRow.article_id == aid, FeedbackRow.verdict == verdict
                        )
                    )
                if got:
                    stored.append(time.monotonic() - t0)
                    break
                time.sleep(0.002)
            assert slack.wait_updates(before + 1, 20)
            updated.append(time.monotonic() - t0)
            acks.append(slack.socket.wait_ack(eid, 10))
        listener.send_signal(signal.SIGTERM)
        listener.communicate(timeout=60)
    base = statistics.median(acks)
    print(f"{n} clicks through a real `borderwatch listen` (slack-sdk socket_mode) on loopback")
    print(f"{'':8} {'median':>9} {'p90':>9} {'max':>9} {'median vs ack':>14}")
    for name, xs in (("ack", acks), ("stored", stored), ("updated", updated)):
        print(
            f"{name:8} {statistics.median(xs) * 1000:>7.1f}ms {pct(xs, 0.9) * 1000:>7.1f}ms "
            f"{max(xs) * 1000:>7.1f}ms {statistics.median(xs) / base:>13.1f}x"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
