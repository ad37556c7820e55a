"""Match stage: rules file (or the last good copy) -> matches for every newly stored article.

A broken keywords.yaml must never silently stop matching: the last rules file that loaded cleanly is kept
in the database (kv table) and used instead, and the run says so loudly -- on stderr and as a warning line
at the top of the digest -- until the file is fixed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from borderwatch.crashpoint import crashpoint
from borderwatch.language import detect as detect_language
from borderwatch.language import release as release_language_model
from borderwatch.lastgood import load_or_last_good
from borderwatch.records import WarningLine
from borderwatch.store import Store
from borderwatch.store import articles as stored_articles
from borderwatch.yamlload import ConfigError

from .matcher import Matcher
from .rules import RuleSet, parse_rules_text
from .rules_cache import load_rules
from .tagging import shipped as shipped_tagger

LAST_GOOD_KEY = "rules:last_good"
LAST_GOOD_SAVED_KEY = "rules:last_good_saved"
MAX_PROBLEMS_SHOWN = 5


@dataclass
class RulesState:
    ruleset: RuleSet | None
    warnings: list[str] = field(default_factory=list)
    using_last_good: bool = False
    error: str | None = None


def _problems_text(exc: ConfigError) -> str:
    shown = [
        f"{Path(p.file).name}:{p.line}:{p.column}: {p.message}" for p in exc.problems[:MAX_PROBLEMS_SHOWN]
    ]
    more = len(exc.problems) - len(shown)
    return "\n".join(shown) + (f"\n(+{more} more problems)" if more > 0 else "")


def load_rules_or_last_good(store: Store, path: Path) -> RulesState:
    """The rules file if valid (and remember it); else the last good copy from the database, loudly
    (borderwatch/lastgood.py: the one last-good mechanism, shared with sources.yaml)."""
    path = Path(path)
    got = load_or_last_good(store, path, load_rules, parse_rules_text, LAST_GOOD_KEY, LAST_GOOD_SAVED_KEY)
    if got.error is None:
        return RulesState(got.value)
    exc = got.error
    n = len(exc.problems)
    head = f"RULES FILE BROKEN: {path} has {n} problem{'s' if n != 1 else ''}"
    fix = f"Fix it (`borderwatch rules check` shows each one):\n{_problems_text(exc)}"
    if got.value is not None:
        saved = got.saved or "an earlier run"
        return RulesState(
            got.value,
            [
                WarningLine(
                    f"{head}; matching used the last good rules (saved {saved}) instead.\n{fix}",
                    key=f"rules:{path}",
                )
            ],
            using_last_good=True,
            error=str(exc),
        )
    waiting = count_unmatched(store)
    return RulesState(
        None,
        [
            WarningLine(
                f"{head} and no earlier good rules are stored, so NOTHING WAS MATCHED; "
                f"{waiting} new article{'s' if waiting != 1 else ''} wait and will be matched once the "
                f"file is fixed.\n{fix}",
                key=f"rules:{path}",
            )
        ],
        error=str(exc),
    )


def count_unmatched(store: Store) -> int:
    return stored_articles.count_unmatched(store)


def match_new(store: Store, ruleset: RuleSet, batch: int = 200) -> tuple[int, int]:
    """Match every article in state 'new'. Returns (articles matched against, articles that fired a rule)."""
    # built for the first article: a run with nothing new skips the automaton and the gazetteer (~0.15 s)
    matcher = tagger = None

    def match(row) -> tuple[str | None, list[stored_articles.NewMatch], dict | None]:
        nonlocal matcher, tagger
        crashpoint("mid_match")  # test-only: a kill -9 inside a batch must roll it back whole
        if matcher is None:
            matcher, tagger = Matcher(ruleset), shipped_tagger()
        # detected here, once per article, in this one process (borderwatch/language.py); replaces
        # the page's declared language trafilatura saw
        language = detect_language(row.title, row.text)
        found = [
            stored_articles.NewMatch(m.rule, list(m.terms), m.snippet)
            for m in matcher.match(row.title or "", row.text or "", language=language)
        ]
        # who and where, once, while the text is at hand (the digest and trends read it back)
        tags = tagger.tag(row.title or "", row.text or "").stored(tagger.version) if found else None
        return language, found, tags

    seen, fired = stored_articles.match_unmatched(store, match, batch)
    tag_untagged(store)
    release_language_model()
    return seen, fired


TAG_BACKFILL = 500  # per run: a database upgraded to tags catches up over a few runs, never in one long one


def tag_untagged(store: Store, limit: int = TAG_BACKFILL) -> int:
    """Tag matched articles that have no tags yet (matched before migration 0008), oldest first."""
    tagger = shipped_tagger()
    return stored_articles.tag_untagged(
        store, lambda row: tagger.tag(row.title or "", row.text or "").stored(tagger.version), limit
    )
