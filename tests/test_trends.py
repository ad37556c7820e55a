"""Weekly trends: counts per rule per week from a real database, the sentence, and the PNG."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta, timezone

import pytest
from PIL import Image

from borderwatch.alerts.rules import load_rules
from borderwatch.alerts.trends import (
    DOWN,
    UP,
    chart_figure,
    compute_trends,
    describe,
    render_png,
    save_png,
)
from borderwatch.alerts.trends_delivery import parse_trends_day, period_day
from borderwatch.config import parse_sources
from borderwatch.store import RunRow, Store
from borderwatch.yamlload import ConfigError, load_yaml

from .conftest import REPO
from .trends_history import END, HISTORY, SHARED, WEEKS, _article, build_history, expected_total


@pytest.fixture
def ruleset():
    return load_rules(REPO / "tests" / "data" / "trends_keywords.yaml")


@pytest.fixture
def store(tmp_path):
    st = Store(f"sqlite:///{tmp_path / 'bw.db'}")
    yield st
    st.dispose()


@pytest.fixture
def history(store, ruleset):
    build_history(store)
    return compute_trends(store, ruleset, END, WEEKS)


def test_counts_per_rule_per_week_match_the_synthetic_history(history):
    got = {t.rule_id: t.counts for t in history.topics}
    assert got == HISTORY
    assert history.weeks[0] == date(2026, 8, 31) and history.weeks[-1] == date(2026, 11, 16)
    assert all(w.weekday() == 0 for w in history.weeks)  # a Monday end gives Monday-to-Sunday weeks


def test_an_article_firing_two_rules_counts_once_in_all_topics(history):
    assert history.total.counts == [expected_total(w) for w in range(WEEKS)]
    assert any(SHARED.get(w) for w in range(WEEKS))
    assert history.total.counts[11] < sum(c[11] for c in HISTORY.values())


def test_rows_outside_the_window_without_matches_or_of_retired_rules_are_not_counted(history):
    assert "retired_rule" not in {t.rule_id for t in history.topics}
    assert history.total.counts[-1] == expected_total(11)  # noise rows 9001-9006 all left out


def test_topics_keep_the_rules_file_order(history, ruleset):
    assert [t.rule_id for t in history.topics] == [r.id for r in ruleset.rules]


def test_sentence_names_the_biggest_move_against_the_four_week_average(history):
    assert history.sentence == (
        "Counter-UAS at the border reporting up 60% on the month "
        "(8 articles this week against an average of 5 a week)."
    )
    by_id = {t.rule_id: t for t in history.topics}
    assert by_id["counter_uas"].change_pct == 60 and by_id["counter_uas"].average == 5
    assert by_id["cartel_drones"].phrase == "up 23% on the month"
    assert by_id["cjng"].phrase == "down 50% on the month"
    assert by_id["fpv"].phrase == "flat on the month"
    assert by_id["ndaa"].direction == "new"
    assert history.quiet_topics == ["Sinaloa Cartel factions"]
    assert "sinaloa" not in {t.rule_id for t in history.charted}


def test_summary_lines_cover_every_charted_topic_and_the_total(history):
    text = history.summary()
    assert text.splitlines()[1] == history.sentence
    assert "• Counter-UAS at the border: 8 this week, up 60% on the month" in text
    assert f"• All topics: {expected_total(11)} this week" in text
    assert "No reporting in 12 weeks: Sinaloa Cartel factions" in text
    assert "week to Sun 22 Nov 2026" in text


def test_the_quiet_topics_footer_wraps_inside_the_chart_and_left_of_the_mark(history):
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    history.quiet_topics = [
        "Sinaloa Cartel factions and drones",
        "US military and CIA drones over Mexico",
        "Kamikaze and one-way attack drones",
        "NDAA counter-drone provisions",
        "Explosive drone attacks in Mexico",
        "Drones over the US-Mexico border",
    ]
    fig = chart_figure(history)
    renderer = FigureCanvasAgg(fig).get_renderer()
    footer = next(t for t in fig.texts if "No reporting" in t.get_text())
    mark = next(t for t in fig.texts if t.get_text() == "borderwatch")
    box, mark_box = footer.get_window_extent(renderer), mark.get_window_extent(renderer)
    assert box.x0 >= 0 and box.y0 >= 0 and box.x1 <= fig.bbox.x1  # nothing runs off the edge
    assert box.x1 < mark_box.x0  # nor under the mark
    text = " ".join(footer.get_text().split())
    for name in history.quiet_topics:  # every quiet topic named in full
        assert name in text
    assert len(footer.get_text().splitlines()) > 3  # it did wrap


@pytest.mark.parametrize(
    "counts, direction, phrase",
    [
        ([4, 4, 4, 4, 6], "up", "up 50% on the month"),
        ([4, 4, 4, 4, 2], "down", "down 50% on the month"),
        ([10, 10, 10, 10, 10], "flat", "flat on the month"),
        ([20, 20, 20, 20, 21], "flat", "flat on the month"),  # +5%: under the 10% threshold
        ([1, 1, 1, 1, 5], "up", "up 5-fold on the month"),
        ([0, 0, 0, 0, 3], "new", "new this week (none in the 4 weeks before)"),
        ([2, 2, 2, 2, 0], "down", "none this week, down from 2 a week on the month"),
        ([0, 0, 0, 0, 0], "none", "none this week or in the 4 weeks before"),
        ([None, None, 2, 2, 3], "up", "up 50% on the 2-week average"),
        ([None, None, None, None, 3], "first", "first week watched"),
    ],
)
def test_change_is_named_in_words(counts, direction, phrase):
    t = describe("x", "X", counts)
    assert (t.direction, t.phrase) == (direction, phrase)


def test_a_plus_ten_percent_change_is_named():
    assert describe("x", "X", [10, 10, 10, 10, 12]).phrase == "up 20% on the month"
    assert describe("x", "X", [20, 20, 20, 20, 22]).phrase == "up 10% on the month"


def test_weeks_before_borderwatch_was_watching_are_gaps_not_zeros(store, ruleset):
    with store.session() as s:
        s.add(RunRow(started_at=END - timedelta(days=16)))
        _article(s, 1, END - timedelta(days=10), ["counter_uas"])
        _article(s, 2, END - timedelta(days=3), ["counter_uas"])
        _article(s, 3, END - timedelta(days=2), ["counter_uas"])
    t = compute_trends(store, ruleset, END, WEEKS)
    cuas = next(x for x in t.topics if x.rule_id == "counter_uas")
    assert cuas.counts == [None] * 9 + [0, 1, 2]
    assert cuas.average_weeks == 2 and cuas.phrase == "up 4-fold on the 2-week average"  # 2 vs 0.5


def test_an_article_is_dated_by_first_sighting_when_its_published_date_is_missing_or_impossible(
    store, ruleset
):
    last_week = END - timedelta(days=3)
    with store.session() as s:
        s.add(RunRow(started_at=END - timedelta(days=40)))
        _article(s, 1, last_week, ["fpv"], published=None, first_seen=last_week)
        _article(s, 2, last_week, ["fpv"], published=END + timedelta(days=40), first_seen=last_week)
        _article(s, 3, last_week, ["fpv"], published=last_week - timedelta(days=14), first_seen=last_week)
    fpv = next(x for x in compute_trends(store, ruleset, END, 4).topics if x.rule_id == "fpv")
    assert fpv.counts == [0, 1, 0, 2]  # the third counts in its (plausible, older) published week


def test_an_empty_database_says_so_in_one_sentence(store, ruleset):
    t = compute_trends(store, ruleset, END, WEEKS)
    assert t.empty and t.sentence == "No matched articles in the last 12 weeks."
    assert render_png(t).startswith(b"\x89PNG")


def test_png_is_a_phone_sized_chart_with_up_and_down_colours(history, tmp_path):
    path = save_png(history, tmp_path / "charts" / "t.png")
    data = path.read_bytes()
    assert 20_000 < len(data) < 1_000_000
    img = Image.open(io.BytesIO(data))
    assert img.format == "PNG"
    width, height = img.size
    assert width == 1080  # Slack's phone viewer fills the screen width with it
    assert 1.0 < height / width < 2.2  # portrait, like a phone screen
    colours = {c for _, c in img.convert("RGB").getcolors(maxcolors=1_000_000)}

    def near(hex_colour):
        r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
        return any(abs(r - c[0]) + abs(g - c[1]) + abs(b - c[2]) < 12 for c in colours)

    assert near(UP) and near(DOWN)  # counter-UAS rises (orange), CJNG falls (blue)
    assert not list(tmp_path.glob("charts/*.tmp"))


def test_png_grows_with_the_number_of_topics_not_beyond_a_phone_screen(store, ruleset):
    build_history(store)
    one = compute_trends(store, ruleset, END, WEEKS)
    one.topics = [t for t in one.topics if t.rule_id == "counter_uas"]
    small = Image.open(io.BytesIO(render_png(one))).size
    full = Image.open(io.BytesIO(render_png(compute_trends(store, ruleset, END, WEEKS)))).size
    assert small[0] == full[0] == 1080 and small[1] < full[1] <= 2200


@pytest.mark.parametrize(
    "text, day", [("monday", 0), ("Mon", 0), ("SUNDAY", 6), ("fri", 4), ("off", None), ("never", None)]
)
def test_trends_day_accepts_weekday_names_and_off(text, day):
    assert parse_trends_day(text) == day


@pytest.mark.parametrize("text", ["funday", "m", "", "8"])
def test_trends_day_rejects_anything_else(text):
    with pytest.raises(ValueError, match="weekday"):
        parse_trends_day(text)


def test_the_chart_due_belongs_to_the_latest_trends_day():
    wed = datetime(2026, 11, 25, 6, tzinfo=timezone.utc)
    assert period_day(wed, 0) == date(2026, 11, 23)  # Monday before
    assert period_day(wed, 2) == date(2026, 11, 25)  # today
    assert period_day(wed, 3) == date(2026, 11, 19)  # last Thursday


def test_bad_trends_day_in_sources_yaml_is_a_located_config_error(tmp_path):
    f = tmp_path / "sources.yaml"
    f.write_text(
        "settings:\n  trends_day: funday\nsources:\n  - name: X\n    feeds: [https://x.example/feed]\n"
    )
    with pytest.raises(ConfigError) as exc:
        parse_sources(load_yaml(f), f)
    assert "sources.yaml:2:" in str(exc.value) and "trends_day" in str(exc.value)
    f.write_text(
        "settings:\n  trends_day: friday\nsources:\n  - name: X\n    feeds: [https://x.example/feed]\n"
    )
    assert parse_sources(load_yaml(f), f).settings["trends_day"] == "friday"
