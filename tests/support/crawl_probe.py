"""One real crawl (crawler/run.py, the daily crawl's code) that also records how much Scrapy held at once.

    python -m tests.support.crawl_probe CONFIG_DIR OUT_JSON     (BORDERWATCH_DB names the database)

Each time a request is scheduled, the requests already in Scrapy's scheduler, and those in its downloader, are
counted; the largest counts, the spider's page bound (crawler/pages.py) and the report's figures go to OUT_JSON.
A subprocess: Scrapy's reactor runs once per process.
"""

from __future__ import annotations

import json
import sys
from datetime import timedelta
from pathlib import Path

from scrapy import signals

from borderwatch.config import load_sources
from borderwatch.crawler.run import run_crawl
from borderwatch.store import Store, utcnow


def main(config_dir: str, out: str) -> int:
    seen = {"scheduled": 0, "most_in_scheduler": 0, "most_in_downloader": 0, "limit": None, "per_host": None}

    def watch(crawler) -> None:
        def on_scheduled(request, spider) -> None:
            engine = crawler.engine
            seen["scheduled"] += 1
            seen["most_in_scheduler"] = max(seen["most_in_scheduler"], len(engine.scheduler) + 1)
            seen["most_in_downloader"] = max(seen["most_in_downloader"], len(engine.downloader.active))
            seen["limit"], seen["per_host"] = spider.pages.limit, spider.pages.per_host
            seen["most_outstanding"] = spider.pages.most_outstanding

        crawler.signals.connect(on_scheduled, signal=signals.request_scheduled, weak=False)

    cfg = load_sources(Path(config_dir) / "sources.yaml")
    report = run_crawl(cfg, Store(), utcnow() - timedelta(days=7), on_crawler=watch)
    seen["finished"] = report.finished
    seen["sources"] = {
        name: {"discovered": r.discovered, "new": r.new, "fetched": r.fetched, "failed": r.failed}
        for name, r in report.sources.items()
    }
    Path(out).write_text(json.dumps(seen))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(*sys.argv[1:3]))
