"""Per-topic channels: a rule's `channel` / `webhook_env` routes its items; one digest per channel, each
exactly once through the outbox (its own lost-ack recovery and retries); warnings stay in the default
channel; the preview shows every channel's messages. Against the loopback fake Slack, through the CLI."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from borderwatch.alerts.delivery import SlackApiDeliverer
from borderwatch.alerts.matcher import Matcher
from borderwatch.alerts.outbox import deliver
from borderwatch.alerts.rules import load_rules, parse_rules_text
from borderwatch.alerts.stage import match_new
from borderwatch.records import WarningLine
from borderwatch.store import ArticleRow, DigestItem, DigestRow, MatchRow, Store
from borderwatch.yamlload import ConfigError
from tests.support.articles import seed_article, seed_articles

from .conftest import TOKEN
from .test_delivery_e2e import db_rows, item_links

POLICY = "C0POLICY1"
BOTH_TITLE = "Army jammers down cartel FPV drones"
BOTH_TEXT = (
    "Soldiers used counter-drone jammers to bring down FPV drones flown by CJNG gunmen in Michoacán; "
    "the cartel drone attack wounded two."
)


def route_counter_uas(work, **keys) -> None:
    """Give the default keywords.yaml's counter_uas rule its own destination (channel / webhook_env)."""
    path = work.config / "keywords.yaml"
    extra = "".join(f"    {k}: {v}\n" for k, v in keys.items())
    text = path.read_text()
    assert "  - id: counter_uas\n" in text
    path.write_text(text.replace("  - id: counter_uas\n", "  - id: counter_uas\n" + extra))


def expected_by_channel(work) -> tuple[set[str], set[str]]:
    """(URLs due in the default channel, URLs due in the policy channel) from the stored matches."""
    store = Store(work.db)
    from borderwatch.store import ArticleRow

    with store.session() as s:
        rows = s.execute(select(ArticleRow.url, MatchRow.rule_id).join(MatchRow)).all()
    store.dispose()
    default = {u for u, r in rows if r != "counter_uas"}
    policy = {u for u, r in rows if r == "counter_uas"}
    assert default and policy and default & policy  # the case under test: some items go to both
    return default, policy


def queue(work) -> tuple[set[str], set[str]]:
    seed_articles(work.db, 10)
    seed_article(work.db, "https://both.example/jammers/", BOTH_TITLE, BOTH_TEXT, "Outlet B")
    r = work.run("match")
    assert r.returncode == 0, r.output
    return expected_by_channel(work)


def posts_in(slack, channel: str) -> list[dict]:
    return [p for p in slack.posts if p["channel"] == channel]


# Real passages (tests/data) that only a rule with `topic: counter_uas` catches: url -> (title, text, that rule)
CAUGHT_BY_TOPIC_RULES = {
    "https://alias.example/c-suas-industry-day/": (
        "Army to host industry day",
        "The Army will host an industry day later this month to discuss future requirements for providing aerial "
        "target supplies and hardware for joint counter small unmanned aerial systems at Ft. Sill in Oklahoma, the "
        "service announced in a Jan. 3 notice.",
        "counter_uas_phrase",
    ),
    "https://alias.example/silent-archer/": (
        "Silent Archer",
        "SRC's Silent Archer system uses radar and electronic warfare technology to detect and track drones and "
        "disrupt the drone operator's signals to the aircraft.",
        "drone_intercepts",
    ),
    "https://alias.example/navy-lasers/": (
        "Navy tests",
        "Six fibre-optic lasers with a combined 32 kilowatts of power destroyed four airborne drones (UAVs) in "
        "tests by the US Navy off the coast of California.",
        "counter_drone_weapons",
    ),
}


def problems_of(text: str) -> tuple[str, list]:
    """The ConfigError that parsing `text` as kw.yaml must raise: its message and its problem list."""
    with pytest.raises(ConfigError) as exc:
        parse_rules_text(text, "kw.yaml")
    return str(exc.value), exc.value.problems


def test_items_caught_by_a_rule_with_topic_go_to_that_topics_channel_and_not_to_the_default(work, slack):
    """The case that took two rules out in the last session: routing counter_uas must route everything filed
    under it, also what its `topic: counter_uas` rules catch (they used to be topics of their own and landed in
    the default channel)."""
    route_counter_uas(work, channel=POLICY)
    seed_articles(work.db, 1)  # a cartel drone attack: news for the default channel
    for url, (title, text, _rule) in CAUGHT_BY_TOPIC_RULES.items():
        seed_article(work.db, url, title, text, "Outlet T")
    store = Store(work.db)
    rules = load_rules(work.config / "keywords.yaml")
    matcher = Matcher(rules)
    for url, (title, text, rule) in CAUGHT_BY_TOPIC_RULES.items():  # only that rule fires, under counter_uas
        (m,) = matcher.match(title, text, language="en")
        assert (m.rule, m.fired_by, rules.by_id(rule).topic) == ("counter_uas", (rule,), "counter_uas"), url
    assert match_new(store, rules) == (4, 4)
    with store.session() as s:
        stored = {u: r for u, r in s.execute(select(ArticleRow.url, MatchRow.rule_id).join(MatchRow))}
    assert {stored[u] for u in CAUGHT_BY_TOPIC_RULES} == {"counter_uas"}  # filed under the topic itself
    deliverer = SlackApiDeliverer(TOKEN, "C0DIGEST", base_url=slack.api_url)
    res = deliver(store, deliverer, rules, [])
    store.dispose()
    assert res.error is None, res
    (policy_post,) = posts_in(slack, POLICY)
    (default_post,) = posts_in(slack, "C0DIGEST")
    assert set(item_links([policy_post])) == set(CAUGHT_BY_TOPIC_RULES)
    assert len(item_links([default_post])) == 1 and not set(item_links([default_post])) & set(
        CAUGHT_BY_TOPIC_RULES
    )
    policy_text, default_text = json.dumps(policy_post["blocks"]), json.dumps(default_post["blocks"])
    assert "Counter-UAS, jammers and drone detection" in policy_text  # shown under the topic's own name
    for rule in {r for _t, _x, r in CAUGHT_BY_TOPIC_RULES.values()}:
        name = rules.by_id(rule).name
        assert name not in policy_text and name not in default_text
    assert "Counter-UAS" not in default_text


def test_a_rule_with_topic_takes_no_channel_of_its_own():
    bad = (
        "rules:\n"
        "  - id: policy\n"
        "    any: [NDAA]\n"
        "    channel: C0POLICY1\n"
        "  - id: policy_more\n"
        "    topic: policy\n"
        "    any: [Section 130i]\n"
        "    channel: C0OTHER01\n"
        "    webhook_env: OTHER_HOOK\n"
    )
    text, problems = problems_of(bad)
    assert "kw.yaml:8:5: rule 'policy_more': 'channel' cannot be set on a rule with 'topic: policy'" in text
    assert "kw.yaml:9:5: rule 'policy_more': 'webhook_env' cannot be set" in text
    assert "set webhook_env on rule 'policy' instead" in text and len(problems) == 2


def test_rule_channel_and_webhook_env_errors_name_file_line_and_fix():
    bad = (
        "rules:\n"
        "  - id: policy\n"
        "    any: [NDAA]\n"
        "    channel: '#policy'\n"
        "    webhook_env: https://hooks.slack.com/services/T/B/X\n"
        "  - id: other\n"
        "    any: [drone]\n"
        "    channel: c0lower1\n"
    )
    text, _ = problems_of(bad)
    assert "kw.yaml:4:" in text and "channel ID like C0123ABCD" in text and "channel's name" in text
    assert "kw.yaml:5:" in text and "not the URL" in text and "hooks.slack.com" not in text
    assert "kw.yaml:8:" in text and "upper case" in text
    ok = parse_rules_text(
        "rules:\n  - id: policy\n    any: [NDAA]\n    channel: C0POLICY1\n    webhook_env: POLICY_HOOK\n"
    )
    assert (ok.rules[0].channel, ok.rules[0].webhook_env) == ("C0POLICY1", "POLICY_HOOK")


def test_two_channels_each_get_their_digest_exactly_once_under_a_lost_ack_on_one(work, slack):
    route_counter_uas(work, channel=POLICY)
    default, policy = queue(work)
    work.slack_env(slack)
    slack.inject("drop", channel=POLICY)  # the policy post is accepted, its answer lost
    r = work.run("deliver")
    assert r.returncode == 3, r.output
    assert f"channel {POLICY}" in r.stderr and "next run" in r.stderr and "Traceback" not in r.output
    assert len(posts_in(slack, "C0DIGEST")) == 1 and len(posts_in(slack, POLICY)) == 1
    r = work.run("deliver")  # recovers the policy part from conversations.history: no re-post anywhere
    assert r.returncode == 0, r.output
    assert f"digest for channel {POLICY} was found already posted (not re-sent)" in r.stdout
    assert ("conversations.history", 200) in slack.calls
    assert len(posts_in(slack, "C0DIGEST")) == 1 and len(posts_in(slack, POLICY)) == 1
    assert set(item_links(posts_in(slack, "C0DIGEST"))) == default
    assert set(item_links(posts_in(slack, POLICY))) == policy
    for channel in ("C0DIGEST", POLICY):  # every item once per channel
        links = item_links(posts_in(slack, channel))
        assert len(links) == len(set(links))
    # the item in both channels: under its best topic in each (counter_uas only exists in the policy one)
    policy_text = json.dumps(posts_in(slack, POLICY)[0]["blocks"])
    default_text = json.dumps(posts_in(slack, "C0DIGEST")[0]["blocks"])
    assert BOTH_TITLE in policy_text and BOTH_TITLE in default_text
    assert "Counter-UAS" not in default_text and "Cartel drone attacks" not in policy_text
    rows = {d.destination: d.status for d in db_rows(work, DigestRow)}
    assert rows == {"default": "sent", f"slack:{POLICY}": "sent"}
    items = db_rows(work, DigestItem)
    assert {i.destination for i in items} == {"default", f"slack:{POLICY}"}
    assert work.run("deliver").returncode == 0 and len(slack.posts) == 2  # and nothing comes back


def test_a_failing_channel_is_retried_next_run_without_reposting_to_the_one_that_succeeded(work, slack):
    route_counter_uas(work, channel=POLICY)
    _default, policy = queue(work)
    work.slack_env(slack)
    slack.inject("error", error="not_in_channel", channel=POLICY)  # the bot was not invited there yet
    r = work.run("deliver")
    assert r.returncode == 3 and "invite the bot" in r.stderr, r.output
    assert "digest sent to the default channel" in r.stderr
    assert len(posts_in(slack, "C0DIGEST")) == 1 and posts_in(slack, POLICY) == []
    r = work.run("deliver")
    assert r.returncode == 0, r.output
    assert len(posts_in(slack, "C0DIGEST")) == 1 and len(posts_in(slack, POLICY)) == 1
    assert set(item_links(posts_in(slack, POLICY))) == policy
    assert ("conversations.history", 200) not in slack.calls  # surely not posted: no lookup needed


def test_webhook_env_names_the_channels_webhook_and_a_missing_variable_waits_without_loss(work, slack):
    route_counter_uas(work, channel=POLICY, webhook_env="POLICY_HOOK")
    default, policy = queue(work)
    work.env["SLACK_WEBHOOK_URL"] = slack.webhook_url
    r = work.run("deliver")  # POLICY_HOOK not set yet
    assert r.returncode == 3 and "POLICY_HOOK" in r.stderr and "is not set" in r.stderr, r.output
    assert len(slack.webhook_posts) == 1 and set(item_links(slack.webhook_posts)) == default
    hook = slack.webhook_url_for("BPOLICY")
    r = work.run("deliver", env={"POLICY_HOOK": hook})
    assert r.returncode == 0, r.output
    assert "XXXXSECRETXXXX" not in r.output
    assert len(slack.webhook_posts) == 2
    assert slack.webhook_paths[1] == "/services/T000/BPOLICY/XXXXSECRETXXXX"
    assert set(item_links(slack.webhook_posts[1:])) == policy


def test_preview_shows_every_channels_messages(work, slack):
    route_counter_uas(work, channel=POLICY)
    default, policy = queue(work)
    work.slack_env(slack)
    cfg = ["--config-dir", str(work.config)]
    r = work.run("digest", "--preview", "--json", *cfg)
    assert r.returncode == 0, r.output
    out = json.loads(r.stdout)
    assert out["destinations"] == {"default": 1, f"slack:{POLICY}": 1}
    assert out["items"] == len(default) + len(policy)
    by = {m["destination"]: m for m in out["messages"]}
    assert set(item_links([by[f"slack:{POLICY}"]])) == policy
    assert set(item_links([by["default"]])) == default
    text = work.run("digest", "--preview", *cfg)
    assert f"to channel {POLICY}" in text.stdout and "to the default channel" in text.stdout
    assert slack.posts == [] and db_rows(work, DigestRow) == []


def test_warnings_go_to_the_default_channel_even_when_only_another_channel_has_news(work, slack):
    route_counter_uas(work, channel=POLICY)
    seed_articles(work.db, 1, start=1)  # one counter_uas item: news for the policy channel only
    assert work.run("match").returncode == 0
    store = Store(work.db)
    rules = load_rules(work.config / "keywords.yaml")
    warning = WarningLine("Source health: Outlet X has failed 3 runs in a row", key="source-health:X")
    deliverer = SlackApiDeliverer(TOKEN, "C0DIGEST", base_url=slack.api_url)
    res = deliver(store, deliverer, rules, [warning])
    assert res.error is None and res.warnings_sent == 1
    store.dispose()
    (policy_post,) = posts_in(slack, POLICY)
    (default_post,) = posts_in(slack, "C0DIGEST")
    assert "Outlet X" not in json.dumps(policy_post["blocks"])
    assert "Outlet X" in json.dumps(default_post["blocks"]) and item_links([default_post]) == []
    assert "No new items here today (1 item went to other channels)" in json.dumps(default_post["blocks"])
