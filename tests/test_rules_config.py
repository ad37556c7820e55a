"""keywords.yaml errors name file:line:column; the matcher's word semantics."""

from __future__ import annotations

import pytest

from borderwatch.alerts.matcher import Matcher
from borderwatch.alerts.rules import load_rules
from borderwatch.yamlload import ConfigError


def write(tmp_path, text):
    p = tmp_path / "keywords.yaml"
    p.write_text(text)
    return p


def problems(tmp_path, text) -> list[str]:
    with pytest.raises(ConfigError) as exc:
        load_rules(write(tmp_path, text))
    return [str(p) for p in exc.value.problems]


def test_bad_yaml_names_file_line_and_column(tmp_path):
    out = problems(tmp_path, "rules:\n  - id: fpv\n    any: [FPV\n")
    assert len(out) == 1 and "keywords.yaml:" in out[0] and "invalid YAML" in out[0]


def test_unknown_key_duplicate_id_and_unknown_group_each_reported_with_position(tmp_path):
    out = problems(
        tmp_path,
        "rules:\n"
        "  - id: a\n    any: [x]\n    anny: [y]\n"
        "  - id: a\n    any: [z]\n"
        "  - id: b\n    any: ['@nope']\n",
    )
    assert any(":4:5: rule 'a': unknown key 'anny'" in p for p in out), out
    assert any(":5:" in p and "duplicate rule id 'a'" in p for p in out), out
    assert any(":8:" in p and "unknown group '@nope'" in p for p in out), out


def test_empty_rule_and_wrong_type(tmp_path):
    out = problems(tmp_path, "rules:\n  - id: a\n    name: A\n  - id: b\n    any: 5\n")
    assert any("empty rule" in p for p in out)
    assert any("expected a list of terms" in p for p in out)


def match(rules_yaml: str, tmp_path, title="", text=""):
    return {m.rule for m in Matcher(load_rules(write(tmp_path, rules_yaml))).match(title, text)}


def test_whole_words_case_hyphen_plural_and_diacritics(tmp_path):
    rules = "rules:\n  - id: cuas\n    any: [counter-UAS]\n  - id: drone\n    any: [drone]\n  - id: mx\n    any: [Michoacán]\n"
    assert match(rules, tmp_path, text="New counter UAS kit") == {"cuas"}
    assert match(rules, tmp_path, text="counterUAS radars") == {"cuas"}
    assert match(rules, tmp_path, text="Two DRONES flew") == {"drone"}
    assert match(rules, tmp_path, text="an engine droned on") == set()
    assert match(rules, tmp_path, text="en Michoacan ayer") == {"mx"}


def test_case_sensitive_acronym(tmp_path):
    rules = "rules:\n  - id: uas\n    any: [{term: UAS, case: true}]\n"
    assert match(rules, tmp_path, text="small UAS threats") == {"uas"}
    assert match(rules, tmp_path, text="Uasin Gishu county, uas") == set()


def test_none_vetoes_and_near_window(tmp_path):
    rules = (
        "rules:\n  - id: fpv\n    any: [FPV]\n    none: [FPV racing]\n"
        "  - id: near\n    near: [{a: [cartel], b: [drone], within: 3}]\n"
    )
    assert match(rules, tmp_path, text="FPV racing league") == set()
    assert match(rules, tmp_path, text="the cartel flew a drone") == {"near"}
    assert match(rules, tmp_path, text="the cartel said one two three four drone") == set()


def test_shipped_rules_file_is_valid():
    from pathlib import Path

    rs = load_rules(Path(__file__).resolve().parent.parent / "config" / "keywords.yaml")
    assert len(rs.rules) >= 5
