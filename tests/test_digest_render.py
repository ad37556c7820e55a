"""Digest content: strongest-hit snippets, near-duplicate stories, and rendering within Slack's limits."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from borderwatch.alerts.dedup import Doc, cluster
from borderwatch.alerts.digest import DigestEntry, Mention, render, to_terminal
from borderwatch.alerts.rules import Term
from borderwatch.alerts.snippet import best_snippet
from tests.support.fake_slack import check_limits

NOW = datetime(2026, 11, 24, 14, 0, tzinfo=timezone.utc)

# SYNTHETIC wire story and its variants
WIRE = (
    "Gunmen linked to the Jalisco New Generation Cartel struck a police post in Michoacán on Sunday with "
    "drones carrying improvised explosives, state officials said. Two officers were wounded. Soldiers later "
    "recovered the remains of three quadcopters near the town of Aguililla, according to the state security "
    "ministry. Analysts say drone attacks by cartels have grown from a handful in 2020 to near-daily "
    "incidents in parts of the state this year. The ministry did not say whether the drones were bought "
    "commercially or assembled from parts, and no arrests have been announced."
)


def test_snippet_is_the_sentence_with_the_strongest_hit_not_the_first_mention():
    text = (
        "The festival drew large crowds on Saturday. "
        "A vendor sold a toy drone to a child. "
        "Police said a cartel cell flew an armed drone over the checkpoint, the first CJNG drone attack in the area. "
        "The mayor thanked volunteers."
    )
    snip = best_snippet(text, [Term("cartel"), Term("drone"), Term("CJNG")])
    assert snip.startswith("Police said a cartel cell flew an armed drone")
    assert "toy drone" not in snip


def test_short_strongest_sentence_gets_its_neighbour_for_context():
    text = "Nothing here. Cartel drones hit Aguililla. Two officers were wounded in the attack on Sunday."
    snip = best_snippet(text, [Term("cartel"), Term("drone")])
    assert snip == "Cartel drones hit Aguililla. Two officers were wounded in the attack on Sunday."


def test_snippet_splits_spanish_sentences_and_keeps_abbreviations():
    text = (
        "La Sra. Pérez habló con la prensa el lunes. "
        "Según la Fiscalía, el Cártel de Sinaloa usó drones explosivos contra la policía en Culiacán. "
        "El gobierno no respondió."
    )
    snip = best_snippet(text, [Term("Cártel de Sinaloa"), Term("drones explosivos")], language="es")
    assert snip.startswith("Según la Fiscalía, el Cártel de Sinaloa usó drones explosivos")
    assert "Sra." not in snip


def test_long_sentence_is_windowed_around_the_hit_within_the_limit():
    text = ("word " * 200) + "the cartel drone strike " + ("more " * 200) + "."
    snip = best_snippet(text, [Term("cartel")], limit=200)
    assert len(snip) <= 200 and "cartel" in snip


def test_syndicated_copy_and_repost_cluster_but_different_stories_do_not():
    order = {}
    docs = [
        Doc(1, "Cartel drones strike Michoacán police post", WIRE),
        Doc(
            2, "Cartel uses drones in attack on police in Michoacán", "By Wire staff. " + WIRE + " Copyright."
        ),
        Doc(3, "Pentagon sends counter-drone radars to the border", WIRE.replace("Michoacán", "Texas")[:150]),
        Doc(
            4,
            "Border Patrol reports record drone incursions",
            "Agents in the Tucson sector logged more drone incursions this year than ever before, "
            "a Border Patrol spokesman said, adding that most flights scout smuggling routes.",
        ),
    ]
    for d in docs:
        order[d.key] = (NOW - timedelta(hours=d.key), d.key)
    got = cluster(docs, [], {k: (NOW + timedelta(hours=k), k) for k in order})
    clusters = sorted(sorted(c) for c in got.clusters)
    assert [1, 2] in clusters
    assert [4] in clusters
    assert got.repeats == {}


def test_lead_is_the_earliest_report():
    docs = [Doc(1, "A", WIRE), Doc(2, "B", WIRE + " Updated.")]
    got = cluster(docs, [], {1: (NOW, 1), 2: (NOW - timedelta(hours=3), 2)})
    assert got.clusters == [[2, 1]]


def test_a_late_repost_of_a_story_already_sent_is_a_repeat():
    sent = [Doc(10, "Cartel drones strike Michoacán police post", WIRE)]
    queued = [
        Doc(11, "UPDATED: Cartel drones strike Michoacán police post", WIRE + " This story was updated."),
        Doc(
            12,
            "Border Patrol reports record drone incursions",
            "Agents logged more incursions. " * 3 + "x y z",
        ),
    ]
    got = cluster(queued, sent, {11: (NOW, 11), 12: (NOW, 12)})
    assert got.repeats == {11: 10}
    assert got.clusters == [[12]]


def test_tiny_texts_are_never_merged_on_too_little_evidence():
    docs = [Doc(1, "Drone attack", ""), Doc(2, "Drone attack", "")]
    got = cluster(docs, [], {1: (NOW, 1), 2: (NOW, 2)})
    assert sorted(got.clusters) == [[1], [2]]


# -- rendering -----------------------------------------------------------------------------------------

LINK_OR_ENTITY = re.compile(r"<[^<>|\s]+\|[^<>]*>|&(amp|lt|gt);")


def assert_well_formed(mrkdwn: str) -> None:
    """No stray control characters: every < > is part of a whole <url|label> link, every & an entity."""
    rest = re.sub(r"(?m)^> ", "", LINK_OR_ENTITY.sub("", mrkdwn))  # "> " opens a quote line
    assert "<" not in rest and ">" not in rest, mrkdwn
    assert "&" not in rest, mrkdwn


def entry(i, **kw) -> DigestEntry:
    base = dict(
        article_id=i,
        title=f"Cartel drone attack {i}",
        url=f"https://example.com/{i}?a=1&b=2",
        source=f"Outlet {i % 4}",
        published=NOW - timedelta(hours=i),
        rule_id=f"r{i % 3}",
        rule_name=f"Rule {i % 3}",
        terms=["cartel", "drone"],
        snippet="A sentence around the hit.",
    )
    base.update(kw)
    return DigestEntry(**base)


def test_groups_follow_rule_order_and_items_are_newest_first():
    entries = [entry(i) for i in range(6)]
    parts = render(entries, NOW, ["r2", "r0", "r1"])
    heads = [
        b["text"]["text"] for b in parts[0].blocks if b["type"] == "section" and "(" in b["text"]["text"][:40]
    ]
    assert [h.split("*")[1] for h in heads] == ["Rule 2", "Rule 0", "Rule 1"]
    r0 = [
        b["text"]["text"]
        for b in parts[0].blocks
        if b["type"] == "section" and "attack 0>" in b["text"]["text"]
    ]
    assert r0  # item 0 (newest) rendered
    text = to_terminal(parts[0].blocks)
    assert text.index("attack 0") < text.index("attack 3")  # same topic r0: 0 is newer than 3


def test_item_shows_outlets_tags_terms_and_snippet():
    e = entry(
        1,
        other_rules=["Counter-UAS at the border"],
        also_in=[Mention("Outlet B", "https://b.example/x"), Mention("Outlet C", "https://c.example/y")],
    )
    parts = render([e], NOW, ["r1"])
    item = next(
        b["text"]["text"] for b in parts[0].blocks if "attack 1>" in b.get("text", {}).get("text", "")
    )
    assert "also in: <https://b.example/x|Outlet B>, <https://c.example/y|Outlet C>" in item
    assert "also under: Counter-UAS at the border" in item
    assert "matched: `cartel`, `drone`" in item
    assert "> A sentence around the hit." in item
    assert "<https://example.com/1?a=1&amp;b=2|Cartel drone attack 1>" in item
    assert "from 3 outlets" in parts[0].blocks[1]["elements"][0]["text"]


def test_threaded_parts_say_the_rest_is_in_the_thread():
    parts = render([entry(i) for i in range(120)], NOW, ["r0", "r1", "r2"], threaded=True)
    assert len(parts) >= 3
    assert "Continued in this thread (2/" in str(parts[0].blocks[-1])
    assert "Continued" not in str(parts[-1].blocks[-1])
    assert f"(2/{len(parts)})" in parts[1].blocks[0]["text"]["text"]


nasty = st.lists(
    st.sampled_from(list("ab &<>|*_~`!@\n\t") + ["<!channel>", "&amp;", "é", "🚁", "<http://x|y>"]),
    max_size=120,
).map("".join)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    n=st.integers(1, 160),
    title=nasty,
    snippet=nasty,
    source=nasty,
    url_tail=st.text(alphabet=st.sampled_from(list("a&<>| ?=#%")), max_size=3000),
    warnings=st.lists(nasty, max_size=30),
    threaded=st.booleans(),
)
def test_any_day_renders_within_limits_with_every_item_once_and_nothing_cut(
    n, title, snippet, source, url_tail, warnings, threaded
):
    entries = [
        entry(
            i,
            title=title + str(i),
            snippet=snippet,
            source=source or "x",
            url=f"https://example.com/{i}/{url_tail}",
            terms=[title[:50] or "t"] * 8,
            other_rules=[source] * 7,
            also_in=[Mention(source or "o", f"https://o.example/{url_tail}")] * 10,
            member_ids=[i, 10_000 + i],
        )
        for i in range(n)
    ]
    parts = render(entries, NOW, ["r0", "r1", "r2"], warnings, repeats=2, threaded=threaded)
    ids = [i for p in parts for i in p.article_ids]
    assert sorted(ids) == sorted([i for i in range(n)] + [10_000 + i for i in range(n)])
    for p in parts:
        assert check_limits({"blocks": p.blocks, "text": p.text}) is None
        assert len(p.blocks) <= 49  # one block to spare for a "re-sent" note
        assert len(p.text) < 4000
        assert len(p.blocks[0]["text"]["text"]) <= 150
        assert_well_formed(p.text)
        for b in p.blocks:
            for t in [b.get("text", {}).get("text", "")] + [e["text"] for e in b.get("elements", [])]:
                if b["type"] != "header":
                    assert_well_formed(t)
