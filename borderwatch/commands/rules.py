"""borderwatch rules check|test: validate keywords.yaml; try the rules on files or URLs."""

from __future__ import annotations

import argparse
import json
import sys
import urllib.request
from pathlib import Path

from borderwatch.alerts.matcher import Matcher
from borderwatch.alerts.rules import load_rules
from borderwatch.cli import add_common
from borderwatch.commands.common import err
from borderwatch.yamlload import ConfigError

MAX_INPUT_BYTES = 10 * 1024 * 1024


class InputError(Exception):
    pass


def read_input(spec: str) -> tuple[str, str]:
    """(title, text) of a text/HTML file or an http(s) URL; HTML goes through trafilatura like a crawled page."""
    if spec.startswith(("http://", "https://")):
        try:
            req = urllib.request.Request(spec, headers={"User-Agent": "borderwatch rules test"})
            with urllib.request.urlopen(req, timeout=20) as resp:
                raw = resp.read(MAX_INPUT_BYTES)
        except Exception as exc:  # network problems of every kind are an input error here
            raise InputError(f"{spec}: cannot fetch: {exc}") from None
        url = spec
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


def cmd_test(args) -> int:
    path = Path(args.rules) if args.rules else Path(args.config_dir) / "keywords.yaml"
    try:
        ruleset = load_rules(path)
    except ConfigError as exc:
        err("configuration error:\n" + str(exc))
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
        matches = matcher.match(title, text)
        any_match = any_match or bool(matches)
        if args.json:
            print(
                json.dumps(
                    {"input": spec, "matches": [{"rule": m.rule, "terms": list(m.terms)} for m in matches]},
                    ensure_ascii=False,
                )
            )
            continue
        print(f"{spec}: {len(matches)} rule(s) fired" + (f" — title: {title}" if title else ""))
        for m in matches:
            rule = ruleset.by_id(m.rule)
            print(f"  ✔ {m.rule} ({rule.name if rule else m.rule}): {', '.join(m.terms)}")
            if m.snippet:
                print(f"      “{m.snippet}”")
        if args.explain:
            for ex in matcher.explain(title, text):
                if not ex.fired:
                    print(f"  ✘ {ex.rule}: {ex.reason}")
    if had_error:
        return 2
    return 0 if any_match else 1


def cmd_check(args) -> int:
    path = Path(args.rules) if args.rules else Path(args.config_dir) / "keywords.yaml"
    try:
        rs = load_rules(path)
    except ConfigError as exc:
        print(str(exc), file=sys.stderr)
        err(f"{len(exc.problems)} problem(s) in {path}")
        return 2
    n_terms = Matcher(rs).term_count
    print(f"{path}: OK, {len(rs.rules)} rules, {n_terms} distinct terms")
    return 0


def register(sub) -> None:
    p = sub.add_parser(
        "rules",
        help="check keywords.yaml or test the rules on files/URLs",
        description="Work with the keyword rules in keywords.yaml.",
        epilog="Examples:\n  borderwatch rules check\n  borderwatch rules test article.html https://example.com/story\n"
        "  borderwatch rules test --json notes.txt",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    rsub = p.add_subparsers(dest="rules_command", metavar="SUBCOMMAND")
    t = rsub.add_parser(
        "test",
        help="show which rules fire on each input",
        description="Match the rules against each INPUT (a text or HTML file, or an http(s) URL).\n"
        "HTML is reduced to its main text with trafilatura, exactly as crawled pages are.\n\n"
        "Exit 0 if any input matched, 1 if none did, 2 on error (like grep).\n"
        'With --json: one line per input: {"input": ..., "matches": [{"rule": ..., "terms": [...]}]}',
        epilog="Example:\n  borderwatch rules test --explain tests/fixtures/sample.txt",
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
        description="Validate the rules file and print every problem as file:line:column: message.",
        epilog="Example:\n  borderwatch rules check --config-dir ./config",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_common(c)
    c.add_argument("--rules", metavar="FILE", help="check this file instead of DIR/keywords.yaml")
    c.set_defaults(func=cmd_check)
    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])
