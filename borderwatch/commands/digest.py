"""borderwatch digest --preview: what a delivery now would post, without sending or marking anything."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from borderwatch.alerts.delivery import DEFAULT_DESTINATION, describe_destination, from_env
from borderwatch.alerts.digest import to_terminal
from borderwatch.alerts.outbox import DeliveryOptions, preview
from borderwatch.alerts.rules import parse_rules_text
from borderwatch.alerts.rules_cache import load_rules
from borderwatch.alerts.stage import LAST_GOOD_KEY
from borderwatch.cli import add_common
from borderwatch.commands.common import err, friendly
from borderwatch.commands.deliver import load_settings
from borderwatch.config import load_sources
from borderwatch.cycle import health_warnings
from borderwatch.lastgood import load_or_last_good
from borderwatch.store import Store


def _rules_read_only(store: Store, path: Path):
    """The rules file, else the stored last good copy (never writes, unlike the match stage)."""
    got = load_or_last_good(store, path, load_rules, parse_rules_text, LAST_GOOD_KEY, remember=False)
    if got.error is None:
        return got.value, []
    if got.value is None:
        return None, [f"{path} is invalid and no earlier good rules are stored:\n{got.error}"]
    return got.value, [f"Rules file {path} is broken; the last good rules would be used. Fix it: {got.error}"]


def entry_json(e) -> dict:
    out = {
        "article_id": e.article_id,
        "title": e.title,
        "url": e.url,
        "source": e.source,
        "language": e.language,
        "topic": e.rule_id,
        # story strength (alerts/ranking.py) and who/where (alerts/tagging.py): docs/tagging.md
        **(e.score.as_json() if e.score else {"score": None}),
        **(e.tags.as_json() if e.tags else {"actors": [], "places": []}),
    }
    if e.title_en or e.snippet_en:  # translation on (docs/coverage.md)
        out.update(title_en=e.title_en, snippet_en=e.snippet_en)
    return out


@friendly
def cmd_digest(args) -> int:
    config_dir = Path(args.config_dir)
    store = Store()
    deliverer = from_env()
    settings = load_settings(config_dir)
    ruleset, warnings = _rules_read_only(store, config_dir / "keywords.yaml")
    sources = config_dir / "sources.yaml"
    if sources.exists():
        warnings += health_warnings(store, load_sources(sources))
    options = DeliveryOptions.from_settings(settings)
    messages, plan = preview(
        store, ruleset, options, deliverer.supports_threads, warnings, deliverer=deliverer
    )
    several = any(m.destination != DEFAULT_DESTINATION for m in messages)
    if args.json:
        json.dump(
            {
                "channel": deliverer.kind,
                "items": len(plan.entries),
                "destinations": {
                    d: sum(1 for m in messages if m.destination == d)
                    for d in dict.fromkeys(m.destination for m in messages)
                },
                "messages": [
                    {
                        "destination": m.destination,
                        "digest_id": m.digest_id,
                        "part": m.part,
                        "of": m.of,
                        "status": m.status,
                        "thread_reply": m.thread,
                        "text": m.text,
                        "blocks": m.blocks,
                    }
                    for m in messages
                ],
                # every item shown, with its detected language (and its English title and snippet when
                # translation is on, docs/coverage.md)
                "entries": [entry_json(e) for e in plan.entries],
                "repeats": [
                    {
                        "article_id": r.article_id,
                        "title": r.title,
                        "source": r.source,
                        "url": r.url,
                        "same_story_as": r.earlier_id,
                    }
                    for r in plan.repeats
                ],
            },
            sys.stdout,
            ensure_ascii=False,
            indent=2,
        )
        sys.stdout.write("\n")
    else:
        if not messages:
            print("Nothing queued: a delivery now would post nothing.")
        for m in messages:
            where = "reply in the thread" if m.thread else "message"
            whose = f"digest {m.digest_id}, not finished" if m.digest_id else "new digest"
            note = " (an earlier attempt is unconfirmed)" if m.status == "sending" else ""
            to = f" · to {describe_destination(m.destination)}" if several else ""
            print(f"----- {where} {m.part}/{m.of} · {whose}{to}{note} -----")
            print(to_terminal(m.blocks))
        if plan.repeats:
            print("Left out as later reports of stories already sent:")
            for r in plan.repeats:
                print(f"  • {r.title} — {r.source} (same story as “{r.earlier_title}”)\n    {r.url}")
    err(f"preview only ({deliverer.kind}): nothing was sent or marked")
    return 0


def register(sub) -> None:
    p = sub.add_parser(
        "digest",
        help="preview the digest a delivery now would send (nothing is sent)",
        description="Show what `borderwatch deliver` would post now: unfinished parts of an earlier digest,\n"
        "then the digest of every queued item, rendered for Slack (Block Kit) or the console.\n"
        "Nothing is sent and nothing is marked.",
        epilog="Examples:\n  borderwatch digest --preview\n  borderwatch digest --preview --json > digest.json",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_common(p)
    p.add_argument(
        "--preview",
        action="store_true",
        default=True,
        help="render without sending (the only mode; the flag is accepted for clarity)",
    )
    p.add_argument("--json", action="store_true", help="print the Block Kit JSON of each message")
    p.set_defaults(func=cmd_digest)
