"""A big day is handed to Scrapy a few pages at a time (crawler/pages.py), and every page still comes.

One real crawl (crawler/run.py in a subprocess: tests/support/crawl_probe.py) over two loopback hosts whose feeds
list 150 and 40 new entries. Each time a request is scheduled, the probe counts what Scrapy's scheduler already
holds. Before, every article Request (with its feed entry) went into the scheduler as soon as its feed was read:
190 of them at once here, 10,000 on a big day. Now the scheduler never holds more than the spider's page bound
(a share per host: a quarter of CONCURRENT_REQUESTS) plus the discovery documents and robots.txt, and each
entry's page is fetched exactly once.
All content is SYNTHETIC.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.outlet_sites import MeteredServer
from tests.test_politeness import page, rss

PAGES = {"many": 150, "some": 40}


@pytest.fixture(scope="module")
def crawl(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("bound")
    hosts = {name: MeteredServer(f"127.0.0.{ip}") for name, ip in (("many", 91), ("some", 92))}
    for srv in hosts.values():
        srv.start()
    try:
        for name, srv in hosts.items():
            paths = [f"/{name}/{i}/" for i in range(PAGES[name])]
            srv.put("/robots.txt", "User-agent: *\nAllow: /\n", "text/plain")
            srv.put("/feed.xml", rss(srv.base, paths), "application/rss+xml")
            for p in paths:
                srv.put(p, page(f"{name} story {p}"))
        (tmp / "sources.yaml").write_text(
            "settings:\n  download_delay: 0\n  autothrottle_start_delay: 0.02\n  autothrottle_max_delay: 1\n"
            "sources:\n"
            + "".join(
                f"  - {{name: {name.title()}, feeds: ['{srv.base}/feed.xml'], max_items: 500, max_pages: 500}}\n"
                for name, srv in hosts.items()
            )
        )
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "BORDERWATCH_"))}
        env["BORDERWATCH_DB"] = f"sqlite:///{tmp / 'bw.db'}"
        out = tmp / "probe.json"
        proc = subprocess.run(
            [sys.executable, "-m", "tests.support.crawl_probe", str(tmp), str(out)],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            cwd=Path(__file__).resolve().parent.parent,
        )
        assert proc.returncode == 0, proc.stderr[-3000:]
        yield json.loads(out.read_text()), {name: srv.paths() for name, srv in hosts.items()}
    finally:
        for srv in hosts.values():
            srv.stop()


def test_the_scheduler_never_holds_more_than_the_page_bound(crawl):
    seen, _ = crawl
    assert seen["finished"]
    assert seen["scheduled"] >= sum(PAGES.values())  # the probe saw every page go through the scheduler
    # what one host may have outstanding, times the two hosts (well under Scrapy's CONCURRENT_REQUESTS, 64)
    bound = seen["per_host"] * len(PAGES)
    assert seen["most_outstanding"] <= min(bound, seen["limit"])
    # plus each host's feed and robots.txt, which may still be queued while the first pages are handed out
    assert seen["most_in_scheduler"] <= bound + 2 * len(PAGES), seen
    assert seen["most_in_scheduler"] < sum(PAGES.values()) / 4  # the whole day would have been 190


def test_every_entry_is_fetched_exactly_once(crawl):
    seen, paths = crawl
    for name, n in PAGES.items():
        fetched = [p for p in paths[name] if p.startswith(f"/{name}/")]
        assert len(fetched) == n and len(set(fetched)) == n, (name, len(fetched), len(set(fetched)))
        src = seen["sources"][name.title()]
        assert src["new"] == src["fetched"] == n and src["failed"] == 0, src
