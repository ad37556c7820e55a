"""borderwatch match: run the keyword rules over stored, not yet matched articles."""

from __future__ import annotations

import argparse
from pathlib import Path

from borderwatch.cli import add_common
from borderwatch.commands.common import err, friendly
from borderwatch.cycle import match_stage
from borderwatch.store import Store


@friendly
def cmd_match(args) -> int:
    state, seen, fired = match_stage(Store(), Path(args.config_dir))
    for w in state.warnings:
        err("WARNING: " + w)
    print(f"matched {seen} articles, {fired} fired a rule")
    return 0 if state.ruleset is not None else 2


def register(sub) -> None:
    p = sub.add_parser(
        "match",
        help="match stored new articles against keywords.yaml",
        description="Run the keyword rules over every stored article not matched yet.",
        epilog="Example:\n  borderwatch match --config-dir ./config",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_common(p)
    p.set_defaults(func=cmd_match)
