"""borderwatch db: schema maintenance (upgrade to the current schema, show the schema revision)."""

from __future__ import annotations

import argparse

from borderwatch.cli import add_common
from borderwatch.commands.common import friendly


@friendly
def cmd_upgrade(args) -> int:
    from borderwatch import migrations
    from borderwatch.store import Store, redact_url

    store = Store(migrate=False)
    before = migrations.state(store.engine)
    applied = migrations.upgrade(store.engine)
    where = redact_url(store.url)
    if applied and before.empty:
        print(f"{where}: created the schema ({', '.join(applied)}; now at {migrations.head()})")
    elif applied:
        print(f"{where}: upgraded {before.describe()} -> {', '.join(applied)} (now at {migrations.head()})")
    else:
        print(f"{where}: schema already at {migrations.head()} (up to date)")
    return 0


@friendly
def cmd_current(args) -> int:
    from borderwatch import migrations
    from borderwatch.store import Store, redact_url

    store = Store(migrate=False)
    st = migrations.state(store.engine)
    print(f"{redact_url(store.url)}: {st.describe()}")
    return 0 if st.up_to_date else 1


def register(sub) -> None:
    p = sub.add_parser(
        "db",
        help="database schema: upgrade, current",
        description="Database schema maintenance. Every command that opens the database upgrades the schema "
        "automatically;\n`db upgrade` does it alone (e.g. right after installing a new version, before the "
        "next scheduled run).\nThe database is BORDERWATCH_DB (default sqlite:///borderwatch.db).",
        epilog="Examples:\n  borderwatch db upgrade\n  BORDERWATCH_DB=postgresql+psycopg://bw@db/bw borderwatch db current",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    dsub = p.add_subparsers(dest="db_command", metavar="SUBCOMMAND")
    up = dsub.add_parser(
        "upgrade",
        help="upgrade the schema to this version's (idempotent; a 0.1.0 database is adopted)",
        description="Apply every pending schema migration in one transaction. Safe to run twice and "
        "while another borderwatch process starts (the upgrade is serialised).",
        epilog="Example:\n  BORDERWATCH_DB=sqlite:////var/lib/borderwatch/borderwatch.db borderwatch db upgrade",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_common(up, config_dir=False)
    up.set_defaults(func=cmd_upgrade)
    cur = dsub.add_parser(
        "current",
        help="show the schema revision (exit 1 if an upgrade is pending)",
        description="Show the database's schema revision and whether an upgrade is pending.",
        epilog="Example:\n  borderwatch db current || borderwatch db upgrade",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_common(cur, config_dir=False)
    cur.set_defaults(func=cmd_current)
    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])
