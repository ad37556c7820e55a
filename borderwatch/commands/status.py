"""borderwatch status: the one screen an operator checks.

Read-only: it never upgrades or writes the database, so it also works on a read-only or out-of-date
database (each section that cannot be read says why instead of failing the whole screen).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from borderwatch.cli import add_common
from borderwatch.commands.common import friendly
from borderwatch.exitcodes import EXIT_ATTENTION, EXIT_OK
from borderwatch.store import DatabaseError, Store, outbox, redact_url, utcnow
from borderwatch.store.articles import count_unmatched, text_counts
from borderwatch.store.crawl import source_health
from borderwatch.store.runs import last_run as last_run_row
from borderwatch.yamlload import ConfigError

STALE_RUN_HOURS = 36  # a daily run older than this needs attention
FEEDBACK_DAYS = 30  # the window of each rule's not-relevant rate


def _iso(dt: datetime | None) -> str | None:
    return dt.strftime("%Y-%m-%d %H:%M UTC") if dt else None


def _ago(dt: datetime | None) -> str:
    if dt is None:
        return "never"
    secs = max(0, int((utcnow() - dt).total_seconds()))
    if secs < 120:
        return f"{secs}s ago"
    if secs < 7200:
        return f"{secs // 60} min ago"
    if secs < 172800:
        return f"{secs // 3600} h ago"
    return f"{secs // 86400} days ago"


def _size(n: int | None) -> str:
    if n is None:
        return "unknown"
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return str(n)


def _section(fn: Callable[[], dict]) -> dict:
    try:
        return fn()
    except DatabaseError as exc:
        orig = getattr(exc, "orig", None) or exc
        return {"error": f"unavailable: {str(orig).splitlines()[0] if str(orig) else type(orig).__name__}"}


def collect(store: Store, config_dir: Path) -> dict[str, Any]:
    """Everything the status screen shows, as plain data (the --json output)."""
    out: dict[str, Any] = {"database": {"url": redact_url(store.url), "backend": store.dialect}}
    missing = store.dialect == "sqlite" and not store.size_bytes()  # checked first: connecting creates it
    if missing or store.schema_state().empty:
        out["database"].update({"missing": True, "schema": "none (the database does not exist yet)"})
        for key in ("last_run", "last_digest"):
            out[key] = {"at": None}
        out["queued"] = {"items": 0, "unmatched_articles": 0, "digests_unfinished": 0, "parts_unsent": 0}
        out["sources"] = {"known": 0, "failing": []}
        out["retention"] = {"articles": 0, "with_text": 0, "text_pruned": 0}
        out["feedback"] = {"days": FEEDBACK_DAYS, "rules": []}
        out["config"] = {
            "rules": _config_state(None, config_dir / "keywords.yaml", "", _load_rules),
            "sources": _config_state(None, config_dir / "sources.yaml", "", _load_sources),
        }
        return out
    out["database"].update(
        _section(lambda: {"size_bytes": store.size_bytes(), "schema": store.schema_state().describe()})
    )
    try:
        out["database"]["schema_up_to_date"] = store.schema_state().up_to_date
    except DatabaseError:
        out["database"]["schema_up_to_date"] = None

    def last_run() -> dict:
        run = last_run_row(store)
        if run is None:
            return {"at": None}
        stats = run.stats or {}
        secs = (run.finished_at - run.started_at).total_seconds() if run.finished_at else None
        return {
            "at": _iso(run.started_at),
            "ago": _ago(run.started_at),
            "status": run.status if run.finished_at else "running or crashed (never finished)",
            "seconds": round(secs, 1) if secs is not None else None,
            "new_articles": sum(v.get("new", 0) for v in (stats.get("sources") or {}).values()),
            "matched": stats.get("matched"),
            "fired": stats.get("fired"),
            "digest_items": stats.get("digest_items"),
            "hours_since": (utcnow() - run.started_at).total_seconds() / 3600,
            "finished": run.finished_at is not None,
        }

    def last_digest() -> dict:
        found = outbox.last_sent_digest(store)
        if found is None:
            return {"at": None}
        d, ts = found
        return {
            "at": _iso(d.sent_at),
            "ago": _ago(d.sent_at),
            "items": d.item_count,
            "messages": len(ts),
            "channel": d.channel,
            "slack_ts": [t for t in ts if t],
        }

    def queued() -> dict:
        items = outbox.count_queued(store)
        unmatched = count_unmatched(store)
        pending, parts = outbox.count_unsent(store)
        return {
            "items": items,
            "unmatched_articles": unmatched,
            "digests_unfinished": pending,
            "parts_unsent": parts,
        }

    def sources() -> dict:
        rows = source_health(store)
        failing = [
            {
                "name": r.name,
                "failures_in_a_row": r.consecutive_failures,
                "last_error": (r.last_error or "")[:300],
                "last_error_at": _iso(r.last_error_at),
                "last_success": _iso(r.last_success_at),
            }
            for r in rows
            if (r.consecutive_failures or 0) > 0
        ]
        return {"known": len(rows), "failing": failing}

    def retention() -> dict:
        return text_counts(store)

    out["last_run"] = _section(last_run)
    out["last_digest"] = _section(last_digest)
    out["queued"] = _section(queued)
    out["sources"] = _section(sources)
    out["retention"] = _section(retention)

    def feedback() -> dict:
        from datetime import timedelta

        from borderwatch.alerts.feedback import feedback_by_rule
        from borderwatch.alerts.rules_cache import load_rules

        try:  # in the rules file's order when it reads; the numbers come from the database either way
            order = [r.id for r in load_rules(config_dir / "keywords.yaml").topics]
        except ConfigError:
            order = []
        rows = feedback_by_rule(store, utcnow() - timedelta(days=FEEDBACK_DAYS), order)
        return {
            "days": FEEDBACK_DAYS,
            "rules": [
                {
                    "rule": f.rule,
                    "sent": f.sent,
                    "useful": f.useful,
                    "not_relevant": f.not_relevant,
                    "not_relevant_rate": round(f.rate, 4) if f.rate is not None else None,
                }
                for f in rows
            ],
        }

    out["feedback"] = _section(feedback)
    out["config"] = {
        "rules": _config_state(store, config_dir / "keywords.yaml", "rules:last_good", _load_rules),
        "sources": _config_state(store, config_dir / "sources.yaml", "sources:last_good", _load_sources),
    }
    return out


def _load_rules(path: Path) -> str:
    from borderwatch.alerts.rules_cache import load_rules

    return f"{len(load_rules(path).rules)} rules"


def _load_sources(path: Path) -> str:
    from borderwatch.config import load_sources

    cfg = load_sources(path)
    return f"{len([s for s in cfg.sources if s.enabled])} sources enabled"


def _config_state(store: Store | None, path: Path, key: str, load: Callable[[Path], str]) -> dict:
    st: dict[str, Any] = {"path": str(path)}
    try:
        st["valid"], st["summary"] = True, load(path)
    except ConfigError as exc:
        st["valid"], st["problems"] = False, [str(p) for p in exc.problems][:10]
    st["last_good_stored"] = None
    if store is not None:
        try:
            st["last_good_stored"] = _iso(store.kv_updated_at(key))
        except DatabaseError:
            pass
    return st


def attention(st: dict) -> list[str]:
    """What the operator should look at (empty: all good). Non-empty -> exit 1."""
    out = []
    run = st["last_run"]
    if "error" in run:
        out.append("last run: " + run["error"])
    elif run.get("at") is None:
        out.append("no run recorded yet")
    else:
        if run.get("finished") and run.get("status") != "ok":
            out.append(f"last run ended with status {run['status']}")
        if not run.get("finished"):
            out.append("last run never finished")
        if run.get("hours_since", 0) > STALE_RUN_HOURS:
            out.append(f"no run for {run['ago']}")
    q = st["queued"]
    if q.get("parts_unsent"):
        out.append(f"{q['parts_unsent']} digest message(s) not delivered yet")
    for f in st["sources"].get("failing", []):
        out.append(f"source {f['name']} failing ({f['failures_in_a_row']} runs in a row)")
    for c in st["config"].values():
        if not c["valid"]:
            out.append(
                f"{c['path']} is invalid"
                + (
                    " (runs use the last good copy)"
                    if c.get("last_good_stored")
                    else " (no good copy stored)"
                )
            )
    if st["database"].get("schema_up_to_date") is False:
        out.append("database schema upgrade pending (borderwatch db upgrade)")
    return out


def render(st: dict) -> str:
    lines = []
    db = st["database"]
    lines.append(f"borderwatch status · {db['url']}")

    def row(label: str, text: str) -> None:
        lines.append(f"{label:<13}{text}")

    row(
        "database",
        f"{_size(db.get('size_bytes'))} ({db['backend']}), schema {db.get('schema', db.get('error'))}",
    )
    run = st["last_run"]
    if "error" in run:
        row("last run", run["error"])
    elif run.get("at") is None:
        row("last run", "never")
    else:
        took = f", {run['seconds']:g} s" if run.get("seconds") is not None else ""
        row(
            "last run",
            f"{run['at']} ({run['ago']}), {run['status']}{took}; {run['new_articles']} new articles, "
            f"{run.get('fired') or 0} fired a rule",
        )
    d = st["last_digest"]
    if "error" in d:
        row("last digest", d["error"])
    elif d.get("at") is None:
        row("last digest", "none delivered yet")
    else:
        ts = ", ".join(d["slack_ts"]) if d["slack_ts"] else "-"
        row(
            "last digest",
            f"{d['at']} ({d['ago']}): {d['items']} items in {d['messages']} message(s) via {d['channel']}; ts {ts}",
        )
    q = st["queued"]
    if "error" in q:
        row("queued", q["error"])
    else:
        extra = f"; {q['parts_unsent']} digest message(s) unsent" if q["parts_unsent"] else ""
        row(
            "queued",
            f"{q['items']} item(s) for the next digest, {q['unmatched_articles']} not yet matched{extra}",
        )
    srcs = st["sources"]
    if "error" in srcs:
        row("sources", srcs["error"])
    else:
        row("sources", f"{srcs['known']} known, {len(srcs['failing'])} failing")
        for f in srcs["failing"]:
            lines.append(
                f"{'':13}  {f['name']}: {f['failures_in_a_row']} run(s) in a row, last ok "
                f"{f['last_success'] or 'never'}; {f['last_error']}"
            )
    for name, label in (("rules", "rules"), ("sources", "sources.yaml")):
        c = st["config"][name]
        stored = (
            f"last good copy stored {c['last_good_stored']}"
            if c.get("last_good_stored")
            else "no copy stored"
        )
        if c["valid"]:
            row(label, f"{c['path']}: valid, {c['summary']} ({stored})")
        else:
            using = "runs use the last good copy" if c.get("last_good_stored") else "NO good copy stored"
            row(label, f"{c['path']}: INVALID — {using}")
            for p in c["problems"]:
                lines.append(f"{'':13}  {p}")
    r = st["retention"]
    if "error" in r:
        row("retention", r["error"])
    else:
        row(
            "retention",
            f"{r['articles']} articles kept; full text stored for {r['with_text']}, pruned for {r['text_pruned']}",
        )
    fb = st.get("feedback") or {}
    if "error" in fb:
        row("feedback", fb["error"])
    elif fb.get("rules"):
        row(
            "feedback",
            f"not relevant over {fb['days']} days (items marked / sent; borderwatch rules feedback)",
        )
        for f in fb["rules"]:
            rate = f"{f['not_relevant_rate']:.0%}" if f["not_relevant_rate"] is not None else "-"
            lines.append(f"{'':13}  {f['rule']}: {f['not_relevant']}/{f['sent']} ({rate})")
    need = attention(st)
    lines.append("")
    lines.append("attention: " + ("none" if not need else ""))
    lines.extend(f"  - {n}" for n in need)
    return "\n".join(lines)


@friendly
def cmd_status(args) -> int:
    store = Store(migrate=False)
    st = collect(store, Path(args.config_dir))
    need = attention(st)
    st["attention"] = need
    try:
        print(json.dumps(st, indent=2, default=str) if args.json else render(st), flush=True)
    except BrokenPipeError:  # `borderwatch status | head`
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return EXIT_ATTENTION if need else EXIT_OK


def register(sub) -> None:
    p = sub.add_parser(
        "status",
        help="the operator's screen: last run, last digest, queue, failing sources, config, database",
        description="Show the last run, the last digest delivered (time, items, Slack ts), queued items, "
        "failing sources,\nthe state of keywords.yaml and sources.yaml, and the database size. Read-only.\n\n"
        "Exit 0 when nothing needs attention, 1 when something does (listed at the end), 2 when the\n"
        "database cannot be read.",
        epilog="Examples:\n  borderwatch status\n  borderwatch status --json | jq .last_digest",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_common(p)
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_status)
