"""borderwatch init: write a config directory with the shipped, commented files."""

from __future__ import annotations

import argparse
from pathlib import Path

from borderwatch import shipped
from borderwatch.commands.common import err


def cmd_init(args) -> int:
    target = Path(args.dir)
    existing = [target / name for name in shipped.FILES if (target / name).exists()]
    if existing:
        err("refusing to overwrite: " + ", ".join(str(p) for p in existing))
        err("choose another directory, e.g. `borderwatch init ./my-config`, or move the files away first")
        return 2
    # Read every shipped file before writing any, so a broken installation writes nothing and says so.
    contents = {}
    for name in shipped.FILES:
        try:
            contents[name] = shipped.read(name)
        except OSError as exc:
            err(f"this installation of borderwatch lacks its shipped {name} ({exc.strerror or exc})")
            err("reinstall borderwatch; nothing was written")
            return 2
    path = target
    try:
        target.mkdir(parents=True, exist_ok=True)
        for name, text in contents.items():
            path = target / name
            path.write_text(text, encoding="utf-8")
    except OSError as exc:
        err(f"cannot write {path}: {exc.strerror or exc}")
        return 2
    print(f"wrote {target}/sources.yaml, {target}/keywords.yaml and {target}/.env.example")
    print("next steps:")
    print(f"  1. edit {target}/keywords.yaml, then check it:  borderwatch rules check --config-dir {target}")
    print(f"  2. set Slack variables (see {target}/.env.example), or leave them unset for a console digest")
    print(f"  3. run one cycle:  borderwatch run --config-dir {target}")
    return 0


def register(sub) -> None:
    p = sub.add_parser(
        "init",
        help="write a config dir with the shipped sources.yaml, keywords.yaml and .env.example",
        description="Create DIR (default ./config) with the shipped, commented sources.yaml and keywords.yaml and an\n"
        ".env.example listing every environment variable. Refuses to overwrite existing files.",
        epilog="Example:\n  borderwatch init ./config && borderwatch rules check --config-dir ./config",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "dir", nargs="?", default="config", metavar="DIR", help="directory to create (default: ./config)"
    )
    p.set_defaults(func=cmd_init)
