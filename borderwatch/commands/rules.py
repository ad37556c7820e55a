"""borderwatch rules check|test|replay|feedback: validate keywords.yaml, try rules on inputs, replay stored
articles, and read the consultants' feedback per rule."""

from __future__ import annotations

import argparse
import json
import sys
import urllib.request
from pathlib import Path

from borderwatch.alerts.matcher import Matcher
from borderwatch.alerts.rules import RuleSet
from borderwatch.alerts.rules_cache import load_rules
from borderwatch.alerts.tagging import shipped as shipped_tagger
from borderwatch.cli import add_common
from borderwatch.commands.common import err, friendly
from borderwatch.language import detect as detect_language
from borderwatch.yamlload import ConfigError

MAX_INPUT_BYTES = 10 * 1024 * 1024


class InputError(Exception):
    pass


def read_input(spec: str) -> tuple[str, str]:
    """(title, text) of a text/HTML file, '-' (stdin) or an http(s) URL; HTML goes through trafilatura."""
    if spec.startswith(("http://", "https://")):
        try:
            req = urllib.request.Request(spec, headers={"User-Agent": "borderwatch rules test"})
            with urllib.request.urlopen(req, timeout=20) as resp:
                raw = resp.read(MAX_INPUT_BYTES)
        except Exception as exc:  # network problems of every kind are an input error here
            raise InputError(f"{spec}: cannot fetch: {exc}") from None
        url = spec
    elif spec == "-":
        raw = sys.stdin.buffer.read(MAX_INPUT_BYTES)
        url = None
    else:
        try:
            raw = Path(spec).read_bytes()[:MAX_INPUT_BYTES]
        except OSError as exc:
            raise InputError(f"{spec}: {exc.strerror or exc}") from None
        url = None
    head = raw[:2048].lstrip().lower()
    if (
        head.startswith((b"<!doctype html", b"<html"))
        or b"<body" in raw[:65536].lower()
        or spec.endswith((".html", ".htm"))
    ):
        from borderwatch.crawler.extract import extract

        ex = extract(raw, url or "")
        if ex is None:
            return "", ""
        return ex.title or "", ex.text
    text = raw.decode("utf-8", errors="replace")
    return "", text


def rules_path(args) -> Path:
    return Path(args.rules) if getattr(args, "rules", None) else Path(args.config_dir) / "keywords.yaml"


def load_or_report(path: Path) -> RuleSet | None:
    try:
        return load_rules(path)
    except ConfigError as exc:
        print(str(exc), file=sys.stderr)
        n = len(exc.problems)
        err(f"{n} problem{'s' if n != 1 else ''} in {path}; nothing was changed")
        return None


# -- test -------------------------------------------------------------------------------------------------
def cmd_test(args) -> int:
    ruleset = load_or_report(rules_path(args))
    if ruleset is None:
        return 2
    matcher = Matcher(ruleset)
    any_match = False
    had_error = False
    for spec in args.inputs:
        try:
            title, text = read_input(spec)
        except InputError as exc:
            err(str(exc))
            had_error = True
            continue
        language = detect_language(title, text)  # as the match stage does for a stored article
        details = matcher.match_details(title, text, language=language)
        tags = shipped_tagger().tag(title, text)
        any_match = any_match or bool(details)
        if args.json:
            obj = {
                "input": spec,
                "language": language,  # detected (borderwatch/language.py); null when too short to tell
                "matches": [
                    {
                        "rule": d.match.rule,  # the digest topic, as the match stage stores it
                        "terms": list(d.match.terms),
                        "snippet": d.match.snippet,
                        "hits": [
                            {"term": h.term, "field": h.field, "count": h.count, "snippet": h.snippet}
                            for h in d.hits
                        ],
                        # only when a rule with `topic:` caught it: those rules' ids (an extra key)
                        **({"via": list(d.match.via)} if d.match.via else {}),
                    }
                    for d in details
                ],
                **tags.as_json(),  # "actors": [...], "places": [{"name", "admin1", "country"}]
            }
            if args.explain:
                obj["not_fired"] = [
                    {"rule": e.rule, "reason": e.reason, **({"topic": e.topic} if e.topic else {})}
                    for e in matcher.explain(title, text, language)
                    if not e.fired
                ]
            print(json.dumps(obj, ensure_ascii=False))
            continue
        lang = f" [{language}]" if language else ""
        print(f"{spec}{lang}: {len(details)} rule(s) fired" + (f" — title: {title}" if title else ""))
        if tags.line():
            print(f"  who/where: {tags.line(max_places=8, max_actors=8)}")
        for i, d in enumerate(details):
            rule = ruleset.by_id(d.match.rule)
            first = " (digest topic)" if i == 0 and len(details) > 1 else ""
            via = ""
            if d.match.via:  # caught by a rule with `topic:` (too)
                also = "also " if d.match.rule in d.match.fired_by else ""
                via = f" ({also}via {', '.join(d.match.via)})"
            print(f"  ✔ {d.match.rule}{via} — {rule.name if rule else d.match.rule}{first}")
            for h in d.hits:
                times = f", {h.count}×" if h.count > 1 else ""
                print(f"      {h.term} ({h.field}{times}): “{h.snippet}”")
        if args.explain:
            caught = {d.match.rule: d.match.via for d in details}
            for ex in matcher.explain(title, text, language):
                if not ex.fired:
                    of = f" (topic {ex.topic})" if ex.topic else ""
                    if not ex.topic and caught.get(ex.rule):  # its topic fired through another rule
                        of = f" (its topic fired via {', '.join(caught[ex.rule])})"
                    print(f"  ✘ {ex.rule}{of}: {ex.reason}")
    if had_error:
        return 2
    return 0 if any_match else 1


# -- check ------------------------------------------------------------------------------------------------
def cmd_check(args) -> int:
    path = rules_path(args)
    rs = load_or_report(path)
    if rs is None:
        return 2
    m = Matcher(rs)
    print(
        f"{path}: OK, {len(rs.rules)} rules, {len(rs.groups)} groups, {m.term_count} distinct terms "
        f"({m.key_count} word forms)"
    )
    for r in rs.rules:
        lang = f" [{', '.join(r.lang)}]" if r.lang else ""
        to = f" -> channel {r.channel}" if r.channel else ""
        to += f" (webhook ${r.webhook_env})" if r.webhook_env else ""
        to += f" -> topic {r.topic}" if r.topic else ""  # filed, shown and routed as that topic
        print(f"  {r.id}: {r.name}{lang}{to}")
    for rid, name in rs.disabled:
        if rid in rs.disabled_with:
            topic = rs.disabled_with[rid]
            print(
                f"  {rid}: {name} (disabled with its topic {topic}: set enabled: true on {topic} to use it)"
            )
        else:
            print(f"  {rid}: {name} (disabled: set enabled: true to use it)")
    return 0


# -- replay -----------------------------------------------------------------------------------------------
@friendly
def cmd_replay(args) -> int:
    from borderwatch.alerts.replay import replay

    path = rules_path(args)
    ruleset = load_or_report(path)
    if ruleset is None:
        return 2
    opened = _since_and_store(args)
    if opened is None:
        return 2
    since, store = opened
    report = replay(store, ruleset, since)
    fb = None
    if args.feedback:
        from borderwatch.alerts.replay import replay_feedback

        if not _has_table(store, "feedback"):
            err("the database has no feedback yet (run `borderwatch db upgrade`, then collect clicks)")
            return 2
        fb = replay_feedback(store, ruleset, since)
    if args.json:
        out = _replay_json(report, path)
        if fb is not None:
            out["feedback"] = _feedback_replay_json(fb)
        print(json.dumps(out, ensure_ascii=False))
    else:
        _print_replay(report, ruleset, path, args.limit)
        if fb is not None:
            _print_feedback_replay(fb, args.limit)
    return 1 if report.changed else 0


def _has_table(store, name: str) -> bool:
    return store.has_table(name)


def _marked_json(m) -> dict:
    return {
        "article_id": m.article_id,
        "title": m.title,
        "url": m.url,
        "source": m.source,
        "rule": m.rule,
        "fires_now": m.after,
    }


def _feedback_replay_json(fb) -> dict:
    return {
        "since": fb.since.isoformat(),
        "not_relevant": len(fb.not_relevant),
        "dropped": [_marked_json(m) for m in fb.dropped],
        "still_sent": [_marked_json(m) for m in fb.not_relevant if m.kept],
        "useful": len(fb.useful),
        "lost": [_marked_json(m) for m in fb.lost],
    }


def _print_feedback_replay(fb, limit: int) -> None:
    out = sys.stdout
    out.write(
        f"\nFeedback since {fb.since:%Y-%m-%d}: {len(fb.not_relevant)} item(s) marked not relevant, "
        f"{len(fb.useful)} marked useful (each under the topic it was shown under)\n"
    )
    kept = [m for m in fb.not_relevant if m.kept]
    for items, head in (
        (
            fb.dropped,
            f"not-relevant item(s) the candidate would DROP from their topic ({len(fb.dropped)} of "
            f"{len(fb.not_relevant)})",
        ),
        (kept, "not-relevant item(s) the candidate would STILL SEND under their topic"),
        (
            fb.lost,
            f"useful item(s) the candidate would LOSE from their topic ({len(fb.lost)} of {len(fb.useful)})",
        ),
    ):
        if not items:
            continue
        out.write(f"\n{head}:\n")
        for m in items[:limit]:
            now = f"now fires: {', '.join(m.after)}" if m.after else "fires no rule now"
            out.write(f"  • {m.title}  ({m.source})\n    {m.url}\n    marked under {m.rule}; {now}\n")
        if len(items) > limit:
            out.write(f"  … and {len(items) - limit} more (use --limit N or --json)\n")
    if not fb.lost and fb.useful:
        out.write("\nNo useful item would be lost.\n")


# -- feedback ---------------------------------------------------------------------------------------------
@friendly
def cmd_feedback(args) -> int:
    from borderwatch.alerts.feedback import feedback_by_rule

    opened = _since_and_store(args)
    if opened is None:
        return 2
    since, store = opened
    if not _has_table(store, "feedback"):
        err("the database predates feedback: run `borderwatch db upgrade` (or any run) first")
        return 2
    names, order = {}, []
    try:
        rs = load_rules(rules_path(args))
        names, order = {r.id: r.name for r in rs.topics}, [r.id for r in rs.topics]
    except ConfigError:
        pass  # names are a nicety here; the numbers come from the database
    rows = feedback_by_rule(store, since, order)
    if args.json:
        print(
            json.dumps(
                {
                    "since": since.isoformat(),
                    "rules": [
                        {
                            "rule": f.rule,
                            "name": names.get(f.rule, f.rule),
                            "sent": f.sent,
                            "useful": f.useful,
                            "not_relevant": f.not_relevant,
                            "not_relevant_rate": round(f.rate, 4) if f.rate is not None else None,
                            "not_relevant_terms": [
                                {"term": t, "items": n}
                                for t, n in sorted(f.terms.items(), key=lambda kv: (-kv[1], kv[0]))
                            ],
                        }
                        for f in rows
                    ],
                },
                ensure_ascii=False,
            )
        )
        return 0
    print(f"Feedback on items sent since {since:%Y-%m-%d %H:%M} UTC (from the digest's Slack buttons)\n")
    if not rows:
        print("No items were sent in this window.")
        return 0
    print(f"{'rule':28} {'sent':>5} {'useful':>7} {'not relevant':>13} {'rate':>6}")
    for f in rows:
        rate = f"{f.rate:.0%}" if f.rate is not None else "-"
        print(f"{f.rule[:28]:28} {f.sent:>5} {f.useful:>7} {f.not_relevant:>13} {rate:>6}")
        if f.terms:
            top = sorted(f.terms.items(), key=lambda kv: (-kv[1], kv[0]))[:8]
            print(f"{'':4}terms on not-relevant items: " + ", ".join(f"{t} ({n})" for t, n in top))
    return 0


def _since_and_store(args):
    """`--since` parsed and the existing database opened, or None after saying which one failed."""
    from borderwatch.alerts.replay import SinceError, parse_since
    from borderwatch.store import Store, db_url, utcnow

    try:
        since = parse_since(args.since, utcnow())
    except SinceError as exc:
        err(str(exc))
        return None
    store = _open_existing_store(Store, db_url())
    return None if store is None else (since, store)


def _open_existing_store(Store, url: str):
    """The database as it is (never created or migrated by a replay), or None with a message."""
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        if not Path(url[len("sqlite:///") :]).exists():
            err(
                "no database found (BORDERWATCH_DB): run `borderwatch run` first, or point BORDERWATCH_DB at it"
            )
            return None
    store = Store(url, create=False)
    if not store.has_table("articles"):
        err("the database (BORDERWATCH_DB) has no stored articles yet: run `borderwatch run` first")
        return None
    return store


def _replay_json(report, path) -> dict:
    return {
        "rules_file": str(path),
        "since": report.since.isoformat(),
        "articles": report.articles,
        "skipped": report.skipped,
        "fired_before": report.fired_before,
        "fired_after": report.fired_after,
        "rules": {rid: vars(c) for rid, c in report.rules.items()},
        "changes": [
            {
                "kind": d.kind,
                "article_id": d.article_id,
                "title": d.title,
                "url": d.url,
                "source": d.source,
                "language": d.language,
                "before": d.before,
                "after": [{"rule": m.rule, "terms": list(m.terms), "snippet": m.snippet} for m in d.after],
            }
            for d in report.diffs
        ],
    }


def _print_replay(report, ruleset: RuleSet, path: Path, limit: int) -> None:
    out = sys.stdout
    out.write(
        f"Replayed {report.articles} stored article(s) first seen since {report.since:%Y-%m-%d %H:%M} UTC "
        f"with {path}\n(nothing is written or sent; {report.skipped} article(s) in the window were not matched "
        "yet or never fetched and are left out)\n\n"
    )
    out.write(f"{'rule':28} {'before':>6} {'after':>6} {'added':>6} {'removed':>7}\n")
    names = {r.id: r.name for r in ruleset.topics}
    order = [r.id for r in ruleset.topics] + sorted(set(report.rules) - set(names))
    for rid in order:
        c = report.rules.get(rid)
        if c is None:
            continue
        rule = ruleset.by_id(rid)
        if rule is not None and rule.topic:  # stored under its own id before it had `topic:`
            note = f"  (now filed under topic {rule.topic})"
        else:
            note = "" if rid in names else "  (not in this rules file)"
        out.write(
            f"{rid[:28]:28} {c.before:>6} {c.after:>6} {'+' + str(c.added):>6} {'-' + str(c.removed):>7}{note}\n"
        )
    out.write(f"{'articles that fire a rule':28} {report.fired_before:>6} {report.fired_after:>6}\n")
    if not report.changed:
        out.write("\nNo change: this rules file matches exactly what was matched before.\n")
        return
    for kind, head in (
        ("added", "would be ADDED (did not match before)"),
        ("removed", "would be REMOVED (matched before, not now)"),
        ("changed", "would match DIFFERENT rules"),
    ):
        items = report.of_kind(kind)
        if not items:
            continue
        out.write(f"\n{len(items)} article(s) {head}:\n")
        for d in items[:limit]:
            out.write(f"  • {d.title or d.url}  ({d.source})\n    {d.url}\n")
            if d.before:
                out.write(f"    before: {', '.join(d.before)}\n")
            if d.after:
                m = d.after[0]
                out.write(f"    now:    {', '.join(d.after_ids)} — terms: {', '.join(m.terms)}\n")
                if m.snippet:
                    out.write(f"            “{m.snippet}”\n")
        if len(items) > limit:
            out.write(f"  … and {len(items) - limit} more (use --limit N or --json)\n")


def register(sub) -> None:
    p = sub.add_parser(
        "rules",
        help="check keywords.yaml, test the rules on files/URLs, replay stored articles",
        description="Work with the keyword rules in keywords.yaml.",
        epilog="Examples:\n  borderwatch rules check\n  borderwatch rules test article.html https://example.com/story\n"
        "  borderwatch rules test --explain --rules candidate.yaml notes.txt\n"
        "  borderwatch rules replay --since 30d --rules candidate.yaml\n"
        "  borderwatch rules feedback --since 30d\n"
        "  borderwatch rules replay --feedback not-relevant --rules candidate.yaml",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    rsub = p.add_subparsers(dest="rules_command", metavar="SUBCOMMAND")
    t = rsub.add_parser(
        "test",
        help="show which rules fire on each input, the terms and a snippet around each hit",
        description="Match the rules against each INPUT (a text or HTML file, '-' for stdin, or an http(s) URL).\n"
        "HTML is reduced to its main text with trafilatura, exactly as crawled pages are.\n"
        "For each rule that fires: the terms, where each was found and the sentence around it.\n\n"
        "Exit 0 if any input matched, 1 if none did, 2 on error (like grep).\n"
        'With --json: one line per input: {"input": ..., "matches": [{"rule": ..., "terms": [...],\n'
        '"snippet": ..., "hits": [...]}], "actors": [...], "places": [{"name": ..., "admin1": ...,\n'
        '"country": ...}]} (plus "not_fired" with --explain). Actors and places: docs/tagging.md.',
        epilog="Example:\n  borderwatch rules test --explain story.html",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_common(t)
    t.add_argument("--json", action="store_true", help="one JSON object per input per line")
    t.add_argument(
        "--explain", action="store_true", help="also say which clause failed for rules that did not fire"
    )
    t.add_argument("--rules", metavar="FILE", help="a candidate rules file instead of DIR/keywords.yaml")
    t.add_argument("inputs", nargs="+", metavar="INPUT")
    t.set_defaults(func=cmd_test)
    c = rsub.add_parser(
        "check",
        help="validate keywords.yaml (exit 2 on any problem)",
        description="Validate the rules file and print every problem as file:line:column: message, each\n"
        "saying what to change. Exit 0 when the file is valid, 2 otherwise.",
        epilog="Example:\n  borderwatch rules check --config-dir ./config",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_common(c)
    c.add_argument("--rules", metavar="FILE", help="check this file instead of DIR/keywords.yaml")
    c.set_defaults(func=cmd_check)
    r = rsub.add_parser(
        "replay",
        help="re-match stored articles with the current or a candidate rules file; show what changes",
        description="Re-match the articles stored in the database (BORDERWATCH_DB) that were first seen in the\n"
        "window with DIR/keywords.yaml or --rules FILE, and compare with what was matched before:\n"
        "per-rule counts, and the articles a change would add, remove or move to other rules.\n"
        "Read-only: nothing is written to the database and nothing is sent.\n\n"
        "Exit 0 when nothing changes, 1 when the rules match differently (like diff), 2 on error.",
        epilog="Example:\n  cp config/keywords.yaml /tmp/candidate.yaml   # edit it, then:\n"
        "  borderwatch rules replay --since 30d --rules /tmp/candidate.yaml",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_common(r)
    r.add_argument(
        "--since", default="30d", help="window: 30d, 12h, 2w or a date like 2026-11-01 (default 30d)"
    )
    r.add_argument("--rules", metavar="FILE", help="a candidate rules file instead of DIR/keywords.yaml")
    r.add_argument("--json", action="store_true", help="one JSON object with the counts and every change")
    r.add_argument(
        "--limit", type=int, default=20, metavar="N", help="articles listed per section (default 20)"
    )
    r.add_argument(
        "--feedback",
        choices=["not-relevant"],
        help="also show which items marked not relevant in Slack (in the --since window) the candidate would "
        "drop, and which items marked useful it would lose",
    )
    r.set_defaults(func=cmd_replay)
    f = rsub.add_parser(
        "feedback",
        help="per rule: items sent, marked useful / not relevant in Slack, terms behind the not-relevant ones",
        description="What the consultants said about each rule's items (the digest's Useful / Not relevant\n"
        "buttons, see docs/slack.md): per rule, the items sent in the window, how many were marked useful and\n"
        "not relevant, and the terms that fired on the not-relevant ones. Read-only.",
        epilog="Examples:\n  borderwatch rules feedback --since 30d\n  borderwatch rules feedback --json | jq .rules",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_common(f)
    f.add_argument("--since", default="30d", help="window: 30d, 12h, 2w or a date (default 30d)")
    f.add_argument("--json", action="store_true", help="one JSON object")
    f.set_defaults(func=cmd_feedback)
    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])
