"""`topic: <rule id>`: a rule that is one more way to catch another rule's digest topic. What it fires is filed
under that topic (one match per topic and article), at the topic's place in the priority order, and routed,
counted and replayed as the topic; the rule itself is named only where an operator tunes (`rules test`,
`rules check`). Validation follows the house style: every problem at once, file:line:col, the fix.
(Routing to a channel, end to end: tests/test_channels.py.)"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from borderwatch.alerts.delivery import SlackApiDeliverer
from borderwatch.alerts.matcher import Matcher
from borderwatch.alerts.outbox import destinations_of, routes
from borderwatch.alerts.replay import replay
from borderwatch.alerts.rules import parse_rules_text
from borderwatch.alerts.trends import compute_trends, weekly_counts
from borderwatch.cli import build_parser
from borderwatch.commands.rules import _print_replay
from borderwatch.store import ArticleRow, MatchRow, Store
from borderwatch.yamlload import ConfigError

from .trends_history import _article

RULES = """\
rules:
  - id: jammers_more            # line 2: before its topic in the file; takes the topic's place anyway
    name: More jammer wording
    topic: jammers
    any: [signal blocker]
  - id: cartels
    name: Cartel drones
    all: [cartel, drone]
  - id: jammers
    name: Jammers
    any: [jammer]
    channel: C0POLICY1
  - id: jammers_radar
    name: Radar near a drone
    topic: jammers
    near: [{a: [radar], b: [drone], within: 3}]
    none: [war]
"""


@pytest.fixture
def rules():
    return parse_rules_text(RULES, "kw.yaml")


def test_topic_problems_are_all_reported_at_once_with_line_column_and_fix():
    bad = """\
rules:
  - id: jammers
    any: [jammer]
  - id: more
    topic: jamers
    any: [blocker]
  - id: self
    topic: self
    any: [x]
  - id: chained
    topic: more
    any: [y]
  - id: listed
    topic: [jammers]
    any: [z]
  - id: routed
    topic: jammers
    webhook_env: POLICY_HOOK
    any: [w]
"""
    with pytest.raises(ConfigError) as exc:
        parse_rules_text(bad, "kw.yaml")
    lines = str(exc.value).splitlines()
    assert len(exc.value.problems) == 5 and len(lines) == 5, lines
    assert lines[0].startswith("kw.yaml:5:5: rule 'more': topic 'jamers' is not a rule in this file: ")
    assert "did you mean 'jammers'?" in lines[0] and "(rules: jammers)" in lines[0]  # only topics are offered
    assert lines[1].startswith("kw.yaml:8:5: rule 'self': topic 'self' is this rule itself")
    assert lines[2].startswith(
        "kw.yaml:11:5: rule 'chained': topic 'more' has a topic of its own (topic: jamers)"
    )
    assert "topics do not chain" in lines[2]
    assert lines[3].startswith("kw.yaml:14:5: rule 'listed': 'topic' must be the id of another rule")
    assert lines[4].startswith(
        "kw.yaml:18:5: rule 'routed': 'webhook_env' cannot be set on a rule with 'topic"
    )
    assert "Traceback" not in str(exc.value)


def test_a_rule_whose_topic_is_disabled_is_left_out_with_it_and_check_says_why(capsys):
    rs = parse_rules_text(
        "rules:\n"
        "  - id: base\n    any: [drone]\n"
        "  - id: war\n    enabled: false\n    any: [Shahed]\n"
        "  - id: war_more\n    name: More war\n    topic: war\n    any: [Geran]\n",
        "kw.yaml",
    )
    assert [r.id for r in rs.rules] == ["base"] and rs.disabled_with == {"war_more": "war"}
    assert ("war_more", "More war") in rs.disabled
    assert Matcher(rs).fired_ids("", "A Geran and a Shahed") == []


def test_rules_check_lists_the_topic_of_each_rule_and_keeps_its_first_line(tmp_path, capsys):
    path = tmp_path / "kw.yaml"
    path.write_text(
        RULES
        + "  - id: off\n    enabled: false\n    any: [v]\n  - id: off_more\n    topic: off\n    any: [u]\n"
    )
    args = build_parser().parse_args(["rules", "check", "--rules", str(path)])
    assert args.func(args) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith(f"{path}: OK, 4 rules, 0 groups, ")  # rules that match, `topic:` ones included
    assert "  jammers_more: More jammer wording -> topic jammers" in out
    assert "  jammers: Jammers -> channel C0POLICY1" in out
    assert "  off_more: off_more (disabled with its topic off: set enabled: true on off to use it)" in out


def test_a_rule_with_topic_fires_under_its_topic_at_the_topics_place(rules):
    m = Matcher(rules)
    assert [r.id for r in rules.topics] == ["cartels", "jammers"]
    # caught only by jammers_radar (listed last) and cartels: one match each, the topic in the topics' order
    got = m.match("", "The cartel drone showed on radar near Reynosa.")
    assert [(x.rule, x.fired_by) for x in got] == [("cartels", ()), ("jammers", ("jammers_radar",))]
    assert got[1].via == ("jammers_radar",) and got[1].terms == ("radar", "drone")
    # the topic's own rule and two other ways fire: still one match, its own terms and snippet first
    (both,) = m.match("", "Agents seized a jammer. A signal blocker hid a radar by the drone.")
    assert both.rule == "jammers" and both.fired_by == ("jammers", "jammers_more", "jammers_radar")
    assert both.via == ("jammers_more", "jammers_radar")
    assert both.terms == ("jammer", "signal blocker", "radar", "drone")
    assert both.snippet.startswith("Agents seized a jammer")
    assert m.fired_ids("", "Agents seized a jammer. A signal blocker hid a radar by the drone.") == [
        "jammers"
    ]
    assert m.fired_ids("", "A cartel drone, a signal blocker.") == ["cartels", "jammers"]
    # its own vetoes and clauses still apply, and only to it
    assert m.fired_ids("", "In the war, radar saw a drone.") == []
    assert m.fired_ids("", "In the war, radar saw a drone and a jammer.") == ["jammers"]
    explained = {e.rule: e for e in m.explain("", "In the war, radar saw a drone.")}
    assert (
        explained["jammers_radar"].topic == "jammers"
        and "vetoed by 'war'" in explained["jammers_radar"].reason
    )
    assert explained["jammers"].topic is None


def test_rules_test_json_keeps_its_shape_and_names_the_rule_that_caught_it(tmp_path, capsys):
    path = tmp_path / "kw.yaml"
    path.write_text(RULES)
    via = tmp_path / "via.txt"
    via.write_text("Police found a signal blocker in the truck.")
    own = tmp_path / "own.txt"
    own.write_text("Police found a jammer in the truck.")
    argv = ["rules", "test", "--json", "--explain", "--rules", str(path), str(via), str(own)]
    args = build_parser().parse_args(argv)
    assert args.func(args) == 0
    first, second = (json.loads(line) for line in capsys.readouterr().out.splitlines())
    assert set(first) == {"input", "matches", "actors", "places", "language", "not_fired"}
    (m,) = first["matches"]
    assert m["rule"] == "jammers" and m["via"] == ["jammers_more"] and m["terms"] == ["signal blocker"]
    assert set(m) == {"rule", "terms", "snippet", "hits", "via"}
    assert {"rule": "jammers", "reason": "any: none of jammer found"} in first["not_fired"]
    radar = next(e for e in first["not_fired"] if e["rule"] == "jammers_radar")
    assert radar["topic"] == "jammers"  # extra key, only on rules with `topic:`
    (m2,) = second["matches"]
    assert set(m2) == {"rule", "terms", "snippet", "hits"}  # the topic's own rule: the line as it always was
    assert {e["rule"]: set(e) for e in second["not_fired"]} == {
        "cartels": {"rule", "reason"},
        "jammers_more": {"rule", "reason", "topic"},
        "jammers_radar": {"rule", "reason", "topic"},
    }
    args = build_parser().parse_args(["rules", "test", "--explain", "--rules", str(path), str(via)])
    assert args.func(args) == 0
    out = capsys.readouterr().out
    assert "  ✔ jammers (via jammers_more) — Jammers\n" in out
    assert "  ✘ jammers_radar (topic jammers): near: no term of radar found" in out
    assert "  ✘ jammers (its topic fired via jammers_more): any: none of jammer found" in out


def test_a_rule_with_topic_is_routed_with_its_topic_and_makes_no_destination_of_its_own(rules):
    deliverer = SlackApiDeliverer("xoxb-test", "C0DIGEST", base_url="http://127.0.0.1:9/api/")
    route = routes(rules, deliverer)
    assert route["jammers"] == route["jammers_more"] == route["jammers_radar"] == "slack:C0POLICY1"
    assert route["cartels"] == "default"
    assert destinations_of(rules, route) == ["default", "slack:C0POLICY1"]


def test_trends_count_a_topic_once_per_article_also_for_matches_stored_under_a_rule_before_it_had_topic(
    tmp_path, rules
):
    end = datetime(2026, 11, 23, tzinfo=timezone.utc)
    store = Store(f"sqlite:///{tmp_path / 'bw.db'}")
    with store.session() as s:
        _article(s, 1, end - timedelta(days=2), ["jammers"])
        _article(s, 2, end - timedelta(days=3), ["jammers_radar"])  # stored when it was a topic of its own
        _article(s, 3, end - timedelta(days=4), ["jammers", "jammers_radar"])
        _article(s, 4, end - timedelta(days=5), ["cartels", "jammers_more"])
    fold = {r.id: r.topic for r in rules.rules if r.topic}
    _weeks, per_rule, totals = weekly_counts(store, [r.id for r in rules.topics], end, 2, fold)
    assert per_rule == {"cartels": [0, 1], "jammers": [0, 4]} and totals == [0, 4]
    assert [t.rule_id for t in compute_trends(store, rules, end, 2).topics] == ["cartels", "jammers"]
    store.dispose()


def test_replay_shows_matches_stored_under_a_rule_before_it_had_topic_moving_to_the_topic(
    tmp_path, rules, capsys
):
    store = Store(f"sqlite:///{tmp_path / 'bw.db'}")
    now = datetime.now(timezone.utc)
    with store.session() as s:
        for n, text, stored in (
            (1, "A cartel drone showed on radar.", ["cartels", "jammers_radar"]),  # jammers_radar was a topic
            (2, "Police seized a jammer.", ["jammers"]),
        ):
            a = ArticleRow(url=f"https://t.example/{n}", source="T", title="", text=text, first_seen=now)
            a.status = "matched"
            s.add(a)
            s.flush()
            for rid in stored:
                s.add(MatchRow(article_id=a.id, rule_id=rid, terms=["x"], matched_at=now))
    report = replay(store, rules, now - timedelta(days=1))
    store.dispose()
    assert set(report.rules) == {"cartels", "jammers", "jammers_radar"}  # no row for rules that never stored
    assert vars(report.rules["jammers_radar"]) == {"before": 1, "after": 0, "added": 0, "removed": 1}
    assert vars(report.rules["jammers"]) == {"before": 1, "after": 2, "added": 1, "removed": 0}
    (moved,) = report.diffs
    assert moved.kind == "changed" and moved.after_ids == ["cartels", "jammers"]
    _print_replay(report, rules, tmp_path / "kw.yaml", 10)
    out = capsys.readouterr().out
    assert "jammers_radar                     1      0     +0      -1  (now filed under topic jammers)" in out
    assert "jammers_more" not in out
