"""keywords.yaml's parsed-rules cache (alerts/rules_cache.py): the same RuleSet and the same errors as parsing,
and any trouble with the cache only means parsing again."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from borderwatch.alerts import rules as rules_mod
from borderwatch.alerts import rules_cache
from borderwatch.alerts.rules import ConfigError

SHIPPED = Path(__file__).resolve().parent.parent / "config" / "keywords.yaml"


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("BORDERWATCH_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache" / "rules"


@pytest.fixture
def parses(monkeypatch) -> list[Path]:
    """Counts the real parser's calls (it still runs: this only records that it did)."""
    calls: list[Path] = []
    real = rules_mod.load_rules

    def counting(path):
        calls.append(Path(path))
        return real(path)

    monkeypatch.setattr(rules_mod, "load_rules", counting)
    return calls


def test_an_unchanged_rules_file_is_parsed_once_and_loads_the_same_ruleset(tmp_path, cache, parses):
    kw = tmp_path / "keywords.yaml"
    shutil.copy(SHIPPED, kw)
    first = rules_cache.load_rules(kw)
    second = rules_cache.load_rules(kw)
    assert len(parses) == 1 and len(list(cache.glob("*.pickle"))) == 1
    fresh = rules_mod.load_rules(kw)
    assert len(second.rules) >= 18 and second == first == fresh
    assert second.path == str(kw) and second.groups == fresh.groups and second.disabled == fresh.disabled


def test_an_edit_is_parsed_again_and_a_broken_edit_reports_file_line_and_column(tmp_path, cache, parses):
    kw = tmp_path / "keywords.yaml"
    kw.write_text("rules:\n  - id: drones\n    any: [drone]\n")
    assert [r.id for r in rules_cache.load_rules(kw).rules] == ["drones"]
    kw.write_text("rules:\n  - id: drones\n    any: [drone]\n    within: 3\n")
    with pytest.raises(ConfigError) as exc:
        rules_cache.load_rules(kw)
    assert f"{kw}:4:5" in str(exc.value) and "within" in str(exc.value)
    kw.write_text("rules:\n  - id: drones\n    any: [drone]\n")  # back to the good text: a hit, no parse
    assert [r.id for r in rules_cache.load_rules(kw).rules] == ["drones"] and len(parses) == 2


def test_a_truncated_cache_entry_is_ignored_and_rewritten(tmp_path, cache, parses):
    kw = tmp_path / "keywords.yaml"
    kw.write_text("rules:\n  - id: drones\n    any: [drone]\n")
    rules_cache.load_rules(kw)
    (entry,) = cache.glob("*.pickle")
    entry.write_bytes(entry.read_bytes()[:40])
    assert [r.id for r in rules_cache.load_rules(kw).rules] == ["drones"] and len(parses) == 2
    assert [r.id for r in rules_cache.load_rules(kw).rules] == ["drones"] and len(parses) == 2


def test_an_unwritable_cache_directory_only_means_parsing_every_time(tmp_path, monkeypatch, parses):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the cache directory would be")
    monkeypatch.setenv("BORDERWATCH_CACHE_DIR", str(blocker))
    kw = tmp_path / "keywords.yaml"
    kw.write_text("rules:\n  - id: drones\n    any: [drone]\n")
    for _ in range(2):
        assert [r.id for r in rules_cache.load_rules(kw).rules] == ["drones"]
    assert len(parses) == 2


def test_a_missing_rules_file_gets_the_parsers_own_message(tmp_path, cache):
    with pytest.raises(ConfigError) as exc:
        rules_cache.load_rules(tmp_path / "nope.yaml")
    assert "file not found" in str(exc.value)


def test_only_the_newest_entries_are_kept(tmp_path, cache):
    kw = tmp_path / "keywords.yaml"
    for i in range(rules_cache.KEEP + 3):
        kw.write_text(f"rules:\n  - id: r{i}\n    any: [drone]\n")
        rules_cache.load_rules(kw)
    assert len(list(cache.glob("*.pickle"))) == rules_cache.KEEP


def test_the_gazetteer_is_parsed_once_and_a_truncated_copy_is_parsed_again(tmp_path, monkeypatch):
    from borderwatch.alerts import tagging

    monkeypatch.setenv("BORDERWATCH_CACHE_DIR", str(tmp_path))
    build = tagging.shipped.__wrapped__  # the lru_cache'd builder, uncached
    first = build()
    (entry,) = (tmp_path / "gazetteer").glob("*.json")
    second = build()  # from the JSON copy
    entry.write_bytes(entry.read_bytes()[:50])
    third = build()  # the copy is unreadable: parsed from the YAML and written again
    text = "Cártel de Sinaloa drones over Culiacán, Sinaloa"
    assert first.version == second.version == third.version
    assert first.tag(text, "") == second.tag(text, "") == third.tag(text, "") and first.tag(text, "").places
    assert len(entry.read_bytes()) > 50
