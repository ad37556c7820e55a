"""One last-good mechanism for both YAML files (borderwatch/lastgood.py): a clean file is remembered, a broken
one falls back to the remembered copy, and a remembered copy that no longer parses counts as none, so the
operator gets the file's own problems instead of a traceback."""

from __future__ import annotations

import pytest

from borderwatch.alerts.stage import LAST_GOOD_KEY, load_rules_or_last_good
from borderwatch.lastgood import SOURCES_KEY, load_sources_or_last_good
from borderwatch.store import Store
from borderwatch.yamlload import ConfigError

GOOD_SOURCES = "sources:\n  - name: A\n    feeds: [http://127.0.0.1:9/feed/]\n"
BROKEN_SOURCES = "sources:\n  - name: A\n    feeds: [http://127.0.0.1:9/feed/\n"
GOOD_RULES = "rules:\n  - id: drones\n    name: Drones\n    any: [drone]\n"
BROKEN_RULES = "rules:\n  - id: drones\n    name: [Drones\n"


@pytest.fixture
def store(tmp_path):
    st = Store(f"sqlite:///{tmp_path / 'bw.db'}")
    yield st
    st.dispose()


def test_a_broken_sources_file_runs_on_the_remembered_copy_and_says_so(store, tmp_path):
    path = tmp_path / "sources.yaml"
    path.write_text(GOOD_SOURCES)
    assert not load_sources_or_last_good(store, path).using_last_good
    path.write_text(BROKEN_SOURCES)
    state = load_sources_or_last_good(store, path)
    assert state.using_last_good and [s.name for s in state.cfg.sources] == ["A"]
    assert "sources.yaml:4:1: invalid YAML" in state.warnings[0]


def test_a_remembered_sources_copy_that_no_longer_parses_reports_the_files_own_problems(store, tmp_path):
    path = tmp_path / "sources.yaml"
    path.write_text(BROKEN_SOURCES)
    store.set_kv(SOURCES_KEY, "sources:\n  - name: A\n    feedz: []\n")  # e.g. written by another version
    with pytest.raises(ConfigError) as exc:
        load_sources_or_last_good(store, path)
    assert str(exc.value).startswith(f"{path}:4:1: invalid YAML")
    assert "last good copy" not in str(exc.value)


def test_a_remembered_rules_copy_that_no_longer_parses_counts_as_no_copy(store, tmp_path):
    path = tmp_path / "keywords.yaml"
    path.write_text(GOOD_RULES)
    assert load_rules_or_last_good(store, path).ruleset is not None
    assert store.get_kv(LAST_GOOD_KEY) == GOOD_RULES
    path.write_text(BROKEN_RULES)
    assert load_rules_or_last_good(store, path).using_last_good
    store.set_kv(LAST_GOOD_KEY, "rules: [")
    state = load_rules_or_last_good(store, path)
    assert state.ruleset is None and "no earlier good rules are stored" in state.warnings[0]
