"""borderwatch demo: the whole real cycle against bundled fixture outlets served on loopback."""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

from borderwatch import shipped
from borderwatch.cli import add_common
from borderwatch.commands.common import err, friendly
from borderwatch.commands.run import execute

HOW_TO_RUN_FOR_REAL = """\
That was the real pipeline (Scrapy crawl -> trafilatura -> SQLite -> rules -> digest) on two bundled
fixture outlets served from 127.0.0.1. To run it for real:
  borderwatch init ./config                 # commented sources.yaml, keywords.yaml, .env.example
  export SLACK_BOT_TOKEN=xoxb-... SLACK_CHANNEL=C0123456789   # or SLACK_WEBHOOK_URL=...; unset = console
  borderwatch run --config-dir ./config     # one cycle; `borderwatch schedule` runs it daily"""


@friendly
def cmd_demo(args) -> int:
    from borderwatch.demo.outlets import FixtureOutlets
    from borderwatch.demo.server import PageServer

    with tempfile.TemporaryDirectory(prefix="borderwatch-demo-") as tmp, PageServer() as server:
        tmpdir = Path(tmp)
        outlets = FixtureOutlets(server)
        config = tmpdir / "config"
        config.mkdir()
        (config / "sources.yaml").write_text(outlets.sources_yaml(), encoding="utf-8")
        (config / "keywords.yaml").write_text(shipped.read("keywords.yaml"), encoding="utf-8")
        os.environ["BORDERWATCH_DB"] = f"sqlite:///{tmpdir / 'demo.db'}"
        if not args.quiet and not args.json:
            err(
                f"demo: serving {len(outlets.outlets)} fixture outlets on {server.base}; database in {tmpdir}"
            )
        return execute(args, config, footer=HOW_TO_RUN_FOR_REAL)


def register(sub) -> None:
    p = sub.add_parser(
        "demo",
        help="see it work: a full cycle against bundled fixture outlets on 127.0.0.1 (no internet)",
        description="Run the whole real cycle (Scrapy crawl, trafilatura, database, rules, digest) against fixture\n"
        "outlets that borderwatch serves itself on 127.0.0.1, with a temporary database. Prints the digest to the\n"
        "console (or Slack, if configured). Touches nothing outside a temporary directory.",
        epilog="Example:\n  borderwatch demo",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_common(p, config_dir=False)
    p.add_argument("--json", action="store_true", help="print a JSON summary on stdout")
    p.set_defaults(func=cmd_demo)
