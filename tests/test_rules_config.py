"""keywords.yaml problems: one message per problem, naming file:line:column and what to change."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from borderwatch.alerts.rules import load_rules
from borderwatch.yamlload import ConfigError

POSITION = re.compile(r"^.*keywords\.yaml:\d+:\d+: .+")


def write(tmp_path, text):
    p = tmp_path / "keywords.yaml"
    p.write_text(text, encoding="utf-8")
    return p


def problems(tmp_path, text) -> list[str]:
    with pytest.raises(ConfigError) as exc:
        load_rules(write(tmp_path, text))
    out = [str(p) for p in exc.value.problems]
    assert all(POSITION.match(p) for p in out), out
    return out


def test_bad_yaml_names_file_line_and_column_and_the_fix(tmp_path):
    out = problems(tmp_path, "rules:\n  - id: fpv\n    any: [FPV\n")
    assert len(out) == 1 and "invalid YAML" in out[0]
    assert "add the missing ']'" in out[0]
    assert "started on line 3" in out[0]  # where the unclosed list began


def test_tab_indentation_gets_a_spaces_hint(tmp_path):
    out = problems(tmp_path, "rules:\n\t- id: fpv\n")
    assert ":2:1:" in out[0] and "indent with spaces" in out[0]


def test_duplicate_yaml_key_is_reported_where_it_repeats(tmp_path):
    out = problems(tmp_path, "rules:\n  - id: a\n    any: [x]\n    any: [y]\n")
    assert ":4:" in out[0] and "appears twice" in out[0]


def test_unquoted_colon_in_a_term_suggests_quotes(tmp_path):
    out = problems(tmp_path, "rules:\n  - id: a\n    any: [x]\n    name: FPV: attack\n")
    assert "put that term in quotes" in out[0]


def test_unknown_key_duplicate_id_and_unknown_group_each_reported_with_position(tmp_path):
    out = problems(
        tmp_path,
        "groups:\n  drones: [drone]\n"
        "rules:\n"
        "  - id: a\n    any: [x]\n    anny: [y]\n"
        "  - id: a\n    any: [z]\n"
        "  - id: b\n    any: ['@drone']\n",
    )
    assert any(":6:5: rule 'a': unknown key 'anny': did you mean 'any'?" in p for p in out), out
    assert any(":7:" in p and "duplicate rule id 'a'" in p and "line 4" in p and "own id" in p for p in out)
    assert any(":10:" in p and "unknown group '@drone'" in p and "did you mean '@drones'" in p for p in out)
    assert len(out) == 3


def test_empty_rule_wrong_type_and_bad_flag_say_what_to_write(tmp_path):
    out = problems(
        tmp_path,
        "rules:\n  - id: a\n    name: A\n  - id: b\n    any: 5\n  - id: c\n    any: [{term: UAS, case: yes}]\n",
    )
    assert any("rule 'a': empty rule: give at least one term in 'any', 'all' or 'near'" in p for p in out)
    assert any(
        "rule 'b' any: expected a list of terms, got a number: write it as [term, other term]" in p
        for p in out
    )
    assert any("'case' must be true or false" in p for p in out), out


def test_bad_id_fields_lang_and_within_are_explained(tmp_path):
    out = problems(
        tmp_path,
        "rules:\n"
        "  - id: Counter UAS\n    any: [x]\n"
        "  - id: b\n    any: [x]\n    fields: body\n    lang: [english]\n"
        "  - id: c\n    near: [{a: [x], b: [y], within: 0}]\n"
        "  - id: d\n    near: [{a: [x], within: 3}]\n"
        "  - id: e\n    near: [{a: [x], b: [y], within: 3, order: before}]\n",
    )
    text = "\n".join(out)
    assert "'id' must be lowercase letters" in text and "counter_uas" in text
    assert "'fields' must be title, text or [title, text]" in text
    assert "language codes like [en, es]" in text
    assert "'within' must be a whole number of words from 1" in text
    assert "missing 'b'" in text
    assert "'order' must be one of any, a-first, b-first" in text and "got 'before'" in text


def test_group_cycle_and_empty_term_are_reported(tmp_path):
    out = problems(
        tmp_path,
        "groups:\n  a: ['@b']\n  b: ['@a']\nrules:\n  - id: r\n    any: ['@a', '--']\n",
    )
    text = "\n".join(out)
    assert "in a circle" in text
    assert "empty term '--'" in text


def test_groups_can_use_groups_defined_later(tmp_path):
    rs = load_rules(
        write(
            tmp_path,
            "groups:\n  all_drones: ['@es', drone]\n  es: [dron]\nrules:\n  - id: r\n    any: ['@all_drones']\n",
        )
    )
    assert [t.text for t in rs.rules[0].any] == ["dron", "drone"]


def test_missing_file_and_empty_file(tmp_path):
    with pytest.raises(ConfigError) as exc:
        load_rules(tmp_path / "nope.yaml")
    assert "file not found" in str(exc.value)
    out = problems(tmp_path, "")
    assert "file is empty" in out[0]


def test_disabled_rules_are_skipped_but_still_checked(tmp_path):
    rs = load_rules(
        write(tmp_path, "rules:\n  - id: a\n    any: [x]\n  - id: b\n    enabled: false\n    any: [y]\n")
    )
    assert [r.id for r in rs.rules] == ["a"]
    assert rs.disabled == [("b", "b")]  # listed by `rules check` so an operator can switch it on
    out = problems(
        tmp_path, "rules:\n  - id: a\n    any: [x]\n  - id: b\n    enabled: false\n    anny: [y]\n"
    )
    assert any("unknown key 'anny'" in p for p in out)


def test_enabled_must_be_true_or_false_with_file_line_and_column(tmp_path):
    out = problems(tmp_path, "rules:\n  - id: a\n    any: [x]\n  - id: b\n    enabled: maybe\n    any: [y]\n")
    assert any(":5:" in p and "rule 'b': 'enabled' must be true or false, got a string" in p for p in out), (
        out
    )


def test_shipped_rules_file_is_valid_and_bilingual():
    rs = load_rules(Path(__file__).resolve().parent.parent / "config" / "keywords.yaml")
    assert len(rs.rules) >= 8
    # Every digest topic is written for both languages. A rule with `topic:` may hold a one-language phrasing of
    # its topic (us_military_cartels_es: Spanish "marines" is the US Marines; English "Marines" is often Mexico's).
    assert all(set(r.lang) == {"en", "es"} for r in rs.topics)
    topics = {r.id: r for r in rs.topics}
    for r in rs.rules:
        assert set(r.lang) <= {"en", "es"} and set(topics[r.topic_id].lang) == {"en", "es"}, r.id
    assert any(
        set(r.lang) == {"es"} for r in rs.rules
    )  # the Spanish-only phrasing is there (the loop above ran)
