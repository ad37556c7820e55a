"""Match stage: rules file (or the last good copy) -> matches for every newly stored article."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from borderwatch.crashpoint import crashpoint
from borderwatch.store import ArticleRow, MatchRow, Store
from borderwatch.yamlload import ConfigError

from .matcher import Matcher
from .rules import RuleSet, load_rules, parse_rules

LAST_GOOD_KEY = "rules:last_good"


@dataclass
class RulesState:
    ruleset: RuleSet | None
    warnings: list[str] = field(default_factory=list)
    using_last_good: bool = False
    error: str | None = None


def load_rules_or_last_good(store: Store, path: Path) -> RulesState:
    """The rules file if valid (and remember it); else the last good copy from the database, loudly."""
    try:
        rs = load_rules(path)
    except ConfigError as exc:
        stored = store.get_kv(LAST_GOOD_KEY)
        msg = f"{path} is invalid:\n{exc}"
        if stored is None:
            return RulesState(
                None, [msg + "\nNo earlier good rules are stored, so nothing was matched."], error=str(exc)
            )
        from ruamel.yaml import YAML

        rs = parse_rules(YAML(typ="rt").load(stored), f"{path} (last good copy)")
        return RulesState(
            rs,
            [f"Rules file {path} is broken; matching used the last good rules instead. Fix it: {exc}"],
            using_last_good=True,
            error=str(exc),
        )
    text = Path(path).read_text(encoding="utf-8")
    if store.get_kv(LAST_GOOD_KEY) != text:
        store.set_kv(LAST_GOOD_KEY, text)
    return RulesState(rs)


def match_new(store: Store, ruleset: RuleSet, batch: int = 200) -> tuple[int, int]:
    """Match every article in state 'new'. Returns (articles matched against, articles that fired a rule)."""
    matcher = Matcher(ruleset)
    seen = fired = 0
    while True:
        with store.session() as s:
            rows = s.scalars(
                select(ArticleRow).where(ArticleRow.status == "new").order_by(ArticleRow.id).limit(batch)
            ).all()
            if not rows:
                break
            for row in rows:
                seen += 1
                crashpoint("mid_match")  # test-only: a kill -9 inside a batch must roll it back whole
                matches = matcher.match(row.title or "", row.text or "")
                if matches:
                    fired += 1
                for m in matches:
                    s.add(MatchRow(article_id=row.id, rule_id=m.rule, terms=list(m.terms), snippet=m.snippet))
                row.status = "matched"
    return seen, fired
